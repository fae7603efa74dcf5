"""Data types as canonical strings: ``"float32"``, ``"int64"``, ``"bool"``,
``"float32x8"`` (8 lanes). Helpers here are the only place that parses them.

The questions asked per IR node (lanes, element type, float or int, bits) are
memoized per dtype string: lowering and code generation ask them tens of
thousands of times per kernel, about a dozen distinct dtypes."""

from functools import lru_cache

from ..errors import ExprError

SCALAR_TYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                "uint32", "uint64", "float16", "float32", "float64", "handle")

#: An opaque pointer (TVM's ``handle``): a buffer's address passed to a C function
#: (``Buffer.access_ptr``); never a tensor's element type.
HANDLE = "handle"

#: The type of loop variables, index arithmetic and buffer offsets.
INDEX = "int64"


@lru_cache(maxsize=None)
def _split(dtype):
    if not isinstance(dtype, str):
        raise ExprError(f"dtype must be a string such as 'float32', got {dtype!r}")
    base, lanes = dtype, 1
    if "x" in dtype:
        base, _, count = dtype.partition("x")
        if not count.isdigit() or int(count) < 1:
            raise ExprError(f"malformed vector dtype {dtype!r}")
        lanes = int(count)
    if base not in SCALAR_TYPES:
        raise ExprError(f"unsupported dtype {dtype!r}; supported: {', '.join(SCALAR_TYPES)}")
    return base, lanes


def canonical(dtype):
    """Normalize a user-given dtype (a string or a numpy dtype) to tecomp's spelling."""
    if not isinstance(dtype, str):
        import numpy as np
        try:
            dtype = np.dtype(dtype).name
        except TypeError as exc:
            raise ExprError(f"unsupported dtype {dtype!r}") from exc
    _split(dtype)
    return dtype


@lru_cache(maxsize=None)
def element_of(dtype):
    return _split(dtype)[0]


@lru_cache(maxsize=None)
def lanes_of(dtype):
    return _split(dtype)[1]


@lru_cache(maxsize=None)
def with_lanes(dtype, lanes):
    base = element_of(dtype)
    return base if lanes == 1 else f"{base}x{lanes}"


@lru_cache(maxsize=None)
def is_float(dtype):
    return element_of(dtype).startswith("float")


@lru_cache(maxsize=None)
def is_int(dtype):
    """Signed integer (not bool, not unsigned)."""
    return element_of(dtype).startswith("int")


@lru_cache(maxsize=None)
def is_uint(dtype):
    return element_of(dtype).startswith("uint")


@lru_cache(maxsize=None)
def is_bool(dtype):
    return element_of(dtype) == "bool"


@lru_cache(maxsize=None)
def is_integer(dtype):
    """Signed or unsigned integer (bool excluded)."""
    return is_int(dtype) or is_uint(dtype)


@lru_cache(maxsize=None)
def bits_of(dtype):
    base = element_of(dtype)
    if base == HANDLE:
        return 64
    return 1 if base == "bool" else int(base.lstrip("uintfloat"))


@lru_cache(maxsize=None)
def int_range(dtype):
    """``(lowest, highest)`` value of an integer or bool dtype (its element type):
    the one statement of the integer ranges."""
    if is_bool(dtype):
        return 0, 1
    bits = bits_of(dtype)
    if is_uint(dtype):
        return 0, 2 ** bits - 1
    return -2 ** (bits - 1), 2 ** (bits - 1) - 1


def wrap_int(value, dtype):
    """``value`` reduced to the range of the integer or bool dtype (two's complement)."""
    if is_bool(dtype):
        return int(bool(value))
    bits = bits_of(dtype)
    value %= 2 ** bits
    if is_int(dtype) and value >= 2 ** (bits - 1):
        value -= 2 ** bits
    return value


def promote(a, b, what="operands"):
    """The common dtype of two scalar dtypes under tecomp's promotion rules.

    float beats int, wider beats narrower, bool promotes to the other side;
    a signed/unsigned mix becomes the signed type wide enough for both.
    """
    if a == b:
        return a
    if lanes_of(a) != lanes_of(b):
        raise ExprError(f"cannot combine {what} of dtypes {a} and {b}: lane counts differ")
    lanes = lanes_of(a)
    ea, eb = element_of(a), element_of(b)
    if is_bool(ea):
        return b
    if is_bool(eb):
        return a
    if is_float(ea) or is_float(eb):
        if is_float(ea) and is_float(eb):
            out = ea if bits_of(ea) >= bits_of(eb) else eb
        else:
            out = ea if is_float(ea) else eb
        return with_lanes(out, lanes)
    if is_int(ea) == is_int(eb):
        out = ea if bits_of(ea) >= bits_of(eb) else eb
        return with_lanes(out, lanes)
    signed, unsigned = (ea, eb) if is_int(ea) else (eb, ea)
    bits = bits_of(signed) if bits_of(signed) > bits_of(unsigned) else 2 * bits_of(unsigned)
    if bits > 64:
        raise ExprError(f"cannot combine {what} of dtypes {a} and {b}: no signed type holds "
                        f"both; cast one with .astype()")
    return with_lanes(f"int{bits}", lanes)


def numpy_dtype(dtype):
    import numpy as np
    return np.dtype(element_of(dtype))
