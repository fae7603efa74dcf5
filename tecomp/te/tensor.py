"""Tensors and the operations that produce them.

A :class:`Tensor` is one output of an :class:`Operation`. A placeholder is an
input; a compute operation defines each element by an expression over its
axes. ``A[i, j]`` inside a compute lambda builds a ``TensorRead`` node.
"""

import contextlib
import contextvars

from ..errors import ExprError
from ..ir import IterVar, Range, Var
from ..ir import dtype as dt
from ..ir import expr as E
from ..ir.functor import IRVisitor
from ..ir.op import to_expr


#: How many ``compute`` lambdas are being called right now (in this context).
_BODY_DEPTH = contextvars.ContextVar("tecomp_compute_body_depth", default=0)


@contextlib.contextmanager
def building_body():
    """Marks the call of a compute lambda: inside it a whole tensor is not a value."""
    token = _BODY_DEPTH.set(_BODY_DEPTH.get() + 1)
    try:
        yield
    finally:
        _BODY_DEPTH.reset(token)


def in_compute_body():
    """Whether a compute lambda is being called (see :func:`building_body`)."""
    return _BODY_DEPTH.get() > 0


class Tensor:
    """An n-dimensional value produced by ``op`` (output number ``value_index``)."""

    __slots__ = ("op", "value_index", "shape", "dtype")

    def __init__(self, op, value_index, shape, dtype):
        self.op = op
        self.value_index = value_index
        self.shape = tuple(shape)
        self.dtype = dtype

    @property
    def name(self):
        op_name = self.op.name
        return op_name if self.op.num_outputs == 1 else f"{op_name}.v{self.value_index}"

    @property
    def ndim(self):
        return len(self.shape)

    def __getitem__(self, indices):
        if not isinstance(indices, tuple):
            indices = (indices,)
        if len(indices) != len(self.shape):
            raise ExprError(f"tensor '{self.name}' has {len(self.shape)} dimensions "
                            f"{list(self.shape)} but was indexed with {len(indices)} indices")
        converted = []
        for position, index in enumerate(indices):
            if isinstance(index, slice):
                raise ExprError(f"tensor '{self.name}': slices are not supported in "
                                f"expressions; index dimension {position} with an expression")
            index = to_expr(index)
            if not dt.is_integer(index.dtype) or dt.lanes_of(index.dtype) != 1:
                raise ExprError(f"tensor '{self.name}': index {position} `{index}` has dtype "
                                f"{index.dtype}; indices must be scalar integers")
            converted.append(E.const_index(index))
        return E.TensorRead(self, tuple(converted))

    def __call__(self, *indices):
        """``A(i, j)`` is ``A[i, j]`` (classic TVM's spelling, ``lambda *i: A(*i)``)."""
        return self[indices]

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    def __repr__(self):
        return f"Tensor(name={self.name}, shape={list(self.shape)}, dtype={self.dtype})"

    # A tensor is not a number: forgetting the indices is a common slip.
    def _no_arithmetic(self, *_):
        raise ExprError(f"tensor '{self.name}' used as a value; index it, e.g. {self.name}[i]")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _no_arithmetic
    __truediv__ = __rtruediv__ = _no_arithmetic


class Operation:
    """Base of operations. ``name`` names the stage and its output tensor."""

    num_outputs = 1

    def output(self, index):
        return self.outputs[index]

    @property
    def input_tensors(self):
        return ()

    def __repr__(self):
        return f"{type(self).__name__}({self.name})"


class PlaceholderOp(Operation):
    def __init__(self, name, shape, dtype):
        self.name = name
        self.shape = tuple(shape)
        self.dtype = dtype
        self.outputs = (Tensor(self, 0, self.shape, dtype),)
        self.axis = ()
        self.reduce_axis = ()


class _TensorReads(IRVisitor):
    """The tensors read by the expressions visited, first-read order."""

    def __init__(self):
        self.found = []

    def visit_TensorRead(self, read):
        if read.tensor not in self.found:
            self.found.append(read.tensor)
        self.generic_visit(read)


class ComputeOp(Operation):
    """``output[axis] = body`` for every point of ``axis``' domain.

    ``body`` holds one expression per output; a reduction must be the top node
    of the body (``te.sum(..., axis=k)``)."""

    def __init__(self, name, axis, body, tag="", attrs=None):
        self.name = name
        self.axis = tuple(axis)
        self.body = tuple(body)
        self.tag = tag
        self.attrs = dict(attrs or {})
        self.reduce_axis = self.body[0].axis if isinstance(self.body[0], E.Reduce) else ()
        shape = tuple(iv.dom.extent for iv in self.axis)
        self.outputs = tuple(Tensor(self, i, shape, b.dtype) for i, b in enumerate(self.body))
        self.num_outputs = len(self.outputs)
        self._inputs = None

    @property
    def input_tensors(self):
        if self._inputs is None:
            reads = _TensorReads()
            for b in self.body:
                reads.visit(b)
            self._inputs = tuple(reads.found)
        return self._inputs

    @property
    def shape(self):
        return self.outputs[0].shape


def post_order(ops):
    """Every operation ``ops`` depend on, each once, producers before consumers."""
    order, seen = [], set()

    def visit(op):
        if op in seen:
            return
        seen.add(op)
        for t in op.input_tensors:
            visit(t.op)
        order.append(op)

    for op in ops:
        visit(op)
    return order


def make_axis(shape, names):
    axes = []
    for position, extent in enumerate(shape):
        name = names[position] if position < len(names) else f"ax{position}"
        axes.append(IterVar(Range(E.const_index(0), extent), Var(name)))
    return axes
