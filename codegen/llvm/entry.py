"""The Python entry wrapper of each kernel, for a lean call path.

Reading an ndarray's data pointer from Python (``a.ctypes.data``) costs about a
microsecond per array, more than the rest of the call. So each kernel ``name``
gets a wrapper ``__tecomp_py_<name>`` taking the arrays themselves (``PyObject*``,
passed by ctypes as ``py_object``) that reads the data pointers and shapes from
numpy's ``PyArrayObject`` struct (public, stable across numpy 1.x and 2.x; the
runtime verifies the offsets once, see :mod:`tecomp.runtime.numpy_abi`), checks
that no written array overlaps another argument (returning
:data:`OVERLAP_CODE`; Python then builds the message), and calls the kernel.
The wrapper is used only by the in-process runtime; exported libraries keep the
plain C ABI of :mod:`tecomp.runtime.abi`.
"""

import llvmlite.ir as ir

from tecomp.runtime.abi import abi_vars, passes_as_double, written_buffers
from tecomp.runtime.numpy_abi import DATA_OFFSET, DIMS_OFFSET, OVERLAP_CODE, py_entry_name

from . import types as T


def add_py_entry(cg, func, kernel):
    """Emit ``__tecomp_py_<name>(PyObject *a0, ..., scalars...)`` calling ``kernel``."""
    buffers = func.buffer_params
    scalar_types = [ir.DoubleType() if passes_as_double(v) else T.I64 for v in abi_vars(func)]
    fnty = ir.FunctionType(T.I32, [T.PTR] * len(buffers) + scalar_types)
    fn = ir.Function(cg.module, fnty, py_entry_name(func.name))
    b = ir.IRBuilder(fn.append_basic_block("entry"))

    def field(obj, offset):
        return b.load(b.gep(obj, [ir.Constant(T.I64, offset)], source_etype=T.I8), typ=T.PTR)

    data = [field(obj, DATA_OFFSET) for obj in fn.args[:len(buffers)]]
    written = set(written_buffers(func))
    if written and len(buffers) > 1:
        ends, nonempty = [], []
        for buf, obj, start in zip(buffers, fn.args, data):
            dims = field(obj, DIMS_OFFSET)
            size = ir.Constant(T.I64, T.elem_bytes(buf.dtype))
            for axis in range(len(buf.shape)):
                extent = b.load(b.gep(dims, [ir.Constant(T.I64, axis)], source_etype=T.I64),
                                typ=T.I64)
                size = b.mul(size, extent)
            ends.append(b.gep(start, [size], source_etype=T.I8))
            nonempty.append(b.icmp_signed(">", size, ir.Constant(T.I64, 0)))
        overlap = ir.Constant(T.I1, 0)
        for i, buf in enumerate(buffers):
            for j in range(len(buffers)):
                if j == i or buf not in written or (buffers[j] in written and j < i):
                    continue
                meet = b.and_(b.icmp_unsigned("<", data[i], ends[j]),
                              b.icmp_unsigned("<", data[j], ends[i]))
                meet = b.and_(meet, b.and_(nonempty[i], nonempty[j]))
                overlap = b.or_(overlap, meet)
        with b.if_then(overlap, likely=False):
            b.ret(ir.Constant(T.I32, OVERLAP_CODE))
    b.ret(b.call(kernel, data + list(fn.args[len(buffers):])))
    return fn

