"""simplify: fold constants, canonicalize index arithmetic, drop dead control flow.

Takes a :class:`~tecomp.ir.stmt.PrimFunc` (or a statement) and returns it with
every expression simplified by :class:`tecomp.arith.Analyzer`, knowing the range
of each enclosing loop variable, thread index and let-bound value::

    for (i, 0, 4) {                         for (i, 0, 4) {
      for (j, 0, 1) {                          B[i*32 + 5] = A[i]
        if ((i*32 + j) < 128) {          ->  }
          B[i*32 + j + 5] = A[i]
        }
      }
    }

* ``IfThenElse`` / ``AssertStmt`` whose condition is provable are removed, and
  inside a branch its condition (or its negation) is known: a nested guard
  that it implies disappears;
* ``For`` loops whose extent is provably ``<= 0`` are removed; serial, unrolled
  and vectorized loops of extent 1 become their body with the loop variable
  replaced by the loop's min (parallel and thread-bound loops stay: they decide
  how the code runs);
* statements that became empty disappear.

Shape variables of buffer parameters are known to be ``>= 0`` (the runtime binds
them from array shapes). The pass is idempotent, and returns the very same
object when nothing changed. TVM's equivalent is ``tir.transform.Simplify``.
"""

from ..arith import Analyzer, Interval
from ..ir import expr as E
from ..ir import stmt as S
from ..ir.functor import IRMutator, substitute, uses_var

_INLINE_KINDS = (S.ForKind.SERIAL, S.ForKind.UNROLLED, S.ForKind.VECTORIZED)


def simplify(func_or_stmt):
    """Simplify a ``PrimFunc`` (a new one via ``with_body``, or the same object
    when nothing changed) or a ``Stmt`` (likewise)."""
    analyzer = Analyzer()
    if isinstance(func_or_stmt, S.PrimFunc):
        func = func_or_stmt
        shape_vars = []
        for buf in func.buffer_params:
            for dim in buf.shape:
                if isinstance(dim, E.Var) and dim not in shape_vars:
                    shape_vars.append(dim)
        for var in shape_vars:
            analyzer.bind(var, Interval(E.IntImm(var.dtype, 0), None))
        body = _StmtSimplifier(analyzer).visit(func.body)
        return func if body is func.body else func.with_body(body)
    return _StmtSimplifier(analyzer).visit(func_or_stmt)


def _is_no_op(stmt):
    return type(stmt) is S.SeqStmt and not stmt.seq


def _all_true(pred):
    if type(pred) is E.Broadcast:
        pred = pred.value
    return type(pred) is E.IntImm and pred.value != 0


class _StmtSimplifier(IRMutator):
    def __init__(self, analyzer):
        self.an = analyzer

    def visit(self, node):
        if isinstance(node, E.PrimExpr):
            return self.an.simplify(node)
        return super().visit(node)

    def visit_For(self, s):
        lo, extent = self.visit(s.min), self.visit(s.extent)
        _, ext_hi = self.an.const_int_bound(extent)
        if ext_hi is not None and ext_hi <= 0:
            return S.no_op()
        if s.kind in _INLINE_KINDS and self.an.const_int_bound(extent) == (1, 1):
            return self.visit(substitute(s.body, {s.loop_var: lo}))
        with self.an.scope(s.loop_var, E.Range(lo, extent)):
            body = self.visit(s.body)
        if _is_no_op(body):
            return body
        if lo is s.min and extent is s.extent and body is s.body:
            return s
        return S.For(s.loop_var, lo, extent, s.kind, body, s.thread_tag)

    def visit_LetStmt(self, s):
        value = self.visit(s.value)
        with self.an.scope(s.var, value):
            body = self.visit(s.body)
        if not uses_var(body, {s.var}):
            return body
        if value is s.value and body is s.body:
            return s
        return S.LetStmt(s.var, value, body)

    def visit_AttrStmt(self, s):
        value = self.visit(s.value)
        if s.key == "thread_extent" and isinstance(s.node, E.IterVar):
            with self.an.scope(s.node.var, E.Range(E.IntImm(value.dtype, 0), value)):
                body = self.visit(s.body)
        else:
            body = self.visit(s.body)
        if value is s.value and body is s.body:
            return s
        return S.AttrStmt(s.node, s.key, value, body)

    def visit_IfThenElse(self, s):
        cond = self.visit(s.condition)
        if type(cond) is E.IntImm:
            if cond.value:
                return self.visit(s.then_case)
            return S.no_op() if s.else_case is None else self.visit(s.else_case)
        with self.an.assume(cond):
            then_case = self.visit(s.then_case)
        else_case = None
        if s.else_case is not None:
            with self.an.assume(E.Not(cond)):
                else_case = self.visit(s.else_case)
        if else_case is not None and _is_no_op(else_case):
            else_case = None
        if _is_no_op(then_case):
            if else_case is None:
                return then_case
            return S.IfThenElse(self.an.simplify(E.Not(cond)), else_case, None)
        if cond is s.condition and then_case is s.then_case and else_case is s.else_case:
            return s
        return S.IfThenElse(cond, then_case, else_case)

    def visit_AssertStmt(self, s):
        cond = self.visit(s.condition)
        body = self.visit(s.body)
        if type(cond) is E.IntImm and cond.value:
            return body
        if cond is s.condition and body is s.body:
            return s
        return S.AssertStmt(cond, s.message, body)

    def visit_SeqStmt(self, s):
        items = [self.visit(x) for x in s.seq]
        if all(a is b for a, b in zip(items, s.seq)) and not any(_is_no_op(x) for x in items):
            return s
        return S.seq(*[x for x in items if not _is_no_op(x)])

    def visit_Store(self, s):
        value, index = self.visit(s.value), self.visit(s.index)
        pred = None if s.predicate is None else self.visit(s.predicate)
        if pred is not None and _all_true(pred):
            pred = None
        if value is s.value and index is s.index and pred is s.predicate:
            return s
        return S.Store(s.buffer, value, index, pred)

    def visit_Evaluate(self, s):
        value = self.visit(s.value)
        if type(value) in (E.IntImm, E.FloatImm):
            return S.no_op()
        return s if value is s.value else S.Evaluate(value)
