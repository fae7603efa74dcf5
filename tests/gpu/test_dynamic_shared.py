"""Shared memory above 48 KiB: CUDA kernels declare it as one dynamic
``extern __shared__`` array (launched with that size after raising the function's
limit), where the target's architecture or device allows it; above the limit, a
LoweringError naming the buffers and sizes. OpenCL's limit is the device's."""

import numpy as np
import pytest

import tecomp as te
from gpu_support import needs_cuda_gpu, needs_nvrtc, needs_opencl
from tecomp.runtime.gpu.opencl import opencl_device_attributes
from tecomp.target import Target


def shared_copy(tile, dtype="float32"):
    """``B = A * 2`` through a shared tile of ``tile`` elements per block."""
    n = tile * 4
    A = te.placeholder((n,), name="A", dtype=dtype)
    B = te.compute((n,), lambda i: A[i] * te.const(2, dtype), name="B")
    s = te.create_schedule(B.op)
    AS = s.cache_read(A, "shared", [B])
    bx, xi = s[B].split(B.op.axis[0], factor=tile)
    _, ti = s[B].split(xi, factor=256)
    s[B].bind(bx, te.thread_axis("blockIdx.x"))
    s[B].bind(ti, te.thread_axis("threadIdx.x"))
    s[AS].compute_at(s[B], bx)
    _, ai = s[AS].split(s[AS].op.axis[0], factor=256)
    s[AS].bind(ai, te.thread_axis("threadIdx.x"))
    return s, [A, B]


def test_target_shared_limits():
    assert Target("cuda").max_shared_memory_bytes == 48 * 1024
    assert Target("cuda -arch=sm_80").max_shared_memory_bytes == 166912
    assert Target("cuda -arch=sm_61").max_shared_memory_bytes == 48 * 1024
    assert Target("cuda -arch=sm_90 -max_shared_memory_per_block=65536").max_shared_memory_bytes \
        == 65536
    assert Target("opencl -max_shared_memory_per_block=32768").max_shared_memory_bytes == 32768


@needs_nvrtc
def test_64k_of_shared_memory_is_dynamic_in_cuda():
    s, args = shared_copy(16384)                              # 64 KiB
    f = te.build(s, args, target="cuda -arch=sm_80")
    src = f.imported_modules[0].get_source()
    assert "extern __shared__ __align__(16) unsigned char tc_dynamic_shared[];" in src
    assert "float* A_shared = (float*)(tc_dynamic_shared + 0);" in src
    assert ".extern .shared .align 16 .b8 tc_dynamic_shared[]" in f.get_source("ptx")
    (kernel,) = te.lower(s, args, target="cuda -arch=sm_80").kernels
    assert kernel.shared_layout() == ({kernel.func.body.buffer: 0}, 65536)


@needs_nvrtc
def test_small_shared_memory_stays_static_in_cuda():
    s, args = shared_copy(1024)
    src = te.build(s, args, target="cuda -arch=sm_80").imported_modules[0].get_source()
    assert "__shared__ float A_shared[1024];" in src and "extern __shared__" not in src


def test_two_shared_buffers_are_laid_out_at_aligned_offsets():
    n = 8192
    A = te.placeholder((n,), name="A", dtype="float64")
    C = te.placeholder((n,), name="C", dtype="int8")
    B = te.compute((n,), lambda i: A[i] + C[i].astype("float64"), name="B")
    s = te.create_schedule(B.op)
    AS = s.cache_read(A, "shared", [B])
    CS = s.cache_read(C, "shared", [B])
    bx, xi = s[B].split(B.op.axis[0], factor=n // 2 + 3)
    _, ti = s[B].split(xi, factor=64)
    s[B].bind(bx, te.thread_axis("blockIdx.x"))
    s[B].bind(ti, te.thread_axis("threadIdx.x"))
    for X in (CS, AS):
        s[X].compute_at(s[B], bx)
        _, xi = s[X].split(s[X].op.axis[0], factor=64)
        s[X].bind(xi, te.thread_axis("threadIdx.x"))
    (kernel,) = te.lower(s, [A, C, B], target="cuda -arch=sm_80").kernels
    offsets, total = kernel.shared_layout()
    sizes = {b.name: b for b in offsets}
    assert set(sizes) == {"A.shared", "C.shared"}
    assert all(o % 16 == 0 for o in offsets.values())
    assert total >= (n // 2 + 3) * 9 and total % 16 == 0


@pytest.mark.parametrize("target", ["cuda", "cuda -arch=sm_61",
                                    "cuda -arch=sm_90 -max_shared_memory_per_block=32768"])
def test_shared_memory_over_the_target_limit_is_refused(target):
    s, args = shared_copy(16384)                              # 64 KiB
    limit = Target(target).max_shared_memory_bytes
    with pytest.raises(te.LoweringError, match=rf"65536 bytes of shared memory \(A.shared: 65536\), "
                                               rf"over the limit of {limit} bytes per block"):
        te.lower(s, args, target=target)


@needs_opencl
def test_opencl_limit_is_the_devices_local_memory(rng):
    local = opencl_device_attributes()["max_shared_memory_per_block"]
    tile = 16384                                              # 64 KiB, above CUDA's static 48
    if tile * 4 <= local:
        s, args = shared_copy(tile)
        f = te.build(s, args, target="opencl")
        a = rng.random(tile * 4, dtype=np.float32)
        b = np.zeros(tile * 4, np.float32)
        f(a, b)
        np.testing.assert_allclose(b, a * 2.0)
    over = local // 4 * 2                                     # twice the device's local memory
    s, args = shared_copy(over)
    with pytest.raises(te.LoweringError, match=rf"{over * 4} bytes of shared memory .*over the "
                                               rf"limit of {local} bytes"):
        te.build(s, args, target="opencl")


@needs_cuda_gpu
def test_64k_of_dynamic_shared_memory_runs_on_the_gpu(rng):
    s, args = shared_copy(16384)
    f = te.build(s, args, target="cuda")
    a = rng.random(16384 * 4, dtype=np.float32)
    b = np.zeros(16384 * 4, np.float32)
    f(a, b)
    np.testing.assert_allclose(b, a * 2.0)

