"""te.scan and te.extern (cblas) beside numpy, timed in interleaved rounds.

* cumsum over the first axis: a te.scan whose update is vectorized, vs
  ``numpy.cumsum(x, axis=0)``;
* ``cblas.matmul`` (a te.extern stage: compiled code calls back into Python, which
  calls OpenBLAS's sgemm) plus a bias stage, vs ``x @ w + bias`` in numpy (the same
  BLAS): the ratio is the cost of the packed call and the extra stage.

Prints the median of each and tecomp / numpy (above 1: tecomp slower).

    python3 benchmarks/scan_extern.py [--rounds 7] [--quick]
"""

import argparse
import time

import numpy as np

import tecomp as tvm
from tecomp import te
from tecomp.contrib import cblas


def cumsum(m, n):
    X = te.placeholder((m, n), name="X")
    state = te.placeholder((m, n), name="state")
    init = te.compute((1, n), lambda _, i: X[0, i], name="init")
    update = te.compute((m, n), lambda t, i: state[t - 1, i] + X[t, i], name="update")
    out = te.scan(init, update, state)
    s = te.create_schedule(out.op)
    lanes = tvm.Target.create("llvm").vector_lanes("float32")
    s[update].vectorize(s[update].split(update.op.axis[1], factor=lanes)[1])
    return tvm.build(s, [X, out], name="cumsum")


def matmul_bias(n, k, m):
    A = te.placeholder((n, k), name="A")
    B = te.placeholder((k, m), name="B")
    bias = te.var("bias", dtype="float32")
    C = cblas.matmul(A, B)
    D = te.compute(C.shape, lambda i, j: C[i, j] + bias, name="D")
    return tvm.build(te.create_schedule(D.op), [A, B, D, bias], name="matmul_bias")


def interleaved(pairs, rounds):
    """Median seconds of each callable in ``pairs`` (name -> fn), timed round by round."""
    times = {name: [] for name in pairs}
    for _ in range(rounds):
        for name, fn in pairs.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="one round")
    args = parser.parse_args()
    if args.quick:
        args.rounds = 1
    rng = np.random.default_rng(0)
    m, n = 256, 4096
    x = rng.random((m, n), dtype="float32")
    y = np.empty_like(x)
    f = cumsum(m, n)
    f(x, y)
    np.testing.assert_allclose(y, np.cumsum(x, axis=0), rtol=1e-4)
    t = interleaved({"tecomp": lambda: f(x, y), "numpy": lambda: np.cumsum(x, axis=0)},
                    args.rounds)
    print(f"scan cumsum {m}x{n}: tecomp {t['tecomp'] * 1e3:.2f} ms, numpy "
          f"{t['numpy'] * 1e3:.2f} ms, ratio {t['tecomp'] / t['numpy']:.2f}")
    if not cblas.GEMM:
        print("cblas: no CBLAS library found, skipped")
        return
    n, k, m = 1024, 512, 1024
    a, b = rng.random((n, k), dtype="float32"), rng.random((k, m), dtype="float32")
    d = np.empty((n, m), "float32")
    g = matmul_bias(n, k, m)
    g(a, b, d, 1.0)
    np.testing.assert_allclose(d, a @ b + 1, rtol=1e-4)
    t = interleaved({"tecomp": lambda: g(a, b, d, 1.0), "numpy": lambda: a @ b + 1.0},
                    args.rounds)
    print(f"cblas.matmul + bias {n}x{k}x{m}: tecomp {t['tecomp'] * 1e3:.2f} ms, numpy "
          f"{t['numpy'] * 1e3:.2f} ms, ratio {t['tecomp'] / t['numpy']:.2f}  ({cblas.LIBRARY})")


if __name__ == "__main__":
    main()
