"""Calls in TVM's spelling: intrinsics (``call_intrin``), external C functions
(``call_extern``), and the registries that lower them per target.

An external call is the intrinsic ``call_extern`` whose first argument is the C
function's name: ``Call(dtype, "call_extern", (StringImm("expf"), x))``. The LLVM
backend declares and calls the symbol (lane by lane in vector code); the CUDA and
OpenCL printers print ``expf(x)``."""

from ..errors import ExprError
from ..ir import dtype as dt
from ..ir import expr as E
from ..ir.op import to_expr


def _args(args):
    return tuple(to_expr(a) for a in args)


def call_extern(dtype, func_name, *args):
    """A call of the C function ``func_name`` returning ``dtype``."""
    if not isinstance(func_name, str) or not func_name.isidentifier():
        raise ExprError(f"call_extern: the function name must be a C identifier, got "
                        f"{func_name!r}")
    return E.Call(dt.canonical(dtype), "call_extern", (E.StringImm(func_name),) + _args(args))


call_pure_extern = call_extern


def call_intrin(dtype, func_name, *args):
    """A call of intrinsic ``func_name`` (``"exp"`` or TVM 0.7+'s ``"tir.exp"``); an
    intrinsic tecomp does not know needs a rule for the target it is built for
    (:func:`register_intrin_lowering`)."""
    name = func_name[4:] if func_name.startswith("tir.") else func_name
    if not name.isidentifier():
        raise ExprError(f"call_intrin: bad intrinsic name {func_name!r}")
    return E.Call(dt.canonical(dtype), name, _args(args))


call_pure_intrin = call_intrin


def call_llvm_intrin(dtype, name, *args):
    """A call of the LLVM intrinsic ``name`` (TVM's ``call_llvm_intrin``; the first of
    ``args`` is TVM's ``num_signature``, then the operands). ``name`` is the full
    LLVM name, mangled for overloaded intrinsics (``"llvm.fma.v8f32"``); the CPU
    backend only."""
    if not isinstance(name, str) or not name.startswith("llvm."):
        raise ExprError(f"call_llvm_intrin: the intrinsic name must start with 'llvm.', "
                        f"got {name!r}")
    if not args:
        raise ExprError(f"call_llvm_intrin({name}): give num_signature (e.g. 0) before the "
                        "operands, as TVM does")
    return E.Call(dt.canonical(dtype), "call_llvm_intrin", (E.StringImm(name),) + _args(args))


call_llvm_pure_intrin = call_llvm_intrin
