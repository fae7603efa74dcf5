"""tecomp dtypes as LLVM types.

Registers hold ``bool`` as ``i1``; memory holds it as ``i8`` (numpy's layout), so
loads and stores of bool buffers convert. Vector dtypes (``float32x16``) become
LLVM vectors of the element type.
"""

import re
from functools import lru_cache

import llvmlite.ir as ir

from tecomp.ir import dtype as dt

I1, I8, I32, I64 = ir.IntType(1), ir.IntType(8), ir.IntType(32), ir.IntType(64)
PTR = ir.PointerType()
VOID = ir.VoidType()

#: LLVM truncates local names at 1024 bytes (two long names sharing a prefix would
#: then collide); names are only for reading the IR, so keep them short and plain.
NAME_LIMIT = 48


def value_name(name):
    """A user's name (any text: NUL bytes, thousands of characters) as the readable
    name of an LLVM local value or block; llvmlite makes repeated names unique."""
    return re.sub(r"[^A-Za-z0-9_.]", "_", name)[:NAME_LIMIT]


_FLOATS = {16: ir.HalfType(), 32: ir.FloatType(), 64: ir.DoubleType()}


def _scalar(element, storage):
    if element == dt.HANDLE:
        return PTR
    if element == "bool":
        return I8 if storage else I1
    if dt.is_float(element):
        return _FLOATS[dt.bits_of(element)]
    return ir.IntType(dt.bits_of(element))


@lru_cache(maxsize=None)
def llvm_type(dtype):
    """The register type of ``dtype``."""
    base = _scalar(dt.element_of(dtype), storage=False)
    lanes = dt.lanes_of(dtype)
    return base if lanes == 1 else ir.VectorType(base, lanes)


@lru_cache(maxsize=None)
def storage_type(dtype):
    """The in-memory type of ``dtype`` (bool is a byte)."""
    base = _scalar(dt.element_of(dtype), storage=True)
    lanes = dt.lanes_of(dtype)
    return base if lanes == 1 else ir.VectorType(base, lanes)


def elem_bytes(dtype):
    """Bytes one element of ``dtype``'s scalar type takes in memory."""
    bits = dt.bits_of(dt.element_of(dtype))
    return max(1, bits // 8)


class _Literal(ir.Constant):
    """A constant written as LLVM text (``poison``, ``splat (float 1.0)``): one
    short token where llvmlite would print every lane of a vector (a 32-lane
    broadcast printed, parsed and folded 32 times). ``lanes``: the per-lane
    constants, for llvmlite's checks (a shufflevector's mask)."""

    def __init__(self, ty, text, lanes=None):   # noqa: Constant's would wrap ``text``
        self.type, self.text = ty, text
        self.constant = text if lanes is None else lanes

    def _get_reference(self):
        return self.text


def splat(value, lanes):
    """The vector constant of ``lanes`` copies of the scalar constant ``value``."""
    return _Literal(ir.VectorType(value.type, lanes), f"splat ({value})")


def zeros(ty):
    """The all-zero constant of ``ty`` (llvmlite would print each lane of a vector)."""
    lanes = [ir.Constant(ty.element, 0)] * ty.count if isinstance(ty, ir.VectorType) else None
    return _Literal(ty, "zeroinitializer", lanes)


def poison(ty):
    """A value of type ``ty`` with no defined lanes, the start of a vector that
    ``insertelement`` fills."""
    return _Literal(ty, "poison")


def const(dtype, value):
    """An LLVM constant of ``dtype`` (vectors broadcast ``value``)."""
    if dt.is_float(dtype):
        if dt.lanes_of(dtype) > 1:
            return splat(const(dt.element_of(dtype), value), dt.lanes_of(dtype))
        return ir.Constant(llvm_type(dtype), float(value))
    return _integer_const(dtype, int(value) & ((1 << dt.bits_of(dtype)) - 1))


@lru_cache(maxsize=4096)
def _integer_const(dtype, bits):
    """The integer constant of ``dtype`` with two's-complement bits ``bits``, one
    object per value: a kernel's index arithmetic uses the same few constants
    hundreds of times, and llvmlite hashes (local value numbering) and prints a
    constant through its text, computed once per object. Constants have no parent,
    so modules share them."""
    if dt.lanes_of(dtype) > 1:
        return splat(_integer_const(dt.element_of(dtype), bits), dt.lanes_of(dtype))
    return ir.Constant(llvm_type(dtype), bits)


def intrinsic_suffix(dtype):
    """The overload suffix of an LLVM intrinsic: ``f32``, ``v8f32``, ``i64``."""
    element = dt.element_of(dtype)
    base = ("f" if dt.is_float(element) else "i") + str(dt.bits_of(element))
    lanes = dt.lanes_of(dtype)
    return base if lanes == 1 else f"v{lanes}{base}"
