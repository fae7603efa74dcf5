"""Vectorized GPU loops load and store with vector types (CUDA ``float4`` through an
aligned pointer, OpenCL ``vload4``/``vstore4``), fall back to scalar accesses
where CUDA's alignment is not provable or the load is conditional; on OpenCL
against numpy and to PTX."""

import re

import numpy as np
import pytest

import tecomp as te
from gpu_support import needs_cuda_gpu, needs_nvrtc, needs_opencl


def vector_kernel(n, lanes, dtype="float32", shift=0, guarded=False):
    """``C[i] = A[i + shift] * B[i] + A[i + shift]`` with the inner ``lanes``
    elements of each thread vectorized (``guarded``: A read through an
    ``if_then_else`` that keeps its reads in bounds)."""
    A = te.placeholder((n + shift,), name="A", dtype=dtype)
    B = te.placeholder((n,), name="B", dtype=dtype)
    if guarded:
        C = te.compute((n,), lambda i: te.if_then_else(i % 3 == 0, A[i + shift], B[i]), name="C")
    else:
        C = te.compute((n,), lambda i: A[i + shift] * B[i] + A[i + shift], name="C")
    s = te.create_schedule(C.op)
    bx, xi = s[C].split(C.op.axis[0], factor=16 * lanes)
    tx, vi = s[C].split(xi, factor=lanes)
    s[C].bind(bx, te.thread_axis("blockIdx.x"))
    s[C].bind(tx, te.thread_axis("threadIdx.x"))
    s[C].vectorize(vi)
    return s, [A, B, C]


def _expected(a, b, shift, n, guarded):
    if guarded:
        i = np.arange(n)
        return np.where(i % 3 == 0, a[shift:shift + n], b)
    return a[shift:shift + n] * b + a[shift:shift + n]


@needs_opencl
@pytest.mark.parametrize("dtype,lanes", [("float32", 4), ("float32", 2), ("int32", 4),
                                         ("float32", 8)])
@pytest.mark.parametrize("shift", [0, 1])
def test_vector_loads_and_stores_on_opencl(rng, dtype, lanes, shift):
    n = 64 * lanes
    s, args = vector_kernel(n, lanes, dtype, shift)
    f = te.build(s, args, target="opencl")
    src = f.get_source()
    # vloadn/vstoren need element alignment only: vector accesses even when shifted
    assert f"vload{lanes}(0, (A + " in src and f"vstore{lanes}(" in src
    a = (rng.random(n + shift) * 10).astype(dtype)
    b = (rng.random(n) * 10).astype(dtype)
    c = np.zeros(n, dtype)
    f(a, b, c)
    np.testing.assert_allclose(c, _expected(a, b, shift, n, False), rtol=1e-6)


@needs_opencl
def test_conditional_vector_load_stays_scalar_on_opencl(rng):
    n = 256
    s, args = vector_kernel(n, 4, shift=1, guarded=True)
    f = te.build(s, args, target="opencl")
    src = f.get_source()
    assert "vload4(0, (A" not in src and "vstore4(" in src
    a, b = rng.random(n + 1, dtype=np.float32), rng.random(n, dtype=np.float32)
    c = np.zeros(n, np.float32)
    f(a, b, c)
    np.testing.assert_allclose(c, _expected(a, b, 1, n, True))


def _ptx_accesses(f):
    ptx = f.get_source("ptx")
    return (re.findall(r"ld\.global(?:\.nc)?\.(v\d\.)?\w+", ptx),
            re.findall(r"st\.global\.(v\d\.)?\w+", ptx))


@needs_nvrtc
def test_aligned_vector_accesses_in_ptx():
    s, args = vector_kernel(1024, 4)
    f = te.build(s, args, target="cuda -arch=sm_80")
    assert "*((float4*)" in f.imported_modules[0].get_source()
    loads, stores = _ptx_accesses(f)
    assert loads == ["v4."] * 2 and stores == ["v4."]


@needs_nvrtc
def test_double2_in_ptx():
    s, args = vector_kernel(512, 2, "float64")
    f = te.build(s, args, target="cuda -arch=sm_80")
    loads, stores = _ptx_accesses(f)
    assert set(loads) == {"v2."} and stores == ["v2."]


@needs_nvrtc
def test_unaligned_offset_falls_back_to_scalar_loads_in_cuda():
    s, args = vector_kernel(1024, 4, shift=1)          # A[i + 1]: not a multiple of 4
    f = te.build(s, args, target="cuda -arch=sm_80")
    src = f.imported_modules[0].get_source()
    assert "(float4*)((A" not in src and "(float4*)((B" in src
    loads, stores = _ptx_accesses(f)
    assert loads.count("v4.") == 1 and stores == ["v4."]


def shared_vector_copy(n, lanes=4, threads=16):
    """``B = A * 2`` through a shared tile whose cooperative fill is vectorized."""
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] * 2.0, name="B")
    s = te.create_schedule(B.op)
    AS = s.cache_read(A, "shared", [B])
    bx, xi = s[B].split(B.op.axis[0], factor=threads * lanes)
    tx, vi = s[B].split(xi, factor=lanes)
    s[B].bind(bx, te.thread_axis("blockIdx.x"))
    s[B].bind(tx, te.thread_axis("threadIdx.x"))
    s[B].vectorize(vi)
    s[AS].compute_at(s[B], bx)
    ao, ai = s[AS].split(s[AS].op.axis[0], factor=lanes)
    s[AS].bind(ao, te.thread_axis("threadIdx.x"))
    s[AS].vectorize(ai)
    return s, [A, B]


@needs_opencl
def test_vectorized_shared_fill_on_opencl(rng):
    s, args = shared_vector_copy(512)
    f = te.build(s, args, target="opencl")
    assert "vstore4(" in f.get_source() and "vload4(0, (A_shared" in f.get_source()
    a = rng.random(512, dtype=np.float32)
    b = np.zeros(512, np.float32)
    f(a, b)
    np.testing.assert_allclose(b, a * 2.0)


@needs_nvrtc
def test_vectorized_shared_fill_is_aligned_in_cuda():
    s, args = shared_vector_copy(512)
    f = te.build(s, args, target="cuda -arch=sm_80")
    src = f.imported_modules[0].get_source()
    assert "__shared__ __align__(16) float A_shared[64];" in src
    ptx = f.get_source("ptx")
    assert "st.shared.v4.f32" in ptx and "ld.shared.v4.f32" in ptx


@needs_cuda_gpu
@pytest.mark.parametrize("shift", [0, 1])
def test_vector_accesses_run_on_the_gpu(rng, shift):
    n = 1024
    s, args = vector_kernel(n, 4, shift=shift)
    f = te.build(s, args, target="cuda")
    a, b = rng.random(n + shift, dtype=np.float32), rng.random(n, dtype=np.float32)
    c = np.zeros(n, np.float32)
    f(a, b, c)
    np.testing.assert_allclose(c, _expected(a, b, shift, n, False), rtol=1e-6)
