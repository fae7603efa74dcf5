"""The expression simplifier: one bottom-up pass of rewrites under an analyzer.

Integer ``+ - *`` go through the canonical sum-of-products form of
:mod:`tecomp.arith.linear` (like terms collected, constants last; the mixin
:mod:`tecomp.arith.canonical`); division and remainder are reduced by
:mod:`tecomp.arith.div_mod`; ``min``/``max`` and comparisons are decided with the
analyzer's variable bounds and known conditions; everything else is constant
folded with the exact semantics of :mod:`tecomp.arith.const_fold`. Float expressions are only folded
when the IEEE result is certain (``x*1.0``, ``x - 0.0``, constants), never
``x*0.0`` (NaN, infinities) nor ``x + 0.0`` (``-0.0 + 0.0`` is ``+0.0``).

Every rewrite keeps the dtype of the node it replaces. A node that simplifies to
something structurally equal to itself is returned as is (same object), so a
caller can tell cheaply that nothing changed.
"""

from ..ir import dtype as dt
from ..ir import expr as E
from ..ir.functor import IRMutator, substitute, uses_var
from .canonical import FLIP_NOT, CanonicalForm, is_int_scalar, no_overflow
from .const_fold import fold_binary, fold_cast, int_limits, make_const
from .div_mod import DivModRules
from .linear import poly_add, poly_const

__all__ = ["Simplifier", "is_int_scalar"]


_FIELDWISE = frozenset((E.Load, E.Ramp, E.Broadcast))
_FLOAT_ARITH = frozenset((E.Add, E.Sub, E.Mul, E.Div, E.Min, E.Max))


def _rebuilt_fieldwise(e):
    """Whether simplifying ``e`` gives ``e`` itself when its children come back
    unchanged, else ``e`` rebuilt around new children or a node of another
    structure (a child, a constant): Load, Ramp, Broadcast, and float arithmetic
    (outside the integer canonical form). A child comes back as itself when
    structurally unchanged (the rule in ``visit``), so such a result differs from
    ``e`` in structure, and ``visit`` need not compare their keys: that walked each
    Load's index twice, most of simplifying an unrolled vector body (the rule only
    keeps node identity; a structurally equal new node would be as correct)."""
    t = type(e)
    return t in _FIELDWISE or (t in _FLOAT_ARITH and dt.is_float(e.dtype))


def _is_const(e):
    return type(e) is E.IntImm or type(e) is E.FloatImm


def _decide(cmp, lo, hi):
    """Truth of ``d <cmp> 0`` for ``d`` in ``[lo, hi]``: True, False or None."""
    if cmp is E.LT:
        return True if hi < 0 else False if lo >= 0 else None
    if cmp is E.LE:
        return True if hi <= 0 else False if lo > 0 else None
    if cmp is E.GT:
        return True if lo > 0 else False if hi <= 0 else None
    if cmp is E.GE:
        return True if lo >= 0 else False if hi < 0 else None
    if cmp is E.EQ:
        return True if lo == hi == 0 else False if lo > 0 or hi < 0 else None
    return False if lo == hi == 0 else True if lo > 0 or hi < 0 else None


class Simplifier(CanonicalForm, DivModRules, IRMutator):
    """Simplifies expressions under the bindings of ``analyzer``."""

    def __init__(self, analyzer):
        self.an = analyzer
        self.atoms = analyzer.atoms
        self.memo = {}        # id(expr) -> (expr, result); cleared on binding changes
        self.orig_poly = {}   # id(expr) -> (expr, poly) of an unsimplified expr; same
        self.poly_memo = {}   # id(simplified expr) -> (expr, poly); structural, kept
        self.term_memo = {}   # monomial -> expression

    def clear(self):
        self.memo.clear()
        self.orig_poly.clear()

    # ------------------------------------------------------------ dispatch
    def visit(self, e):
        if not isinstance(e, E.PrimExpr):
            return super().visit(e)
        hit = self.memo.get(id(e))
        if hit is not None and hit[0] is e:
            return hit[1]
        t = type(e)
        method = self.handler(e) or self.generic_visit
        result = method(e)
        if result is not e and type(result) is t and not _rebuilt_fieldwise(e) \
                and self.atoms.key(result) == self.atoms.key(e):
            result = e
        self.memo[id(e)] = (e, result)
        return result

    def _rebuild(self, e, a, b):
        if a is e.a and b is e.b:
            return e
        return type(e)(a, b)

    # ------------------------------------------------------------ leaves
    def visit_Var(self, e):
        return e

    def visit_IntImm(self, e):
        return e

    visit_FloatImm = visit_StringImm = visit_IntImm

    # ------------------------------------------------------------ + - *
    def _arith(self, e):
        if is_int_scalar(e.dtype):
            return self.from_poly(self._to_poly(e), e.dtype)
        return self._other_binary(e, self.visit(e.a), self.visit(e.b))

    visit_Add = visit_Sub = visit_Mul = _arith

    def _other_binary(self, e, a, b):
        """Binary nodes outside the canonical form: floats, vectors, bools."""
        t = type(e)
        if _is_const(a) and _is_const(b):
            folded = fold_binary(t, a, b)
            if folded is not None:
                return folded
        ta, tb = type(a), type(b)
        if ta is E.Broadcast and tb is E.Broadcast and a.lanes == b.lanes:
            return E.Broadcast(self.visit(t(a.value, b.value)), a.lanes)
        if dt.is_integer(e.dtype) and (ta is E.Ramp or tb is E.Ramp):
            ramp = self._ramp_arith(t, a, b)
            if ramp is not None:
                return ramp
        if dt.is_float(e.dtype) and dt.lanes_of(e.dtype) == 1:
            if t is E.Mul:
                if tb is E.FloatImm and b.value == 1.0:
                    return a
                if ta is E.FloatImm and a.value == 1.0:
                    return b
            elif t is E.Div and tb is E.FloatImm and b.value == 1.0:
                return a
            elif t is E.Sub and tb is E.FloatImm and b.value.hex() == "0x0.0p+0":
                return a
            elif t is E.Add:
                if tb is E.FloatImm and b.value.hex() == "-0x0.0p+0":
                    return a
                if ta is E.FloatImm and a.value.hex() == "-0x0.0p+0":
                    return b
        if (t is E.Min or t is E.Max) and self.atoms.same(a, b):
            return a
        return self._rebuild(e, a, b)

    def _ramp_arith(self, t, a, b):
        """Integer ramp arithmetic: exact in wraparound arithmetic."""
        def parts(x):
            if type(x) is E.Ramp:
                return x.base, x.stride, x.lanes
            if type(x) is E.Broadcast:
                return x.value, make_const(x.value.dtype, 0), x.lanes
            return None
        pa, pb = parts(a), parts(b)
        if pa is None or pb is None or pa[2] != pb[2]:
            return None
        lanes = pa[2]
        if t is E.Add or t is E.Sub:
            base, stride = self.visit(t(pa[0], pb[0])), self.visit(t(pa[1], pb[1]))
        elif t is E.Mul and (type(a) is E.Broadcast or type(b) is E.Broadcast):
            ramp, scale = (pa, pb[0]) if type(b) is E.Broadcast else (pb, pa[0])
            base, stride = self.visit(E.Mul(ramp[0], scale)), self.visit(E.Mul(ramp[1], scale))
        else:
            return None
        return self.visit(E.Ramp(base, stride, lanes))

    # ------------------------------------------------------------ min / max
    def _minmax(self, e):
        a, b = self.visit(e.a), self.visit(e.b)
        dtype = e.dtype
        if not is_int_scalar(dtype):
            return self._other_binary(e, a, b)
        if type(a) is E.IntImm and type(b) is E.IntImm:
            return fold_binary(type(e), a, b)
        if self.atoms.same(a, b):
            return a
        if type(a) is E.IntImm:           # commutative: the constant goes last
            a, b = b, a
        if self.exact(a, b):
            d = poly_add(self.poly_of(b), self.poly_of(a), None, -1)
            lo, hi = self.diff_bound(d, dtype, lambda l, h: l >= 0 or h <= 0)
        else:
            (alo, ahi), (blo, bhi) = self.bound(a), self.bound(b)
            lo, hi = blo - ahi, bhi - alo
        if lo < 0 < hi:
            lo, hi = self._divisions_order(a, b, dtype, lo, hi)
        if lo >= 0:                     # a <= b
            return a if type(e) is E.Min else b
        if hi <= 0:                     # b <= a
            return b if type(e) is E.Min else a
        return self._rebuild(e, a, b)

    visit_Min = visit_Max = _minmax

    # ------------------------------------------------------------ comparisons
    def _compare(self, e):
        a, b = self.visit(e.a), self.visit(e.b)
        t = type(e)
        dtype = a.dtype
        if _is_const(a) and _is_const(b):
            folded = fold_binary(t, a, b)
            if folded is not None:
                return folded
        if not is_int_scalar(dtype):
            return self._other_binary(e, a, b)
        if self.exact(a, b):
            pa, pb = self.poly_of(a), self.poly_of(b)
            d = poly_add(pa, pb, None, -1)
            lo, hi = self.diff_bound(d, dtype, lambda l, h: _decide(t, l, h) is not None)
            verdict = _decide(t, lo, hi)
            if verdict is not None:
                return E.IntImm("bool", int(verdict))
            return self._rebuild_compare(e, a, b, pa, pb, d)
        (alo, ahi), (blo, bhi) = self.bound(a), self.bound(b)
        verdict = _decide(t, alo - bhi, ahi - blo)
        if verdict is not None:
            return E.IntImm("bool", int(verdict))
        return self._rebuild(e, a, b)

    visit_EQ = visit_NE = visit_LT = visit_LE = visit_GT = visit_GE = _compare

    def _rebuild_compare(self, e, a, b, pa, pb, d):
        """``a - b <cmp> 0`` as ``P <cmp> N - c`` (or ``c <cmp> N``), so common
        terms cancel: ``x + 1 < y + 1`` is ``x < y``. Kept as is when that would
        compute a bigger multiple of a term (``x == 0 - x`` is not ``x*2 == 0``,
        which overflows sooner) or a literal outside the dtype."""
        dtype = a.dtype
        for mono, coef in d.items():
            if mono and abs(coef) > max(abs(pa.get(mono, 0)), abs(pb.get(mono, 0))):
                return self._rebuild(e, a, b)
        const = d.get((), 0)
        pos = {m: v for m, v in d.items() if m and v > 0}
        neg = {m: -v for m, v in d.items() if m and v < 0}
        if pos:
            if const:
                neg = poly_add(neg, poly_const(-const), None)
        elif const:
            pos = poly_const(const)
        low, high = int_limits(dtype)
        if not low <= const <= high or not low <= -const <= high:
            return self._rebuild(e, a, b)
        return self._rebuild(e, self.from_poly(pos, dtype), self.from_poly(neg, dtype))

    # ------------------------------------------------------------ logic
    def visit_And(self, e):
        a, b = self.visit(e.a), self.visit(e.b)
        if type(a) is E.IntImm:
            return b if a.value else a
        if type(b) is E.IntImm:
            return a if b.value else b
        if self.atoms.same(a, b):
            return a
        return self._other_binary(e, a, b)

    def visit_Or(self, e):
        a, b = self.visit(e.a), self.visit(e.b)
        if type(a) is E.IntImm:
            return a if a.value else b
        if type(b) is E.IntImm:
            return b if b.value else a
        if self.atoms.same(a, b):
            return a
        return self._other_binary(e, a, b)

    def visit_Not(self, e):
        a = self.visit(e.a)
        t = type(a)
        if t is E.IntImm:
            return E.IntImm(a.dtype, int(not a.value))
        if t is E.Not:
            return a.a
        if t in FLIP_NOT and not dt.is_float(a.a.dtype):
            return self.visit(FLIP_NOT[t](a.a, a.b))
        if t is E.Broadcast and type(a.value) is E.IntImm:
            return E.Broadcast(E.IntImm(a.value.dtype, int(not a.value.value)), a.lanes)
        return e if a is e.a else E.Not(a)

    def visit_Select(self, e):
        cond = self.visit(e.condition)
        if type(cond) is E.Broadcast:
            cond_value = cond.value
        else:
            cond_value = cond
        if type(cond_value) is E.IntImm:
            return self.visit(e.true_value if cond_value.value else e.false_value)
        tv, fv = self.visit(e.true_value), self.visit(e.false_value)
        if self.atoms.same(tv, fv):
            return tv
        if cond is e.condition and tv is e.true_value and fv is e.false_value:
            return e
        return E.Select(cond, tv, fv)

    def visit_Call(self, e):
        if e.op == "if_then_else" and len(e.args) == 3:
            cond = self.visit(e.args[0])
            if type(cond) is E.IntImm:
                return self.visit(e.args[1] if cond.value else e.args[2])
        return self.generic_visit(e)

    # ------------------------------------------------------------ others
    def visit_Cast(self, e):
        value = self.visit(e.value)
        if value.dtype == e.dtype:
            return value
        if _is_const(value):
            folded = fold_cast(e.dtype, value)
            if folded is not None:
                return folded
        if type(value) is E.Broadcast and dt.lanes_of(e.dtype) == value.lanes:
            return E.Broadcast(self.visit(E.Cast(dt.element_of(e.dtype), value.value)),
                               value.lanes)
        return e if value is e.value else E.Cast(e.dtype, value)

    def visit_Let(self, e):
        value = self.visit(e.value)
        if _is_const(value) or type(value) is E.Var:
            return self.visit(substitute(e.body, {e.var: value}))
        with self.an.scope(e.var, value):
            body = self.visit(e.body)
        if not uses_var(body, {e.var}):
            return body
        if value is e.value and body is e.body:
            return e
        return E.Let(e.var, value, body)

    def visit_Ramp(self, e):
        base, stride = self.visit(e.base), self.visit(e.stride)
        if type(stride) is E.IntImm and stride.value == 0:
            return E.Broadcast(base, e.lanes)
        if base is e.base and stride is e.stride:
            return e
        return E.Ramp(base, stride, e.lanes)

    def visit_Broadcast(self, e):
        value = self.visit(e.value)
        return e if value is e.value else E.Broadcast(value, e.lanes)

    def visit_Load(self, e):
        index = self.visit(e.index)
        pred = e.predicate
        if pred is not None:
            pred = self.visit(pred)
            if _all_true(pred):
                pred = None
        if index is e.index and pred is e.predicate:
            return e
        return E.Load(e.dtype, e.buffer, index, pred)

    def visit_Reduce(self, e):
        bound = [iv.var for iv in e.axis if iv.dom is not None]
        for iv in e.axis:
            if iv.dom is not None:
                self.an.bind(iv.var, iv.dom)
        try:
            return self.generic_visit(e)
        finally:
            for var in reversed(bound):
                self.an.unbind(var)


def _all_true(pred):
    if type(pred) is E.Broadcast:
        pred = pred.value
    return type(pred) is E.IntImm and pred.value != 0
