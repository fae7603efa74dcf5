"""Names classic TVM code reaches for at the top level (``tvm.float32``,
``tvm.TVMError``, ``tvm.indexmod``, ``tvm.call_pure_extern``, ``tvm.convert``,
``tvm.module.load``, ``tvm.expr``), re-exported by ``tecomp/__init__``.

Parts of TVM that tecomp does not offer raise
:class:`~tecomp.not_offered.NotOffered` naming the part."""

from . import tir
from .errors import TecompError
from .not_offered import NotOffered  # noqa: F401
from .ir.intrin_rules import register_intrin_rule  # noqa: F401
from .build import load_module
from .runtime.convert import convert  # noqa: F401
from .tir import (call_extern, call_intrin, call_llvm_intrin, call_llvm_pure_intrin,  # noqa: F401
                  call_pure_extern, call_pure_intrin, decl_buffer, indexdiv, indexmod,
                  ir_builder)
from .te.tensor_intrin import build_config, decl_tensor_intrin  # noqa: F401

#: TVM's ``TVMError``: every error tecomp raises on purpose derives from it.
TVMError = TecompError

float16, float32, float64 = "float16", "float32", "float64"
int8, int16, int32, int64, uint8, uint16, uint32, uint64 = (
    "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
bool_ = "bool"


class module:  # noqa: N801 (TVM 0.6's ``tvm.module`` namespace)
    """``tvm.module.load(path)``: :func:`tecomp.load_module`."""
    load = staticmethod(load_module)


expr = stmt = tir
