"""Declared buffers (TVM's ``tvm.tir.decl_buffer``): a view of a tensor's storage
with a shape, strides and an element offset that may be symbolic.

A tensor intrinsic (:func:`tecomp.te.decl_tensor_intrin`) describes its operands
with declared buffers, and its body addresses them through
:meth:`DeclBuffer.access_ptr`, :meth:`~DeclBuffer.vload` and
:meth:`~DeclBuffer.vstore`. When a stage is tensorized, each declared buffer is
bound to the region of the real tensor it stands for (storage flattening, on the
``buffer_bind_scope`` attribute): its stride variables take the tensor's strides,
its element offset the region's offset, and every access goes to the tensor's
buffer. A stride or offset given as a constant must equal the real one.

Before binding, ``Load``/``Store`` nodes name the declared buffer; the address of
an element is ``Call("handle", "address_of", (Load(...),))``.
"""

from dataclasses import dataclass
from typing import Tuple

from ..errors import ExprError
from . import dtype as dt
from .expr import Call, Load, PrimExpr, Ramp, Var, const_index
from .op import add, mul, to_expr
from .stmt import Store


@dataclass(frozen=True, eq=False)
class DeclBuffer:
    """A declared buffer; compared by identity. ``strides`` is ``()`` for a compact
    row-major buffer (the strides then follow from ``shape``)."""
    name: str
    dtype: str
    shape: Tuple[PrimExpr, ...]
    strides: Tuple[PrimExpr, ...]
    elem_offset: PrimExpr
    data: Var
    offset_factor: int = 0
    scope: str = "global"
    data_alignment: int = -1

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return f"decl_buffer({self.name}, {self.dtype}, {list(self.shape)})"

    @property
    def ndim(self):
        return len(self.shape)

    def layout_strides(self):
        """The strides in elements: the declared ones, else the compact row-major ones."""
        if self.strides:
            return tuple(self.strides)
        strides, running = [], const_index(1)
        for extent in reversed(self.shape):
            strides.append(running)
            running = mul(running, extent)
        return tuple(reversed(strides))

    def offset_of(self, indices):
        """The element offset of ``indices`` (from the buffer's first element)."""
        if len(indices) != self.ndim:
            raise ExprError(f"buffer '{self.name}' has {self.ndim} dimensions, indexed with "
                            f"{len(indices)}")
        offset = self.elem_offset
        for index, stride in zip(indices, self.layout_strides()):
            offset = add(offset, mul(to_expr(index), stride))
        return offset

    def access_ptr(self, access_mask="rw", ptr_type="handle", content_lanes=1, offset=0):
        """The address of the buffer's first element (plus ``offset`` elements), to
        pass to a C function: ``tvm.tir.call_extern("int32", "f", buf.access_ptr("w"))``.
        ``access_mask`` (``"r"``, ``"w"``, ``"rw"`` or TVM's 1/2/3) is documentation
        only here: the callee may read and write."""
        if isinstance(access_mask, str) and not set(access_mask) <= set("rw"):
            raise ExprError(f"access_ptr({self.name}): access mask must be made of 'r' and "
                            f"'w', got {access_mask!r}")
        if ptr_type != "handle":
            raise ExprError(f"access_ptr({self.name}): only ptr_type='handle' is supported, "
                            f"got {ptr_type!r}")
        if content_lanes != 1:
            raise ExprError(f"access_ptr({self.name}): content_lanes={content_lanes} is not "
                            "supported")
        index = add(self.elem_offset, to_expr(offset)) if not _is_zero(offset) else self.elem_offset
        return Call(dt.HANDLE, "address_of", (Load(self.dtype, self, index),))

    def vload(self, begin, dtype=None):
        """Load ``dtype`` (default: the element type; a vector type loads consecutive
        elements of the last dimension) starting at index ``begin``."""
        dtype = dt.canonical(dtype or self.dtype)
        if dt.element_of(dtype) != dt.element_of(self.dtype):
            raise ExprError(f"vload({self.name}): dtype {dtype} does not match the buffer's "
                            f"{self.dtype}")
        return Load(dtype, self, self._vector_index(begin, dtype))

    def vstore(self, begin, value):
        """Store ``value`` (a scalar or a vector of consecutive elements) at ``begin``."""
        value = to_expr(value)
        if dt.element_of(value.dtype) != dt.element_of(self.dtype):
            raise ExprError(f"vstore({self.name}): a {value.dtype} value cannot be stored "
                            f"to a {self.dtype} buffer")
        return Store(self, value, self._vector_index(begin, value.dtype))

    def _vector_index(self, begin, dtype):
        begin = list(begin) if isinstance(begin, (list, tuple)) else [begin]
        offset = self.offset_of(begin)
        lanes = dt.lanes_of(dtype)
        if lanes == 1:
            return offset
        last = self.layout_strides()[-1]
        return Ramp(offset, last, lanes)


def _is_zero(value):
    return isinstance(value, int) and value == 0


def decl_buffer(shape, dtype="float32", name="buffer", data=None, strides=None,
                elem_offset=None, scope="", data_alignment=-1, offset_factor=0,
                buffer_type="", axis_separators=None):
    """TVM's ``tvm.tir.decl_buffer``: a :class:`DeclBuffer` of ``shape``.

    ``strides`` (a list of ints or vars, e.g. ``[te.var("s1"), 1]``) default to the
    compact row-major ones. ``elem_offset`` defaults to a fresh variable when
    ``offset_factor`` is nonzero (the bound region's offset must then be a multiple
    of it) and to 0 otherwise (the region must start at the tensor's first element)."""
    if isinstance(shape, (int, PrimExpr)):
        shape = (shape,)
    shape = tuple(const_index(s) if isinstance(s, int) else to_expr(s) for s in shape)
    for s in shape:
        if not dt.is_integer(s.dtype):
            raise ExprError(f"decl_buffer({name}): shape entries must be integers, got `{s}`")
    dtype = dt.canonical(dtype)
    if strides is not None and len(strides) not in (0, len(shape)):
        raise ExprError(f"decl_buffer({name}): {len(strides)} strides for a "
                        f"{len(shape)}-dimensional shape")
    strides = tuple(const_index(s) if isinstance(s, int) else to_expr(s) for s in strides or ())
    if data is not None and not (isinstance(data, Var) and data.dtype == dt.HANDLE):
        raise ExprError(f"decl_buffer({name}): data= must be a te.var of dtype 'handle'")
    if buffer_type not in ("", "default"):
        raise ExprError(f"decl_buffer({name}): buffer_type={buffer_type!r} is not supported")
    if axis_separators:
        raise ExprError(f"decl_buffer({name}): axis_separators are not supported")
    offset_factor = int(offset_factor)
    if offset_factor < 0:
        raise ExprError(f"decl_buffer({name}): offset_factor must be >= 0, got {offset_factor}")
    if elem_offset is None:
        elem_offset = Var(f"{name}_elem_offset") if offset_factor else const_index(0)
    else:
        elem_offset = const_index(elem_offset) if isinstance(elem_offset, int) else to_expr(elem_offset)
    if scope not in ("", "global"):
        raise ExprError(f"decl_buffer({name}): scope {scope!r} is not supported; tensorized "
                        "operands are global buffers")
    return DeclBuffer(name, dtype, shape, strides, elem_offset,
                      data if data is not None else Var(name, dt.HANDLE),
                      offset_factor, "global", int(data_alignment))


__all__ = ["DeclBuffer", "decl_buffer"]
