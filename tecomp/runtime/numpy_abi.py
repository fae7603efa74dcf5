"""Where numpy keeps an array's data pointer and shape, for the fast entry path.

``PyArrayObject_fields`` (numpy's public C struct) starts with the object header
(16 bytes on 64-bit CPython), then ``char *data``, ``int nd``,
``npy_intp *dimensions``. :func:`layout_ok` checks these offsets against a real
array once; where they do not hold (another Python build), calls fall back to
reading pointers from Python.
"""

import ctypes
import functools

import numpy as np

DATA_OFFSET = 16
NDIM_OFFSET = 24
DIMS_OFFSET = 32
#: Returned by the entry wrapper when a written array overlaps another argument.
OVERLAP_CODE = -1


def py_entry_name(name):
    return f"__tecomp_py_{name}"


@functools.lru_cache(maxsize=None)
def layout_ok():
    if ctypes.sizeof(ctypes.c_void_p) != 8:
        return False
    a = np.zeros((3, 5), "float32")
    base = id(a)
    dims = ctypes.c_void_p.from_address(base + DIMS_OFFSET).value
    return (ctypes.c_void_p.from_address(base + DATA_OFFSET).value == a.ctypes.data
            and ctypes.c_int.from_address(base + NDIM_OFFSET).value == 2
            and dims is not None
            and (ctypes.c_int64 * 2).from_address(dims)[:] == [3, 5])
