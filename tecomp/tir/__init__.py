"""Classic TVM's ``tvm.tir`` (``tvm.expr`` / ``tvm.stmt`` in TVM 0.6): expression
constructors, integer division helpers, calls of intrinsics and external C
functions, and intrinsic lowering rules, over tecomp's own IR nodes.

::

    B = te.compute(A.shape, lambda i: tvm.tir.call_pure_extern("float32", "expf", A[i]))
    tvm.tir.indexmod(y, bn), tvm.tir.Select(c, a, b), tvm.tir.const(1, "int32")

Declared buffers (``decl_buffer``) and ``ir_builder`` serve tensor intrinsics
(``te.decl_tensor_intrin``); ``call_packed`` calls a registered packed function
from a ``te.extern`` stage.
"""

from ..te.api import (abs, all, any, ceil, const, cos, erf, exp, exp2, floor,  # noqa: F401,A004
                   floordiv, floormod, if_then_else, isnan, log, log2, log10, max_value,
                   min_value, pow, power, round, rsqrt, select, sigmoid, sin, sqrt, tanh,
                   trunc, truncdiv, truncmod)
from ..ir import (Add, And, Broadcast, Cast, Div, EQ, FloatImm, FloorDiv, FloorMod,  # noqa: F401
                  GE, GT, IntImm, IterVar, LE, LT, Let, Load, Max, Min, Mod, Mul, NE, Not, Or,
                  PrimExpr, Ramp, Range, Reduce, StringImm, Sub, Var)
from ..ir import stmt as _stmt
from ..ir.functor import post_order_visit, substitute  # noqa: F401
from ..transform.lower_intrinsics import CallView as Call  # noqa: F401
from ..ir.intrin_rules import (CallEffectKind, register_intrin_lowering,  # noqa: F401
                               register_intrin_rule, register_op_attr)
from ..not_offered import not_offered
from .call import (call_extern, call_intrin, call_llvm_intrin, call_llvm_pure_intrin,  # noqa: F401
                   call_pure_extern, call_pure_intrin)
from ..ir.decl_buffer import DeclBuffer as Buffer, decl_buffer  # noqa: F401
from . import ir_builder  # noqa: F401
from ..te.extern import call_packed  # noqa: F401

#: ``tvm.tir.Select(cond, t, f)`` builds a select (both arms evaluated).
Select = select
#: TVM's index division: floor division and its remainder.
indexdiv, indexmod = floordiv, floormod
For, Store, Allocate, AttrStmt, IfThenElse, SeqStmt, Evaluate, LetStmt = (
    _stmt.For, _stmt.Store, _stmt.Allocate, _stmt.AttrStmt, _stmt.IfThenElse, _stmt.SeqStmt,
    _stmt.Evaluate, _stmt.LetStmt)


class stmt_functor:  # noqa: N801 (TVM's module name)
    """``tvm.tir.stmt_functor.post_order_visit(stmt, fvisit)`` and ``substitute``."""
    post_order_visit = staticmethod(post_order_visit)
    substitute = staticmethod(substitute)


def __getattr__(name):
    not_offered("tvm.tir", name)
