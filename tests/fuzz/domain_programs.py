"""Random reads of a computed tensor near and past its declared shape, for the
``debug=True`` domain check (tecomp/transform/check_domains.py).

A case is a plain dict (printable, replayable): a producer ``B[j] = A[j] * 2 + 1``
of ``n`` elements and a consumer ``C`` of ``m`` elements that reads ``B`` at
``idx(i)``: ``i + off``, ``n - 1 - i + off`` or ``i // d + off``, unguarded or under
a lazy ``if_then_else`` whose condition is exact (every read in range) or one too
loose (it lets the index ``n`` through). The schedule puts ``B`` at the root or
under ``compute_at`` at the consumer's outer loop (a split by a dividing or
non-dividing factor), with the inner loop vectorized or the outer one parallel.

Built with ``debug=True`` and run. The oracle knows which reads execute: if one
of them is outside ``[0, n)`` the call must raise ``KernelAssertionError`` naming
``B``; otherwise it must return what numpy computes. Both a false alarm and a
missed read fail the case.

    python -m tests.fuzz.domain_programs --cases 500 --seed 1
"""

import argparse
import random
import sys

import numpy as np

import tecomp as te
from tecomp.runtime import KernelAssertionError

SCHEDULES = ("root", "root_vectorized", "at_outer", "at_outer_vectorized", "at_outer_parallel")


def draw_domain_case(rng):
    n = rng.randint(3, 12)
    return {"n": n, "m": max(1, n + rng.randint(-2, 3)),
            "index": rng.choice(["forward", "reversed", "divided"]),
            "off": rng.randint(-2, 2), "d": rng.choice([2, 3]),
            "guard": rng.choice(["none", "exact", "loose"]),
            "schedule": rng.choice(SCHEDULES), "factor": rng.choice([2, 3, 4])}


def _index(case, i):
    """The index expression of the read (``i`` a tecomp or numpy integer)."""
    n, off = case["n"], case["off"]
    if case["index"] == "forward":
        return i + off
    if case["index"] == "reversed":
        return n - 1 - i + off
    return i // case["d"] + off


def _guard_limit(case):
    return case["n"] + (1 if case["guard"] == "loose" else 0)


def oracle(case, a):
    """``(read_outside, C)``: whether an executed read leaves ``[0, n)``, and the
    consumer's values where none does (else ``None``)."""
    n, m = case["n"], case["m"]
    b = a * 2 + 1
    idx = _index(case, np.arange(m))
    executed = np.ones(m, bool) if case["guard"] == "none" else \
        (idx >= 0) & (idx < _guard_limit(case))
    if ((idx < 0) | (idx >= n))[executed].any():
        return True, None
    return False, np.where(executed, b[np.clip(idx, 0, n - 1)], np.float32(-1))


def build(case):
    n, m = case["n"], case["m"]
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda j: A[j] * 2 + 1, name="B")

    def body(i):
        idx = _index(case, i)
        if case["guard"] == "none":
            return B[idx]
        return te.if_then_else(te.all(idx >= 0, idx < _guard_limit(case)), B[idx],
                               te.const(-1, "float32"))

    C = te.compute((m,), body, name="C")
    s = te.create_schedule(C.op)
    kind = case["schedule"]
    if kind == "root_vectorized":
        s[C].vectorize(s[C].split(C.op.axis[0], factor=case["factor"])[1])
    elif kind.startswith("at_outer"):
        outer, inner = s[C].split(C.op.axis[0], factor=case["factor"])
        s[B].compute_at(s[C], outer)
        if kind.endswith("vectorized"):
            s[C].vectorize(inner)
        elif kind.endswith("parallel"):
            s[C].parallel(outer)
    return te.build(s, [A, C], debug=True, name="domain")


def check_domain_case(case):
    """Build and run ``case``; raise AssertionError (naming the case) on a wrong
    value, a missed out-of-shape read or a false alarm."""
    rng = np.random.default_rng(case["n"] * 31 + case["m"])
    a = rng.uniform(-2, 2, case["n"]).astype("float32")
    outside, want = oracle(case, a)
    f = build(case)
    got = np.full(case["m"], np.nan, "float32")
    try:
        f(a, got)
    except KernelAssertionError as exc:
        assert outside, f"false alarm on {case}: {exc}"
        assert "'B'" in str(exc), f"the error does not name B on {case}: {exc}"
        return "refused"
    assert not outside, f"a read outside B's shape ran unchecked on {case}: got {got}"
    np.testing.assert_array_equal(got, want, err_msg=str(case))
    return "ok"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args(argv)
    rng = random.Random(options.seed)
    counts, failures = {}, 0
    for _ in range(options.cases):
        case = draw_domain_case(rng)
        try:
            outcome = check_domain_case(case)
        except AssertionError as exc:
            outcome, failures = "failed", failures + 1
            print(f"FAILED {case}\n  {str(exc)[:400]}")
        counts[outcome] = counts.get(outcome, 0) + 1
    print(f"{options.cases} cases: {counts}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
