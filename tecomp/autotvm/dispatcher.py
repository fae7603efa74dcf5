"""Which configuration a template runs with: a stack of dispatch contexts.

``with ApplyConfig(cfg)`` (used while tuning) answers every query with ``cfg``;
``with apply_history_best(log)`` answers a workload with its best record for
the current target; below every context, :class:`FallbackContext` answers with
a :class:`~.space.FallbackConfigEntity` and says once per workload that no
tuned configuration was found.
"""

import logging
import threading

from ..errors import TecompError
from ..target import Target
from .measure import MeasureErrorNo
from .record import load_records, target_key
from .space import FallbackConfigEntity

logger = logging.getLogger("autotvm")


def current_target():
    """The target of the innermost ``with Target(...)``, else the host's ``llvm``."""
    return Target.current(allow_none=True) or Target.current_host()


class _Stack(threading.local):
    def __init__(self):
        self.items = []


class DispatchContext:
    """Base of the contexts; ``query(target, workload)`` asks the innermost one,
    which may defer to the one outside it. Each thread has its own stack."""

    _stack = _Stack()

    @classmethod
    def current(cls):
        stack = cls._stack.items
        return stack[-1] if stack else _FALLBACK

    def query(self, target, workload):
        config = self._query_inside(target, workload)
        if config is None:
            outer = self._outer()
            config = outer.query(target, workload)
        return config

    def _query_inside(self, target, workload):
        raise NotImplementedError

    def _outer(self):
        stack = DispatchContext._stack.items
        index = stack.index(self) if self in stack else len(stack)
        return stack[index - 1] if index > 0 else _FALLBACK

    def __enter__(self):
        DispatchContext._stack.items.append(self)
        return self

    def __exit__(self, *exc):
        DispatchContext._stack.items.pop()


class ApplyConfig(DispatchContext):
    """Every query gets ``config`` (a space while collecting, a point while tuning)."""

    def __init__(self, config):
        self.config = config

    def _query_inside(self, target, workload):
        return self.config


class FallbackContext(DispatchContext):
    """The bottom context: a fallback configuration per workload, with one
    warning each (``silent = True`` to stay quiet)."""

    def __init__(self):
        self.memory = {}
        self.silent = False

    def _query_inside(self, target, workload):
        key = (str(target), workload)
        if key not in self.memory:
            if not self.silent and workload is not None:
                logger.warning("autotvm: no tuned configuration for %s on %s; using a "
                               "fallback configuration", workload, target)
            self.memory[key] = FallbackConfigEntity()
        return self.memory[key]

    def query(self, target, workload):
        return self._query_inside(target, workload)


_FALLBACK = FallbackContext()


class ApplyHistoryBest(DispatchContext):
    """The best configuration of each workload in tuning records (a log path,
    a list of paths, or ``(MeasureInput, MeasureResult)`` pairs).

    Records are matched to the current target by :func:`~.record.target_key`
    (CPU name and features, not just ``"llvm"``): records made for another
    target are refused with a TecompError unless ``allow_other_targets=True``.
    A configuration with a wrong-answer record is never chosen; where the end of
    a tuning re-measured and verified its winners (``confirmed`` records), the
    best of those wins over a faster single measurement."""

    def __init__(self, records, allow_other_targets=False):
        self._target_key = target_key
        self.allow_other_targets = allow_other_targets
        self.best = {}       # (target key, workload) -> (rank, config)
        self.sources = {}    # workload -> target keys of its records
        records = load_records(records)
        wrong = {(inp.target_key, inp.task.workload, inp.config.index) for inp, res in records
                 if res.error_no == MeasureErrorNo.WRONG_ANSWER}
        for inp, res in records:
            key = (inp.target_key, inp.task.workload)
            if res.error_no != 0 or key + (inp.config.index,) in wrong:
                continue
            rank = (not res.confirmed, sum(res.costs) / len(res.costs))
            if key not in self.best or rank < self.best[key][0]:
                self.best[key] = (rank, inp.config)
            self.sources.setdefault(inp.task.workload, set()).add(inp.target_key)

    def _query_inside(self, target, workload):
        if workload is None:
            return None
        wanted = self._target_key(target)
        if (wanted, workload) in self.best:
            return self.best[(wanted, workload)][1]
        others = self.sources.get(workload)
        if not others:
            return None
        if not self.allow_other_targets:
            raise TecompError(
                f"apply_history_best: the records for {workload} were tuned for "
                f"{', '.join(sorted(others))}, not for this target ({wanted}); tune again on "
                "this machine, or pass allow_other_targets=True to use them anyway")
        return min((self.best[(k, workload)] for k in others), key=lambda p: p[0])[1]


def apply_history_best(records, allow_other_targets=False):
    """``with apply_history_best("matmul.log"):`` templates built inside use the
    best record of their workload for the current target."""
    return ApplyHistoryBest(records, allow_other_targets)
