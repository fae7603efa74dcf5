"""End to end: integer values wrap around exactly as numpy's, and the simplifier
never folds or rearranges them as if they could not (issue 11, items 1 and 2)."""

import numpy as np
import pytest

import tecomp as te


@pytest.mark.parametrize("src", ["uint8", "int8", "uint16", "int16", "uint32"])
@pytest.mark.parametrize("wide", ["int32", "int64"])
def test_widened_narrow_comparisons_with_symbolic_sizes(src, wide):
    # int32(uint8(3) - B[i]) < 1 used to fold to false with a symbolic n.
    n = te.var("n")
    B = te.placeholder((n,), dtype=src, name="B")
    three = te.const(3, src)

    def body(i):
        d = (three - B[i]).astype(wide)
        e = (B[i] - three).astype(wide)
        return (te.select(d < 1, 1, 0) + te.select(d >= 2, 2, 0) + te.select(d == 1, 4, 0)
                + te.select(e < 0, 8, 0) + te.select(e == 1, 16, 0))

    C = te.compute((n,), body, name="C")
    f = te.build(te.create_schedule(C.op), [B, C, n])
    info = np.iinfo(src)
    b = np.array([0, 1, 2, 3, 4, 5, info.max, info.max - 1, info.min], src)
    c = np.zeros(b.size, "int32")
    f(b, c, b.size)
    d = (np.array(3, src) - b).astype(wide)
    e = (b - np.array(3, src)).astype(wide)
    want = ((d < 1) * 1 + (d >= 2) * 2 + (d == 1) * 4 + (e < 0) * 8 + (e == 1) * 16)
    np.testing.assert_array_equal(c, want)


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_comparison_of_data_is_not_rearranged(dtype):
    # a > 0 - b was rewritten to a + b > 0, which overflows for a = INT_MIN.
    n = te.var("n")
    A = te.placeholder((n,), dtype=dtype, name="A")
    B = te.placeholder((n,), dtype=dtype, name="B")
    C = te.compute((n,), lambda i: te.select(A[i] > 0 - B[i], 1, 0)
                   + te.select(A[i] - 1 < A[i], 2, 0), name="C")
    f = te.build(te.create_schedule(C.op), [A, B, C, n])
    info = np.iinfo(dtype)
    a = np.array([info.min, 5, info.max, info.min, 0], dtype)
    b = np.array([-5, 3, 1, 5, info.min], dtype)
    c = np.zeros(a.size, "int32")
    f(a, b, c, a.size)
    with np.errstate(over="ignore"):
        want = (a > 0 - b) * 1 + (a - 1 < a) * 2
    np.testing.assert_array_equal(c, want)


def test_argmax_with_min_value_identity():
    def fcombine(x0, x1, y0, y1):
        return te.select(x1 >= y1, x0, y0), te.select(x1 >= y1, x1, y1)

    def fidentity(t0, t1):
        return te.const(-1, t0), te.min_value(t1)

    argmax = te.comm_reducer(fcombine, fidentity, name="argmax")
    n = te.var("n")
    B = te.placeholder((4, n), dtype="int32", name="B")
    k = te.reduce_axis((0, n), name="k")
    idx, val = te.compute((4,), lambda i: argmax((te.cast(k, "int32"), 0 - B[i, k]), axis=k),
                          name="R")
    f = te.build(te.create_schedule(idx.op), [B, idx, val, n])
    b = np.array([[5, -3, -7, 2], [-1, -2, -3, -4], [3, 2, 1, 0], [0, 0, 0, 0]], "int32")
    r0, r1 = np.zeros(4, "int32"), np.zeros(4, "int32")
    f(b, r0, r1, 4)
    np.testing.assert_array_equal(r0, np.argmax(-b, axis=1))
    np.testing.assert_array_equal(r1, np.max(-b, axis=1))
