"""The canonical-form half of the simplifier: polys of simplified integer
expressions, their bounds, and the facts (known conditions) they are checked
against. A mixin of :class:`tecomp.arith.rewrite_simplify.Simplifier`.

See :mod:`tecomp.arith.linear` for the form itself.
"""

from math import inf

from ..ir import dtype as dt
from ..ir import expr as E
from ..ir.functor import free_vars
from .const_fold import NO_OVERFLOW, make_const
from .int_bound import mul_bound
from .interval import Interval, eval_interval
from .linear import (coeff_bits, const_value, is_monomial, poly_add, poly_const, poly_mul,
                     wrap_coeff)

_INT_SCALAR = {}


def is_int_scalar(dtype):
    """Integer (not bool) with one lane: the dtypes of the canonical form."""
    known = _INT_SCALAR.get(dtype)
    if known is None:
        known = _INT_SCALAR[dtype] = dt.is_integer(dtype) and dt.lanes_of(dtype) == 1
    return known


def no_overflow(dtype):
    return dtype in NO_OVERFLOW


FLIP_NOT = {E.LT: E.GE, E.LE: E.GT, E.GT: E.LE, E.GE: E.LT, E.EQ: E.NE, E.NE: E.EQ}
# The range of a - b that each comparison a <cmp> b implies.
_FACT_RANGE = {E.LT: (-inf, -1), E.LE: (-inf, 0), E.GT: (1, inf), E.GE: (0, inf), E.EQ: (0, 0)}
_MAX_DEGREE = 8
_SYMBOLIC_ROUNDS = 3


def _is_symbolic(lo, hi):
    return (lo is not None and type(lo) is not E.IntImm) or \
        (hi is not None and type(hi) is not E.IntImm)


class CanonicalForm:
    """Needs ``self.an`` (the analyzer), ``self.atoms``, ``self.visit`` and the
    memo dicts ``poly_memo``, ``orig_poly``, ``term_memo``."""

    def exact(self, *exprs):
        """Whether the integer expressions are index arithmetic, whose value is
        the mathematical value of their polys (see :mod:`tecomp.arith.overflow`);
        otherwise only rewrites that hold under wraparound apply."""
        wraps = self.an.overflow.wraps
        return not any(wraps(e) for e in exprs)

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
        """``p * q`` or ``None`` (keep the product opaque). A sum is distributed
        over a monomial (``(i*32 + 31)*n`` is ``i*n*32 + n*31``, so bounds cancel)
        but a product of two sums is not expanded: ``(a - b)*(c - d)`` would
        become four products in the generated code."""
        if const_value(p) is None and const_value(q) is None:
            if not (is_monomial(p) or is_monomial(q)):
                return None
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
        if t is E.Not and type(cond.a) in FLIP_NOT and is_int_scalar(cond.a.a.dtype):
            return self.facts_of(FLIP_NOT[type(cond.a)](cond.a.a, cond.a.b))
        if t not in _FACT_RANGE or not is_int_scalar(cond.a.dtype) \
                or not self.exact(cond.a, cond.b):
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
