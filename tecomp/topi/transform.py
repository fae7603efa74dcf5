"""Shape and selection operators with TVM's signatures: ``full``, ``full_like``,
``concatenate``, ``split``, ``take``, ``squeeze``, ``expand_dims``, ``where``,
``clip`` and ``strided_slice``.

Every stage is tagged ``"injective"`` (each output element reads a fixed set of
input elements), so :func:`tecomp.topi.generic.schedule_injective` inlines it
into its consumers, or vectorizes and parallelizes it when it is an output.
"""

from ..te import api
from ..errors import ExprError
from ..ir import dtype as dt
from ..ir import expr as E
from ..ir.op import cast, to_expr
from ..te.tensor import Tensor
from .util import broadcast_indices, broadcast_shape, fold, get_const_int, normalize_axis


def _axis(axis, ndim, what):
    return normalize_axis(axis, ndim, what)[0]


def full(shape, dtype, fill_value):
    """A tensor of ``shape`` and ``dtype`` with every element ``fill_value``."""
    value = cast(to_expr(fill_value), dtype)
    shape = tuple(shape) if isinstance(shape, (list, tuple)) else (shape,)
    return api.compute(shape, lambda *i: value, name="T_full", tag="injective")


def full_like(x, fill_value):
    """A tensor of ``x``'s shape and dtype with every element ``fill_value``."""
    value = cast(to_expr(fill_value), x.dtype)
    return api.compute(x.shape, lambda *i: value, name="T_full_like", tag="injective")


def concatenate(a_tuple, axis=0):
    """The tensors of ``a_tuple`` joined along ``axis`` (all other extents equal)."""
    tensors = list(a_tuple)
    if not tensors:
        raise ExprError("concatenate: needs at least one tensor")
    ndim = len(tensors[0].shape)
    axis = _axis(axis, ndim, "concatenate")
    for t in tensors[1:]:
        if len(t.shape) != ndim or t.dtype != tensors[0].dtype:
            raise ExprError(f"concatenate: '{t.name}' has shape {list(t.shape)} ({t.dtype}); "
                            f"'{tensors[0].name}' has {list(tensors[0].shape)} "
                            f"({tensors[0].dtype})")
    offsets, total = [], E.const_index(0)
    for t in tensors:
        offsets.append(total)
        total = fold(lambda a, b: a + b, total, t.shape[axis])
    shape = list(tensors[0].shape)
    shape[axis] = total

    def body(*i):
        # The last tensor is the default; each earlier one takes its own interval.
        index = list(i)
        index[axis] = i[axis] - offsets[-1]
        value = tensors[-1][tuple(index)]
        for t, start in reversed(list(zip(tensors[:-1], offsets[:-1]))):
            index = list(i)
            index[axis] = i[axis] - start
            value = api.if_then_else(i[axis] < start + t.shape[axis], t[tuple(index)], value)
        return value
    return api.compute(tuple(shape), body, name="T_concat", tag="injective")


def split(ary, indices_or_sections, axis=0):
    """``ary`` cut along ``axis`` into equal sections (an int) or at the given
    indices (a list), as ``numpy.split``; returns a list of tensors."""
    ndim = len(ary.shape)
    axis = _axis(axis, ndim, "split")
    extent = get_const_int(ary.shape[axis])
    if isinstance(indices_or_sections, int):
        sections = indices_or_sections
        if extent is None or sections <= 0 or extent % sections:
            raise ExprError(f"split: axis {axis} of '{ary.name}' (extent {ary.shape[axis]}) "
                            f"does not divide into {sections} equal sections")
        points = [extent // sections * k for k in range(1, sections)]
    else:
        points = [int(p) for p in indices_or_sections]
    bounds = [0] + points + [extent]
    outs = []
    for begin, end in zip(bounds[:-1], bounds[1:]):
        shape = list(ary.shape)
        shape[axis] = end - begin
        outs.append(api.compute(tuple(shape), _shifted(ary, axis, begin), name="T_split",
                                tag="injective"))
    return outs


def _shifted(tensor, axis, begin):
    def body(*i):
        index = list(i)
        index[axis] = i[axis] + begin
        return tensor[tuple(index)]
    return body


def take(a, indices, axis=None, batch_dims=0, mode="clip"):
    """Elements of ``a`` at ``indices`` (an integer tensor), along ``axis`` or of the
    flattened ``a`` when ``axis`` is None. ``mode``: ``"clip"`` clamps out-of-range
    indices, ``"wrap"`` wraps them, ``"fast"`` assumes they are in range (an
    out-of-range index then reads outside ``a``)."""
    if batch_dims:
        raise ExprError("take: batch_dims other than 0 is not supported")
    if mode not in ("clip", "wrap", "fast"):
        raise ExprError(f"take: mode must be 'clip', 'wrap' or 'fast', got {mode!r}")
    if not isinstance(indices, Tensor):
        raise ExprError("take: indices must be a tensor")
    if not dt.is_integer(indices.dtype):
        raise ExprError(f"take: indices '{indices.name}' must be integers, got {indices.dtype}")

    def fix(index, extent):
        index = E.const_index(index)
        extent = E.const_index(extent)
        if mode == "clip":
            return api.min(api.max(index, 0), extent - 1)
        if mode == "wrap":
            return index % extent
        return index

    if axis is None:
        sizes = [get_const_int(d) for d in a.shape]
        if any(d is None for d in sizes):
            raise ExprError("take: axis=None needs a tensor of constant shape")
        total = 1
        for d in sizes:
            total *= d

        def flat_body(*i):
            flat = fix(indices[i], total)
            index = []
            for d in reversed(sizes):
                index.append(flat % d)
                flat = flat // d
            return a[tuple(reversed(index))]
        return api.compute(indices.shape, flat_body, name="T_take", tag="injective")
    axis = _axis(axis, len(a.shape), "take")
    shape = tuple(a.shape[:axis]) + tuple(indices.shape) + tuple(a.shape[axis + 1:])
    k = len(indices.shape)

    def body(*i):
        picked = fix(indices[tuple(i[axis:axis + k])], a.shape[axis])
        return a[tuple(i[:axis]) + (picked,) + tuple(i[axis + k:])]
    return api.compute(shape, body, name="T_take", tag="injective")


def squeeze(a, axis=None):
    """``a`` without its size-1 axes (all of them, or those in ``axis``)."""
    ndim = len(a.shape)
    if axis is None:
        axes = tuple(d for d in range(ndim) if get_const_int(a.shape[d]) == 1)
    else:
        axes = normalize_axis(axis, ndim, "squeeze")
        for d in axes:
            if get_const_int(a.shape[d]) != 1:
                raise ExprError(f"squeeze: axis {d} of '{a.name}' has extent {a.shape[d]}, not 1")
    shape = tuple(a.shape[d] for d in range(ndim) if d not in axes)

    def body(*i):
        it = iter(i)
        return a[tuple(0 if d in axes else next(it) for d in range(ndim))]
    if not shape:
        return api.compute((1,), lambda _: a[tuple(0 for _ in range(ndim))], name="T_squeeze",
                           tag="injective")
    return api.compute(shape, body, name="T_squeeze", tag="injective")


def expand_dims(a, axis, num_newaxis=1):
    """``a`` with ``num_newaxis`` axes of extent 1 inserted at ``axis``."""
    ndim = len(a.shape)
    if not -ndim - 1 <= axis <= ndim:
        raise ExprError(f"expand_dims: axis {axis} is out of range for a tensor of {ndim} "
                        "dimensions")
    axis = axis + ndim + 1 if axis < 0 else axis
    shape = tuple(a.shape[:axis]) + (1,) * num_newaxis + tuple(a.shape[axis:])
    return api.compute(shape, lambda *i: a[tuple(i[:axis]) + tuple(i[axis + num_newaxis:])],
                       name="T_expand_dims", tag="injective")


def where(condition, x, y):
    """``x`` where ``condition`` is nonzero, else ``y`` (numpy broadcasting; ``x`` and
    ``y`` may be scalars)."""
    operands = [condition, x, y]
    shape = ()
    for t in operands:
        if isinstance(t, Tensor):
            shape = broadcast_shape(shape, t.shape, "where")

    def value(t, i):
        return t[broadcast_indices(t, shape, i)] if isinstance(t, Tensor) else to_expr(t)

    def body(*i):
        cond = value(condition, i)
        return api.select(cond != cast(0, cond.dtype), value(x, i), value(y, i))
    if not shape:
        raise ExprError("where: at least one operand must be a tensor")
    return api.compute(shape, body, name="T_where", tag="injective")


def clip(x, a_min, a_max):
    """Every element of ``x`` limited to ``[a_min, a_max]``."""
    lo, hi = cast(to_expr(a_min), x.dtype), cast(to_expr(a_max), x.dtype)
    return api.compute(x.shape, lambda *i: api.min(api.max(x[i], lo), hi), name="T_clip",
                       tag="elemwise")


def strided_slice(a, begin, end, strides=None, axes=None, slice_mode="end"):
    """``a[begin:end:strides]`` per axis, as numpy slicing (negative entries count from
    the end; ``slice_mode="size"`` reads ``end`` as sizes, -1 meaning to the end).
    ``axes`` names the axes ``begin``/``end``/``strides`` refer to (default: the first
    ones). Constant shapes only."""
    ndim = len(a.shape)
    sizes = [get_const_int(d) for d in a.shape]
    if any(d is None for d in sizes):
        raise ExprError("strided_slice: needs a tensor of constant shape")
    axes = list(range(len(begin))) if axes is None else [int(x) % ndim for x in axes]
    strides = [1] * len(axes) if strides is None else list(strides)
    if slice_mode not in ("end", "size"):
        raise ExprError(f"strided_slice: slice_mode must be 'end' or 'size', got {slice_mode!r}")
    start = [0] * ndim
    step = [1] * ndim
    extent = list(sizes)
    for k, d in enumerate(axes):
        s = int(strides[k]) if k < len(strides) else 1
        if s == 0:
            raise ExprError(f"strided_slice: stride of axis {d} is 0")
        if slice_mode == "size":
            b = int(begin[k])
            b = b + sizes[d] if b < 0 else b
            size = int(end[k])
            e = sizes[d] if size < 0 else b + size
            s = 1
        else:
            b = int(begin[k])
            e = int(end[k]) if k < len(end) and end[k] is not None else (
                sizes[d] if s > 0 else -sizes[d] - 1)
        b, e, s = slice(b, e, s).indices(sizes[d])
        start[d], step[d] = b, s
        extent[d] = len(range(b, e, s))

    def body(*i):
        return a[tuple(i[d] * step[d] + start[d] if (step[d], start[d]) != (1, 0) else i[d]
                       for d in range(ndim))]
    return api.compute(tuple(extent), body, name="T_strided_slice", tag="injective")
