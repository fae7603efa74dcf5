"""Constant integer bounds of expressions: ``(lo, hi)`` with ``lo <= e <= hi``.

Bounds are Python ints, or ``-inf``/``inf`` (``math.inf``) where unknown. For
index arithmetic (int32/int64 of variables and constants, see
:mod:`tecomp.arith.overflow`) the arithmetic is mathematical; for everything
that wraps (narrow and unsigned integers, int32/int64 values carrying data) a
result that may leave the dtype's range becomes the whole range.
"""

from math import inf

from ..ir import dtype as dt
from ..ir.functor import Dispatcher
from .const_fold import NO_OVERFLOW, int_limits

EVERYTHING = (-inf, inf)


def default_bound(dtype):
    """What is known of a value of ``dtype`` with no other information."""
    if dt.is_bool(dtype):
        return (0, 1)
    if not dt.is_integer(dtype):
        return EVERYTHING
    if dt.element_of(dtype) in NO_OVERFLOW:
        return EVERYTHING
    return int_limits(dtype)


def fit(bound, dtype, wraps=True):
    """``bound`` as it holds for a value of ``dtype`` after wraparound (index
    arithmetic, ``wraps=False``, of int32/int64 never wraps)."""
    lo, hi = bound
    if not dt.is_integer(dtype) and not dt.is_bool(dtype):
        return bound
    low, high = int_limits(dtype)
    if dt.element_of(dtype) in NO_OVERFLOW and not wraps:
        # Overflow is undefined: clamp, keeping "unknown" spelled as infinity.
        return (lo if lo > low else -inf, hi if hi < high else inf)
    if lo < low or hi > high:
        return (low, high)
    return bound


def mul_value(x, y):
    if x == 0 or y == 0:
        return 0
    return x * y


def mul_bound(a, b):
    corners = (mul_value(a[0], b[0]), mul_value(a[0], b[1]),
               mul_value(a[1], b[0]), mul_value(a[1], b[1]))
    return (min(corners), max(corners))


def add_bound(a, b):
    return (a[0] + b[0], a[1] + b[1])


def _floor_div_value(x, c):
    if x in (inf, -inf):
        return x if c > 0 else -x
    return x // c


def _trunc_div_value(x, c):
    if x in (inf, -inf):
        return x if c > 0 else -x
    q = abs(x) // abs(c)
    return q if (x >= 0) == (c > 0) else -q


def div_bound(a, b, floor):
    """Bound of ``a / b`` (floor or truncating) for integer bounds ``a``, ``b``."""
    div = _floor_div_value if floor else _trunc_div_value
    if b[0] == b[1] and b[0] not in (inf, -inf):
        c = b[0]
        if c == 0:
            return EVERYTHING
        lo, hi = div(a[0], c), div(a[1], c)
        return (lo, hi) if c > 0 else (hi, lo)
    if b[0] >= 1:
        # Positive divisor: the extremes lie at the corners; x / inf tends to 0
        # (or -1 for a negative x under floor division).
        def value(x, y):
            if y == inf:
                return 0 if x >= 0 or not floor else -1
            return div(x, y)
        corners = [value(x, y) for x in a for y in b]
        return (min(corners), max(corners))
    return EVERYTHING


def mod_bound(a, b, floor):
    """Bound of ``a % b`` (floor or truncating remainder)."""
    if b[0] < 1:
        return EVERYTHING
    top = b[1] - 1
    if b[0] == b[1] and -inf < a[0] and a[1] < inf and (floor or a[0] >= 0) \
            and a[0] // b[0] == a[1] // b[0]:
        shift = a[0] // b[0] * b[0]     # the whole range lies in one bucket
        return (a[0] - shift, a[1] - shift)
    if a[0] >= 0:
        return (0, min(top, a[1]))
    if floor:
        return (0, top)
    if a[1] <= 0:
        return (max(-top, a[0]), 0)
    return (max(-top, a[0]), min(top, a[1]))


def union_bound(a, b):
    return (min(a[0], b[0]), max(a[1], b[1]))


class ConstIntBound(Dispatcher):
    """Computes bounds of (simplified) expressions under an analyzer's bindings."""

    def __init__(self, analyzer):
        self.analyzer = analyzer
        self.memo = {}      # id(expr) -> (expr, bound); cleared when bindings change
        self._active = set()

    def clear(self):
        self.memo.clear()

    def bound(self, e):
        hit = self.memo.get(id(e))
        if hit is not None and hit[0] is e:
            return hit[1]
        method = self.handler(e, "b_")
        if method is None or dt.lanes_of(e.dtype) != 1:
            result = default_bound(e.dtype)
        else:
            result = method(e)
            if dt.is_integer(e.dtype):
                result = fit(result, e.dtype, self.analyzer.overflow.wraps(e))
        self.memo[id(e)] = (e, result)
        return result

    def b_IntImm(self, e):
        return (e.value, e.value)

    def b_Var(self, e):
        default = default_bound(e.dtype)
        lo, hi = default
        for flo, fhi in self.analyzer._var_facts.get(e, ()):
            lo, hi = max(lo, flo), min(hi, fhi)
        binding = self.analyzer._binding(e)
        if binding is None or e in self._active:
            return lo, hi
        self._active.add(e)
        try:
            lo_expr, hi_expr = binding
            if lo_expr is hi_expr and lo_expr is not None:
                blo, bhi = self.bound(lo_expr)
            else:
                blo = self.bound(lo_expr)[0] if lo_expr is not None else -inf
                bhi = self.bound(hi_expr)[1] if hi_expr is not None else inf
        finally:
            self._active.discard(e)
        return (max(lo, blo), min(hi, bhi))

    def b_Add(self, e):
        return add_bound(self.bound(e.a), self.bound(e.b))

    def b_Sub(self, e):
        b = self.bound(e.b)
        return add_bound(self.bound(e.a), (-b[1], -b[0]))

    def b_Mul(self, e):
        return mul_bound(self.bound(e.a), self.bound(e.b))

    def _int_only(self, e, fn, floor):
        if not dt.is_integer(e.dtype):
            return EVERYTHING
        return fn(self.bound(e.a), self.bound(e.b), floor)

    def b_Div(self, e):
        return self._int_only(e, div_bound, False)

    def b_FloorDiv(self, e):
        return self._int_only(e, div_bound, True)

    def b_Mod(self, e):
        return self._int_only(e, mod_bound, False)

    def b_FloorMod(self, e):
        return self._int_only(e, mod_bound, True)

    def b_Min(self, e):
        a, b = self.bound(e.a), self.bound(e.b)
        return (min(a[0], b[0]), min(a[1], b[1]))

    def b_Max(self, e):
        a, b = self.bound(e.a), self.bound(e.b)
        return (max(a[0], b[0]), max(a[1], b[1]))

    def b_Select(self, e):
        return union_bound(self.bound(e.true_value), self.bound(e.false_value))

    def b_Cast(self, e):
        src = e.value.dtype
        if dt.is_integer(src) or dt.is_bool(src):
            inner = self.bound(e.value)
            low, high = int_limits(e.dtype) if not dt.is_float(e.dtype) else (-inf, inf)
            if low <= inner[0] and inner[1] <= high:
                return inner
        return default_bound(e.dtype)

    def b_Let(self, e):
        with self.analyzer.scope(e.var, e.value):
            return self.bound(e.body)

    def b_Call(self, e):
        if e.op == "if_then_else" and len(e.args) == 3:
            return union_bound(self.bound(e.args[1]), self.bound(e.args[2]))
        return default_bound(e.dtype)
