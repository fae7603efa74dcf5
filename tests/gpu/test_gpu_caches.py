"""Cache chains (global -> shared -> local), caches of inlined consumers and
partitioned loops around shared tiles, on OpenCL against numpy and to PTX."""

import re

import numpy as np
import pytest

import tecomp as te
from gpu_support import needs_nvrtc, needs_opencl


def shared_gemm(n, tile=16, local_chain=False):
    A = te.placeholder((n, n), name="A")
    B = te.placeholder((n, n), name="B")
    k = te.reduce_axis((0, n), name="k")
    C = te.compute((n, n), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    s = te.create_schedule(C.op)
    AS = s.cache_read(A, "shared", [C])
    BS = s.cache_read(B, "shared", [C])
    caches = [AS, BS]
    if local_chain:
        AL = s.cache_read(AS, "local", [C])
        BL = s.cache_read(BS, "local", [C])
    bi, bj, ti, tj = s[C].tile(C.op.axis[0], C.op.axis[1], tile, tile)
    ko, ki = s[C].split(k, factor=tile)
    s[C].reorder(bi, bj, ko, ti, tj, ki)
    s[C].bind(bi, te.thread_axis("blockIdx.y"))
    s[C].bind(bj, te.thread_axis("blockIdx.x"))
    s[C].bind(ti, te.thread_axis("threadIdx.y"))
    s[C].bind(tj, te.thread_axis("threadIdx.x"))
    for T in caches:
        s[T].compute_at(s[C], ko)
        a0, a1 = s[T].op.axis
        s[T].bind(a0, te.thread_axis("threadIdx.y"))
        s[T].bind(a1, te.thread_axis("threadIdx.x"))
    if local_chain:
        s[AL].compute_at(s[C], ki)
        s[BL].compute_at(s[C], ki)
    return s, [A, B, C]


@needs_opencl
@pytest.mark.parametrize("n", [100, 64])
@pytest.mark.parametrize("local_chain", [False, True])
def test_shared_gemm_partial_tiles_and_chains(rng, n, local_chain):
    s, args = shared_gemm(n, local_chain=local_chain)
    f = te.build(s, args, target="opencl")
    src = f.get_source()
    # one declaration per shared buffer, sized for one tile
    assert sorted(re.findall(r"__local float (\w+)\[(\d+)\]", src)) == [("A_shared", "256"),
                                                               ("B_shared", "256")]
    if local_chain:
        assert "A_shared_local[1]" in src and "B_shared_local[1]" in src
    a, b = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
    c = np.zeros((n, n), np.float32)
    f(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-4)


@needs_nvrtc
def test_shared_gemm_chain_compiles_to_ptx():
    s, args = shared_gemm(100, local_chain=True)
    f = te.build(s, args, target="cuda -arch=sm_80")
    assert ".entry default_function_kernel0" in f.get_source("ptx")


@needs_opencl
def test_cache_read_of_an_input_read_through_an_inlined_stage(rng):
    n = 256
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] + 1.0, name="B")
    C = te.compute((n,), lambda i: B[i] * 2.0, name="C")
    s = te.create_schedule(C.op)
    s[B].compute_inline()
    AS = s.cache_read(A, "shared", [C])
    bx, tx = s[C].split(C.op.axis[0], factor=64)
    s[C].bind(bx, te.thread_axis("blockIdx.x"))
    s[C].bind(tx, te.thread_axis("threadIdx.x"))
    s[AS].compute_at(s[C], bx)
    s[AS].bind(s[AS].op.axis[0], te.thread_axis("threadIdx.x"))
    f = te.build(s, [A, C], target="opencl")
    assert "__local float A_shared[64]" in f.get_source()
    a = rng.random(n, dtype=np.float32)
    c = np.zeros(n, np.float32)
    f(a, c)
    np.testing.assert_allclose(c, (a + 1) * 2, rtol=1e-6)
