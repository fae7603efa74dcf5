"""Helpers shared by the operators: constant shapes, axis lists, broadcast shapes."""

from ..errors import ExprError
from ..ir import expr as E
from ..ir.functor import structural_equal
from ..ir.op import to_expr
from ..te.tensor import Tensor


def get_const_int(value):
    """``value`` as a Python int if it is a constant (int or IntImm), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, E.IntImm):
        return value.value
    return None


def get_const_tuple(shape):
    """A shape as a tuple of ints; symbolic entries stay expressions."""
    return tuple(get_const_int(d) if get_const_int(d) is not None else d for d in shape)


def const_shape(shape):
    """The shape as ints, or None when any extent is symbolic."""
    out = tuple(get_const_int(d) for d in shape)
    return None if any(d is None for d in out) else out


def as_list(outs):
    """A tensor or a list of tensors, as a list."""
    return [outs] if isinstance(outs, Tensor) else list(outs)


def normalize_axis(axis, ndim, what):
    """``axis`` (None, an int or a sequence, negatives from the end) as a sorted tuple."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, int) or not -ndim <= a < ndim:
            raise ExprError(f"{what}: axis {a!r} is out of range for a tensor of {ndim} "
                            f"dimensions")
        a = a + ndim if a < 0 else a
        if a in out:
            raise ExprError(f"{what}: axis {a} is given twice")
        out.append(a)
    return tuple(sorted(out))


def same_extent(a, b):
    """Whether two extents are provably equal (both constants and equal, or one expression)."""
    ca, cb = get_const_int(a), get_const_int(b)
    if ca is not None and cb is not None:
        return ca == cb
    a, b = to_expr(a), to_expr(b)
    return a is b or structural_equal(a, b)


def is_one(extent):
    return get_const_int(extent) == 1


def broadcast_shape(shape_a, shape_b, what):
    """The numpy broadcast of two shapes (constants or symbolic extents)."""
    ndim = max(len(shape_a), len(shape_b))
    a = (1,) * (ndim - len(shape_a)) + tuple(shape_a)
    b = (1,) * (ndim - len(shape_b)) + tuple(shape_b)
    out = []
    for position, (x, y) in enumerate(zip(a, b)):
        if is_one(x):
            out.append(y)
        elif is_one(y) or same_extent(x, y):
            out.append(x)
        else:
            raise ExprError(f"{what}: shapes {list(shape_a)} and {list(shape_b)} do not "
                            f"broadcast (dimension {position}: {x} vs {y})")
    return tuple(out)


def broadcast_indices(tensor, out_shape, indices):
    """Indices into ``tensor`` for the output point ``indices`` of ``out_shape``:
    leading dimensions dropped, size-1 dimensions read at 0."""
    skip = len(out_shape) - len(tensor.shape)
    picked = []
    for extent, out_extent, index in zip(tensor.shape, out_shape[skip:], indices[skip:]):
        picked.append(0 if is_one(extent) and not is_one(out_extent) else index)
    return tuple(picked)


def fold(fn, *extents):
    """``fn(*extents)`` on Python ints when every extent is constant (so output shapes
    stay constant), else on the expressions."""
    ints = [get_const_int(e) for e in extents]
    if all(i is not None for i in ints):
        return fn(*ints)
    return fn(*extents)
