"""2-D max and average pooling in NCHW layout."""

from ... import api
from ...errors import ExprError
from ...ir import Range
from ...ir import expr as E
from ..util import fold
from .conv2d import _pair, get_pad_tuple, pad


def pool(data, kernel, stride, padding, pool_type, ceil_mode=False, layout="NCHW",
         count_include_pad=True):
    """``pool_type`` ("max" or "avg") pooling over ``kernel`` windows moved by
    ``stride``; ``padding`` is an int, a pair or ``(top, left, bottom, right)``.
    Average pooling divides by the whole window when ``count_include_pad``,
    else by the number of input elements in it."""
    if layout != "NCHW" or len(data.shape) != 4:
        raise ExprError(f"pool: expects 4-D NCHW data, got layout {layout!r} and shape "
                        f"{list(data.shape)}")
    if pool_type not in ("max", "avg"):
        raise ExprError(f"pool: pool_type must be 'max' or 'avg', got {pool_type!r}")
    if ceil_mode:
        raise ExprError("pool: ceil_mode=True is not supported")
    kernel_h, kernel_w = _pair(kernel, "kernel")
    stride_h, stride_w = _pair(stride, "stride")
    pad_top, pad_left, pad_bottom, pad_right = get_pad_tuple(padding, (kernel_h, kernel_w))
    batch, channel, height, width = data.shape
    out_h = fold(lambda h: (h + pad_top + pad_bottom - kernel_h) // stride_h + 1, height)
    out_w = fold(lambda w: (w + pad_left + pad_right - kernel_w) // stride_w + 1, width)
    padded = any((pad_top, pad_left, pad_bottom, pad_right))
    fill = api.min_value(data.dtype) if pool_type == "max" else E.const(0, data.dtype)
    source = pad(data, (0, 0, pad_top, pad_left), (0, 0, pad_bottom, pad_right), fill,
                 name="T_pad") if padded else data
    ry = api.reduce_axis(Range(E.const_index(0), E.const_index(kernel_h)), name="ry")
    rx = api.reduce_axis(Range(E.const_index(0), E.const_index(kernel_w)), name="rx")

    def window(n, c, y, x):
        return source[n, c, y * stride_h + ry, x * stride_w + rx]

    if pool_type == "max":
        return api.compute((batch, channel, out_h, out_w),
                           lambda n, c, y, x: api.max(window(n, c, y, x), axis=[ry, rx]),
                           name="T_pool_max", tag="pool_max")
    total = api.compute((batch, channel, out_h, out_w),
                        lambda n, c, y, x: api.sum(window(n, c, y, x), axis=[ry, rx]),
                        name="T_pool_sum", tag="pool_sum")
    if count_include_pad or not padded:
        return api.compute(total.shape, lambda *i: total[i] / E.const(kernel_h * kernel_w,
                                                                      data.dtype),
                           name="T_pool_avg", tag="elemwise")

    def average(n, c, y, x):
        y0, x0 = y * stride_h - pad_top, x * stride_w - pad_left
        rows = api.min(y0 + kernel_h, height) - api.max(y0, 0)
        cols = api.min(x0 + kernel_w, width) - api.max(x0, 0)
        return total[n, c, y, x] / (rows * cols).astype(data.dtype)
    return api.compute(total.shape, average, name="T_pool_avg", tag="elemwise")


def max_pool2d(data, kernel, stride=None, padding=0):
    """Max pooling (stride defaults to the kernel size)."""
    return pool(data, kernel, kernel if stride is None else stride, padding, "max")


def avg_pool2d(data, kernel, stride=None, padding=0, count_include_pad=True):
    """Average pooling (stride defaults to the kernel size)."""
    return pool(data, kernel, kernel if stride is None else stride, padding, "avg",
                count_include_pad=count_include_pad)
