"""The OpenCL backend: OpenCL C source, run through pyopencl.

``build(lowered, target) -> GPUModule`` for the output of
:func:`tecomp.lower_for_target`: OpenCL C from the shared printer with
:class:`OpenCLDialect`, compiled by the OpenCL driver when the module is first
called (on the first device pyopencl finds; PoCL on a plain CPU).
``mod.get_source()`` (or ``"cl"``) is the source.
"""

from tecomp.errors import BuildError
from tecomp.runtime.gpu.opencl import OpenCLDevice

from codegen.c_source.backend import build_source_module

from .dialect import OpenCLDialect


def build(lowered, target):
    if target.kind != "opencl":
        raise BuildError(f"codegen.opencl builds for target kind 'opencl', got {target.kind!r}")

    def make_device(module):
        return OpenCLDevice(module.get_source("cl"))

    return build_source_module(lowered, OpenCLDialect(), lambda source: {}, make_device)


__all__ = ["build", "OpenCLDialect"]
