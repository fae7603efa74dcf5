"""Constant folding on Python values with the IR's exact semantics.

Integers wrap around to their dtype's width; ``Div``/``Mod`` truncate toward zero
and ``FloorDiv``/``FloorMod`` round toward negative infinity (see the header of
:mod:`tecomp.ir.expr`). Floats are computed with numpy scalars of the dtype, so a
folded result is the IEEE result the generated code would produce. A fold that
is undefined behaviour (integer division by zero, ``INT_MIN / -1``, a float to
int conversion out of range) returns ``None``: the caller leaves the node alone.
"""

import math

import numpy as np

from ..ir import dtype as dt
from ..ir import expr as E

# The dtypes whose arithmetic the simplifier treats as mathematical (overflow
# is undefined behaviour, as for C's int and int64_t): index arithmetic lives
# here. Narrower and unsigned integers wrap, and the bound analysis says so.
NO_OVERFLOW = frozenset(("int32", "int64"))


#: ``(lowest, highest)`` of an integer or bool dtype (:func:`tecomp.ir.dtype.int_range`).
int_limits = dt.int_range
#: ``value`` reduced to the integer dtype's range (:func:`tecomp.ir.dtype.wrap_int`).
wrap = dt.wrap_int


def make_const(dtype, value):
    """An ``IntImm``/``FloatImm`` of scalar ``dtype``; integers are wrapped."""
    if dt.is_float(dtype):
        return E.FloatImm(dtype, float(value))
    return E.IntImm(dtype, wrap(int(value), dtype))


def _np(dtype, value):
    return np.dtype(dtype).type(value)


def _float_op(name, dtype, a, b):
    x, y = _np(dtype, a), _np(dtype, b)
    with np.errstate(all="ignore"):
        if name == "Add":
            return float(x + y)
        if name == "Sub":
            return float(x - y)
        if name == "Mul":
            return float(x * y)
        if name == "Div":
            return float(x / y)
        if name in ("Min", "Max"):
            if math.isnan(a) or math.isnan(b):
                return None  # minnum and fmin disagree with numpy on NaN: leave it
            return float(np.minimum(x, y) if name == "Min" else np.maximum(x, y))
    return None


def _trunc_div(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _int_op(name, dtype, a, b):
    if name == "Add":
        return wrap(a + b, dtype)
    if name == "Sub":
        return wrap(a - b, dtype)
    if name == "Mul":
        return wrap(a * b, dtype)
    if name == "Min":
        return min(a, b)
    if name == "Max":
        return max(a, b)
    if name in ("Div", "Mod", "FloorDiv", "FloorMod"):
        if b == 0:
            return None
        lo, hi = int_limits(dtype)
        if b == -1 and a == lo and lo < 0:
            return None  # INT_MIN / -1 overflows: undefined behaviour
        if name == "FloorDiv":
            return a // b
        if name == "FloorMod":
            return a % b
        q = _trunc_div(a, b)
        return q if name == "Div" else a - q * b
    if name == "And":
        return int(bool(a) and bool(b))
    if name == "Or":
        return int(bool(a) or bool(b))
    return None


_CMP = {"EQ": lambda a, b: a == b, "NE": lambda a, b: a != b, "LT": lambda a, b: a < b,
        "LE": lambda a, b: a <= b, "GT": lambda a, b: a > b, "GE": lambda a, b: a >= b}


def fold_binary(node_type, a, b):
    """The constant ``node_type(a, b)`` for two scalar constants, or ``None``."""
    name = node_type.__name__
    dtype = a.dtype
    if dt.lanes_of(dtype) != 1:
        return None
    if name in _CMP:
        if dt.is_float(dtype):
            x, y = _np(dtype, a.value), _np(dtype, b.value)
        else:
            x, y = a.value, b.value
        return E.IntImm("bool", int(bool(_CMP[name](x, y))))
    if dt.is_float(dtype):
        value = _float_op(name, dtype, a.value, b.value)
        return None if value is None else E.FloatImm(dtype, value)
    value = _int_op(name, dtype, a.value, b.value)
    return None if value is None else E.IntImm(dtype, value)


def fold_cast(dtype, value):
    """``Cast(dtype, value)`` of a scalar constant, or ``None`` when undefined."""
    src = value.dtype
    if dt.lanes_of(dtype) != 1:
        return None
    if isinstance(value, E.IntImm):
        if dt.is_float(dtype):
            if abs(value.value) > 2 ** 53:
                return None  # int -> double -> narrower float could round twice
            with np.errstate(all="ignore"):
                return E.FloatImm(dtype, float(_np(dtype, float(value.value))))
        return E.IntImm(dtype, wrap(value.value, dtype))
    if isinstance(value, E.FloatImm):
        x = value.value
        if dt.is_float(dtype):
            with np.errstate(all="ignore"):
                return E.FloatImm(dtype, float(_np(dtype, _np(src, x))))
        if dt.is_bool(dtype):
            return E.IntImm(dtype, int(x != 0.0))
        if math.isnan(x) or math.isinf(x):
            return None
        t = math.trunc(x)
        lo, hi = int_limits(dtype)
        if not lo <= t <= hi:
            return None  # out-of-range float to int conversion is undefined
        return E.IntImm(dtype, t)
    return None
