"""Storage flattening: tensors to one-dimensional buffers.

``Realize`` becomes ``Allocate`` of the region's element count; ``Provide`` and
``TensorRead`` become ``Store`` and ``Load`` at the row-major offset of the index
relative to the region's minimum. Function arguments use their declared shape.
An allocation whose size depends on enclosing loop variables gets the size's
upper bound over those loops.
"""

from ..arith import Interval, eval_interval
from ..arith import Analyzer
from ..errors import LoweringError
from ..ir import Buffer
from ..ir import expr as E
from ..ir import stmt as S
from ..ir.functor import IRMutator, free_vars
from ..ir.op import add, mul, sub


def storage_flatten(func, tensor_buffers, storage_align=None):
    """Flatten ``func`` (a PrimFunc over tensors). ``tensor_buffers`` maps each
    argument tensor to its parameter :class:`Buffer`; ``storage_align`` maps a
    tensor to ``{dim: (factor, offset)}`` stride padding."""
    flattener = _Flattener(tensor_buffers, storage_align or {})
    return func.with_body(flattener.visit(func.body))


class _Entry:
    def __init__(self, buffer, mins, strides):
        self.buffer = buffer
        self.mins = mins
        self.strides = strides


class _Flattener(IRMutator):
    def __init__(self, tensor_buffers, storage_align):
        self.entries = {}
        self.loop_ranges = {}
        self.storage_align = storage_align
        self.analyzer = Analyzer()
        for tensor, buffer in tensor_buffers.items():
            zero = E.const_index(0)
            self.entries[tensor] = _Entry(buffer, [zero] * len(buffer.shape), buffer.strides())

    def visit_For(self, loop):
        # A thread axis may bind nested loops of several stages: restore, not delete.
        outer = self.loop_ranges.get(loop.loop_var)
        self.loop_ranges[loop.loop_var] = Interval(loop.min, loop.min + loop.extent - 1)
        try:
            return self.generic_visit(loop)
        finally:
            if outer is None:
                del self.loop_ranges[loop.loop_var]
            else:
                self.loop_ranges[loop.loop_var] = outer

    def visit_Realize(self, realize):
        tensor = realize.tensor
        extents = [self._upper_bound(tensor, r.extent) for r in realize.bounds]
        align = self.storage_align.get(tensor, {})
        strides, running = [], E.const_index(1)
        for dim in range(len(extents) - 1, -1, -1):
            if dim in align and dim < len(extents) - 1:
                factor, offset = align[dim]
                running = self.analyzer.simplify(
                    ((running + factor - 1 - offset) // factor) * factor + offset)
            strides.append(running)
            running = self.analyzer.simplify(mul(running, extents[dim]))
        strides.reverse()
        size = running
        buffer = Buffer(tensor.name, tensor.dtype, (size,), realize.scope or "global")
        self.entries[tensor] = _Entry(buffer, [r.min for r in realize.bounds], strides)
        body = self.visit(realize.body)
        del self.entries[tensor]
        return S.Allocate(buffer, size, body)

    def _upper_bound(self, tensor, extent):
        extent = self.analyzer.simplify(extent)
        loop_vars = free_vars(extent) & set(self.loop_ranges)
        if not loop_vars:
            return extent
        bound = eval_interval(extent, {v: self.loop_ranges[v] for v in loop_vars})
        if bound.hi is None or free_vars(bound.hi) & set(self.loop_ranges):
            raise LoweringError(f"cannot bound the size of '{tensor.name}' (extent `{extent}` "
                                "varies with enclosing loops); use a constant split factor")
        return self.analyzer.simplify(bound.hi)

    def _offset(self, tensor, indices):
        entry = self.entries.get(tensor)
        if entry is None:
            raise LoweringError(f"tensor '{tensor.name}' is read but neither an argument of the "
                                "function nor computed by the schedule; add it to the argument "
                                "list of lower/build")
        offset = None
        for index, rmin, stride in zip(indices, entry.mins, entry.strides):
            term = index if E.is_const_int(rmin, 0) else sub(index, rmin)
            term = term if E.is_const_int(stride, 1) else mul(term, stride)
            offset = term if offset is None else add(offset, term)
        return entry.buffer, offset if offset is not None else E.const_index(0)

    def visit_Provide(self, provide):
        value = self.visit(provide.value)
        indices = tuple(self.visit(i) for i in provide.indices)
        buffer, offset = self._offset(provide.tensor, indices)
        return S.Store(buffer, value, offset)

    def visit_TensorRead(self, read):
        indices = tuple(self.visit(i) for i in read.indices)
        buffer, offset = self._offset(read.tensor, indices)
        return E.Load(read.dtype, buffer, offset)
