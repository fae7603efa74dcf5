"""End to end: every loop-structure primitive alone and combined, on sizes that
divide and sizes that do not, compared with numpy."""

import numpy as np
import pytest

import tecomp as te


def matmul(n, m, l, name="C"):
    A = te.placeholder((n, l), name="A")
    B = te.placeholder((l, m), name="B")
    k = te.reduce_axis((0, l), name="k")
    C = te.compute((n, m), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name=name)
    return A, B, C, k


def run_matmul(s, A, B, C, shape, rng, extra=()):
    n, m, l = shape
    f = te.build(s, [A, B, C, *extra])
    a = rng.random((n, l), dtype="float32")
    b = rng.random((l, m), dtype="float32")
    c = np.empty((n, m), "float32")
    f(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-4)
    return f


@pytest.mark.parametrize("n", [64, 1023])
def test_split_factor_divisible_and_not(n, rng):
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] * 3, name="B")
    s = te.create_schedule(B.op)
    s[B].split(B.op.axis[0], factor=32)
    f = te.build(s, [A, B])
    a = rng.random(n, dtype="float32")
    b = np.empty(n, "float32")
    f(a, b)
    np.testing.assert_array_equal(b, a * 3)


def test_split_nparts_and_nested_split_of_reduction(rng):
    A, B, C, k = matmul(30, 19, 23)
    s = te.create_schedule(C.op)
    io, ii = s[C].split(C.op.axis[0], nparts=4)
    ko, ki = s[C].split(k, factor=5)
    kio, kii = s[C].split(ki, factor=2)   # 5 % 2 != 0: the inner split needs its own guard
    run_matmul(s, A, B, C, (30, 19, 23), rng)


def test_tile_reorder_1024(rng):
    A, B, C, k = matmul(1024, 1024, 1024)
    s = te.create_schedule(C.op)
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], 32, 32)
    ko, ki = s[C].split(k, factor=4)
    s[C].reorder(io, jo, ko, ii, ki, ji)
    run_matmul(s, A, B, C, (1024, 1024, 1024), rng)


def test_tile_symbolic_nondivisible(rng):
    n = te.var("n")
    A = te.placeholder((n, 33), name="A")
    B = te.placeholder((33, 50), name="B")
    k = te.reduce_axis((0, 33), name="k")
    C = te.compute((n, 50), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    s = te.create_schedule(C.op)
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], 8, 16)
    f = te.build(s, [A, B, C])
    for rows in (1, 8, 13):
        a = rng.random((rows, 33), dtype="float32")
        b = rng.random((33, 50), dtype="float32")
        c = np.empty((rows, 50), "float32")
        f(a, b, c)
        np.testing.assert_allclose(c, a @ b, rtol=1e-4)


def test_fuse_then_split(rng):
    A = te.placeholder((13, 17), name="A")
    B = te.compute((13, 17), lambda i, j: A[i, j] + i * 100 + j, name="B")
    s = te.create_schedule(B.op)
    fused = s[B].fuse(*B.op.axis)
    s[B].split(fused, factor=8)
    f = te.build(s, [A, B])
    a = rng.random((13, 17), dtype="float32")
    b = np.empty_like(a)
    f(a, b)
    i, j = np.meshgrid(np.arange(13), np.arange(17), indexing="ij")
    np.testing.assert_allclose(b, a + i * 100 + j)


def test_reduction_outermost(rng):
    A, B, C, k = matmul(7, 9, 11)
    s = te.create_schedule(C.op)
    i, j = C.op.axis
    s[C].reorder(k, i, j)
    run_matmul(s, A, B, C, (7, 9, 11), rng)


def test_compute_inline_chain(rng):
    A = te.placeholder((50,), name="A")
    B = te.compute((50,), lambda i: A[i] + 1, name="B")
    C = te.compute((50,), lambda i: B[i] * 2, name="C")
    D = te.compute((50,), lambda i: C[i] - B[i], name="D")
    s = te.create_schedule(D.op)
    s[B].compute_inline()
    s[C].compute_inline()
    f = te.build(s, [A, D])
    assert "allocate" not in str(te.lower(s, [A, D]))
    a = rng.random(50, dtype="float32")
    d = np.empty(50, "float32")
    f(a, d)
    np.testing.assert_allclose(d, (a + 1) * 2 - (a + 1), rtol=1e-6)


def test_intermediate_at_root(rng):
    A = te.placeholder((40, 30), name="A")
    B = te.compute((40, 30), lambda i, j: A[i, j] * 2, name="B")
    k = te.reduce_axis((0, 30), name="k")
    C = te.compute((40,), lambda i: te.sum(B[i, k], axis=k), name="C")
    s = te.create_schedule(C.op)
    f = te.build(s, [A, C])
    a = rng.random((40, 30), dtype="float32")
    c = np.empty(40, "float32")
    f(a, c)
    np.testing.assert_allclose(c, (a * 2).sum(axis=1), rtol=1e-5)




def test_compute_at_stencil_overlapping_windows(rng):
    n = 1000
    A = te.placeholder((n,), name="A")
    P = te.compute((n + 2,), lambda i: te.if_then_else(te.all(i >= 1, i <= n), A[i - 1], 0.0),
                   name="P")
    B = te.compute((n,), lambda i: P[i] + P[i + 1] + P[i + 2], name="B")
    s = te.create_schedule(B.op)
    bo, bi = s[B].split(B.op.axis[0], factor=64)
    s[P].compute_at(s[B], bo)
    text = str(te.lower(s, [A, B]))
    assert "allocate P[float32 * 66]" in text
    f = te.build(s, [A, B])
    a = rng.random(n, dtype="float32")
    b = np.empty(n, "float32")
    f(a, b)
    p = np.pad(a, 1)
    np.testing.assert_allclose(b, p[:-2] + p[1:-1] + p[2:], rtol=1e-6)


def test_compute_at_chain_and_reduction_consumer(rng):
    A, B, C, k = matmul(33, 20, 17)
    AA = te.compute((33, 17), lambda i, kk: A[i, kk] * 1.0, name="AA")
    C2 = te.compute((33, 20), lambda i, j: te.sum(AA[i, k] * B[k, j], axis=k), name="C2")
    D = te.compute((33, 20), lambda i, j: C2[i, j] + 1, name="D")
    s = te.create_schedule(D.op)
    do, di = s[D].split(D.op.axis[0], factor=8)
    s[C2].compute_at(s[D], do)
    s[AA].compute_at(s[C2], C2.op.axis[0])
    f = te.build(s, [A, B, D])
    a = rng.random((33, 17), dtype="float32")
    b = rng.random((17, 20), dtype="float32")
    d = np.empty((33, 20), "float32")
    f(a, b, d)
    np.testing.assert_allclose(d, a @ b + 1, rtol=1e-5)


def test_symbolic_var_argument(rng):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    s_var = te.var("scale", dtype="float32")
    B = te.compute((n,), lambda i: A[i] * s_var, name="B")
    f = te.build(te.create_schedule(B.op), [A, B, s_var])
    a = rng.random(9, dtype="float32")
    b = np.empty(9, "float32")
    f(a, b, 2.5)
    np.testing.assert_allclose(b, a * 2.5)
