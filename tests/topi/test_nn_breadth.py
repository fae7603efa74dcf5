"""nn.pool2d (TVM's signature, with dilation and ceil_mode), nn.batch_norm in
inference, nn.depthwise_conv2d_nchw and nn.upsampling against numpy."""

import numpy as np
import pytest

import tecomp as te
from tecomp import topi

from topi_helpers import run


def _pool_ref(x, kernel, stride, dilation, padding, pool_type, ceil_mode, count_include_pad):
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    top, left, bottom, right = padding
    span_h, span_w = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    rnd = (lambda a, b: -(-a // b)) if ceil_mode else (lambda a, b: a // b)
    oh = rnd(h + top + bottom - span_h, sh) + 1
    ow = rnd(w + left + right - span_w, sw) + 1
    out = np.zeros((n, c, oh, ow), x.dtype)
    for y in range(oh):
        for xx in range(ow):
            rows = [y * sh - top + t * dh for t in range(kh)]
            cols = [xx * sw - left + t * dw for t in range(kw)]
            inside = [(r, q) for r in rows for q in cols if 0 <= r < h and 0 <= q < w]
            vals = np.stack([x[:, :, r, q] for r, q in inside], -1)
            if pool_type == "max":
                out[:, :, y, xx] = vals.max(-1)
                continue
            lo_h, hi_h = (-top, h + bottom) if count_include_pad else (0, h)
            lo_w, hi_w = (-left, w + right) if count_include_pad else (0, w)
            count = sum(1 for r in rows if lo_h <= r < hi_h) * sum(1 for q in cols if lo_w <= q < hi_w)
            out[:, :, y, xx] = vals.sum(-1) / count
    return out


@pytest.mark.parametrize("pool_type", ["max", "avg"])
@pytest.mark.parametrize("case", [((2, 2), (1, 1), (2, 2), (0, 0, 0, 0), False, True),
                                  ((3, 3), (2, 2), (1, 1), (1, 1, 1, 1), False, False),
                                  ((3, 2), (2, 3), (1, 2), (1, 0, 0, 1), True, True),
                                  ((2, 2), (2, 2), (1, 1), (0, 0, 0, 0), True, False)], ids=str)
def test_pool2d(pool_type, case, rng):
    kernel, stride, dilation, padding, ceil_mode, include = case
    X = te.placeholder((1, 3, 9, 8), name="X")
    x = rng.standard_normal((1, 3, 9, 8)).astype("float32")
    out = topi.nn.pool2d(X, kernel, stride, dilation, padding, pool_type, ceil_mode,
                         count_include_pad=include)
    np.testing.assert_allclose(run(out, [X], [x]), _pool_ref(x, kernel, stride, dilation, padding,
                                                             pool_type, ceil_mode, include),
                               rtol=1e-5, atol=1e-6)


def test_pool2d_errors():
    X = te.placeholder((1, 3, 4, 4), name="X")
    with pytest.raises(te.TecompError, match="pool_type must be 'max' or 'avg'"):
        topi.nn.pool2d(X, 2, 1, 1, 0, "sum")
    with pytest.raises(te.TecompError, match="window is larger"):
        topi.nn.pool2d(X, 3, 1, 2, 0, "max")


def test_batch_norm_inference(rng):
    X = te.placeholder((2, 4, 3, 5), name="X")
    params = [te.placeholder((4,), name=n) for n in ("gamma", "beta", "mean", "var")]
    x = rng.standard_normal((2, 4, 3, 5)).astype("float32")
    g, b, m = (rng.standard_normal(4).astype("float32") for _ in range(3))
    v = rng.random(4, dtype="float32") + 0.5
    out, mean, var = topi.nn.batch_norm(X, *params)
    assert mean is params[2] and var is params[3]
    ref = (x - m[:, None, None]) / np.sqrt(v[:, None, None] + 1e-5) * g[:, None, None] \
        + b[:, None, None]
    np.testing.assert_allclose(run(out, [X] + params, [x, g, b, m, v]), ref, rtol=1e-4, atol=1e-5)
    with pytest.raises(te.TecompError, match="training=True is not supported"):
        topi.nn.batch_norm(X, *params, training=True)


@pytest.mark.parametrize("stride,padding,dilation", [(1, 1, 1), (2, 0, 1), (1, 2, 2)])
def test_depthwise_conv2d(stride, padding, dilation, rng):
    X = te.placeholder((1, 3, 10, 9), name="X")
    W = te.placeholder((3, 2, 3, 3), name="W")
    x = rng.standard_normal((1, 3, 10, 9)).astype("float32")
    w = rng.standard_normal((3, 2, 3, 3)).astype("float32")
    out = run(topi.nn.depthwise_conv2d_nchw(X, W, stride, padding, dilation), [X, W], [x, w])
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    span = 2 * dilation + 1
    oh = (xp.shape[2] - span) // stride + 1
    ow = (xp.shape[3] - span) // stride + 1
    ref = np.zeros((1, 6, oh, ow), "float32")
    for c in range(3):
        for m in range(2):
            for ry in range(3):
                for rx in range(3):
                    patch = xp[:, c, ry * dilation: ry * dilation + stride * (oh - 1) + 1: stride,
                               rx * dilation: rx * dilation + stride * (ow - 1) + 1: stride]
                    ref[:, c * 2 + m] += patch * w[c, m, ry, rx]
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)


def test_upsampling(rng):
    X = te.placeholder((1, 2, 3, 4), name="X")
    x = rng.standard_normal((1, 2, 3, 4)).astype("float32")
    out = run(topi.nn.upsampling(X, 2, 3), [X], [x])
    np.testing.assert_array_equal(out, x.repeat(2, axis=2).repeat(3, axis=3))
    bil = run(topi.nn.upsampling(X, 2, 2, method="bilinear", align_corners=True), [X], [x])
    # align_corners: the corners coincide and the row midpoints interpolate.
    np.testing.assert_allclose(bil[..., 0, 0], x[..., 0, 0], rtol=1e-6)
    np.testing.assert_allclose(bil[..., -1, -1], x[..., -1, -1], rtol=1e-6)
    ys = np.arange(6) * (2 / 5)
    y0 = np.floor(ys).astype(int)
    y1 = np.minimum(y0 + 1, 2)
    t = (ys - y0)[:, None]
    ref_col0 = x[0, :, y0, 0].T * (1 - t.T) + x[0, :, y1, 0].T * t.T
    np.testing.assert_allclose(bil[0, :, :, 0], ref_col0, rtol=1e-5, atol=1e-6)
    with pytest.raises(te.TecompError, match="method must be"):
        topi.nn.upsampling(X, 2, 2, method="bicubic")
