"""``lower_intrinsics``: per-target rewrite rules for intrinsic calls (TVM's
``register_intrin_rule`` / ``register_intrin_lowering``).

A rule is a Python function registered for a target kind and an intrinsic name;
``build`` runs this pass on every lowered function before code generation, so a
rule sees each ``Call`` of its intrinsic and returns the expression to use
instead (typically ``call_pure_extern("float32", "expf", x)``), or the call
unchanged. Rules see a TVM-shaped view of the call (:class:`CallView`:
``.op.name == "tir.exp"``, ``.name``, ``.args``, ``.dtype``).

    Call(float32, "exp", (x,))  --rule "cuda"/"exp"-->  Call(float32, "call_extern", ("expf", x))
"""

from ..errors import ExprError
from ..ir import IRMutator
from ..ir import expr as E
from ..ir.intrin_rules import RULES, target_kind


class OpView:
    """TVM's ``Op``: only its ``name`` (``"tir.exp"``)."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"Op({self.name})"


class CallView:
    """A call as a rule sees it: ``dtype``, ``args``, ``op.name`` (``"tir.exp"``,
    TVM 0.7+) and ``name`` (``"exp"``, TVM 0.6)."""

    __slots__ = ("call", "dtype", "args", "op", "name")

    def __init__(self, call):
        self.call, self.dtype, self.args = call, call.dtype, call.args
        self.op, self.name = OpView("tir." + call.op), call.op

    def __repr__(self):
        return repr(self.call)


class _Rewriter(IRMutator):
    def __init__(self, kind):
        self.kind = kind

    def visit_Call(self, call):
        call = self.generic_visit(call)
        entry = RULES.get((self.kind, call.op)) or RULES.get(("default", call.op))
        if entry is None:
            return call
        result = entry[1](CallView(call))
        if isinstance(result, CallView):
            return result.call
        if not isinstance(result, E.PrimExpr) or result.dtype != call.dtype:
            raise ExprError(f"intrinsic rule for '{call.op}' on '{self.kind}' returned "
                            f"{result!r}; it must return an expression of dtype {call.dtype}")
        return result


def lower_intrinsics(func, target):
    """``func`` (a PrimFunc) with every call that has a rule for ``target`` rewritten
    by it; the same object when no rule applies."""
    kind = target_kind(target)
    if not any(k in (kind, "default") for k, _ in RULES):
        return func
    body = _Rewriter(kind).visit(func.body)
    return func if body is func.body else func.with_body(body)
