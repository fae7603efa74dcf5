"""unroll_loops: replace each ``unrolled`` loop of constant extent by copies of
its body, one per iteration, with the loop variable replaced by a constant
(Halide ``UnrollLoops``; TVM ``tir.transform.UnrollLoop``)::

    unrolled (k, 0, 3) { B[k] = A[k] }   ->   B[0] = A[0]; B[1] = A[1]; B[2] = A[2]

A loop whose extent is not a constant stays a serial loop.
"""

from ..ir import expr as E
from ..ir import stmt as S
from ..ir.functor import StmtMutator, substitute_each

#: Past this many iterations the copies cost more than they save.
MAX_UNROLL = 512


def unroll_loops(func):
    """``func`` (a PrimFunc) with its unrolled loops expanded."""
    body = _Unroller().visit(func.body)
    return func if body is func.body else func.with_body(body)


class _Unroller(StmtMutator):
    def visit_For(self, loop):
        loop = self.generic_visit(loop)
        if loop.kind != S.ForKind.UNROLLED:
            return loop
        if not (isinstance(loop.extent, E.IntImm) and isinstance(loop.min, E.IntImm)) \
                or loop.extent.value > MAX_UNROLL:
            return S.For(loop.loop_var, loop.min, loop.extent, S.ForKind.SERIAL, loop.body)
        start, dtype = loop.min.value, loop.loop_var.dtype
        copies = substitute_each(loop.body, loop.loop_var,
                                 [E.IntImm(dtype, start + k) for k in range(loop.extent.value)])
        return S.seq(*copies) if loop.extent.value else S.no_op()
