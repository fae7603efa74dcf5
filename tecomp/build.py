"""``build``: lower a schedule and compile it for a target;
``load_module``: a library written by ``export_library``, back as a Module.

``build`` reads: :func:`~tecomp.lower.lower` -> :func:`~tecomp.lower.lower_for_target`
-> a backend of :data:`BACKENDS` emits code -> a runtime module. For a CPU that is
this host, the compile cache is asked first, by a key taken before lowering
(:func:`codegen.llvm.cache.source_key`): a hit skips lowering and LLVM.
"""

import functools
import os
import time

import codegen.cuda
import codegen.llvm
import codegen.opencl

from . import debug as debug_levels
from . import runtime
from .errors import BuildError
from .ir import PrimFunc
from .lower import check_function_name, lower_for_target, lower_function
from .runtime.gpu.cuda import cuda_device_attributes
from .runtime.gpu.opencl import opencl_device_attributes
from .schedule import Schedule
from .target import Target


# codegen imports tecomp (this package) too, so the backends are looked up when
# called, not when this module is imported.
def _emit_llvm(lowered, target, source_key=None):
    return codegen.llvm.build(lowered.funcs, target, source_key)


def _emit_cuda(lowered, target, source_key=None):
    return codegen.cuda.build(lowered, target)


def _emit_opencl(lowered, target, source_key=None):
    return codegen.opencl.build(lowered, target)


#: Target kind -> backend ``(TargetFuncs, Target, source_key) -> module``; only the
#: CPU backend caches by the source key.
BACKENDS = {"llvm": _emit_llvm, "cuda": _emit_cuda, "opencl": _emit_opencl}


def build(inputs, args=None, target="llvm", target_host=None, name="default_function",
          debug=False):
    """Compile a schedule (with its argument list) or lowered PrimFuncs to a Module.

    ``inputs`` may be a Schedule, a PrimFunc, a list of PrimFuncs, or a dict
    ``{name: (schedule, args)}`` to put several kernels in one module.
    ``target`` is a TVM-style string such as ``"llvm -mcpu=skylake-avx512"``;
    ``target_host`` is accepted for TVM compatibility. ``debug=True`` checks every
    buffer access at run time (:mod:`tecomp.transform.bounds_check`): an
    out-of-bounds index raises an error naming the buffer instead of touching memory.
    ``TECOMP_DEBUG=1..4`` reports what was built (:mod:`tecomp.debug`)."""
    start = time.perf_counter()
    target = Target(target) if not isinstance(target, Target) else target
    backend = BACKENDS.get(target.kind)
    if backend is None:
        raise BuildError(f"build: no backend for target kind '{target.kind}'; "
                         f"available: {', '.join(BACKENDS)}")
    key = _source_key(inputs, args, name, target, debug)
    module = codegen.llvm.load_cached(key, target) if key else None
    if module is None:
        funcs = _lowered_functions(inputs, args, name, debug)
        module = backend(lower_for_target(funcs, _with_device_limits(target), debug), target,
                         key)
    else:   # signatures: TECOMP_DEBUG=1 names them (from level 2 the cache is not asked)
        funcs = module.funcs
    return debug_levels.built(module, funcs, target, time.perf_counter() - start)


def _source_key(inputs, args, name, target, debug):
    """The compile cache's key of a CPU build of schedules, taken before lowering
    from everything lowering reads (:func:`codegen.llvm.cache.source_key`); ``None``
    for lowered functions, other targets, a CPU that is not this host, or a schedule
    that cannot be digested. A bad function name is refused by the lowering that a
    miss runs (no entry is ever stored under such a name)."""
    if target.kind != "llvm" or target.host_mismatch() is not None:
        return None
    if isinstance(inputs, Schedule):
        if args is None:
            return None
        graph = (name, inputs, args)
    elif isinstance(inputs, dict) and inputs and not any(
            isinstance(item, PrimFunc) for item in inputs.values()):
        graph = inputs
    else:
        return None
    return codegen.llvm.cache.source_key(graph, target, debug)


def _with_device_limits(target):
    """``target`` with the shared-memory limit of this machine's device when the
    target does not fix it (no ``-max_shared_memory_per_block``, no CUDA ``-arch``):
    an OpenCL device's local memory size, a CUDA GPU's opt-in maximum."""
    if target.kind not in ("cuda", "opencl") or "max_shared_memory_per_block" in target.options \
            or "arch" in target.options:
        return target
    limit = _device_shared_limit(target.kind, os.environ.get("TECOMP_OPENCL_DEVICE"))
    if not limit:
        return target
    return Target(f"{target} -max_shared_memory_per_block={limit}")


@functools.lru_cache(None)
def _device_shared_limit(kind, _opencl_device):
    if kind == "opencl":
        attrs = opencl_device_attributes()
        return attrs and attrs["max_shared_memory_per_block"]
    attrs = cuda_device_attributes()
    return attrs and attrs["max_shared_memory_per_block_optin"]


def load_module(path):
    """Load a shared library written by :meth:`Module.export_library` (see
    :func:`tecomp.runtime.load_module`), with the LLVM backend's native call entries."""
    return runtime.load_module(path, entry_compiler=codegen.llvm.fastcall.fast_entries)


def _lowered_functions(inputs, args, name, debug):
    if isinstance(inputs, Schedule):
        check_function_name(name, BuildError)
        if args is None:
            raise BuildError("build: a schedule needs its argument list, build(s, [A, B, C])")
        return [lower_function(inputs, args, name=name, debug=debug)]
    if isinstance(inputs, PrimFunc):
        return [inputs]
    if isinstance(inputs, dict):
        funcs = []
        for fname, item in inputs.items():
            if isinstance(item, PrimFunc):
                funcs.append(item)
                continue
            try:
                sch, fargs = item
            except (TypeError, ValueError):
                raise BuildError(f"build: entry '{fname}' must be (schedule, args) or a "
                                 "lowered function") from None
            check_function_name(fname, BuildError)
            funcs.append(lower_function(sch, fargs, name=fname, debug=debug))
        return funcs
    if isinstance(inputs, (list, tuple)) and inputs and all(isinstance(f, PrimFunc) for f in inputs):
        return list(inputs)
    raise BuildError(f"build: expected a schedule, a lowered function or a dict of them, "
                     f"got {type(inputs).__name__}")
