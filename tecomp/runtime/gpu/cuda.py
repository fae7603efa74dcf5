"""The CUDA device, through cuda-python (``pip install 'tecomp[cuda]'``).

:class:`CUDADevice` loads PTX (from :mod:`codegen.cuda.nvrtc`) on GPU 0 through
the driver API (primary context) and launches kernels.
"""

import ctypes

from tecomp.errors import BuildError
from tecomp.target import GPU_MAX_SHARED_BYTES

from .module import DeviceError


def _bindings():
    try:
        from cuda.bindings import driver
    except ImportError:
        try:
            from cuda import cuda as driver          # cuda-python < 12.6
        except ImportError as exc:
            raise BuildError("target 'cuda' needs cuda-python and NVRTC: pip install "
                             "'tecomp[cuda]'") from exc
    return driver


def _check(result, what):
    err = result[0] if isinstance(result, tuple) else result
    if int(err) != 0:
        raise DeviceError(f"CUDA driver: {what} failed: {err}")
    return result[1] if isinstance(result, tuple) and len(result) == 2 else result


def gpu_compute_capability():
    """``(major, minor)`` of GPU 0, or None without a GPU or driver."""
    try:
        driver = _bindings()
        if int(driver.cuInit(0)[0]) != 0:
            return None
        err, count = driver.cuDeviceGetCount()
        if int(err) != 0 or count < 1:
            return None
        attr = driver.CUdevice_attribute
        _, dev = driver.cuDeviceGet(0)
        _, major = driver.cuDeviceGetAttribute(attr.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev)
        _, minor = driver.cuDeviceGetAttribute(attr.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev)
        return major, minor
    except Exception:
        return None


def cuda_device_attributes(index=0):
    """TVM's device attributes of GPU ``index``, or None without a GPU or driver.
    ``max_shared_memory_per_block`` is the default 48 KiB; the opt-in maximum
    (dynamic shared memory) is ``max_shared_memory_per_block_optin``."""
    if gpu_compute_capability() is None:
        return None
    try:
        driver = _bindings()
        dev = _check(driver.cuDeviceGet(index), "cuDeviceGet")
        attr = driver.CUdevice_attribute

        def get(name):
            return int(_check(driver.cuDeviceGetAttribute(getattr(attr, name), dev), name))

        name = _check(driver.cuDeviceGetName(256, dev), "cuDeviceGetName")
        major = get("CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR")
        minor = get("CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR")
        return {"device_name": name.split(b"\0")[0].decode(),
                "max_threads_per_block": get("CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK"),
                "max_shared_memory_per_block":
                    get("CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK"),
                "max_shared_memory_per_block_optin":
                    get("CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN"),
                "warp_size": get("CU_DEVICE_ATTRIBUTE_WARP_SIZE"),
                "multi_processor_count": get("CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT"),
                "compute_version": f"{major}.{minor}",
                "max_clock_rate": get("CU_DEVICE_ATTRIBUTE_CLOCK_RATE")}
    except Exception:
        return None


class CUDADevice:
    def __init__(self, ptx):
        if gpu_compute_capability() is None:
            raise DeviceError("no CUDA GPU (or driver) found: a module built for target "
                              "'cuda' compiles without one (get_source('ptx') works) but runs "
                              "only on a GPU; build for target='opencl' to run elsewhere")
        driver = self.driver = _bindings()
        self.dev = _check(driver.cuDeviceGet(0), "cuDeviceGet")
        self.ctx = _check(driver.cuDevicePrimaryCtxRetain(self.dev), "cuDevicePrimaryCtxRetain")
        _check(driver.cuCtxSetCurrent(self.ctx), "cuCtxSetCurrent")
        name = _check(driver.cuDeviceGetName(256, self.dev), "cuDeviceGetName")
        self.name = "cuda:" + name.split(b"\0")[0].decode()
        attr = driver.CUdevice_attribute
        self.max_threads = _check(driver.cuDeviceGetAttribute(
            attr.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, self.dev), "attribute")
        self.module = _check(driver.cuModuleLoadData(ptx.encode() + b"\0"), "cuModuleLoadData")
        self.functions = {}
        self.dynamic_set = set()        # kernels whose dynamic shared limit is raised

    def alloc(self, nbytes):
        return _check(self.driver.cuMemAlloc(max(int(nbytes), 4)), "cuMemAlloc")

    def free(self, handle):
        self.driver.cuMemFree(handle)

    def copy_in(self, handle, array):
        if array.nbytes:
            _check(self.driver.cuMemcpyHtoD(handle, array.ctypes.data, array.nbytes), "cuMemcpyHtoD")

    def copy_out(self, array, handle):
        if array.nbytes:
            _check(self.driver.cuMemcpyDtoH(array.ctypes.data, handle, array.nbytes), "cuMemcpyDtoH")

    def synchronize(self):
        _check(self.driver.cuCtxSynchronize(), "cuCtxSynchronize")

    def function(self, name):
        f = self.functions.get(name)
        if f is None:
            f = self.functions[name] = _check(
                self.driver.cuModuleGetFunction(self.module, name.encode()), "cuModuleGetFunction")
        return f

    def attributes(self, name):
        """Registers per thread and local (spill) bytes of kernel ``name``."""
        a = self.driver.CUfunction_attribute
        f = self.function(name)
        return {"registers": _check(self.driver.cuFuncGetAttribute(
                    a.CU_FUNC_ATTRIBUTE_NUM_REGS, f), "cuFuncGetAttribute"),
                "local_bytes": _check(self.driver.cuFuncGetAttribute(
                    a.CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES, f), "cuFuncGetAttribute")}

    def launch(self, kernel, grid, block, args):
        f = self.function(kernel.name)
        values = []
        for a in args:
            if hasattr(a, "dtype"):          # numpy scalar
                values.append(ctypes.c_int32(int(a)) if a.dtype.itemsize == 4 and a.dtype.kind == "i"
                              else ctypes.c_int64(int(a)) if a.dtype.kind == "i"
                              else ctypes.c_float(float(a)) if a.dtype.itemsize == 4
                              else ctypes.c_double(float(a)))
            else:
                values.append(ctypes.c_void_p(int(a)))
        pointers = (ctypes.c_void_p * len(values))(*[ctypes.addressof(v) for v in values])
        shared = self.dynamic_shared(kernel, f)
        _check(self.driver.cuLaunchKernel(f, *grid, *block, shared, 0, ctypes.addressof(pointers),
                                          0), f"cuLaunchKernel({kernel.name})")

    def dynamic_shared(self, kernel, f):
        """Bytes of dynamic shared memory ``kernel`` is launched with: 0, or above
        the static 48 KiB its whole shared layout, after raising the function's
        ``MAX_DYNAMIC_SHARED_SIZE_BYTES`` to it (once)."""
        if kernel.shared_bytes <= GPU_MAX_SHARED_BYTES:
            return 0
        _, total = kernel.shared_layout()
        if kernel.name not in self.dynamic_set:
            optin = _check(self.driver.cuDeviceGetAttribute(
                self.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
                self.dev), "attribute")
            if total > optin:
                raise DeviceError(f"{kernel.name}: {total} bytes of shared memory is over the "
                                  f"{optin} of {self.name}")
            _check(self.driver.cuFuncSetAttribute(
                f, self.driver.CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                total), "cuFuncSetAttribute")
            self.dynamic_set.add(kernel.name)
        return total
