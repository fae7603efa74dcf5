"""Parallel loops: outline the body and run it on libgomp's thread pool.

    for (i = min; i < min + extent; ++i) body(i)        # kind "parallel"

becomes, in the enclosing function,

    closure = {min, extent, error, captured values...}   // an entry-block alloca
    GOMP_parallel(body_fn, &closure, __tecomp_num_threads, 0);
    if (closure.error) return closure.error;

and an internal function ``body_fn(closure*)`` in which each thread takes the
static chunk ``[t*c, min((t+1)*c, extent))``, ``c = ceil(extent / nthreads)``, of the
iteration range. Captured values are the variables and buffers the body uses that
are bound outside it. A failed assert inside stores its code in ``closure.error``
and returns from the thread. A parallel loop inside a parallel body runs serially.

The thread count is the module global ``__tecomp_num_threads`` (initialized from
TECOMP_NUM_THREADS, else OMP_NUM_THREADS, else all cores, when the module is
built; :meth:`tecomp.runtime.Module.set_num_threads` changes it).
"""

import llvmlite.ir as ir

from tecomp.ir import Load, Store, Var, collect

from . import types as T


class ParallelMixin:

    def _captures(self, op):
        frame = self.frame
        nodes = collect(op.body, lambda n: isinstance(n, (Var, Load, Store)))
        variables, buffers = [], []
        for n in nodes:
            if isinstance(n, Var):
                if n in frame.env and n not in variables:
                    variables.append(n)
            elif n.buffer in frame.buffers and n.buffer not in buffers:
                buffers.append(n.buffer)
        return variables, buffers

    def emit_parallel_for(self, op):
        from .codegen import Frame
        outer = self.frame
        variables, buffers = self._captures(op)
        values = [outer.env[v] for v in variables] + [outer.buffers[b] for b in buffers]
        closure_ty = ir.LiteralStructType([T.I64, T.I64, T.I32] + [v.type for v in values])
        begin, extent = self.loop_bounds(op)
        closure = outer.alloca(closure_ty, name=f"{op.loop_var.name}_closure")
        fields = [self.cast(begin, op.loop_var.dtype, "int64"),
                  self.cast(extent, op.loop_var.dtype, "int64"), ir.Constant(T.I32, 0)] + values
        for i, value in enumerate(fields):
            self.builder.store(value, self._field(closure, closure_ty, i))

        name = f"{outer.func_name}_parallel_{len(self.module.globals)}"
        fn = ir.Function(self.module, ir.FunctionType(T.VOID, [T.PTR]), name)
        fn.linkage = "internal"
        fn.attributes.add("nounwind")
        self.frame = Frame(fn, outer.func_name, None)
        self.frame.in_parallel = True
        data = fn.args[0]
        error_slot = self._field(data, closure_ty, 2)

        def on_error(code):
            self.free_heap(self.frame.heap)
            self.builder.store(code, error_slot)
            self.builder.ret_void()

        self.frame.on_error = on_error
        loaded = [self.builder.load(self._field(data, closure_ty, 3 + i), typ=v.type)
                  for i, v in enumerate(values)]
        self.frame.env.update(zip(variables, loaded))
        self.frame.buffers.update(zip(buffers, loaded[len(variables):]))
        self._emit_chunk(op, data, closure_ty)
        self.builder.ret_void()
        self.frame = outer

        gomp = self.declare("GOMP_parallel", T.VOID, [T.PTR, T.PTR, T.I32, T.I32])
        nthreads = self.builder.load(self.num_threads, typ=T.I32)
        self.builder.call(gomp, [fn, closure, nthreads, ir.Constant(T.I32, 0)])
        code = self.builder.load(self._field(closure, closure_ty, 2), typ=T.I32)
        with self.builder.if_then(self.builder.icmp_signed("!=", code, ir.Constant(T.I32, 0)),
                                  likely=False):
            self.frame.on_error(code)

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

        self.emit_loop(index, lo, hi, body, name=op.loop_var.name)

    def _smin(self, a, b):
        return self.builder.select(self.builder.icmp_signed("<", a, b), a, b)
