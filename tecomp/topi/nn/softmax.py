"""Softmax, log-softmax and the softmax cross-entropy loss, each in the numerically
stable form that subtracts the maximum first.

The stages are named as TVM's (``T_softmax_maxelem``, ``T_softmax_exp``,
``T_softmax_expsum``, ``T_softmax_norm``) and the last one carries a tag that
:mod:`tecomp.topi.generic` recognizes to compute the whole group row by row."""

from ... import api
from ...errors import ExprError
from ...ir import Range
from ...ir import dtype as dt
from ...ir import expr as E
from ..util import normalize_axis, same_extent


def _reduce_over(x, axis, reducer, body, name):
    """A stage over ``x``'s shape without ``axis``, reducing ``body(index)`` along it."""
    ndim = len(x.shape)
    k = api.reduce_axis(Range(E.const_index(0), x.shape[axis]), name="k")
    shape = tuple(d for a, d in enumerate(x.shape) if a != axis)

    def compute(*i):
        index = list(i[:axis]) + [k.var] + list(i[axis:])
        return reducer(body(tuple(index), i), axis=k)
    return api.compute(shape, compute, name=name, tag="softmax_reduce",
                       attrs={"reduce_axes": (axis,), "input_ndim": ndim})


def _outer(i, axis):
    return tuple(i[:axis]) + tuple(i[axis + 1:])


def softmax(x, axis=-1):
    """``exp(x - max) / sum(exp(x - max))`` along ``axis``."""
    axis = normalize_axis(axis, len(x.shape), "softmax")[0]
    max_elem = _reduce_over(x, axis, api.max, lambda idx, _: x[idx], "T_softmax_maxelem")
    expo = api.compute(x.shape, lambda *i: api.exp(x[i] - max_elem[_outer(i, axis)]),
                       name="T_softmax_exp", tag="softmax_exp")
    expsum = _reduce_over(expo, axis, api.sum, lambda idx, _: expo[idx], "T_softmax_expsum")
    return api.compute(x.shape, lambda *i: expo[i] / expsum[_outer(i, axis)],
                       name="T_softmax_norm", tag="softmax_output", attrs={"axis": axis})


def log_softmax(x, axis=-1):
    """``x - max - log(sum(exp(x - max)))`` along ``axis``."""
    axis = normalize_axis(axis, len(x.shape), "log_softmax")[0]
    max_elem = _reduce_over(x, axis, api.max, lambda idx, _: x[idx], "T_softmax_maxelem")
    expsum = _reduce_over(x, axis, api.sum,
                          lambda idx, i: api.exp(x[idx] - max_elem[i]), "T_softmax_expsum")
    return api.compute(x.shape, lambda *i: x[i] - max_elem[_outer(i, axis)]
                       - api.log(expsum[_outer(i, axis)]),
                       name="T_log_softmax", tag="log_softmax_output", attrs={"axis": axis})


def softmax_cross_entropy(logits, labels):
    """The mean over the batch of ``-sum(labels * log_softmax(logits), axis=1)``, a
    tensor of shape ``(1,)`` (the CSE 599W convention).

    ``labels`` is either a ``(batch, classes)`` float tensor of target
    probabilities (one-hot rows) or a ``(batch,)`` integer tensor of class indices."""
    if len(logits.shape) != 2:
        raise ExprError(f"softmax_cross_entropy: logits must be 2-D (batch, classes), got "
                        f"shape {list(logits.shape)}")
    batch, classes = logits.shape
    max_elem = _reduce_over(logits, 1, api.max, lambda idx, _: logits[idx], "T_softmax_maxelem")
    expsum = _reduce_over(logits, 1, api.sum,
                          lambda idx, i: api.exp(logits[idx] - max_elem[i]), "T_softmax_expsum")

    def log_prob(i, j):
        return logits[i, j] - max_elem[i] - api.log(expsum[i])

    if len(labels.shape) == 1 and dt.is_integer(labels.dtype):
        if not same_extent(labels.shape[0], batch):
            raise ExprError(f"softmax_cross_entropy: labels of shape {list(labels.shape)} do not "
                            f"match the batch of logits {list(logits.shape)}")
        row_loss = api.compute((batch,), lambda i: -log_prob(i, labels[i]),
                               name="T_xent_row", tag="injective")
    elif len(labels.shape) == 2 and all(same_extent(a, b) for a, b in zip(labels.shape,
                                                                            logits.shape)):
        row_loss = _reduce_over(logits, 1, api.sum,
                                lambda idx, i: -labels[idx].astype(logits.dtype)
                                * log_prob(*idx), "T_xent_row")
    else:
        raise ExprError(f"softmax_cross_entropy: labels must have the logits' shape "
                        f"{list(logits.shape)} or be a ({batch},) integer tensor, got "
                        f"{list(labels.shape)} of {labels.dtype}")
    r = api.reduce_axis(Range(E.const_index(0), batch), name="r")
    count = api.cast(batch, logits.dtype)
    return api.compute((1,), lambda _: api.sum(row_loss[r] / count, axis=r),
                       name="T_softmax_cross_entropy", tag="softmax_cross_entropy")
