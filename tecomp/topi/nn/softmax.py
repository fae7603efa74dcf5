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


#: Cephes' ``expf``: ln 2 in two parts (the first exact in a few bits) and the
#: polynomial of exp(r) - 1 - r for |r| <= ln(2)/2, highest power first.
_LN2_HI, _LN2_LO = 0.693359375, -2.12194440e-4
_EXP_POLY = (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2,
             1.6666665459e-1, 5.0000001201e-1)
#: ln(2**-126): below it exp underflows past the normal floats; the result is 0 there.
_EXP_MIN = -87.33654


def exp_nonpositive(t):
    """``exp(t)`` for ``t <= 0`` (a softmax's ``x - max``) as plain arithmetic, so a
    vectorized loop stays vector code: LLVM's ``llvm.exp`` on a vector becomes one
    libm call per lane. Accurate to about 1 ulp (Cephes' ``expf``) for float32
    (other types call ``exp``); 0 below
    ``ln(2**-126)``, NaN for NaN. TVM's ``topi.fast_exp`` does the same with a
    reinterpret cast for ``2**n``, which tecomp has not: here ``2**-m`` is the
    product of ``2**-(2**b)`` over the set bits ``b`` of ``m`` (at most 126).

    ``t = n ln2 + r``, ``n = round(t / ln2)``, ``|r| <= ln(2)/2``:
    ``exp(t) = 2**n (1 + r + r**2 P(r))``."""
    dtype = t.dtype
    if dtype != "float32":   # the polynomial has float32's accuracy only
        return api.exp(t)
    c = lambda v: E.const(v, dtype)  # noqa: E731
    n = api.round(api.max(t, c(_EXP_MIN)) * c(1.4426950408889634))   # n >= -126
    r = t - n * c(_LN2_HI) - n * c(_LN2_LO)
    p = c(_EXP_POLY[0])
    for coeff in _EXP_POLY[1:]:
        p = p * r + c(coeff)
    p = p * r * r + r + c(1.0)
    m = (-n).astype("int32")
    scale = c(1.0)
    for b in range(7):
        bit = E.Call("int32", "bitwise_and", (m, E.const(1 << b, "int32")))
        scale = scale * api.select(bit != 0, c(2.0 ** -(1 << b)), c(1.0))
    return api.select(t < c(_EXP_MIN), c(0.0), p * scale)   # NaN: r, p and so this are NaN


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
    expo = api.compute(x.shape, lambda *i: exp_nonpositive(x[i] - max_elem[_outer(i, axis)]),
                       name="T_softmax_exp", tag="softmax_exp")
    expsum = _reduce_over(expo, axis, api.sum, lambda idx, _: expo[idx], "T_softmax_expsum")
    return api.compute(x.shape, lambda *i: expo[i] / expsum[_outer(i, axis)],
                       name="T_softmax_norm", tag="softmax_output", attrs={"axis": axis})


def log_softmax(x, axis=-1):
    """``x - max - log(sum(exp(x - max)))`` along ``axis``."""
    axis = normalize_axis(axis, len(x.shape), "log_softmax")[0]
    max_elem = _reduce_over(x, axis, api.max, lambda idx, _: x[idx], "T_softmax_maxelem")
    expsum = _reduce_over(x, axis, api.sum,
                          lambda idx, i: exp_nonpositive(x[idx] - max_elem[i]), "T_softmax_expsum")
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
                          lambda idx, i: exp_nonpositive(logits[idx] - max_elem[i]), "T_softmax_expsum")

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
