"""Devices and arrays in classic TVM's spelling: ``tvm.cpu(0)``, ``tvm.context``,
``tvm.nd.array`` and ``tvm.nd.empty``.

An :class:`NDArray` is a numpy array (a subclass of ``numpy.ndarray``) that also
records the device it was created for, so compiled functions accept it exactly
as they accept numpy arrays and results are read back with ``.asnumpy()``::

    ctx = tvm.cpu(0)
    a = tvm.nd.array(np.random.rand(1024).astype("float32"), ctx)
    c = tvm.nd.empty((1024,), "float32", ctx)
    f(a, c)
    print(c.asnumpy())

GPU contexts (``tvm.gpu(0)``, ``tvm.cuda(0)``, ``tvm.opencl(0)``) are accepted
and compare and print like TVM's; their arrays live in host memory for now.
"""

import numpy as np

from .runtime.gpu.cuda import cuda_device_attributes
from .runtime.timing import ProfileResult, time_evaluator  # noqa: F401 (tvm.nd's names)
from .runtime.gpu.opencl import opencl_device_attributes

#: TVM's device type codes (``DLDeviceType``) and the names ``repr`` uses.
_TYPE_CODES = {"cpu": 1, "gpu": 2, "opencl": 4, "vulkan": 7, "metal": 8, "ext_dev": 12}
_NAMES = {code: name for name, code in _TYPE_CODES.items()}
_ALIASES = {"llvm": "cpu", "c": "cpu", "stackvm": "cpu", "cpu": "cpu", "cuda": "gpu",
            "gpu": "gpu", "nvptx": "gpu", "cl": "opencl", "opencl": "opencl",
            "vulkan": "vulkan", "metal": "metal", "ext_dev": "ext_dev"}


class Context:
    """A device: ``device_type`` (TVM's code: 1 cpu, 2 gpu, 4 opencl) and ``device_id``.

    Prints as ``cpu(0)``; equal when type and id are equal (``tvm.context("llvm", 0)
    == tvm.cpu(0)``)."""

    __slots__ = ("device_type", "device_id")

    def __init__(self, device_type, device_id=0):
        if isinstance(device_type, str):
            device_type = _TYPE_CODES[_kind(device_type)]
        if device_type not in _NAMES:
            raise ValueError(f"unknown device type {device_type!r}; valid: "
                             f"{', '.join(f'{c} ({n})' for c, n in _NAMES.items())}")
        if isinstance(device_id, bool) or not isinstance(device_id, (int, np.integer)) \
                or device_id < 0:
            raise ValueError(f"device id must be a non-negative int, got {device_id!r}")
        self.device_type, self.device_id = int(device_type), int(device_id)

    @property
    def exist(self):
        """Whether the device is present (a CPU always is; a GPU needs its driver:
        ``cl(0).exist`` is True where pyopencl sees an OpenCL device, PoCL included)."""
        if self.device_type == 1:
            return True
        return self._attributes() is not None

    def _attributes(self):
        if self.device_type == 2:
            return cuda_device_attributes(self.device_id)
        if self.device_type == 4:
            return opencl_device_attributes(self.device_id)
        return None

    def _attribute(self, name):
        if self.device_type == 1:
            raise ValueError(f"{self!r} has no attribute '{name}' (a GPU device attribute)")
        attrs = self._attributes()
        if attrs is None:
            raise ValueError(f"{self!r}.{name}: the device does not exist (exist is False)")
        return attrs.get(name)

    # TVM's device attributes (GPU contexts; None where the device does not say)
    max_threads_per_block = property(lambda self: self._attribute("max_threads_per_block"))
    max_shared_memory_per_block = property(
        lambda self: self._attribute("max_shared_memory_per_block"))
    warp_size = property(lambda self: self._attribute("warp_size"))
    compute_version = property(lambda self: self._attribute("compute_version"))
    device_name = property(lambda self: self._attribute("device_name")
                           if self.device_type != 1 else _NAMES[1])
    multi_processor_count = property(lambda self: self._attribute("multi_processor_count"))
    max_clock_rate = property(lambda self: self._attribute("max_clock_rate"))

    def sync(self):
        """Wait for the device to finish its work (nothing to wait for on the host)."""

    def __eq__(self, other):
        return (isinstance(other, Context) and self.device_type == other.device_type
                and self.device_id == other.device_id)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((self.device_type, self.device_id))

    def __repr__(self):
        return f"{_NAMES[self.device_type]}({self.device_id})"


Device = Context


def _kind(name):
    word = name.split()[0] if name.strip() else name
    try:
        return _ALIASES[word]
    except KeyError:
        raise ValueError(f"unknown device {name!r}; valid names: "
                         f"{', '.join(sorted(_ALIASES))}") from None


def context(dev_type, dev_id=0):
    """A device from a name (``"llvm"``, ``"cpu"``, ``"cuda"``, ``"gpu"``, ``"opencl"``,
    a target string such as ``"llvm -mcpu=znver4"``) or a TVM type code."""
    return Context(dev_type, dev_id)


device = context


def cpu(dev_id=0):
    """The host CPU, ``cpu(0)``."""
    return Context(1, dev_id)


def gpu(dev_id=0):
    """A CUDA GPU, ``gpu(0)`` (arrays stay in host memory for now)."""
    return Context(2, dev_id)


cuda = gpu


def opencl(dev_id=0):
    """An OpenCL device, ``opencl(0)`` (arrays stay in host memory for now)."""
    return Context(4, dev_id)


cl = opencl


def _resolve_ctx(ctx, device_, default=None):
    if ctx is not None and device_ is not None and ctx != device_:
        raise ValueError(f"give ctx= or device=, not both ({ctx!r} and {device_!r})")
    ctx = ctx if ctx is not None else device_
    if ctx is None:
        return default if default is not None else cpu(0)
    if isinstance(ctx, str):
        return context(ctx)
    if not isinstance(ctx, Context):
        raise TypeError(f"expected a context such as tvm.cpu(0), got {ctx!r}")
    return ctx


class NDArray(np.ndarray):
    """A numpy array bound to a device context: ``.ctx`` / ``.device``,
    ``.asnumpy()`` / ``.numpy()`` for a plain numpy copy, ``copyfrom`` / ``copyto``."""

    def __array_finalize__(self, obj):
        self._ctx = getattr(obj, "_ctx", None)

    @property
    def ctx(self):
        return self._ctx if self._ctx is not None else cpu(0)

    device = ctx

    @property
    def context(self):
        return self.ctx

    def asnumpy(self):
        """A numpy copy of the data (a plain ``numpy.ndarray``)."""
        return np.array(self, copy=True).view(np.ndarray)

    numpy = asnumpy

    def copyfrom(self, source):
        """Copy ``source`` (array-like of the same shape) into this array; returns self."""
        source = np.asarray(source)
        if source.shape != self.shape:
            raise ValueError(f"copyfrom: shape {source.shape} does not match this array's "
                             f"{self.shape}")
        np.copyto(self.view(np.ndarray), source.astype(self.dtype, copy=False))
        return self

    def copyto(self, target):
        """Copy into ``target`` (an NDArray) or to a new array on ``target`` (a context)."""
        if isinstance(target, Context):
            return array(self, target)
        if isinstance(target, NDArray):
            return target.copyfrom(self)
        raise TypeError(f"copyto: expected an NDArray or a context, got {target!r}")

    def same_as(self, other):
        return self is other

    def __repr__(self):
        return f"<tecomp.NDArray shape={self.shape}, {self.ctx}>\n{self.asnumpy()!r}"

    __str__ = __repr__


def array(arr, ctx=None, device=None, dtype=None):  # noqa: A002 (TVM's keyword)
    """A new NDArray on ``ctx`` holding a copy of ``arr`` (any array-like, or an NDArray)."""
    ctx = _resolve_ctx(ctx, device, getattr(arr, "_ctx", None))
    data = np.array(arr, dtype=dtype, copy=True, order="C")
    out = data.view(NDArray)
    out._ctx = ctx
    return out


def empty(shape, dtype="float32", ctx=None, device=None):  # noqa: A002
    """A new uninitialized NDArray of ``shape`` and ``dtype`` on ``ctx``."""
    ctx = _resolve_ctx(ctx, device)
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    out = np.empty(tuple(int(d) for d in shape), dtype=dtype).view(NDArray)
    out._ctx = ctx
    return out


def zeros(shape, dtype="float32", ctx=None, device=None):  # noqa: A002
    """A new NDArray of zeros (a convenience beyond TVM's API)."""
    out = empty(shape, dtype, ctx, device)
    out.fill(0)
    return out


__all__ = ["Context", "Device", "NDArray", "ProfileResult", "array", "cl", "context", "cpu",
           "cuda", "device", "empty", "gpu", "opencl", "time_evaluator", "zeros"]
