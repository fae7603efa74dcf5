"""The OpenCL backend: OpenCL C source, run through pyopencl.

``build(lowered, target) -> GPUModule`` for the output of
:func:`tecomp.lower_for_target`: OpenCL C from the shared printer with
:class:`OpenCLDialect`, compiled by the OpenCL driver at build time where a
device exists (the first device pyopencl finds; PoCL on a plain CPU), so a
source the driver rejects, or a dtype the device lacks (float16 without
``cl_khr_fp16``), fails ``build`` and not the first call. Without a device the
module still builds, and its first call says there is none.
``mod.get_source()`` (or ``"cl"``) is the source.
"""

from tecomp.errors import BuildError
from tecomp.runtime.gpu.opencl import OpenCLDevice, opencl_devices

from codegen.c_source.backend import build_source_module

from .dialect import OpenCLDialect


def build(lowered, target):
    if target.kind != "opencl":
        raise BuildError(f"codegen.opencl builds for target kind 'opencl', got {target.kind!r}")

    def make_device(module):
        return OpenCLDevice(module.get_source("cl"))

    module = build_source_module(lowered, OpenCLDialect(), lambda source: {}, make_device)
    if opencl_devices():
        module.device      # compiles now
    return module


__all__ = ["build", "OpenCLDialect"]
