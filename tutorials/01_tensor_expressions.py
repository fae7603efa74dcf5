"""Tutorial 1: tensor expressions, schedules and the lowered loop nest.

Declare *what* to compute with ``te.compute``, say *how* with a schedule, look
at the loop nest ``te.lower`` produces, build it for the CPU and run it on numpy
arrays. Run: ``python tutorials/01_tensor_expressions.py`` (add ``--quick`` for
small sizes, ``--images DIR`` for where the roofline picture goes).
"""

import sys

import numpy as np

import tecomp as te
from tecomp.testing import benchmark
from tecomp.testing.roofline import measure_roofline

import plots

QUICK = "--quick" in sys.argv
rng = np.random.default_rng(0)


def check(name, got, expected, rtol=1e-5):
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-6)
    print(f"[ok] {name} matches numpy")


# 1. Vector add with a symbolic length ---------------------------------------
# `n` is a size bound when the function is called, from the arrays' shapes.
n = te.var("n")
A = te.placeholder((n,), name="A")
B = te.placeholder((n,), name="B")
C = te.compute((n,), lambda i: A[i] + B[i], name="C")
s = te.create_schedule(C.op)
outer, inner = s[C].split(C.op.axis[0], factor=64)   # non-divisible sizes get a guard
print(te.lower(s, [A, B, C], name="vector_add"))
vector_add = te.build(s, [A, B, C], name="vector_add")
size = 1000 if QUICK else 1_000_003
a, b = rng.random(size, dtype="float32"), rng.random(size, dtype="float32")
c = np.empty(size, "float32")
vector_add(a, b, c)
check("vector add", c, a + b)

# 2. The 1-D window sum B[i] = sum(A[i .. i+6]) --------------------------------
RADIUS = 3
n = te.var("n")
A = te.placeholder((n + 2 * RADIUS,), name="A")
r = te.reduce_axis((0, 2 * RADIUS + 1), name="r")
W = te.compute((n,), lambda i: te.sum(A[i + r], axis=r), name="W")
s = te.create_schedule(W.op)
print(te.lower(s, [A, W], name="window_sum"))
window_sum = te.build(s, [A, W], name="window_sum")
size = 1000 if QUICK else 1 << 20
a = rng.random(size + 2 * RADIUS, dtype="float32")
w = np.empty(size, "float32")
window_sum(a, w)
check("window sum", w, np.convolve(a, np.ones(2 * RADIUS + 1, "float32"), mode="valid"))

# 3. Row-wise softmax: max, exp, sum, divide as separate stages ---------------
rows, cols = te.var("rows"), te.var("cols")
X = te.placeholder((rows, cols), name="X")
k1 = te.reduce_axis((0, cols), name="k1")
row_max = te.compute((rows,), lambda i: te.max(X[i, k1], axis=k1), name="row_max")
shifted = te.compute((rows, cols), lambda i, j: te.exp(X[i, j] - row_max[i]), name="shifted")
k2 = te.reduce_axis((0, cols), name="k2")
row_sum = te.compute((rows,), lambda i: te.sum(shifted[i, k2], axis=k2), name="row_sum")
softmax = te.compute((rows, cols), lambda i, j: shifted[i, j] / row_sum[i], name="softmax")
s = te.create_schedule(softmax.op)
print(te.lower(s, [X, softmax], name="softmax"))
softmax_fn = te.build(s, [X, softmax], name="softmax")
x = rng.standard_normal((8, 10) if QUICK else (256, 1000)).astype("float32")
y = np.empty_like(x)
softmax_fn(x, y)
e = np.exp(x - x.max(axis=1, keepdims=True))
check("softmax", y, e / e.sum(axis=1, keepdims=True))

# 4. Naive matrix multiply, then tiled ----------------------------------------
N = 64 if QUICK else 512
A = te.placeholder((N, N), name="A")
B = te.placeholder((N, N), name="B")
k = te.reduce_axis((0, N), name="k")
C = te.compute((N, N), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
s = te.create_schedule(C.op)
print(te.lower(s, [A, B, C], name="matmul"))
a, b = rng.random((N, N), dtype="float32"), rng.random((N, N), dtype="float32")
c = np.empty((N, N), "float32")
te.build(s, [A, B, C], name="matmul")(a, b, c)
check("naive matmul", c, a @ b, rtol=1e-4)

io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], 32, 32)
ko, ki = s[C].split(k, factor=4)
s[C].reorder(io, jo, ko, ii, ki, ji)
print(te.lower(s, [A, B, C], name="matmul_tiled"))
c[:] = 0
te.build(s, [A, B, C], name="matmul_tiled")(a, b, c)
check("tiled matmul", c, a @ b, rtol=1e-4)

# 5. Where these kernels sit on this machine's roofline -----------------------
# A kernel doing F flops while moving B bytes (intensity F/B) cannot beat
# min(peak, bandwidth * F/B). The window sum does 7 adds per 8 bytes moved: it
# is bound by memory. The matmul reuses each element N times: bound by compute.
repeat = 3 if QUICK else 7
size = 1 << 16 if QUICK else 1 << 22
x, w = rng.random(size + 2 * RADIUS, dtype="float32"), np.empty(size, "float32")
timing = benchmark(window_sum, x, w, repeat=repeat, warn=False)
flops = (2 * RADIUS + 1) * size
points = [("window sum", flops / (4.0 * (x.size + w.size)), flops / timing.median / 1e9)]
timing = benchmark(te.build(s, [A, B, C], name="matmul_tiled"), a, b, c, repeat=repeat,
                   warn=False)
flops = 2.0 * N ** 3
points.append(("tiled matmul", flops / (4.0 * 3 * N * N), flops / timing.median / 1e9))
roofline = measure_roofline(quick=QUICK)
plots.print_roofline(roofline, points)
folder = plots.image_dir()
saved = [plots.roofline_chart(folder / "tensor_expressions_roofline.png",
                              "Tutorial 1 kernels on this machine's roofline", roofline, points)]
print("[ok] roofline measured")
plots.finish(saved, folder)
