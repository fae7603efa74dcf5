"""The runtime Module: checked Python calls into compiled functions.

``Module(funcs, compiled, target)`` wraps the functions (lowered PrimFuncs, or the
:class:`~tecomp.runtime.signature.Signature` objects of a loaded library) and the
compiled code object of a backend, which provides ``function_address(name)``
(``None`` when the code cannot run here, with ``run_error`` saying why),
``has_function(name)``, ``assert_messages[name]``, ``get_source(fmt)`` and
``fast_entries(items)`` (the native call entries, compiled by the backend that
emitted the code: :mod:`codegen.llvm.fastcall`); the LLVM
backend adds ``global_address(name)``, ``emit_object()``, ``emit_assembly()`` and
``target_facts()``, which :meth:`Module.export_library` and :meth:`Module.save` use.
"""

import ctypes
import time

from tecomp.errors import BuildError, KernelAssertionError, NotRunnableError, TecompError

from tecomp.abi import passes_as_double

from . import fork, packed_error
from .arguments import ArgumentChecker, keyword_error
from .packed_error import PACKED_FAILED
from .export import export_library, save
from .signature import Signature
from .timing import time_evaluator


class Function:
    """One compiled function with its argument checker; call it with numpy arrays.

    The fast path is a native CPython entry (:mod:`codegen.llvm.fastcall`) that checks the
    arguments and calls the kernel without ctypes; it hands every call it does not
    accept to :meth:`checked_call`, the Python checker, which raises the detailed
    message or calls the kernel through ctypes with pointers read in Python. The
    module JIT-compiles the entries of all its functions at the first call (about
    10 ms), so ``build`` itself does not pay for them; ``fast`` is ``None`` before
    that, and where the entry is unavailable.
    """

    __slots__ = ("name", "func", "signature", "check", "fast", "kernel", "messages",
                 "run_error", "_module")

    def __init__(self, func, compiled, messages, module=None):
        sig = func if isinstance(func, Signature) else Signature.from_func(func, messages)
        self.name = sig.name
        self.func = func
        self.signature = sig
        self.check = ArgumentChecker(sig)
        self.messages = tuple(messages)
        self._module = module   # keeps the JIT engine / library (and so the code) alive
        self.fast = self.kernel = None
        self.run_error = getattr(compiled, "run_error", None)
        address = compiled.function_address(sig.name)
        if address is None:
            return
        scalars = [ctypes.c_double if passes_as_double(v) else ctypes.c_int64
                   for v in sig.abi_vars]
        nbuf = len(sig.buffer_params)
        kernel = ctypes.CFUNCTYPE(ctypes.c_int32, *([ctypes.c_void_p] * nbuf), *scalars)
        self.kernel = kernel(address)

    def __call__(self, *args, **kwargs):
        if kwargs:
            raise keyword_error(self.signature, kwargs)
        fast = self.fast
        if fast is None:
            fast = self._module._fast_entry(self)
        return fast(*args)

    def checked_call(self, *args):
        """The call with every check in Python, the kernel called through ctypes."""
        if self.kernel is None:
            self._not_runnable()
        arrays, scalars = self.check(args)
        self.check.check_overlap(args, arrays)
        code = self.kernel(*[a.ctypes.data for a in arrays], *scalars)
        if code:
            self._raise(code)

    def _not_runnable(self):
        target = getattr(self._module, "target", "?")
        raise NotRunnableError(f"{self.name}: cannot call a module built for target "
                               f"'{target}' on this host: {self.run_error}; export it with "
                               "export_library() for that machine, or build with "
                               "target='llvm' to call it here")

    def _raise(self, code):
        if 0 < code <= len(self.messages):
            message = self.messages[code - 1]
            cause = packed_error.take() if message.startswith(PACKED_FAILED) else None
            if cause is not None:
                raise KernelAssertionError(f"{self.name}: {message}: {type(cause).__name__}: "
                                           f"{cause}") from cause
            raise KernelAssertionError(f"{self.name}: {message}")
        raise KernelAssertionError(f"{self.name}: failed with unknown code {code}")

    def __repr__(self):
        return f"<tecomp Function {self.name}>"


class Module:
    """Compiled functions. ``mod(*args)`` calls the entry (first) function,
    ``mod[name]`` / ``mod.get_function(name)`` any of them."""

    def __init__(self, funcs, compiled, target):
        if not funcs:
            raise BuildError("a module needs at least one function")
        self.funcs = list(funcs)
        self.target = target
        self.entry_name = self.funcs[0].name
        self._compiled = compiled
        self.run_error = getattr(compiled, "run_error", None)
        self._functions = {
            f.name: Function(f, compiled, tuple(compiled.assert_messages[f.name]), self)
            for f in self.funcs}
        self._entry = self._functions[self.entry_name]
        self._call = self._entry
        self._entries_built = False
        if getattr(compiled, "uses_parallel", False) and self.run_error is None:
            fork.register(self)     # serial in a fork()ed child, where libgomp hangs

    def _fast_entry(self, function):
        """Compile the native entries of all functions (once); the callable that
        ``function`` should use from now on."""
        if not self._entries_built:
            self._entries_built = True
            runnable = [f for f in self._functions.values() if f.kernel is not None]
            entries = self._compiled.fast_entries([(f.signature, f.check,
                                     ctypes.cast(f.kernel, ctypes.c_void_p).value,
                                     f.checked_call, f._raise) for f in runnable])
            for f, fast in zip(runnable, entries):
                f.fast = fast
            if self._call is self._entry:      # not replaced by time_calls
                self._call = self._entry.fast or self._entry
        return function.fast or function.checked_call

    def time_calls(self, report):
        """Call ``report(name, seconds)`` after each call of the module (its entry
        function); ``TECOMP_DEBUG`` uses this (:mod:`tecomp.debug`)."""
        entry, name = self._entry, self.entry_name

        def timed_call(*args):
            start = time.perf_counter()
            try:
                return entry(*args)
            finally:
                report(name, time.perf_counter() - start)
        self._call = timed_call

    def __call__(self, *args, **kwargs):
        if kwargs:
            raise keyword_error(self._entry.signature, kwargs)
        return self._call(*args)

    def get_function(self, name):
        try:
            return self._functions[name]
        except KeyError:
            raise KeyError(f"module has no function {name!r}; functions: "
                           f"{', '.join(self._functions)}") from None

    __getitem__ = get_function

    def __contains__(self, name):
        return name in self._functions

    @property
    def function_names(self):
        return list(self._functions)

    def get_source(self, fmt="ll"):
        """Generated source: ``"ll"`` (optimized LLVM IR), ``"ll-unopt"``, ``"asm"``."""
        return self._compiled.get_source(fmt)

    def emit_object(self):
        """The module as a relocatable object file (bytes), for export to a .so."""
        return self._compiled.emit_object()

    @property
    def signatures(self):
        """Each function's :class:`~tecomp.runtime.signature.Signature`, in order."""
        return [f.signature for f in self._functions.values()]

    def export_library(self, path, header=True, cc=None):
        """Link the module into a shared library ``path`` that needs only libc, libm
        and (for parallel loops) libgomp, and write a C header beside it.

        Parameters
        ----------
        path : str or os.PathLike
            The library to write (``libname.so``); replaced atomically.
        header : bool or str, optional
            ``True`` (default): write ``path`` with its suffix replaced by ``.h``;
            a path: write the header there; ``False``: no header.
        cc : str, optional
            The C compiler (driver) that links; default ``$TECOMP_CC``, else the
            first of ``cc``, ``gcc``, ``clang`` on PATH.

        Returns
        -------
        (library_path, header_path or None)
        """
        return export_library(self, path, header=header, cc=cc)

    def save(self, path):
        """Write the compiled code to ``path``, by suffix: ``.o`` (object file),
        ``.ll`` (optimized LLVM IR), ``.s`` (assembly), ``.so`` (:meth:`export_library`)."""
        return save(self, path)

    @property
    def assert_messages(self):
        return {name: f.messages for name, f in self._functions.items()}

    def time_evaluator(self, func_name, ctx=None, number=10, repeat=1, min_repeat_ms=0):
        """TVM's timer: ``mod.time_evaluator(mod.entry_name, ctx, number=10)(*args).mean``
        is the mean seconds per call (see :func:`tecomp.nd.time_evaluator`)."""
        return time_evaluator(self.get_function(func_name), ctx, number, repeat, min_repeat_ms)

    def set_num_threads(self, n):
        """Threads for this module's parallel loops (default: TECOMP_NUM_THREADS,
        else OMP_NUM_THREADS, else all cores, read at the first parallel loop).
        In a child ``fork()``-ed by a process that ran parallel loops it stays 1
        (see :mod:`tecomp.runtime.fork`)."""
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
        if fork.forked_serial():
            n = 1
        address = self._compiled.global_address("__tecomp_num_threads")
        if address:         # None: not runnable here, or a module without that global
            ctypes.c_int32.from_address(address).value = n

    def __repr__(self):
        return f"<tecomp Module {self.target} [{', '.join(self._functions)}]>"
