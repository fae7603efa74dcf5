"""``tvm.contrib.cblas``: refused. TVM's ``cblas.matmul(A, B)`` is a ``te.extern``
stage calling the BLAS through a packed function; tecomp has neither, so a call
raises :class:`~tecomp.not_offered.NotOffered`. Use ``topi.nn.matmul``/``topi.nn.dense``
(tecomp's own GEMM schedules run at BLAS speed on this project's machine)."""

from ..not_offered import not_offered


def matmul(lhs, rhs, transa=False, transb=False, **kwargs):
    not_offered("tvm.contrib.cblas", "matmul")


def batch_matmul(lhs, rhs, transa=False, transb=False, **kwargs):
    not_offered("tvm.contrib.cblas", "matmul")
