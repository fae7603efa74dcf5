"""``nn.upsampling``: enlarge the height and width of NCHW data by scale factors."""

from ... import api
from ...errors import ExprError
from ...ir import expr as E
from ..util import get_const_int


def upsampling(data, scale_h, scale_w, layout="NCHW", method="nearest_neighbor",
               align_corners=False):
    """``data`` (batch, channel, height, width) resized to ``(round(height * scale_h),
    round(width * scale_w))``. ``method`` is ``"nearest_neighbor"`` (output pixel
    ``(y, x)`` reads ``(floor(y / scale_h), floor(x / scale_w))``) or ``"bilinear"``
    (``align_corners`` as in TVM's resize). Constant shapes only."""
    if layout != "NCHW" or len(data.shape) != 4:
        raise ExprError(f"upsampling: expects 4-D NCHW data, got layout {layout!r} and shape "
                        f"{list(data.shape)}")
    batch, channel, height, width = data.shape
    h, w = get_const_int(height), get_const_int(width)
    if h is None or w is None:
        raise ExprError("upsampling: needs constant height and width")
    out_h, out_w = int(round(h * scale_h)), int(round(w * scale_w))
    if method == "nearest_neighbor":
        def nearest(i, size, out_size):
            # floor(i * size / out_size), exact in integers; clamped as TVM's resize.
            return api.min((i * size) // out_size, E.const_index(size - 1))

        return api.compute((batch, channel, out_h, out_w),
                           lambda n, c, y, x: data[n, c, nearest(y, h, out_h), nearest(x, w, out_w)],
                           name="T_upsampling", tag="injective")
    if method not in ("bilinear", "linear"):
        raise ExprError(f"upsampling: method must be 'nearest_neighbor' or 'bilinear', got "
                        f"{method!r}")
    dtype = data.dtype

    def coordinate(i, size, out_size):
        if align_corners:
            ratio = (size - 1) / (out_size - 1) if out_size > 1 else 0.0
            return i.astype(dtype) * E.const(ratio, dtype)
        ratio = size / out_size
        src = (i.astype(dtype) + E.const(0.5, dtype)) * E.const(ratio, dtype) - E.const(0.5, dtype)
        return api.max(src, E.const(0.0, dtype))

    def bilinear(n, c, y, x):
        fy, fx = coordinate(y, h, out_h), coordinate(x, w, out_w)
        y0 = api.min(api.floor(fy).astype("int64"), E.const_index(h - 1))
        x0 = api.min(api.floor(fx).astype("int64"), E.const_index(w - 1))
        y1 = api.min(y0 + 1, E.const_index(h - 1))
        x1 = api.min(x0 + 1, E.const_index(w - 1))
        ty, tx = fy - y0.astype(dtype), fx - x0.astype(dtype)
        top = data[n, c, y0, x0] * (1 - tx) + data[n, c, y0, x1] * tx
        low = data[n, c, y1, x0] * (1 - tx) + data[n, c, y1, x1] * tx
        return top * (1 - ty) + low * ty
    return api.compute((batch, channel, out_h, out_w), bilinear, name="T_upsampling",
                       tag="injective")
