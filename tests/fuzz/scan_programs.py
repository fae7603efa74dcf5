"""Random ``te.scan`` programs and schedules, checked against a numpy loop.

A case is a plain dict (printable, replayable): one or two states over a
spatial axis of size ``n``; ``k`` init steps copied from the input ``X``; an
update per state that sums terms ``coef * S[t - lag, idx(i)]`` (any state, lag
1..k, index ``i``, ``n-1-i``, ``min(i+1, n-1)`` or ``0``) plus ``X[t, i]``,
optionally through a body stage ``B[t, i] = 2 * S[t - lag, i]`` read at a lag of
its own; a random schedule of the update (split with a dividing or
non-dividing factor, vectorize, parallel), of the body stage (root, inline,
compute_at) and of the init (split). Built with ``debug=True`` (every access
bounds-checked), run, and compared with the same recurrence in numpy. With
``--target opencl`` every stage is bound to GPU blocks and threads (the time
loop then launches kernels from the host).

    python -m tests.fuzz.scan_programs --cases 500 --seed 1 [--target opencl]
"""

import argparse
import random
import sys

import numpy as np

import tecomp as te

INDEX = {
    "i": (lambda i, n: i, lambda n: np.arange(n)),
    "rev": (lambda i, n: n - 1 - i, lambda n: np.arange(n)[::-1]),
    "next": (lambda i, n: te.min(i + 1, n - 1), lambda n: np.minimum(np.arange(n) + 1, n - 1)),
    "zero": (lambda i, n: 0, lambda n: np.zeros(n, "int64")),
}


def draw_scan_case(rng, target="llvm"):
    """A random case (a dict) from ``rng`` (a ``random.Random``); for ``target``
    "opencl" every stage's spatial axis is split and bound to blocks and threads."""
    k = rng.randint(1, 3)
    states = rng.randint(1, 2)
    updates = []
    for _ in range(states):
        terms = [(rng.randrange(states), rng.randint(1, k), rng.choice(sorted(INDEX)),
                  rng.choice([1, -1])) for _ in range(rng.randint(1, 3))]
        updates.append(terms)
    body = None
    if rng.random() < 0.5:
        lag = rng.randint(0, k - 1)
        body = {"state": rng.randrange(states), "lag": rng.randint(1, k - lag), "read_lag": lag,
                "where": rng.choice(["root", "inline", "compute_at"])}
    return {
        "k": k, "T": k + rng.randint(1, 6), "n": rng.randint(1, 40),
        "dtype": rng.choice(["float64", "int32"]), "updates": updates, "body": body,
        "factor": rng.choice([None, 1, 3, 4, 8, 16]), "vectorize": rng.random() < 0.4,
        "parallel": rng.random() < 0.3, "init_factor": rng.choice([None, 2, 5]),
        "symbolic": rng.random() < 0.5, "seed": rng.randrange(1 << 16), "target": target,
    }


def build_scan_case(case):
    """The tecomp schedule and arguments for ``case``."""
    dtype, k = case["dtype"], case["k"]
    if case["symbolic"]:
        T, n = te.var("T"), te.var("n")
    else:
        T, n = case["T"], case["n"]
    X = te.placeholder((T, n), name="X", dtype=dtype)
    states = [te.placeholder((T, n), name=f"S{j}", dtype=dtype) for j in range(len(case["updates"]))]
    inits = [te.compute((k, n), lambda t, i: X[t, i], name=f"init{j}") for j in range(len(states))]
    body_t = None
    if case["body"]:
        b = case["body"]
        body_t = te.compute((T, n), lambda t, i: states[b["state"]][t - b["lag"], i] * 2, name="B")
    def rule(j):
        def body(t, i):
            value = X[t, i]
            for src, lag, index, coef in case["updates"][j]:
                value = value + states[src][t - lag, INDEX[index][0](i, n)] * coef
            if body_t is not None and j == 0:
                value = value + body_t[t - case["body"]["read_lag"], i]
            return value
        return body
    updates = [te.compute((T, n), rule(j), name=f"U{j}") for j in range(len(states))]
    outs = te.scan(inits, updates, states, inputs=[X])
    outs = outs if isinstance(outs, list) else [outs]
    s = te.create_schedule(outs[0].op)
    if case.get("target", "llvm") != "llvm":
        _bind_everything(s, inits + updates + ([body_t] if body_t is not None else []), case)
        return s, [X] + outs
    u = s[updates[0]]
    if case["factor"]:
        xo, xi = u.split(updates[0].op.axis[1], factor=case["factor"])
        if case["vectorize"]:
            u.vectorize(xi)
        if case["parallel"]:
            u.parallel(xo)
        if body_t is not None and case["body"]["where"] == "compute_at":
            s[body_t].compute_at(u, xo)
    if body_t is not None and case["body"]["where"] == "inline":
        s[body_t].compute_inline()
    if case["init_factor"]:
        s[inits[0]].split(inits[0].op.axis[1], factor=case["init_factor"])
    return s, [X] + outs


def _bind_everything(s, tensors, case):
    """GPU schedule: each stage's spatial axis split by the case's factor (or 8)
    over blockIdx.x and threadIdx.x; the body stage inlined or at the root."""
    factor = case["factor"] or 8
    for t in tensors:
        if t.op.name == "B" and case["body"]["where"] != "root":
            s[t].compute_inline()
            continue
        fused = s[t].fuse(*t.op.axis)      # the time axis too: an init may have several steps
        xo, xi = s[t].split(fused, factor=factor)
        s[t].bind(xo, te.thread_axis("blockIdx.x"))
        s[t].bind(xi, te.thread_axis("threadIdx.x"))


def numpy_scan(case, x):
    """The recurrence of ``case`` on input ``x`` (shape (T, n)), in numpy."""
    k, T, n = case["k"], case["T"], case["n"]
    out = [np.zeros((T, n), x.dtype) for _ in case["updates"]]
    for o in out:
        o[:k] = x[:k]
    for t in range(k, T):
        new = []
        for j, terms in enumerate(case["updates"]):
            value = x[t].copy()
            for src, lag, index, coef in terms:
                value = value + out[src][t - lag][INDEX[index][1](n)] * x.dtype.type(coef)
            if case["body"] and j == 0:
                b = case["body"]
                value = value + out[b["state"]][t - b["read_lag"] - b["lag"]] * x.dtype.type(2)
            new.append(value)
        for o, v in zip(out, new):
            o[t] = v
    return out


def check_scan_case(case):
    """Build, run and compare ``case``; raises AssertionError naming the case."""
    s, args = build_scan_case(case)
    f = te.build(s, args, target=case.get("target", "llvm"), debug=True)
    rng = np.random.default_rng(case["seed"])
    shape = (case["T"], case["n"])
    if case["dtype"] == "int32":
        x = rng.integers(-3, 4, size=shape).astype("int32")
    else:
        x = rng.uniform(-1, 1, size=shape)
    outs = [np.zeros(shape, case["dtype"]) for _ in case["updates"]]
    f(x, *outs)
    for got, want in zip(outs, numpy_scan(case, x)):
        if case["dtype"] == "int32":
            ok = np.array_equal(got, want)
        else:
            ok = np.allclose(got, want, rtol=1e-9, atol=1e-9)
        assert ok, f"scan fuzz case {case!r}: got\n{got}\nwant\n{want}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--target", default="llvm", choices=["llvm", "opencl"])
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    failures = 0
    for number in range(args.cases):
        case = draw_scan_case(rng, args.target)
        try:
            check_scan_case(case)
        except Exception as error:          # report every kind, keep going
            failures += 1
            print(f"case {number}: {type(error).__name__}: {error}", file=sys.stderr)
    print(f"{args.cases} scan cases, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
