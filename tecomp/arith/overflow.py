"""Which integer expressions may wrap around, for the analyzer's rewrites.

The generated code computes every integer ``+ - *`` modulo ``2**bits`` (numpy
does too), so a rewrite is exact only if it holds under wraparound. Polynomial
identities do (``+ - *`` modulo ``2**bits`` form a ring); comparisons, ``min``/
``max``, divisions and bounds do not: ``a > 0 - b`` is not ``a + b > 0`` when
``a`` is ``INT32_MIN``.

The simplifier therefore treats an integer expression as *exact* (its value is
the mathematical value of its sum of products, as if overflow were undefined)
only when it is **index arithmetic**: int32/int64 built from variables (loop
variables, sizes, scalar parameters) and constants. An array holds fewer than
``2**62`` elements, so index arithmetic of a program that runs never leaves
int64, and TVM makes the same assumption for int32 indices.

Everything else *wraps*: narrow and unsigned integers, and int32/int64 values
that carry data (a load, a tensor read, an intrinsic call, a reduction, a
conversion from a float, or a let variable bound to one of those). For those the
analyzer decides only what wraparound bounds prove.
"""

from dataclasses import fields

from ..ir import dtype as dt
from ..ir import expr as E
from .const_fold import NO_OVERFLOW

_DATA = (E.Load, E.TensorRead, E.Call, E.Reduce)


class OverflowModel:
    """``wraps(e)``: whether the integer expression ``e`` may wrap around.

    Memoized per analyzer; a let variable's answer depends on its binding, so
    the memo is cleared when bindings change."""

    def __init__(self, analyzer):
        self.an = analyzer
        self.memo = {}      # id(expr) -> (expr, carries data)

    def clear(self):
        self.memo.clear()

    def wraps(self, e):
        dtype = e.dtype
        if not dt.is_integer(dtype):
            return False
        if dt.element_of(dtype) not in NO_OVERFLOW:
            return True
        return self.carries_data(e)

    def carries_data(self, e):
        hit = self.memo.get(id(e))
        if hit is not None and hit[0] is e:
            return hit[1]
        t = type(e)
        if t is E.IntImm or t is E.FloatImm or t is E.StringImm:
            result = False
        elif t is E.Var:
            binding = self.an._binding(e)
            result = binding is not None and binding[0] is binding[1] \
                and binding[0] is not None and self.carries_data(binding[0])
        elif t in _DATA:
            result = True
        elif t is E.Cast and not dt.is_integer(e.value.dtype) and not dt.is_bool(e.value.dtype):
            result = True
        else:
            result = False
            for f in fields(t):
                value = getattr(e, f.name)
                if isinstance(value, E.PrimExpr) and self.carries_data(value):
                    result = True
                    break
        self.memo[id(e)] = (e, result)
        return result
