"""matmul, dense, conv2d, pooling and the softmax family against numpy."""

import numpy as np
import pytest

import tecomp as te
from tecomp import topi

from topi_helpers import run


@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
@pytest.mark.parametrize("n,k,m", [(64, 64, 64), (23, 37, 70), (1, 5, 3), (100, 33, 130)],
                         ids=str)
def test_matmul(n, k, m, ta, tb, rng):
    sa, sb = ((k, n) if ta else (n, k)), ((m, k) if tb else (k, m))
    A, B = te.placeholder(sa, name="A"), te.placeholder(sb, name="B")
    a, b = rng.random(sa, dtype="float32"), rng.random(sb, dtype="float32")
    got = run(topi.matmul(A, B, transpose_a=ta, transpose_b=tb), [A, B], [a, b],
              topi.generic.schedule_matmul)
    np.testing.assert_allclose(got, (a.T if ta else a) @ (b.T if tb else b), rtol=1e-4)


def test_matmul_shape_error():
    A, B = te.placeholder((3, 4), name="A"), te.placeholder((5, 6), name="B")
    with pytest.raises(te.ExprError, match="inner dimensions differ: 4 .* vs 5"):
        topi.matmul(A, B)


@pytest.mark.parametrize("batch,inp,out", [(1, 784, 10), (32, 100, 33), (16, 64, 128)], ids=str)
def test_dense_bias_relu(batch, inp, out, rng):
    X, W, b = (te.placeholder(s, name=n) for s, n in (((batch, inp), "X"), ((out, inp), "W"),
                                                        ((out,), "b")))
    x, w = rng.standard_normal((batch, inp)).astype("float32"), rng.random((out, inp), "float32")
    bias = rng.standard_normal(out).astype("float32")
    Y = topi.nn.relu(topi.nn.dense(X, W, b))
    got = run(Y, [X, W, b], [x, w, bias], topi.generic.schedule_dense)
    np.testing.assert_allclose(got, np.maximum(x @ w.T + bias, 0), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(run(topi.nn.dense(X, W), [X, W], [x, w]), x @ w.T, rtol=1e-4,
                               atol=1e-4)


def conv2d_nchw_ref(x, w, stride, pad):
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    out = np.zeros((n, f, oh, ow), "float64")
    for ry in range(kh):
        for rx in range(kw):
            patch = xp[:, :, ry:ry + stride * oh:stride, rx:rx + stride * ow:stride]
            out += np.einsum("nchw,fc->nfhw", patch, w[:, :, ry, rx])
    return out


@pytest.mark.parametrize("shape,kernel,stride,pad", [
    ((1, 3, 8, 8), (4, 3, 3, 3), 1, 0),
    ((2, 5, 13, 11), (6, 5, 3, 3), 1, 1),
    ((1, 4, 15, 15), (8, 4, 5, 5), 2, 2),
    ((1, 16, 32, 32), (16, 16, 3, 3), 1, 1),
    ((3, 2, 7, 9), (3, 2, 1, 1), 3, 0)], ids=str)
def test_conv2d_nchw(shape, kernel, stride, pad, rng):
    X, W = te.placeholder(shape, name="X"), te.placeholder(kernel, name="W")
    x, w = rng.standard_normal(shape).astype("float32"), rng.standard_normal(kernel).astype("float32")
    got = run(topi.nn.conv2d_nchw(X, W, stride, pad), [X, W], [x, w],
              topi.generic.schedule_conv2d_nchw)
    np.testing.assert_allclose(got, conv2d_nchw_ref(x, w, stride, pad), rtol=1e-4, atol=1e-4)


def test_conv2d_classic_spelling(rng):
    X, W = te.placeholder((1, 2, 6, 6), name="X"), te.placeholder((3, 2, 3, 3), name="W")
    x, w = rng.random((1, 2, 6, 6), "float32"), rng.random((3, 2, 3, 3), "float32")
    got = run(topi.nn.conv2d(X, W, 1, 0), [X, W], [x, w])
    np.testing.assert_allclose(got, conv2d_nchw_ref(x, w, 1, 0), rtol=1e-5)


def pool_ref(x, k, stride, pad, kind, count_include_pad=True):
    fill = -np.inf if kind == "max" else 0.0
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=fill)
    ones = np.pad(np.ones_like(x), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, w = xp.shape
    oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    out = np.empty((n, c, oh, ow), x.dtype)
    for y in range(oh):
        for z in range(ow):
            win = xp[:, :, y * stride:y * stride + k, z * stride:z * stride + k]
            if kind == "max":
                out[:, :, y, z] = win.max(axis=(2, 3))
            else:
                count = k * k if count_include_pad else ones[:, :, y * stride:y * stride + k,
                                                              z * stride:z * stride + k].sum((2, 3))
                out[:, :, y, z] = win.sum(axis=(2, 3)) / count
    return out


@pytest.mark.parametrize("shape,k,stride,pad", [((1, 3, 8, 8), 2, 2, 0), ((2, 4, 13, 11), 3, 2, 1),
                                                ((1, 2, 9, 9), 3, 1, 1)], ids=str)
def test_pooling(shape, k, stride, pad, rng):
    X = te.placeholder(shape, name="X")
    x = rng.standard_normal(shape).astype("float32")
    got = run(topi.nn.max_pool2d(X, k, stride, pad), [X], [x], topi.generic.schedule_pool)
    np.testing.assert_array_equal(got, pool_ref(x, k, stride, pad, "max"))
    for include in (True, False):
        got = run(topi.nn.avg_pool2d(X, k, stride, pad, count_include_pad=include), [X], [x])
        np.testing.assert_allclose(got, pool_ref(x, k, stride, pad, "avg", include), rtol=1e-5,
                                   atol=1e-6)


def softmax_ref(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("shape,axis", [((7, 13), -1), ((400, 1000), 1), ((3, 4, 33), -1),
                                        ((5, 6, 7), 1), ((10,), 0)], ids=str)
def test_softmax_and_log_softmax(shape, axis, rng):
    X = te.placeholder(shape, name="X")
    x = (rng.standard_normal(shape) * 3).astype("float32")
    ref = softmax_ref(x, axis)
    got = run(topi.nn.softmax(X, axis), [X], [x], topi.generic.schedule_softmax)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-7)
    got = run(topi.nn.log_softmax(X, axis), [X], [x], topi.generic.schedule_log_softmax)
    np.testing.assert_allclose(got, np.log(ref), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("shape", [(7, 13), (64, 10), (400, 1000)], ids=str)
def test_softmax_cross_entropy(shape, rng):
    X, Y = te.placeholder(shape, name="X"), te.placeholder(shape, name="Y")
    x = rng.uniform(-5, 5, shape).astype("float32")
    y = rng.uniform(-5, 5, shape).astype("float32")
    expected = np.mean(-np.sum(y * np.log(softmax_ref(x.astype("float64"))), axis=1), keepdims=True)
    got = run(topi.nn.softmax_cross_entropy(X, Y), [X, Y], [x, y],
              topi.generic.schedule_softmax_cross_entropy)
    np.testing.assert_allclose(got, expected, rtol=1e-4)
    labels = rng.integers(0, shape[1], shape[0]).astype("int32")
    L = te.placeholder((shape[0],), dtype="int32", name="L")
    got = run(topi.nn.softmax_cross_entropy(X, L), [X, L], [x, labels])
    p = softmax_ref(x.astype("float64"))
    np.testing.assert_allclose(got, [np.mean(-np.log(p[np.arange(shape[0]), labels]))], rtol=1e-4)


def test_graph_of_operators(rng):
    """The CSE 599W student version: -sum(y_ * log(softmax(y)), 1), mean by tensor arithmetic."""
    shape = (50, 17)
    y, y_ = te.placeholder(shape, name="y"), te.placeholder(shape, name="y_")
    t = -topi.sum(y_ * topi.log(topi.nn.softmax(y)), axis=1)
    c = topi.sum(t, keepdims=True) / shape[0]
    a, b = rng.uniform(-5, 5, shape).astype("float32"), rng.random(shape, "float32")
    got = run(c, [y, y_], [a, b])
    expected = np.mean(-np.sum(b * np.log(softmax_ref(a.astype("float64"))), axis=1), keepdims=True)
    np.testing.assert_allclose(got, expected, rtol=1e-4)


def test_exp_nonpositive_accuracy_and_special_values():
    """The arithmetic exp of the softmax family: within 2 ulp of exp on [-87, 0], 0 below
    the normal floats and for -inf, NaN for NaN; vectorized with a tail."""
    from tecomp.topi.nn.softmax import exp_nonpositive
    n = 100003
    X = te.placeholder((n,), name="X")
    Y = te.compute((n,), lambda i: exp_nonpositive(X[i]), name="Y")
    s = te.create_schedule(Y.op)
    _, inner = s[Y].split(Y.op.axis[0], factor=16)
    s[Y].vectorize(inner)
    f = te.build(s, [X, Y])
    x = np.concatenate([-np.linspace(0, 110, n - 4, dtype="float32"),
                        np.float32([-np.inf, np.nan, 0.0, -1e-30])])
    y = np.empty_like(x)
    f(x, y)
    ref = np.exp(x.astype("float64"))
    normal = ref > np.finfo("float32").tiny
    np.testing.assert_allclose(y[normal], ref[normal], rtol=2 ** -22)
    assert np.all(np.abs(y[~normal & ~np.isnan(x)]) <= np.finfo("float32").tiny)
    assert np.isnan(y[-3]) and y[-4] == 0 and y[-2] == 1


@pytest.mark.parametrize("shape", [(5, 1001), (3, 2, 77), (9, 16)], ids=str)
def test_softmax_wide_rows_with_infinities(shape, rng):
    """Rows the vector width does not divide, and -inf logits (probability 0)."""
    X = te.placeholder(shape, name="X")
    x = (rng.standard_normal(shape) * 20).astype("float32")
    x[..., 3] = -np.inf
    ref = softmax_ref(x)
    got = run(topi.nn.softmax(X), [X], [x], topi.generic.schedule_softmax)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-7)
    assert np.all(got[..., 3] == 0)
    x64 = x.astype("float64")
    shifted = x64 - x64.max(axis=-1, keepdims=True)
    log_ref = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    got = run(topi.nn.log_softmax(X), [X], [x], topi.generic.schedule_log_softmax)
    np.testing.assert_allclose(got, log_ref, rtol=1e-4, atol=1e-5)


def test_softmax_float64_keeps_double_precision(rng):
    X = te.placeholder((6, 300), dtype="float64", name="X")
    x = rng.standard_normal((6, 300)) * 4
    got = run(topi.nn.softmax(X), [X], [x], topi.generic.schedule_softmax)
    np.testing.assert_allclose(got, softmax_ref(x), rtol=1e-12)


@pytest.mark.parametrize("shape,kernel,stride,pad,dilation", [
    ((1, 16, 56, 56), (12, 16, 3, 3), 1, 1, 1),    # 7 vectors of 8 columns, 4 channels
    ((2, 3, 16, 16), (7, 3, 3, 3), 1, 1, 1),       # batch 2, 7 output channels (tile of 1)
    ((1, 4, 12, 20), (6, 4, 5, 5), 1, 2, 1),       # 5x5 kernel
    ((1, 5, 14, 34), (8, 5, 3, 3), (2, 1), 0, 1),  # stride along the height only, no padding
    ((1, 3, 12, 20), (4, 3, 3, 3), 1, 2, 2),       # dilation
    ((1, 8, 14, 14), (16, 8, 3, 3), 1, 1, 1),      # vectors of 14 lanes
    ((1, 4, 28, 28), (8, 4, 3, 3), 1, 1, 1),       # 2 vectors of 14 lanes
    ((1, 3, 7, 7), (5, 3, 3, 3), 1, 1, 1),         # vectors of 7 lanes, 5 channels
    ((1, 6, 56, 56), (8, 6, 3, 3), 2, 1, 1),       # stride 2: 2 vectors of 14 lanes
    ((1, 3, 38, 38), (4, 3, 7, 7), 2, 3, 1),       # stride 2, 7x7 kernel
    ((1, 2, 9, 19), (3, 2, 3, 3), 1, 1, 1)], ids=str)   # no vector width fits: fallback
def test_conv2d_register_tile(shape, kernel, stride, pad, dilation, rng):
    """The default schedule's register tile (channels x column vectors, padding at the
    output row) on shapes that exercise its tile choices, against numpy."""
    X, W = te.placeholder(shape, name="X"), te.placeholder(kernel, name="W")
    x, w = rng.standard_normal(shape).astype("float32"), rng.standard_normal(kernel).astype("float32")
    got = run(topi.nn.conv2d_nchw(X, W, stride, pad, dilation), [X, W], [x, w],
              topi.generic.schedule_conv2d_nchw)
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    d = dilation
    wd = np.zeros((w.shape[0], w.shape[1], (w.shape[2] - 1) * d + 1, (w.shape[3] - 1) * d + 1),
                  "float32")
    wd[:, :, ::d, ::d] = w
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    kh, kw = wd.shape[2:]
    out_h, out_w = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
    win = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))
    win = win[:, :, ::sh, ::sw][:, :, :out_h, :out_w]
    ref = np.einsum("ncyxij,fcij->nfyx", win, wd)
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4)


def test_conv2d_register_tile_then_relu(rng):
    """A convolution that is not the output (a relu follows) keeps its register tile."""
    X, W = te.placeholder((1, 8, 10, 16), name="X"), te.placeholder((8, 8, 3, 3), name="W")
    Y = topi.nn.relu(topi.nn.conv2d_nchw(X, W, 1, 1))
    x, w = rng.standard_normal((1, 8, 10, 16)).astype("float32"), \
        rng.standard_normal((8, 8, 3, 3)).astype("float32")
    got = run(Y, [X, W], [x, w])
    np.testing.assert_allclose(got, np.maximum(conv2d_nchw_ref(x, w, 1, 1), 0), rtol=1e-4,
                               atol=1e-4)
    s = topi.generic.schedule_auto(Y)
    assert any(st.op.name.endswith(".local") for st in s.stages), [st.op.name for st in s.stages]
