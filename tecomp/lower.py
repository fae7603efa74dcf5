"""``lower``: a schedule to a lowered function, one pass after another;
``lower_for_target``: the target-specific steps that follow, before a backend emits.

Set ``TECOMP_PRINT_IR=1`` to print the IR after every pass and a table of how
long each pass took (``(unchanged)`` marks a pass that changed nothing), and
``TECOMP_CHECK_IR=1`` to check the IR after every pass
(:func:`tecomp.ir.well_formed.well_formed`; the test suite sets it).
"""

import os
import time
from dataclasses import dataclass
from typing import List, Optional

from .errors import BuildError, LoweringError
from .ir import Buffer, PrimFunc, Var
from .ir import expr as E
from .ir.functor import collect, free_vars
from .ir.well_formed import well_formed
from .schedule import Schedule
from .schedule.bound import infer_bound
from .schedule.graph import ScheduleGraph
from .schedule.inplace import pointwise_aliases
from .schedule.schedule_ops import schedule_ops
from .target import Target
from .te.tensor import ComputeOp, PlaceholderOp, Tensor
from .transform.bounds_check import bounds_check
from .transform.check_domains import check_domains
from .transform.can_narrow_index import can_narrow_index
from .transform.inject_double_buffer import inject_double_buffer
from .transform.inject_prefetch import inject_prefetch
from .transform.inject_virtual_thread import inject_virtual_thread
from .transform.insert_barriers import insert_barriers
from .transform.loop_partition import loop_partition
from .transform.lower_intrinsics import lower_intrinsics
from .transform.lower_prefetch import lower_prefetch
from .transform.lower_thread_allreduce import lower_thread_allreduce
from .transform.lower_thread_binding import lower_thread_binding
from .transform.simplify import simplify
from .transform.split_host_device import HostProgram, split_host_device
from .transform.storage_flatten import storage_flatten
from .transform.unroll_loops import unroll_loops
from .transform.vectorize_loops import vectorize_loops
from .transform.verify_cpu_scopes import verify_cpu_scopes
from .transform.verify_gpu_races import verify_gpu_races


def lower(sch, args, name="main", simple_mode=True, binds=None, target=None):
    """Lower schedule ``sch`` with tensor/var arguments ``args`` to a PrimFunc.

    ``print(lower(...))`` shows the loop nest. ``simple_mode`` is accepted for TVM
    compatibility. As in TVM, ``args`` may list the inputs only: outputs missing
    from it are appended as the last parameters (``build`` still requires them,
    so a compiled function's signature is always the one written). ``binds``
    (TVM's tensor -> buffer map) is refused unless empty: tecomp gives every
    tensor a compact row-major buffer of its own. With a ``target``, the target's
    steps follow (:func:`lower_for_target`): ``"llvm"`` gives the checked PrimFunc,
    ``"cuda"`` or ``"opencl"`` the
    :class:`~tecomp.transform.split_host_device.HostProgram`, whose ``print`` shows
    each device kernel and its launch sizes."""
    func = lower_function(sch, args, name, binds, append_outputs=True)
    if target is None:
        return func
    lowered = lower_for_target([func], target)
    return lowered.funcs[0] if lowered.programs is None else lowered.programs[0]


def lower_function(sch, args, name="main", binds=None, append_outputs=False, debug=False):
    """:func:`lower` for ``build``: outputs missing from ``args`` are an error unless
    ``append_outputs``. ``debug``: every read of a computed tensor asserts its
    indices lie in the tensor's declared shape (:mod:`tecomp.transform.check_domains`)."""
    if not isinstance(sch, Schedule):
        raise LoweringError(f"lower: first argument must be a schedule (te.create_schedule), got {sch!r}")
    check_function_name(name, LoweringError)
    if binds:
        names = ", ".join(getattr(t, "name", repr(t)) for t in binds)
        raise LoweringError(f"lower({name}): binds= (buffers for tensors {names}) is not "
                            "supported; every tensor gets a compact row-major buffer. Drop "
                            "binds= or pass the tensors themselves in args")
    if append_outputs and isinstance(args, (list, tuple)):
        args = list(args) + [t for op in sch.outputs for t in op.outputs if t not in args]
    graph = ScheduleGraph(sch)
    tensors, params, buffers = _parameters(graph, args, name)
    log = _PassLog(name)

    ranges = log.run("infer_bound", lambda _: infer_bound(graph), None, show=False)
    body = log.run("schedule_ops", lambda _: schedule_ops(graph, ranges, tensors), None)
    aliases = tuple((buffers[o], buffers[i]) for o, i in pointwise_aliases(graph, tensors))
    attrs = {"pointwise_aliases": aliases} if aliases else {}
    if graph.scan_body:      # a scan's time loop runs on the host around GPU kernels
        attrs["host_loops"] = tuple(s.leaf_iter_vars[0].var for s in graph.scan_body)
    func = log.check(PrimFunc(name, params, body, attrs))
    if debug:
        computed = [t for stage in graph.stages if isinstance(stage.op, ComputeOp)
                    for t in stage.op.outputs]
        func = log.run("check_domains", lambda f: check_domains(f, computed), func)
    func = log.run("inject_prefetch", inject_prefetch, func)
    log.flattened = True
    func = log.run("storage_flatten", lambda f: storage_flatten(f, buffers, graph.align), func)
    func = log.run("inject_double_buffer", inject_double_buffer, func)
    func = log.run("simplify", simplify, func)
    func = log.run("loop_partition", loop_partition, func)
    func = log.run("unroll_loops", unroll_loops, func)
    func = log.run("vectorize_loops", vectorize_loops, func)
    func = log.run("simplify", simplify, func)
    log.finish()
    return func


@dataclass(eq=False)
class TargetFuncs:
    """What :func:`lower_for_target` hands a backend: the functions ready to emit
    (``funcs``; for a GPU the host functions), and for a GPU one
    :class:`~tecomp.transform.split_host_device.HostProgram` per function
    (``programs``) and whether every index fits ``int`` (``narrow_index``)."""
    target: Target
    funcs: List[PrimFunc]
    programs: Optional[List[HostProgram]] = None
    narrow_index: bool = False


def lower_for_target(funcs, target, debug=False):
    """The target-specific steps after :func:`lower`; returns :class:`TargetFuncs`.

    First, any target: intrinsic calls with a registered rule for the target are
    rewritten by it (:mod:`tecomp.transform.lower_intrinsics`).

    ``debug``: bounds checks before every memory access (any target). CPU
    (``llvm``): no GPU thread bindings or shared memory. GPU (``cuda``/``opencl``):
    bound loops become ``thread_extent`` attributes, the function is split into
    kernels and a host launch plan, barriers guard shared memory, and the index
    width is decided for the whole module."""
    target = Target.create(target)
    funcs = _as_funcs(funcs, target)
    if target.kind == "llvm":
        out = []
        for func in funcs:
            log = _PassLog(func.name, flattened=True)
            func = log.run("lower_intrinsics", lambda f: lower_intrinsics(f, target), func)
            func = log.run("lower_prefetch", lambda f: lower_prefetch(f, target), func)
            if debug:
                func = log.run("bounds_check", bounds_check, func)
            out.append(log.run("verify_cpu_scopes", verify_cpu_scopes, func, show=False))
            log.finish()
        return TargetFuncs(target, out)
    programs = []
    for func in funcs:
        _refuse_packed_calls(func, target)
        log = _PassLog(func.name, flattened=True)
        func = log.run("lower_intrinsics", lambda f: lower_intrinsics(f, target), func)
        func = log.run("lower_prefetch", lambda f: lower_prefetch(f, target), func)
        if debug:
            func = log.run("bounds_check", bounds_check, func)
        func = log.run("inject_virtual_thread", inject_virtual_thread, func)
        func = log.run("simplify", simplify, func)
        func = log.run("lower_thread_binding",
                       lambda f: lower_thread_binding(f, target.max_num_threads), func)
        func = log.run("lower_thread_allreduce",
                       lambda f: lower_thread_allreduce(f, target.thread_warp_size), func)
        program = log.run("split_host_device",
                          lambda f: split_host_device(f, target.max_shared_memory_bytes), func)
        for kernel in program.kernels:
            kernel.func = log.run("insert_barriers", _insert_barriers, kernel.func)
            log.run("verify_gpu_races", verify_gpu_races, kernel.func, show=False)
        log.finish()
        programs.append(program)
    return TargetFuncs(target, [p.func for p in programs], programs, can_narrow_index(programs))


def _refuse_packed_calls(func, target):
    """Packed calls (te.extern stages) go into this Python process: CPU only."""
    calls = collect(func.body, lambda n: isinstance(n, E.Call) and n.op == "call_packed")
    if calls:
        raise BuildError(f"{func.name}: te.extern stage calls packed function "
                         f"'{calls[0].args[0].value}', which runs on the CPU only; build for "
                         f"target 'llvm', not '{target.kind}'")


def _insert_barriers(func):
    body = insert_barriers(func.body)
    return func if body is func.body else func.with_body(body)


def _as_funcs(funcs, target):
    funcs = [funcs] if isinstance(funcs, PrimFunc) else list(funcs)
    for f in funcs:
        if not isinstance(f, PrimFunc):
            raise BuildError(f"build for '{target.kind}' expects PrimFuncs, got "
                             f"{type(f).__name__}")
    if not funcs:
        raise BuildError(f"build for '{target.kind}': no functions to build")
    return funcs


def check_function_name(name, error_class):
    """The name becomes a C symbol (and a declaration in an exported header)."""
    if not isinstance(name, str) or not name.isidentifier() or not name.isascii():
        raise error_class(f"function name {name!r} must be a C identifier (letters, digits "
                          "and '_', not starting with a digit), e.g. 'matmul'")


def _parameters(graph, args, name):
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
    for op in graph.schedule.outputs:
        for t in op.outputs:
            if t not in tensors:
                raise LoweringError(f"lower({name}): output '{t.name}' is not in the argument "
                                    "list; add it so the result has somewhere to go")
    arg_ops = {t.op for t in tensors} | {t.op for t in graph.aliases}
    for stage in graph.stages:
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
    """Runs passes: timings, the IR after each (``TECOMP_PRINT_IR``), and the
    well-formedness check after each (``TECOMP_CHECK_IR``; ``flattened`` once
    storage_flatten has run)."""

    def __init__(self, name, flattened=False):
        self.enabled = bool(os.environ.get("TECOMP_PRINT_IR"))
        self.checking = os.environ.get("TECOMP_CHECK_IR", "") not in ("", "0")
        self.flattened = flattened
        self.name = name
        self.timings = []

    def check(self, result):
        if not self.checking:
            return result
        if isinstance(result, PrimFunc):
            well_formed(result, self.flattened)
        elif isinstance(result, HostProgram):
            for kernel in result.kernels:
                well_formed(kernel.func, self.flattened)
        return result

    def run(self, pass_name, fn, value, show=True):
        start = time.perf_counter()
        result = fn(value)
        self.timings.append((pass_name, time.perf_counter() - start))
        if self.enabled and show:
            print(f"--- {self.name}: after {pass_name}"
                  + (" (unchanged)" if result is value else ""))
            if result is not value:
                print(result)
        if result is not value:
            self.check(result)
        return result

    def finish(self):
        if self.enabled:
            print(f"--- {self.name}: pass timings")
            for pass_name, seconds in self.timings:
                print(f"  {pass_name:<20} {seconds * 1e3:8.2f} ms")


__all__ = ["lower", "lower_function", "lower_for_target", "TargetFuncs", "E"]
