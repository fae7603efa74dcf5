"""The :class:`Analyzer`: known variable ranges plus the questions passes ask.

An analyzer holds what is known of variables (a loop variable's range, a
let-bound value) and answers with that knowledge: ``simplify``, ``can_prove``,
``const_int_bound``, ``can_prove_equal``. Knowledge is scoped: ``bind`` pushes,
``unbind`` pops, and ``with analyzer.scope(var, rng):`` does both;
``with analyzer.assume(cond):`` adds a known-true condition.

Answers are memoized per analyzer while the bindings stay the same, so one
analyzer per pass invocation is the intended use.
"""

import weakref
from contextlib import contextmanager
from math import inf

from ..errors import InternalError
from ..ir import expr as E
from . import interval as _interval
from .int_bound import ConstIntBound
from .interval import Interval
from .linear import AtomTable, coeff_bits, const_value, poly_add
from .overflow import OverflowModel
from .rewrite_simplify import Simplifier, is_int_scalar


class Analyzer:
    """Known facts about variables, and the simplifier/prover that uses them."""

    def __init__(self):
        self._bindings = {}        # Var -> stack of (lo expr or None, hi expr or None)
        self._symbolic = 0         # how many live bindings have a symbolic end
        self._in_symbolic = False  # guards the symbolic fallback against recursion
        self._facts = []           # (poly d, lo, hi): lo <= d <= hi is known (see assume)
        self._var_facts = {}       # Var -> [(lo, hi)] constant bounds implied by facts
        self.atoms = AtomTable()
        # The parts ask the analyzer back through a weak proxy: strong references
        # both ways made every analyzer, with its memo tables full of expressions,
        # a reference cycle that only the cycle collector freed (thousands of
        # objects per lowering, and the full collections they bring on).
        owner = weakref.proxy(self)
        self.overflow = OverflowModel(owner)
        self._int_bound = ConstIntBound(owner)
        self._simplifier = Simplifier(owner)

    # ------------------------------------------------------------ knowledge
    def _binding(self, var):
        stack = self._bindings.get(var)
        return stack[-1] if stack else None

    def _changed(self):
        self.overflow.clear()
        self._int_bound.clear()
        self._simplifier.clear()

    def bind(self, var, value):
        """Record what ``var`` ranges over until the matching :meth:`unbind`.

        ``value`` is a :class:`~tecomp.ir.expr.Range` (``[min, min + extent)``),
        an :class:`~tecomp.arith.interval.Interval` (inclusive, ends may be
        ``None``), or an expression / int that ``var`` equals.
        """
        if isinstance(var, E.IterVar):
            var = var.var
        if isinstance(value, E.IterVar):
            value = value.dom
        if isinstance(value, E.Range):
            lo = self.simplify(value.min)
            extent = self.simplify(value.extent)
            if extent.dtype != lo.dtype:
                extent = self.simplify(E.Cast(lo.dtype, extent))
            hi = self.simplify(E.Sub(E.Add(lo, extent), E.IntImm(lo.dtype, 1)))
        elif isinstance(value, Interval):
            lo = None if value.lo is None else self.simplify(value.lo)
            hi = None if value.hi is None else self.simplify(value.hi)
        elif isinstance(value, (int, E.PrimExpr)) and not isinstance(value, bool):
            if isinstance(value, int):
                value = E.IntImm(var.dtype, value)
            lo = hi = self.simplify(value)
        else:
            raise InternalError(f"Analyzer.bind: cannot bind {var} to {value!r}")
        if _is_symbolic(lo, hi):
            self._symbolic += 1
        self._bindings.setdefault(var, []).append((lo, hi))
        self._changed()

    def unbind(self, var):
        """Forget the latest :meth:`bind` of ``var``."""
        if isinstance(var, E.IterVar):
            var = var.var
        stack = self._bindings.get(var)
        if not stack:
            raise InternalError(f"Analyzer.unbind: {var} is not bound")
        lo, hi = stack.pop()
        if not stack:
            del self._bindings[var]
        if _is_symbolic(lo, hi):
            self._symbolic -= 1
        self._changed()

    @contextmanager
    def scope(self, var, value):
        """``with analyzer.scope(i, Range(0, n)): ...`` binds ``i`` inside."""
        self.bind(var, value)
        try:
            yield self
        finally:
            self.unbind(var)

    @contextmanager
    def assume(self, cond):
        """``with analyzer.assume(i*32 + j < n): ...``: inside, ``cond`` is known
        true. Comparisons of int32/int64 values (and ``&&`` of them, and ``!`` of
        one) are used; other conditions are ignored."""
        facts = self._simplifier.facts_of(self.simplify(cond))
        added_vars = []
        for poly, lo, hi in facts:
            var_range = self._simplifier.var_fact(poly, lo, hi)
            if var_range is not None:
                self._var_facts.setdefault(var_range[0], []).append(var_range[1:])
                added_vars.append(var_range[0])
        self._facts.extend(facts)
        self._changed()
        try:
            yield self
        finally:
            del self._facts[len(self._facts) - len(facts):]
            for var in added_vars:
                stack = self._var_facts[var]
                stack.pop()
                if not stack:
                    del self._var_facts[var]
            self._changed()

    # ------------------------------------------------------------ questions
    def simplify(self, expr):
        """``expr`` simplified under the known ranges (the same object when
        nothing simplifies). The dtype never changes."""
        if isinstance(expr, E.IterVar):
            expr = expr.var
        if not isinstance(expr, E.PrimExpr):
            raise InternalError(f"Analyzer.simplify expects an expression, got {expr!r}")
        return self._simplifier.visit(expr)

    def can_prove(self, cond):
        """Whether the boolean ``cond`` is true for every value of the known ranges."""
        result = self.simplify(cond)
        if type(result) is E.Broadcast:
            result = result.value
        return type(result) is E.IntImm and result.value != 0

    def const_int_bound(self, expr):
        """``(lo, hi)`` Python ints with ``lo <= expr <= hi``; an unknown side is ``None``."""
        lo, hi = self._int_bound.bound(self.simplify(expr))
        return (None if lo == -inf else lo, None if hi == inf else hi)

    def can_prove_equal(self, a, b):
        """Whether ``a`` and ``b`` always have the same value."""
        a, b = self.simplify(a), self.simplify(b)
        if self.atoms.same(a, b):
            return True
        if a.dtype != b.dtype or not is_int_scalar(a.dtype):
            return False
        s = self._simplifier
        d = poly_add(s.poly_of(a), s.poly_of(b), coeff_bits(a.dtype), -1)
        if const_value(d) == 0:
            return True
        return s.poly_bound(d) == (0, 0)


def _is_symbolic(lo, hi):
    """Whether a binding has an end that is an expression, not a constant."""
    return (lo is not None and type(lo) is not E.IntImm) or \
        (hi is not None and type(hi) is not E.IntImm)


def simplify(expr, ranges=None):
    """``expr`` simplified, knowing that each ``Var`` key of ``ranges`` lies in
    its value (a Range, an Interval, or an expression it equals)."""
    analyzer = Analyzer()
    for var, rng in (ranges or {}).items():
        analyzer.bind(var, rng)
    return analyzer.simplify(expr)


def eval_interval(expr, ranges, analyzer=None):
    """:func:`tecomp.arith.interval.eval_interval`, by a fresh :class:`Analyzer`
    unless ``analyzer`` is given."""
    return _interval.eval_interval(expr, ranges, analyzer if analyzer is not None else Analyzer())


def interval_from_range(rng):
    """The inclusive interval ``[min, min + extent - 1]`` of a half-open Range."""
    return _interval.interval_from_range(rng, Analyzer())
