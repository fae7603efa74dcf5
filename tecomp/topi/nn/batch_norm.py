"""``nn.batch_norm`` in inference mode (TVM's signature and outputs)."""

from ... import api
from ...errors import ExprError
from ...ir import expr as E
from ..util import normalize_axis, same_extent


def batch_norm(data, gamma, beta, moving_mean, moving_var, axis=None, epsilon=1e-5, center=True,
               scale=True, training=False, momentum=None):
    """``(data - moving_mean) / sqrt(moving_var + epsilon) * gamma + beta`` along
    ``axis`` (default 1, the channels of NCHW), as a framework runs it at inference.

    Returns ``[out, moving_mean, moving_var]`` as TVM does (the statistics pass
    through unchanged). ``training=True`` is refused: it needs the batch's own
    statistics, which this inference operator does not compute."""
    if training:
        raise ExprError("batch_norm: training=True is not supported; only inference "
                        "(moving statistics) is")
    ndim = len(data.shape)
    axis = normalize_axis(1 if axis is None else axis, ndim, "batch_norm")[0]
    for t in (gamma, beta, moving_mean, moving_var):
        if len(t.shape) != 1 or not same_extent(t.shape[0], data.shape[axis]):
            raise ExprError(f"batch_norm: '{t.name}' must have shape ({data.shape[axis]},), got "
                            f"{list(t.shape)}")
    eps = E.const(epsilon, data.dtype)

    def body(*i):
        c = i[axis]
        value = (data[i] - moving_mean[c]) / api.sqrt(moving_var[c] + eps)
        if scale:
            value = value * gamma[c]
        if center:
            value = value + beta[c]
        return value
    out = api.compute(data.shape, body, name="T_batch_norm", tag="broadcast")
    return [out, moving_mean, moving_var]
