"""The expression simplifier: one bottom-up pass of rewrites under an analyzer.

Integer ``+ - *`` go through the canonical sum-of-products form of
:mod:`tecomp.arith.linear` (like terms collected, constants last); division,
remainder, ``min``/``max`` and comparisons are decided or reduced with the
analyzer's variable bounds; everything else is constant folded with the exact
semantics of :mod:`tecomp.arith.const_fold`. Float expressions are only folded
when the IEEE result is certain (``x*1.0``, ``x - 0.0``, constants), never
``x*0.0`` (NaN, infinities) nor ``x + 0.0`` (``-0.0 + 0.0`` is ``+0.0``).

Every rewrite keeps the dtype of the node it replaces. A node that simplifies to
something structurally equal to itself is returned as is (same object), so a
caller can tell cheaply that nothing changed.
"""

from math import gcd, inf

from ..ir import dtype as dt
from ..ir import expr as E
from ..ir.functor import IRMutator, free_vars, uses_var
from .const_fold import NO_OVERFLOW, fold_binary, fold_cast, int_limits, make_const
from .int_bound import mul_bound
from .linear import (coeff_bits, const_value, poly_add, poly_const, poly_mul, poly_scale,
                     wrap_coeff)

_INT_SCALAR = {}


def is_int_scalar(dtype):
    """Integer (not bool) with one lane: the dtypes of the canonical form."""
    known = _INT_SCALAR.get(dtype)
    if known is None:
        known = _INT_SCALAR[dtype] = dt.is_integer(dtype) and dt.lanes_of(dtype) == 1
    return known


def _no_overflow(dtype):
    return dtype in NO_OVERFLOW


_FLIP_NOT = {E.LT: E.GE, E.LE: E.GT, E.GT: E.LE, E.GE: E.LT, E.EQ: E.NE, E.NE: E.EQ}
_CMP_TYPES = (E.EQ, E.NE, E.LT, E.LE, E.GT, E.GE)
# The range of a - b that each comparison a <cmp> b implies.
_FACT_RANGE = {E.LT: (-inf, -1), E.LE: (-inf, 0), E.GT: (1, inf), E.GE: (0, inf), E.EQ: (0, 0)}
_MAX_DEGREE = 8
_SYMBOLIC_ROUNDS = 3


def _is_symbolic(lo, hi):
    return (lo is not None and type(lo) is not E.IntImm) or \
        (hi is not None and type(hi) is not E.IntImm)


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


class Simplifier(IRMutator):
    """Simplifies expressions under the bindings of ``analyzer``."""

    def __init__(self, analyzer):
        self.an = analyzer
        self.atoms = analyzer.atoms
        self.memo = {}        # id(expr) -> (expr, result); cleared on binding changes
        self.orig_poly = {}   # id(expr) -> (expr, poly) of an unsimplified expr; same
        self.poly_memo = {}   # id(simplified expr) -> (expr, poly); structural, kept
        self.term_memo = {}   # monomial -> expression
        self._methods = {}

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
        method = self._methods.get(t)
        if method is None:
            method = self._methods[t] = getattr(self, "visit_" + t.__name__, self.generic_visit)
        result = method(e)
        if result is not e and type(result) is t and self.atoms.key(result) == self.atoms.key(e):
            result = e
        self.memo[id(e)] = (e, result)
        return result

    def _rebuild(self, e, a, b):
        if a is e.a and b is e.b:
            return e
        return type(e)(a, b)

    # ------------------------------------------------------------ polys
    def poly_of(self, s):
        """The canonical form of an already simplified integer expression."""
        hit = self.poly_memo.get(id(s))
        if hit is not None and hit[0] is s:
            return hit[1]
        t = type(s)
        bits = coeff_bits(s.dtype)
        if t is E.IntImm:
            p = poly_const(wrap_coeff(s.value, bits))
        elif t is E.Add:
            p = poly_add(self.poly_of(s.a), self.poly_of(s.b), bits)
        elif t is E.Sub:
            p = poly_add(self.poly_of(s.a), self.poly_of(s.b), bits, -1)
        elif t is E.Mul:
            p = self._mul(self.poly_of(s.a), self.poly_of(s.b), bits)
            if p is None:
                p = {(self.atoms.key(s),): 1}
        else:
            p = {(self.atoms.key(s),): 1}
        self.poly_memo[id(s)] = (s, p)
        return p

    def _mul(self, p, q, bits):
        if const_value(p) is None and const_value(q) is None:
            degree = max(len(m) for m in p) + max(len(m) for m in q)
            if degree > _MAX_DEGREE:
                return None
        return poly_mul(p, q, bits, self.atoms.sort_key)

    def _to_poly(self, e):
        """The canonical form of an unsimplified integer expression."""
        t = type(e)
        if t is E.IntImm:
            return poly_const(wrap_coeff(e.value, coeff_bits(e.dtype)))
        if t is not E.Add and t is not E.Sub and t is not E.Mul:
            return self.poly_of(self.visit(e))
        hit = self.orig_poly.get(id(e))
        if hit is not None and hit[0] is e:
            return hit[1]
        bits = coeff_bits(e.dtype)
        pa, pb = self._to_poly(e.a), self._to_poly(e.b)
        if t is E.Add:
            p = poly_add(pa, pb, bits)
        elif t is E.Sub:
            p = poly_add(pa, pb, bits, -1)
        else:
            p = self._mul(pa, pb, bits)
            if p is None:
                p = self.poly_of(E.Mul(self.from_poly(pa, e.dtype), self.from_poly(pb, e.dtype)))
        self.orig_poly[id(e)] = (e, p)
        return p

    def _term(self, mono):
        expr = self.term_memo.get(mono)
        if expr is None:
            exprs = self.atoms.exprs
            expr = exprs[mono[0]]
            for k in mono[1:]:
                expr = E.Mul(expr, exprs[k])
            self.term_memo[mono] = expr
        return expr

    def from_poly(self, p, dtype):
        """An expression for poly ``p``: positive terms in order, then the
        negative ones, the constant last."""
        const = p.get((), 0)
        pos, neg = [], []
        for mono, coef in p.items():
            if mono:
                (pos if coef > 0 else neg).append((self._term(mono), coef))
        acc = None
        for term, coef in pos:
            t = term if coef == 1 else E.Mul(term, make_const(dtype, coef))
            acc = t if acc is None else E.Add(acc, t)
        if acc is None and neg:
            acc, const = make_const(dtype, const if const > 0 else 0), min(const, 0)
        for term, coef in neg:
            acc = E.Sub(acc, term if coef == -1 else E.Mul(term, make_const(dtype, -coef)))
        if acc is None:
            result = make_const(dtype, const)
        elif const > 0:
            result = E.Add(acc, make_const(dtype, const))
        elif const < 0:
            result = E.Sub(acc, make_const(dtype, -const))
        else:
            result = acc
        self.poly_memo[id(result)] = (result, p)
        return result

    def bound(self, s):
        return self.an._int_bound.bound(s)

    def poly_bound(self, p):
        """Mathematical ``(lo, hi)`` of a poly from its atoms' bounds."""
        lo = hi = p.get((), 0)
        exprs = self.atoms.exprs
        for mono, coef in p.items():
            if not mono:
                continue
            b = self.bound(exprs[mono[0]])
            for k in mono[1:]:
                b = mul_bound(b, self.bound(exprs[k]))
            b = mul_bound(b, (coef, coef))
            lo += b[0]
            hi += b[1]
        return lo, hi

    def diff_bound(self, p, dtype, decided):
        """Bound of poly ``p``; refined by substituting symbolic variable ranges
        when ``decided(lo, hi)`` says the constant bound is not enough."""
        lo, hi = self.poly_bound(p)
        for fact, flo, fhi in self.an._facts:
            # p == fact + k  or  p == k - fact, for a constant k
            k = const_value(poly_add(p, fact, None, -1))
            if k is not None:
                lo, hi = max(lo, flo + k), min(hi, fhi + k)
                continue
            k = const_value(poly_add(p, fact, None))
            if k is not None:
                lo, hi = max(lo, k - fhi), min(hi, k - flo)
        if decided(lo, hi) or not self.an._symbolic or self.an._in_symbolic:
            return lo, hi
        from .interval import eval_interval
        self.an._in_symbolic = True
        try:
            # Replace the variables that have symbolic ranges (i in [0, n - 1])
            # by those ranges, a few rounds deep (j in [0, i] needs two).
            lo_end = hi_end = self.from_poly(p, dtype)
            for _ in range(_SYMBOLIC_ROUNDS):
                if lo_end is not None:
                    lo_end = self._substitute_ranges(lo_end, eval_interval, lower=True)
                    if lo_end is not None:
                        lo = max(lo, self.bound(lo_end)[0])
                if hi_end is not None:
                    hi_end = self._substitute_ranges(hi_end, eval_interval, lower=False)
                    if hi_end is not None:
                        hi = min(hi, self.bound(hi_end)[1])
                if decided(lo, hi) or (lo_end is None and hi_end is None):
                    break
        finally:
            self.an._in_symbolic = False
        return lo, hi

    def _substitute_ranges(self, expr, eval_interval, lower):
        """One end of ``expr`` over the symbolic ranges of its variables, or
        ``None`` when it has no such variable or that end is unbounded."""
        from .interval import Interval
        ranges = {}
        for v in free_vars(expr):
            binding = self.an._binding(v)
            # Only variables with symbolic ends are replaced: the constant bounds
            # of the others are used at the end anyway, and replacing n in
            # [0, inf) would lose that i <= n - 1 mentions n.
            if binding is not None and _is_symbolic(*binding):
                ranges[v] = Interval(*binding)
        if not ranges:
            return None
        iv = eval_interval(expr, ranges, self.an)
        return iv.lo if lower else iv.hi

    def facts_of(self, cond):
        """``[(poly d, lo, hi)]`` with ``lo <= d <= hi`` implied by the
        simplified condition ``cond``."""
        t = type(cond)
        if t is E.And:
            return self.facts_of(cond.a) + self.facts_of(cond.b)
        if t is E.Not and type(cond.a) in _FLIP_NOT and is_int_scalar(cond.a.a.dtype):
            return self.facts_of(_FLIP_NOT[type(cond.a)](cond.a.a, cond.a.b))
        if t not in _FACT_RANGE or not is_int_scalar(cond.a.dtype) \
                or not _no_overflow(cond.a.dtype):
            return []
        d = poly_add(self.poly_of(cond.a), self.poly_of(cond.b), None, -1)
        lo, hi = _FACT_RANGE[t]
        return [(d, lo, hi)]

    def var_fact(self, poly, lo, hi):
        """``(var, lo, hi)`` when the fact ``lo <= poly <= hi`` bounds one variable."""
        terms = [m for m in poly if m]
        if len(terms) != 1 or len(terms[0]) != 1 or poly[terms[0]] not in (1, -1):
            return None
        var = self.atoms.exprs[terms[0][0]]
        if type(var) is not E.Var:
            return None
        k = poly.get((), 0)
        if poly[terms[0]] == 1:
            return var, lo - k, hi - k
        return var, k - hi, k - lo

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

    # ------------------------------------------------------------ division
    def visit_FloorDiv(self, e):
        return self._div(e, floor=True)

    def visit_Div(self, e):
        return self._div(e, floor=False)

    def visit_FloorMod(self, e):
        return self._mod(e, floor=True)

    def visit_Mod(self, e):
        return self._mod(e, floor=False)

    def _as_floor_div(self, x):
        """``(dividend, divisor)`` when ``x`` is a floor division by a positive
        constant (or a truncating one of a non-negative dividend)."""
        if type(x) in (E.FloorDiv, E.Div) and type(x.b) is E.IntImm and x.b.value > 0:
            if type(x) is E.FloorDiv or self.bound(x.a)[0] >= 0:
                return x.a, x.b.value
        return None

    def _div(self, e, floor):
        a, b = self.visit(e.a), self.visit(e.b)
        dtype = e.dtype
        if not is_int_scalar(dtype):
            return self._other_binary(e, a, b)
        if type(a) is E.IntImm and type(b) is E.IntImm:
            folded = fold_binary(type(e), a, b)
            return folded if folded is not None else self._rebuild(e, a, b)
        lo, hi = self.bound(a)
        if type(b) is E.IntImm:
            c = b.value
            if c == 1:
                return a
            if c == -1 and _no_overflow(dtype):
                return self.from_poly(poly_scale(self.poly_of(a), -1, coeff_bits(dtype)), dtype)
            if c > 0 and (floor or lo >= 0):
                return self._floordiv_const(a, c, dtype, lo, hi)
            if c > 0 and -c < lo and hi < c:
                return make_const(dtype, 0)   # truncation of |a| < c
            return self._rebuild(e, a, b)
        if lo >= 0 and _no_overflow(dtype):
            d = poly_add(self.poly_of(b), self.poly_of(a), coeff_bits(dtype), -1)
            if self.diff_bound(d, dtype, lambda l, h: l >= 1)[0] >= 1:
                return make_const(dtype, 0)   # 0 <= a < b
        if floor and lo >= 0 and self.bound(b)[0] >= 1:
            return E.Div(a, b)
        return self._rebuild(e, a, b)

    def _floordiv_const(self, a, c, dtype, lo, hi):
        """``floordiv(a, c)`` for a constant ``c > 0``."""
        if lo > -inf and hi < inf and lo // c == hi // c:
            return make_const(dtype, lo // c)
        if not _no_overflow(dtype):
            # Wrapping types: the sum-of-products split is not exact.
            return E.Div(a, make_const(dtype, c)) if lo >= 0 else \
                E.FloorDiv(a, make_const(dtype, c))
        bits = coeff_bits(dtype)
        p = self.poly_of(a)
        g = c
        for coef in p.values():
            g = gcd(g, coef)
        if g > 1:                       # floor(g*x / g*c) == floor(x / c)
            p = {m: v // g for m, v in p.items()}
            c //= g
            if c == 1:
                return self.from_poly(p, dtype)
        q, r = {}, {}
        for mono, coef in p.items():
            if not mono:
                quot, rem = divmod(coef, c)
                if quot:
                    q[()] = quot
                if rem:
                    r[()] = rem
            elif coef % c == 0:
                q[mono] = coef // c
            else:
                r[mono] = coef
        rlo, rhi = self.poly_bound(r)
        if rlo > -inf and rhi < inf and rlo // c == rhi // c:
            return self.from_poly(poly_add(q, poly_const(rlo // c), bits), dtype)
        if q or g > 1:
            rest = self._floordiv_const(self.from_poly(r, dtype), c, dtype, rlo, rhi)
            return self.from_poly(poly_add(q, self.poly_of(rest), bits), dtype)
        # floordiv(floordiv(x, c1) + k, c) == floordiv(x + k*c1, c1*c)
        k = r.get((), 0)
        terms = [m for m in r if m]
        if len(terms) == 1 and len(terms[0]) == 1 and r[terms[0]] == 1:
            inner = self._as_floor_div(self.atoms.exprs[terms[0][0]])
            if inner is not None:
                x, c1 = inner
                x = self.from_poly(poly_add(self.poly_of(x), poly_const(k * c1), bits), dtype)
                xlo, xhi = self.bound(x)
                return self._floordiv_const(x, c1 * c, dtype, xlo, xhi)
        r_expr = a     # here r is all of a: nothing went to the quotient
        cexpr = make_const(dtype, c)
        return E.Div(r_expr, cexpr) if rlo >= 0 else E.FloorDiv(r_expr, cexpr)

    def _mod(self, e, floor):
        a, b = self.visit(e.a), self.visit(e.b)
        dtype = e.dtype
        if not is_int_scalar(dtype):
            return self._other_binary(e, a, b)
        if type(a) is E.IntImm and type(b) is E.IntImm:
            folded = fold_binary(type(e), a, b)
            return folded if folded is not None else self._rebuild(e, a, b)
        lo, hi = self.bound(a)
        if type(b) is E.IntImm:
            c = b.value
            if c == 1 or c == -1:
                return make_const(dtype, 0)
            if c > 0 and (floor or lo >= 0):
                return self._floormod_const(a, c, dtype, lo, hi)
            if c > 0 and -c < lo and hi < c:
                return a                    # truncating remainder of |a| < c
            return self._rebuild(e, a, b)
        if lo >= 0 and _no_overflow(dtype):
            d = poly_add(self.poly_of(b), self.poly_of(a), coeff_bits(dtype), -1)
            if self.diff_bound(d, dtype, lambda l, h: l >= 1)[0] >= 1:
                return a                    # 0 <= a < b
        if floor and lo >= 0 and self.bound(b)[0] >= 1:
            return E.Mod(a, b)
        return self._rebuild(e, a, b)

    def _floormod_const(self, a, c, dtype, lo, hi):
        """``floormod(a, c)`` for a constant ``c > 0``."""
        cexpr = make_const(dtype, c)
        if not _no_overflow(dtype):
            if lo > -inf and hi < inf and lo // c == hi // c:
                shift = lo // c * c
                return a if shift == 0 else self.visit(E.Sub(a, make_const(dtype, shift)))
            return E.Mod(a, cexpr) if lo >= 0 else E.FloorMod(a, cexpr)
        bits = coeff_bits(dtype)
        p = self.poly_of(a)
        r = {}
        for mono, coef in p.items():
            if not mono:
                if coef % c:
                    r[()] = coef % c
            elif coef % c:
                r[mono] = coef
        rlo, rhi = self.poly_bound(r)
        if rlo > -inf and rhi < inf and rlo // c == rhi // c:
            return self.from_poly(poly_add(r, poly_const(-(rlo // c) * c), bits), dtype)
        # floormod(floormod(x, c1), c) == floormod(x, c) when c divides c1
        terms = [m for m in r if m]
        if len(terms) == 1 and len(terms[0]) == 1 and r[terms[0]] == 1 and () not in r:
            atom = self.atoms.exprs[terms[0][0]]
            if type(atom) in (E.FloorMod, E.Mod) and type(atom.b) is E.IntImm \
                    and atom.b.value > 0 and atom.b.value % c == 0 \
                    and (type(atom) is E.FloorMod or self.bound(atom.a)[0] >= 0):
                x = atom.a
                xlo, xhi = self.bound(x)
                return self._floormod_const(x, c, dtype, xlo, xhi)
        r_expr = a if r == p else self.from_poly(r, dtype)
        return E.Mod(r_expr, cexpr) if rlo >= 0 else E.FloorMod(r_expr, cexpr)

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
        if _no_overflow(dtype):
            d = poly_add(self.poly_of(b), self.poly_of(a), coeff_bits(dtype), -1)
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

    def _divisions_order(self, a, b, dtype, lo, hi):
        """Division by one positive constant is monotone: ``x // c`` vs ``y // c``
        is ordered like ``x`` vs ``y`` (``min(n // 32, (n + 31) // 32)``)."""
        fa, fb = self._as_floor_div(a), self._as_floor_div(b)
        if fa is None or fb is None or fa[1] != fb[1] or not _no_overflow(dtype):
            return lo, hi
        d = poly_add(self.poly_of(fb[0]), self.poly_of(fa[0]), None, -1)
        dlo, dhi = self.diff_bound(d, dtype, lambda l, h: l >= 0 or h <= 0)
        return (0 if dlo >= 0 else lo), (0 if dhi <= 0 else hi)

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
        if _no_overflow(dtype):
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
        if t in _FLIP_NOT and not dt.is_float(a.a.dtype):
            return self.visit(_FLIP_NOT[t](a.a, a.b))
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
            from ..ir.functor import substitute
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
