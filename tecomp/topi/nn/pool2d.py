"""``nn.pool2d`` with TVM's signature: max or average pooling of NCHW data with
kernel, stride, dilation, padding and ``ceil_mode``.

The stages reuse the tags of :mod:`tecomp.topi.nn.pooling` (``pool_max``,
``pool_sum``, a ``pad`` stage computed once), so the default CPU schedule is the
same."""

from ... import api
from ...errors import ExprError
from ...ir import Range
from ...ir import expr as E
from ..util import fold
from .conv2d import _pair, get_pad_tuple, pad


def _out_extent(size, before, after, kernel, stride, dilation, ceil_mode):
    """Output extent and the extra padding at the end that ``ceil_mode`` needs."""
    span = (kernel - 1) * dilation + 1
    total = size + before + after - span
    out = (total + (stride - 1 if ceil_mode else 0)) // stride + 1
    extra = max(0, (out - 1) * stride + span - (size + before + after))
    return out, extra


def pool2d(data, kernel, stride, dilation, padding, pool_type, ceil_mode=False, layout="NCHW",
           count_include_pad=True):
    """Pooling over the height and width of NCHW ``data``.

    ``kernel``, ``stride`` and ``dilation`` are pairs (ints accepted), ``padding``
    is ``[top, left, bottom, right]``; ``pool_type`` is ``"max"`` or ``"avg"``.
    ``ceil_mode`` rounds the output extent up (windows may overhang the bottom/right
    edge; they pool only what they cover). An average divides by the window's
    elements inside the padded input when ``count_include_pad``, else inside the
    input itself."""
    if layout != "NCHW" or len(data.shape) != 4:
        raise ExprError(f"pool2d: expects 4-D NCHW data, got layout {layout!r} and shape "
                        f"{list(data.shape)}")
    if pool_type not in ("max", "avg"):
        raise ExprError(f"pool2d: pool_type must be 'max' or 'avg', got {pool_type!r}")
    kh, kw = (int(v) for v in _pair(kernel, "pool2d kernel"))
    sh, sw = (int(v) for v in _pair(stride, "pool2d stride"))
    dh, dw = (int(v) for v in _pair(dilation, "pool2d dilation"))
    top, left, bottom, right = get_pad_tuple(padding, (kh, kw))
    batch, channel, height, width = data.shape
    h, w = fold(lambda x: x, height), fold(lambda x: x, width)
    if not isinstance(h, int) or not isinstance(w, int):
        raise ExprError("pool2d: needs constant height and width")
    out_h, extra_h = _out_extent(h, top, bottom, kh, sh, dh, ceil_mode)
    out_w, extra_w = _out_extent(w, left, right, kw, sw, dw, ceil_mode)
    if out_h <= 0 or out_w <= 0:
        raise ExprError(f"pool2d: the output would be {out_h}x{out_w}; the window is larger "
                        f"than the padded input {h}x{w}")
    fill = api.min_value(data.dtype) if pool_type == "max" else E.const(0, data.dtype)
    after_h, after_w = bottom + extra_h, right + extra_w
    padded = any((top, left, after_h, after_w))
    source = pad(data, (0, 0, top, left), (0, 0, after_h, after_w), fill,
                 name="T_pad") if padded else data
    ry = api.reduce_axis(Range(E.const_index(0), E.const_index(kh)), name="ry")
    rx = api.reduce_axis(Range(E.const_index(0), E.const_index(kw)), name="rx")

    def window(n, c, y, x):
        return source[n, c, y * sh + ry * dh, x * sw + rx * dw]

    shape = (batch, channel, out_h, out_w)
    if pool_type == "max":
        return api.compute(shape, lambda n, c, y, x: api.max(window(n, c, y, x), axis=[ry, rx]),
                           name="T_pool_max", tag="pool_max")
    total = api.compute(shape, lambda n, c, y, x: api.sum(window(n, c, y, x), axis=[ry, rx]),
                        name="T_pool_sum", tag="pool_sum")
    lo_h, hi_h = (-top, h + bottom) if count_include_pad else (0, h)
    lo_w, hi_w = (-left, w + right) if count_include_pad else (0, w)
    if not extra_h and not extra_w and (count_include_pad or not padded) and dh == dw == 1:
        return api.compute(shape, lambda *i: total[i] / E.const(kh * kw, data.dtype),
                           name="T_pool_avg", tag="elemwise")

    def count(start, step, kernel, lo, hi):
        # Taps start + t*step (t < kernel) inside [lo, hi).
        first = api.max(E.const_index(0), (lo - start + step - 1) // step)
        last = api.min(E.const_index(kernel), (hi - start + step - 1) // step)
        return api.max(last - first, E.const_index(1))

    def average(n, c, y, x):
        rows = count(y * sh - top, dh, kh, lo_h, hi_h)
        cols = count(x * sw - left, dw, kw, lo_w, hi_w)
        return total[n, c, y, x] / (rows * cols).astype(data.dtype)
    return api.compute(shape, average, name="T_pool_avg", tag="elemwise")
