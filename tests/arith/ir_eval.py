"""A tiny reference evaluator of IR expressions with exact C-like semantics,
used by the property tests to check that simplification preserves values.

Integers wrap to their dtype; for int32/int64 an overflow raises ``Undefined``
(the simplifier may assume it never happens in index arithmetic) unless
``wrap=True``: values read from memory (``Load``, looked up in ``env`` as
``("load", index)``) wrap in every dtype, as the generated code computes.
Division by zero and ``INT_MIN / -1`` raise ``Undefined`` too.
"""

import math

from tecomp.ir import dtype as dt
from tecomp.ir import expr as E


class Undefined(Exception):
    """The expression has undefined behaviour for these values."""


def _limits(dtype):
    if dt.is_bool(dtype):
        return 0, 1
    bits = dt.bits_of(dtype)
    if dt.is_uint(dtype):
        return 0, 2 ** bits - 1
    return -2 ** (bits - 1), 2 ** (bits - 1) - 1


def _wrap(value, dtype, wrap=False):
    if dt.is_bool(dtype):
        return int(bool(value))
    lo, hi = _limits(dtype)
    if dtype in ("int32", "int64") and not wrap:
        if not lo <= value <= hi:
            raise Undefined(f"{dtype} overflow: {value}")
        return value
    bits = dt.bits_of(dtype)
    value %= 2 ** bits
    if dt.is_int(dtype) and value > hi:
        value -= 2 ** bits
    return value


def _tdiv(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def evaluate(e, env, wrap=False):
    """The value of ``e`` (an int for integers and bools) with ``env`` mapping Var -> value
    (and ``("load", index)`` -> value of a ``Load`` at a constant index)."""
    if wrap:
        env = {**env, "wrap": True}
    t = type(e)
    if t is E.Load:
        return env[("load", e.index.value)]
    if t is E.IntImm:
        return e.value
    if t is E.FloatImm:
        return e.value
    if t is E.Var:
        return env[e]
    if t is E.Let:
        inner = dict(env)
        inner[e.var] = evaluate(e.value, env)
        return evaluate(e.body, inner)
    if t is E.Cast:
        v = evaluate(e.value, env)
        if dt.is_float(e.dtype):
            return float(v)
        if isinstance(v, float):
            v = math.trunc(v)
        if dt.is_bool(e.dtype):
            return int(v != 0)
        lo, hi = _limits(e.dtype)
        bits = dt.bits_of(e.dtype)
        v %= 2 ** bits
        return v - 2 ** bits if dt.is_int(e.dtype) and v > hi else v
    if t is E.Not:
        return int(not evaluate(e.a, env))
    if t is E.Select:
        c = evaluate(e.condition, env)
        tv, fv = evaluate(e.true_value, env), evaluate(e.false_value, env)
        return tv if c else fv
    if t is E.Call and e.op == "if_then_else":
        c = evaluate(e.args[0], env)
        return evaluate(e.args[1] if c else e.args[2], env)
    a, b = evaluate(e.a, env), evaluate(e.b, env)
    dtype = e.a.dtype
    name = t.__name__
    if name == "And":
        return int(bool(a) and bool(b))
    if name == "Or":
        return int(bool(a) or bool(b))
    cmp = {"EQ": a == b, "NE": a != b, "LT": a < b, "LE": a <= b, "GT": a > b, "GE": a >= b} \
        if name in ("EQ", "NE", "LT", "LE", "GT", "GE") else None
    if cmp is not None:
        return int(cmp[name])
    if dt.is_float(dtype):
        raise NotImplementedError("float arithmetic is not evaluated here")
    if name == "Add":
        return _wrap(a + b, dtype, env.get("wrap", False))
    if name == "Sub":
        return _wrap(a - b, dtype, env.get("wrap", False))
    if name == "Mul":
        return _wrap(a * b, dtype, env.get("wrap", False))
    if name == "Min":
        return min(a, b)
    if name == "Max":
        return max(a, b)
    if name in ("Div", "Mod", "FloorDiv", "FloorMod"):
        if b == 0:
            raise Undefined("division by zero")
        lo, _ = _limits(dtype)
        if b == -1 and a == lo and lo < 0:
            raise Undefined("INT_MIN / -1")
        if name == "FloorDiv":
            return a // b
        if name == "FloorMod":
            return a % b
        q = _tdiv(a, b)
        return q if name == "Div" else a - q * b
    raise NotImplementedError(name)

