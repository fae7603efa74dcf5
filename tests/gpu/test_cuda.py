"""CUDA: every kernel compiled to PTX through NVRTC (no GPU needed), and run
against numpy where a GPU exists (marked ``cuda``; skipped without one)."""

import numpy as np
import pytest

import tecomp as te
import kernels
from gpu_support import needs_cuda_gpu, needs_nvrtc

SCHEDULES = {
    "vector_add": lambda: kernels.vector_add(),
    "window_sum": lambda: kernels.window_sum(1024, 3, 128),
    "row_sum": lambda: kernels.row_sum(cols=100),
    "matmul": lambda: kernels.matmul(96, 64, 48),
    "matmul_strided": lambda: kernels.matmul_strided(256, 256, 64),
}


@needs_nvrtc
@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_compiles_to_ptx(name):
    s, args = SCHEDULES[name]()
    f = te.build(s, args, target="cuda -arch=sm_80", name=name)
    ptx = f.get_source("ptx")
    assert f".entry {name}_kernel0" in ptx and ".target sm_80" in ptx
    assert ".local" not in ptx          # register tiles stay in registers


@needs_nvrtc
def test_nvrtc_error_is_a_build_error_with_the_log():
    from codegen.cuda.nvrtc import compile_ptx
    with pytest.raises(te.BuildError, match="NVRTC failed"):
        compile_ptx('extern "C" __global__ void k() { undefined_name = 1; }', "compute_75")


@pytest.mark.skipif(__import__("gpu_support").HAS_CUDA_GPU, reason="a GPU is present")
@needs_nvrtc
def test_call_without_gpu_is_a_clear_error():
    s, args = kernels.vector_add()
    f = te.build(s, args, target="cuda")
    a = np.zeros(4, np.float32)
    with pytest.raises(te.TecompError, match="no CUDA GPU"):
        f(a, a.copy(), a.copy())


def _run(name, rng):
    s, args = SCHEDULES[name]()
    f = te.build(s, args, target="cuda", name=name)
    return f, args


@pytest.mark.cuda
@needs_cuda_gpu
def test_cuda_vector_add(rng):
    f, _ = _run("vector_add", rng)
    a, b = rng.random(1000, dtype=np.float32), rng.random(1000, dtype=np.float32)
    c = np.zeros(1000, np.float32)
    f(a, b, c)
    np.testing.assert_allclose(c, a + b, rtol=1e-6)
    da, db, dc = f.array(a), f.array(b), f.empty((1000,), "float32")
    f(da, db, dc)
    np.testing.assert_allclose(dc.numpy(), a + b, rtol=1e-6)


@pytest.mark.cuda
@needs_cuda_gpu
def test_cuda_window_sum(rng):
    f, _ = _run("window_sum", rng)
    x = rng.random(1030, dtype=np.float32)
    y = np.zeros(1024, np.float32)
    f(x, y)
    np.testing.assert_allclose(y, np.convolve(x, np.ones(7), "valid"), rtol=1e-5)


@pytest.mark.cuda
@needs_cuda_gpu
def test_cuda_row_sum_symbolic(rng):
    f, _ = _run("row_sum", rng)
    for rows in (7, 300):
        a = rng.random((rows, 100), dtype=np.float32)
        b = np.zeros(rows, np.float32)
        f(a, b)
        np.testing.assert_allclose(b, a.sum(axis=1), rtol=1e-5)


@pytest.mark.cuda
@needs_cuda_gpu
@pytest.mark.parametrize("name", ["matmul", "matmul_strided"])
def test_cuda_matmuls(name, rng):
    f, args = _run(name, rng)
    (M, K), N = [e.value for e in args[0].shape], args[1].shape[1].value
    a, b = rng.random((M, K), dtype=np.float32), rng.random((K, N), dtype=np.float32)
    c = np.zeros((M, N), np.float32)
    f(a, b, c.reshape([e.value for e in args[2].shape]))
    np.testing.assert_allclose(c, a @ b, rtol=1e-4)
