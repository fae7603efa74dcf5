"""What a parallel region costs when another process holds a core.

A vector add B = A + 1 built twice, serial and with its outer loop parallel, timed
interleaved at several sizes, first as the machine is, then while a busy process
(a spinning child) holds one core. Prints the median time of each and the ratio
parallel / serial: a parallel region should never cost more than a few times the
serial loop, whatever the load (small loops run on the calling thread; idle
threads wait passively; see codegen/llvm/parallel.py).

    python3 benchmarks/parallel_load.py [--quick]
"""

import argparse
import multiprocessing
import time

import numpy as np

import tecomp as te


def vadd(n, parallel):
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] + 1, name="B")
    s = te.create_schedule(B.op)
    outer, inner = s[B].split(B.op.axis[0], factor=min(n, 1024))
    if parallel:
        s[B].parallel(outer)
    s[B].vectorize(s[B].split(inner, factor=16)[1])
    return te.build(s, [A, B], name="vadd_par" if parallel else "vadd")


def spin(seconds):
    end = time.time() + seconds
    while time.time() < end:
        pass


def median_pair(f, g, a, b, rounds):
    """Median seconds per call of f and g, interleaved."""
    number = max(1, int(2e-3 / max(_once(f, a, b), 1e-7)))
    tf, tg = [], []
    for _ in range(rounds):
        for fn, out in ((f, tf), (g, tg)):
            start = time.perf_counter()
            for _ in range(number):
                fn(a, b)
            out.append((time.perf_counter() - start) / number)
    return float(np.median(tf)), float(np.median(tg))


def _once(f, a, b):
    f(a, b)
    start = time.perf_counter()
    f(a, b)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes = [1 << 10, 1 << 14] if args.quick else [1 << 10, 1 << 14, 1 << 18, 1 << 22]
    rounds = 5 if args.quick else 15
    kernels = {n: (vadd(n, False), vadd(n, True)) for n in sizes}
    print(f"{'load':<14} {'n':>9} {'serial':>10} {'parallel':>10} {'parallel/serial':>16}")
    for load in ("as is", "1 core busy"):
        child = None
        if load != "as is":
            child = multiprocessing.Process(target=spin, args=(600,), daemon=True)
            child.start()
            time.sleep(0.2)
        try:
            for n in sizes:
                serial, parallel = kernels[n]
                a = np.ones(n, "float32")
                b = np.empty_like(a)
                ts, tp = median_pair(serial, parallel, a, b, rounds)
                np.testing.assert_array_equal(b, a + 1)
                print(f"{load:<14} {n:>9} {ts * 1e6:>8.1f}us {tp * 1e6:>8.1f}us {tp / ts:>15.2f}x",
                      flush=True)
        finally:
            if child is not None:
                child.terminate()
                child.join()


if __name__ == "__main__":
    main()
