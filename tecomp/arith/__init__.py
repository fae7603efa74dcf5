"""Arithmetic analysis of integer expressions: interval analysis, constant
bounds, the canonical sum-of-products form and the simplifier built on them.

Entry points: :class:`Analyzer` (bind variable ranges, then ``simplify``,
``can_prove``, ``const_int_bound``, ``can_prove_equal``), :func:`simplify` (a
one-shot analyzer), :class:`Interval`, :func:`eval_interval` and
:func:`interval_from_range`.
"""

from .analyzer import Analyzer, eval_interval, interval_from_range, simplify  # noqa: F401
from .interval import Interval  # noqa: F401

__all__ = ["Analyzer", "simplify", "Interval", "eval_interval", "interval_from_range"]
