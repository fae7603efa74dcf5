"""Padding and 2-D convolution in NCHW layout (batch, channel, height, width)."""

from ... import api
from ...errors import ExprError
from ...ir import Range
from ...ir import expr as E
from ..util import fold, get_const_int, same_extent


def _pair(value, what):
    if isinstance(value, (int, E.IntImm)):
        return (value, value)
    value = tuple(value)
    if len(value) != 2:
        raise ExprError(f"{what}: expected an int or a pair, got {value!r}")
    return value


def get_pad_tuple(padding, kernel):
    """``(top, left, bottom, right)`` from an int, a pair ``(h, w)``, a 4-tuple,
    ``"VALID"`` or ``"SAME"`` (for stride 1)."""
    if isinstance(padding, str):
        if padding.upper() == "VALID":
            return 0, 0, 0, 0
        if padding.upper() == "SAME":
            kh, kw = kernel
            return (kh - 1) // 2, (kw - 1) // 2, kh // 2, kw // 2
        raise ExprError(f"padding {padding!r}: use 'SAME', 'VALID' or integers")
    if isinstance(padding, (int, E.IntImm)):
        padding = (padding,)
    padding = tuple(int(get_const_int(p)) for p in padding)
    if len(padding) == 1:
        return padding * 4
    if len(padding) == 2:
        return padding[0], padding[1], padding[0], padding[1]
    if len(padding) == 4:
        return padding
    raise ExprError(f"padding must be an int, (h, w) or (top, left, bottom, right), got "
                    f"{padding!r}")


def pad(data, pad_before, pad_after=None, pad_value=0.0, name="PadInput"):
    """``data`` with ``pad_before[d]`` / ``pad_after[d]`` elements of ``pad_value``
    added before / after each dimension ``d``."""
    ndim = len(data.shape)
    pad_after = pad_before if pad_after is None else pad_after
    if len(pad_before) != ndim or len(pad_after) != ndim:
        raise ExprError(f"pad: needs {ndim} entries in pad_before and pad_after, got "
                        f"{list(pad_before)} and {list(pad_after)}")
    shape = tuple(fold(lambda d, b, a: d + b + a, d, b, a)
                  for d, b, a in zip(data.shape, pad_before, pad_after))
    value = E.const(pad_value, data.dtype) if not isinstance(pad_value, E.PrimExpr) else pad_value

    def body(*i):
        conds, index = [], []
        for d in range(ndim):
            before, after = pad_before[d], pad_after[d]
            if get_const_int(before) == 0 and get_const_int(after) == 0:
                index.append(i[d])
                continue
            index.append(i[d] - before)
            if get_const_int(before) != 0:
                conds.append(i[d] >= before)
            if get_const_int(after) != 0:
                conds.append(i[d] < data.shape[d] + before)
        if not conds:
            return data[tuple(index)]
        return api.if_then_else(api.all(*conds), data[tuple(index)], value)
    return api.compute(shape, body, name=name, tag="pad")


def conv2d_nchw(Input, Filter, stride, padding, dilation=1, out_dtype=None):  # noqa: N803
    """2-D convolution: ``Input`` (batch, in_channel, height, width) with ``Filter``
    (out_channel, in_channel, kernel_h, kernel_w), as a deep-learning framework
    computes it (a cross-correlation). ``stride`` and ``dilation`` are ints or
    pairs; ``padding`` an int, a pair, a 4-tuple, ``"SAME"`` or ``"VALID"``."""
    if len(Input.shape) != 4 or len(Filter.shape) != 4:
        raise ExprError(f"conv2d_nchw: Input and Filter must be 4-D, got {list(Input.shape)} "
                        f"and {list(Filter.shape)}")
    batch, in_channel, height, width = Input.shape
    out_channel, filter_channel, kernel_h, kernel_w = Filter.shape
    if not same_extent(in_channel, filter_channel):
        raise ExprError(f"conv2d_nchw: Input has {in_channel} channels but Filter expects "
                        f"{filter_channel}")
    stride_h, stride_w = _pair(stride, "stride")
    dilation_h, dilation_w = _pair(dilation, "dilation")
    kh, kw = get_const_int(kernel_h), get_const_int(kernel_w)
    pad_top, pad_left, pad_bottom, pad_right = get_pad_tuple(padding, (kh, kw))
    out_dtype = out_dtype or Input.dtype
    out_h = fold(lambda h, k, s, d: (h + pad_top + pad_bottom - (k - 1) * d - 1) // s + 1,
                 height, kernel_h, stride_h, dilation_h)
    out_w = fold(lambda w, k, s, d: (w + pad_left + pad_right - (k - 1) * d - 1) // s + 1,
                 width, kernel_w, stride_w, dilation_w)
    for extent, what in ((out_h, "height"), (out_w, "width")):
        if get_const_int(extent) is not None and get_const_int(extent) <= 0:
            raise ExprError(f"conv2d_nchw: the output {what} would be {extent}; the kernel is "
                            "larger than the padded input")
    if any((pad_top, pad_left, pad_bottom, pad_right)):
        data = pad(Input, (0, 0, pad_top, pad_left), (0, 0, pad_bottom, pad_right),
                   name="T_pad")
    else:
        data = Input
    rc = api.reduce_axis(Range(E.const_index(0), in_channel), name="rc")
    ry = api.reduce_axis(Range(E.const_index(0), kernel_h), name="ry")
    rx = api.reduce_axis(Range(E.const_index(0), kernel_w), name="rx")

    def body(n, f, y, x):
        value = data[n, rc, y * stride_h + ry * dilation_h, x * stride_w + rx * dilation_w]
        return api.sum(value.astype(out_dtype) * Filter[f, rc, ry, rx].astype(out_dtype),
                       axis=[rc, ry, rx])
    return api.compute((batch, out_channel, out_h, out_w), body, name="T_conv2d_nchw",
                       tag="conv2d_nchw", attrs={"strides": (stride_h, stride_w),
                                                 "dilation": (dilation_h, dilation_w)})


def conv2d(input, filter, strides, padding, dilation=1, layout="NCHW", out_dtype=None):  # noqa: A002
    """TVM's ``topi.nn.conv2d``; only the NCHW layout is provided."""
    if layout != "NCHW":
        raise ExprError(f"conv2d: layout {layout!r} is not supported; use 'NCHW'")
    return conv2d_nchw(input, filter, strides, padding, dilation, out_dtype)
