"""Parallel loops: outline the body and run it on libgomp's thread pool.

    for (i = min; i < min + extent; ++i) body(i)        # kind "parallel"

becomes, in the enclosing function,

    closure = {min, extent, error, captured values...}   // an entry-block alloca
    work = extent * work_per_iteration
    threads = __tecomp_team_size(work / MIN_WORK, work / LONG_WORK)   // team_size.py
    if (threads > 1) GOMP_parallel(body_fn, &closure, threads, 0);
    else body_fn(&closure);
    if (closure.error) return closure.error;

and two internal functions: ``body_fn(closure*)``, which loads the captured values
from the closure and calls ``body_fn_body(closure*, values..., T *noalias buffers...)``,
in which each thread takes the static chunk ``[t*c, min((t+1)*c, extent))``,
``c = ceil(extent / nthreads)``, of the iteration range. Captured values are the
variables and buffers the body uses that are bound outside it.

Alias information: the captured buffer pointers are ``noalias`` parameters of the
body function, as they are of the entry function (distinct buffers never overlap;
the pairs of an in-place pointwise call, ``pointwise_aliases``, are left without).
Pointers loaded from the closure would carry no such fact, so every store to the
output could alias every load of the inputs, and LLVM would keep no accumulator in
registers (a GotoBLAS GEMM stored C and reloaded packed B on every k step, 2.4x
slower than the same loops outside a parallel region). ``noalias`` parameters were
chosen over TBAA (which cannot separate two buffers of the same element type) and
over hand-written ``!alias.scope`` lists (one scope per buffer on every access):
the parameters carry the fact themselves. ``body_fn_body`` is ``noinline``:
inlined into ``body_fn`` it was optimized twice, alone and again as part of
``body_fn`` (a third of the GEMM tutorial's build; the loops' machine code is the
same either way, the one extra call per thread costs nothing). A failed assert inside stores its code in ``closure.error``
and returns from the thread. A parallel loop inside a parallel body runs serially.

A loop too small to pay for waking and joining threads runs on the calling thread:
each thread must get at least :data:`MIN_WORK` element operations, estimated by
:func:`loop_work` from the loop body (on a busy machine a join can wait a whole
scheduler time slice for a thread that is not running). A loop with at least
:data:`LONG_WORK` per thread takes its threads whatever the load (see
:mod:`.team_size`). Idle libgomp threads
sleep instead of spinning (``OMP_WAIT_POLICY=passive`` unless the user set a
policy, see :mod:`.jit`), so they do not take the cores that other threads wait for.

The thread count is the module global ``__tecomp_num_threads``, which the compiled
code itself sets at its first parallel loop, so a JIT module and an exported library
behave alike: ``TECOMP_NUM_THREADS`` if it is a positive integer, else ``0``, which
tells libgomp to use its own default (``OMP_NUM_THREADS``, else all available
cores). Reading it stores ``-1`` for "libgomp's default". Racing first calls store
the same value (relaxed atomics). :meth:`tecomp.runtime.Module.set_num_threads`
overwrites it.
"""

import os

import llvmlite.ir as ir

from tecomp.ir import IntImm, IRVisitor, Load, Store, Var, collect
from tecomp.ir import dtype as dt

from . import types as T
from .frame import Frame
from .streaming_stores import stores_to
from .team_size import team_size_function, unoptimized


class ParallelMixin:

    def _captures(self, op):
        frame = self.frame
        nodes = collect(op.body, (Var, Load, Store))
        variables, buffers = [], []
        for n in nodes:
            if isinstance(n, Var):
                if n in frame.env and n not in variables:
                    variables.append(n)
            elif n.buffer in frame.buffers and n.buffer not in buffers:
                buffers.append(n.buffer)
        return variables, buffers

    def emit_parallel_for(self, op):
        outer = self.frame
        variables, buffers = self._captures(op)
        values = [outer.env[v] for v in variables] + [outer.buffers[b] for b in buffers]
        closure_ty = ir.LiteralStructType([T.I64, T.I64, T.I32] + [v.type for v in values])
        begin, extent = self.loop_bounds(op)
        closure = outer.alloca(closure_ty, name=T.value_name(f"{op.loop_var.name}_closure"))
        fields = [self.cast(begin, op.loop_var.dtype, "int64"),
                  self.cast(extent, op.loop_var.dtype, "int64"), ir.Constant(T.I32, 0)] + values
        for i, value in enumerate(fields):
            self.builder.store(value, self._field(closure, closure_ty, i))

        name = f"{outer.func_name}_parallel_{len(self.module.globals)}"
        fn = self._parallel_body(op, name, outer, closure_ty, variables, buffers, values)

        self._run_team(fn, closure, fields[1], loop_work(op.body))
        code = self.builder.load(self._field(closure, closure_ty, 2), typ=T.I32)
        with self.builder.if_then(self.builder.icmp_signed("!=", code, ir.Constant(T.I32, 0)),
                                  likely=False):
            self.frame.on_error(code)

    def _parallel_body(self, op, name, outer, closure_ty, variables, buffers, values):
        """The function GOMP_parallel runs: it loads the captures from the closure and
        calls the body function, whose buffer parameters are ``noalias``."""
        body_fn = ir.Function(self.module, ir.FunctionType(
            T.VOID, [T.PTR] + [v.type for v in values]), name + "_body")
        body_fn.linkage = "internal"
        body_fn.attributes.add("nounwind")
        body_fn.attributes.add("noinline")      # optimized once (see the module doc)
        for arg, buf in zip(body_fn.args[1 + len(variables):], buffers):
            arg.name = T.value_name(buf.name)
            if buf not in self.aliased:    # in-place pointwise pairs may share memory
                arg.add_attribute("noalias")
        for arg, var in zip(body_fn.args[1:], variables):
            arg.name = T.value_name(var.name)
        self.frame = Frame(body_fn, outer.func_name, None)
        self.frame.in_parallel = True
        self.frame.streams = stores_to(op.body, self.streamed)
        data = body_fn.args[0]
        error_slot = self._field(data, closure_ty, 2)

        def on_error(code):
            self.fence_streams()
            self.free_heap(self.frame.heap)
            self.builder.store(code, error_slot)
            self.builder.ret_void()

        self.frame.on_error = on_error
        params = list(body_fn.args[1:])
        self.frame.env.update(zip(variables, params))
        self.frame.buffers.update(zip(buffers, params[len(variables):]))
        self._emit_chunk(op, data, closure_ty)
        self.fence_streams()
        self.builder.ret_void()

        fn = ir.Function(self.module, ir.FunctionType(T.VOID, [T.PTR]), name)
        fn.linkage = "internal"
        fn.attributes.add("nounwind")
        # Not inlined into the serial path (a team of one calls it directly): a copy
        # there doubled the optimizer's and instruction selection's work on the body.
        fn.attributes.add("noinline")
        self.frame = Frame(fn, outer.func_name, None)
        data = fn.args[0]
        loaded = [self.builder.load(self._field(data, closure_ty, 3 + i), typ=v.type)
                  for i, v in enumerate(values)]
        self.builder.call(body_fn, [data] + loaded)
        self.builder.ret_void()
        self.frame = outer
        return fn

    def _run_team(self, fn, closure, extent, work_per_iteration):
        """``GOMP_parallel(fn, closure, threads)`` with the threads of
        :mod:`.team_size`; with one, ``fn(closure)`` is called directly (no team:
        its thread number is 0 of 1)."""
        b = self.builder
        work = b.mul(extent, ir.Constant(T.I64, work_per_iteration))
        useful = b.sdiv(work, ir.Constant(T.I64, min_work()))
        steady = b.sdiv(work, ir.Constant(T.I64, LONG_WORK))
        threads = b.call(team_size_function(self, self._num_threads_function()),
                         [useful, steady])
        parallel = b.icmp_signed(">", threads, ir.Constant(T.I64, 1))
        with b.if_else(parallel) as (team, alone):
            with team:
                gomp = self.declare("GOMP_parallel", T.VOID, [T.PTR, T.PTR, T.I32, T.I32])
                b.call(gomp, [fn, closure, b.trunc(threads, T.I32), ir.Constant(T.I32, 0)])
            with alone:
                b.call(fn, [closure])

    def _num_threads_function(self):
        """``int32 __tecomp_get_num_threads()``: the count for GOMP_parallel (0: its
        default), reading TECOMP_NUM_THREADS into the global on first use."""
        if self._num_threads_fn is not None:
            return self._num_threads_fn
        fn = ir.Function(self.module, ir.FunctionType(T.I32, []), "__tecomp_get_num_threads")
        fn.linkage = "internal"
        fn.attributes.add("nounwind")
        unoptimized(fn)
        self._num_threads_fn = fn
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        init, done = fn.append_basic_block("init"), fn.append_basic_block("done")
        cached = b.load_atomic(self.num_threads, "monotonic", 4, typ=T.I32)
        b.cbranch(b.icmp_signed("!=", cached, ir.Constant(T.I32, 0)), done, init)
        b.position_at_end(init)
        text = bytearray(b"TECOMP_NUM_THREADS\0")
        name = ir.GlobalVariable(self.module, ir.ArrayType(T.I8, len(text)),
                                 "__tecomp_num_threads_env")
        name.linkage, name.global_constant = "private", True
        name.initializer = ir.Constant(ir.ArrayType(T.I8, len(text)), text)
        value = b.call(self.declare("getenv", T.PTR, [T.PTR]), [name])
        parse, store = fn.append_basic_block("parse"), fn.append_basic_block("store")
        b.cbranch(b.icmp_unsigned("==", value, ir.Constant(T.PTR, None)), store, parse)
        b.position_at_end(parse)
        parsed = b.call(self.declare("atoi", T.I32, [T.PTR]), [value])
        b.branch(store)
        b.position_at_end(store)
        chosen = b.phi(T.I32)
        chosen.add_incoming(ir.Constant(T.I32, 0), init)
        chosen.add_incoming(parsed, parse)
        chosen = b.select(b.icmp_signed(">", chosen, ir.Constant(T.I32, 0)), chosen,
                          ir.Constant(T.I32, -1))
        b.store_atomic(chosen, self.num_threads, "monotonic", 4)
        b.branch(done)
        b.position_at_end(done)
        result = b.phi(T.I32)
        result.add_incoming(cached, fn.basic_blocks[0])
        result.add_incoming(chosen, store)
        b.ret(b.select(b.icmp_signed(">", result, ir.Constant(T.I32, 0)), result,
                       ir.Constant(T.I32, 0)))
        return fn

    def _field(self, ptr, struct_ty, i):
        return self.builder.gep(ptr, [ir.Constant(T.I32, 0), ir.Constant(T.I32, i)],
                                inbounds=True, source_etype=struct_ty)

    def _emit_chunk(self, op, data, closure_ty):
        b = self.builder
        start = b.load(self._field(data, closure_ty, 0), typ=T.I64)
        extent = b.load(self._field(data, closure_ty, 1), typ=T.I64)
        tid = b.sext(b.call(self.declare("omp_get_thread_num", T.I32, []), []), T.I64)
        nthreads = b.sext(b.call(self.declare("omp_get_num_threads", T.I32, []), []), T.I64)
        one = ir.Constant(T.I64, 1)
        chunk = b.sdiv(b.sub(b.add(extent, nthreads), one), nthreads)
        lo = self._smin(b.mul(tid, chunk), extent)
        hi = self._smin(b.add(lo, chunk), extent)
        index = Var(op.loop_var.name + ".chunk", "int64")

        def body():
            value = b.add(start, self.frame.env[index])
            self.frame.env[op.loop_var] = self.cast(value, "int64", op.loop_var.dtype)
            self.visit(op.body)
            del self.frame.env[op.loop_var]

        self.emit_loop(index, lo, hi, body, name=op.loop_var.name,
                       vectorize=op in self.vectorizable)

    def _smin(self, a, b):
        return self.builder.select(self.builder.icmp_signed("<", a, b), a, b)


#: Estimated element operations a thread should get before a loop runs in
#: parallel: waking a thread and joining it costs microseconds on an idle machine
#: and up to a scheduler time slice on a busy one. ``TECOMP_PARALLEL_MIN_WORK``
#: (read at build time) overrides it; 1 makes every parallel loop use all threads.
MIN_WORK = 1 << 16


#: Estimated element operations per thread from which a loop runs on all the
#: threads it may use even when the machine looks busy: each thread's share then
#: outlasts a scheduler time slice (about a millisecond even for a GEMM's
#: register-tiled FMAs, far more for memory-bound loops), so a core that another
#: task holds costs at most what running serially would (the scheduler shares it),
#: while a core that only looks busy, e.g. the worker of another thread pool still
#: spinning after its last call (OpenBLAS's spins ~0.1 s after each numpy matmul),
#: no longer turns a long loop serial.
LONG_WORK = 1 << 28


def min_work():
    value = os.environ.get("TECOMP_PARALLEL_MIN_WORK", "")
    return int(value) if value.strip().isdigit() and int(value) > 0 else MIN_WORK


class _Work(IRVisitor):
    def __init__(self):
        self.total, self.scale = 0, 1

    def visit_For(self, loop):
        trips = loop.extent.value if isinstance(loop.extent, IntImm) else _UNKNOWN_TRIPS
        outer, self.scale = self.scale, self.scale * max(trips, 0)
        self.visit(loop.body)
        self.scale = outer

    def visit_Store(self, store):
        accesses = 1 + len(collect(store.value, Load))
        self.total += self.scale * accesses * dt.lanes_of(store.value.dtype)


#: Trip count assumed for a loop of symbolic extent (it counts as much work).
_UNKNOWN_TRIPS = 1 << 10


def loop_work(body):
    """Estimated element operations of one iteration of a loop with ``body``: each
    store, weighted by its lanes, the loads in its value and the trip counts of the
    loops around it (at least 1)."""
    work = _Work()
    work.visit(body)
    return max(min(work.total, 1 << 40), 1)
