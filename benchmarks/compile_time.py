"""Compile time of the GEMM tutorial's final schedule (lower + LLVM + JIT), median;
with the compile cache off, and from a filled cache (a temporary directory).

python benchmarks/compile_time.py [--quick]
"""

import os
import pathlib
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from common import gemm_tutorial, parse  # noqa: E402

import tecomp as te  # noqa: E402

_tutorial = gemm_tutorial()

args = parse(__doc__)
size = 256 if args.quick else 1024
cache = tempfile.TemporaryDirectory(prefix="tecomp-bench-cache-")
phases = {"lower": [], "build (lower + LLVM + JIT)": [], "build from the compile cache": []}
for _ in range(args.repeat):
    s, tensors = _tutorial.micro_kernel_schedule(size, size, size)
    start = time.perf_counter()
    te.lower(s, tensors, name="gemm")
    phases["lower"].append(time.perf_counter() - start)
    os.environ["TECOMP_CACHE"] = "0"
    s, tensors = _tutorial.micro_kernel_schedule(size, size, size)
    start = time.perf_counter()
    te.build(s, tensors, name="gemm")
    phases["build (lower + LLVM + JIT)"].append(time.perf_counter() - start)
    del os.environ["TECOMP_CACHE"]
    os.environ["TECOMP_CACHE_DIR"] = cache.name
    s, tensors = _tutorial.micro_kernel_schedule(size, size, size)
    te.build(s, tensors, name="gemm")               # fills the cache the first time
    s, tensors = _tutorial.micro_kernel_schedule(size, size, size)
    start = time.perf_counter()
    te.build(s, tensors, name="gemm")
    phases["build from the compile cache"].append(time.perf_counter() - start)
for name, times in phases.items():
    print(f"{name:<30} {np.median(times) * 1e3:8.1f} ms  (median of {len(times)})")
