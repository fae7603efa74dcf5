"""GPU modules on disk: ``export_gpu_module`` writes a bundle (a magic line,
then the pickled launch plans, target, sources and scalar types) and
``load_gpu_module`` makes a :class:`~.module.GPUModule` of it again, opening the
device on first use as ``build`` does (OpenCL from the source, CUDA from the PTX).
:func:`tecomp.runtime.load.load_module` recognizes a bundle by its magic line.
"""

import os
import pickle

from tecomp.errors import TecompError
from tecomp.target import Target

from .cuda import CUDADevice
from .module import GPUModule
from .opencl import OpenCLDevice

MAGIC = b"TECOMP-GPU-MODULE 1\n"


def export_gpu_module(module, path):
    """Write ``module`` to ``path``; returns the path."""
    sources = {fmt: (text() if callable(text) else text) for fmt, text in module.sources.items()}
    payload = {"programs": module.programs, "target": str(module.target), "sources": sources,
               "scalar_dtype": module._scalar_dtype}
    with open(path, "wb") as fh:
        fh.write(MAGIC)
        pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return os.fspath(path)


def is_gpu_bundle(path):
    try:
        with open(path, "rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def load_gpu_module(path):
    """The :class:`GPUModule` written to ``path`` by :func:`export_gpu_module`."""
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
