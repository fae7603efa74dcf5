"""Verify, optimize and JIT-compile an ``llvmlite.ir`` module.

The textual IR is parsed and verified *before* optimization, so a code generator
bug surfaces as a readable LLVM error with the offending function. Optimization is
LLVM's new pass manager at O3 (loop and SLP vectorization on) for the target's
CPU and features; the result is JIT-compiled by MCJIT. libgomp is loaded into the
process once so parallel loops resolve ``GOMP_parallel``, and libm for the math
functions LLVM lowers to library calls.
"""

import ctypes
import ctypes.util
import functools

import llvmlite.binding as llvm

from tecomp.errors import BuildError, InternalError


@functools.lru_cache(maxsize=None)
def _initialize():
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    llvm.initialize_native_asmparser()
    libm = ctypes.util.find_library("m")
    if libm:    # erf, tanh... called from compiled code
        llvm.load_library_permanently(libm)
    gomp = ctypes.util.find_library("gomp")
    if gomp:
        llvm.load_library_permanently(gomp)
    return gomp


def target_machine(target, jit=True):
    """An LLVM TargetMachine for a :class:`tecomp.target.Target` of kind llvm."""
    _initialize()
    try:
        llvm_target = llvm.Target.from_triple(target.triple)
    except RuntimeError as exc:
        raise BuildError(f"LLVM does not know the target triple {target.triple!r}: {exc}") from None
    return llvm_target.create_target_machine(
        cpu=target.cpu, features=target.features, opt=min(target.opt_level, 3),
        reloc="default" if jit else "pic", codemodel="jitdefault" if jit else "default",
        jit=jit)


def _verify(text):
    try:
        mod = llvm.parse_assembly(text)
        mod.verify()
    except RuntimeError as exc:
        raise InternalError(f"codegen.llvm produced invalid LLVM IR: {exc}\n"
                            f"--- module ---\n{text}") from None
    return mod


def optimize(mod, tm, level):
    pto = llvm.PipelineTuningOptions(speed_level=level)
    pto.loop_vectorization = level >= 2
    pto.slp_vectorization = level >= 2
    pto.loop_unrolling = level >= 2
    pass_builder = llvm.create_pass_builder(tm, pto)
    pass_builder.getModulePassManager().run(mod, pass_builder)


def _check_externals(mod):
    """Every external function the module calls must exist in this process; MCJIT
    would otherwise jump to address 0."""
    for fn in mod.functions:
        if fn.is_declaration and not fn.name.startswith("llvm.") and \
                not llvm.address_of_symbol(fn.name):
            raise BuildError(f"compiled code calls {fn.name!r}, which is not available in "
                             "this process (a missing system library?)")


class CompiledModule:
    """The JIT-compiled module: function addresses, sources and an object file."""

    def __init__(self, ir_module, target, uses_parallel=False):
        tm = target_machine(target)
        ir_module.triple = tm.triple
        ir_module.data_layout = str(tm.target_data)
        self.target = target
        self.unoptimized_ll = str(ir_module)
        if uses_parallel and not _initialize():
            raise BuildError("parallel loops need libgomp (OpenMP's runtime), which was not "
                             "found; install the system compiler's libgomp")
        mod = _verify(self.unoptimized_ll)
        optimize(mod, tm, min(target.opt_level, 3))
        self.optimized_ll = str(mod)
        self.llvm_module = mod
        _check_externals(mod)
        self.engine = llvm.create_mcjit_compiler(mod, tm)
        self.engine.finalize_object()
        self._tm = tm

    def function_address(self, name):
        address = self.engine.get_function_address(name)
        if not address:
            raise InternalError(f"codegen.llvm: function {name!r} missing from the JIT module")
        return address

    def has_function(self, name):
        return bool(self.engine.get_function_address(name))

    def global_address(self, name):
        return self.engine.get_global_value_address(name)

    def get_source(self, fmt="ll"):
        """``"ll"`` (optimized IR), ``"ll-unopt"`` (as generated) or ``"asm"``."""
        if fmt in ("ll", "llvm"):
            return self.optimized_ll
        if fmt in ("ll-unopt", "ll-unoptimized"):
            return self.unoptimized_ll
        if fmt in ("asm", "s"):
            return self._tm.emit_assembly(llvm.parse_assembly(self.optimized_ll))
        raise BuildError(f"unknown source format {fmt!r}; valid formats: ll, ll-unopt, asm")

    def emit_object(self):
        """A relocatable (position-independent) object file of the optimized module."""
        tm = target_machine(self.target, jit=False)
        return tm.emit_object(llvm.parse_assembly(self.optimized_ll))
