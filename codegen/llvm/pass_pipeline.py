"""Running LLVM's default O1-O3 pipeline without leaking it.

llvmlite 0.50's ``ModulePassManager`` never frees its pipeline: the class lists
``ffi.ObjectRef`` before ``NewPassManager`` among its bases, so its ``_dispose``
is ObjectRef's no-op and the C++ pass manager (about 30 KiB for O3, and what a
run leaves in it, about 85 KiB a build in all) stays allocated when the Python
object goes. :func:`run_default_pipeline` disposes of it explicitly.

What a build still loses (about 1.5 KiB, measured in tests/test_resources.py):
the ``PassInstrumentationCallbacks`` that llvmlite's ``create_pass_builder``
allocates and no one frees. A pass builder is not reused to save that: each run
registers callbacks into it that point into the finished run (harmless with
LLVM's default options, but undefined behaviour), so one builder serves one run.
"""

import llvmlite.binding as llvm
from llvmlite.binding.newpassmanagers import NewPassManager


def run_default_pipeline(mod, tm, pto, run=None):
    """Optimize ``mod`` in place with LLVM's default pipeline at
    ``pto.speed_level`` for the TargetMachine ``tm``; ``run(manager, mod, builder)``,
    when given, runs it instead of llvmlite (:mod:`.unit_compile`'s unlocked call)."""
    builder = llvm.create_pass_builder(tm, pto)
    manager = builder.getModulePassManager()
    try:
        if run is None:
            manager.run(mod, builder)
        else:
            run(manager, mod, builder)
    finally:
        NewPassManager._dispose(manager)     # the disposal llvmlite skips
        manager.detach()
