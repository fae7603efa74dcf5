"""loop_partition: split a loop whose body is guarded by a condition linear in
the loop variable into a main part where the guard always holds (and is
dropped) and a tail that keeps it, so the main body stays vectorizable (TVM
``tir.transform.LoopPartition``; Halide's ``PartitionLoops``)::

    for (io, 0, 32) {                       for (io, 0, 31) {
      for (ii, 0, 32) {                        for (ii, 0, 32) { B[io*32 + ii] = ... }
        if (io*32 + ii < 1000) {       ->      }
          B[io*32 + ii] = ...                 for (io, 31, 1) {
        }                                      for (ii, 0, 32) { if (io*32 + ii < 1000) {...} }
      }                                      }
    }

The split point comes from the guard itself: for ``a*v + r < n`` with ``a > 0``
and ``r`` at most ``r_hi`` over the loops inside ``v``, the guard holds for every
inner iteration exactly when ``v < floordiv(n - r_hi - 1, a) + 1``. Lower-bound
guards (``a*v + r >= n``) give a leading tail instead. Only serial and parallel
loops are partitioned.
"""

from ..arith import Analyzer, Interval, eval_interval
from ..ir import expr as E
from ..ir import stmt as S
from ..ir.functor import IRVisitor, StmtMutator, structural_equal, substitute, uses_var

_PARTITIONED_KINDS = (S.ForKind.SERIAL, S.ForKind.PARALLEL)


def loop_partition(func):
    """``func`` (a PrimFunc) with guarded loops split into guard-free main parts."""
    body = _Partitioner().visit(func.body)
    return func if body is func.body else func.with_body(body)


def _linear_in(e, v):
    """Whether ``e`` is ``a*v + rest`` with a constant ``a`` and ``v`` nowhere else
    (not under a division, modulo, min, call...)."""
    if isinstance(e, (E.Add, E.Sub)):
        return _linear_in(e.a, v) and _linear_in(e.b, v)
    if isinstance(e, E.Mul):
        if not uses_var(e.a, {v}):
            return isinstance(e.a, E.IntImm) and _linear_in(e.b, v) or not uses_var(e.b, {v})
        return isinstance(e.b, E.IntImm) and _linear_in(e.a, v)
    return e is v or not uses_var(e, {v})


def _conjuncts(cond):
    if isinstance(cond, E.And):
        return _conjuncts(cond.a) + _conjuncts(cond.b)
    return [cond]


class _GuardFinder(IRVisitor):
    """Guards below a loop, with the ranges of the loops between."""

    def __init__(self, var):
        self.var = var
        self.inner = {}
        self.found = []

    def visit_For(self, loop):
        self.inner[loop.loop_var] = Interval(loop.min, loop.min + loop.extent - 1)
        self.visit(loop.body)

    def visit_IfThenElse(self, node):
        if node.else_case is None:
            for c in _conjuncts(node.condition):
                if uses_var(c, {self.var}):
                    self.found.append((c, dict(self.inner)))
        self.visit(node.then_case)
        if node.else_case is not None:
            self.visit(node.else_case)

    # Expressions cannot hold guards.
    def visit_Store(self, node):
        pass

    def visit_Evaluate(self, node):
        pass


class _DropGuard(StmtMutator):
    def __init__(self, guard):
        self.guard = guard

    def visit_IfThenElse(self, node):
        node = self.generic_visit(node)
        if node.else_case is not None:
            return node
        kept = [c for c in _conjuncts(node.condition) if not structural_equal(c, self.guard)]
        if not kept:
            return node.then_case
        if len(kept) == len(_conjuncts(node.condition)):
            return node
        cond = kept[0]
        for c in kept[1:]:
            cond = E.And(cond, c)
        return S.IfThenElse(cond, node.then_case)


class _Partitioner(StmtMutator):
    """Top-down: a loop is partitioned on the first guard whose split point is
    invariant in it and in the loops inside it; the main part is then searched
    for further guards, the tail (a few iterations) is left as it is."""

    def __init__(self):
        self.analyzer = Analyzer()

    def visit_For(self, loop):
        if loop.kind in _PARTITIONED_KINDS:
            finder = _GuardFinder(loop.loop_var)
            finder.visit(loop.body)
            for guard, inner in finder.found:
                split = self._split_point(loop, guard, inner)
                if split is not None and not uses_var(split[0], {loop.loop_var, *inner}):
                    return self._partition(loop, guard, *split)
        return self.generic_visit(loop)

    def _split_point(self, loop, guard, inner):
        """``(point, main_first)``: the guard holds for every inner iteration on
        one side of ``point`` (below it if ``main_first``)."""
        if not isinstance(guard, (E.LT, E.LE, E.GT, E.GE)):
            return None
        if guard.a.dtype != loop.loop_var.dtype:
            return None
        simplify = self.analyzer.simplify
        # Normalize to `e < 0` (upper guards) or `e >= 0` (lower guards).
        if isinstance(guard, E.LT):
            e, upper = guard.a - guard.b, True
        elif isinstance(guard, E.LE):
            e, upper = guard.a - guard.b - 1, True
        elif isinstance(guard, E.GT):
            e, upper = guard.a - guard.b - 1, False
        else:
            e, upper = guard.a - guard.b, False
        v = loop.loop_var
        if not _linear_in(e, v):
            return None
        at = [simplify(substitute(e, {v: E.const_index(k)})) for k in (0, 1)]
        slope = simplify(at[1] - at[0])
        if not isinstance(slope, E.IntImm) or slope.value == 0:
            return None
        a = slope.value
        rest = eval_interval(at[0], inner)
        if upper:
            # a*v + rest_hi < 0 for all inner iterations
            if rest.hi is None:
                return None
            bound = -rest.hi
            if a > 0:     # v < bound / a  <=>  v <= floordiv(bound - 1, a)
                return simplify((bound - 1) // a + 1), True
            return None
        if rest.lo is None:
            return None
        bound = -rest.lo
        if a > 0:         # a*v >= bound  <=>  v >= ceildiv(bound, a)
            return simplify((bound + a - 1) // a), False
        return None

    def _partition(self, loop, guard, point, main_first):
        lo, hi = loop.min, loop.min + loop.extent
        simplify = self.analyzer.simplify
        point = simplify(E.Max(lo, E.Min(point, simplify(hi))))
        main_body = _DropGuard(guard).visit(loop.body)
        first_extent = simplify(point - lo)
        second_extent = simplify(hi - point)
        first_body, second_body = (main_body, loop.body) if main_first else (loop.body, main_body)
        parts = []
        for start, extent, body in ((lo, first_extent, first_body), (point, second_extent, second_body)):
            if isinstance(extent, E.IntImm) and extent.value <= 0:
                continue
            part = S.For(loop.loop_var, start, extent, loop.kind, body, loop.thread_tag)
            if body is main_body:
                part = self.visit_For(part)   # further guards, here or inside
            parts.append(part)
        return S.seq(*parts)
