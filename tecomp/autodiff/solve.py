"""Inverting the index map of a read: the gather form of an adjoint.

A read ``X[g(v)]`` in a stage whose loop variables ``v`` (data-parallel and
reduce axes) range over a box sends adjoint to ``X[j]`` from every ``v`` with
``g(v) = j``. :func:`solve_read` describes that set with as few free variables as
it can: it solves the equations ``g_d(v) = j_d`` for some of the ``v`` (as
expressions of ``j`` and of the variables left free) and returns

* ``values``: ``{v: expression}`` for the solved variables,
* ``free``: the variables left to sum over (with their ranges),
* ``conditions``: what must hold (each solved variable in its range, divisibility
  for strides, equations that were not inverted).

Equations are linear forms ``sum(c_v * v) + rest = 0``. The steps:

1. clamps (``min``/``max`` in an index) split the read into pieces, each with the
   condition under which the clamp picks that operand (done by the caller);
2. an index map containing ``//`` and ``%`` (a reshape) is tried as one linear
   equation on the flattened position: the position ``ravel(g(v))`` is checked
   to be affine by evaluating it at every point of its domain (exact, bounded);
   ``floordiv(e, c) = j`` otherwise becomes ``e = c*j + t`` with a new free ``t`` in
   ``[0, c)`` (nearest-neighbour upsampling);
3. an equation whose variables appear in no other one and whose coefficients
   form a mixed radix (``c_{k+1} = c_k * extent_k``) is solved at once by
   ``v_k = (R // c_k) % extent_k`` (flattening, pooling with stride = kernel);
4. otherwise a variable is eliminated: the one of largest extent among those
   with a unit coefficient or appearing in this equation only (then with a
   divisibility condition: strides). Convolution ``y*s + ry*d = j`` solves ``y``
   and sums over ``ry``.

Equations still holding a variable at the end are kept as conditions over the
free variables: the correct but slow reduction form (``inverted`` is False).
"""

from dataclasses import dataclass, field

import numpy as np

from ..ir import expr as E
from ..ir.functor import IRVisitor, substitute, uses_var


@dataclass
class Solution:
    values: dict
    free: list                 # [(Var, min expr, extent expr)]
    conditions: list
    inverted: bool = True
    notes: list = field(default_factory=list)


def _i(value):
    return E.const_index(value)


def _const(e):
    return e.value if isinstance(e, E.IntImm) else None


def linear_form(e, domain):
    """``({var: int}, rest)`` with ``e == sum(c*var) + rest`` and ``rest`` free of the
    ``domain`` variables, or None when ``e`` is not affine in them."""
    if not uses_var(e, domain):
        return {}, e
    if isinstance(e, E.Var):
        return {e: 1}, _i(0)
    if isinstance(e, E.Cast):
        return linear_form(e.value, domain)
    if isinstance(e, (E.Add, E.Sub)):
        a, b = linear_form(e.a, domain), linear_form(e.b, domain)
        if a is None or b is None:
            return None
        sign = 1 if isinstance(e, E.Add) else -1
        coeffs = dict(a[0])
        for v, c in b[0].items():
            coeffs[v] = coeffs.get(v, 0) + sign * c
        rest = _index(a[1]) + _index(b[1]) if sign > 0 else _index(a[1]) - _index(b[1])
        return {v: c for v, c in coeffs.items() if c}, rest
    if isinstance(e, E.Mul):
        for x, y in ((e.a, e.b), (e.b, e.a)):
            k = _const(y)
            if k is not None:
                inner = linear_form(x, domain)
                if inner is None:
                    return None
                return {v: c * k for v, c in inner[0].items() if c * k}, _index(inner[1]) * k
    return None


def _index(e):
    return E.const_index(e) if e.dtype != "int64" else e


class _Reads(IRVisitor):
    found = False

    def visit_TensorRead(self, e):
        self.found = True


def reads_tensor(e):
    finder = _Reads()
    finder.visit(e)
    return finder.found


# ------------------------------------------------------------------ numeric check

_NP = {E.Add: np.add, E.Sub: np.subtract, E.Mul: np.multiply, E.FloorDiv: np.floor_divide,
       E.FloorMod: np.mod, E.Min: np.minimum, E.Max: np.maximum}


def _evaluate(e, env):
    """Evaluate an integer index expression on int64 arrays, or None if unsupported."""
    if isinstance(e, E.IntImm):
        return np.int64(e.value)
    if isinstance(e, E.Var):
        return env.get(e)
    if isinstance(e, E.Cast):
        return _evaluate(e.value, env)
    op = _NP.get(type(e))
    if op is not None:
        a, b = _evaluate(e.a, env), _evaluate(e.b, env)
        if a is None or b is None:
            return None
        if op in (np.floor_divide, np.mod) and np.any(b == 0):
            return None
        return op(a, b)
    if isinstance(e, (E.Div, E.Mod)):
        a, b = _evaluate(e.a, env), _evaluate(e.b, env)
        if a is None or b is None or np.any(b == 0):
            return None
        q = np.trunc(a / b).astype(np.int64)
        return q if isinstance(e, E.Div) else a - q * b
    return None


#: Largest domain (points) the exact affine check of a reshape enumerates.
RESHAPE_CHECK_POINTS = 1 << 22


def flattened_equation(indices, shape, domain, ranges):
    """For an index map with ``//``/``%`` (a reshape): ``(coeffs, offset)`` such that
    ``ravel(indices) == sum(c*v) + offset`` at every point of the domain, or None."""
    strides, total = [], 1
    for d in reversed(shape):
        if _const(d) is None:
            return None
        strides.append(total)
        total *= _const(d)
    strides.reverse()
    used = [v for v in domain if any(uses_var(g, {v}) for g in indices)]
    size = 1
    for v in used:
        lo, ext = ranges[v]
        if _const(lo) is None or _const(ext) is None:
            return None
        size *= _const(ext)
    if size > RESHAPE_CHECK_POINTS or size == 0:
        return None
    grids = np.meshgrid(*[np.arange(_const(ranges[v][0]), _const(ranges[v][0]) + _const(ranges[v][1]),
                                    dtype=np.int64) for v in used], indexing="ij")
    env = {v: g.reshape(-1) for v, g in zip(used, grids)}
    flat = np.zeros(size, np.int64)
    for g, s in zip(indices, strides):
        value = _evaluate(g, env)
        if value is None:
            return None
        flat = flat + np.broadcast_to(value, (size,)) * s
    base_env = {v: np.int64(_const(ranges[v][0])) for v in used}
    base = int(np.broadcast_to(_evaluate_sum(indices, strides, base_env), ()))
    coeffs = {}
    for v in used:
        step_env = dict(base_env)
        step_env[v] = base_env[v] + 1
        coeffs[v] = int(_evaluate_sum(indices, strides, step_env)) - base if _const(ranges[v][1]) > 1 else 0
    predicted = np.full(size, base, np.int64)
    for v in used:
        predicted = predicted + (env[v] - base_env[v]) * coeffs[v]
    if not np.array_equal(predicted, flat):
        return None
    offset = base - sum(c * int(base_env[v]) for v, c in coeffs.items())
    return {v: c for v, c in coeffs.items() if c}, offset


def _evaluate_sum(indices, strides, env):
    return sum(int(_evaluate(g, env)) * s for g, s in zip(indices, strides))


# ------------------------------------------------------------------ the solver


class _System:
    def __init__(self, domain, ranges):
        self.domain = list(domain)
        self.ranges = dict(ranges)     # var -> (min, extent)
        self.equations = []            # [(coeffs, rest)]: sum(c*v) + rest == 0
        self.values = {}
        self.conditions = []
        self.notes = []

    def extent(self, v):
        k = _const(self.ranges[v][1])
        return k if k is not None else 1 << 40

    def occurrences(self, v):
        return sum(1 for coeffs, _ in self.equations if v in coeffs)

    def eliminate(self, v, expr):
        """Replace ``v`` by ``expr`` (affine in remaining vars, as (coeffs, rest))."""
        coeffs_v, rest_v = expr
        out = []
        for coeffs, rest in self.equations:
            if v in coeffs:
                a = coeffs.pop(v)
                for u, c in coeffs_v.items():
                    coeffs[u] = coeffs.get(u, 0) + a * c
                rest = rest + rest_v * a
                coeffs = {u: c for u, c in coeffs.items() if c}
            out.append((coeffs, rest))
        self.equations = out

    def solve_mixed_radix(self, index):
        coeffs, rest = self.equations[index]
        if len(coeffs) < 2 or any(self.occurrences(v) != 1 for v in coeffs):
            return False
        sign = 1 if all(c > 0 for c in coeffs.values()) else -1
        if any(c * sign <= 0 for c in coeffs.values()):
            return False
        order = sorted(coeffs, key=lambda v: coeffs[v] * sign)
        if any(_const(self.ranges[v][0]) != 0 or _const(self.ranges[v][1]) is None for v in order):
            return False
        base = coeffs[order[0]] * sign
        for a, b in zip(order, order[1:]):
            if coeffs[b] * sign != coeffs[a] * sign * _const(self.ranges[a][1]):
                return False
        value = (_i(0) - rest) if sign > 0 else rest     # sum(|c| v) == value
        if base != 1:
            self.conditions.append(E.EQ(value % base, _i(0)))
            value = value // base
        scale = 1
        for k, v in enumerate(order):
            q = value // scale if scale != 1 else value
            ext = _const(self.ranges[v][1])
            if k == len(order) - 1:
                self.values[v] = q
                self.conditions += [E.GE(q, _i(0)), E.LT(q, _i(ext))]
                continue
            else:
                self._substitute_value(v, q % ext)
            scale *= ext
        self._substitute_value(order[-1], self.values[order[-1]])
        self.equations.pop(index)
        return True

    def solve_one(self, index):
        coeffs, rest = self.equations[index]
        candidates = [v for v, c in coeffs.items() if abs(c) == 1 or self.occurrences(v) == 1]
        if not candidates:
            return False
        v = max(candidates, key=lambda u: (self.extent(u), abs(coeffs[u]) == 1))
        c = coeffs[v]
        others = {u: -k for u, k in coeffs.items() if u is not v}
        # c*v + sum(others') + rest == 0  ->  v = (-rest - sum(k*u)) / c
        numerator = _i(0) - rest
        for u, k in coeffs.items():
            if u is not v:
                numerator = numerator - E.const_index(u) * k if k != 1 else numerator - u
        self.equations.pop(index)
        if abs(c) == 1:
            value = numerator if c == 1 else _i(0) - numerator
            self.eliminate(v, ({u: k * c for u, k in others.items()}, (_i(0) - rest) * c))
        else:
            self.conditions.append(E.EQ(numerator % abs(c), _i(0)))
            value = numerator // c if c > 0 else (_i(0) - numerator) // (-c)
        self._substitute_value(v, value)
        lo, ext = self.ranges[v]
        self.conditions += [E.GE(value, lo), E.LT(value, lo + ext)]
        return True

    def _substitute_value(self, v, value):
        for u in list(self.values):
            self.values[u] = substitute(self.values[u], {v: value})
        self.conditions = [substitute(c, {v: value}) for c in self.conditions]
        self.values[v] = value


def solve_read(indices, shape, jvars, domain, ranges):
    """Solve ``indices(v) == jvars`` for the ``domain`` variables (see the module doc).

    ``ranges`` maps each domain Var to ``(min, extent)``. Returns a :class:`Solution`."""
    system = _System(domain, ranges)
    inverted = True
    opaque = []     # positions of conditions from index maps that are not affine
    dims = list(zip(indices, jvars))
    if any(_has_divmod(g) for g in indices) and not any(reads_tensor(g) for g in indices):
        flat = flattened_equation(indices, shape, domain, ranges)
        if flat is not None:
            coeffs, offset = flat
            position = _i(0)
            stride = 1
            for d, j in reversed(list(zip(shape, jvars))):
                position = position + j * stride if stride != 1 else position + j
                stride *= _const(d)
            system.equations.append((coeffs, _i(offset) - position))
            dims = []
            system.notes.append("reshape")
    for g, j in dims:
        form = linear_form(g, set(domain)) if not reads_tensor(g) else None
        if form is None and isinstance(g, E.FloorDiv) and _const(g.b) and _const(g.b) > 0:
            inner = linear_form(g.a, set(domain)) if not reads_tensor(g.a) else None
            if inner is not None:
                t = E.Var(f"{j.name}.t")
                system.domain.append(t)
                system.ranges[t] = (_i(0), _i(_const(g.b)))
                coeffs = dict(inner[0])
                coeffs[t] = -1
                system.equations.append((coeffs, inner[1] - j * _const(g.b)))
                continue
        if form is None:
            system.conditions.append(E.EQ(_index(g), j))
            opaque.append(len(system.conditions) - 1)
            continue
        coeffs, rest = form
        system.equations.append((coeffs, rest - j))
    progress = True
    while progress and system.equations:
        progress = False
        for k in range(len(system.equations)):
            coeffs, rest = system.equations[k]
            if not coeffs:
                system.conditions.append(E.EQ(rest, _i(0)))
                system.equations.pop(k)
                progress = True
                break
            if system.solve_mixed_radix(k) or system.solve_one(k):
                progress = True
                break
    for coeffs, rest in system.equations:
        total = rest
        for v, c in coeffs.items():
            total = total + v * c if c != 1 else total + v
        system.conditions.append(E.EQ(total, _i(0)))
        inverted = False
    free = [(v, *system.ranges[v]) for v in system.domain if v not in system.values]
    free_vars = {v for v, _, _ in free}
    # An opaque index is harmless once the others fix every variable it uses (take's
    # row index read from a tensor, with the column solved): it is then a plain test.
    if any(uses_var(system.conditions[k], free_vars) for k in opaque):
        inverted = False
    return Solution(system.values, free, system.conditions, inverted, system.notes)


def _has_divmod(e):
    found = []

    class Find(IRVisitor):
        def visit_FloorDiv(self, n):
            found.append(n)

        visit_FloorMod = visit_Div = visit_Mod = visit_FloorDiv

    Find().visit(e)
    return bool(found)
