"""One C-family source printer for GPU kernels, with per-dialect tables.

:class:`CSourcePrinter` prints :class:`~tecomp.transform.split_host_device.Kernel`\\ s
as C; everything that differs between CUDA C and OpenCL C is data on a
:class:`Dialect` (type names, qualifiers, thread indices, the barrier, math
function names) plus two small hooks (launch bounds, preamble). ``codegen.cuda``
and ``codegen.opencl`` hold the two dialects and their builds; the GPU
lowering steps both need ran before, in :func:`tecomp.lower_for_target`.
"""

from .dialect import Dialect
from .printer import CSourcePrinter, print_kernels

__all__ = ["CSourcePrinter", "Dialect", "print_kernels"]
