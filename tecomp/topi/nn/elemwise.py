"""Activation functions."""

from ... import api
from ...ir import expr as E


def relu(x):
    """``max(x, 0)`` elementwise."""
    return api.compute(x.shape, lambda *i: api.max(x[i], E.const(0, x.dtype)), name="T_relu",
                       tag="elemwise")


def leaky_relu(x, alpha):
    """``x`` where positive, ``alpha * x`` elsewhere."""
    def body(*i):
        v = x[i]
        return api.select(v > 0, v, v * E.const(alpha, x.dtype))
    return api.compute(x.shape, body, name="T_leaky_relu", tag="elemwise")
