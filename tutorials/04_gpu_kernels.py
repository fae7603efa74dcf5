"""Tutorial 4: GPU kernels — bind, shared memory, barriers, CUDA C and OpenCL C.

The GPU-programming lecture of UW CSE 599W in tecomp: a vector add, a window
sum that stages its input tile plus halo through shared memory, and a tiled
matrix multiply with shared-memory tiles and a per-thread register tile. Each
is run on whichever device exists (a CUDA GPU, else the first OpenCL device:
PoCL runs it on a plain CPU), checked against numpy, and printed in the
dialect that actually ran (CUDA C on a GPU, OpenCL C on PoCL). Unrolling is
shown on a small example of its own, so the big kernels stay readable.

At the end the window sum and the matrix multiply are timed and placed on this
machine's roofline (:mod:`tecomp.testing.roofline`), where the device is the
CPU itself (PoCL). Run: ``python tutorials/04_gpu_kernels.py [--quick]
[--images DIR]``.
"""

import sys

import numpy as np

import tecomp as te
from tecomp.runtime.gpu.cuda import gpu_compute_capability
from tecomp.runtime.gpu.opencl import opencl_devices
from tecomp.testing import benchmark
from tecomp.testing.roofline import measure_roofline

import plots

QUICK = "--quick" in sys.argv
DIALECT = {"cuda": "CUDA C", "opencl": "OpenCL C"}


def pick_target():
    if gpu_compute_capability() is not None:
        return "cuda"
    if opencl_devices():
        return "opencl"
    return None


# 1. Vector add: one thread per element. split + bind maps the loop onto the
#    grid: blockIdx.x picks a block of 64 elements, threadIdx.x one of them.
def vector_add():
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.placeholder((n,), name="B")
    C = te.compute((n,), lambda i: A[i] + B[i], name="C")
    s = te.create_schedule(C.op)
    bx, tx = s[C].split(C.op.axis[0], factor=64)
    s[C].bind(bx, te.thread_axis("blockIdx.x"))
    s[C].bind(tx, te.thread_axis("threadIdx.x"))
    return s, [A, B, C]


# 2. Unrolling, on a small example: each thread scales 4 neighbours; unroll
#    turns the 4-iteration loop into 4 statements (no loop counter, no branch).
def scale_unrolled(n=1024):
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] * 2.0, name="B")
    s = te.create_schedule(B.op)
    rest, four = s[B].split(B.op.axis[0], factor=4)
    bx, tx = s[B].split(rest, factor=64)
    s[B].bind(bx, te.thread_axis("blockIdx.x"))
    s[B].bind(tx, te.thread_axis("threadIdx.x"))
    s[B].unroll(four)
    return s, [A, B]


# 3. Window sum: Y[i] = X[i] + ... + X[i + 2*radius]. Each input is read by 7
#    threads, so each block first copies its tile plus the 2*radius halo into
#    shared memory (cache_read), all threads cooperating; a barrier (inserted
#    by the compiler) separates the fill from the sums.
def window_sum(n, radius=3, tile=128):
    X = te.placeholder((n + 2 * radius,), name="X")
    r = te.reduce_axis((0, 2 * radius + 1), name="r")
    Y = te.compute((n,), lambda i: te.sum(X[i + r], axis=r), name="Y")
    s = te.create_schedule(Y.op)
    XS = s.cache_read(X, "shared", [Y])
    bx, tx = s[Y].split(Y.op.axis[0], factor=tile)
    s[Y].bind(bx, te.thread_axis("blockIdx.x"))
    s[Y].bind(tx, te.thread_axis("threadIdx.x"))
    s[XS].compute_at(s[Y], bx)                      # one tile (+ halo) per block
    _, xi = s[XS].split(XS.op.axis[0], factor=tile)
    s[XS].bind(xi, te.thread_axis("threadIdx.x"))   # the fill: tile + 6 values, tile threads
    return s, [X, Y]


# 4. Tiled matmul: 16x16 threads per block compute a 64x64 tile of C, each
#    thread a 4x4 register tile (cache_write "local"); the k loop runs in steps
#    of 8, staging a 64x8 tile of A and an 8x64 tile of B in shared memory.
#    Nothing is unrolled here, so the kernel reads as loops (a real kernel would
#    unroll the 4x4 tile and the 8 k steps, as in section 2).
def matmul(M, K, L):
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
    for iv, tag in ((by, "blockIdx.y"), (bx, "blockIdx.x"), (ty, "threadIdx.y"),
                    (tx, "threadIdx.x")):
        s[C].bind(iv, te.thread_axis(tag))
    s[CL].compute_at(s[C], tx)                      # the 4x4 accumulator, per thread
    ko, ki = s[CL].split(s[CL].op.reduce_axis[0], factor=8)
    s[CL].reorder(ko, ki, *s[CL].op.axis)
    for cache in (AS, BS):                          # a new tile per k step, all threads
        s[cache].compute_at(s[CL], ko)
        rest, t = s[cache].split(s[cache].fuse(*s[cache].op.axis), factor=256)
        t_y, t_x = s[cache].split(t, factor=16)
        s[cache].bind(t_y, te.thread_axis("threadIdx.y"))
        s[cache].bind(t_x, te.thread_axis("threadIdx.x"))
    return s, [A, B, C]


def build_and_show(target, s, args, name):
    """Build for the device we have and print the source that runs there (CUDA
    C for the reader where there is no device at all)."""
    shown = target or "cuda"
    f = te.build(s, args, target=shown, name=name)
    note = "runs here" if target else "no device here: shown, not run"
    print(f"----- {name}: {DIALECT[shown]} ({note}) -----")
    print(f.get_source())
    return f if target else None


def device_seconds(f, *arrays):
    """Median seconds per call with the data already on the device."""
    device_arrays = [f.array(a) for a in arrays]

    def call():
        f(*device_arrays)
        f.device.synchronize()
    return benchmark(call, repeat=3 if QUICK else 7, warn=False)


def main():
    target = pick_target()
    print("running on:", f"{target} ({DIALECT[target]})" if target
          else "nothing (sources are printed only)")
    rng = np.random.default_rng(0)

    f = build_and_show(target, *vector_add(), "vector_add")
    if f:
        a, b = rng.random(1000, dtype=np.float32), rng.random(1000, dtype=np.float32)
        c = np.zeros(1000, np.float32)
        f(a, b, c)                                  # grid = ceil(n / 64) blocks, from a's shape
        np.testing.assert_allclose(c, a + b, rtol=1e-6)
        print("[ok] vector add matches numpy")

    f = build_and_show(target, *scale_unrolled(), "scale_unrolled")
    if f:
        a, b = rng.random(1024, dtype=np.float32), np.zeros(1024, np.float32)
        f(a, b)
        np.testing.assert_allclose(b, a * 2, rtol=1e-6)
        print("[ok] unrolled scale matches numpy")

    radius, n = 3, 4096
    f = build_and_show(target, *window_sum(n, radius), "window_sum")
    if f:
        x = rng.random(n + 2 * radius, dtype=np.float32)
        y = np.zeros(n, np.float32)
        f(x, y)
        np.testing.assert_allclose(y, np.convolve(x, np.ones(2 * radius + 1), "valid"),
                                   rtol=1e-5)
        print("[ok] window sum matches numpy")

    M = K = L = 256
    f = build_and_show(target, *matmul(M, K, L), "matmul")
    if f:
        a, b = rng.random((M, K), dtype=np.float32), rng.random((K, L), dtype=np.float32)
        c = np.zeros((M, L), np.float32)
        f(a, b, c)
        np.testing.assert_allclose(c, a @ b, rtol=1e-4)
        # Device arrays keep data on the device between calls (no copies):
        da, db, dc = f.array(a), f.array(b), f.empty((M, L), "float32")
        f(da, db, dc)
        np.testing.assert_allclose(dc.numpy(), a @ b, rtol=1e-4)
        print("[ok] tiled matmul matches numpy")
    print("[ok] tutorial 4: all results match numpy")
    roofline_section(target, rng)


def roofline_section(target, rng):
    """Time the window sum and the matmul on the device and place them on the
    roofline of this machine, when the device is this machine's CPU (PoCL)."""
    print()
    folder = plots.image_dir()
    if target != "opencl" or "cpu" not in opencl_devices()[0].name.lower() \
            and "pthread" not in opencl_devices()[0].name.lower():
        print("roofline: skipped; the device is not this machine's CPU, and the CPU's "
              "roofline does not bound a GPU")
        plots.finish([], folder)
        return
    points = []
    radius, n = 3, (1 << 16) if QUICK else (1 << 22)
    f = te.build(*window_sum(n, radius), target=target, name="window_sum")
    x, y = rng.random(n + 2 * radius, dtype=np.float32), np.zeros(n, np.float32)
    timing = device_seconds(f, x, y)
    flops, moved = (2 * radius + 1) * n, 4.0 * (x.size + y.size)
    points.append((f"window sum n={n}", flops / moved, flops / timing.median / 1e9))
    M = 256 if QUICK else 512
    f = te.build(*matmul(M, M, M), target=target, name="matmul")
    a, b, c = (rng.random((M, M), dtype=np.float32) for _ in range(3))
    timing = device_seconds(f, a, b, c)
    flops, moved = 2.0 * M ** 3, 4.0 * 3 * M * M
    points.append((f"tiled matmul {M}^3", flops / moved, flops / timing.median / 1e9))
    roofline = measure_roofline(quick=QUICK)
    plots.print_roofline(roofline, points)
    print("(the GPU schedules run here on the CPU through PoCL: a 16x16 thread block "
          "becomes loops, so they sit far below the roof a CPU schedule reaches)")
    saved = [plots.roofline_chart(folder / "gpu_roofline.png", "GPU-style kernels on this "
                                  "machine's roofline (OpenCL on the CPU)", roofline, points)]
    plots.finish(saved, folder)


if __name__ == "__main__":
    main()
