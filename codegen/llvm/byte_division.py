"""8-bit integer division and remainder by a constant, as a multiply and a shift in
32-bit lanes, never as LLVM's ``udiv``/``urem``/``sdiv``/``srem`` on ``i8``.

Why: the LLVM that llvmlite 0.50 bundles (22.1) miscompiles, on x86 with AVX2 or
AVX-512, a ``<4 x i8>`` or ``<8 x i8>`` division or remainder by a constant whose
lanes are then shuffled and multiplied: the product is stored as zeros. The SLP
vectorizer builds exactly that from a scalar loop such as
``T[i] = truncmod(uint8(A[9 - i]), 5) * uint8(B[i])`` (ten elements: the eight
reversed lanes come out 0; found by the fuzzer). The shortest reproducer, for
``llc -mcpu=haswell``::

    %r = urem <8 x i8> %a, splat (i8 5)
    %s = shufflevector <8 x i8> %r, <8 x i8> poison,
                       <8 x i32> <i32 7, i32 6, i32 5, i32 4, i32 3, i32 2, i32 1, i32 0>
    %m = mul <8 x i8> %s, %b          ; stored as 0

16- and 32-bit lanes, 16 or more 8-bit lanes, and plain SSE2 code are right, as
are the same steps written as widening multiplies. So 8-bit quotients by a
constant ``d`` are computed here as ``(|a| * M) >> S`` in 32 bits, with ``M`` and
``S`` chosen and checked against every 8-bit dividend when the module is built
(:func:`magic`), and the remainder as ``a - q * d`` in 8 bits. Truncation
toward zero and wraparound (``int8(-128) / -1 == -128``) are as for the other
integer types.
"""

import functools

import llvmlite.ir as ir

from tecomp.errors import InternalError
from tecomp.ir import Broadcast, IntImm
from tecomp.ir import dtype as dt

from . import types as T


def constant_byte_divisor(dtype, divisor):
    """The divisor's value when ``divisor`` (an expression of the 8-bit integer
    type ``dtype``) is a nonzero constant, else ``None`` (LLVM's instruction then
    serves: a divisor it cannot see does not take the miscompiled path)."""
    if dt.is_float(dtype) or dt.bits_of(dtype) != 8:     # bool has 1 bit
        return None
    if isinstance(divisor, Broadcast):
        divisor = divisor.value
    if isinstance(divisor, IntImm) and divisor.value != 0:
        return int(divisor.value)
    return None


@functools.lru_cache(maxsize=None)
def magic(divisor, largest):
    """``(M, S)`` with ``(a * M) >> S == a // divisor`` for every ``0 <= a <= largest``,
    the smallest such shift; ``divisor`` > 0. Checked exhaustively (at most 256
    dividends)."""
    for shift in range(0, 25):
        multiplier = -(-(1 << shift) // divisor)
        if all((a * multiplier) >> shift == a // divisor for a in range(largest + 1)):
            return multiplier, shift
    raise InternalError(f"no 8-bit division magic for divisor {divisor}")


def divide_bytes(builder, a, divisor, dtype):
    """``(quotient, remainder)`` of the 8-bit integers ``a`` (an LLVM value of
    ``dtype``, scalar or vector) by the nonzero constant ``divisor``, truncating
    toward zero as ``sdiv``/``srem`` (``udiv``/``urem`` when unsigned) would."""
    lanes = dt.lanes_of(dtype)
    wide = ir.IntType(32) if lanes == 1 else ir.VectorType(ir.IntType(32), lanes)
    wide_dtype = dt.with_lanes("int32", lanes)

    def const(value):
        return T.const(wide_dtype, value)

    if dt.is_int(dtype):
        value = builder.sext(a, wide)
        negative = builder.icmp_signed("<", value, const(0))
        magnitude = builder.select(negative, builder.sub(const(0), value), value)
        multiplier, shift = magic(abs(divisor), 128)
    else:
        magnitude = builder.zext(a, wide)
        multiplier, shift = magic(divisor, 255)
    quotient = builder.lshr(builder.mul(magnitude, const(multiplier)), const(shift))
    if dt.is_int(dtype):
        flip = negative if divisor > 0 else builder.not_(negative)
        quotient = builder.select(flip, builder.sub(const(0), quotient), quotient)
    quotient = builder.trunc(quotient, a.type)
    remainder = builder.sub(a, builder.mul(quotient, T.const(dtype, divisor)))
    return quotient, remainder
