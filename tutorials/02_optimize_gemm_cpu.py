"""Tutorial 2: optimizing a matrix multiply on the CPU, step by step.

The classic sequence (TVM's "How to optimize GEMM on CPU"): naive, blocking,
vectorization, loop permutation, array packing, a write cache, parallel, and
then a register micro-tile fed from packed panels with a cache-blocked k loop
(GotoBLAS-style). Each step is checked against numpy and timed beside numpy's
BLAS in the same run. ``--quick`` uses small sizes (the test suite runs it).

Run: ``python tutorials/02_optimize_gemm_cpu.py [--quick] [--size N]``
"""

import argparse
import time

import numpy as np

import tecomp as te
from tecomp import topi

# 8. Register micro-tile fed from packed panels, cache-blocked k (GotoBLAS-style):
#    a MR x NR block of C lives in vector registers for a whole KC slice of k;
#    B is packed into NR-wide panels so each k step loads one contiguous vector.
#    MR and NR come from the target: as many rows of NR = two vectors as the
#    vector registers hold (8 x 32 with AVX-512's 32 registers, 6 x 16 with AVX2's 16).
def micro_kernel_schedule(M, N, K, MR=None, NR=None):
    """The step-8 schedule for an M x N x K float32 GEMM (N divisible by NR)."""
    target = te.Target.current(allow_none=True) or te.Target.current_host()
    fit_mr, fit_nr = topi.generic.CpuFit(target).gemm_tile(M, N)
    MR, NR = MR or fit_mr, min(NR or fit_nr, N)
    A = te.placeholder((M, K), name="A")
    B = te.placeholder((K, N), name="B")
    k = te.reduce_axis((0, K), name="k")
    packedB = te.compute((N // NR, K, NR), lambda x, y, z: B[y, x * NR + z], name="packedB")
    C = te.compute((M, N), lambda i, j: te.sum(A[i, k] * packedB[j // NR, k, j % NR], axis=k),
                   name="C")
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
    ko, ki = s[CC].split(kc, factor=4)
    s[CC].reorder(ko, ki, ic, jc)
    s[CC].unroll(ki)
    s[CC].unroll(ic)
    s[CC].vectorize(jc)
    s[C].parallel(jo)
    x, y, z = s[packedB].op.axis
    s[packedB].vectorize(z)
    s[packedB].parallel(x)
    return s, [A, B, C]



def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    M = N = K = 128 if args.quick else args.size
    REPEAT = 2 if args.quick else args.repeat
    BN = 32          # block size of the blocking steps
    rng = np.random.default_rng(0)
    a = rng.random((M, K), dtype="float32")
    b = rng.random((K, N), dtype="float32")
    expected = a @ b


    def median_seconds(fn, repeat=REPEAT):
        fn()
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return float(np.median(times))


    def declare():
        A = te.placeholder((M, K), name="A")
        B = te.placeholder((K, N), name="B")
        k = te.reduce_axis((0, K), name="k")
        C = te.compute((M, N), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
        return A, B, C, k


    results = []


    def evaluate(title, s, tensors):
        start = time.perf_counter()
        f = te.build(s, tensors, name="gemm")
        compile_s = time.perf_counter() - start
        c = np.zeros((M, N), "float32")
        f(a, b, c)
        np.testing.assert_allclose(c, expected, rtol=1e-4)
        seconds = median_seconds(lambda: f(a, b, c))
        gflops = 2 * M * N * K / seconds / 1e9
        results.append((title, gflops, compile_s))
        print(f"[ok] {title:<34} {gflops:8.1f} GFLOP/s  (compile {compile_s:.3f} s)")
        return f


    # 0. numpy (OpenBLAS) in the same run, the bar to reach.
    out = np.empty((M, N), "float32")
    numpy_s = median_seconds(lambda: np.matmul(a, b, out=out))
    numpy_gflops = 2 * M * N * K / numpy_s / 1e9
    print(f"numpy {M}x{N}x{K}: {numpy_gflops:.1f} GFLOP/s")

    # 1. Naive: the default schedule.
    if args.quick or M <= 512:
        A, B, C, k = declare()
        s = te.create_schedule(C.op)
        evaluate("1 naive", s, [A, B, C])

    # 2. Blocking: 32x32 tiles of C stay in cache while k sweeps.
    A, B, C, k = declare()
    s = te.create_schedule(C.op)
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], BN, BN)
    ko, ki = s[C].split(k, factor=4)
    s[C].reorder(io, jo, ko, ki, ii, ji)
    evaluate("2 blocking", s, [A, B, C])

    # 3. Vectorization of the innermost (contiguous) axis.
    s[C].vectorize(ji)
    evaluate("3 + vectorize", s, [A, B, C])

    # 4. Loop permutation: i.inner outside k.inner, so A's element is reused.
    A, B, C, k = declare()
    s = te.create_schedule(C.op)
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], BN, BN)
    ko, ki = s[C].split(k, factor=4)
    s[C].reorder(io, jo, ko, ii, ki, ji)
    s[C].vectorize(ji)
    print(te.lower(s, [A, B, C], name="gemm_permuted"))
    evaluate("4 + loop permutation", s, [A, B, C])

    # 5. Array packing: B re-laid out in [N/BN][K][BN] panels, read contiguously.
    A = te.placeholder((M, K), name="A")
    B = te.placeholder((K, N), name="B")
    k = te.reduce_axis((0, K), name="k")
    packedB = te.compute((N // BN, K, BN), lambda x, y, z: B[y, x * BN + z], name="packedB")
    C = te.compute((M, N), lambda i, j: te.sum(A[i, k] * packedB[j // BN, k, j % BN], axis=k),
                   name="C")
    s = te.create_schedule(C.op)
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], BN, BN)
    ko, ki = s[C].split(k, factor=4)
    s[C].reorder(io, jo, ko, ii, ki, ji)
    s[C].vectorize(ji)
    x, y, z = s[packedB].op.axis
    s[packedB].vectorize(z)
    s[packedB].parallel(x)
    evaluate("5 + array packing", s, [A, B, C])

    # 6. Write cache: accumulate a block in a local buffer, write it out once.
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
    x, y, z = s[packedB].op.axis
    s[packedB].vectorize(z)
    s[packedB].parallel(x)
    evaluate("6 + write cache", s, [A, B, C])

    # 7. Parallel: blocks of rows on all cores.
    s[C].parallel(io)
    evaluate("7 + parallel", s, [A, B, C])


    s, tensors = micro_kernel_schedule(M, N, K)
    evaluate("8 register micro-tile", s, tensors)

    print()
    print(f"{'step':<34} {'GFLOP/s':>8} {'vs numpy':>9}")
    for title, gflops, _ in results:
        print(f"{title:<34} {gflops:8.1f} {gflops / numpy_gflops:8.2f}x")
    print(f"{'numpy (same run)':<34} {numpy_gflops:8.1f}")


if __name__ == "__main__":
    main()
