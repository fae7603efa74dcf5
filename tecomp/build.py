"""``build``: lower a schedule and compile it for a target."""

import importlib

from .errors import BuildError
from .ir import PrimFunc
from .lower import check_function_name, lower
from .schedule import Schedule
from .target import Target

# codegen/ depends on tecomp's IR, never the reverse: backends are found by name.
_BACKENDS = {"llvm": "codegen.llvm", "cuda": "codegen.cuda", "opencl": "codegen.opencl"}


def build(inputs, args=None, target="llvm", target_host=None, name="default_function",
          debug=False):
    """Compile a schedule (with its argument list) or lowered PrimFuncs to a Module.

    ``inputs`` may be a Schedule, a PrimFunc, a list of PrimFuncs, or a dict
    ``{name: (schedule, args)}`` to put several kernels in one module.
    ``target`` is a TVM-style string such as ``"llvm -mcpu=skylake-avx512"``;
    ``target_host`` is accepted for TVM compatibility. ``debug=True`` checks every
    buffer access at run time (:mod:`tecomp.transform.bounds_check`): an
    out-of-bounds index raises an error naming the buffer instead of touching memory."""
    target = Target(target) if not isinstance(target, Target) else target
    funcs = _lowered_functions(inputs, args, name)
    if debug:
        from .transform.bounds_check import bounds_check
        funcs = [bounds_check(f) for f in funcs]
    backend = _BACKENDS.get(target.kind)
    if backend is None:
        raise BuildError(f"build: no backend for target kind '{target.kind}'; "
                         f"available: {', '.join(_BACKENDS)}")
    try:
        module = importlib.import_module(backend)
    except ImportError as exc:
        raise BuildError(f"build: the '{target.kind}' backend is unavailable: {exc}") from exc
    return module.build(funcs, target)


def _lowered_functions(inputs, args, name):
    if isinstance(inputs, Schedule):
        check_function_name(name, BuildError)
        if args is None:
            raise BuildError("build: a schedule needs its argument list, build(s, [A, B, C])")
        return [lower(inputs, args, name=name)]
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
            funcs.append(lower(sch, fargs, name=fname))
        return funcs
    if isinstance(inputs, (list, tuple)) and inputs and all(isinstance(f, PrimFunc) for f in inputs):
        return list(inputs)
    raise BuildError(f"build: expected a schedule, a lowered function or a dict of them, "
                     f"got {type(inputs).__name__}")
