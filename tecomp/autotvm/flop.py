"""Counting the arithmetic of a tensor program, for GFLOP/s figures.

Each arithmetic node of a compute body counts once per output element
(``sum(A[i, k] * B[k, j], axis=k)`` is ``2 * K`` per element: a multiply and
an add per step), as AutoTVM counts. Index arithmetic inside tensor reads is
not counted; placeholders cost nothing.
"""

from ..ir import IRVisitor
from ..te import ComputeOp
from ..te.tensor import post_order

_ARITHMETIC = ("Add", "Sub", "Mul", "Div", "Mod", "FloorDiv", "FloorMod", "Min", "Max",
               "EQ", "NE", "LT", "LE", "GT", "GE", "And", "Or", "Not", "Select", "Call")


class _FlopCounter(IRVisitor):
    def __init__(self):
        self.count = 0

    def _arith(self, node):
        self.count += 1
        self.generic_visit(node)

    def visit_TensorRead(self, node):
        pass   # indices are addressing, not arithmetic

    def visit_Reduce(self, node):
        outer, self.count = self.count, 0
        for value in node.source:
            self.visit(value)
        self.count += len(node.combiner.result)   # one combine per step and value
        steps = 1
        for iv in node.axis:
            steps *= _const(iv.dom.extent)
        self.count = outer + self.count * steps


for _name in _ARITHMETIC:
    setattr(_FlopCounter, f"visit_{_name}", _FlopCounter._arith)


def _const(extent):
    value = getattr(extent, "value", None)
    return value if isinstance(value, int) else 0


def count_flop(outputs):
    """Floating-point (and integer) operations to compute ``outputs`` (tensors or
    operations) from placeholders; 0 where a size is symbolic."""
    ops = [getattr(t, "op", t) for t in (outputs if isinstance(outputs, (list, tuple)) else [outputs])]
    total = 0
    for op in post_order(ops):
        if not isinstance(op, ComputeOp):
            continue
        counter = _FlopCounter()
        counter.visit(op.body[0])    # a multi-output body shares one reduction
        elements = 1
        for iv in op.axis:
            elements *= _const(iv.dom.extent)
        total += counter.count * elements
    return total
