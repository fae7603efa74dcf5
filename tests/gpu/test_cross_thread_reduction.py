"""Reductions across the threads of a block (a reduce axis bound to threadIdx):
run on OpenCL (PoCL) against numpy, compiled to PTX through NVRTC."""

import numpy as np
import pytest

import tecomp as te
from gpu_support import needs_cuda_gpu, needs_nvrtc, needs_opencl


def row_reduce(reducer, n=None, m=None, threads=16, rows_per_block=4, dtype="float32",
               rfactor=True, predicate=True):
    """The classic tutorial: rows over blockIdx.x / threadIdx.y, the reduction
    rfactored over threadIdx.x (or bound directly when ``rfactor`` is False)."""
    n = te.var("n") if n is None else n
    m = te.var("m") if m is None else m
    A = te.placeholder((n, m), dtype=dtype, name="A")
    k = te.reduce_axis((0, m), name="k")
    B = te.compute((n,), lambda i: reducer(A[i, k], axis=k), name="B")
    s = te.create_schedule(B.op)
    tx = te.thread_axis("threadIdx.x")
    if rfactor:
        ko, ki = s[B].split(B.op.reduce_axis[0], factor=threads)
        BF = s.rfactor(B, ki)
        xo, xi = s[B].split(s[B].op.axis[0], factor=rows_per_block)
        s[B].bind(xo, te.thread_axis("blockIdx.x"))
        s[B].bind(xi, te.thread_axis("threadIdx.y"))
        s[B].bind(s[B].op.reduce_axis[0], tx)
        s[BF].compute_at(s[B], s[B].op.reduce_axis[0])
    else:
        ko, ki = s[B].split(B.op.reduce_axis[0], factor=threads)
        s[B].bind(s[B].op.axis[0], te.thread_axis("blockIdx.x"))
        s[B].bind(ki, tx)
    if predicate:
        s[B].set_store_predicate(tx.var.equal(0))
    return s, [A, B]


NUMPY = {"sum": np.sum, "max": np.max, "min": np.min, "prod": np.prod}


def _reducer(name):
    if name == "prod":
        return te.comm_reducer(lambda x, y: x * y, lambda t: te.const(1, t), name="prod")
    return {"sum": te.sum, "max": te.max, "min": te.min}[name]


@needs_opencl
@pytest.mark.parametrize("rfactor", [True, False])
def test_tutorial_row_sum_matches_numpy(rng, rfactor):
    s, args = row_reduce(te.sum, rfactor=rfactor)
    f = te.build(s, args, target="opencl")
    for n, m in ((128, 128), (37, 50), (1, 3)):
        a = rng.random((n, m), dtype=np.float32)
        b = np.zeros(n, np.float32)
        f(a, b)
        np.testing.assert_allclose(b, a.sum(axis=1), rtol=1e-4)


@needs_opencl
@pytest.mark.parametrize("name", ["sum", "max", "min", "prod"])
@pytest.mark.parametrize("threads", [32, 24, 7])
def test_each_reducer_and_thread_count(rng, name, threads):
    s, args = row_reduce(_reducer(name), threads=threads, rows_per_block=2)
    f = te.build(s, args, target="opencl")
    n, m = 9, 61
    a = (rng.random((n, m), dtype=np.float32) + 0.5).astype(np.float32)
    b = np.zeros(n, np.float32)
    f(a, b)
    np.testing.assert_allclose(b, NUMPY[name](a, axis=1), rtol=1e-4)


@needs_opencl
def test_integer_max_without_store_predicate(rng):
    s, args = row_reduce(te.max, n=40, m=100, threads=64, rows_per_block=1, dtype="int32",
                         predicate=False)
    f = te.build(s, args, target="opencl")
    a = rng.integers(-1000, 1000, (40, 100)).astype(np.int32)
    b = np.zeros(40, np.int32)
    f(a, b)
    np.testing.assert_array_equal(b, a.max(axis=1))


def argmax_kernel(n, m, threads):
    def combine(x, y):
        i0, v0 = x
        i1, v1 = y
        take = (v0 > v1) | ((v0 == v1) & (i0 < i1))
        return te.select(take, i0, i1), te.select(take, v0, v1)

    def fcombine(x0, x1, y0, y1):
        return combine((x0, x1), (y0, y1))

    argmax = te.comm_reducer(fcombine, lambda t0, t1: (te.const(-1, t0), te.min_value(t1)),
                             name="argmax")
    A = te.placeholder((n, m), name="A")
    k = te.reduce_axis((0, m), name="k")
    idx, val = te.compute((n,), lambda i: argmax((k.var.astype("int32"), A[i, k]), axis=k),
                          name="T")
    s = te.create_schedule(idx.op)
    ko, ki = s[idx].split(k, factor=threads)
    s[idx].bind(idx.op.axis[0], te.thread_axis("blockIdx.x"))
    s[idx].bind(ki, te.thread_axis("threadIdx.x"))
    return s, [A, idx, val]


@needs_opencl
@pytest.mark.parametrize("threads", [64, 20])
def test_argmax_tuple_reducer(rng, threads):
    s, args = argmax_kernel(6, 300, threads)
    f = te.build(s, args, target="opencl")
    a = rng.standard_normal((6, 300)).astype(np.float32)
    i_out, v_out = np.zeros(6, np.int32), np.zeros(6, np.float32)
    f(a, i_out, v_out)
    np.testing.assert_array_equal(i_out, a.argmax(axis=1))
    np.testing.assert_array_equal(v_out, a.max(axis=1))


def cross_thread_softmax(n, m, threads):
    """Row softmax with its max and sum reductions across threadIdx.x."""
    A = te.placeholder((n, m), name="A")
    k1 = te.reduce_axis((0, m), name="k1")
    k2 = te.reduce_axis((0, m), name="k2")
    M = te.compute((n,), lambda i: te.max(A[i, k1], axis=k1), name="M")
    E = te.compute((n, m), lambda i, j: te.exp(A[i, j] - M[i]), name="E")
    S = te.compute((n,), lambda i: te.sum(E[i, k2], axis=k2), name="S")
    Y = te.compute((n, m), lambda i, j: E[i, j] / S[i], name="Y")
    s = te.create_schedule(Y.op)
    s[E].compute_inline()
    tx = te.thread_axis("threadIdx.x")
    bx = te.thread_axis("blockIdx.x")
    s[Y].bind(Y.op.axis[0], bx)
    jo, ji = s[Y].split(Y.op.axis[1], factor=threads)
    s[Y].bind(ji, tx)
    for R in (M, S):
        ko, ki = s[R].split(R.op.reduce_axis[0], factor=threads)
        s[R].bind(ki, tx)
        s[R].compute_at(s[Y], Y.op.axis[0])
    return s, [A, Y]


@needs_opencl
def test_cross_thread_softmax(rng):
    s, args = cross_thread_softmax(5, 300, 64)
    f = te.build(s, args, target="opencl")
    a = rng.standard_normal((5, 300)).astype(np.float32)
    y = np.zeros_like(a)
    f(a, y)
    e = np.exp(a - a.max(axis=1, keepdims=True))
    np.testing.assert_allclose(y, e / e.sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-7)


@needs_nvrtc
@pytest.mark.parametrize("case", ["tutorial", "direct", "argmax", "softmax", "odd"])
def test_cross_thread_reductions_compile_to_ptx(case):
    s, args = {"tutorial": lambda: row_reduce(te.sum, threads=32, rows_per_block=8),
               "direct": lambda: row_reduce(te.max, threads=256, rows_per_block=1, rfactor=False),
               "argmax": lambda: argmax_kernel(6, 300, 128),
               "softmax": lambda: cross_thread_softmax(64, 1000, 512),
               "odd": lambda: row_reduce(te.sum, threads=24)}[case]()
    f = te.build(s, args, target="cuda -arch=sm_80")
    src = f.get_source()
    if case != "odd":
        assert "__shfl_down_sync" in src
    if case in ("direct", "softmax", "argmax"):
        assert "__syncthreads()" in src       # warps meet in shared memory
    assert ".entry default_function_kernel0" in f.get_source("ptx")


@needs_cuda_gpu
@pytest.mark.parametrize("case", ["tutorial", "direct", "odd", "groups"])
def test_cross_thread_reductions_run_on_cuda(rng, case):
    """Warp shuffles (one warp, several warps, several groups per warp) and the
    shared tree (24 threads), executed on an NVIDIA GPU."""
    s, args = {"tutorial": lambda: row_reduce(te.sum, threads=32, rows_per_block=8),
               "direct": lambda: row_reduce(te.max, threads=256, rows_per_block=1, rfactor=False),
               "odd": lambda: row_reduce(te.sum, threads=24),
               "groups": lambda: row_reduce(te.min, threads=8, rows_per_block=16)}[case]()
    f = te.build(s, args, target="cuda")
    a = rng.random((300, 1000), dtype=np.float32)
    b = np.zeros(300, np.float32)
    f(a, b)
    ref = {"tutorial": a.sum(1), "direct": a.max(1), "odd": a.sum(1), "groups": a.min(1)}[case]
    np.testing.assert_allclose(b, ref, rtol=1e-4)


@needs_cuda_gpu
def test_argmax_and_softmax_run_on_cuda(rng):
    s, args = argmax_kernel(6, 3000, 512)
    f = te.build(s, args, target="cuda")
    a = rng.standard_normal((6, 3000)).astype(np.float32)
    i_out, v_out = np.zeros(6, np.int32), np.zeros(6, np.float32)
    f(a, i_out, v_out)
    np.testing.assert_array_equal(i_out, a.argmax(axis=1))
    s, args = cross_thread_softmax(64, 1000, 1024)
    f = te.build(s, args, target="cuda")
    a = rng.standard_normal((64, 1000)).astype(np.float32)
    y = np.zeros_like(a)
    f(a, y)
    e = np.exp(a - a.max(axis=1, keepdims=True))
    np.testing.assert_allclose(y, e / e.sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-7)
