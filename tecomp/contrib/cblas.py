"""``tvm.contrib.cblas``: matrix products as ``te.extern`` stages calling a BLAS.

``cblas.matmul(A, B, transa=False, transb=False)`` is a ``te.extern`` stage whose
packed call ``"tvm.contrib.cblas.matmul"`` runs ``cblas_sgemm``/``cblas_dgemm``
of the BLAS numpy itself links (its bundled OpenBLAS, found with ctypes in the
``numpy.libs`` folder beside numpy; under the plain names, the ``64_``-suffixed
ILP64 names, or numpy 2's ``scipy_`` prefixed ones), else a system
``libopenblas``/``libcblas``/``libblas``. ``batch_matmul`` does one GEMM per
batch entry. float32 and float64 only.

Where no CBLAS is found, ``tvm.get_global_func("tvm.contrib.cblas.matmul",
allow_missing=True)`` is None (as in a TVM built without cblas) and ``matmul``
raises :class:`~tecomp.errors.NotOffered` saying where it looked. The stage runs
on the CPU (target ``llvm``); a module using it cannot be exported
(``export_library``), since the call goes into this Python process.
"""

import ctypes
import ctypes.util
import glob
import os

import numpy as np

from ..errors import ExprError, NotOffered, TecompError
from ..packed import register_func
from ..te.extern import call_packed, extern

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112


def _candidate_libraries():
    numpy_dir = os.path.dirname(np.__file__)
    found = []
    for pattern in (os.path.join(os.path.dirname(numpy_dir), "numpy.libs", "*blas*.so*"),
                    os.path.join(numpy_dir, ".libs", "*blas*.so*"),
                    os.path.join(os.path.dirname(numpy_dir), "numpy", ".dylibs", "*blas*")):
        found += sorted(glob.glob(pattern))
    for name in ("openblas", "cblas", "blas"):
        path = ctypes.util.find_library(name)
        if path:
            found.append(path)
    return found


def _find_gemm():
    """``({"float32": (fn, int type), "float64": ...}, library path)``, or ``({}, None)``."""
    for path in _candidate_libraries():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix, int_type in (("", "", ctypes.c_int32),
                                         ("", "64_", ctypes.c_int64),
                                         ("scipy_", "64_", ctypes.c_int64),
                                         ("scipy_", "", ctypes.c_int32)):
            gemms = {}
            for dtype, letter, real in (("float32", "s", ctypes.c_float),
                                        ("float64", "d", ctypes.c_double)):
                fn = getattr(lib, f"{prefix}cblas_{letter}gemm{suffix}", None)
                if fn is not None:
                    fn.restype = None
                    fn.argtypes = [int_type] * 6 + [real, ctypes.c_void_p, int_type,
                                                   ctypes.c_void_p, int_type, real,
                                                   ctypes.c_void_p, int_type]
                    gemms[dtype] = (fn, int_type)
            if len(gemms) == 2:
                return gemms, path
    return {}, None


GEMM, LIBRARY = _find_gemm()


def _gemm(a, b, c, transa, transb):
    """``c = op(a) @ op(b)`` for 2-D row-major arrays of one dtype."""
    if not (a.dtype == b.dtype == c.dtype) or str(a.dtype) not in GEMM:
        raise TecompError(f"cblas.matmul: needs float32 or float64 arrays of one dtype, got "
                          f"{a.dtype}, {b.dtype} and {c.dtype}")
    fn, _ = GEMM[str(a.dtype)]
    m, n = c.shape
    k = a.shape[0] if transa else a.shape[1]
    if m and n:
        fn(_ROW_MAJOR, _TRANS if transa else _NO_TRANS, _TRANS if transb else _NO_TRANS,
           m, n, k, 1.0, a.ctypes.data, max(a.shape[1], 1), b.ctypes.data,
           max(b.shape[1], 1), 0.0, c.ctypes.data, max(n, 1))


def _packed_matmul(a, b, c, transa, transb):
    _gemm(a, b, c, bool(transa), bool(transb))


def _packed_batch_matmul(a, b, c, transa, transb):
    for i in range(c.shape[0]):
        _gemm(a[i], b[i], c[i], bool(transa), bool(transb))


if GEMM:
    register_func("tvm.contrib.cblas.matmul", _packed_matmul, override=True)
    register_func("tvm.contrib.cblas.batch_matmul", _packed_batch_matmul, override=True)


def _check(what, lhs, rhs, ndim):
    if not GEMM:
        raise NotOffered(f"tvm.contrib.cblas.{what} is not offered here: no CBLAS library "
                         f"with cblas_sgemm/cblas_dgemm was found (looked in: "
                         f"{', '.join(_candidate_libraries()) or 'numpy.libs, system paths'})")
    for t in (lhs, rhs):
        if len(t.shape) != ndim or t.dtype not in GEMM:
            raise ExprError(f"cblas.{what}: '{t.name}' must be a {ndim}-D float32 or float64 "
                            f"tensor, got {t.dtype}{list(t.shape)}")
    if lhs.dtype != rhs.dtype:
        raise ExprError(f"cblas.{what}: '{lhs.name}' is {lhs.dtype} but '{rhs.name}' is "
                        f"{rhs.dtype}")


def matmul(lhs, rhs, transa=False, transb=False, **kwargs):
    """``op(lhs) @ op(rhs)`` (op transposes where ``transa``/``transb``) as a
    ``te.extern`` stage calling the BLAS; ``kwargs`` go to ``te.extern`` (``name``...)."""
    _check("matmul", lhs, rhs, 2)
    n = lhs.shape[1] if transa else lhs.shape[0]
    m = rhs.shape[0] if transb else rhs.shape[1]
    kwargs.setdefault("name", "C")
    return extern((n, m), [lhs, rhs], lambda ins, outs: call_packed(
        "tvm.contrib.cblas.matmul", ins[0], ins[1], outs[0], transa, transb), **kwargs)


def batch_matmul(lhs, rhs, transa=False, transb=False, **kwargs):
    """One :func:`matmul` per entry of the first (batch) axis."""
    _check("batch_matmul", lhs, rhs, 3)
    b = lhs.shape[0]
    n = lhs.shape[2] if transa else lhs.shape[1]
    m = rhs.shape[1] if transb else rhs.shape[2]
    kwargs.setdefault("name", "C")
    return extern((b, n, m), [lhs, rhs], lambda ins, outs: call_packed(
        "tvm.contrib.cblas.batch_matmul", ins[0], ins[1], outs[0], transa, transb), **kwargs)
