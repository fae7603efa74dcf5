"""Evaluate an integer extent expression (``n * 4``, ``(n + 3) // 4``) on bound Vars."""

from tecomp.errors import InternalError


def _floordiv(a, b):
    return a // b


def _truncdiv(a, b):
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


_BINARY = {
    "Add": lambda a, b: a + b, "Sub": lambda a, b: a - b, "Mul": lambda a, b: a * b,
    "FloorDiv": _floordiv, "FloorMod": lambda a, b: a % b, "Div": _truncdiv,
    "Mod": lambda a, b: a - _truncdiv(a, b) * b, "Min": min, "Max": max,
}


def evaluate(expr, bound):
    """The integer value of ``expr`` with the Vars of ``bound`` substituted."""
    name = type(expr).__name__
    if name == "IntImm":
        return expr.value
    if name == "Var":
        if expr not in bound:
            raise InternalError(f"extent variable '{expr.name}' is not bound")
        return bound[expr]
    if name == "Cast":
        return evaluate(expr.value, bound)
    if name in _BINARY:
        return _BINARY[name](evaluate(expr.a, bound), evaluate(expr.b, bound))
    raise InternalError(f"cannot evaluate the extent `{expr}` ({name}) at call time")
