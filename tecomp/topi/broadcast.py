"""Elementwise and broadcast operators (numpy broadcasting rules), plus the
injective shape operators ``broadcast_to``, ``transpose`` and ``reshape``.

Each returns a new tensor whose stage is tagged ``"elemwise"``, ``"broadcast"``
or ``"injective"``; :func:`tecomp.topi.generic.schedule_injective` inlines such
stages into their consumers and schedules the outputs.
"""

from ..te import api
from ..errors import ExprError
from ..ir import expr as E
from ..ir.op import to_expr
from ..te.tensor import Tensor
from .util import broadcast_indices, broadcast_shape, get_const_int, same_extent


def _binary(name, combine):
    def op(lhs, rhs):
        if not isinstance(lhs, Tensor) and not isinstance(rhs, Tensor):
            return combine(to_expr(lhs), to_expr(rhs))   # two scalars: an expression, as in TVM
        if not isinstance(rhs, Tensor):
            return api.compute(lhs.shape, lambda *i: combine(lhs[i], rhs), name=f"T_{name}",
                               tag="elemwise")
        if not isinstance(lhs, Tensor):
            return api.compute(rhs.shape, lambda *i: combine(lhs, rhs[i]), name=f"T_{name}",
                               tag="elemwise")
        shape = broadcast_shape(lhs.shape, rhs.shape, name)
        tag = "elemwise" if len(lhs.shape) == len(rhs.shape) and all(
            same_extent(a, b) for a, b in zip(lhs.shape, rhs.shape)) else "broadcast"
        return api.compute(shape, lambda *i: combine(lhs[broadcast_indices(lhs, shape, i)],
                                                     rhs[broadcast_indices(rhs, shape, i)]),
                           name=f"T_{name}", tag=tag)
    op.__name__ = name
    op.__doc__ = (f"``{name}(lhs, rhs)``: elementwise {name} with numpy broadcasting; either "
                  "side may be a scalar (a Python number or an expression).")
    return op


def _div(a, b):
    return a / b


add = _binary("add", lambda a, b: a + b)
subtract = _binary("subtract", lambda a, b: a - b)
multiply = _binary("multiply", lambda a, b: a * b)
divide = _binary("divide", _div)
maximum = _binary("maximum", lambda a, b: api.max(a, b))
minimum = _binary("minimum", lambda a, b: api.min(a, b))
power = _binary("power", api.pow)


def _unary(name, fn):
    def op(x):
        if not isinstance(x, Tensor):
            return fn(to_expr(x))
        return api.compute(x.shape, lambda *i: fn(x[i]), name=f"T_{name}", tag="elemwise")
    op.__name__ = name
    op.__doc__ = f"``{name}(x)`` of every element of tensor ``x``."
    return op


exp = _unary("exp", api.exp)
log = _unary("log", api.log)
sqrt = _unary("sqrt", api.sqrt)
tanh = _unary("tanh", api.tanh)
sigmoid = _unary("sigmoid", api.sigmoid)
abs = _unary("abs", api.abs)  # noqa: A001
negative = _unary("negative", lambda v: -v)


def cast(x, dtype):
    """Every element of ``x`` converted to ``dtype``."""
    return api.compute(x.shape, lambda *i: x[i].astype(dtype), name="T_cast", tag="elemwise")


def elemwise_sum(xs):
    """The elementwise sum of the tensors ``xs`` (one shape and dtype), as TVM's
    ``topi.elemwise_sum``; a one-element list gives a copy."""
    xs = list(xs)
    if not xs or not all(isinstance(x, Tensor) for x in xs):
        raise ExprError("elemwise_sum: needs a non-empty list of tensors")
    first = xs[0]
    for x in xs[1:]:
        if x.dtype != first.dtype or len(x.shape) != len(first.shape) or not all(
                same_extent(a, b) for a, b in zip(x.shape, first.shape)):
            raise ExprError(f"elemwise_sum: tensor {x.name!r} ({x.dtype}{list(x.shape)}) does "
                            f"not match {first.name!r} ({first.dtype}{list(first.shape)}); "
                            "every tensor needs the same shape and dtype")

    def body(*i):
        total = first[i]
        for x in xs[1:]:
            total = total + x[i]
        return total
    return api.compute(first.shape, body, name="T_elemwise_sum", tag="elemwise")


def broadcast_to(data, shape):
    """``data`` broadcast to ``shape`` (numpy rules: size-1 or missing leading dims)."""
    shape = tuple(shape)
    out = broadcast_shape(data.shape, shape, "broadcast_to")
    if len(out) != len(shape) or not all(same_extent(a, b) for a, b in zip(out, shape)):
        raise ExprError(f"broadcast_to: cannot broadcast shape {list(data.shape)} to "
                        f"{list(shape)}")
    return api.compute(shape, lambda *i: data[broadcast_indices(data, shape, i)],
                       name="T_broadcast_to", tag="broadcast")


def transpose(a, axes=None):
    """``a`` with its axes permuted (reversed when ``axes`` is None), as ``numpy.transpose``."""
    ndim = len(a.shape)
    axes = tuple(reversed(range(ndim))) if axes is None else tuple(
        x + ndim if x < 0 else x for x in axes)
    if sorted(axes) != list(range(ndim)):
        raise ExprError(f"transpose: axes {list(axes)} are not a permutation of "
                        f"{list(range(ndim))}")
    shape = tuple(a.shape[x] for x in axes)

    def read(*i):
        index = [None] * ndim
        for out_pos, src in enumerate(axes):
            index[src] = i[out_pos]
        return a[tuple(index)]
    return api.compute(shape, read, name="T_transpose", tag="injective")


def reshape(a, newshape):
    """``a`` with a new shape of the same size (constant shapes; one entry may be -1).

    As TVM's ``topi.reshape``, a shape with fewer elements reads the leading
    elements in row-major order; one with more is refused."""
    sizes = [get_const_int(d) for d in a.shape]
    if any(d is None for d in sizes):
        raise ExprError("reshape: needs a tensor of constant shape")
    total = 1
    for d in sizes:
        total *= d
    newshape = [int(d) for d in newshape]
    inferred = -1 in newshape
    if newshape.count(-1) == 1:
        known = 1
        for d in newshape:
            known *= d if d != -1 else 1
        newshape[newshape.index(-1)] = total // known if known else 0
    size = 1
    for d in newshape:
        size *= d
    if size > total or (size != total and inferred):
        raise ExprError(f"reshape: cannot reshape {sizes} ({total} elements) to {newshape}")

    def read(*i):
        flat = E.const_index(0)
        for index, extent in zip(i, newshape):
            flat = flat * extent + index
        index = []
        for extent in reversed(sizes):
            index.append(flat % extent)
            flat = flat // extent
        return a[tuple(reversed(index))]
    return api.compute(tuple(newshape), read, name="T_reshape", tag="injective")


def flatten(data):
    """``data`` as a 2-D tensor ``(batch, rest)`` (TVM's ``topi.nn.flatten``)."""
    sizes = [get_const_int(d) for d in data.shape]
    rest = 1
    for d in sizes[1:]:
        rest *= d
    return reshape(data, (sizes[0], rest))
