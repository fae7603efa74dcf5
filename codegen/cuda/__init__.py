"""The CUDA backend: CUDA C source, PTX through NVRTC (:mod:`.nvrtc`).

``build(lowered, target) -> GPUModule`` for the output of
:func:`tecomp.lower_for_target`: CUDA C from the shared printer with
:class:`CUDADialect`. ``mod.get_source()`` (or ``"cuda"``) is the source and
``mod.get_source("ptx")`` the PTX, compiled by NVRTC for ``-arch`` (default:
the GPU's, else compute_75) on first request; no GPU is needed for either. A
call loads the PTX on GPU 0 (:class:`tecomp.runtime.gpu.cuda.CUDADevice`) and
raises a clear error where there is none.
"""

import functools

from tecomp.errors import BuildError
from tecomp.runtime.gpu.cuda import CUDADevice, gpu_compute_capability

from codegen.c_source.backend import build_source_module

from .dialect import CUDADialect
from .nvrtc import compile_ptx


def default_arch():
    cc = gpu_compute_capability()
    return f"compute_{cc[0]}{cc[1]}" if cc else "compute_75"


def build(lowered, target):
    if target.kind != "cuda":
        raise BuildError(f"codegen.cuda builds for target kind 'cuda', got {target.kind!r}")
    arch = target.options.get("arch")

    def compile_extra(source):
        return {"ptx": functools.lru_cache(None)(lambda: compile_ptx(source, arch or default_arch()))}

    def make_device(module):
        return CUDADevice(module.get_source("ptx"))

    return build_source_module(lowered, CUDADialect(), compile_extra, make_device)


__all__ = ["build", "CUDADialect", "compile_ptx"]
