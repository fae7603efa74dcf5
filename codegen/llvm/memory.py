"""Loads, stores and allocations.

An index is a scalar (one element), a ``Ramp(base, 1, lanes)`` (one vector
access at ``base``), or any other vector (a gather / scatter, done lane by lane:
on Zen and most Intel cores that is as fast as ``vpgather``). A predicate masks
the access: a false lane is not touched (loads yield zero there).

``Allocate`` of a small constant size (at most :data:`STACK_LIMIT` bytes) is an
``alloca`` in the function's entry block, 64-byte aligned, so it costs nothing per
iteration and is private to each thread of a parallel loop (outlined bodies are
functions of their own). Larger or symbolic sizes use ``aligned_alloc`` when the
``Allocate`` is reached and ``free`` when its body ends, and on every error exit
inside it.
"""

import llvmlite.ir as ir

from tecomp.errors import InternalError
from tecomp.ir import IntImm, Ramp
from tecomp.ir import dtype as dt

from . import types as T
from .streaming_stores import stream_alignments

STACK_LIMIT = 64 * 1024
ALIGN = 64


def _is_dense_ramp(index):
    return isinstance(index, Ramp) and isinstance(index.stride, IntImm) and index.stride.value == 1


class MemoryMixin:

    def buffer_ptr(self, buf):
        ptr = self.frame.buffers.get(buf)
        if ptr is None:
            raise InternalError(f"codegen.llvm: buffer '{buf.name}' is accessed outside its "
                                f"allocation in function {self.frame.func_name!r}")
        return ptr

    def element_ptr(self, buf, index_value, element):
        ptr, ty = self.buffer_ptr(buf), T.storage_type(element)
        return self.frame.numbered_value(
            ("gep", ptr, index_value, ty),
            lambda: self.builder.gep(ptr, [index_value], inbounds=True, source_etype=ty))

    # ------------------------------------------------------------ scalar access

    def _load_scalar(self, buf, index_value, element):
        value = self.builder.load(self.element_ptr(buf, index_value, element),
                                  typ=T.storage_type(element), align=T.elem_bytes(element))
        if dt.is_bool(element):
            value = self.builder.icmp_unsigned("!=", value, ir.Constant(T.I8, 0))
        return value

    def _store_scalar(self, buf, index_value, value, element):
        if dt.is_bool(element):
            value = self.builder.zext(value, T.I8)
        self.builder.store(value, self.element_ptr(buf, index_value, element),
                           align=T.elem_bytes(element))

    def _guarded(self, cond, emit, result_type=None):
        """Run ``emit()`` only where ``cond`` (i1) holds; loads yield zero otherwise."""
        fn, pre = self.frame.fn, self.builder.block
        then_block, end = fn.append_basic_block("masked"), fn.append_basic_block("masked_end")
        self.builder.cbranch(cond, then_block, end)
        self.builder.position_at_end(then_block)
        value = emit()
        then_end = self.builder.block
        self.builder.branch(end)
        self.builder.position_at_end(end)
        if result_type is None:
            return None
        phi = self.builder.phi(result_type)
        phi.add_incoming(value, then_end)
        phi.add_incoming(ir.Constant(result_type, None), pre)
        return phi

    # ------------------------------------------------------------ Load / Store

    def visit_Load(self, op):
        element, lanes = dt.element_of(op.dtype), dt.lanes_of(op.dtype)
        pred = None if op.predicate is None else self.visit(op.predicate)
        if lanes == 1:
            index = self.visit(op.index)
            load = lambda: self._load_scalar(op.buffer, index, element)  # noqa: E731
            return load() if pred is None else self._guarded(pred, load, T.llvm_type(element))
        if _is_dense_ramp(op.index) and pred is None:
            base = self.visit(op.index.base)
            ptr = self.element_ptr(op.buffer, base, element)
            value = self.builder.load(ptr, typ=T.storage_type(op.dtype), align=T.elem_bytes(element))
            if dt.is_bool(element):
                value = self.builder.icmp_unsigned("!=", value, T.const(dt.with_lanes("uint8", lanes), 0))
            return value
        if _is_dense_ramp(op.index) and not dt.is_bool(element):
            # Masked-off lanes touch no memory, so a predicate may guard padding.
            ptr = self.element_ptr(op.buffer, self.visit(op.index.base), element)
            ty = T.llvm_type(op.dtype)
            fn = self.declare(f"llvm.masked.load.{T.intrinsic_suffix(op.dtype)}.p0", ty,
                              [ptr.type, T.I32, pred.type, ty])
            return self.builder.call(fn, [ptr, ir.Constant(T.I32, T.elem_bytes(element)), pred,
                                          T.zeros(ty)])
        index = self.visit(op.index)
        out = T.zeros(T.llvm_type(op.dtype))
        for i in range(lanes):
            lane = ir.Constant(T.I32, i)
            idx = self.builder.extract_element(index, lane)
            load = lambda: self._load_scalar(op.buffer, idx, element)  # noqa: E731
            if pred is None:
                value = load()
            else:
                value = self._guarded(self.builder.extract_element(pred, lane), load,
                                      T.llvm_type(element))
            out = self.builder.insert_element(out, value, lane)
        return out

    def visit_Store(self, op):
        element, lanes = dt.element_of(op.value.dtype), dt.lanes_of(op.value.dtype)
        value = self.visit(op.value)
        pred = None if op.predicate is None else self.visit(op.predicate)
        if lanes == 1:
            index = self.visit(op.index)
            store = lambda: self._store_scalar(op.buffer, index, value, element)  # noqa: E731
            return store() if pred is None else self._guarded(pred, store)
        if _is_dense_ramp(op.index) and pred is None:
            ptr = self.element_ptr(op.buffer, self.visit(op.index.base), element)
            if dt.is_bool(element):
                value = self.builder.zext(value, T.storage_type(op.value.dtype))
            alignments = stream_alignments(lanes * T.elem_bytes(element))
            if op.buffer in self.streamed and alignments:
                self._store_streaming(value, ptr, alignments, T.elem_bytes(element))
            else:
                self.builder.store(value, ptr, align=T.elem_bytes(element))
            return None
        if _is_dense_ramp(op.index) and not dt.is_bool(element):
            ptr = self.element_ptr(op.buffer, self.visit(op.index.base), element)
            fn = self.declare(f"llvm.masked.store.{T.intrinsic_suffix(op.value.dtype)}.p0",
                              ir.VoidType(), [value.type, ptr.type, T.I32, pred.type])
            self.builder.call(fn, [value, ptr, ir.Constant(T.I32, T.elem_bytes(element)), pred])
            return None
        index = self.visit(op.index)
        if dt.lanes_of(op.index.dtype) != lanes:
            raise InternalError(f"codegen.llvm: store of {lanes} lanes at index `{op.index}`")
        for i in range(lanes):
            lane = ir.Constant(T.I32, i)
            idx = self.builder.extract_element(index, lane)
            v = self.builder.extract_element(value, lane)
            store = lambda: self._store_scalar(op.buffer, idx, v, element)  # noqa: E731
            if pred is None:
                store()
            else:
                self._guarded(self.builder.extract_element(pred, lane), store)
        return None

    def _store_streaming(self, value, ptr, alignments, element_align):
        """A non-temporal store at the first of ``alignments`` that ``ptr`` has, else an
        ordinary store (:mod:`.streaming_stores`)."""
        b = self.builder
        if not alignments:
            b.store(value, ptr, align=element_align)
            return
        align = alignments[0]
        offset = b.and_(b.ptrtoint(ptr, T.I64), ir.Constant(T.I64, align - 1))
        aligned = b.icmp_unsigned("==", offset, ir.Constant(T.I64, 0))
        with b.if_else(aligned) as (streamed, other):
            with streamed:
                store = b.store(value, ptr, align=align)
                store.set_metadata("nontemporal", self.module.add_metadata([ir.Constant(T.I32, 1)]))
            with other:
                self._store_streaming(value, ptr, alignments[1:], element_align)

    def fence_streams(self):
        """``sfence`` where the current function may have streamed: non-temporal stores
        are weakly ordered, the caller or joining thread must see them."""
        if self.frame.streams:
            self.builder.call(self.declare("llvm.x86.sse.sfence", T.VOID, []), [])

    # ------------------------------------------------------------ Allocate

    def visit_Allocate(self, op):
        buf, element = op.buffer, dt.element_of(op.buffer.dtype)
        nbytes = T.elem_bytes(element) * dt.lanes_of(op.buffer.dtype)
        if isinstance(op.extent, IntImm) and op.extent.value * nbytes <= STACK_LIMIT:
            count = max(op.extent.value * dt.lanes_of(op.buffer.dtype), 1)
            ptr = self.frame.alloca(T.storage_type(element), ir.Constant(T.I64, count),
                                    align=ALIGN, name=T.value_name(buf.name))
            self.frame.buffers[buf] = ptr
            self.visit(op.body)
            del self.frame.buffers[buf]
            return
        extent = self.cast(self.visit(op.extent), op.extent.dtype, "int64")
        size = self.builder.mul(extent, ir.Constant(T.I64, nbytes))
        # aligned_alloc wants a multiple of the alignment; +1 keeps zero sizes non-null.
        size = self.builder.and_(self.builder.add(size, ir.Constant(T.I64, ALIGN)),
                                 ir.Constant(T.I64, -ALIGN))
        alloc = self.declare("aligned_alloc", T.PTR, [T.I64, T.I64])
        ptr = self.builder.call(alloc, [ir.Constant(T.I64, ALIGN), size],
                                 name=T.value_name(buf.name))
        failed = self.builder.icmp_unsigned("==", ptr, ir.Constant(T.PTR, None))
        with self.builder.if_then(failed, likely=False):
            self.frame.on_error(self.error_code(
                f"out of memory allocating buffer '{buf.name}'"))
        self.frame.buffers[buf] = ptr
        self.frame.heap.append(ptr)
        self.visit(op.body)
        self.frame.heap.pop()
        del self.frame.buffers[buf]
        self.free_heap([ptr])

    def free_heap(self, pointers):
        free = self.declare("free", T.VOID, [T.PTR])
        for ptr in reversed(pointers):
            self.builder.call(free, [ptr])
