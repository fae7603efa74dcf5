"""Call overhead: a tecomp call on three tiny arrays against numpy and ctypes.

Every argument check stays on (count, ndarray, dtype, ndim, shape, symbolic size,
C-contiguity, writability, overlap). The kernel adds one-element arrays, so the
time is almost all Python-side work. Compared in the same run:

* ``numpy``: ``np.add(a, b, out=c)`` (a ufunc call, itself ~0.4-1 us);
* ``ctypes``: a ctypes function pointer to the same kernel, with ``a.ctypes.data``
  per argument and no checks (the classic "just use ctypes" entry);
* ``tecomp``: ``f(a, b, c)`` (the module) and ``f["add"](a, b, c)``'s function object;
* ``loaded``: the same kernel exported to a .so and opened with ``te.load_module``.

Medians of >= 7 repetitions of ``--calls`` calls each. Run:
``python benchmarks/call_overhead.py`` (``--quick``: fewer calls).
"""

import argparse
import ctypes
import os
import statistics
import tempfile
import time

import numpy as np

import tecomp as te


def per_call_ns(fn, calls, repeats):
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter_ns()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter_ns() - t0) / calls)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--calls", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=7)
    opts = parser.parse_args()
    calls = opts.calls or (20_000 if opts.quick else 100_000)

    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.placeholder((n,), name="B")
    C = te.compute((n,), lambda i: A[i] + B[i], name="C")
    f = te.build(te.create_schedule(C.op), [A, B, C], name="add")
    a, b, c = (np.ones(1, "float32") for _ in range(3))
    func = f["add"]

    kernel_t = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.c_void_p,
                                ctypes.c_void_p, ctypes.c_int64)
    raw = kernel_t(f._compiled.function_address("add"))

    with tempfile.TemporaryDirectory() as tmp:
        path, _ = f.export_library(os.path.join(tmp, "libadd.so"), header=False)
        g = te.load_module(path)

        cases = {
            "numpy np.add(a, b, out=c)": lambda: np.add(a, b, out=c),
            "ctypes, a.ctypes.data, no checks": lambda: raw(a.ctypes.data, b.ctypes.data,
                                                            c.ctypes.data, 1),
            "tecomp f(a, b, c)": lambda: f(a, b, c),
            "tecomp f['add'](a, b, c)": lambda: func(a, b, c),
            "tecomp load_module(...)(a, b, c)": lambda: g(a, b, c),
        }
        for fn in cases.values():      # warm up; also proves every path works
            fn()
        empty = per_call_ns(lambda: None, calls, opts.repeats)
        results = {name: per_call_ns(fn, calls, opts.repeats) - empty
                   for name, fn in cases.items()}

    base = results["numpy np.add(a, b, out=c)"]
    print(f"per-call time, 3 one-element float32 arrays, median of {opts.repeats} x {calls} "
          f"calls (loop overhead {empty:.0f} ns subtracted)")
    for name, ns in results.items():
        print(f"  {name:36s} {ns / 1000:6.3f} us   {ns / base:5.2f}x numpy")
    tecomp_us = results["tecomp f(a, b, c)"] / 1000
    print(f"tecomp call: {tecomp_us:.3f} us (target <= 1 us); "
          f"{results['ctypes, a.ctypes.data, no checks'] / results['tecomp f(a, b, c)']:.2f}x "
          "faster than unchecked ctypes")


if __name__ == "__main__":
    main()
