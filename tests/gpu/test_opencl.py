"""Every GPU schedule run for real through OpenCL (PoCL on a CPU in CI) vs numpy."""

import numpy as np
import pytest

import tecomp as te
import kernels
from gpu_support import needs_opencl

pytestmark = needs_opencl


def test_vector_add_symbolic_sizes(rng):
    s, args = kernels.vector_add()
    f = te.build(s, args, target="opencl", name="vadd")
    for n in (1, 64, 1000):          # one build, several n; last block partial
        a, b = rng.random(n, dtype=np.float32), rng.random(n, dtype=np.float32)
        c = np.zeros(n, np.float32)
        f(a, b, c)
        np.testing.assert_allclose(c, a + b, rtol=1e-6)


def test_window_sum_shared_tile_with_halo(rng):
    n, radius = 1024, 3
    s, args = kernels.window_sum(n, radius, block=128)
    f = te.build(s, args, target="opencl", name="window_sum")
    assert "barrier(CLK_LOCAL_MEM_FENCE)" in f.get_source()
    assert "__local float X_shared[134]" in f.get_source()
    x = rng.random(n + 2 * radius, dtype=np.float32)
    y = np.zeros(n, np.float32)
    f(x, y)
    ref = np.convolve(x.astype(np.float64), np.ones(2 * radius + 1), "valid")
    np.testing.assert_allclose(y, ref, rtol=1e-5)


def test_tiled_matmul_shared_and_register_tile(rng):
    M, N, K = 96, 64, 48
    s, args = kernels.matmul(M, N, K, block=(32, 32), threads=(8, 8), k_tile=8)
    f = te.build(s, args, target="opencl", name="matmul")
    src = f.get_source()
    assert src.count("barrier(CLK_LOCAL_MEM_FENCE)") == 2
    assert "float C_local[16]" in src
    a, b = rng.random((M, K), dtype=np.float32), rng.random((K, N), dtype=np.float32)
    c = np.zeros((M, N), np.float32)
    f(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-4)


def test_strided_register_tile_matmul(rng):
    M = N = 128
    K = 32
    s, args = kernels.matmul_strided(M, N, K, block=(64, 64), threads=(8, 8), k_tile=8)
    f = te.build(s, args, target="opencl", name="matmul_strided")
    a, b = rng.random((M, K), dtype=np.float32), rng.random((K, N), dtype=np.float32)
    c = np.zeros((M, N), np.float32)
    f(a, b, c.reshape([e.value for e in args[2].shape]))
    np.testing.assert_allclose(c, a @ b, rtol=1e-4)


def test_row_reduction_symbolic_rows(rng):
    s, args = kernels.row_sum(cols=100)
    f = te.build(s, args, target="opencl", name="row_sum")
    for rows in (7, 130):
        a = rng.random((rows, 100), dtype=np.float32)
        b = np.zeros(rows, np.float32)
        f(a, b)
        np.testing.assert_allclose(b, a.sum(axis=1), rtol=1e-5)


def test_two_kernels_with_a_global_temporary(rng):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    T = te.compute((n,), lambda i: A[i] * 2.0, name="T")
    C = te.compute((n,), lambda i: T[n - 1 - i] + 1.0, name="C")   # needs all of T first
    s = te.create_schedule(C.op)
    for stage in (s[T], s[C]):
        bx, tx = stage.split(stage.op.axis[0], factor=32)
        stage.bind(bx, te.thread_axis("blockIdx.x"))
        stage.bind(tx, te.thread_axis("threadIdx.x"))
    f = te.build(s, [A, C], target="opencl", name="two")
    assert len(f.kernels) == 2
    a = rng.random(77, dtype=np.float32)
    c = np.zeros(77, np.float32)
    f(a, c)
    np.testing.assert_allclose(c, a[::-1] * 2 + 1, rtol=1e-6)


def test_device_arrays_repeated_calls_without_copies(rng):
    s, args = kernels.vector_add()
    f = te.build(s, args, target="opencl", name="vadd")
    a, b = rng.random(300, dtype=np.float32), rng.random(300, dtype=np.float32)
    da, db, dc = f.array(a), f.array(b), f.empty((300,), "float32")
    for _ in range(3):
        f(da, db, dc)
    np.testing.assert_allclose(dc.numpy(), a + b, rtol=1e-6)
    f(dc, db, da)                     # outputs and inputs swap roles freely
    np.testing.assert_allclose(da.numpy(), a + 2 * b, rtol=1e-6)
    with pytest.raises(te.ArgumentError, match="same device array"):
        f(da, db, da)
    with pytest.raises(te.ArgumentError, match="shape"):
        f(da, db, f.empty((10,), "float32"))


def test_math_intrinsics_and_floor_division(rng):
    n = 256
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: te.exp(A[i]) + te.sqrt(A[i]) + te.tanh(A[i]) +
                   te.max(A[i], 0.5) + ((i - 100) // 7).astype("float32") +
                   ((i - 100) % 7).astype("float32"), name="B")
    s = te.create_schedule(B.op)
    bx, tx = s[B].split(B.op.axis[0], factor=64)
    s[B].bind(bx, te.thread_axis("blockIdx.x"))
    s[B].bind(tx, te.thread_axis("threadIdx.x"))
    f = te.build(s, [A, B], target="opencl", name="math")
    a = rng.random(n, dtype=np.float32)
    b = np.zeros(n, np.float32)
    f(a, b)
    i = np.arange(n)
    ref = np.exp(a) + np.sqrt(a) + np.tanh(a) + np.maximum(a, 0.5) + (i - 100) // 7 + (i - 100) % 7
    np.testing.assert_allclose(b, ref, rtol=1e-5)
