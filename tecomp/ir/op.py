"""Building expressions from user values: operand conversion, dtype promotion
and the operator sugar of :class:`~tecomp.ir.expr.PrimExpr`.

A Python scalar takes the dtype of the expression it meets (``A[i] + 1`` stays
float32, ``i + 1`` stays int64); a Python float meeting an integer expression
becomes float32. Two expressions of different dtypes are promoted with
:func:`tecomp.ir.dtype.promote`.
"""

from ..errors import ExprError
from . import dtype as dt
from . import expr as E


def to_expr(value):
    """Convert a Python scalar, IterVar or expression to an expression."""
    if isinstance(value, E.PrimExpr):
        return value
    if isinstance(value, E.IterVar):
        return value.var
    if isinstance(value, (bool, int, float)):
        return E.const(value)
    import numpy as np
    if isinstance(value, np.generic):
        return E.const(value.item(), value.dtype.name)
    raise ExprError(f"cannot use {value!r} of type {type(value).__name__} in an expression")


def cast(value, dtype):
    """``value`` converted to ``dtype`` (lane count preserved for vectors)."""
    value = to_expr(value)
    dtype = dt.with_lanes(dt.canonical(dtype), dt.lanes_of(value.dtype)) \
        if dt.lanes_of(dtype) == 1 else dtype
    if value.dtype == dtype:
        return value
    if isinstance(value, (E.IntImm, E.FloatImm)) and dt.lanes_of(dtype) == 1:
        number = value.value
        if dt.is_float(dtype):
            return E.FloatImm(dtype, float(number))
        if dt.is_bool(dtype):
            return E.IntImm(dtype, int(bool(number)))
        if isinstance(value, E.IntImm):
            return E.IntImm(dtype, dt.wrap_int(number, dtype))
    return E.Cast(dtype, value)


def _scalar_for(value, other):
    """A Python scalar typed to sit beside the expression ``other``."""
    if isinstance(value, bool):
        return E.const(value, "bool")
    if isinstance(value, float) and not dt.is_float(other.dtype):
        return E.const(value, "float32")
    target = dt.element_of(other.dtype)
    if dt.is_bool(target):
        target = "int32"
    return E.const(value, target)


def match_operands(a, b, what):
    """Convert both operands to expressions of one dtype."""
    a_is_py = isinstance(a, (bool, int, float))
    b_is_py = isinstance(b, (bool, int, float))
    if a_is_py and not b_is_py:
        b = to_expr(b)
        a = _scalar_for(a, b)
    elif b_is_py and not a_is_py:
        a = to_expr(a)
        b = _scalar_for(b, a)
    else:
        a, b = to_expr(a), to_expr(b)
    if a.dtype != b.dtype:
        common = dt.promote(a.dtype, b.dtype, what)
        a, b = cast(a, common), cast(b, common)
    lanes = dt.lanes_of(a.dtype)
    return a, b, lanes


def binary(cls, a, b):
    a, b, _ = match_operands(a, b, f"`{cls.__name__}`")
    return cls(a, b)


# Integer constants are folded as they are built, so shapes such as `n + 2`
# with a constant n stay plain numbers (TVM does the same).
_FOLD = {
    E.Add: lambda x, y: x + y, E.Sub: lambda x, y: x - y, E.Mul: lambda x, y: x * y,
    E.Min: min, E.Max: max,
    E.FloorDiv: lambda x, y: x // y if y else None, E.FloorMod: lambda x, y: x % y if y else None,
}


def _fold(cls, a, b):
    if isinstance(a, E.IntImm) and isinstance(b, E.IntImm) and not dt.is_bool(a.dtype):
        value = _FOLD[cls](a.value, b.value)
        if value is not None:
            return _wrap(value, a.dtype)
    return None


def _wrap(value, dtype):
    bits = dt.bits_of(dtype)
    value %= 2 ** bits
    if dt.is_int(dtype) and value >= 2 ** (bits - 1):
        value -= 2 ** bits
    return E.IntImm(dtype, value)


def _arith(cls):
    def build(a, b):
        a, b, _ = match_operands(a, b, f"`{cls.__name__}`")
        if dt.is_bool(a.dtype):
            a, b = cast(a, "int32"), cast(b, "int32")
        folded = _fold(cls, a, b)
        return cls(a, b) if folded is None else folded
    return build


add, sub, mul = _arith(E.Add), _arith(E.Sub), _arith(E.Mul)
min_value, max_value = _arith(E.Min), _arith(E.Max)


def _integer_div(cls, name):
    def build(a, b):
        a, b, _ = match_operands(a, b, name)
        if dt.is_float(a.dtype):
            if cls is E.FloorDiv:
                return floor(E.Div(a, b))
            raise ExprError(f"{name} needs integer operands, got {a.dtype}")
        folded = _fold(cls, a, b) if cls in _FOLD else None
        return cls(a, b) if folded is None else folded
    return build


floordiv = _integer_div(E.FloorDiv, "floordiv (`//`)")
floormod = _integer_div(E.FloorMod, "floormod (`%`)")
truncdiv = _integer_div(E.Div, "truncdiv")
truncmod = _integer_div(E.Mod, "truncmod")


def true_div(a, b):
    a, b, _ = match_operands(a, b, "`/`")
    if dt.is_float(a.dtype):
        return E.Div(a, b)
    folded = _fold(E.FloorDiv, a, b)
    return E.FloorDiv(a, b) if folded is None else folded


def floor(x):
    x = to_expr(x)
    return E.Call(x.dtype, "floor", (x,))


def _logical(cls):
    def build(a, b):
        a, b = to_bool(a), to_bool(b)
        return cls(a, b)
    return build


def to_bool(value):
    value = to_expr(value)
    if dt.is_bool(value.dtype):
        return value
    return E.NE(value, cast(0, value.dtype))


logical_and = _logical(E.And)
logical_or = _logical(E.Or)


def logical_not(a):
    return E.Not(to_bool(a))


def neg(a):
    a = to_expr(a)
    return sub(cast(0, a.dtype), a)


def _comparison(cls):
    def build(a, b):
        if not isinstance(b, (E.PrimExpr, E.IterVar, bool, int, float)):
            return NotImplemented  # lets `expr == None` and `in` on mixed lists work
        return binary(cls, a, b)
    return build


def install(*classes):
    """Give expression classes their operator sugar."""
    def flip(fn):
        return lambda self, other: fn(other, self)

    table = {
        "__add__": add, "__radd__": flip(add),
        "__sub__": sub, "__rsub__": flip(sub),
        "__mul__": mul, "__rmul__": flip(mul),
        "__truediv__": true_div, "__rtruediv__": flip(true_div),
        "__floordiv__": floordiv, "__rfloordiv__": flip(floordiv),
        "__mod__": floormod, "__rmod__": flip(floormod),
        "__lt__": lambda a, b: binary(E.LT, a, b),
        "__le__": lambda a, b: binary(E.LE, a, b),
        "__gt__": lambda a, b: binary(E.GT, a, b),
        "__ge__": lambda a, b: binary(E.GE, a, b),
        "__eq__": _comparison(E.EQ),
        "__ne__": _comparison(E.NE),
        "__and__": logical_and, "__rand__": flip(logical_and),
        "__or__": logical_or, "__ror__": flip(logical_or),
        "__invert__": logical_not,
        "__neg__": neg,
        "equal": lambda a, b: binary(E.EQ, a, b),
        "astype": cast,
    }
    for cls in classes:
        for name, fn in table.items():
            setattr(cls, name, fn)
        cls.__hash__ = lambda self: id(self)
