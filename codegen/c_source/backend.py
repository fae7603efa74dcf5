"""What the CUDA and OpenCL builds share: lower, print, wrap in a GPUModule."""

import numpy as np

from tecomp.ir import dtype as dt
from tecomp.runtime.gpu import GPUModule

from .pipeline import as_funcs, can_narrow_index, device_programs
from .printer import print_kernels


def build_source_module(funcs, target, dialect, max_shared_bytes, compile_extra, make_device):
    """Lower ``funcs`` for a GPU and print them in ``dialect``.

    ``compile_extra(source) -> {fmt: text or callable}`` adds compiled forms
    (PTX); ``make_device(module)`` opens the device on first use."""
    funcs = as_funcs(funcs, dialect.name)
    max_threads = int(target.options.get("max_num_threads", 1024))
    programs = device_programs(funcs, max_threads, max_shared_bytes)
    narrow = can_narrow_index(programs)
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
    return GPUModule(programs, target, sources, make_device, scalar_dtype)
