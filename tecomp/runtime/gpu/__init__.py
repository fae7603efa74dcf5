"""GPU runtime: device arrays and checked kernel launches.

A :class:`GPUModule` runs the host plan of each function
(:class:`~tecomp.transform.split_host_device.HostProgram`) on a *device*:
:class:`~tecomp.runtime.gpu.opencl.OpenCLDevice` (pyopencl, the first available
OpenCL device; ``TECOMP_OPENCL_DEVICE=i`` picks another) or
:class:`~tecomp.runtime.gpu.cuda.CUDADevice` (cuda-python's driver API, GPU 0).
Calls take numpy arrays (copied to the device and written ones back) or
:class:`DeviceArray`\\ s (no copies), checked like CPU calls before anything runs.
"""

from .module import DeviceArray, DeviceError, GPUFunction, GPUModule

__all__ = ["DeviceArray", "DeviceError", "GPUFunction", "GPUModule"]
