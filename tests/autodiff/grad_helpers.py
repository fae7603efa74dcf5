"""Helpers for the gradient tests: build a forward and its gradient, compare with
central differences in float64, count the loop iterations of lowered IR."""

import numpy as np

import tecomp as te
from tecomp import topi
from tecomp.ir import stmt as S
from tecomp.testing import check_numerical_grads
from tecomp.topi.util import get_const_tuple


def shape_of(t):
    return get_const_tuple(t.shape)


def check_grad(out, inputs, args=(), data_range=(-2.0, 2.0), seed=0, head=True, schedule=None,
               desired=None, rtol=1e-5):
    """Build ``out`` and ``te.gradient(out, inputs)`` (head = ones), run on random data,
    compare with central differences of ``sum(out)`` (or with ``desired``)."""
    rng = np.random.default_rng(seed)
    inputs, args = list(inputs), list(args)
    f = te.build(te.create_schedule(out.op), [out] + inputs + args)
    ones = topi.full_like(out, 1.0) if head else None
    grads = te.gradient(out, inputs, head=ones)
    s = schedule(grads) if schedule else te.create_schedule([g.op for g in grads])
    g = te.build(s, list(grads) + inputs + args)
    lo, hi = data_range
    values = [rng.uniform(lo, hi, shape_of(t)).astype(t.dtype) for t in inputs + args]
    results = [np.zeros(shape_of(x), x.dtype) for x in inputs]
    g(*results, *values)
    if desired is not None:
        for r, d in zip(results, desired):
            np.testing.assert_allclose(r, d, rtol=rtol, atol=1e-6)
        return grads, results

    def forward(*vals):
        o = np.zeros(shape_of(out), out.dtype)
        f(o, *[np.asarray(v, t.dtype) for v, t in zip(vals, inputs + args)])
        return o.sum()
    check_numerical_grads(forward, values, results)
    return grads, results


def iterations(stmt):
    """Total iterations of the innermost statements of a lowered function (constant loops)."""
    body = stmt.body if hasattr(stmt, "params") else stmt

    def walk(s, trip):
        if isinstance(s, S.For):
            return walk(s.body, trip * s.extent.value)
        if isinstance(s, S.SeqStmt):
            return sum(walk(x, trip) for x in s.seq)
        for name in ("body", "then_case", "else_case"):
            child = getattr(s, name, None)
            if isinstance(child, S.Stmt):
                total = walk(child, trip)
                if name == "then_case" and getattr(s, "else_case", None) is not None:
                    total += walk(s.else_case, trip)
                return total
        return trip
    return walk(body, 1)
