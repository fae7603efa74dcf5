"""Optimize and compile the units of a module (:mod:`.split_units`) in threads.

LLVM runs in parallel on modules of different ``LLVMContext``s, but llvmlite
serializes every call into LLVM behind one process-wide lock. The long calls (parse,
verify, the O3 pipeline, object emission) are therefore made through the raw ctypes
functions under llvmlite's wrappers (``ffi.lib.NAME._cfn``, which release the GIL
and take no lock); the short ones (creating a TargetMachine or a pass builder,
disposing) go through llvmlite as usual. Printing a module is not among the raw
calls: llvmlite's printer switches the process's locale to "C" and back around
LLVM's (``setlocale(LC_ALL, ...)``, process-wide), so two prints at once could
leave the locale at "C" for good and, meanwhile, Python would read files as
ASCII. The optimized IR is printed through llvmlite's lock in the calling thread
once every worker has stopped (a module's context is used by one thread at a time). Each worker thread has its
own context and TargetMachine; the calling thread is one of the workers. Units are
handed out longest first. Every context and module is disposed before
:func:`compile_units` returns, and an error in any unit is raised in the calling
thread after all workers stopped (a build never keeps half of its units).

``_cfn`` is private to llvmlite: :data:`RAW_CALLS` says whether this llvmlite has
it for every function used, and the caller compiles the module whole (serially,
through llvmlite's ordinary API) when it does not.

The runtime helpers' unit (``optnone``, the same text in every module that has a
parallel loop) is compiled once per process and target: :func:`compile_units`
keeps its object and optimized text, keyed by the unit's text and the target
machine's settings.
"""

import ctypes
import os
import threading

import llvmlite.binding as llvm
from llvmlite.binding import ffi

from tecomp.errors import BuildError, InternalError
from tecomp.target_cpu import usable_cores

from .pass_pipeline import run_default_pipeline

_RAW_NAMES = ("LLVMPY_ParseAssembly", "LLVMPY_VerifyModule", "LLVMPY_RunNewModulePassManager",
              "LLVMPY_TargetMachineEmitToMemory")


def _raw_functions():
    try:
        return {name: getattr(ffi.lib, name)._cfn for name in _RAW_NAMES}
    except AttributeError:
        return None


_RAW = _raw_functions()

#: Whether this llvmlite exposes the raw (unlocked) C functions the threads use.
RAW_CALLS = _RAW is not None

#: Most threads a build uses (fewer when fewer cores or units).
MAX_THREADS = 4


def build_threads():
    """Threads for LLVM in one build: ``TECOMP_BUILD_THREADS`` if a positive integer,
    else the cores this process may run on (at most :data:`MAX_THREADS`) less the
    other tasks running (:func:`other_tasks`): on a busy machine a second thread
    only waits for a core (measured on 2 cores with two other processes running: 2
    threads took 1.2x the time of one)."""
    value = os.environ.get("TECOMP_BUILD_THREADS", "").strip()
    if value.isdigit() and int(value) > 0:
        return min(int(value), 64)
    return max(1, min(usable_cores() - other_tasks(_loadavg()), MAX_THREADS))


def _loadavg():
    try:
        with open("/proc/loadavg", "rb") as fh:
            return fh.read().decode()
    except OSError:
        return ""


def other_tasks(loadavg):
    """Tasks besides this one that keep cores busy, from ``/proc/loadavg``'s text:
    the runnable tasks now (its ``running/total`` field, less this thread), but no
    more than the 1-minute average less this process (so a kernel thread runnable
    at the instant of reading does not halve the threads of a build on an idle
    machine); 0 where it cannot be read."""
    try:
        fields = loadavg.split()
        running = int(fields[3].split("/")[0]) - 1
        average = int(float(fields[0]) - 1 + 0.5)
    except (ValueError, IndexError):
        return 0
    return max(0, min(running, average))


class CompiledUnit:
    """A unit's object code (``obj``), the functions its optimized IR declares
    (``declared``, names) and that IR's text (``ll``; ``None`` unless asked for)."""

    def __init__(self, ll, obj, declared):
        self.ll, self.obj, self.declared = ll, obj, declared


#: (unit text, target machine settings) -> CompiledUnit, for helper units.
_HELPERS = {}
_HELPERS_MAX = 32
_HELPERS_LOCK = threading.Lock()

#: Idle TargetMachines by settings (creating one takes ~0.4 ms); each is used by
#: one thread at a time.
_MACHINES = {}
_MACHINES_LOCK = threading.Lock()


def _take_machine(key, make_tm):
    with _MACHINES_LOCK:
        idle = _MACHINES.get(key)
        if idle:
            return idle.pop()
    return make_tm()


def _give_back_machine(key, tm):
    with _MACHINES_LOCK:
        if key not in _MACHINES and len(_MACHINES) >= 8:
            _MACHINES.clear()
        idle = _MACHINES.setdefault(key, [])
        if len(idle) < MAX_THREADS:
            idle.append(tm)


def compile_units(units, make_tm, tuning, tm_key, threads, idle=None, text=True):
    """``[CompiledUnit]`` for ``units`` (:class:`.split_units.Unit`): each parsed,
    verified, optimized with the pipeline ``tuning()`` gives (a
    ``PipelineTuningOptions``) for the TargetMachine ``make_tm()`` and compiled to
    an object, in up to ``threads`` threads. ``tm_key`` identifies ``make_tm()``'s
    machine (the helper memo, the idle machines). ``idle(results)``, if given, runs
    in the calling thread once no unit is left to start, while other threads finish
    theirs (not after an error); ``results`` holds the CompiledUnits done so far
    (``None`` for the others). ``text``: print each unit's optimized IR (always
    the helpers', which are compiled once). Raises InternalError for
    a unit LLVM refuses (its text in the message) and BuildError for an object LLVM
    cannot emit."""
    results = [None] * len(units)
    todo = []
    for i, unit in enumerate(units):
        memo = _HELPERS.get((unit.text, tm_key)) if unit.helpers else None
        if memo is not None:
            results[i] = memo
        else:
            todo.append(i)
    todo.sort(key=lambda i: -len(units[i].text))     # longest first
    errors = []
    lock = threading.Lock()
    contexts, unprinted = [], {}    # closed, printed once the workers stopped

    def worker():
        tm = None
        try:
            context = llvm.create_context()
            with lock:
                contexts.append(context)
            tm = _take_machine(tm_key, make_tm)
            while True:
                with lock:
                    if not todo or errors:
                        return
                    i = todo.pop(0)
                results[i], mod = _compile_one(units[i].text, context, tm, tuning,
                                               text or units[i].helpers)
                if mod is not None:
                    with lock:
                        unprinted[i] = mod
        except BaseException as exc:        # surfaced in the calling thread
            with lock:
                errors.append(exc)
        finally:
            if tm is not None:
                _give_back_machine(tm_key, tm)

    count = max(1, min(threads, len(todo)))
    # not daemons: an interpreter that exits waits for LLVM to finish
    helpers = [threading.Thread(target=worker, name=f"tecomp-llvm-{n}")
               for n in range(count - 1)]
    for thread in helpers:
        thread.start()
    worker()
    try:
        if idle is not None and not errors:
            idle(list(results))
    finally:
        for thread in helpers:
            thread.join()
        try:
            for i, mod in unprinted.items():
                if not errors:
                    results[i].ll = str(mod)    # llvmlite's locked print (see the module doc)
        finally:
            for mod in unprinted.values():
                mod.close()
            for context in contexts:
                context.close()
    if errors:
        raise errors[0]
    for i, unit in enumerate(units):
        if unit.helpers:
            with _HELPERS_LOCK:
                if len(_HELPERS) >= _HELPERS_MAX:
                    _HELPERS.clear()
                _HELPERS[(unit.text, tm_key)] = results[i]
    return results


def _compile_one(text, context, tm, tuning, keep_text):
    """``(CompiledUnit, module)``: with ``keep_text``, the optimized module left
    open, to be printed and closed by the caller (object emission rewrites the
    module it compiles, so a copy is compiled); else ``None``."""
    mod = _parse(text, context)
    try:
        run_default_pipeline(mod, tm, tuning(), _RAW["LLVMPY_RunNewModulePassManager"])
        declared = [fn.name for fn in mod.functions if fn.is_declaration]
        compiled = mod.clone() if keep_text else mod
        try:
            unit = CompiledUnit(None, _emit_object(compiled, tm), declared)
        finally:
            if compiled is not mod:
                compiled.close()
    except BaseException:
        mod.close()
        raise
    if keep_text:
        return unit, mod
    mod.close()
    return unit, None


def optimized_text(text, make_tm, tuning):
    """The optimized LLVM IR of one unit's ``text``, as :func:`compile_units`
    optimizes it (in the calling thread)."""
    context = llvm.create_context()
    try:
        mod = _parse(text, context)
        try:
            run_default_pipeline(mod, make_tm(), tuning(),
                                 _RAW["LLVMPY_RunNewModulePassManager"])
            return str(mod)
        finally:
            mod.close()
    finally:
        context.close()


def _parse(text, context):
    data = ctypes.c_char_p(text.encode())
    with ffi.OutputString() as message:
        mod = llvm.ModuleRef(_RAW["LLVMPY_ParseAssembly"](context, data, message), context)
        if message:
            mod.close()
            raise InternalError(f"codegen.llvm produced invalid LLVM IR: LLVM IR parsing "
                                f"error\n{message}\n--- unit ---\n{text}")
    with ffi.OutputString() as message:
        if _RAW["LLVMPY_VerifyModule"](mod, message):
            mod.close()
            raise InternalError(f"codegen.llvm produced invalid LLVM IR: {message}\n"
                                f"--- unit ---\n{text}")
    return mod


def _emit_object(mod, tm):
    with ffi.OutputString() as message:
        buffer = _RAW["LLVMPY_TargetMachineEmitToMemory"](tm, mod, 1, message)
        if not buffer:
            raise BuildError(f"LLVM could not emit machine code: {message}")
    try:
        return ctypes.string_at(ffi.lib.LLVMPY_GetBufferStart(buffer),
                                ffi.lib.LLVMPY_GetBufferSize(buffer))
    finally:
        ffi.lib.LLVMPY_DisposeMemoryBuffer(buffer)
