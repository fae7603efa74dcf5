"""The LLVM CPU backend.

Entry point::

    build(funcs, target="llvm") -> tecomp.runtime.Module

``funcs`` is a PrimFunc or a list of them, fully lowered (no TensorRead, Provide,
Realize or Reduce left) and checked for the CPU (:func:`tecomp.lower_for_target`);
the first is the module's entry. ``target`` is a target
string or :class:`tecomp.target.Target` of kind ``llvm``. Every function becomes
``int32 name(T0 *noalias p0, ..., int64 v0, ...)`` (see :mod:`tecomp.abi`);
the module is verified, optimized at O3 for the target CPU and JIT-compiled.
Code that runs on this host is kept in a persistent compile cache (:mod:`.cache`):
a later build of the same lowered functions for the same target loads it, and
:func:`load_cached` gives the module stored under a key taken before lowering
(``te.build`` of a schedule passes that key as ``build``'s ``source_key``).
:func:`codegen_module` stops before compilation (an ``llvmlite.ir.Module``).
:mod:`.fastcall` emits the native CPython call entries the runtime loads.
"""

from tecomp.errors import BuildError
from tecomp.ir import Call, For, ForKind, PrimFunc, collect
from tecomp.runtime import Module
from tecomp.runtime.signature import Signature
from tecomp.target import Target

from . import cache
from .codegen import CodeGenLLVM, release_module
from .fastcall import fast_entries
from .jit import CompiledModule
from .packed import register_packed_symbols
from .streaming_stores import stream_min_bytes


def _as_list(funcs):
    funcs = [funcs] if isinstance(funcs, PrimFunc) else list(funcs)
    for f in funcs:
        if not isinstance(f, PrimFunc):
            raise BuildError(f"codegen.llvm.build expects PrimFuncs, got {type(f).__name__}")
    return funcs


def codegen_module(funcs, name="tecomp", num_threads=0, stream_min_bytes=None):
    """``(llvmlite.ir.Module, assert_messages)`` for the lowered ``funcs``;
    ``num_threads`` (the target's ``-num-threads``, 0: OpenMP's default) sizes
    parallel loops unless ``Module.set_num_threads`` changes it; outputs of at least
    ``stream_min_bytes`` bytes may be written with streaming stores (``None``: none,
    see :mod:`.streaming_stores`). The LLVM IR texts that ``pragma(..., "import_llvm",
    ir)`` asks to link are ``module.llvm_imports``."""
    cg = CodeGenLLVM(name, num_threads, stream_min_bytes)
    for f in _as_list(funcs):
        cg.add_function(f)
    cg.module.llvm_imports = tuple(cg.llvm_imports)
    return cg.module, cg.assert_messages


def build(funcs, target="llvm", source_key=None):
    """Compile lowered PrimFuncs for the CPU; returns a :class:`tecomp.runtime.Module`.
    ``source_key`` (a :class:`.cache.SourceKey`, taken before lowering) also stores
    the code under that key, for :func:`load_cached`."""
    target = Target.create(target)
    if target.kind != "llvm":
        raise BuildError(f"codegen.llvm builds for target kind 'llvm', got {target.kind!r}")
    funcs = _as_list(funcs)
    register_packed_symbols(funcs)
    runs_here = target.host_mismatch() is None
    if not runs_here:       # only code that runs on this host is cached
        source_key = None
    key = cache.cache_key(funcs, target) if runs_here and cache.cache_dir() else None
    entry = cache.load(key)
    if entry is not None:
        if source_key is not None:      # the same code, lowered from another graph
            cache.store(None, entry.object_code, entry.assert_messages, entry.uses_parallel,
                        entry.units(), entry.source("ll-unopt"),
                        *_source_entry(funcs, entry.assert_messages, source_key))
        return Module(funcs, _from_entry(entry, target), target)
    module, messages = codegen_module(funcs, funcs[0].name if funcs else "tecomp",
                                      target.num_threads, stream_min_bytes(target))
    parallel = any(loop.kind == ForKind.PARALLEL for f in funcs for loop in collect(f.body, For))
    caching = cache.cache_dir() is not None
    compiled = CompiledModule(module, target, uses_parallel=parallel, keep_ll=caching)
    compiled.assert_messages = messages
    release_module(module)
    if caching:
        cache.store(key, compiled.object_code, messages, parallel, compiled.optimized_units,
                    compiled.unoptimized_ll, *_source_entry(funcs, messages, source_key))
    return Module(funcs, compiled, target)


def load_cached(source_key, target):
    """The module the compile cache holds under ``source_key`` (taken before
    lowering, :func:`.cache.source_key`) for ``target``, or ``None``. Its functions
    are :class:`~tecomp.runtime.signature.Signature` objects whose size variables
    are the user's own (those of the schedule's tensors)."""
    entry = cache.load(source_key.key)
    if entry is None or entry.functions is None:
        return None
    try:
        sigs = [Signature.from_json(f, source_key.objects) for f in entry.functions]
    except (ValueError, KeyError, TypeError, IndexError):
        return None
    return Module(sigs, _from_entry(entry, target), target)


def _from_entry(entry, target):
    compiled = CompiledModule.from_object(entry.object_code, target, entry.uses_parallel,
                                          entry.source)
    compiled.assert_messages = entry.assert_messages
    return compiled


def _source_entry(funcs, messages, source_key):
    """``(key, signatures)`` of the entry under ``source_key`` (``cache.store``'s
    ``source`` and ``functions``): the functions' signatures as JSON, naming the
    variables of the user's graph by their numbers in it. No signatures (so no such
    entry) without a source key, when a function calls packed functions (their call
    sites must be registered from the lowered code) or has a signature the JSON
    cannot describe."""
    if source_key is None:
        return None, None
    if any(call.op == "call_packed" for f in funcs for call in collect(f.body, Call)):
        return source_key.key, None
    try:
        numbers = source_key.numbers()
        return source_key.key, [Signature.from_func(f, messages[f.name]).to_json(numbers)
                                for f in funcs]
    except BuildError:
        return source_key.key, None


__all__ = ["build", "load_cached", "codegen_module", "fast_entries", "CodeGenLLVM", "CompiledModule"]
