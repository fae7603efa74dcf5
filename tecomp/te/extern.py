"""``te.extern``: a stage computed by opaque code, TVM's ExternOp.

``extern(shape, inputs, fcompute)`` calls ``fcompute(ins, outs)`` with one
:class:`ExternBuffer` per input and per output; it returns the statement (or
the expression, typically ``tvm.tir.call_packed(name, ins[0], outs[0], ...)``)
that fills the outputs::

    C = te.extern((n, m), [A, B], lambda ins, outs: tvm.tir.call_packed(
            "tvm.contrib.cblas.matmul", ins[0], ins[1], outs[0], False, False), name="C")

The stage has no loops: it runs once, at the root, on whole compact row-major
arrays (its inputs are function arguments or stages computed at the root).
An array passed to a call is the intrinsic ``array_arg(T[0, ..., 0], *shape)``:
storage flattening turns the read into the buffer's first element, and the
backend passes that element's address and the shape.
"""

from ..errors import ExprError
from ..ir import dtype as dt
from ..ir import expr as E
from ..ir import stmt as S
from ..ir.op import to_expr
from .tensor import Operation, Tensor

#: the intrinsic that marks an array argument of an external call
ARRAY_ARG = "array_arg"


class ExternBuffer:
    """What ``fcompute`` receives for a tensor (TVM's ``ins[i]``/``outs[i]``
    buffers): ``shape``, ``dtype``, ``name``, ``ndim``; pass it whole to
    ``call_packed``."""

    __slots__ = ("tensor", "shape", "dtype", "name")

    def __init__(self, tensor, shape, dtype, name):
        self.tensor, self.shape, self.dtype, self.name = tensor, tuple(shape), dtype, name

    @property
    def ndim(self):
        return len(self.shape)

    def as_arg(self):
        """The array as an argument of an external call (see the module docstring)."""
        zeros = tuple(E.const_index(0) for _ in self.shape)
        first = E.TensorRead(self.tensor, zeros)
        return E.Call("handle", ARRAY_ARG, (first,) + tuple(E.const_index(d) for d in self.shape))

    def __repr__(self):
        return f"ExternBuffer({self.name}, shape={list(self.shape)}, dtype={self.dtype})"


class ExternOp(Operation):
    """Outputs filled by ``body`` (a statement over the :class:`ExternBuffer`\\ s)."""

    def __init__(self, name, inputs, shapes, dtypes, tag="", attrs=None):
        self.name = name
        self.tag = tag
        self.attrs = dict(attrs or {})
        self.inputs = tuple(inputs)
        self.axis = ()
        self.reduce_axis = ()
        self.outputs = tuple(Tensor(self, i, shape, d) for i, (shape, d) in
                             enumerate(zip(shapes, dtypes)))
        self.num_outputs = len(self.outputs)
        self.input_placeholders = tuple(ExternBuffer(t, t.shape, t.dtype, f"{t.name}_buf")
                                        for t in self.inputs)
        self.output_placeholders = tuple(ExternBuffer(t, t.shape, t.dtype, f"{t.name}_buf")
                                         for t in self.outputs)
        self.body = S.no_op()

    @property
    def input_tensors(self):
        return self.inputs

    @property
    def shape(self):
        return self.outputs[0].shape


def extern(shape, inputs, fcompute, name="extern", dtype=None, in_buffers=None,
           out_buffers=None, tag="", attrs=None):
    """Tensors computed by external code (TVM's ``te.extern``).

    ``shape`` is one shape or a list of shapes (one per output); ``dtype`` one
    dtype or a list (default: the first input's, else float32). ``fcompute(ins,
    outs)`` gets an :class:`ExternBuffer` per input and output and returns the
    statement or expression (e.g. ``tvm.tir.call_packed(...)``) that fills the
    outputs. ``in_buffers``/``out_buffers`` (TVM's explicit buffers) are
    refused: every array is compact and row-major. Returns a tensor, or a list."""
    if in_buffers is not None or out_buffers is not None:
        raise ExprError(f"extern({name}): in_buffers/out_buffers (explicit buffers) are not "
                        "supported; every array is passed compact and row-major")
    inputs = list(inputs)
    for t in inputs:
        if not isinstance(t, Tensor):
            raise ExprError(f"extern({name}): inputs must be tensors, got {t!r}")
    shapes = [shape] if not shape or not isinstance(shape[0], (list, tuple)) else list(shape)
    shapes = [tuple(E.const_index(d) for d in s) for s in shapes]
    if dtype is None:
        dtype = inputs[0].dtype if inputs else "float32"
    dtypes = list(dtype) if isinstance(dtype, (list, tuple)) else [dtype] * len(shapes)
    if len(dtypes) != len(shapes):
        raise ExprError(f"extern({name}): {len(shapes)} output shapes but {len(dtypes)} dtypes")
    op = ExternOp(name, inputs, shapes, [dt.canonical(d) for d in dtypes], tag, attrs)
    body = fcompute(list(op.input_placeholders), list(op.output_placeholders))
    if isinstance(body, E.PrimExpr):
        body = S.Evaluate(body)
    if not isinstance(body, S.Stmt):
        raise ExprError(f"extern({name}): fcompute must return a statement or an expression "
                        f"(e.g. tvm.tir.call_packed(...)), got {body!r}")
    op.body = body
    return op.outputs[0] if op.num_outputs == 1 else list(op.outputs)


def call_packed(*args):
    """``tvm.tir.call_packed(name, *args)``: call the function registered under
    ``name`` (``tvm.register_func``) with arrays (``ins[i]``/``outs[i]``, passed
    as numpy-viewable NDArrays) and numbers. Runs on the CPU (target ``llvm``)."""
    if not args or not isinstance(args[0], str):
        raise ExprError("call_packed: the first argument must be the function's registered "
                        f"name (a string), got {args[:1]!r}")
    converted = []
    for position, a in enumerate(args[1:], 1):
        if isinstance(a, ExternBuffer):
            converted.append(a.as_arg())
        elif isinstance(a, Tensor):
            raise ExprError(f"call_packed({args[0]}): argument {position} is tensor "
                            f"'{a.name}'; pass the buffers te.extern gives fcompute "
                            "(ins[i], outs[i])")
        else:
            value = to_expr(a)
            if dt.lanes_of(value.dtype) != 1 or value.dtype == "handle":
                raise ExprError(f"call_packed({args[0]}): argument {position} `{a}` is not an "
                                "array or a scalar number")
            converted.append(value)
    return E.Call("int32", "call_packed", (E.StringImm(args[0]),) + tuple(converted))
