"""Tutorial 2: optimizing a matrix multiply on the CPU, step by step.

The classic sequence (TVM's "How to optimize GEMM on CPU", the cache-blocked
GEMM lecture of UW CSE 599W): naive, blocking, vectorization, loop permutation,
array packing, a write cache, parallel, and then a register micro-tile fed from
packed panels with a cache-blocked k loop, and last GotoBLAS's cache blocks with
a prefetch of the next tile of C (``topi.generic.gotoblas_gemm``). Each step is
checked against numpy, timed beside numpy's BLAS in the same run with
:func:`tecomp.testing.benchmark` (median and spread, with a warning when the
machine was busy), and says in one line what changed and why it helps, or why
it does not. The loop nest of a step is shown with ``s.show()``.

At the end: a bar chart of GFLOP/s per step beside numpy, and this machine's
roofline (peak multiply-add rate and copy bandwidth, measured on the spot by
two small tecomp kernels) with every step placed on it.

Run: ``python tutorials/02_optimize_gemm_cpu.py [--quick] [--size N] [--images DIR]``
(``--quick`` uses small sizes; the test suite runs it).
"""

import argparse
import os
import re

import numpy as np

import tecomp as te
from tecomp import topi
from tecomp.testing import benchmark
from tecomp.testing.roofline import measure_roofline

import plots

BN = 32          # block size of the blocking steps


def declare(M, N, K):
    A = te.placeholder((M, K), name="A")
    B = te.placeholder((K, N), name="B")
    k = te.reduce_axis((0, K), name="k")
    C = te.compute((M, N), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    return A, B, C, k


def declare_packed(M, N, K, width):
    """C = A B with B read from ``packedB[N/width][K][width]`` panels."""
    A = te.placeholder((M, K), name="A")
    B = te.placeholder((K, N), name="B")
    k = te.reduce_axis((0, K), name="k")
    packedB = te.compute((N // width, K, width), lambda x, y, z: B[y, x * width + z],
                         name="packedB")
    C = te.compute((M, N), lambda i, j: te.sum(A[i, k] * packedB[j // width, k, j % width],
                                               axis=k), name="C")
    return A, B, packedB, C, k


def naive(M, N, K):
    A, B, C, _ = declare(M, N, K)
    return te.create_schedule(C.op), [A, B, C]


def blocking(M, N, K, vectorize=False):
    A, B, C, k = declare(M, N, K)
    s = te.create_schedule(C.op)
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], BN, BN)
    ko, ki = s[C].split(k, factor=4)
    s[C].reorder(io, jo, ko, ki, ii, ji)
    if vectorize:
        s[C].vectorize(ji)
    return s, [A, B, C]


def permutation(M, N, K):
    A, B, C, k = declare(M, N, K)
    s = te.create_schedule(C.op)
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], BN, BN)
    ko, ki = s[C].split(k, factor=4)
    s[C].reorder(io, jo, ko, ii, ki, ji)
    s[C].vectorize(ji)
    return s, [A, B, C]


def _pack(s, packedB):
    x, y, z = s[packedB].op.axis
    s[packedB].vectorize(z)
    s[packedB].parallel(x)


def packing(M, N, K):
    A, B, packedB, C, k = declare_packed(M, N, K, BN)
    s = te.create_schedule(C.op)
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], BN, BN)
    ko, ki = s[C].split(k, factor=4)
    s[C].reorder(io, jo, ko, ii, ki, ji)
    s[C].vectorize(ji)
    _pack(s, packedB)
    return s, [A, B, C]


def write_cache(M, N, K, parallel=False):
    A, B, packedB, C, _ = declare_packed(M, N, K, BN)
    s = te.create_schedule(C.op)
    CC = s.cache_write(C, "local")
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], BN, BN)
    s[CC].compute_at(s[C], jo)
    ic, jc = s[CC].op.axis
    (kc,) = s[CC].op.reduce_axis
    ko, ki = s[CC].split(kc, factor=4)
    s[CC].reorder(ko, ic, ki, jc)
    s[CC].unroll(ki)
    s[CC].vectorize(jc)
    _pack(s, packedB)
    if parallel:
        s[C].parallel(io)
    return s, [A, B, C]


def micro_tile(M, N):
    """``(MR, NR)`` from the target: as many rows of NR = two vectors as the vector
    registers hold (8 x 32 with AVX-512's 32 registers, 6 x 16 with AVX2's 16)."""
    target = te.Target.current(allow_none=True) or te.Target.current_host()
    return topi.generic.CpuFit(target).gemm_tile(M, N)


def micro_kernel_schedule(M, N, K, MR=None, NR=None, KU=4):
    """Register micro-tile fed from packed panels, cache-blocked k (GotoBLAS-style):
    a MR x NR block of C lives in vector registers for a whole KC slice of k; B is
    packed into NR-wide panels so each k step loads one contiguous vector; the k
    loop is unrolled KU times."""
    fit_mr, fit_nr = micro_tile(M, N)
    MR, NR = MR or fit_mr, min(NR or fit_nr, N)
    A, B, packedB, C, _ = declare_packed(M, N, K, NR)
    s = te.create_schedule(C.op)
    CC = s.cache_write(C, "local")
    i, j = s[C].op.axis
    jo, ji = s[C].split(j, factor=NR)
    io, ii = s[C].split(i, factor=MR)
    s[C].reorder(jo, io, ii, ji)
    s[C].vectorize(ji)
    s[CC].compute_at(s[C], io)
    ic, jc = s[CC].op.axis
    (kc,) = s[CC].op.reduce_axis
    ko, ki = s[CC].split(kc, factor=KU)
    s[CC].reorder(ko, ki, ic, jc)
    s[CC].unroll(ki)
    s[CC].unroll(ic)
    s[CC].vectorize(jc)
    s[C].parallel(jo)
    _pack(s, packedB)
    return s, [A, B, C]


def gotoblas(M, N, K):
    """Step 8's micro-kernel inside GotoBLAS's cache blocks
    (:func:`tecomp.topi.generic.gotoblas_gemm`): B packed in NR-wide panels, each
    MC x KC block of A packed where its thread uses it, C updated in place, the
    next tile of C prefetched, k unrolled by 8."""
    return topi.generic.gotoblas_gemm(M, N, K)


def steps(M, N, K):
    """``(title, what changed and why, schedule builder)`` for every step."""
    cores = os.cpu_count() or 1
    mr, nr = micro_tile(M, N)
    lanes = (te.Target.current(allow_none=True) or te.Target.current_host()).vector_lanes()
    return [
        ("1 naive", "the default nest: k innermost walks down a column of B, a new cache "
                    "line for every multiply-add", naive),
        ("2 blocking", f"{BN}x{BN} tiles of C, k split by 4 and moved out: the tile's parts "
                       "of A and B stay in cache while k sweeps", blocking),
        ("3 + vectorize", None, lambda M, N, K: blocking(M, N, K, vectorize=True)),
        ("4 + loop permutation", "i.inner outside k.inner: a C row vector takes its 4 k "
                                 "updates back to back in a register, not 4 loads and stores",
         permutation),
        ("5 + array packing", f"B copied into [N/{BN}][K][{BN}] panels: a tile's columns are "
                              "contiguous along k, whole cache lines and few TLB misses",
         packing),
        ("6 + write cache", f"each {BN}x{BN} block of C accumulates in a local buffer and is "
                            "written out once", write_cache),
        ("7 + parallel", f"blocks of rows on all {cores} cores",
         lambda M, N, K: write_cache(M, N, K, parallel=True)),
        ("8 register micro-tile", f"an {mr}x{nr} block of C (sized for this target's vector "
                                  "registers) stays in them for the whole k loop: per k step "
                                  f"{mr} broadcasts of A, {nr // lanes} loads of packed B",
         micro_kernel_schedule),
        ("9 GotoBLAS blocks", "A packed per cache block (MC x KC from the target's L2 and "
                              "L1) where its thread uses it, C kept in place, and the next "
                              "micro-tile of C prefetched (s[C].prefetch): its rows lie a row "
                              "of C apart, which no hardware prefetcher follows. Not always "
                              "faster than step 8, whose C tile stays in registers over all "
                              "of k: with 2 MiB of L2 per core (a Xeon, Emerald Rapids) step "
                              "8 was faster at 1024^3 and 2048^3", gotoblas),
    ]


def vector_ops(module):
    """The vector types in a module's LLVM IR, e.g. ``{'<8 x float>'}``."""
    return set(re.findall(r"<\d+ x float>", module.get_source("ll")))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--images", default="tutorial_images")
    args = parser.parse_args()
    M = N = K = 128 if args.quick else args.size
    repeat = 3 if args.quick else args.repeat
    naive_rows = min(M, 64 if args.quick else 128)   # the naive step's sub-block
    rng = np.random.default_rng(0)
    a = rng.random((M, K), dtype="float32")
    b = rng.random((K, N), dtype="float32")
    expected = a @ b
    flops = 2 * M * N * K

    out = np.empty((M, N), "float32")
    timing = benchmark(np.matmul, a, b, out, repeat=repeat, warn=False)
    numpy_gflops = flops / timing.median / 1e9
    print(f"numpy {M}x{N}x{K}: {numpy_gflops:.1f} GFLOP/s, {timing}")

    results = []
    previous = None
    for title, why, schedule in steps(M, N, K):
        rows = naive_rows if title == "1 naive" else M
        s, tensors = schedule(rows, N, K)
        f = te.build(s, tensors, name="gemm")
        if title == "3 + vectorize":
            before = vector_ops(previous[2])
            why = ("j.inner as SIMD lanes; little gain expected: LLVM had already vectorized "
                   f"step 2's contiguous inner loop by itself (its IR has {', '.join(before)})"
                   if before else "j.inner (contiguous in B and C) as SIMD lanes: "
                                  "several multiply-adds per instruction")
        c = np.zeros((rows, N), "float32")
        f(a[:rows], b, c)
        np.testing.assert_allclose(c, expected[:rows], rtol=1e-4)
        timing = benchmark(f, a[:rows], b, c, repeat=repeat, warn=False)
        gflops = 2 * rows * N * K / timing.median / 1e9
        print(f"[ok] {title:<24} {gflops:8.1f} GFLOP/s  ±{timing.spread:4.0%}  {why}")
        if rows < M:
            print(f"     (timed on the first {rows} rows of A, C[:{rows}]: the whole "
                  f"{M}x{N}x{K} product would take ~{flops / gflops / 1e9:.3g} s per call; "
                  "each row does the same work)")
        if previous is not None and gflops < previous[1]:
            noise = max(timing.spread, previous[3])
            if previous[1] / gflops - 1 < 2 * noise:
                verdict = "within the timing noise"
            elif timing.busy is not None and timing.busy > 0.25:
                verdict = ("but the machine was busy, and a parallel loop waits for every core; "
                           "compare on a quiet machine")
            else:
                verdict = "really slower here"
            print(f"     slower than the step before ({previous[1]:.1f} GFLOP/s): {verdict}")
        for warning in timing.warnings:
            if "busy" not in warning:           # the busy machine is reported once, below
                print(f"     warning: {warning}")
        if title == "4 + loop permutation":
            print("     its loop nest, from s.show() (no code generated for it):")
            s.show()
        results.append((title, gflops, timing))
        previous = (title, gflops, f, timing.spread)

    print()
    plots.print_table("GFLOP/s per step (median; spread = interquartile range / median):",
                      ("step", "GFLOP/s", "spread", "vs numpy"),
                      [(t, g, f"{r.spread:.0%}", f"{g / numpy_gflops:.2f}x")
                       for t, g, r in results] + [("numpy (same run)", numpy_gflops, "", "")])

    busy = [r.busy for _, _, r in results if r.busy is not None]
    if busy and max(busy) > 0.25:
        print(f"warning: the machine was busy: other processes used up to {max(busy):.0%} of "
              "its CPU time while steps were timed; the numbers may be slow and uneven "
              "(parallel steps suffer most: they wait for every core)")

    print()
    roofline = measure_roofline(quick=args.quick)
    intensity = flops / (4.0 * (M * K + K * N + M * N))   # each matrix read or written once
    points = [(t, intensity, g) for t, g, _ in results] + [("numpy", intensity, numpy_gflops)]
    plots.print_roofline(roofline, points)
    folder = plots.image_dir(["--images", args.images])
    saved = [
        plots.bar_chart(folder / "gemm_steps.png", f"GEMM {M}x{N}x{K} float32: each step "
                        "beside numpy", [t for t, _, _ in results], [g for _, g, _ in results],
                        "GFLOP/s (median)", reference=("numpy", numpy_gflops)),
        plots.roofline_chart(folder / "gemm_roofline.png", f"GEMM {M}x{N}x{K} on this "
                             "machine's roofline", roofline, points),
    ]
    plots.finish(saved, folder)


if __name__ == "__main__":
    main()
