"""8-bit division and remainder by constants (codegen/llvm/byte_division.py): every
dividend, divisors of both signs and the extremes, all four rounding operators,
scalar, vectorized and in the reversed-and-multiplied shape that LLVM 22
miscompiles (the products came out 0)."""

import numpy as np
import pytest

import tecomp as te
from codegen.llvm.byte_division import magic

DIVISORS = {"uint8": [1, 2, 3, 5, 7, 10, 100, 127, 128, 255],
            "int8": [1, -1, 2, -2, 3, -3, 5, -7, 10, 127, -127, -128]}
OPS = {"truncdiv": te.truncdiv, "truncmod": te.truncmod,
       "floordiv": te.floordiv, "floormod": te.floormod}


def _expected(op, a, d, dtype):
    """What the operator gives on Python ints, wrapped to ``dtype`` as numpy does."""
    a = a.astype(np.int64)
    trunc_q = np.sign(a) * np.sign(d) * (np.abs(a) // abs(d))
    floor_q = a // d
    value = {"truncdiv": trunc_q, "truncmod": a - trunc_q * d,
             "floordiv": floor_q, "floormod": a - floor_q * d}[op]
    return value.astype(dtype)      # wraps: int8(-128) / -1 == -128


@pytest.mark.parametrize("dtype", ["uint8", "int8"])
@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("shape", ["plain", "vectorized", "reversed_times"])
@pytest.mark.parametrize("width", [4, 8, 10])
def test_byte_division_by_constants(dtype, op, shape, width):
    """Rows of ``width`` elements (short rows are unrolled and SLP-vectorized into
    the 4- and 8-lane vectors that LLVM miscompiled); together every 8-bit value."""
    rows = -(-256 // width)
    A = te.placeholder((rows, width), dtype=dtype, name="A")
    B = te.placeholder((rows, width), dtype=dtype, name="B")

    def quotient_or_remainder(d, k):
        c = te.const(d, dtype)
        if shape == "reversed_times":
            return te.compute((rows, width),
                              lambda i, j: OPS[op](A[i, width - 1 - j], c) * B[i, j], name=f"T{k}")
        return te.compute((rows, width), lambda i, j: OPS[op](A[i, j], c), name=f"T{k}")

    outs = [quotient_or_remainder(d, k) for k, d in enumerate(DIVISORS[dtype])]
    s = te.create_schedule([t.op for t in outs])
    if shape == "vectorized":
        for t in outs:
            s[t].vectorize(t.op.axis[1])
    f = te.build(s, [A, B] + outs, name=f"bytediv_{op}_{dtype}_{shape}_{width}")
    a = (np.arange(rows * width) % 256).astype(dtype).reshape(rows, width)
    b = (np.arange(rows * width)[::-1] * 3 + 1).astype(dtype).reshape(rows, width)
    results = [np.zeros((rows, width), dtype) for _ in outs]
    f(a, b, *results)
    for d, got in zip(DIVISORS[dtype], results):
        if shape == "reversed_times":
            want = (_expected(op, a[:, ::-1], d, dtype).astype(np.int64) * b).astype(dtype)
        else:
            want = _expected(op, a, d, dtype)
        np.testing.assert_array_equal(got, want, err_msg=f"{op}(A, {d}) on {dtype}, {shape}")


def test_magic_numbers_are_exact_for_every_divisor():
    for divisor in range(1, 256):
        multiplier, shift = magic(divisor, 255)
        assert all((a * multiplier) >> shift == a // divisor for a in range(256))
        assert 255 * multiplier < 2 ** 31          # the 32-bit product never wraps


def test_division_by_a_variable_still_uses_llvm_division():
    A = te.placeholder((16,), dtype="uint8", name="A")
    d = te.var("d", dtype="uint8")
    T = te.compute((16,), lambda i: te.truncdiv(A[i], d), name="T")
    f = te.build(te.create_schedule(T.op), [A, T, d])
    assert "udiv" in f.get_source("ll-unopt")
    a, out = np.arange(16, dtype="uint8") * 13, np.zeros(16, "uint8")
    f(a, out, 7)
    np.testing.assert_array_equal(out, a // 7)
