"""The runtime Module: checked Python calls into compiled functions.

``Module(funcs, compiled, target)`` wraps the PrimFuncs and the compiled code
object of a backend, which provides ``function_address(name)``,
``has_function(name)``,
``assert_messages[name]`` and ``get_source(fmt)`` (and, for the LLVM backend,
``global_address(name)`` and ``emit_object()``).
"""

import ctypes

from tecomp.errors import BuildError, TecompError

from .abi import abi_vars, passes_as_double
from .arguments import ArgumentChecker
from .numpy_abi import OVERLAP_CODE, layout_ok, py_entry_name


class KernelAssertionError(TecompError, AssertionError):
    """An ``AssertStmt`` in compiled code failed; the message is the assert's."""


class Function:
    """One compiled function with its argument checker; call it with numpy arrays.

    The fast path calls the kernel's entry wrapper (:mod:`codegen.llvm.entry`) with
    the arrays themselves; where numpy's struct layout cannot be relied on, or the
    backend has no wrapper, the kernel is called with pointers read in Python.
    """

    __slots__ = ("name", "func", "check", "native", "kernel", "messages", "_module")

    def __init__(self, func, compiled, messages, module=None):
        self.name = func.name
        self.func = func
        self.check = ArgumentChecker(func)
        scalars = [ctypes.c_double if passes_as_double(v) else ctypes.c_int64
                   for v in abi_vars(func)]
        nbuf = len(func.buffer_params)
        kernel = ctypes.CFUNCTYPE(ctypes.c_int32, *([ctypes.c_void_p] * nbuf), *scalars)
        self.kernel = kernel(compiled.function_address(func.name))
        self.native = None
        entry = py_entry_name(func.name)
        if layout_ok() and compiled.has_function(entry):
            proto = ctypes.CFUNCTYPE(ctypes.c_int32, *([ctypes.py_object] * nbuf), *scalars)
            self.native = proto(compiled.function_address(entry))
        self.messages = messages
        self._module = module   # keeps the JIT engine (and so the code) alive

    def __call__(self, *args):
        arrays, scalars = self.check(args)
        if self.native is not None:
            code = self.native(*arrays, *scalars)
            if code == OVERLAP_CODE:
                self.check.check_overlap(args, arrays)
        else:
            self.check.check_overlap(args, arrays)
            code = self.kernel(*[a.ctypes.data for a in arrays], *scalars)
        if code:
            self._raise(code)

    def _raise(self, code):
        if 0 < code <= len(self.messages):
            raise KernelAssertionError(f"{self.name}: {self.messages[code - 1]}")
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
        self._functions = {
            f.name: Function(f, compiled, tuple(compiled.assert_messages[f.name]), self)
            for f in self.funcs}
        self._entry = self._functions[self.entry_name]

    def __call__(self, *args):
        return self._entry(*args)

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
    def assert_messages(self):
        return {name: f.messages for name, f in self._functions.items()}

    def set_num_threads(self, n):
        """Threads for this module's parallel loops (default: TECOMP_NUM_THREADS,
        else OMP_NUM_THREADS, else all cores, read when the module was built)."""
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
        address = self._compiled.global_address("__tecomp_num_threads")
        ctypes.c_int32.from_address(address).value = n

    def __repr__(self):
        return f"<tecomp Module {self.target} [{', '.join(self._functions)}]>"
