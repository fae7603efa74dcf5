"""End to end: reductions, argmax-style tuple reductions, where-conditions."""

import numpy as np
import pytest

import tecomp as te


def test_row_sum_symbolic(rng):
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n, m), name="A")
    k = te.reduce_axis((0, m), name="k")
    B = te.compute((n,), lambda i: te.sum(A[i, k], axis=k), name="B")
    f = te.build(te.create_schedule(B.op), [A, B])
    for shape in [(3, 5), (17, 1), (1, 300)]:
        a = rng.random(shape, dtype="float32")
        b = np.empty(shape[0], "float32")
        f(a, b)
        np.testing.assert_allclose(b, a.sum(axis=1), rtol=1e-5)


def test_reduce_over_two_axes(rng):
    A = te.placeholder((6, 7, 8), name="A")
    k1 = te.reduce_axis((0, 7), name="k1")
    k2 = te.reduce_axis((0, 8), name="k2")
    B = te.compute((6,), lambda i: te.sum(A[i, k1, k2], axis=[k1, k2]), name="B")
    f = te.build(te.create_schedule(B.op), [A, B])
    a = rng.random((6, 7, 8), dtype="float32")
    b = np.empty(6, "float32")
    f(a, b)
    np.testing.assert_allclose(b, a.sum(axis=(1, 2)), rtol=1e-5)


@pytest.mark.parametrize("reducer,ref", [(te.max, np.max), (te.min, np.min)])
def test_max_min(reducer, ref, rng):
    A = te.placeholder((9, 13), name="A")
    k = te.reduce_axis((0, 13), name="k")
    B = te.compute((9,), lambda i: reducer(A[i, k], axis=k), name="B")
    f = te.build(te.create_schedule(B.op), [A, B])
    a = rng.standard_normal((9, 13)).astype("float32")
    b = np.empty(9, "float32")
    f(a, b)
    np.testing.assert_array_equal(b, ref(a, axis=1))


def test_sum_with_where(rng):
    A = te.placeholder((10, 10), name="A")
    k = te.reduce_axis((0, 10), name="k")
    B = te.compute((10,), lambda i: te.sum(A[i, k], axis=k, where=k <= i), name="B")
    f = te.build(te.create_schedule(B.op), [A, B])
    a = rng.random((10, 10), dtype="float32")
    b = np.empty(10, "float32")
    f(a, b)
    np.testing.assert_allclose(b, np.tril(a).sum(axis=1), rtol=1e-5)


def test_argmax_tuple_reduction(rng):
    def combine(x0, x1, y0, y1):
        take = x1 >= y1
        return te.select(take, x0, y0), te.select(take, x1, y1)

    def identity(t0, t1):
        return te.const(-1, t0), te.min_value(t1)

    argmax = te.comm_reducer(combine, identity, name="argmax")
    A = te.placeholder((5, 11), name="A")
    k = te.reduce_axis((0, 11), name="k")
    idx, val = te.compute((5,), lambda i: argmax((k.var.astype("int32"), A[i, k]), axis=k),
                          name="T")
    f = te.build(te.create_schedule(idx.op), [A, idx, val])
    a = rng.standard_normal((5, 11)).astype("float32")
    i_out, v_out = np.empty(5, "int32"), np.empty(5, "float32")
    f(a, i_out, v_out)
    np.testing.assert_array_equal(i_out, a.argmax(axis=1))
    np.testing.assert_array_equal(v_out, a.max(axis=1))


def test_integer_sum(rng):
    A = te.placeholder((4, 100), dtype="int64", name="A")
    k = te.reduce_axis((0, 100), name="k")
    B = te.compute((4,), lambda i: te.sum(A[i, k], axis=k), name="B")
    f = te.build(te.create_schedule(B.op), [A, B])
    a = rng.integers(-1000, 1000, (4, 100))
    b = np.empty(4, "int64")
    f(a, b)
    np.testing.assert_array_equal(b, a.sum(axis=1))


@pytest.mark.parametrize("debug", [True, False])
def test_where_reading_data_with_non_dividing_split(debug, rng):
    # The split guard k < 7 and a where= that reads A[i, k] were one `&&`, which
    # evaluates both sides: debug reported an out-of-bounds load of a valid
    # program, and without debug the load ran past A's end.
    n = te.var("n")
    A = te.placeholder((n, 7), name="A")
    k = te.reduce_axis((0, 7), name="k")
    C = te.compute((n,), lambda i: te.sum(A[i, k], axis=k, where=A[i, k] > 0.5), name="C")
    s = te.create_schedule(C.op)
    s[C].split(k, factor=3)
    f = te.build(s, [A, C, n], debug=debug)
    a = rng.random((3, 7), dtype="float32")
    c = np.zeros(3, "float32")
    f(a, c, 3)
    np.testing.assert_allclose(c, np.where(a > 0.5, a, 0).sum(axis=1), rtol=1e-5)
    assert "&& (A[" not in str(te.lower(s, [A, C, n]))


def test_vectorized_reduce_axis_unused_by_the_body():
    n = te.var("n")
    k = te.reduce_axis((0, 8), name="k")
    C = te.compute((n,), lambda i: te.sum(te.const(1, "float32"), axis=k), name="C")
    D = te.compute((n,), lambda i: te.sum(te.const(2, "int32"), axis=k), name="D")
    s = te.create_schedule([C.op, D.op])
    s[C].vectorize(k)
    s[D].vectorize(k)
    f = te.build(s, [C, D, n])
    c, d = np.zeros(3, "float32"), np.zeros(3, "int32")
    f(c, d, 3)
    np.testing.assert_array_equal(c, [8, 8, 8])
    np.testing.assert_array_equal(d, [16, 16, 16])
