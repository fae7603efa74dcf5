"""The division half of the simplifier: ``//``, ``%`` (floor) and truncating
``Div``/``Mod`` of integers. A mixin of
:class:`tecomp.arith.rewrite_simplify.Simplifier`.

With a constant divisor ``c > 0`` (index arithmetic, which never wraps: see
:mod:`tecomp.arith.overflow`):
``floordiv(c*q + r, c) == q + floordiv(r, c)`` and ``floormod(c*q + r, c) ==
floormod(r, c)`` exactly; a remainder whose range lies in one bucket of ``c``
folds to a constant; a common factor divides out (``(x*4) // 8 == x // 2``);
nested divisions merge. A floor form whose dividend is provably non-negative is
emitted as the cheaper truncating one. Division by zero is never folded.
"""

from math import gcd, inf

from ..ir import expr as E
from .canonical import is_int_scalar, no_overflow
from .const_fold import fold_binary, make_const
from .linear import coeff_bits, poly_add, poly_const, poly_scale


class DivModRules:
    """Needs the :class:`~tecomp.arith.canonical.CanonicalForm` methods."""

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

    def _division_operands(self, e):
        """The simplified operands of a division or remainder, and the finished
        result where no integer rewrite applies (a float, or two constants)."""
        a, b = self.visit(e.a), self.visit(e.b)
        if not is_int_scalar(e.dtype):
            return a, b, self._other_binary(e, a, b)
        if type(a) is E.IntImm and type(b) is E.IntImm:
            folded = fold_binary(type(e), a, b)
            return a, b, folded if folded is not None else self._rebuild(e, a, b)
        return a, b, None

    def _div(self, e, floor):
        a, b, done = self._division_operands(e)
        if done is not None:
            return done
        dtype = e.dtype
        lo, hi = self.bound(a)
        if type(b) is E.IntImm:
            c = b.value
            if c == 1:
                return a
            if c == -1 and no_overflow(dtype):
                return self.from_poly(poly_scale(self.poly_of(a), -1, coeff_bits(dtype)), dtype)
            if c > 0 and (floor or lo >= 0):
                return self._floordiv_const(a, c, dtype, lo, hi)
            if c > 0 and -c < lo and hi < c:
                return make_const(dtype, 0)   # truncation of |a| < c
            return self._rebuild(e, a, b)
        if lo >= 0 and self.exact(a, b):
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
        if not self.exact(a):
            # Wrapping values: the sum-of-products split is not exact.
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
        a, b, done = self._division_operands(e)
        if done is not None:
            return done
        dtype = e.dtype
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
        if lo >= 0 and self.exact(a, b):
            d = poly_add(self.poly_of(b), self.poly_of(a), coeff_bits(dtype), -1)
            if self.diff_bound(d, dtype, lambda l, h: l >= 1)[0] >= 1:
                return a                    # 0 <= a < b
        if floor and lo >= 0 and self.bound(b)[0] >= 1:
            return E.Mod(a, b)
        return self._rebuild(e, a, b)

    def _floormod_const(self, a, c, dtype, lo, hi):
        """``floormod(a, c)`` for a constant ``c > 0``."""
        cexpr = make_const(dtype, c)
        if not self.exact(a):
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

    def _divisions_order(self, a, b, dtype, lo, hi):
        """Division by one positive constant is monotone: ``x // c`` vs ``y // c``
        is ordered like ``x`` vs ``y`` (``min(n // 32, (n + 31) // 32)``)."""
        fa, fb = self._as_floor_div(a), self._as_floor_div(b)
        if fa is None or fb is None or fa[1] != fb[1] or not self.exact(fa[0], fb[0]):
            return lo, hi
        d = poly_add(self.poly_of(fb[0]), self.poly_of(fa[0]), None, -1)
        dlo, dhi = self.diff_bound(d, dtype, lambda l, h: l >= 0 or h <= 0)
        return (0 if dlo >= 0 else lo), (0 if dhi <= 0 else hi)

