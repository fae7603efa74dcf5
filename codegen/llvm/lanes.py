"""Lane extraction: the scalar expression computing lane ``i`` of a vector expression.

Used where a vector must be evaluated lane by lane (a lazy vector ``if_then_else``
whose arms load). ``Ramp(b, s, n)`` becomes ``b + s*i``, ``Broadcast(v, n)`` becomes
``v``, vector loads become scalar loads at the lane's index, and a vector variable
bound in the code generator becomes a fresh scalar variable bound to its lane.
"""

import llvmlite.ir as ir

from tecomp.ir import (Add, Call, Cast, FloatImm, IntImm, IRMutator, Let, Load, Mul,
                       Var)
from tecomp.ir import dtype as dt

from . import types as T


class _LaneOf(IRMutator):
    def __init__(self, codegen, lane):
        self.codegen = codegen
        self.lane = lane
        self.renamed = {}

    def visit(self, node):
        if dt.lanes_of(node.dtype) == 1:
            return node
        return super().visit(node)

    def _index(self, dtype):
        return IntImm(dtype, self.lane) if not dt.is_float(dtype) else FloatImm(dtype, self.lane)

    def visit_Ramp(self, op):
        return Add(op.base, Mul(op.stride, self._index(op.stride.dtype)))

    def visit_Broadcast(self, op):
        return op.value

    def visit_Var(self, op):
        scalar = self.renamed.get(op)
        if scalar is None:
            scalar = Var(f"{op.name}.{self.lane}", dt.element_of(op.dtype))
            vector = self.codegen.visit(op)
            self.codegen.frame.env[scalar] = self.codegen.builder.extract_element(
                vector, ir.Constant(T.I32, self.lane))
            self.renamed[op] = scalar
        return scalar

    def visit_Let(self, op):
        scalar = Var(f"{op.var.name}.{self.lane}", dt.element_of(op.var.dtype))
        value = self.visit(op.value)
        self.renamed[op.var] = scalar
        return Let(scalar, value, self.visit(op.body))

    def visit_Load(self, op):
        pred = None if op.predicate is None else self.visit(op.predicate)
        return Load(dt.element_of(op.dtype), op.buffer, self.visit(op.index), pred)

    def visit_Cast(self, op):
        return Cast(dt.element_of(op.dtype), self.visit(op.value))

    def visit_Call(self, op):
        return Call(dt.element_of(op.dtype), op.op, tuple(self.visit(a) for a in op.args))


def lane_of(codegen, expr, lane):
    """The scalar expression for lane ``lane`` of ``expr`` (scalars are unchanged)."""
    return _LaneOf(codegen, lane).visit(expr)
