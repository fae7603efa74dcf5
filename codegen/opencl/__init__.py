"""The OpenCL backend: OpenCL C source, run through pyopencl.

``build(funcs, target="opencl") -> GPUModule``: the GPU lowering steps
(:mod:`codegen.c_source.pipeline`), OpenCL C from the shared printer with
:class:`OpenCLDialect`, compiled by the OpenCL driver when the module is first
called (on the first device pyopencl finds; PoCL on a plain CPU).
``mod.get_source()`` (or ``"cl"``) is the source.
"""

from tecomp.errors import BuildError
from tecomp.target import Target

from codegen.c_source.backend import build_source_module

from .dialect import OpenCLDialect

OpenCLDialect.source_format = "cl"


def build(funcs, target="opencl"):
    target = Target.create(target)
    if target.kind != "opencl":
        raise BuildError(f"codegen.opencl builds for target kind 'opencl', got {target.kind!r}")

    def make_device(module):
        from tecomp.runtime.gpu.opencl import OpenCLDevice
        return OpenCLDevice(module.get_source("cl"))

    return build_source_module(funcs, target, OpenCLDialect(), 48 * 1024,
                               lambda source: {}, make_device)


__all__ = ["build", "OpenCLDialect"]
