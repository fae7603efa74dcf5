"""Compile time of the GEMM tutorial's micro-kernel schedule (step 8; lower + LLVM +
JIT), median; with the compile cache off, and from a filled cache (a temporary
directory). Beside it, in the same rounds, the build with LLVM's units on one thread
and with the module compiled whole (``TECOMP_BUILD_THREADS=1``,
``TECOMP_BUILD_SPLIT=0``: what codegen/llvm/unit_compile.py saves), and the build of
the tutorial's last step, the GotoBLAS schedule (``topi.generic.gotoblas_gemm``).

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
from codegen.llvm.unit_compile import build_threads  # noqa: E402

_tutorial = gemm_tutorial()

args = parse(__doc__)
size = 256 if args.quick else 1024
cache = tempfile.TemporaryDirectory(prefix="tecomp-bench-cache-")
BUILD = "build (lower + LLVM + JIT)"
VARIANTS = {"build, LLVM units on 1 thread": {"TECOMP_BUILD_THREADS": "1"},
            "build, LLVM on the whole module": {"TECOMP_BUILD_SPLIT": "0"}}
GOTO = "build, step 9 (GotoBLAS)"
phases = {"lower": [], BUILD: [], **{name: [] for name in VARIANTS}, GOTO: [],
          "build from the compile cache": []}
threads = []
for _ in range(args.repeat):
    s, tensors = _tutorial.micro_kernel_schedule(size, size, size)
    start = time.perf_counter()
    te.lower(s, tensors, name="gemm")
    phases["lower"].append(time.perf_counter() - start)
    os.environ["TECOMP_CACHE"] = "0"
    s, tensors = _tutorial.micro_kernel_schedule(size, size, size)
    threads.append(build_threads())
    start = time.perf_counter()
    te.build(s, tensors, name="gemm")
    phases[BUILD].append(time.perf_counter() - start)
    for name, env in VARIANTS.items():
        saved = {key: os.environ.get(key) for key in env}
        os.environ.update(env)
        s, tensors = _tutorial.micro_kernel_schedule(size, size, size)
        start = time.perf_counter()
        te.build(s, tensors, name="gemm")
        phases[name].append(time.perf_counter() - start)
        for key, value in saved.items():
            if value is None:
                del os.environ[key]
            else:
                os.environ[key] = value
    s, tensors = _tutorial.gotoblas(size, size, size)
    start = time.perf_counter()
    te.build(s, tensors, name="gemm")
    phases[GOTO].append(time.perf_counter() - start)
    del os.environ["TECOMP_CACHE"]
    os.environ["TECOMP_CACHE_DIR"] = cache.name
    s, tensors = _tutorial.micro_kernel_schedule(size, size, size)
    te.build(s, tensors, name="gemm")               # fills the cache the first time
    s, tensors = _tutorial.micro_kernel_schedule(size, size, size)
    start = time.perf_counter()
    te.build(s, tensors, name="gemm")
    phases["build from the compile cache"].append(time.perf_counter() - start)
for name, times in phases.items():
    print(f"{name:<33} {np.median(times) * 1e3:8.1f} ms  (median of {len(times)})")
print(f"LLVM threads of the build: {min(threads)}-{max(threads)} (cores less other running "
      f"tasks; TECOMP_BUILD_THREADS overrides), load {os.getloadavg()[0]:.1f}")
