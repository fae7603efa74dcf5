"""GEMM float32, tecomp's micro-tiled schedule vs numpy, in one run.

python benchmarks/gemm.py [--quick]   (unset OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE)
"""

import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from common import gemm_tutorial, median_seconds, parse, report  # noqa: E402

import tecomp as te  # noqa: E402

gemm_schedule = gemm_tutorial().micro_kernel_schedule

args = parse(__doc__)
rows = []
for size in ([128, 256] if args.quick else [512, 1024, 2048]):
    s, tensors = gemm_schedule(size, size, size)
    start = time.perf_counter()
    f = te.build(s, tensors, name="gemm")
    compile_s = time.perf_counter() - start
    rng = np.random.default_rng(0)
    a, b = rng.random((size, size), dtype="float32"), rng.random((size, size), dtype="float32")
    c = np.empty((size, size), "float32")
    f(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-3)
    flops = 2 * size ** 3
    t = median_seconds(lambda: f(a, b, c), args.repeat)
    ref = median_seconds(lambda: np.matmul(a, b, out=c), args.repeat)
    rows.append((f"gemm {size}^3 tecomp (compile {compile_s:.3f}s)", flops / t / 1e9, flops / ref / 1e9))
    rows.append((f"gemm {size}^3 numpy", flops / ref / 1e9, flops / ref / 1e9))
report(rows, "GFLOP/s")
