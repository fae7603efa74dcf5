"""Reductions over axes, as ``numpy.sum(x, axis, keepdims=...)``: ``sum``, ``max``,
``min``, ``prod``. Stages are tagged ``"comm_reduce"`` and record which input
axes they reduce (``op.attrs["reduce_axes"]``) for the default schedule."""

from ..te import api
from ..ir import Range
from ..ir import expr as E
from .util import normalize_axis


def _reduction(name, reducer):
    def op(data, axis=None, keepdims=False):
        ndim = len(data.shape)
        axes = normalize_axis(axis, ndim, name)
        raxes = [api.reduce_axis(Range(E.const_index(0), data.shape[a]), name=f"k{a}")
                 for a in axes]
        if keepdims:
            shape = tuple(1 if a in axes else data.shape[a] for a in range(ndim))
        else:
            shape = tuple(data.shape[a] for a in range(ndim) if a not in axes)

        def body(*i):
            index, kept, r = [], iter(i), iter(raxes)
            for a in range(ndim):
                if a in axes:
                    index.append(next(r).var)
                    if keepdims:
                        next(kept)
                else:
                    index.append(next(kept))
            return reducer(data[tuple(index)], axis=raxes)

        if not raxes:   # nothing to reduce: a copy, as numpy does
            return api.compute(shape, lambda *i: data[i], name=f"T_{name}", tag="injective")
        return api.compute(shape, body, name=f"T_{name}", tag="comm_reduce",
                           attrs={"reduce_axes": axes, "input_ndim": ndim})
    op.__name__ = name
    op.__doc__ = (f"``{name}(data, axis=None, keepdims=False)``: {name} over ``axis`` (an int, "
                  "a tuple, or None for all axes), as numpy.")
    return op


sum = _reduction("sum", api.sum)  # noqa: A001
max = _reduction("max", api.max)  # noqa: A001
min = _reduction("min", api.min)  # noqa: A001
prod = _reduction("prod", api.prod)
