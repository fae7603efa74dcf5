"""Build time of the GEMM tutorial's final schedule from the compile cache in a
second process (issue 13: <= 10 ms). One process builds the kernel into a fresh
temporary cache; then each of ``--repeat`` new processes imports tecomp, declares
the same schedule (neither timed) and times ``te.build`` (the first build in that
process: it pays for the key, reading the entry, loading the machine code and the
runtime module). The build in the filling process and a repeated build in one
process are printed beside it, and where a cached build spends its time.

python benchmarks/cache_time.py [--quick] [--repeat N]
"""

import os
import pathlib
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from common import parse  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent

_CHILD = r"""
import cProfile, importlib.util, json, pstats, sys, time
import numpy as np
sys.path.insert(0, {tutorials!r})
import tecomp as te
spec = importlib.util.spec_from_file_location("gemm_tutorial", {tutorial!r})
tutorial = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tutorial)
size = {size}
s, tensors = tutorial.micro_kernel_schedule(size, size, size)
profile = cProfile.Profile() if {profile} else None
start = time.perf_counter()
if profile:
    profile.enable()
f = te.build(s, tensors, name="gemm")
if profile:
    profile.disable()
first = time.perf_counter() - start
s, tensors = tutorial.micro_kernel_schedule(size, size, size)
start = time.perf_counter()
te.build(s, tensors, name="gemm")
again = time.perf_counter() - start
a = np.random.rand(size, size).astype("float32")
b = np.random.rand(size, size).astype("float32")
c = np.zeros((size, size), "float32")
f(a, b, c)
np.testing.assert_allclose(c, a @ b, rtol=1e-3)
print(json.dumps({{"first": first, "again": again, "loaded": type(f.funcs[0]).__name__}}))
if profile:
    pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
"""


def _child(size, cache, profile=False):
    import json
    code = _CHILD.format(tutorials=str(ROOT / "tutorials"), size=size, profile=profile,
                         tutorial=str(ROOT / "tutorials" / "02_optimize_gemm_cpu.py"))
    env = dict(os.environ, TECOMP_CACHE_DIR=cache, PYTHONPATH=f"{ROOT}{os.pathsep}"
               + os.environ.get("PYTHONPATH", ""))
    env.pop("TECOMP_CACHE", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1]), out.stderr


def main():
    args = parse(__doc__)
    size = 256 if args.quick else 1024
    with tempfile.TemporaryDirectory(prefix="tecomp-cache-bench-") as cache:
        filled, _ = _child(size, cache)
        runs = [_child(size, cache)[0] for _ in range(args.repeat)]
        _, profile = _child(size, cache, profile=True)
    print(f"GEMM tutorial final schedule {size}^3, machine load {os.getloadavg()[0]:.1f}")
    print(f"{'uncached build (fills the cache)':<44} {filled['first'] * 1e3:8.1f} ms")
    print(f"{'cached build, a second process (median)':<44} "
          f"{np.median([r['first'] for r in runs]) * 1e3:8.1f} ms  "
          f"(min {min(r['first'] for r in runs) * 1e3:.1f}, {len(runs)} processes, "
          f"module from {runs[0]['loaded']})")
    print(f"{'cached build again in that process (median)':<44} "
          f"{np.median([r['again'] for r in runs]) * 1e3:8.1f} ms")
    if args.print:
        print("\nprofile of a cached build in a second process:\n" + profile)


if __name__ == "__main__":
    main()
