"""Symbolic interval analysis: the range of an expression over variable ranges.

An :class:`Interval` has *inclusive* symbolic ends; ``None`` means unbounded on
that side. :func:`eval_interval` evaluates an expression over intervals of some
of its variables (the others are fixed points), which is what bound inference
needs: for ``io*32 + ii + di - 1`` with ``ii`` in ``[0, 31]``, ``di`` in
``[0, 2]`` it gives ``[io*32 - 1, io*32 + 32]``, whose extent
``hi - lo + 1`` simplifies to ``34``.

Every rule is sound for any value of the fixed variables: a product by a point
of unknown sign becomes ``[min(lo*p, hi*p), max(lo*p, hi*p)]``, never a guess.
"""

from ..errors import InternalError
from ..ir import dtype as dt
from ..ir import expr as E
from ..ir.functor import Dispatcher, uses_var
from .const_fold import NO_OVERFLOW, int_limits


class Interval:
    """``[lo, hi]``, inclusive; ``lo``/``hi`` are expressions or ``None`` (unbounded)."""

    __slots__ = ("lo", "hi")

    def __init__(self, lo, hi):
        self.lo = _expr(lo)
        self.hi = _expr(hi)

    @staticmethod
    def point(value):
        value = _expr(value)
        return Interval(value, value)

    @staticmethod
    def everything():
        return Interval(None, None)

    def is_point(self):
        return self.lo is not None and self.lo is self.hi

    def is_bounded(self):
        return self.lo is not None and self.hi is not None

    def union(self, other):
        """The smallest interval holding both (ends built with min/max; simplify them)."""
        return Interval(_pick(E.Min, self.lo, other.lo, min),
                        _pick(E.Max, self.hi, other.hi, max))

    def intersect(self, other):
        """Both constraints at once (ends built with max/min; simplify them)."""
        lo = other.lo if self.lo is None else self.lo if other.lo is None else \
            _pick(E.Max, self.lo, other.lo, max)
        hi = other.hi if self.hi is None else self.hi if other.hi is None else \
            _pick(E.Min, self.hi, other.hi, min)
        return Interval(lo, hi)

    def __repr__(self):
        lo = "-inf" if self.lo is None else str(self.lo)
        hi = "+inf" if self.hi is None else str(self.hi)
        return f"Interval[{lo}, {hi}]"


def _expr(value):
    if value is None or isinstance(value, E.PrimExpr):
        return value
    if isinstance(value, E.IterVar):
        return value.var
    if isinstance(value, int) and not isinstance(value, bool):
        return E.IntImm(dt.INDEX, value)
    raise InternalError(f"an Interval end must be an expression, an int or None, got {value!r}")


def _pick(node, a, b, choose):
    if a is None or b is None:
        return None
    if a is b:
        return a
    if type(a) is E.IntImm and type(b) is E.IntImm:
        return a if choose(a.value, b.value) == a.value else b
    return node(a, b)


def interval_from_range(rng, analyzer):
    """The inclusive interval ``[min, min + extent - 1]`` of a half-open Range
    (a symbolic end simplified by ``analyzer``)."""
    lo = rng.min
    extent = rng.extent
    if extent.dtype != lo.dtype:
        extent = E.Cast(lo.dtype, extent)
    if type(lo) is E.IntImm and type(extent) is E.IntImm:
        return Interval(lo, E.IntImm(lo.dtype, lo.value + extent.value - 1))
    return Interval(lo, analyzer.simplify(E.Sub(E.Add(lo, extent), E.IntImm(lo.dtype, 1))))


def eval_interval(expr, ranges, analyzer):
    """The interval of ``expr`` when each variable key of ``ranges`` varies over
    its value (an :class:`Interval` or a ``Range``); other variables are points.
    The ends come back simplified by ``analyzer`` (which may know the ranges of
    outer loop variables; :func:`tecomp.arith.eval_interval` makes a fresh one)."""
    an = analyzer
    table = {}
    for var, value in ranges.items():
        if isinstance(var, E.IterVar):
            var = var.var
        if isinstance(value, E.Range):
            value = interval_from_range(value, an)
        elif not isinstance(value, Interval):
            raise InternalError(f"eval_interval: range of {var} must be an Interval or "
                                f"a Range, got {value!r}")
        table[var] = value
    if not table:
        return Interval.point(expr)
    result = _IntervalEval(table, an).eval(expr)
    if result.is_point():
        return result
    lo = None if result.lo is None else an.simplify(result.lo)
    hi = None if result.hi is None else an.simplify(result.hi)
    return Interval(lo, hi)


def _limits_interval(dtype):
    if dt.is_bool(dtype):
        return Interval(E.IntImm(dtype, 0), E.IntImm(dtype, 1))
    if dt.is_integer(dtype) and dt.lanes_of(dtype) == 1 and dtype not in NO_OVERFLOW:
        lo, hi = int_limits(dtype)
        return Interval(E.IntImm(dtype, lo), E.IntImm(dtype, hi))
    return Interval(None, None)


_WRAPPING_NODES = (E.Add, E.Sub, E.Mul)


def _wrapping_dtype(dtype):
    """Narrow and unsigned integers wrap around. int32/int64 intervals serve
    bound inference of indices, where a wrapped index is out of bounds anyway;
    the simplifier asks them only of index arithmetic (see
    :mod:`tecomp.arith.overflow`)."""
    return dt.is_integer(dtype) and dt.lanes_of(dtype) == 1 and dtype not in NO_OVERFLOW


def _math_bound(e, an):
    """Mathematical (unwrapped) constant bounds of an ``+ - *`` tree over
    operands whose own (wrapped) values the analyzer bounds; ``(None, None)``
    when unknown."""
    if type(e) not in _WRAPPING_NODES:
        return an.const_int_bound(e)
    a, b = _math_bound(e.a, an), _math_bound(e.b, an)
    if None in a or None in b:
        return None, None
    if type(e) is E.Add:
        return a[0] + b[0], a[1] + b[1]
    if type(e) is E.Sub:
        return a[0] - b[1], a[1] - b[0]
    corners = [x * y for x in a for y in b]
    return min(corners), max(corners)


def _bin(node, a, b):
    return None if a is None or b is None else node(a, b)


class _IntervalEval(Dispatcher):
    def __init__(self, ranges, analyzer):
        self.ranges = ranges
        self.an = analyzer
        self.memo = {}

    def eval(self, e):
        hit = self.memo.get(id(e))
        if hit is not None and hit[0] is e:
            return hit[1]
        method = self.handler(e, "e_")
        if method is None:
            result = self.opaque(e)
        else:
            result = method(e)
            if type(e) in _WRAPPING_NODES and _wrapping_dtype(e.dtype) and not result.is_point() \
                    and not self._fits(result, e.dtype):
                result = _limits_interval(e.dtype)
        self.memo[id(e)] = (e, result)
        return result

    def _fits(self, result, dtype):
        """Whether the ends of ``result`` (``+ - *`` of a wrapping dtype, built
        from the operands' ends) never wrap: the operands' ends have constant
        bounds whose mathematical ``+ - *`` stays inside the dtype. Otherwise
        ``[x.lo - y.hi, x.hi - y.lo]`` of uint8 may be ``[4, 3]``: no bound at all."""
        if not result.is_bounded():
            return False
        low, high = int_limits(dtype)
        for end in (result.lo, result.hi):
            if type(end) not in _WRAPPING_NODES:
                continue
            lo, hi = _math_bound(end, self.an)
            if lo is None or lo < low or hi > high:
                return False
        return True

    # An expression none of whose variables vary is a point: itself.
    def opaque(self, e):
        if uses_var(e, self.ranges):
            return _limits_interval(e.dtype)
        return Interval.point(e)

    def _sign(self, e):
        """+1 if provably >= 0, -1 if provably <= 0, else 0."""
        lo, hi = self.an.const_int_bound(e)
        if lo is not None and lo >= 0:
            return 1
        if hi is not None and hi <= 0:
            return -1
        return 0

    def e_Var(self, e):
        return self.ranges.get(e) or Interval.point(e)

    def e_IntImm(self, e):
        return Interval.point(e)

    e_FloatImm = e_StringImm = e_IntImm

    def _children(self, e):
        a, b = self.eval(e.a), self.eval(e.b)
        if a.is_point() and b.is_point():
            if a.lo is e.a and b.lo is e.b:
                return None, None, Interval.point(e)
            return None, None, Interval.point(type(e)(a.lo, b.lo))
        return a, b, None

    def e_Add(self, e):
        a, b, point = self._children(e)
        if point:
            return point
        return Interval(_bin(E.Add, a.lo, b.lo), _bin(E.Add, a.hi, b.hi))

    def e_Sub(self, e):
        a, b, point = self._children(e)
        if point:
            return point
        return Interval(_bin(E.Sub, a.lo, b.hi), _bin(E.Sub, a.hi, b.lo))

    def e_Mul(self, e):
        a, b, point = self._children(e)
        if point:
            return point
        if not dt.is_integer(e.dtype) and not dt.is_float(e.dtype):
            return Interval(None, None)
        if b.is_point() or a.is_point():
            rng, p = (a, b.lo) if b.is_point() else (b, a.lo)
            sign = self._sign(p) if dt.is_integer(e.dtype) else _float_sign(p)
            if sign > 0:
                return Interval(_bin(E.Mul, rng.lo, p), _bin(E.Mul, rng.hi, p))
            if sign < 0:
                return Interval(_bin(E.Mul, rng.hi, p), _bin(E.Mul, rng.lo, p))
            if rng.is_bounded():
                x, y = E.Mul(rng.lo, p), E.Mul(rng.hi, p)
                return Interval(E.Min(x, y), E.Max(x, y))
            return Interval(None, None)
        if a.is_bounded() and b.is_bounded() and dt.is_integer(e.dtype):
            corners = [E.Mul(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
            lo, hi = corners[0], corners[0]
            for c in corners[1:]:
                lo, hi = E.Min(lo, c), E.Max(hi, c)
            return Interval(lo, hi)
        return Interval(None, None)

    def _div(self, e, floor):
        a, b, point = self._children(e)
        if point:
            return point
        if not dt.is_integer(e.dtype) or not b.is_point():
            return _limits_interval(e.dtype)
        p = b.lo
        sign = self._sign(p)
        if type(p) is E.IntImm and p.value == 0:
            return _limits_interval(e.dtype)
        positive = sign > 0 and self.an.can_prove(E.GE(p, E.IntImm(p.dtype, 1)))
        negative = sign < 0 and self.an.can_prove(E.LE(p, E.IntImm(p.dtype, -1)))
        node = E.FloorDiv if floor else E.Div
        # floor and truncating division are monotone in the dividend for a
        # divisor of fixed sign: non-decreasing if positive, else non-increasing.
        if positive:
            return Interval(_bin(node, a.lo, p), _bin(node, a.hi, p))
        if negative:
            return Interval(_bin(node, a.hi, p), _bin(node, a.lo, p))
        return _limits_interval(e.dtype)

    def e_FloorDiv(self, e):
        return self._div(e, True)

    def e_Div(self, e):
        if dt.is_float(e.dtype):
            return self.opaque(e)
        return self._div(e, False)

    def _mod(self, e, floor):
        a, b, point = self._children(e)
        if point:
            return point
        if not dt.is_integer(e.dtype) or not b.is_point():
            return _limits_interval(e.dtype)
        p = b.lo
        if not self.an.can_prove(E.GE(p, E.IntImm(p.dtype, 1))):
            return _limits_interval(e.dtype)
        one = E.IntImm(p.dtype, 1)
        top = E.Sub(p, one)
        nonneg = a.lo is not None and self._sign(a.lo) > 0
        if floor or nonneg:
            # Within one bucket the remainder is monotone too.
            if a.is_bounded() and self.an.can_prove_equal(E.FloorDiv(a.lo, p),
                                                          E.FloorDiv(a.hi, p)):
                return Interval(E.FloorMod(a.lo, p), E.FloorMod(a.hi, p))
            return Interval(E.IntImm(p.dtype, 0), top)
        if a.hi is not None and self._sign(a.hi) < 0:
            return Interval(E.Sub(one, p), E.IntImm(p.dtype, 0))
        return Interval(E.Sub(one, p), top)

    def e_FloorMod(self, e):
        return self._mod(e, True)

    def e_Mod(self, e):
        return self._mod(e, False)

    def _minmax(self, e, node):
        a, b, point = self._children(e)
        if point:
            return point
        if node is E.Min:
            lo = _bin(E.Min, a.lo, b.lo)
            hi = a.hi if b.hi is None else b.hi if a.hi is None else E.Min(a.hi, b.hi)
        else:
            lo = a.lo if b.lo is None else b.lo if a.lo is None else E.Max(a.lo, b.lo)
            hi = _bin(E.Max, a.hi, b.hi)
        return Interval(lo, hi)

    def e_Min(self, e):
        return self._minmax(e, E.Min)

    def e_Max(self, e):
        return self._minmax(e, E.Max)

    def e_Cast(self, e):
        inner = self.eval(e.value)
        if inner.is_point():
            return Interval.point(e if inner.lo is e.value else E.Cast(e.dtype, inner.lo))
        src = e.value.dtype
        if dt.is_integer(e.dtype) and (dt.is_integer(src) or dt.is_bool(src)) \
                and inner.is_bounded():
            lo, _ = self.an.const_int_bound(inner.lo)
            _, hi = self.an.const_int_bound(inner.hi)
            low, high = int_limits(e.dtype)
            if lo is not None and hi is not None and low <= lo and hi <= high:
                return Interval(E.Cast(e.dtype, inner.lo), E.Cast(e.dtype, inner.hi))
        return _limits_interval(e.dtype)

    def e_Select(self, e):
        t, f = self.eval(e.true_value), self.eval(e.false_value)
        if t.is_point() and f.is_point() and not uses_var(e.condition, self.ranges):
            if t.lo is e.true_value and f.lo is e.false_value:
                return Interval.point(e)
            return Interval.point(E.Select(e.condition, t.lo, f.lo))
        return t.union(f)

    def e_Let(self, e):
        value = self.eval(e.value)
        saved = self.ranges.get(e.var)
        self.ranges[e.var] = value
        memo, self.memo = self.memo, {}
        try:
            return self.eval(e.body)
        finally:
            self.memo = memo
            if saved is None:
                del self.ranges[e.var]
            else:
                self.ranges[e.var] = saved

    def e_Broadcast(self, e):
        inner = self.eval(e.value)
        if inner.is_point():
            return Interval.point(e if inner.lo is e.value else E.Broadcast(inner.lo, e.lanes))
        return inner

    def e_Ramp(self, e):
        if not uses_var(e, self.ranges):
            return Interval.point(e)
        last = E.Add(e.base, E.Mul(e.stride, E.IntImm(e.stride.dtype, e.lanes - 1)))
        first = self.eval(e.base)
        end = self.eval(last)
        return first.union(end)


def _float_sign(p):
    if type(p) is E.FloatImm:
        return 1 if p.value >= 0 else -1 if p.value <= 0 else 0
    return 0
