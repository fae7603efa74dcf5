"""Depthwise 2-D convolution in NCHW layout (TVM's ``nn.depthwise_conv2d_nchw``)."""

from ... import api
from ...errors import ExprError
from ...ir import Range
from ...ir import expr as E
from ..util import fold, get_const_int, same_extent
from .conv2d import _pair, get_pad_tuple, pad


def depthwise_conv2d_nchw(Input, Filter, stride, padding, dilation, out_dtype=None):  # noqa: N803
    """Each input channel convolved with its own ``channel_multiplier`` filters:
    ``Input`` (batch, in_channel, height, width), ``Filter`` (in_channel,
    channel_multiplier, kernel_h, kernel_w); output channel ``c * multiplier + m``.
    ``stride``/``dilation`` are ints or pairs, ``padding`` as for ``conv2d``."""
    if len(Input.shape) != 4 or len(Filter.shape) != 4:
        raise ExprError(f"depthwise_conv2d_nchw: Input and Filter must be 4-D, got "
                        f"{list(Input.shape)} and {list(Filter.shape)}")
    batch, in_channel, height, width = Input.shape
    filter_channel, multiplier, kernel_h, kernel_w = Filter.shape
    if not same_extent(in_channel, filter_channel):
        raise ExprError(f"depthwise_conv2d_nchw: Input has {in_channel} channels but Filter "
                        f"has {filter_channel}")
    m = get_const_int(multiplier)
    if m is None:
        raise ExprError("depthwise_conv2d_nchw: the channel multiplier must be a constant")
    stride_h, stride_w = _pair(stride, "stride")
    dilation_h, dilation_w = _pair(dilation, "dilation")
    kh, kw = get_const_int(kernel_h), get_const_int(kernel_w)
    top, left, bottom, right = get_pad_tuple(padding, (kh, kw))
    out_dtype = out_dtype or Input.dtype
    out_h = fold(lambda h: (h + top + bottom - (kh - 1) * dilation_h - 1) // stride_h + 1, height)
    out_w = fold(lambda w: (w + left + right - (kw - 1) * dilation_w - 1) // stride_w + 1, width)
    data = pad(Input, (0, 0, top, left), (0, 0, bottom, right), name="T_pad") \
        if any((top, left, bottom, right)) else Input
    ry = api.reduce_axis(Range(E.const_index(0), kernel_h), name="ry")
    rx = api.reduce_axis(Range(E.const_index(0), kernel_w), name="rx")
    out_channel = fold(lambda c: c * m, in_channel)

    def body(n, c, y, x):
        value = data[n, c // m, y * stride_h + ry * dilation_h, x * stride_w + rx * dilation_w]
        return api.sum(value.astype(out_dtype) * Filter[c // m, c % m, ry, rx].astype(out_dtype),
                       axis=[ry, rx])
    return api.compute((batch, out_channel, out_h, out_w), body,
                       name="T_depthwise_conv2d_nchw", tag="depthwise_conv2d_nchw")
