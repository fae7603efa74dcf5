"""Gradient stages are ordinary stages: readable names, no Jacobian-sized loops,
default topi schedules, te.verify and export to a shared library."""

import numpy as np
import pytest

import tecomp as te
from tecomp import topi

from grad_helpers import iterations


def _conv_case():
    X = te.placeholder((1, 4, 12, 12), name="X")
    W = te.placeholder((5, 4, 3, 3), name="W")
    Y = topi.nn.conv2d(X, W, 2, 1, 1)
    return X, W, Y


@pytest.mark.parametrize("case", ["dense", "conv2d", "pool", "reshape"])
def test_lowered_gradient_has_no_jacobian_sized_loops(case):
    if case == "dense":
        X, W = te.placeholder((16, 32), name="X"), te.placeholder((24, 32), name="W")
        Y, inputs = topi.nn.dense(X, W), [X, W]
    elif case == "conv2d":
        X, W, Y = _conv_case()
        inputs = [X, W]
    elif case == "pool":
        X = te.placeholder((1, 4, 12, 12), name="X")
        Y, inputs = topi.nn.pool2d(X, (3, 3), (2, 2), (1, 1), (1, 1, 1, 1), "max"), [X]
    else:
        X = te.placeholder((4, 6, 8), name="X")
        Y, inputs = topi.reshape(topi.transpose(X, (2, 0, 1)), (16, 12)), [X]
    head = te.placeholder(Y.shape, name="head")
    grads = te.gradient(Y, inputs, head=head)
    forward = iterations(te.lower(te.create_schedule(Y.op), inputs + [Y]))
    backward = iterations(te.lower(te.create_schedule([g.op for g in grads]),
                                   list(grads) + inputs + [head]))
    assert backward <= 4 * len(inputs) * forward + 4096, (backward, forward)


def test_names_schedules_verify_and_export(tmp_path):
    X, W, Y = _conv_case()
    Z = topi.nn.relu(Y)
    head = te.placeholder(Z.shape, name="head")
    gX, gW = te.gradient(Z, [X, W], head=head)
    assert (gX.name, gW.name) == ("X.grad", "W.grad")
    s = topi.generic.schedule_auto([gX, gW])
    text = str(te.lower(s, [gX, gW, X, W, head]))
    assert "T_conv2d_nchw.grad" in [stage.op.name for stage in s.stages]   # an intermediate adjoint
    assert "X.grad" in text
    te.verify(s, [gX, gW, X, W, head])
    f = te.build(s, [gX, gW, X, W, head], name="conv_backward")
    path = str(tmp_path / "libgrad.so")
    f.export_library(path)
    g = te.load_module(path)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 4, 12, 12)).astype("float32")
    w = rng.standard_normal((5, 4, 3, 3)).astype("float32")
    h = rng.standard_normal((1, 5, 6, 6)).astype("float32")
    a = [np.zeros((1, 4, 12, 12), "float32"), np.zeros((5, 4, 3, 3), "float32")]
    b = [np.zeros((1, 4, 12, 12), "float32"), np.zeros((5, 4, 3, 3), "float32")]
    f(*a, x, w, h)
    g(*b, x, w, h)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert np.abs(a[1]).sum() > 0


def test_errors_name_the_tensors():
    A = te.placeholder((4,), name="A")
    I = te.placeholder((4,), name="I", dtype="int32")
    B = te.compute((4,), lambda i: A[i] * I[i].astype("float32"), name="B")
    with pytest.raises(te.TecompError, match="input 'I' has dtype int32; integer tensors"):
        te.gradient(B, [I], head=B)
    with pytest.raises(te.TecompError, match="head 'H' of shape \\[3\\] must end with"):
        te.gradient(B, [A], head=te.placeholder((3,), name="H"))
    big = te.placeholder((5000,), name="big")
    C = te.compute((5000,), lambda i: big[i] * 2.0, name="C")
    with pytest.raises(te.TecompError, match="Jacobian of 'C' .* 25000000 elements"):
        te.gradient(C, [big])
    T = topi.take(A, I)
    with pytest.raises(te.TecompError, match="index map of .A. .* cannot be inverted.*strict"):
        te.gradient(T, [A], head=T, strict=True)
    D = te.compute((4,), lambda i: te.isnan(A[i]).astype("float32") + te.sin(A[i]), name="D")
    assert te.gradient(D, [A], head=D)[0].name == "A.grad"


def test_dense_and_conv_gradients_take_the_operators_default_schedules():
    X, W = te.placeholder((32, 48), name="X"), te.placeholder((40, 48), name="W")
    Y = topi.nn.dense(X, W)
    head = te.placeholder(Y.shape, name="head")
    gX, gW = te.gradient(Y, [X, W], head=head)
    tags = {op.name: getattr(op, "tag", "") for op in te.te.tensor.post_order([gX.op, gW.op])
            if isinstance(op, te.te.tensor.ComputeOp)}
    # The adjoint reads W through dense's transposed copy (no copy back), and W.grad is
    # head.T @ X with head packed once, as topi packs a transposed operand: no stage
    # transposes a result.
    assert tags == {"X.grad": "matmul", "W.grad": "matmul", "W.grad.pack_a": "matmul_pack"}
    s = topi.generic.schedule_auto([gX, gW])
    te.verify(s, [X, W, head, gX, gW])
    f = te.build(s, [X, W, head, gX, gW])
    rng = np.random.default_rng(1)
    x, w, h = (rng.standard_normal(shape).astype("float32") for shape in
               ((32, 48), (40, 48), (32, 40)))
    out_x, out_w = np.zeros_like(x), np.zeros_like(w)
    f(x, w, h, out_x, out_w)
    np.testing.assert_allclose(out_x, h @ w, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(out_w, h.T @ x, rtol=1e-4, atol=1e-4)
    D = te.placeholder((1, 8, 16, 16), name="D")
    K = te.placeholder((8, 8, 3, 3), name="K")
    Z = topi.nn.conv2d(D, K, 1, 1, 1)
    hz = te.placeholder(Z.shape, name="hz")
    gD, gK = te.gradient(Z, [D, K], head=hz)
    assert (gD.op.tag, gK.op.tag) == ("conv2d_nchw", "conv2d_nchw_wgrad")
    s = topi.generic.schedule_auto([gD, gK])
    f = te.build(s, [D, K, hz, gD, gK])
    rng = np.random.default_rng(0)
    d, k, h = (rng.standard_normal(shape).astype("float32") for shape in
               ((1, 8, 16, 16), (8, 8, 3, 3), (1, 8, 16, 16)))
    out_d, out_k = np.zeros_like(d), np.zeros_like(k)
    f(d, k, h, out_d, out_k)
    dp = np.pad(d, ((0, 0), (0, 0), (1, 1), (1, 1)))
    hp = np.pad(h, ((0, 0), (0, 0), (1, 1), (1, 1)))
    ref_k = np.zeros_like(k)
    ref_d = np.zeros_like(d)
    for ry in range(3):
        for rx in range(3):
            ref_k[:, :, ry, rx] = np.einsum("fyx,cyx->fc", h[0], dp[0, :, ry:ry + 16, rx:rx + 16])
            ref_d[0] += np.einsum("fyx,fc->cyx", hp[0, :, 2 - ry:18 - ry, 2 - rx:18 - rx],
                                  k[:, :, ry, rx])
    np.testing.assert_allclose(out_k, ref_k, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(out_d, ref_d, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("stride,dilation,size", [(2, 1, 16), (1, 2, 18), (2, 2, 18)])
def test_strided_and_dilated_conv_weight_gradients_take_the_default_schedule(stride, dilation,
                                                                             size):
    D = te.placeholder((1, 4, size, size), name="D")
    K = te.placeholder((8, 4, 3, 3), name="K")
    Z = topi.nn.conv2d(D, K, stride, 1, dilation)
    hz = te.placeholder(Z.shape, name="hz")
    (gK,) = te.gradient(Z, [K], head=hz)
    assert gK.op.tag == "conv2d_nchw_wgrad"
    s = topi.generic.schedule_auto([gK])
    assert s[gK].relations       # the schedule's rfactor split, not the plain loop nest
    f = te.build(s, [D, hz, gK])
    rng = np.random.default_rng(2)
    out_shape = tuple(int(v) for v in Z.shape)
    d = rng.standard_normal((1, 4, size, size)).astype("float32")
    h = rng.standard_normal(out_shape).astype("float32")
    out_k = np.zeros((8, 4, 3, 3), "float32")
    f(d, h, out_k)
    dp = np.pad(d, ((0, 0), (0, 0), (1, 1), (1, 1)))
    rows, cols = out_shape[2:]
    ref = np.zeros_like(out_k)
    for ry in range(3):
        for rx in range(3):
            window = dp[0, :, ry * dilation:ry * dilation + stride * rows:stride,
                        rx * dilation:rx * dilation + stride * cols:stride]
            ref[:, :, ry, rx] = np.einsum("fyx,cyx->fc", h[0], window)
    np.testing.assert_allclose(out_k, ref, rtol=1e-4, atol=1e-3)
