"""Verify, optimize and JIT-compile an ``llvmlite.ir`` module.

The textual IR is parsed and verified *before* optimization, so a code generator
bug surfaces as a readable LLVM error with the offending function. Optimization is
LLVM's new pass manager at O3 (loop and SLP vectorization on) for the target's
CPU and features; the result is JIT-compiled by MCJIT. libgomp is loaded into the
process once so parallel loops resolve ``GOMP_parallel`` (its idle threads wait
passively, :data:`WAIT_POLICY`, unless the user chose a policy), and libm for the math
functions LLVM lowers to library calls.

A module with parallel loops is split into units (:mod:`.split_units`: the entry
functions, each parallel region, the runtime helpers) that are optimized and compiled
to object files in threads (:mod:`.unit_compile`, ``TECOMP_BUILD_THREADS``), and the
objects are loaded into one MCJIT engine; the optimized IR of the units is linked
into one module only when asked for (``get_source``, export). ``TECOMP_BUILD_SPLIT=0``,
imported LLVM IR, a cross-target build, an llvmlite without the raw calls that the
threads need, or a module that does not split is compiled whole, as one module.

A target for another CPU or architecture than the host's (``-mcpu=``, ``-mattr=``,
``-mtriple=``) is optimized and can be saved or exported, but is not JIT-compiled:
:meth:`tecomp.target.Target.host_mismatch` says why it would not run here, and the runtime refuses calls.
"""

import ctypes
import ctypes.util
import functools
import os

import llvmlite.binding as llvm
import llvmlite.ir as ir

from tecomp.errors import BuildError, InternalError
from tecomp.target import arch_of

from .fastcall import fast_entries
from .pass_pipeline import run_default_pipeline
from .split_units import plain_name, split_units
from .unit_compile import RAW_CALLS, build_threads, compile_units, optimized_text


#: OMP_WAIT_POLICY set when the user sets neither it nor GOMP_SPINCOUNT.
WAIT_POLICY = "passive"


def _default_wait_policy():
    """Passive waiting for libgomp's idle threads unless the user chose a policy.

    libgomp reads the environment when it is loaded, so this runs when this module
    is imported, before code generation or the JIT loads libgomp. By default each
    idle thread spins up to 300,000 times (about a millisecond) before it sleeps:
    on a busy machine the spinning threads take the cores that the threads of the
    next parallel region (or numpy's BLAS) wait for. Measured on a 2-core machine
    under load: a 2^16-element window sum ran at 0.0-0.4 GB/s with spinning
    (300,000 or 10,000 spins) and 10 GB/s with passive waiting."""
    if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
        os.environ["OMP_WAIT_POLICY"] = WAIT_POLICY


_default_wait_policy()


@functools.lru_cache(maxsize=None)
def _initialize():
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    llvm.initialize_native_asmparser()
    libm = _library("m", "libm.so.6")
    if libm:    # erf, tanh... called from compiled code
        llvm.load_library_permanently(libm)
    gomp = _library("gomp", "libgomp.so.1")
    if gomp:
        llvm.load_library_permanently(gomp)
    return gomp


def _library(name, soname):
    """A loadable name of a system library: its usual soname when the loader finds
    it (ctypes' search runs ldconfig in a subprocess, 10-30 ms), else that search."""
    try:
        ctypes.CDLL(soname)
        return soname
    except OSError:
        return ctypes.util.find_library(name)


def target_machine(target, jit=True):
    """An LLVM TargetMachine for a :class:`tecomp.target.Target` of kind llvm."""
    _initialize()
    if arch_of(target.triple) != arch_of(llvm.get_process_triple()):
        _initialize_all_targets()
    try:
        llvm_target = llvm.Target.from_triple(target.triple)
    except RuntimeError as exc:
        raise BuildError(f"LLVM does not know the target triple {target.triple!r}: {exc}") from None
    return llvm_target.create_target_machine(
        cpu=target.cpu, features=target.features, opt=min(target.opt_level, 3),
        reloc="default" if jit else "pic", codemodel="jitdefault" if jit else "default",
        jit=jit)


@functools.lru_cache(maxsize=64)
def _layout(triple, cpu, features, opt_level, jit):
    """``(triple, data layout)`` of LLVM's TargetMachine for these settings."""
    tm = target_machine(_Settings(triple, cpu, features, opt_level), jit=jit)
    return tm.triple, str(tm.target_data)


class _Settings:
    """What :func:`target_machine` reads of a Target."""

    def __init__(self, triple, cpu, features, opt_level):
        self.triple, self.cpu, self.features, self.opt_level = triple, cpu, features, opt_level


@functools.lru_cache(maxsize=None)
def _initialize_all_targets():
    llvm.initialize_all_targets()
    llvm.initialize_all_asmprinters()


def _verify(text):
    try:
        mod = llvm.parse_assembly(text)
        mod.verify()
    except RuntimeError as exc:
        raise InternalError(f"codegen.llvm produced invalid LLVM IR: {exc}\n"
                            f"--- module ---\n{text}") from None
    return mod


def _imported(text, tm):
    """LLVM IR text to link into a kernel module (``pragma(..., "import_llvm", ir)``):
    parsed and verified, retargeted to ``tm``, its functions given ``linkonce_odr``
    linkage so two imports of the same micro-kernel merge."""
    try:
        mod = llvm.parse_assembly(text)
        mod.verify()
    except RuntimeError as exc:
        raise BuildError(f"pragma 'import_llvm': the LLVM IR does not parse: {exc}") from None
    mod.triple = tm.triple
    mod.data_layout = str(tm.target_data)
    for fn in mod.functions:
        if not fn.is_declaration and fn.linkage == llvm.Linkage.external:
            fn.linkage = llvm.Linkage.linkonce_odr
    return mod


def tuning(level):
    """The ``PipelineTuningOptions`` of LLVM's default pipeline at ``level``."""
    pto = llvm.PipelineTuningOptions(speed_level=level)
    # LLVM may vectorize only the loops codegen left without a "vectorize.enable
    # false" hint: innermost, unit-stride, not vectorized by the schedule
    # (loop_vectorize.py says why).
    pto.loop_vectorization = level >= 2
    pto.slp_vectorization = level >= 2
    pto.loop_unrolling = level >= 2
    return pto


def optimize(mod, tm, level):
    run_default_pipeline(mod, tm, tuning(level))


def _check_libgomp(needed):
    if needed and not _initialize():
        raise BuildError("parallel loops need libgomp (OpenMP's runtime), which was not "
                         "found; install the system compiler's libgomp")


def _check_externals(mod):
    """Every external function the module calls must exist in this process; MCJIT
    would otherwise jump to address 0."""
    for fn in mod.functions:
        if fn.is_declaration and not fn.name.startswith("llvm."):
            _check_symbol(fn.name)


def _check_symbol(name):
    if name in _FOUND:
        return
    if not llvm.address_of_symbol(name):
        raise BuildError(f"compiled code calls {name!r}, which is not available in "
                         "this process (a missing system library?)")
    _FOUND.add(name)


#: Symbols found in this process (libraries are loaded permanently).
_FOUND = set()


def _check_unit_externals(declared, units):
    """:func:`_check_externals` for a split module: each function that a compiled
    unit declares (``declared``, names) is defined by one of the ``units`` or exists
    in this process (MCJIT aborts the process on a symbol it cannot resolve)."""
    defined = {plain_name(name) for unit in units for name in unit.defines}
    for name in declared:
        if name not in defined and not name.startswith("llvm."):
            _check_symbol(name)


def link_units(texts):
    """One module's LLVM IR text from the optimized units ``texts`` of a split module
    (:mod:`.split_units`), linked in the global context: the functions made
    ``hidden`` to cross units (codegen makes no other hidden definition) are
    ``internal`` again, as in a module compiled whole."""
    if len(texts) == 1:
        return texts[0]
    main = llvm.parse_assembly(texts[0])
    for text in texts[1:]:
        main.link_in(llvm.parse_assembly(text))
    for fn in main.functions:
        if not fn.is_declaration and fn.visibility == llvm.Visibility.hidden:
            fn.visibility = llvm.Visibility.default
            fn.linkage = llvm.Linkage.internal
    return str(main)


def _sources(optimized, unoptimized):
    """``sources(fmt)`` for ``"ll"``/``"ll-unopt"``; ``optimized()`` gives the list
    of the module's optimized units, linked on first use."""
    texts = {"ll-unopt": unoptimized}

    def source(fmt):
        if fmt == "ll" and fmt not in texts:
            texts[fmt] = link_units(optimized())
        return texts.get(fmt)
    return source


class CompiledModule:
    """The JIT-compiled module: function addresses, sources and an object file.

    ``run_error`` is ``None`` when the code runs on this host; otherwise the reason
    it does not, and nothing is JIT-compiled (the module can still be exported)."""

    def __init__(self, ir_module, target, uses_parallel=False, keep_ll=True):
        self.run_error = target.host_mismatch()
        runs = self.run_error is None
        ir_module.triple, ir_module.data_layout = _layout(
            target.triple, target.cpu, target.features, target.opt_level, runs)
        self.target = target
        self.uses_parallel = uses_parallel
        unoptimized = str(ir_module)
        _check_libgomp(uses_parallel and runs)
        self.engine = self.object_code = None
        units, threads = self._units(unoptimized, getattr(ir_module, "llvm_imports", ()))
        if units is not None:
            self._compile_units(units, unoptimized, threads, keep_ll)
            return
        tm = self._tm = target_machine(target, jit=runs)
        mod = _verify(unoptimized)
        for text in getattr(ir_module, "llvm_imports", ()):
            mod.link_in(_imported(text, tm))
        optimize(mod, tm, min(target.opt_level, 3))
        unit_ll = self.unit_ll = [str(mod)]
        self._optimized = lambda: unit_ll       # no reference to self: no cycle through it
        self._sources = _sources(self._optimized, unoptimized)
        if self.run_error is None:
            _check_externals(mod)
            self.engine = llvm.create_mcjit_compiler(mod, tm)
            objects = []    # the machine code, for the compile cache
            self.engine.set_object_cache(lambda _, data: objects.append(data), lambda _: None)
            self.engine.finalize_object()
            self.object_code = objects if len(objects) == 1 else None

    def _units(self, unoptimized, imports):
        """``(units, threads)``: the units to compile apart (:mod:`.split_units`), at
        most one per thread besides the runtime helpers', and the threads for them;
        ``(None, 1)`` to compile the module whole: no parallel loop (nothing to
        split), a cross-target build, imported LLVM IR, an llvmlite without the raw
        calls, ``TECOMP_BUILD_SPLIT=0``, or a module that does not split."""
        if not self.uses_parallel or self.run_error is not None or imports or \
                not RAW_CALLS or os.environ.get("TECOMP_BUILD_SPLIT", "1").strip() == "0":
            return None, 1
        threads = build_threads()
        return split_units(unoptimized, threads), threads

    def _compile_units(self, units, unoptimized, threads, keep_ll):
        """Compile ``units`` in ``threads``; their optimized IR is printed now with
        ``keep_ll``, else when first asked for (optimized again: the same text)."""
        target = self.target
        level = min(target.opt_level, 3)
        key = (target.triple, target.cpu, target.features, level)
        engine, loaded = [], set()

        def add(i, unit):
            _check_unit_externals(unit.declared, units)
            engine[0].add_object_file(llvm.ObjectFileRef.from_data(unit.obj))
            loaded.add(i)

        def idle(done):     # while the calling thread waits for the other units
            engine.append(self._new_engine())
            for i, unit in enumerate(done):
                if unit is not None:
                    add(i, unit)

        make_tm, tune = (lambda: target_machine(target)), (lambda: tuning(level))
        done = compile_units(units, make_tm, tune, key, threads, idle, keep_ll)
        if not engine:
            engine.append(self._new_engine())
        for i, unit in enumerate(done):
            if i not in loaded:
                add(i, unit)
        engine[0].finalize_object()
        self.engine, self.object_code = engine[0], [unit.obj for unit in done]
        unit_ll = self.unit_ll = [unit.ll for unit in done]

        def optimized():    # no reference to self: a CompiledModule is in no cycle
            for i, unit in enumerate(units):
                if unit_ll[i] is None:
                    unit_ll[i] = optimized_text(unit.text, make_tm, tune)
            return unit_ll
        self._optimized = optimized
        self._sources = _sources(optimized, unoptimized)

    def _new_engine(self):
        """An empty MCJIT engine, which owns a new TargetMachine ``self._tm``."""
        self._tm = target_machine(self.target)
        return llvm.create_mcjit_compiler(llvm.parse_assembly(""), self._tm)

    def _load_objects(self, objects):
        """An MCJIT engine holding the object files ``objects`` (one module's)."""
        engine = self._new_engine()
        for data in objects:
            engine.add_object_file(llvm.ObjectFileRef.from_data(data))
        engine.finalize_object()
        self.engine, self.object_code = engine, list(objects)

    @classmethod
    def from_object(cls, object_code, target, uses_parallel, sources):
        """A module from machine code that an earlier ``CompiledModule`` made for this
        host (the compile cache): ``object_code`` is the list of its object files;
        ``sources(fmt)`` gives its ``ll``/``ll-unopt`` text."""
        self = cls.__new__(cls)
        self.run_error, self.target, self.uses_parallel = None, target, uses_parallel
        _check_libgomp(uses_parallel)
        self._sources = sources
        self._load_objects(object_code)
        return self

    @property
    def optimized_units(self):
        """The optimized LLVM IR of each unit compiled apart (one text for a module
        compiled whole), printed now if it was not kept."""
        return self._optimized()

    @property
    def optimized_ll(self):
        return self._sources("ll")

    @property
    def unoptimized_ll(self):
        return self._sources("ll-unopt")

    def function_address(self, name):
        """The address of ``name``; ``None`` when the module is not JIT-compiled."""
        if self.engine is None:
            return None
        address = self.engine.get_function_address(name)
        if not address:
            raise InternalError(f"codegen.llvm: function {name!r} missing from the JIT module")
        return address

    def has_function(self, name):
        return self.engine is not None and bool(self.engine.get_function_address(name))

    def global_address(self, name):
        return self.engine.get_global_value_address(name) if self.engine is not None else None

    def target_facts(self):
        """What the compiled code needs of a CPU, for a library's metadata."""
        return {"triple": self._tm.triple, "cpu": self.target.cpu,
                "features": self.target.features,
                "features_complete": self.target.features_complete}

    def fast_entries(self, items):
        """The native call entries of ``items`` (:func:`.fastcall.fast_entries`)."""
        return fast_entries(items)

    def get_source(self, fmt="ll"):
        """``"ll"`` (optimized IR), ``"ll-unopt"`` (as generated), ``"asm"``, or
        ``"asm-verbose"`` (with LLVM's comments: each block's IR name, loop depth)."""
        if fmt in ("ll", "llvm"):
            return self.optimized_ll
        if fmt in ("ll-unopt", "ll-unoptimized"):
            return self.unoptimized_ll
        if fmt in ("asm", "s"):
            return self._tm.emit_assembly(llvm.parse_assembly(self.optimized_ll))
        if fmt == "asm-verbose":
            tm = target_machine(self.target, jit=False)
            tm.set_asm_verbosity(True)
            return tm.emit_assembly(llvm.parse_assembly(self.optimized_ll))
        raise BuildError(f"unknown source format {fmt!r}; valid formats: ll, ll-unopt, asm, "
                         "asm-verbose")

    def emit_object(self, extra_globals=None):
        """A relocatable (position-independent) object file of the optimized module.

        ``extra_globals`` maps symbol names to ``bytes`` (constant byte arrays) or
        ``int`` (constant int32) added to the object, e.g. a library's metadata."""
        tm = target_machine(self.target, jit=False)
        mod = llvm.parse_assembly(self.optimized_ll)
        if extra_globals:
            mod.link_in(llvm.parse_assembly(_constants_module(extra_globals, mod)))
        return tm.emit_object(mod)

    def emit_assembly(self):
        tm = target_machine(self.target, jit=False)
        return tm.emit_assembly(llvm.parse_assembly(self.optimized_ll))


def _constants_module(constants, like):
    module = ir.Module(name="tecomp_constants")
    module.triple, module.data_layout = like.triple, like.data_layout
    for name, value in constants.items():
        if isinstance(value, int):
            ty, init = ir.IntType(32), value
        else:
            ty = ir.ArrayType(ir.IntType(8), len(value))
            init = bytearray(value)
        g = ir.GlobalVariable(module, ty, name)
        g.global_constant = True
        g.initializer = ir.Constant(ty, init)
    return str(module)
