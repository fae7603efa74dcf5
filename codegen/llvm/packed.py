"""Packed calls (``tvm.tir.call_packed``) in LLVM: each call site calls the
C-callable entry :func:`tecomp.packed.call_site` makes for the function's name
and argument kinds (per array its data pointer and one ``i64`` per dimension;
per number an ``i64`` or a ``double``). The entry's symbol is given to LLVM's
symbol table before the module is compiled or loaded from the cache
(:func:`register_packed_symbols`). A nonzero return leaves the kernel with an
error code whose message names the function; the call re-raises the exception
(:mod:`tecomp.runtime.packed_error`)."""

import llvmlite.binding as llvm
import llvmlite.ir as ir

from tecomp import packed
from tecomp.errors import BuildError
from tecomp.ir import Call, Load, collect
from tecomp.ir import dtype as dt
from tecomp.runtime.packed_error import PACKED_FAILED
from tecomp.te.extern import ARRAY_ARG

from . import types as T


def _array(arg):
    return isinstance(arg, Call) and arg.op == ARRAY_ARG


def packed_kinds(call):
    """The argument kinds of a ``call_packed`` Call (see :func:`tecomp.packed.call_site`)."""
    kinds = []
    for arg in call.args[1:]:
        if _array(arg):
            load = arg.args[0]
            if not isinstance(load, Load):
                raise BuildError(f"call_packed({call.args[0].value}): array argument "
                                 f"`{arg}` was not flattened to a buffer")
            kinds.append(("array", load.dtype, len(arg.args) - 1))
        else:
            kinds.append(("float",) if dt.is_float(arg.dtype) else ("int",))
    return tuple(kinds)


def register_packed_symbols(funcs):
    """Give LLVM the address of the entry of every packed call site in ``funcs``."""
    for func in funcs:
        for call in [c for c in collect(func.body, Call) if c.op == "call_packed"]:
            symbol, address = packed.call_site(call.args[0].value, packed_kinds(call))
            llvm.add_symbol(symbol, address)


class PackedCallMixin:
    def intrin_call_packed(self, op):
        name = op.args[0].value
        symbol, _ = packed.call_site(name, packed_kinds(op))
        values = []
        for arg in op.args[1:]:
            if _array(arg):
                load = arg.args[0]
                index = self.visit(load.index)
                values.append(self.element_ptr(load.buffer, index, load.dtype))
                values += [self.cast(self.visit(e), e.dtype, "int64") for e in arg.args[1:]]
            elif dt.is_float(arg.dtype):
                values.append(self.cast(self.visit(arg), arg.dtype, "float64"))
            else:
                values.append(self.cast(self.visit(arg), arg.dtype, "int64"))
        fn = self.declare(symbol, T.I32, [v.type for v in values])
        result = self.builder.call(fn, values)
        fail = self.frame.fn.append_basic_block("packed_fail")
        ok = self.frame.fn.append_basic_block("packed_ok")
        self.builder.cbranch(self.builder.icmp_signed("==", result, ir.Constant(T.I32, 0)),
                             ok, fail)
        self.builder.position_at_end(fail)
        self.frame.on_error(self.error_code(f"{PACKED_FAILED} '{name}' raised"))
        self.builder.position_at_end(ok)
        return result
