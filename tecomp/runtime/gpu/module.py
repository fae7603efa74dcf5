"""GPUModule, GPUFunction and DeviceArray; the device backends live beside."""

import os
import pickle
import time

import numpy as np

from tecomp.abi import written_buffers
from tecomp.errors import (ArgumentTypeError, ArgumentValueError, BuildError, DeviceError,
                           TecompError)
from tecomp.ir import Buffer
from tecomp.ir import dtype as dt

from ..arguments import ArgumentChecker, keyword_error
from ..evaluate import evaluate
from ..timing import time_evaluator

#: the first line of a GPU module written by :meth:`GPUModule.export_library`
BUNDLE_MAGIC = b"TECOMP-GPU-MODULE 1\n"


class DeviceArray:
    """An array in device memory: ``shape``, ``dtype``, ``numpy()``.

    Make one with ``mod.array(np_array)`` or ``mod.empty(shape, dtype)``; pass it
    to the module's functions to skip the host copies."""

    def __init__(self, device, shape, dtype):
        self.device = device
        self.shape = tuple(int(x) for x in shape)
        self.dtype = np.dtype(dtype)
        self.nbytes = int(np.prod(self.shape, dtype=np.int64)) * self.dtype.itemsize
        self.handle = device.alloc(self.nbytes)

    def copyfrom(self, array):
        array = np.ascontiguousarray(array, dtype=self.dtype)
        if array.shape != self.shape:
            raise ArgumentValueError(f"copyfrom: expected shape {self.shape}, got {array.shape}")
        self.device.copy_in(self.handle, array)
        return self

    def numpy(self):
        out = np.empty(self.shape, self.dtype)
        self.device.copy_out(out, self.handle)
        return out

    asnumpy = numpy

    def __del__(self):
        try:
            self.device.free(self.handle)
        except Exception:       # interpreter shutdown: the driver may be gone
            pass

    def __repr__(self):
        return f"<DeviceArray {self.shape} {self.dtype} on {self.device.name}>"


class GPUFunction:
    """One function: a checked call that runs its kernels in order."""

    def __init__(self, program, device, scalar_dtype):
        self.program = program
        self.func = program.func
        self.name = program.func.name
        self.device = device
        self.check = ArgumentChecker(program.func)
        self.nbuf = len(program.func.buffer_params)
        self.written = set(self.check_written())
        self.scalar_dtype = scalar_dtype      # Var -> numpy dtype of its kernel parameter
        self._proxies = {}

    def check_written(self):
        return written_buffers(self.program.func)

    def _proxy(self, arg):
        key = (arg.shape, arg.dtype)
        proxy = self._proxies.get(key)
        if proxy is None:
            proxy = self._proxies[key] = np.empty(arg.shape, arg.dtype)   # never touched
        return proxy

    def __call__(self, *args, **kwargs):
        if kwargs:
            raise keyword_error(self.func, kwargs)
        proxies = [self._proxy(a) if isinstance(a, DeviceArray) else a for a in args]
        _, scalars = self.check(proxies)
        values = dict(zip(self.check.vars, scalars))
        buffers = self.func.buffer_params
        handles, copies, owned = {}, [], []
        seen = {}
        for position, (buf, arg) in enumerate(zip(buffers, args)):
            if isinstance(arg, DeviceArray):
                if arg.device is not self.device:
                    raise ArgumentValueError(f"argument {position + 1} '{buf.name}': the array "
                                             f"lives on {arg.device.name}, the function runs on "
                                             f"{self.device.name}")
                if id(arg) in seen and (buf in self.written or seen[id(arg)] in self.written):
                    raise ArgumentValueError(f"argument {position + 1} '{buf.name}' is the same "
                                             "device array as another argument and the function "
                                             "writes one of them; pass separate arrays")
                seen[id(arg)] = buf
                handles[buf] = arg.handle
            else:
                handle = self.device.alloc(arg.nbytes)
                owned.append(handle)
                self.device.copy_in(handle, arg)
                handles[buf] = handle
                if buf in self.written:
                    copies.append((arg, handle))
        try:
            for temp, extent in self.program.temps.items():
                nbytes = evaluate(extent, values) * max(1, dt.bits_of(temp.dtype) // 8)
                handles[temp] = self.device.alloc(nbytes)
                owned.append(handles[temp])
            self._run(self.program.launches, handles, values)
            for array, handle in copies:
                self.device.copy_out(array, handle)
        finally:
            for handle in owned:
                self.device.free(handle)

    def _run(self, launches, handles, values):
        """Launch each kernel in order; a host loop (a scan's time loop) runs its
        launches once per value of its variable."""
        for launch in launches:
            if not hasattr(launch, "kernel"):
                start = evaluate(launch.min, values)
                for step in range(start, start + evaluate(launch.extent, values)):
                    self._run(launch.launches, handles, {**values, launch.var: step})
                continue
            kernel = launch.kernel
            grid = tuple(evaluate(e, values) for e in kernel.grid)
            block = tuple(e.value for e in kernel.block)
            if 0 in grid:
                continue
            kargs = [handles[a] if isinstance(a, Buffer) else
                     self.scalar_dtype[a].type(values[a]) for a in launch.args]
            self.device.launch(kernel, grid, block, kargs)

    def time(self, *args, number=10, repeat=3):
        """Best mean seconds per call over ``repeat`` runs of ``number`` calls
        (pass DeviceArrays to time the kernels alone)."""
        self(*args)
        self.device.synchronize()
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            for _ in range(number):
                self(*args)
            self.device.synchronize()
            best = min(best, (time.perf_counter() - start) / number)
        return best

    def __repr__(self):
        return f"<tecomp GPUFunction {self.name} on {self.device.name}>"


class GPUModule:
    """Compiled GPU functions. ``mod(*args)`` calls the first; ``mod[name]`` any.

    ``get_source()`` is the kernel source (CUDA C or OpenCL C); the CUDA module
    also has ``get_source("ptx")``. ``device`` is created on the first call (or
    ``mod.array``), so building needs no device."""

    def __init__(self, programs, target, sources, make_device, scalar_dtype):
        if not programs:
            raise BuildError("a module needs at least one function")
        self.programs = list(programs)
        self.funcs = [p.func for p in programs]
        self.target = target
        self.sources = dict(sources)
        self._make_device = make_device
        self._scalar_dtype = scalar_dtype
        self._device = None
        self._functions = None
        self._report = None
        self.entry_name = self.funcs[0].name

    @property
    def device(self):
        if self._device is None:
            self._device = self._make_device(self)
        return self._device

    def _function_table(self):
        if self._functions is None:
            device = self.device
            self._functions = {p.func.name: GPUFunction(p, device, self._scalar_dtype)
                               for p in self.programs}
        return self._functions

    def __call__(self, *args, **kwargs):
        if self._report is None:
            return self.get_function(self.entry_name)(*args, **kwargs)
        start = time.perf_counter()
        try:
            return self.get_function(self.entry_name)(*args, **kwargs)
        finally:
            self._report(self.entry_name, time.perf_counter() - start)

    def time_calls(self, report):
        """Call ``report(name, seconds)`` after each call of the module (its entry
        function, copies included); ``TECOMP_DEBUG`` uses this (:mod:`tecomp.debug`)."""
        self._report = report

    def time(self, *args, number=10, repeat=3):
        """Seconds per call of the first function (see :meth:`GPUFunction.time`)."""
        return self.get_function(self.entry_name).time(*args, number=number, repeat=repeat)

    def get_function(self, name):
        names = [f.name for f in self.funcs]
        if name not in names:
            raise KeyError(f"module has no function {name!r}; functions: {', '.join(names)}")
        return self._function_table()[name]

    __getitem__ = get_function

    def __contains__(self, name):
        return any(f.name == name for f in self.funcs)

    @property
    def function_names(self):
        return [f.name for f in self.funcs]

    @property
    def kernels(self):
        return [k for p in self.programs for k in p.kernels]

    def get_source(self, fmt=None):
        fmt = fmt or next(iter(self.sources))
        if fmt not in self.sources:
            raise BuildError(f"get_source: no {fmt!r} source; available: "
                             f"{', '.join(self.sources)}")
        source = self.sources[fmt]
        return source() if callable(source) else source

    def time_evaluator(self, func_name, ctx=None, number=10, repeat=1, min_repeat_ms=0):
        """TVM's timer: ``mod.time_evaluator(mod.entry_name, dev, number=10)(*args)``
        gives a ``ProfileResult`` of seconds per call of the kernels alone: numpy
        arguments are copied to the device once, each timed batch ends with a
        device synchronization, and written arrays are copied back at the end."""
        function = self.get_function(func_name)

        def evaluate(*args):
            on_device = [self.array(np.ascontiguousarray(a)) if isinstance(a, np.ndarray) else a
                         for a in args]
            result = time_evaluator(function, ctx, number, repeat, min_repeat_ms,
                                    sync=function.device.synchronize)(*on_device)
            for arg, dev in zip(args, on_device):
                if isinstance(arg, np.ndarray) and arg.flags.writeable:
                    arg[...] = dev.numpy().reshape(arg.shape)
            return result

        return evaluate

    def save(self, path, fmt=None):
        """Write the device code: ``.cu`` (CUDA C), ``.cl`` (OpenCL C) or ``.ptx``
        (TVM's ``mod.imported_modules[0].save``). The whole module (host launch
        plan and device code) is written by :meth:`export_library`."""
        suffix = os.path.splitext(os.fspath(path))[1]
        fmt = fmt or {".cu": "cuda", ".cl": "cl", ".ptx": "ptx"}.get(suffix)
        if fmt is None:
            raise BuildError(f"save: unknown file type {suffix or path!r} for a GPU module; "
                             f"valid suffixes: .cu, .cl, .ptx (the sources: "
                             f"{', '.join(self.sources)}); export_library writes the whole "
                             "module")
        with open(path, "w") as fh:
            fh.write(self.get_source(fmt))
        return path

    def export_library(self, path):
        """Write the module (each function's host launch plan, the kernel source and
        the PTX) to one file that :func:`tecomp.load_module` reads back. It is a
        tecomp GPU bundle (a magic line, then the pickled plans, target, sources
        and scalar types), not a native shared library: the host side of a GPU
        module is tecomp's launcher."""
        sources = {fmt: (text() if callable(text) else text) for fmt, text in self.sources.items()}
        payload = {"programs": self.programs, "target": str(self.target), "sources": sources,
                   "scalar_dtype": self._scalar_dtype}
        with open(path, "wb") as fh:
            fh.write(BUNDLE_MAGIC)
            pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
        return os.fspath(path)

    @property
    def imported_modules(self):
        """TVM's view of a GPU build: a host module importing one device module,
        whose ``get_source()`` is the kernel source."""
        return [DeviceSourceModule(self)]

    @property
    def type_key(self):
        return "host"

    def array(self, array):
        """A :class:`DeviceArray` holding a copy of numpy ``array``."""
        if not isinstance(array, np.ndarray):
            raise ArgumentTypeError(f"array: expected a numpy.ndarray, got {type(array).__name__}")
        return DeviceArray(self.device, array.shape, array.dtype).copyfrom(array)

    def empty(self, shape, dtype="float32"):
        """An uninitialized :class:`DeviceArray`."""
        return DeviceArray(self.device, shape, dt.numpy_dtype(dtype) if isinstance(dtype, str)
                           else dtype)

    def __repr__(self):
        return f"<tecomp GPUModule {self.target} [{', '.join(self.function_names)}]>"


class DeviceSourceModule:
    """The device part of a :class:`GPUModule` (TVM ``mod.imported_modules[0]``):
    ``get_source(fmt)`` and ``type_key`` ("cuda" or "opencl")."""

    def __init__(self, module):
        self.module = module
        self.type_key = module.target.kind if hasattr(module.target, "kind") else str(module.target)
        self.imported_modules = []

    def get_source(self, fmt=None):
        return self.module.get_source(fmt)

    def save(self, path, fmt=None):
        return self.module.save(path, fmt)

    def __repr__(self):
        return f"<tecomp DeviceSourceModule {self.type_key}>"
