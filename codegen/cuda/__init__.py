"""The CUDA backend: CUDA C source, PTX through NVRTC, launches through the driver.

``build(funcs, target="cuda") -> GPUModule``: the GPU lowering steps
(:mod:`codegen.c_source.pipeline`), CUDA C from the shared printer with
:class:`CUDADialect`. ``mod.get_source()`` (or ``"cuda"``) is the source and
``mod.get_source("ptx")`` the PTX, compiled by NVRTC for ``-arch`` (default:
the GPU's, else compute_75) on first request; no GPU is needed for either. A
call loads the PTX on GPU 0 and raises a clear error where there is none.
"""

import functools

from tecomp.errors import BuildError
from tecomp.target import Target

from codegen.c_source.backend import build_source_module

from .dialect import CUDADialect

CUDADialect.source_format = "cuda"


def default_arch():
    from tecomp.runtime.gpu.cuda import gpu_compute_capability
    cc = gpu_compute_capability()
    return f"compute_{cc[0]}{cc[1]}" if cc else "compute_75"


def build(funcs, target="cuda"):
    target = Target.create(target)
    if target.kind != "cuda":
        raise BuildError(f"codegen.cuda builds for target kind 'cuda', got {target.kind!r}")
    arch = target.options.get("arch")

    def compile_extra(source):
        from tecomp.runtime.gpu.cuda import compile_ptx
        return {"ptx": functools.lru_cache(None)(lambda: compile_ptx(source, arch or default_arch()))}

    def make_device(module):
        from tecomp.runtime.gpu.cuda import CUDADevice
        return CUDADevice(module.get_source("ptx"))

    return build_source_module(funcs, target, CUDADialect(), 48 * 1024, compile_extra,
                               make_device)


__all__ = ["build", "CUDADialect"]
