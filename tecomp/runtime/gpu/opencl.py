"""The OpenCL device: pyopencl on the first available device (PoCL on a plain CPU).

``TECOMP_OPENCL_DEVICE=i`` picks the i-th device over all platforms."""

import os
import re

from tecomp.errors import BuildError

from .module import DeviceError


def _pyopencl():
    try:
        import pyopencl
    except ImportError as exc:
        raise DeviceError("target 'opencl' needs pyopencl and an OpenCL driver: pip install "
                          "'tecomp[opencl]' (brings PoCL, a CPU OpenCL device)") from exc
    return pyopencl


def opencl_devices():
    """Every OpenCL device pyopencl sees (empty without pyopencl or a driver)."""
    try:
        cl = _pyopencl()
        return [d for p in cl.get_platforms() for d in p.get_devices()]
    except Exception:
        return []


def opencl_device_attributes(index=None):
    """TVM's device attributes of OpenCL device ``index`` (default:
    ``TECOMP_OPENCL_DEVICE`` or 0), or None when there is none."""
    devices = opencl_devices()
    index = int(os.environ.get("TECOMP_OPENCL_DEVICE", 0)) if index is None else index
    if not 0 <= index < len(devices):
        return None
    d = devices[index]
    return {"device_name": d.name.strip(), "max_threads_per_block": int(d.max_work_group_size),
            "max_shared_memory_per_block": int(d.local_mem_size), "warp_size": 1,
            "multi_processor_count": int(d.max_compute_units),
            "compute_version": d.version.strip(), "max_clock_rate": int(d.max_clock_frequency)}


#: the OpenCL extension each optional dtype needs
EXTENSION_DTYPES = {"cl_khr_fp16": "float16", "cl_khr_fp64": "float64"}


def missing_extensions(source, device):
    """``[(dtype, extension)]`` the ``#pragma OPENCL EXTENSION`` lines of ``source``
    need and ``device`` lacks."""
    have = set(device.extensions.split())
    needed = re.findall(r"#pragma OPENCL EXTENSION (\w+) : enable", source)
    return [(EXTENSION_DTYPES.get(ext, ext), ext) for ext in needed if ext not in have]


class OpenCLDevice:
    def __init__(self, source):
        cl = self.cl = _pyopencl()
        devices = opencl_devices()
        if not devices:
            raise DeviceError("no OpenCL device found; pip install 'tecomp[opencl]' for PoCL")
        index = int(os.environ.get("TECOMP_OPENCL_DEVICE", 0))
        self.dev = devices[index]
        self.name = f"opencl:{self.dev.name.strip()}"
        self.ctx = cl.Context([self.dev])
        self.queue = cl.CommandQueue(self.ctx)
        self.max_threads = self.dev.max_work_group_size
        self.max_shared = self.dev.local_mem_size
        missing = missing_extensions(source, self.dev)
        if missing:
            what = ", ".join(f"{dtype} (needs {ext})" for dtype, ext in missing)
            raise BuildError(f"OpenCL device '{self.dev.name.strip()}' does not support "
                             f"{what}; compute in float32 (astype) or pick another device "
                             "with TECOMP_OPENCL_DEVICE")
        try:
            self.program = cl.Program(self.ctx, source).build()
        except cl.RuntimeError as exc:
            raise BuildError(f"OpenCL compilation failed:\n{exc}\n--- source ---\n{source}") \
                from None
        self.kernels = {}

    def alloc(self, nbytes):
        return self.cl.Buffer(self.ctx, self.cl.mem_flags.READ_WRITE, size=max(int(nbytes), 4))

    def free(self, handle):
        handle.release()

    def copy_in(self, handle, array):
        if array.nbytes:
            self.cl.enqueue_copy(self.queue, handle, array, is_blocking=False)

    def copy_out(self, array, handle):
        if array.nbytes:
            self.cl.enqueue_copy(self.queue, array, handle, is_blocking=True)

    def synchronize(self):
        self.queue.finish()

    def launch(self, kernel, grid, block, args):
        threads = block[0] * block[1] * block[2]
        if threads > self.max_threads:
            raise DeviceError(f"{kernel.name}: {threads} threads per block is over the limit "
                              f"of {self.max_threads} of {self.name}")
        if kernel.shared_bytes > self.max_shared:
            raise DeviceError(f"{kernel.name}: {kernel.shared_bytes} bytes of shared memory is "
                              f"over the {self.max_shared} of {self.name}")
        k = self.kernels.get(kernel.name)
        if k is None:
            k = self.kernels[kernel.name] = self.cl.Kernel(self.program, kernel.name)
        k.set_args(*args)
        global_size = tuple(g * b for g, b in zip(grid, block))
        self.cl.enqueue_nd_range_kernel(self.queue, k, global_size, block)
