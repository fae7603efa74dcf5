"""Packed functions: TVM's global function registry, with Python callbacks that
compiled CPU code calls (``tvm.tir.call_packed``).

``register_func(name)(f)`` registers ``f``; ``get_global_func(name)`` returns it
as a :class:`PackedFunc`. A call site in compiled code is a C function of a fixed
signature (:func:`call_site`): per array argument its data pointer and one
``int64`` per dimension, per number an ``int64`` or a ``double``. Its ctypes
callback looks the name up at call time (so ``override=True`` takes effect),
passes arrays as :class:`tecomp.nd.NDArray` views of the caller's memory (a
write to them is a write to the kernel's buffer) and numbers as Python numbers,
and returns 0, or -1 after recording the exception, which the call re-raises
(:mod:`tecomp.runtime.packed_error`).
"""

import ctypes

import numpy as np

from .errors import TecompError
from .ir import dtype as dt
from .nd import NDArray
from .runtime import packed_error

_REGISTRY = {}
_CALL_SITES = {}          # symbol -> (ctypes callback, address); kept alive for the process


class PackedFunc:
    """A registered function, callable from Python too."""

    def __init__(self, name, func):
        self.name, self.func = name, func

    def __call__(self, *args):
        return self.func(*args)

    def __repr__(self):
        return f"<PackedFunc {self.name}>"


def register_func(func_name, f=None, override=False):
    """Register ``f`` under ``func_name`` (TVM's ``tvm.register_func``); as a
    decorator ``@register_func("name")`` or ``@register_func`` (the function's
    own name). Registering a taken name needs ``override=True``."""
    if callable(func_name) and f is None:
        return register_func(func_name.__name__, func_name, override)
    if not isinstance(func_name, str) or not func_name:
        raise TecompError(f"register_func: the name must be a non-empty string, got "
                          f"{func_name!r}")

    def register(func):
        if not callable(func):
            raise TecompError(f"register_func({func_name!r}): {func!r} is not callable")
        if func_name in _REGISTRY and not override:
            raise TecompError(f"register_func: {func_name!r} is already registered; pass "
                              "override=True to replace it")
        _REGISTRY[func_name] = PackedFunc(func_name, func)
        return func

    return register if f is None else register(f)


def get_global_func(name, allow_missing=False):
    """The :class:`PackedFunc` registered under ``name``; None if there is none and
    ``allow_missing``, else a :class:`~tecomp.errors.TecompError`."""
    found = _REGISTRY.get(name)
    if found is None and not allow_missing:
        raise TecompError(f"get_global_func: no function is registered under {name!r}; "
                          "register one with tvm.register_func")
    return found


def list_global_func_names():
    return sorted(_REGISTRY)


def call_site(name, kinds):
    """``(symbol, address)`` of the C-callable entry for calls of ``name`` with
    arguments of ``kinds``: ``("array", dtype, ndim)``, ``("int",)`` or ``("float",)``."""
    kinds = tuple(tuple(k) for k in kinds)
    symbol = "__tecomp_packed_" + _mangle(name, kinds)
    found = _CALL_SITES.get(symbol)
    if found is None:
        argtypes = []
        for kind in kinds:
            if kind[0] == "array":
                argtypes += [ctypes.c_void_p] + [ctypes.c_int64] * kind[2]
            else:
                argtypes.append(ctypes.c_double if kind[0] == "float" else ctypes.c_int64)
        callback = ctypes.CFUNCTYPE(ctypes.c_int32, *argtypes)(_entry(name, kinds))
        found = _CALL_SITES[symbol] = (callback, ctypes.cast(callback, ctypes.c_void_p).value)
    return symbol, found[1]


def _mangle(name, kinds):
    text = name + "".join(f"_{k[1]}x{k[2]}" if k[0] == "array" else f"_{k[0]}" for k in kinds)
    return "".join(c if c.isalnum() else "_" for c in text) + f"_{len(text)}"


def _entry(name, kinds):
    def entry(*raw):
        try:
            args, position = [], 0
            for kind in kinds:
                if kind[0] == "array":
                    pointer, shape = raw[position], raw[position + 1:position + 1 + kind[2]]
                    position += 1 + kind[2]
                    args.append(_view(pointer, shape, kind[1]))
                else:
                    args.append(raw[position])
                    position += 1
            func = get_global_func(name)
            func(*args)
            return 0
        except BaseException as error:      # noqa: B902 (re-raised by the call)
            packed_error.record(error)
            return -1
    return entry


def _view(pointer, shape, dtype):
    dtype = np.dtype(dt.numpy_dtype(dtype))
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if count == 0 or not pointer:
        return np.empty(shape, dtype).view(NDArray)
    memory = (ctypes.c_char * (count * dtype.itemsize)).from_address(pointer)
    return np.frombuffer(memory, dtype).reshape(tuple(shape)).view(NDArray)
