"""The registry of per-target intrinsic lowering rules and operator attributes
(TVM's ``register_intrin_rule``, ``tvm.ir.register_intrin_lowering``,
``tvm.ir.register_op_attr``); the pass that applies the rules is
:mod:`tecomp.transform.lower_intrinsics`."""

from ..errors import ExprError


class CallEffectKind:
    """TVM's call side-effect kinds (recorded by :func:`register_op_attr`)."""
    ExprAnnotation, Pure, ReadState, UpdateState, Opaque = range(5)


#: (target kind, intrinsic name without "tir.") -> (level, rule)
RULES = {}


def register_rule(target, name, rule, level=10, override=False):
    """Register ``rule`` for intrinsic ``name`` (``"exp"`` or ``"tir.exp"``) on
    target kind ``target`` (``"cuda"``, ``"opencl"``, ``"llvm"``; ``"default"`` for all).
    A rule of a higher ``level`` replaces one of a lower level; equal levels need
    ``override=True``."""
    if not callable(rule):
        raise ExprError(f"register_intrin_rule({target!r}, {name!r}): the rule must be a "
                        f"function of the call, got {rule!r}")
    key = (target_kind(target), _short(name))
    if key in RULES and not override and RULES[key][0] >= level:
        raise ExprError(f"intrinsic rule for '{key[1]}' on target '{key[0]}' is already "
                        "registered; pass override=True (or a higher level) to replace it")
    RULES[key] = (level, rule)


def _short(name):
    return name[4:] if name.startswith("tir.") else name


def target_kind(target):
    kind = str(getattr(target, "kind", target)).split()[0]
    return {"nvptx": "cuda", "cl": "opencl", "c": "llvm", "cpu": "llvm"}.get(kind, kind)


#: op name -> {attribute: value}, as recorded by register_op_attr.
OP_ATTRS = {}


def register_op_attr(op_name, attr_key, value=None, level=10):
    """TVM's ``tvm.ir.register_op_attr``. ``FLowerIntrinsic`` keys
    (``"cuda.FLowerIntrinsic"``) register a lowering rule; other attributes
    (``TCallEffectKind``) are recorded. Usable as a decorator when ``value`` is None."""
    def register(v):
        target, _, kind = attr_key.rpartition(".")
        if kind == "FLowerIntrinsic":
            register_rule(target, op_name, v, level=level, override=True)
        else:
            OP_ATTRS.setdefault(op_name, {})[attr_key] = v
        return v
    return register if value is None else register(value)


def register_intrin_lowering(op_name, target="default", *, f=None, level=10):
    """TVM 0.8's ``tvm.ir.register_intrin_lowering(op_name, target, f=rule, level=99)``."""
    def register(rule):
        register_rule(target, op_name, rule, level=level, override=True)
        return rule
    return register if f is None else register(f)


def register_intrin_rule(target, intrin, f=None, override=False):
    """TVM 0.6/0.7's ``tvm.target.register_intrin_rule("cuda", "exp", rule, override=True)``."""
    def register(rule):
        register_rule(target, intrin, rule, override=override)
        return rule
    return register if f is None else register(f)




__all__ = ["CallEffectKind", "register_intrin_lowering", "register_intrin_rule",
           "register_op_attr", "register_rule"]
