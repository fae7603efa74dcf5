"""1-D window sum B[i] = sum(A[i .. i+6]), n = 2**24, tecomp vs numpy, in one run.

Reported as GB/s of A read plus B written. python benchmarks/window_sum.py [--quick]
"""

import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from common import median_seconds, parse, report  # noqa: E402

import tecomp as te  # noqa: E402

args = parse(__doc__)
n = (1 << 16) if args.quick else (1 << 24)
WIDTH = 7
A = te.placeholder((n + WIDTH - 1,), name="A")
r = te.reduce_axis((0, WIDTH), name="r")
B = te.compute((n,), lambda i: te.sum(A[i + r], axis=r), name="B")
s = te.create_schedule(B.op)
# Accumulate each 64-wide block in registers (a local cache), then store it once.
BL = s.cache_write(B, "local")
outer, inner = s[B].split(B.op.axis[0], factor=64)
s[B].vectorize(inner)
chunk, _ = s[B].split(outer, nparts=64)
s[B].parallel(chunk)
s[BL].compute_at(s[B], s[B].leaf_iter_vars[1])
(i,) = s[BL].op.axis
(rl,) = s[BL].op.reduce_axis
s[BL].reorder(rl, i)
s[BL].unroll(rl)
s[BL].vectorize(i)
f = te.build(s, [A, B], name="window_sum")

a = np.random.default_rng(0).random(n + WIDTH - 1, dtype="float32")
b = np.empty(n, "float32")
f(a, b)
np.testing.assert_allclose(b, np.convolve(a, np.ones(WIDTH, "float32"), "valid"), rtol=1e-5)
nbytes = a.nbytes + b.nbytes
t = median_seconds(lambda: f(a, b), args.repeat)


def numpy_window_sum():
    np.add(a[0:n], a[1:n + 1], out=b)
    for k in range(2, WIDTH):
        np.add(b, a[k:n + k], out=b)


ref = median_seconds(numpy_window_sum, args.repeat)
copy = np.empty_like(a)
copy_s = median_seconds(lambda: np.copyto(copy, a), args.repeat)
report([("window sum tecomp", nbytes / t / 1e9, nbytes / ref / 1e9),
        ("window sum numpy (6 adds)", nbytes / ref / 1e9, nbytes / ref / 1e9),
        ("copy bound: numpy copyto (1 thread)", 2 * a.nbytes / copy_s / 1e9, nbytes / ref / 1e9)],
       "GB/s")
