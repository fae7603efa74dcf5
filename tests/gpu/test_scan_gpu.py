"""te.scan on GPU targets: the time loop runs on the host, launching the update's
kernels once per step (a HostLoop in the launch plan). Run on OpenCL (PoCL),
compiled to PTX, and run on a CUDA GPU where there is one."""

import numpy as np
import pytest

import tecomp as te
from tecomp.transform.split_host_device import HostLoop
from gpu_support import needs_cuda_gpu, needs_nvrtc, needs_opencl


def bound_cumsum(block=64):
    m, n = te.var("m"), te.var("n")
    X = te.placeholder((m, n), name="X")
    state = te.placeholder((m, n), name="state")
    init = te.compute((1, n), lambda _, i: X[0, i], name="init")
    update = te.compute((m, n), lambda t, i: state[t - 1, i] + X[t, i], name="update")
    out = te.scan(init, update, state, inputs=[X])
    s = te.create_schedule(out.op)
    for stage in (init, update):
        xo, xi = s[stage].split(stage.op.axis[1], factor=block)
        s[stage].bind(xo, te.thread_axis("blockIdx.x"))
        s[stage].bind(xi, te.thread_axis("threadIdx.x"))
    return s, [X, out]


def test_launch_plan_has_a_host_loop_around_the_update_kernel():
    s, args = bound_cumsum()
    program = te.lower(s, args, target="opencl")
    first, loop = program.launches
    assert first.kernel.name.endswith("kernel0") and isinstance(loop, HostLoop)
    assert loop.var.name == "scan.idx" and len(loop.launches) == 1
    assert loop.var in loop.launches[0].kernel.func.params


@needs_opencl
def test_cumsum_on_opencl(rng):
    s, args = bound_cumsum()
    f = te.build(s, args, target="opencl", name="myscan")
    for m, n in ((1, 3), (10, 300), (4, 64)):
        x = rng.random((m, n), dtype="float32")
        y = np.zeros_like(x)
        f(x, y)
        np.testing.assert_allclose(y, np.cumsum(x, axis=0), rtol=1e-5)


@needs_opencl
def test_two_states_on_opencl(rng):
    m, n = te.var("m"), te.var("n")
    X = te.placeholder((m, n), name="X")
    st1 = te.placeholder((m, n), name="st1")
    st2 = te.placeholder((m, n), name="st2")
    init1 = te.compute((1, n), lambda _, i: X[0, i], name="init1")
    init2 = te.compute((1, n), lambda _, i: X[0, i] * 0, name="init2")
    up1 = te.compute((m, n), lambda t, i: st1[t - 1, i] + X[t, i], name="up1")
    up2 = te.compute((m, n), lambda t, i: st2[t - 1, i] + st1[t - 1, n - 1 - i], name="up2")
    out1, out2 = te.scan([init1, init2], [up1, up2], [st1, st2])
    s = te.create_schedule(out1.op)
    for stage in (init1, init2, up1, up2):
        xo, xi = s[stage].split(stage.op.axis[1], factor=32)
        s[stage].bind(xo, te.thread_axis("blockIdx.x"))
        s[stage].bind(xi, te.thread_axis("threadIdx.x"))
    f = te.build(s, [X, out1, out2], target="opencl")
    x = rng.random((6, 70), dtype="float32")
    y1, y2 = np.zeros_like(x), np.zeros_like(x)
    f(x, y1, y2)
    want1 = np.cumsum(x, axis=0)
    want2 = np.zeros_like(x)
    for t in range(1, 6):
        want2[t] = want2[t - 1] + want1[t - 1, ::-1]
    np.testing.assert_allclose(y1, want1, rtol=1e-5)
    np.testing.assert_allclose(y2, want2, rtol=1e-5)


@needs_nvrtc
def test_cumsum_compiles_to_ptx():
    s, args = bound_cumsum(256)
    f = te.build(s, args, target="cuda", name="myscan")
    ptx = f.get_source("ptx")
    assert ".entry myscan_kernel0" in ptx and ".entry myscan_kernel1" in ptx


@needs_cuda_gpu
def test_cumsum_on_cuda(rng):
    s, args = bound_cumsum(256)
    f = te.build(s, args, target="cuda", name="myscan")
    x = rng.random((10, 1024), dtype="float32")
    y = np.zeros_like(x)
    f(x, y)
    np.testing.assert_allclose(y, np.cumsum(x, axis=0), rtol=1e-5)


@needs_opencl
def test_body_stage_in_shared_memory_on_opencl(rng):
    """A body stage computed at the update's block loop: shared memory and a barrier
    inside each step's kernel; it reads the previous step reversed (other blocks)."""
    m, n = te.var("m"), te.var("n")
    X = te.placeholder((m, n), name="X")
    state = te.placeholder((m, n), name="state")
    init = te.compute((1, n), lambda _, i: X[0, i], name="init")
    s1 = te.compute((m, n), lambda t, i: state[t - 1, n - 1 - i] * 2, name="s1")
    s2 = te.compute((m, n), lambda t, i: s1[t, i] + X[t, i], name="s2")
    out = te.scan(init, s2, state)
    s = te.create_schedule(out.op)
    bx, tx = te.thread_axis("blockIdx.x"), te.thread_axis("threadIdx.x")
    xo, xi = s[s2].split(s2.op.axis[1], factor=32)
    s[s2].bind(xo, bx)
    s[s2].bind(xi, tx)
    s[s1].compute_at(s[s2], xo)
    s[s1].bind(s1.op.axis[1], tx)
    io, ii = s[init].split(init.op.axis[1], factor=32)
    s[init].bind(io, bx)
    s[init].bind(ii, tx)
    f = te.build(s, [X, out], target="opencl")
    assert "__local float s1[32]" in f.get_source()
    x = rng.random((7, 100), dtype="float32")
    y = np.zeros_like(x)
    f(x, y)
    want = np.empty_like(x)
    want[0] = x[0]
    for t in range(1, 7):
        want[t] = want[t - 1][::-1] * 2 + x[t]
    np.testing.assert_allclose(y, want, rtol=1e-5)
