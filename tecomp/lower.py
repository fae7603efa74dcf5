"""``lower``: a schedule to a lowered function, one pass after another.

Set ``TECOMP_PRINT_IR=1`` to print the IR after every pass and a table of how
long each pass took (``(unchanged)`` marks a pass that changed nothing).
"""

import os
import time

from .errors import LoweringError
from .ir import Buffer, PrimFunc, Var
from .ir import expr as E
from .ir.functor import free_vars
from .schedule import Schedule
from .schedule.bound import infer_bound
from .schedule.graph import lowered_stages
from .schedule.schedule_ops import schedule_ops
from .tensor import PlaceholderOp, Tensor
from .transform.loop_partition import loop_partition
from .transform.simplify import simplify
from .transform.storage_flatten import storage_flatten
from .transform.unroll_loops import unroll_loops
from .transform.vectorize_loops import vectorize_loops


def lower(sch, args, name="main", simple_mode=True, binds=None):
    """Lower schedule ``sch`` with tensor/var arguments ``args`` to a PrimFunc.

    ``print(lower(...))`` shows the loop nest. ``simple_mode`` and ``binds`` are
    accepted for TVM compatibility."""
    if not isinstance(sch, Schedule):
        raise LoweringError(f"lower: first argument must be a schedule (te.create_schedule), got {sch!r}")
    check_function_name(name, LoweringError)
    tensors, params, buffers = _parameters(sch, args, name)
    log = _PassLog(name)

    ranges = log.run("infer_bound", lambda _: infer_bound(sch), None, show=False)
    body = log.run("schedule_ops", lambda _: schedule_ops(sch, ranges, tensors), None)
    func = PrimFunc(name, params, body)
    align = {t: s.align_info for s in lowered_stages(sch) for t in s.op.outputs if s.align_info}
    func = log.run("storage_flatten", lambda f: storage_flatten(f, buffers, align), func)
    func = log.run("simplify", simplify, func)
    func = log.run("loop_partition", loop_partition, func)
    func = log.run("unroll_loops", unroll_loops, func)
    func = log.run("vectorize_loops", vectorize_loops, func)
    func = log.run("simplify", simplify, func)
    log.finish()
    return func


def check_function_name(name, error_class):
    """The name becomes a C symbol (and a declaration in an exported header)."""
    if not isinstance(name, str) or not name.isidentifier() or not name.isascii():
        raise error_class(f"function name {name!r} must be a C identifier (letters, digits "
                          "and '_', not starting with a digit), e.g. 'matmul'")


def _parameters(sch, args, name):
    if not isinstance(args, (list, tuple)):
        raise LoweringError(f"lower({name}): args must be a list of tensors and vars, got {args!r}")
    tensors, scalars, buffers = [], [], {}
    for position, arg in enumerate(args):
        if isinstance(arg, Tensor):
            if arg in tensors:
                raise LoweringError(f"lower({name}): tensor '{arg.name}' appears twice in args")
            tensors.append(arg)
            buffers[arg] = Buffer(arg.name, arg.dtype, arg.shape)
        elif isinstance(arg, Var):
            scalars.append(arg)
        else:
            raise LoweringError(f"lower({name}): argument {position} must be a tensor or a "
                                f"te.var, got {arg!r}")
    for op in sch.outputs:
        for t in op.outputs:
            if t not in tensors:
                raise LoweringError(f"lower({name}): output '{t.name}' is not in the argument "
                                    "list; add it so the result has somewhere to go")
    arg_ops = {t.op for t in tensors}
    for stage in lowered_stages(sch):
        for t in stage.op.input_tensors:
            if isinstance(t.op, PlaceholderOp) and t.op not in arg_ops:
                raise LoweringError(f"lower({name}): input '{t.name}' (read by "
                                    f"'{stage.op.name}') is not in the argument list")
    for t in tensors:
        for extent in t.shape:
            for v in sorted(free_vars(extent), key=lambda v: v.name):
                if v not in scalars:
                    scalars.append(v)
    params = tuple(buffers[t] for t in tensors) + tuple(scalars)
    return tensors, params, buffers


class _PassLog:
    def __init__(self, name):
        self.enabled = bool(os.environ.get("TECOMP_PRINT_IR"))
        self.name = name
        self.timings = []

    def run(self, pass_name, fn, value, show=True):
        start = time.perf_counter()
        result = fn(value)
        self.timings.append((pass_name, time.perf_counter() - start))
        if self.enabled and show:
            print(f"--- {self.name}: after {pass_name}"
                  + (" (unchanged)" if result is value else ""))
            if result is not value:
                print(result)
        return result

    def finish(self):
        if self.enabled:
            print(f"--- {self.name}: pass timings")
            for pass_name, seconds in self.timings:
                print(f"  {pass_name:<20} {seconds * 1e3:8.2f} ms")


__all__ = ["lower", "E"]
