"""``TECOMP_DEBUG``: what tecomp tells you while it builds and runs kernels.

One place implements every level; :func:`tecomp.build` calls :func:`built`
once per module. Each level adds to the one below, on standard error:

==  =====================================================================
1   each kernel built, with its compile time; each call of it, with its time
2   the lowered IR of each function (what ``te.lower`` prints)
3   the generated code: LLVM IR on the CPU, CUDA C or OpenCL C on a GPU
4   the machine code: the assembly on the CPU, the PTX for CUDA
==  =====================================================================

``TECOMP_PRINT_IR=1`` (the pass log of :mod:`tecomp.lower`) prints the IR
after every lowering pass instead. The level is read at each build, so
``os.environ["TECOMP_DEBUG"] = "2"`` in a running program takes effect at the
next ``te.build``.
"""

import os
import sys

from .errors import ArgumentValueError

#: What each level adds, for error messages and documentation.
LEVELS = {1: "kernels built and calls, with times", 2: "+ the lowered IR",
          3: "+ LLVM IR or the GPU source", 4: "+ assembly or PTX"}


def level():
    """The current ``TECOMP_DEBUG`` level, 0 when unset."""
    text = os.environ.get("TECOMP_DEBUG", "").strip()
    if not text:
        return 0
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 4:
        raise ArgumentValueError(f"TECOMP_DEBUG={text!r}: use 0 (off) to 4; levels: "
                                 + "; ".join(f"{k} {v}" for k, v in LEVELS.items()))
    return value


def log(text):
    print(f"[tecomp] {text}", file=sys.stderr, flush=True)


def built(module, funcs, target, seconds):
    """Report a module just built by ``te.build`` at the current level and, from
    level 1, time each call of its entry function. Returns ``module``."""
    current = level()
    if current == 0:
        return module
    names = ", ".join(f.name for f in funcs)
    log(f"built {names} for {target.kind} in {seconds:.3f} s")
    if current >= 2:
        for f in funcs:
            _section(f"lowered IR of {f.name}", str(f))
    if current >= 3:
        fmt, text = _code(module, target)
        _section(f"{fmt} of {names}", text)
    if current >= 4:
        fmt, text = _machine_code(module, target)
        _section(f"{fmt} of {names}", text)
    module.time_calls(lambda name, s: log(f"call {name}: {s * 1e3:.3f} ms"))
    return module


def _section(title, text):
    log(f"----- {title} -----")
    print(text.rstrip("\n"), file=sys.stderr, flush=True)


def _code(module, target):
    if target.kind == "llvm":
        return "LLVM IR", module.get_source("ll")
    dialect = {"cuda": "CUDA C", "opencl": "OpenCL C"}.get(target.kind, target.kind)
    return dialect, module.get_source()


def _machine_code(module, target):
    if target.kind == "llvm":
        return "assembly", module.get_source("asm")
    if target.kind == "cuda":
        return "PTX", module.get_source("ptx")
    return "machine code", (f"(none: the {target.kind} driver compiles the source when the "
                            "module is first called)")


__all__ = ["level", "built", "log", "LEVELS"]
