"""What the CUDA and OpenCL builds share: print, wrap in a GPUModule."""

import numpy as np

from tecomp.ir import dtype as dt
from tecomp.runtime.gpu import GPUModule

from .printer import print_kernels


def build_source_module(lowered, dialect, compile_extra, make_device):
    """Print the kernels of ``lowered`` (a :class:`tecomp.lower.TargetFuncs` from
    :func:`tecomp.lower_for_target`) in ``dialect``.

    ``compile_extra(source) -> {fmt: text or callable}`` adds compiled forms
    (PTX); ``make_device(module)`` opens the device on first use."""
    programs, narrow = lowered.programs, lowered.narrow_index
    kernels = [k for p in programs for k in p.kernels]
    source = print_kernels(kernels, dialect, narrow)
    scalar_dtype = {}
    for program in programs:
        for v in program.func.params + tuple(v for k in program.kernels for v in k.func.params):
            if not hasattr(v, "shape"):
                d = "int32" if narrow and v.dtype == "int64" else v.dtype
                scalar_dtype[v] = np.dtype(dt.numpy_dtype(d))
    sources = {dialect.source_format: source}
    sources.update(compile_extra(source))
    return GPUModule(programs, lowered.target, sources, make_device, scalar_dtype)
