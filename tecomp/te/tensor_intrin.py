"""Tensor intrinsics (TVM's ``te.decl_tensor_intrin``): a small computation, declared
with ``te.compute``, paired with the statements that perform it (a call into a C
micro-kernel, an LLVM intrinsic). ``s[C].tensorize(axis, intrin)`` replaces the
loops from ``axis`` inward by those statements, after checking that they compute
what the stage computes (:mod:`tecomp.schedule.tensorize`)::

    a, b = te.placeholder((l,), name="a"), te.placeholder((m, l), name="b")
    k = te.reduce_axis((0, l), name="k")
    c = te.compute((m,), lambda i: te.sum(a[k] * b[i, k], axis=k), name="c")
    Bb = tvm.tir.decl_buffer(b.shape, b.dtype, name="B", offset_factor=1,
                             strides=[te.var("s1"), 1])
    def body(ins, outs):          # declared buffers of the inputs and outputs
        return tvm.tir.call_extern("int32", "gemv_update", outs[0].access_ptr("w"),
                                   ins[0].access_ptr("r"), ins[1].access_ptr("r"),
                                   m, l, ins[1].strides[0])
    gemv = te.decl_tensor_intrin(c.op, body, binds={b: Bb})

``fcompute(ins, outs)`` returns one statement (or expression), or a tuple
``(body, reduce_init, reduce_update)``: ``body`` computes the whole reduction,
``reduce_init`` sets the outputs to the reduction's start, ``reduce_update``
accumulates one slice of it; they are used when the stage's reduction is split
outside the tensorized loops.
"""

import contextlib

from ..errors import ExprError
from ..ir import expr as E
from ..ir import stmt as S
from ..ir.decl_buffer import DeclBuffer, decl_buffer
from .tensor import ComputeOp, PlaceholderOp, Tensor

_CONFIG = {"offset_factor": 0}
#: what ``build_config`` may set (TVM 0.6); anything else would be ignored, so refused
_CONFIG_KEYS = {"offset_factor"}


@contextlib.contextmanager
def build_config(**options):
    """TVM 0.6's ``with tvm.build_config(offset_factor=1):``: the default offset
    factor of the buffers :func:`decl_tensor_intrin` declares for operands without
    ``binds``. Other options are refused (they would be silently ignored)."""
    unknown = set(options) - _CONFIG_KEYS
    if unknown:
        raise ExprError(f"build_config: option(s) {', '.join(sorted(unknown))} are not "
                        f"supported; supported: {', '.join(sorted(_CONFIG_KEYS))}")
    saved = dict(_CONFIG)
    _CONFIG.update(options)
    try:
        yield
    finally:
        _CONFIG.clear()
        _CONFIG.update(saved)


class TensorIntrin:
    """A declared tensor intrinsic: its compute ``op``, its operand tensors
    (``inputs``), the declared buffers of the inputs then the outputs
    (``buffers``), and the statements ``body``, ``reduce_init``, ``reduce_update``
    (any may be None)."""

    def __init__(self, name, op, inputs, buffers, body, reduce_init, reduce_update):
        self.name = name
        self.op = op
        self.inputs = inputs
        self.buffers = buffers
        self.body = body
        self.reduce_init = reduce_init
        self.reduce_update = reduce_update

    def __repr__(self):
        return f"TensorIntrin({self.name}, op={self.op.name})"


def decl_tensor_intrin(op, fcompute, name="tensor_intrin", binds=None, scalar_params=None):
    """Declare a tensor intrinsic for the compute operation ``op`` (see the module
    docstring). ``binds`` maps operand tensors to buffers made with
    ``tvm.tir.decl_buffer``; the others get compact buffers (with the
    ``build_config`` offset factor)."""
    if isinstance(op, Tensor):
        op = op.op
    if not isinstance(op, ComputeOp):
        raise ExprError(f"decl_tensor_intrin({name}): op must be a te.compute operation "
                        f"(c.op), got {op!r}")
    if scalar_params:
        raise ExprError(f"decl_tensor_intrin({name}): scalar_params are not supported")
    binds = dict(binds or {})
    inputs = tuple(op.input_tensors)
    for t in inputs:
        if not isinstance(t.op, PlaceholderOp):
            raise ExprError(f"decl_tensor_intrin({name}): input '{t.name}' of '{op.name}' must "
                            "be a te.placeholder (the intrinsic's operands)")
    for t, buf in binds.items():
        if not isinstance(buf, DeclBuffer):
            raise ExprError(f"decl_tensor_intrin({name}): binds[{t.name}] must be a buffer from "
                            f"tvm.tir.decl_buffer, got {buf!r}")
        if t not in inputs and t not in op.outputs:
            raise ExprError(f"decl_tensor_intrin({name}): binds names tensor '{t.name}', which "
                            f"is neither an input nor an output of '{op.name}'")
        if buf.dtype != t.dtype or len(buf.shape) != len(t.shape):
            raise ExprError(f"decl_tensor_intrin({name}): buffer '{buf.name}' "
                            f"({buf.dtype}, {len(buf.shape)}-d) does not match tensor "
                            f"'{t.name}' ({t.dtype}, {len(t.shape)}-d)")
    buffers = tuple(binds.get(t) or decl_buffer(t.shape, t.dtype, t.op.name,
                                                  offset_factor=_CONFIG["offset_factor"])
                    for t in inputs + tuple(op.outputs))
    stmts = fcompute(list(buffers[:len(inputs)]), list(buffers[len(inputs):]))
    stmts = stmts if isinstance(stmts, tuple) else (stmts,)
    if len(stmts) > 3:
        raise ExprError(f"decl_tensor_intrin({name}): fcompute returned {len(stmts)} values; "
                        "expected a statement or (body, reduce_init, reduce_update)")
    stmts = [_as_stmt(s, name) for s in stmts] + [None] * (3 - len(stmts))
    if all(s is None for s in stmts):
        raise ExprError(f"decl_tensor_intrin({name}): fcompute returned no statement")
    return TensorIntrin(name, op, inputs, buffers, *stmts)


def _as_stmt(value, name):
    if value is None or isinstance(value, S.Stmt):
        return value
    if isinstance(value, E.PrimExpr):
        return S.Evaluate(value)
    raise ExprError(f"decl_tensor_intrin({name}): fcompute must return statements (an "
                    f"ir_builder's get(), or a call expression), got {value!r}")


__all__ = ["TensorIntrin", "decl_tensor_intrin", "build_config", "decl_buffer"]
