"""``s[AA].double_buffer()`` (transform/inject_double_buffer.py): two copies of a
shared tile, the next one filled while the current one is used, one barrier per
iteration; on OpenCL against numpy, to PTX, on the CPU, and its refusals."""

import numpy as np
import pytest

import tecomp as te
from gpu_support import needs_cuda_gpu, needs_nvrtc, needs_opencl
from kernels import shared_gemm
from tecomp.ir import stmt as S
from tecomp.ir.functor import collect
from tecomp.transform.insert_barriers import is_barrier


#: both of the tiled GEMM's shared tiles double buffered (kernels.shared_gemm)
BOTH = (True, True)


@needs_opencl
@pytest.mark.parametrize("n,double", [(64, (True, True)), (80, (True, True)),
                                      (100, (True, True)), (16, (True, True)),
                                      (80, (True, False))])
def test_double_buffered_gemm_on_opencl(rng, n, double):
    s, args = shared_gemm(n, double=double)
    f = te.build(s, args, target="opencl")
    src = f.get_source()
    assert ("A_shared_1[256]" in src) and (("B_shared_1[256]" in src) == double[1])
    a, b = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
    c = np.zeros((n, n), np.float32)
    f(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-4)


def test_one_barrier_per_iteration():
    n = te.var("n")
    s, args = shared_gemm(n, double=BOTH)
    (kernel,) = te.lower(s, args, target="opencl").kernels
    loops = [x for x in collect(kernel.func.body, lambda x: isinstance(x, S.For))
             if x.loop_var.name == "k.outer.db"]          # (loop partition may copy it)
    # the loop body holds two iterations, each with one barrier
    assert loops and all(len(collect(loop.body, is_barrier)) == 2 for loop in loops)
    assert len({a.buffer for a in collect(kernel.func.body, lambda x: isinstance(x, S.Allocate))
                if a.buffer.scope == "shared"}) == 4


def test_without_double_buffer_two_barriers_per_iteration():
    n = te.var("n")
    s, args = shared_gemm(n)
    (kernel,) = te.lower(s, args, target="opencl").kernels
    loops = [x for x in collect(kernel.func.body, lambda x: isinstance(x, S.For))
             if x.loop_var.name == "k.outer"]
    assert loops and all(len(collect(loop.body, is_barrier)) == 2 for loop in loops)


@needs_opencl
def test_double_buffered_gemm_symbolic_size_on_opencl(rng):
    n = te.var("n")
    s, args = shared_gemm(n, double=BOTH)
    f = te.build(s, args, target="opencl")
    for size in (48, 33):
        a = rng.random((size, size), dtype=np.float32)
        b = rng.random((size, size), dtype=np.float32)
        c = np.zeros((size, size), np.float32)
        f(a, b, c)
        np.testing.assert_allclose(c, a @ b, rtol=1e-4)


@needs_nvrtc
def test_double_buffered_gemm_compiles_to_ptx():
    s, args = shared_gemm(128, double=BOTH)
    f = te.build(s, args, target="cuda -arch=sm_80")
    assert "__shared__ float A_shared_1[256];" in f.imported_modules[0].get_source()
    assert ".entry default_function_kernel0" in f.get_source("ptx")


def test_double_buffer_on_the_cpu(rng):
    n = 40
    A = te.placeholder((n, n), name="A")
    k = te.reduce_axis((0, n), name="k")
    B = te.compute((n,), lambda i: te.sum(A[i, k] * 2.0, axis=k), name="B")
    s = te.create_schedule(B.op)
    AL = s.cache_read(A, "local", [B])
    ko, ki = s[B].split(k, factor=8)
    s[AL].compute_at(s[B], ko)
    s[AL].double_buffer()
    f = te.build(s, [A, B])
    a = rng.random((n, n), dtype=np.float32)
    b = np.zeros(n, np.float32)
    f(a, b)
    np.testing.assert_allclose(b, (a * 2.0).sum(axis=1), rtol=1e-5)


def test_double_buffer_outside_a_serial_loop_is_refused():
    A = te.placeholder((256,), name="A")
    B = te.compute((256,), lambda i: A[i] * 2.0, name="B")
    s = te.create_schedule(B.op)
    AS = s.cache_read(A, "shared", [B])
    bx, tx = s[B].split(B.op.axis[0], factor=64)
    s[B].bind(bx, te.thread_axis("blockIdx.x"))
    s[B].bind(tx, te.thread_axis("threadIdx.x"))
    s[AS].compute_at(s[B], bx)
    s[AS].bind(s[AS].op.axis[0], te.thread_axis("threadIdx.x"))
    s[AS].double_buffer()
    with pytest.raises(te.LoweringError, match=r"double_buffer\('A.shared'\): the stage must be "
                                               r"computed at a serial loop"):
        te.lower(s, [A, B])


def test_double_buffer_of_a_fill_reading_the_loop_is_refused():
    n = 32
    A = te.placeholder((n, n), name="A")
    k = te.reduce_axis((0, n), name="k")
    T = te.compute((n, n), lambda i, j: A[i, j] + 1.0, name="T")
    B = te.compute((n,), lambda i: te.sum(T[i, k], axis=k), name="B")
    s = te.create_schedule(B.op)
    TL = s.cache_read(T, "local", [B])
    ko, ki = s[B].split(k, factor=8)
    s[T].compute_at(s[B], ko)
    s[TL].compute_at(s[B], ko)
    s[TL].double_buffer()
    with pytest.raises(te.LoweringError, match=r"double_buffer\('T.local'\): its fill in loop "
                                               r"'k.outer' reads 'T', which the loop writes"):
        te.lower(s, [A, B])


def test_double_buffer_of_an_output_is_refused():
    A = te.placeholder((8,), name="A")
    B = te.compute((8,), lambda i: A[i] + 1.0, name="B")
    s = te.create_schedule(B.op)
    with pytest.raises(te.ScheduleError, match=r"double_buffer.*'B' is an output"):
        s[B].double_buffer()


@needs_cuda_gpu
def test_double_buffered_gemm_runs_on_the_gpu(rng):
    s, args = shared_gemm(100, double=BOTH)
    f = te.build(s, args, target="cuda")
    a, b = rng.random((100, 100), dtype=np.float32), rng.random((100, 100), dtype=np.float32)
    c = np.zeros((100, 100), np.float32)
    f(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-4)


@needs_opencl
def test_double_buffered_symbolic_reduction_tails_and_empty(rng):
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((m, n), name="A")
    k = te.reduce_axis((0, n), name="k")
    B = te.compute((m,), lambda i: te.sum(A[i, k], axis=k), name="B")
    s = te.create_schedule(B.op)
    AS = s.cache_read(A, "shared", [B])
    bx, tx = s[B].split(B.op.axis[0], factor=16)
    ko, ki = s[B].split(k, factor=16)
    s[B].bind(bx, te.thread_axis("blockIdx.x"))
    s[B].bind(tx, te.thread_axis("threadIdx.x"))
    s[AS].compute_at(s[B], ko)
    s[AS].bind(s[AS].op.axis[0], te.thread_axis("threadIdx.x"))
    s[AS].double_buffer()
    f = te.build(s, [A, B], target="opencl", debug=True)     # bounds-checked accesses
    for cols in (0, 1, 17, 48):
        a = rng.random((32, cols), dtype=np.float32)
        b = np.full(32, 7.0, np.float32)
        f(a, b)
        np.testing.assert_allclose(b, a.sum(axis=1), rtol=1e-5)
