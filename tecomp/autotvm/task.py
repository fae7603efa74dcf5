"""Tuning tasks: templates registered by name, and a task = template + arguments + target.

::

    @autotvm.template("tutorial/matmul")
    def matmul(N, L, M, dtype):
        ...
        cfg = autotvm.get_config()
        cfg.define_split("tile_y", y, num_outputs=2)
        yo, yi = cfg["tile_y"].apply(s, C, y)
        ...
        return s, [A, B, C]

    task = autotvm.task.create("tutorial/matmul", args=(512, 512, 512, "float32"), target="llvm")

Calling a template runs it under the configuration the current dispatch
context picks for its workload (see :mod:`.dispatcher`): the best one of a log
inside ``apply_history_best``, a fallback outside it.
"""

import functools

from ..errors import ScheduleError
from ..target import Target
from .dispatcher import ApplyConfig, DispatchContext, current_target
from .flop import count_flop
from .space import ConfigSpace

#: Template name -> the undecorated function.
TASK_TABLE = {}


def template(task_name, func=None):
    """Register ``func`` as the tuning template ``task_name`` (a decorator).

    The decorated function still builds a schedule when called, with the
    configuration the current dispatch context gives its workload. As in
    TVM 0.6, ``@autotvm.template`` without a name registers the function under
    its own name."""
    if callable(task_name):          # bare @autotvm.template
        return template(task_name.__name__, task_name)
    def register(f):
        TASK_TABLE[task_name] = f      # a re-run script or notebook cell: the newest wins

        @functools.wraps(f)
        def dispatched(*args, **kwargs):
            if kwargs:
                raise ScheduleError(f"template {task_name!r}: pass its arguments by position, "
                                    f"got keywords {sorted(kwargs)}")
            workload = (task_name,) + tuple(args)
            config = DispatchContext.current().query(current_target(), workload)
            with ApplyConfig(config):
                return f(*args)

        dispatched.task_name = task_name
        return dispatched

    return register if func is None else register(func)


def get_config():
    """The configuration of the template being run (inside a template only)."""
    return DispatchContext.current().query(None, None)


class Task:
    """A template with its arguments and target: ``config_space``, ``flop``,
    ``instantiate(config) -> (schedule, args)``."""

    def __init__(self, name, args, target):
        if name not in TASK_TABLE:
            raise ScheduleError(f"autotvm: no template named {name!r}; registered: "
                                f"{', '.join(sorted(TASK_TABLE)) or '(none)'}")
        self.name, self.args, self.target = name, tuple(args), Target.create(target)
        self.func = TASK_TABLE[name]
        self.config_space = ConfigSpace()
        with self.target, ApplyConfig(self.config_space):
            sch, _ = self.func(*self.args)
        self.flop = self.config_space.flop or count_flop(sch.outputs)

    @property
    def workload(self):
        return (self.name,) + self.args

    def instantiate(self, config):
        """``(schedule, args)`` of the template under ``config``."""
        with self.target, ApplyConfig(config):
            return self.func(*self.args)

    def __repr__(self):
        return f"Task(func_name={self.name}, args={self.args}, target={self.target})"


def create(task_name, args, target="llvm", target_host=None, template_key=None):
    """The tuning task of template ``task_name`` (or the template function itself,
    as TVM 0.6 passed it) with ``args`` for ``target``. ``target_host`` and
    ``template_key`` are accepted for AutoTVM's signature: tecomp has one template
    per name, and the host of a CPU task is the target itself."""
    if callable(task_name):
        task_name = getattr(task_name, "task_name", None) or task_name.__name__
    return Task(task_name, args, target)
