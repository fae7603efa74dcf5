"""Names classic TVM code reaches for at the top level (``tvm.float32``,
``tvm.TVMError``, ``tvm.indexmod``, ``tvm.call_pure_extern``, ``tvm.convert``,
``tvm.module.load``, ``tvm.expr``), re-exported by ``tecomp/__init__``.

Parts of TVM that tecomp does not offer raise :class:`NotOffered` (a
``TecompError`` and an ``AttributeError``) naming the part, so ``hasattr`` still
answers False and a user reads why."""

from . import tir
from .errors import TecompError
from .ir.intrin_rules import register_intrin_rule  # noqa: F401
from .build import load_module
from .runtime.convert import convert  # noqa: F401
from .tir import (call_extern, call_intrin, call_pure_extern, call_pure_intrin,  # noqa: F401
                  indexdiv, indexmod)

#: TVM's ``TVMError``: every error tecomp raises on purpose derives from it.
TVMError = TecompError

float16, float32, float64 = "float16", "float32", "float64"
int8, int16, int32, int64, uint8, uint16, uint32, uint64 = (
    "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
bool_ = "bool"


class NotOffered(TecompError, AttributeError):
    """A classic TVM API part that tecomp does not offer (see the README's table)."""


#: name -> why it is missing
NOT_OFFERED = {
    "scan": "te.scan (recurrences) is not implemented; write the recurrence as a loop of "
            "separate builds or in numpy",
    "scan_placeholder": "te.scan is not implemented",
    "extern": "te.extern (opaque external stages) is not implemented",
    "call_packed": "packed calls into Python callbacks are not implemented (te.extern is "
                   "missing)",
    "register_func": "the packed-function registry is not implemented (te.extern is missing)",
    "get_global_func": "the packed-function registry is not implemented",
    "decl_buffer": "explicit buffers (decl_buffer, binds=) are not implemented; tensors get "
                   "compact row-major buffers",
    "decl_tensor_intrin": "tensorize is not implemented",
    "build_config": "build_config is not implemented (its options belong to buffers and "
                    "passes tecomp does not expose)",
    "ir_builder": "the low-level IR builder is not exposed",
    "hybrid": "hybrid script is out of scope",
}


def not_offered(name):
    raise NotOffered(f"tvm.{name} is not offered by tecomp: {NOT_OFFERED[name]}")


class module:  # noqa: N801 (TVM 0.6's ``tvm.module`` namespace)
    """``tvm.module.load(path)``: :func:`tecomp.load_module`."""
    load = staticmethod(load_module)


expr = stmt = tir
