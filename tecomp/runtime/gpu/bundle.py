"""GPU modules on disk: :meth:`GPUModule.export_library` writes a bundle (a
magic line, then the pickled launch plans, target, sources and scalar types) and
``load_gpu_module`` makes a :class:`~.module.GPUModule` of it again, opening the
device on first use as ``build`` does (OpenCL from the source, CUDA from the PTX).
:func:`tecomp.runtime.load.load_module` recognizes a bundle by its magic line.
"""

import os
import pickle

from tecomp.errors import TecompError
from tecomp.target import Target

from .cuda import CUDADevice
from .module import BUNDLE_MAGIC, GPUModule
from .opencl import OpenCLDevice

MAGIC = BUNDLE_MAGIC


def is_gpu_bundle(path):
    try:
        with open(path, "rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def load_gpu_module(path):
    """The :class:`GPUModule` written to ``path`` by :meth:`GPUModule.export_library`."""
    with open(path, "rb") as fh:
        if fh.read(len(MAGIC)) != MAGIC:
            raise TecompError(f"load_module: {os.fspath(path)} is not a tecomp GPU module")
        payload = pickle.load(fh)
    target = Target(payload["target"])
    if target.kind == "cuda":
        def make_device(m):
            return CUDADevice(m.get_source("ptx"))
    else:
        def make_device(m):
            return OpenCLDevice(m.get_source())
    return GPUModule(payload["programs"], target, payload["sources"], make_device,
                     payload["scalar_dtype"])
