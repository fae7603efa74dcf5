"""The canonical sum-of-products form of integer expressions.

A *poly* is a ``dict`` from monomial to integer coefficient. A monomial is a
tuple of atom ids (sorted, with repetition: ``x*x*y`` is ``(x, x, y)``); the
empty tuple is the constant term. Atoms are the integer subexpressions that are
not ``+``, ``-``, ``*`` or a constant: variables, divisions, loads, ``min``...,
interned by structure in :class:`AtomTable`, so two ``floordiv(i, 4)`` built
separately are the same atom and cancel.

Coefficients of wrapping dtypes (narrow and unsigned integers) are kept in the
two's complement range (signed spelling even for unsigned types, so ``x - 3``
stays a subtraction): ``+``, ``-``, ``*`` with wraparound form a ring, so the
form is exact. For int32/int64, whose overflow is undefined, coefficients are
plain integers; an expression rebuilt from them computes the same value in
wrapping arithmetic whenever the original did not overflow.

Dicts keep insertion order, so terms appear in the order of their first
appearance in the input; :meth:`AtomTable.to_expr` puts the constant last.
"""

from dataclasses import fields

from ..ir import dtype as dt
from ..ir import expr as E
from .const_fold import NO_OVERFLOW

#: Largest number of monomials a product may expand to; a bigger product stays
#: an opaque atom (no exponential blowup).
MAX_PRODUCT_TERMS = 16


def coeff_bits(dtype):
    """The modulus (in bits) of a dtype's coefficients, or ``None`` for int32 and
    int64: their overflow is undefined, so their polys are mathematical (and a
    constant such as ``x - 5 - 2**31 + 1`` compares correctly)."""
    if dtype in NO_OVERFLOW:
        return None
    return dt.bits_of(dtype)


def wrap_coeff(value, bits):
    """``value`` modulo ``2**bits``, spelled in the signed range (unchanged for
    ``bits=None``)."""
    if bits is None:
        return value
    value %= 1 << bits
    if value >= 1 << (bits - 1):
        value -= 1 << bits
    return value


def poly_const(value):
    return {(): value} if value else {}


def const_value(poly):
    """The integer value of a constant poly, or ``None`` when it has terms."""
    if not poly:
        return 0
    if len(poly) == 1 and () in poly:
        return poly[()]
    return None


def poly_add(p, q, bits, sign=1):
    """``p + sign*q``."""
    out = dict(p)
    for mono, coef in q.items():
        value = wrap_coeff(out.get(mono, 0) + sign * coef, bits)
        if value:
            out[mono] = value
        else:
            out.pop(mono, None)
    return out


def poly_scale(p, k, bits):
    out = {}
    for mono, coef in p.items():
        value = wrap_coeff(coef * k, bits)
        if value:
            out[mono] = value
    return out


def is_monomial(p):
    """One term and no constant: ``3*x*y``."""
    return len(p) == 1 and () not in p


def poly_mul(p, q, bits, sort_key):
    """``p * q`` expanded, or ``None`` when that has too many terms."""
    cp, cq = const_value(p), const_value(q)
    if cq is not None:
        return poly_scale(p, cq, bits)
    if cp is not None:
        return poly_scale(q, cp, bits)
    if len(p) * len(q) > MAX_PRODUCT_TERMS:
        return None
    out = {}
    for m1, c1 in p.items():
        for m2, c2 in q.items():
            mono = tuple(sorted(m1 + m2, key=sort_key)) if m1 and m2 else (m1 or m2)
            value = wrap_coeff(out.get(mono, 0) + c1 * c2, bits)
            if value:
                out[mono] = value
            else:
                out.pop(mono, None)
    return out


class AtomTable:
    """Interns expressions by structure: ``key(e)`` is an int equal for
    structurally equal expressions (variables compared by identity)."""

    def __init__(self):
        self._ids = {}        # structural tuple -> int
        self._memo = {}       # id(expr) -> (expr, int)
        self.exprs = []       # int -> a representative expression
        self._sort = []       # int -> sort key of the atom inside a monomial
        self._fields = {}

    def key(self, e):
        hit = self._memo.get(id(e))
        if hit is not None and hit[0] is e:
            return hit[1]
        t = type(e)
        if t is E.Var:
            struct = (E.Var, id(e))  # kept alive by self.exprs
        elif t is E.IntImm:
            struct = (E.IntImm, e.dtype, e.value)
        elif t is E.FloatImm:
            struct = (E.FloatImm, e.dtype, e.value.hex())
        else:
            names = self._fields.get(t)
            if names is None:
                names = tuple(f.name for f in fields(t))
                self._fields[t] = names
            struct = (t,) + tuple(self._field_key(getattr(e, n)) for n in names)
        k = self._ids.get(struct)
        if k is None:
            k = len(self.exprs)
            self._ids[struct] = k
            self.exprs.append(e)
            self._sort.append((0, e.name, k) if t is E.Var else None)
        self._memo[id(e)] = (e, k)
        return k

    def _field_key(self, value):
        if isinstance(value, E.PrimExpr):
            return self.key(value)
        if isinstance(value, E.Range):
            return ("range", self.key(value.min), self.key(value.extent))
        if isinstance(value, tuple):
            return tuple(self._field_key(v) for v in value)
        if value is None or isinstance(value, (str, int, float)):
            return value
        # Buffers, tensors, iter vars, reducers: compared by identity (the
        # expression that holds them is kept alive by the memo).
        return ("object", id(value))

    def sort_key(self, atom_id):
        """Order of atoms inside a monomial: variables by name, then other atoms
        by their printed text, so the order does not depend on which atom was
        met first (simplifying twice gives the same product)."""
        key = self._sort[atom_id]
        if key is None:
            key = self._sort[atom_id] = (1, str(self.exprs[atom_id]), atom_id)
        return key

    def same(self, a, b):
        return a is b or self.key(a) == self.key(b)
