"""Storage flattening: tensors to one-dimensional buffers.

``Realize`` becomes ``Allocate`` of the region's element count; ``Provide`` and
``TensorRead`` become ``Store`` and ``Load`` at the row-major offset of the index
relative to the region's minimum. Function arguments use their declared shape.
An allocation whose size depends on enclosing loop variables gets the size's
upper bound over those loops.

A ``buffer_bind_scope`` attribute (a tensorized stage, :mod:`tecomp.schedule.tensorize`)
binds a declared buffer to a region of a tensor: within it, the declared buffer's
element offset, strides and symbolic shape take the region's values and its
accesses go to the tensor's buffer. A declared constant that differs from the
region's value is an error, or a run-time assertion when it cannot be decided
before the call (TVM's ArgBinder).
"""

from ..arith import Interval, eval_interval
from ..arith import Analyzer
from ..errors import LoweringError
from ..ir import Buffer
from ..ir import dtype as dt
from ..ir.decl_buffer import DeclBuffer
from ..ir import expr as E
from ..ir import stmt as S
from ..ir.functor import IRMutator, free_vars, substitute
from ..ir.op import add, cast, mul, sub


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
        self.bound = {}   # declared buffer -> the buffer it is bound to
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

    # ------------------------------------------------------------ declared buffers
    def visit_AttrStmt(self, attr):
        if attr.key != "buffer_bind_scope":
            return self.generic_visit(attr)
        decl, tensor = attr.node
        bounds = [self.visit(x) for x in attr.value.args]
        mins, extents = bounds[0::2], bounds[1::2]
        entry = self.entries.get(tensor)
        if entry is None:
            raise LoweringError(f"tensorize: tensor '{tensor.name}' (bound to buffer "
                                f"'{decl.name}') has no storage here")
        binder = _Binder(self.analyzer, decl, tensor)
        start = len(mins) - decl.ndim
        offset = E.const_index(0)
        for rmin, emin, stride in zip(mins, entry.mins, entry.strides):
            offset = add(offset, mul(sub(rmin, emin), stride))
        binder.bind(decl.elem_offset, self.analyzer.simplify(offset), "element offset")
        if decl.offset_factor > 1:
            binder.check(E.EQ(E.FloorMod(binder.value_of(decl.elem_offset),
                                         E.const_index(decl.offset_factor)), E.const_index(0)),
                         f"its element offset must be a multiple of offset_factor="
                         f"{decl.offset_factor}")
        for j, extent in enumerate(decl.shape):
            binder.bind(extent, extents[start + j], f"extent of dimension {j}")
        declared = decl.strides or decl.layout_strides()
        for j, stride in enumerate(declared):
            if decl.strides or not E.is_const_int(self.analyzer.simplify(decl.shape[j]), 1):
                binder.bind(stride, entry.strides[start + j], f"stride of dimension {j}")
        self.bound[decl] = entry.buffer
        try:
            body = self.visit(substitute(attr.body, binder.vmap))
        finally:
            del self.bound[decl]
        return binder.wrap(body)

    def _bound_buffer(self, buffer):
        if not isinstance(buffer, DeclBuffer):
            return buffer
        real = self.bound.get(buffer)
        if real is None:
            raise LoweringError(f"buffer '{buffer.name}' (tvm.tir.decl_buffer) is accessed "
                                "outside the tensor intrinsic that binds it")
        return real

    def visit_Load(self, load):
        buffer = self._bound_buffer(load.buffer)
        index = self.visit(load.index)
        predicate = None if load.predicate is None else self.visit(load.predicate)
        if buffer is load.buffer and index is load.index and predicate is load.predicate:
            return load
        return E.Load(load.dtype, buffer, index, predicate)

    def visit_Store(self, store):
        buffer = self._bound_buffer(store.buffer)
        value, index = self.visit(store.value), self.visit(store.index)
        predicate = None if store.predicate is None else self.visit(store.predicate)
        return S.Store(buffer, value, index, predicate)


class _Binder:
    """Binds a declared buffer's fields to a region's values: a variable gets the
    value (cast to its dtype); anything else must equal it (proved now, or asserted
    at run time)."""

    def __init__(self, analyzer, decl, tensor):
        self.analyzer, self.decl, self.tensor = analyzer, decl, tensor
        self.vmap = {}
        self.asserts = []

    def value_of(self, field):
        return substitute(field, self.vmap)

    def bind(self, field, value, what):
        if isinstance(field, E.Var) and field not in self.vmap:
            self.vmap[field] = cast(value, field.dtype) if field.dtype != value.dtype else value
            return
        field = self.value_of(field)
        if field.dtype != value.dtype and dt.is_integer(field.dtype):
            field = cast(field, value.dtype)
        hint = (" (give decl_buffer an offset_factor= so the offset may vary)"
                if what == "element offset" else "")
        self.check(E.EQ(field, value), f"its {what} is declared {field} but the region's is "
                                       f"{value}{hint}")

    def check(self, condition, what):
        condition = self.analyzer.simplify(condition)
        if E.is_const_int(condition, 1) or (isinstance(condition, E.IntImm) and condition.value):
            return
        message = (f"buffer '{self.decl.name}' bound to a region of tensor '{self.tensor.name}': "
                   f"{what}")
        if isinstance(condition, E.IntImm):
            raise LoweringError(f"tensorize: {message}")
        self.asserts.append((condition, message))

    def wrap(self, body):
        for condition, message in reversed(self.asserts):
            body = S.AssertStmt(condition, message, body)
        return body
