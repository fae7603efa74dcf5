"""Tutorial 4: GPU kernels — bind, shared memory, barriers, CUDA C and OpenCL C.

The GPU-programming lecture of UW CSE 599W in tecomp: a vector add, a window
sum that stages its input tile plus halo through shared memory, and a tiled
matrix multiply with shared-memory tiles and a per-thread register tile. Each is
printed as CUDA C, run on whichever device exists (a CUDA GPU, else the first
OpenCL device: PoCL runs it on a plain CPU) and checked against numpy.
"""

import numpy as np

import tecomp as te
from tecomp.runtime.gpu.cuda import gpu_compute_capability
from tecomp.runtime.gpu.opencl import opencl_devices

if gpu_compute_capability() is not None:
    TARGET = "cuda"
elif opencl_devices():
    TARGET = "opencl"
else:
    TARGET = None
print("running on:", TARGET or "nothing (sources are printed only)")
rng = np.random.default_rng(0)


def build_and_show(s, args, name):
    """Build for CUDA to print the source, and for the device we have to run."""
    print(f"----- {name}: CUDA C -----")
    print(te.build(s, args, target="cuda", name=name).get_source())
    return te.build(s, args, target=TARGET, name=name) if TARGET else None


# 1. Vector add: one thread per element. split + bind maps the loop onto the
#    grid: blockIdx.x picks a block of 64 elements, threadIdx.x one of them.
n = te.var("n")
A = te.placeholder((n,), name="A")
B = te.placeholder((n,), name="B")
C = te.compute((n,), lambda i: A[i] + B[i], name="C")
s = te.create_schedule(C.op)
bx, tx = s[C].split(C.op.axis[0], factor=64)
s[C].bind(bx, te.thread_axis("blockIdx.x"))
s[C].bind(tx, te.thread_axis("threadIdx.x"))
f = build_and_show(s, [A, B, C], "vector_add")
if f:
    a, b = rng.random(1000, dtype=np.float32), rng.random(1000, dtype=np.float32)
    c = np.zeros(1000, np.float32)
    f(a, b, c)                                  # grid = ceil(n / 64) blocks, from a's shape
    np.testing.assert_allclose(c, a + b, rtol=1e-6)

# 2. Window sum: Y[i] = X[i] + ... + X[i + 2*RADIUS]. Each input is read by 7
#    threads, so each block first copies its tile plus the 2*RADIUS halo into
#    shared memory (cache_read), all 128 threads cooperating; a barrier
#    (inserted by the compiler) separates the fill from the sums.
RADIUS, N, TILE = 3, 4096, 128
X = te.placeholder((N + 2 * RADIUS,), name="X")
r = te.reduce_axis((0, 2 * RADIUS + 1), name="r")
Y = te.compute((N,), lambda i: te.sum(X[i + r], axis=r), name="Y")
s = te.create_schedule(Y.op)
XS = s.cache_read(X, "shared", [Y])
bx, tx = s[Y].split(Y.op.axis[0], factor=TILE)
s[Y].bind(bx, te.thread_axis("blockIdx.x"))
s[Y].bind(tx, te.thread_axis("threadIdx.x"))
s[XS].compute_at(s[Y], bx)                      # one tile (+ halo) per block
_, xi = s[XS].split(XS.op.axis[0], factor=TILE)
s[XS].bind(xi, te.thread_axis("threadIdx.x"))   # the fill: 134 values, 128 threads
f = build_and_show(s, [X, Y], "window_sum")
if f:
    x = rng.random(N + 2 * RADIUS, dtype=np.float32)
    y = np.zeros(N, np.float32)
    f(x, y)
    np.testing.assert_allclose(y, np.convolve(x, np.ones(2 * RADIUS + 1), "valid"), rtol=1e-5)

# 3. Tiled matmul: 16x16 threads per block compute a 64x64 tile of C, each
#    thread a 4x4 register tile (cache_write "local"); the k loop runs in steps
#    of 8, staging a 64x8 tile of A and an 8x64 tile of B in shared memory.
M = K = L = 256
A = te.placeholder((M, K), name="A")
B = te.placeholder((K, L), name="B")
k = te.reduce_axis((0, K), name="k")
C = te.compute((M, L), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
s = te.create_schedule(C.op)
AS, BS = s.cache_read(A, "shared", [C]), s.cache_read(B, "shared", [C])
CL = s.cache_write(C, "local")
by, bx, yi, xi = s[C].tile(C.op.axis[0], C.op.axis[1], 64, 64)
ty, yr = s[C].split(yi, nparts=16)
tx, xr = s[C].split(xi, nparts=16)
s[C].reorder(by, bx, ty, tx, yr, xr)
for iv, tag in ((by, "blockIdx.y"), (bx, "blockIdx.x"), (ty, "threadIdx.y"), (tx, "threadIdx.x")):
    s[C].bind(iv, te.thread_axis(tag))
s[C].unroll(yr)
s[C].unroll(xr)
s[CL].compute_at(s[C], tx)                      # the 4x4 accumulator, per thread
ko, ki = s[CL].split(s[CL].op.reduce_axis[0], factor=8)
s[CL].reorder(ko, ki, *s[CL].op.axis)
for iv in (ki, *s[CL].op.axis):
    s[CL].unroll(iv)
for cache in (AS, BS):                          # a new tile per k step, all threads
    s[cache].compute_at(s[CL], ko)
    rest, t = s[cache].split(s[cache].fuse(*s[cache].op.axis), factor=256)
    t_y, t_x = s[cache].split(t, factor=16)
    s[cache].bind(t_y, te.thread_axis("threadIdx.y"))
    s[cache].bind(t_x, te.thread_axis("threadIdx.x"))
f = build_and_show(s, [A, B, C], "matmul")
if f:
    a, b = rng.random((M, K), dtype=np.float32), rng.random((K, L), dtype=np.float32)
    c = np.zeros((M, L), np.float32)
    f(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-4)
    # Device arrays keep data on the device between calls (no copies):
    da, db, dc = f.array(a), f.array(b), f.empty((M, L), "float32")
    f(da, db, dc)
    np.testing.assert_allclose(dc.numpy(), a @ b, rtol=1e-4)
print("[ok] tutorial 4: all results match numpy")
