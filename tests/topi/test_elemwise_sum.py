"""topi.elemwise_sum, topi.generic.nn and topi.cuda.conv2d_nchw (the names TVM's
intro_topi tutorial uses) against numpy."""

import numpy as np
import pytest

import tecomp as tvm
from tecomp import te, topi
from tecomp.errors import ExprError
from tecomp.runtime.gpu.opencl import opencl_devices

from topi_helpers import run


@pytest.mark.parametrize("count", [1, 2, 4])
def test_elemwise_sum_matches_numpy(count, rng):
    xs = [te.placeholder((5, 7, 3), name=f"x{k}") for k in range(count)]
    arrays = [rng.random((5, 7, 3), dtype="float32") for _ in xs]
    out = topi.elemwise_sum(xs)
    assert out.op.tag == "elemwise"
    np.testing.assert_allclose(run(out, xs, arrays), np.sum(arrays, axis=0), rtol=1e-6)


def test_elemwise_sum_of_broadcasts_then_reduce(rng):
    """a + b and a * b with broadcasting, summed elementwise, halved and reduced."""
    a = te.placeholder((20, 6, 6), name="a")
    b = te.placeholder((6, 6), name="b")
    g = topi.sum(topi.elemwise_sum([a + b, a * b]) / 2.0)
    av, bv = rng.random((20, 6, 6), dtype="float32"), rng.random((6, 6), dtype="float32")
    got = run(g, [a, b], [av, bv])
    np.testing.assert_allclose(got, np.sum((av + bv + av * bv) / 2.0), rtol=1e-5)


@pytest.mark.skipif(not opencl_devices(), reason="no OpenCL device")
def test_elemwise_sum_gpu_reduce_schedule_on_opencl(rng):
    a = te.placeholder((10, 8, 8), name="a")
    b = te.placeholder((8, 8), name="b")
    g = topi.sum(topi.elemwise_sum([a + b, a * b]))
    with tvm.target.Target("opencl"):
        s = topi.cuda.schedule_reduce(g)
    f = tvm.build(s, [a, b, g], "opencl")
    av, bv = rng.random((10, 8, 8), dtype="float32"), rng.random((8, 8), dtype="float32")
    out = np.zeros((), "float32")
    f(av, bv, out)
    np.testing.assert_allclose(out, np.sum(av + bv + av * bv), rtol=1e-5)


def test_elemwise_sum_refuses_mismatched_tensors():
    a = te.placeholder((4, 5), name="a")
    b = te.placeholder((4, 6), name="b")
    c = te.placeholder((4, 5), name="c", dtype="float64")
    with pytest.raises(ExprError, match="elemwise_sum.*'b'.*same shape"):
        topi.elemwise_sum([a, b])
    with pytest.raises(ExprError, match="elemwise_sum.*'c'.*float64"):
        topi.elemwise_sum([a, c])
    with pytest.raises(ExprError, match="non-empty list"):
        topi.elemwise_sum([])


def test_generic_nn_namespace_and_cuda_conv2d(rng):
    """topi.generic.nn.schedule_conv2d_nchw (TVM 0.6) and topi.cuda.conv2d_nchw without
    a tuning config (TVM 0.7/0.8) build the same convolution as topi.nn."""
    assert topi.generic.nn.schedule_conv2d_nchw is topi.generic.schedule_conv2d_nchw
    data = te.placeholder((1, 3, 12, 12), name="data")
    kernel = te.placeholder((4, 3, 5, 5), name="kernel")
    out = topi.nn.relu(topi.cuda.conv2d_nchw(data, kernel, 1, 2, 1))
    s = topi.generic.nn.schedule_conv2d_nchw([out])
    dv = rng.standard_normal((1, 3, 12, 12)).astype("float32")
    kv = rng.standard_normal((4, 3, 5, 5)).astype("float32")
    ref = run(topi.nn.relu(topi.nn.conv2d_nchw(data, kernel, 1, 2, 1)), [data, kernel], [dv, kv])
    f = tvm.build(s, [data, kernel, out])
    got = np.empty((1, 4, 12, 12), "float32")
    f(dv, kv, got)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)
    padded = np.pad(dv, ((0, 0), (0, 0), (2, 2), (2, 2)))
    direct = np.zeros((1, 4, 12, 12), "float32")
    for y in range(12):
        for x in range(12):
            direct[0, :, y, x] = np.tensordot(kv, padded[0, :, y:y + 5, x:x + 5], 3)
    np.testing.assert_allclose(got, np.maximum(direct, 0), rtol=1e-4, atol=1e-4)
