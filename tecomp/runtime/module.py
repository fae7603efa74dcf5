"""The runtime Module: checked Python calls into compiled functions.

``Module(funcs, compiled, target)`` wraps the PrimFuncs and the compiled code
object of a backend, which provides ``function_address(name)``,
``assert_messages[name]`` and ``get_source(fmt)`` (and, for the LLVM backend,
``global_address(name)`` and ``emit_object()``).
"""

import ctypes

from tecomp.errors import BuildError, TecompError

from .abi import abi_vars, passes_as_double
from .arguments import ArgumentChecker


class KernelAssertionError(TecompError, AssertionError):
    """An ``AssertStmt`` in compiled code failed; the message is the assert's."""


class Function:
    """One compiled function with its argument checker; call it with numpy arrays."""

    __slots__ = ("name", "func", "check", "native", "messages", "_module")

    def __init__(self, func, address, messages, module=None):
        self.name = func.name
        self.func = func
        self.check = ArgumentChecker(func)
        scalars = [ctypes.c_double if passes_as_double(v) else ctypes.c_int64
                   for v in abi_vars(func)]
        proto = ctypes.CFUNCTYPE(ctypes.c_int32,
                                 *([ctypes.c_void_p] * len(func.buffer_params)), *scalars)
        self.native = proto(address)
        self.messages = messages
        self._module = module   # keeps the JIT engine (and so the code) alive

    def __call__(self, *args):
        pointers, scalars = self.check(args)
        code = self.native(*pointers, *scalars)
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
            f.name: Function(f, compiled.function_address(f.name),
                             tuple(compiled.assert_messages[f.name]), self)
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
