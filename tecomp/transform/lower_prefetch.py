"""lower_prefetch: prefetched rows to one prefetch per cache line of the target.

:mod:`~tecomp.transform.inject_prefetch` leaves, after storage flattening, one
``prefetch_span(address_of(buf[i]), n, write)`` per row of a prefetched region:
``n`` elements from ``buf[i]`` on. For a CPU each becomes the calls
``prefetch(address_of(buf[i + l*E]), write, 3, 1)`` for ``l`` in
``[0, ceil(n / E))``, ``E`` the elements of a cache line of the target
(``Target.cache_line_bytes``): TVM's ``builtin::prefetch`` (address, read 0 or
write 1, locality 3: keep in every cache level, data cache), which the LLVM
backend emits as ``llvm.prefetch``. Calls are written out where ``n`` is a
constant, else a loop. As in TVM, a row that starts inside a line covers the
lines from its start. GPU code has no prefetch: every ``prefetch_span`` is removed
(the loops and conditions that only held them, by the ``simplify`` after it).

    prefetch_span(&C[r*2048 + j*32], 32, 1)
      becomes (64-byte lines, float32)
    prefetch(&C[r*2048 + j*32], 1, 3, 1); prefetch(&C[r*2048 + j*32 + 16], 1, 3, 1)
"""

from ..arith import Analyzer
from ..ir import Var, collect
from ..ir.functor import StmtMutator
from ..ir import dtype as dt
from ..ir import expr as E
from ..ir import stmt as S
from ..ir.stmt import ForKind
from .inject_prefetch import PREFETCH_SPAN

#: The intrinsic of one cache line: (address, write, locality, cache type), TVM's prefetch
PREFETCH = "prefetch"


def lower_prefetch(func, target):
    """``func`` (flattened) with each ``prefetch_span`` lowered for ``target`` (see
    the module doc); the same object when it has none."""
    if not any(_is_span(stmt) for stmt in collect(func.body, S.Evaluate)):
        return func     # a statements-only search: most kernels prefetch nothing
    if target.kind == "llvm":
        body = _Lines(target.cache_line_bytes).visit(func.body)
    else:
        body = _Drop().visit(func.body)
    return func if body is func.body else func.with_body(body)


def _is_span(stmt):
    return isinstance(stmt, S.Evaluate) and isinstance(stmt.value, E.Call) \
        and stmt.value.op == PREFETCH_SPAN


class _Lines(StmtMutator):
    def __init__(self, line_bytes):
        self.line_bytes = line_bytes
        self.analyzer = Analyzer()

    def visit_Evaluate(self, stmt):
        if not _is_span(stmt):
            return stmt
        address, elements, write = stmt.value.args
        load = address.args[0]
        step = max(1, self.line_bytes * 8 // dt.bits_of(dt.element_of(load.dtype)))
        lines = self.analyzer.simplify((elements + (step - 1)) // step)
        if isinstance(lines, E.IntImm):
            return S.seq(*[self.line(load, k * step, write) for k in range(lines.value)]) \
                if lines.value > 0 else S.no_op()
        line = Var("prefetch.line")
        return S.For(line, E.const_index(0), lines, ForKind.SERIAL,
                     self.line(load, line * step, write))

    @staticmethod
    def line(load, offset, write):
        index = load.index if E.is_const_int(offset, 0) else load.index + offset
        address = E.Call(dt.HANDLE, "address_of", (E.Load(load.dtype, load.buffer, index),))
        return S.Evaluate(E.Call("int32", PREFETCH, (address, write, E.IntImm("int32", 3),
                                                     E.IntImm("int32", 1))))


class _Drop(StmtMutator):
    """Every ``prefetch_span`` removed; the loops and conditions left empty go in the
    ``simplify`` that follows on the GPU path (lower.py)."""

    def visit_Evaluate(self, stmt):
        return S.no_op() if _is_span(stmt) else stmt
