"""TVM's ``tvm.tir.ir_builder``, the part tensor intrinsics use: collect statements
with ``emit`` (and ``for_range`` / ``if_scope`` blocks) and take them with ``get``::

    ib = tvm.tir.ir_builder.create()
    ib.emit(tvm.tir.call_extern("int32", "gemv_update", cc.access_ptr("w"), ...))
    with ib.for_range(0, n, name="i") as i:
        ib.emit(outs[0].vstore([i], ins[0].vload([i]) + 1))
    stmt = ib.get()
"""

import contextlib

from ..errors import ExprError
from ..ir import Var
from ..ir import dtype as dt
from ..ir import expr as E
from ..ir import stmt as S
from ..ir.op import to_bool, to_expr
from ..not_offered import not_offered


class IRBuilder:
    """Statements in the order emitted; blocks nest."""

    def __init__(self):
        self._scopes = [[]]

    def emit(self, stmt):
        """Append a statement, or an expression (evaluated for its effect, e.g. a call)."""
        if isinstance(stmt, E.PrimExpr):
            stmt = S.Evaluate(stmt)
        if not isinstance(stmt, S.Stmt):
            raise ExprError(f"ir_builder.emit: expected a statement or a call, got {stmt!r}")
        self._scopes[-1].append(stmt)

    @contextlib.contextmanager
    def for_range(self, begin, end, name="i", dtype=dt.INDEX, kind="serial"):
        """``for name in [begin, end)``: the block's statements form the loop body."""
        if kind != "serial":
            raise ExprError(f"ir_builder.for_range: kind={kind!r} is not supported; use serial")
        var = Var(name, dtype)
        begin, end = E.const_index(begin) if isinstance(begin, int) else to_expr(begin), \
            E.const_index(end) if isinstance(end, int) else to_expr(end)
        self._scopes.append([])
        yield var
        body = S.seq(*self._scopes.pop())
        extent = end if isinstance(begin, E.IntImm) and begin.value == 0 else end - begin
        self._scopes[-1].append(S.For(var, begin, extent, S.ForKind.SERIAL, body))

    @contextlib.contextmanager
    def if_scope(self, cond):
        """The block runs when ``cond`` holds."""
        cond = to_bool(cond)
        self._scopes.append([])
        yield
        body = S.seq(*self._scopes.pop())
        self._scopes[-1].append(S.IfThenElse(cond, body))

    def get(self):
        """The statements emitted so far, as one statement."""
        return S.seq(*self._scopes[0])

    def __getattr__(self, name):
        not_offered("tvm.tir.ir_builder.IRBuilder", name)


def create():
    """A new :class:`IRBuilder`."""
    return IRBuilder()
