"""Memory kept per build (issue 11 item 16): RSS and Python-heap growth over N
builds of small kernels after a warm-up, in this fresh process. RSS is measured
first with tracemalloc off (tracemalloc's own records of live allocations would
count as growth, ~15 KiB a build); a second round of builds, traced, gives the
Python heap's share; the rest of the RSS growth is native (LLVM).

TECOMP_CACHE=0 python benchmarks/build_memory.py [--builds 1000] [--quick]

(``TECOMP_CACHE=0``: every build runs LLVM's optimizer and JIT; with the compile
cache on, a build of a kernel compiled before loads its object code.)
"""

import argparse
import gc
import os
import tracemalloc

import numpy as np

import tecomp as te


def _rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024


def _build_and_run(k):
    A = te.placeholder((16, 8), name="A")
    B = te.compute((16, 8), lambda i, j: A[i, j] * (k % 7) + 1, name="B")
    s = te.create_schedule(B.op)
    s[B].split(B.op.axis[1], factor=4)
    f = te.build(s, [A, B], name=f"k{k % 5}")
    a = np.ones((16, 8), "float32")
    b = np.empty_like(a)
    f(a, b)
    assert b[0, 0] == (k % 7) + 1


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--builds", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="20 builds")
    args = parser.parse_args()
    count = 20 if args.quick else args.builds
    for k in range(20):          # warm-up: LLVM's one-time allocations, caches
        _build_and_run(k)
    gc.collect()
    rss0 = _rss_kib()
    for k in range(count):
        _build_and_run(k)
    gc.collect()
    rss1 = _rss_kib()
    tracemalloc.start()
    heap0 = tracemalloc.get_traced_memory()[0]
    for k in range(count):
        _build_and_run(k)
    gc.collect()
    heap1 = tracemalloc.get_traced_memory()[0]
    print(f"{count} builds (TECOMP_CACHE={os.environ.get('TECOMP_CACHE', '1')}): "
          f"RSS +{(rss1 - rss0) / 1024:.1f} MiB in all, +{(rss1 - rss0) / count:.1f} KiB a build; "
          f"Python heap +{(heap1 - heap0) / 1024 / count:.2f} KiB a build")


if __name__ == "__main__":
    main()
