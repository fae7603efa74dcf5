"""Cache chains (global -> shared -> local), caches of inlined consumers and
partitioned loops around shared tiles, on OpenCL against numpy and to PTX."""

import re

import numpy as np
import pytest

import tecomp as te
from gpu_support import needs_nvrtc, needs_opencl
from kernels import shared_gemm


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
