"""The same schedules on tecomp and on TVM, in one run, timed interleaved.

Each case is written once with tecomp's classic TE schedule and once for TVM
(``te.create_prim_func`` + its ``s_tir`` schedule, the same loop structure), checked
against numpy, then timed round-robin (tecomp, TVM, numpy, ...) so that a busy
machine slows all alike; medians and the ratios tecomp/TVM and tecomp/numpy are
printed. Every implementation gets the same 64-byte-aligned arrays (TVM's tensors
are aligned so; numpy's large arrays are not). Cases: the GotoBLAS-style GEMM
(tecomp.topi.generic.gotoblas_gemm: packed B; ioo, ko, jo, ioi, ki (unrolled by
8 inside), ii, ji; ii unrolled, ji vectorized, ioo parallel; no write cache; each
MC x KC block of A packed at ko by its thread; MC and KC from the target's L2 and
L1: CpuFit.gemm_blocks; the next tile of C prefetched at ioi, which TVM 0.27's
s_tir schedule cannot express, so its side has everything but that) with the
micro-tile that fits the target's vector registers, the tutorial's GEMM steps, the window sum
beside the machine's copy bandwidth (two threads of numpy copies; one for the
small --quick size, where starting a thread outlasts the copy) and on Halide
(``halide`` from pip, the same loops), and conv2d (benchmarks/conv2d.py's packed
schedule) beside numpy's im2col + matmul.

    pip install -e ".[peers]"      # apache-tvm, halide
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benchmarks/peers.py [--quick]

TVM's ``-mcpu`` is the host CPU only when the host really has its features: a VM
that reports an AVX-512 CPU but hides AVX-512 gets ``znver3``/``haswell`` code.
"""

import argparse
import os
import threading
import time

import numpy as np

import tecomp as te
from tecomp import testing
from conv2d import KH, KW, numpy_conv, packed_schedule
from tecomp.target import Target
from tecomp.topi.generic import CpuFit, gotoblas_gemm, gotoblas_tile
from tecomp.topi.generic.gotoblas import default_threads

try:
    import tvm
    from tvm import te as tvm_te
except ImportError:       # the benchmark still runs tecomp against numpy
    tvm = None
try:
    import halide as hl
except ImportError:
    hl = None


# ------------------------------------------------------------------ target facts

def cpu_flags():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def micro_tile(target=None):
    """(MR, NR) of the GotoBLAS GEMM for ``target`` (the host's by default):
    :func:`tecomp.topi.generic.gotoblas_tile`, 8x32 with AVX-512, 4x16 with AVX2."""
    return gotoblas_tile(target or Target("llvm"))


def goto_blocks(M, K, MR, NR):
    """(MC, KC) of the GotoBLAS GEMM from the host target's caches
    (CpuFit.gemm_blocks), with at least one block of rows per thread tecomp runs."""
    return CpuFit(Target("llvm")).gemm_blocks(MR, NR, M, K, parts=default_threads())


def tvm_target():
    cpu = Target("llvm").cpu
    flags = cpu_flags()
    if "avx512f" not in flags and ("avx512f" in Target("llvm").features
                                   or cpu.startswith(("znver4", "znver5", "skylake-avx512",
                                                      "icelake", "sapphirerapids",
                                                      "emeraldrapids"))):
        cpu = "znver3" if "znver" in cpu else "haswell"
    return tvm.target.Target({"kind": "llvm", "mcpu": cpu})


# ------------------------------------------------------------------ timing

def interleaved(fns, rounds):
    """Median seconds per call of each of ``fns`` (name -> callable), timed by
    :func:`tecomp.testing.interleaved`: round-robin, with its pause (0.2 s) before
    each sample so that the previous candidate's threads are asleep (OpenBLAS's
    workers spin ~0.1 s after a numpy call, on the cores the next candidate wants;
    tecomp's automatic team size would count them as busy cores). A sample lasts at
    least 0.2 s (several calls of the small cases), so that a burst of other work
    lands in the samples of all candidates more alike. Prints the share of the
    machine that other processes used meanwhile and the spread of each candidate's
    samples (relative interquartile range): a ratio closer to 1 than the spreads
    is a tie."""
    results = testing.interleaved(fns, rounds=rounds, min_sample_s=0.2)
    busy = next(iter(results.values())).busy
    load = f"other processes used {busy:.0%} of the CPU; " if busy is not None else ""
    spreads = ", ".join(f"{name.split()[0]} {r.spread:.0%}" for name, r in results.items())
    print(f"  ({load}spread {spreads})", flush=True)
    return {name: result.median for name, result in results.items()}


def aligned(array, alignment=64):
    """A copy of ``array`` whose data starts on an ``alignment``-byte boundary, as
    TVM's own tensors do (numpy's large arrays start 16 bytes past a page, so every
    64-byte vector access would straddle two cache lines)."""
    raw = np.empty(array.nbytes + alignment, np.uint8)
    start = -raw.ctypes.data % alignment
    out = raw[start:start + array.nbytes].view(array.dtype).reshape(array.shape)
    out[...] = array
    return out


def tvm_call(func, arrays, expected, rtol):
    """A call of TVM's ``func`` on ``arrays`` themselves (the last is the output),
    the very memory tecomp's call uses (a copy would sit at other addresses, with
    other cache-set and 4 KiB-aliasing conflicts), run once on a NaN-filled output
    and checked against ``expected`` before it is timed."""
    for a in arrays:
        assert a.ctypes.data % 64 == 0, "TVM's kernels assume 64-byte-aligned buffers"
    wrapped = [tvm.runtime.from_dlpack(a) for a in arrays]
    arrays[-1][...] = np.nan
    func(*wrapped)
    np.testing.assert_allclose(arrays[-1], expected, rtol=rtol)
    return lambda: func(*wrapped)


# ------------------------------------------------------------------ GEMM schedules

#: the GotoBLAS schedule's k unroll (gotoblas_gemm's k_unroll), on both sides
GOTO_K_UNROLL = 8


def gemm_tecomp(M, N, K, step, MR, NR, blocks=None, BN=32):
    """The GEMM of ``step``; for "goto", tecomp.topi.generic.gotoblas_gemm with the
    (MR, NR) tile and ``blocks`` = (MC, KC), by default from the target (goto_blocks)."""
    if step == "goto":
        s, args = gotoblas_gemm(M, N, K, tile=(MR, NR), blocks=blocks or goto_blocks(M, K, MR, NR),
                                k_unroll=GOTO_K_UNROLL)
        return te.build(s, args, name="gemm")
    A = te.placeholder((M, K), name="A")
    B = te.placeholder((K, N), name="B")
    k = te.reduce_axis((0, K), name="k")
    if step in ("packing", "parallel"):
        packedB = te.compute((N // BN, K, BN), lambda x, y, z: B[y, x * BN + z], name="packedB")
        C = te.compute((M, N), lambda i, j: te.sum(A[i, k] * packedB[j // BN, k, j % BN], axis=k),
                       name="C")
    else:
        C = te.compute((M, N), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    s = te.create_schedule(C.op)
    if step == "parallel":       # tutorial step 7: write cache + parallel
        CC = s.cache_write(C, "local")
        io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], BN, BN)
        s[CC].compute_at(s[C], jo)
        ic, jc = s[CC].op.axis
        ko, ki = s[CC].split(s[CC].op.reduce_axis[0], factor=4)
        s[CC].reorder(ko, ic, ki, jc)
        s[CC].unroll(ki)
        s[CC].vectorize(jc)
        s[C].parallel(io)
    else:                          # tutorial steps 3-5
        io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], BN, BN)
        ko, ki = s[C].split(k, factor=4)
        if step == "vectorize":
            s[C].reorder(io, jo, ko, ki, ii, ji)
        else:
            s[C].reorder(io, jo, ko, ii, ki, ji)
        s[C].vectorize(ji)
    if step in ("packing", "parallel"):
        x, y, z = s[packedB].op.axis
        s[packedB].vectorize(z)
        s[packedB].parallel(x)
    return te.build(s, [A, B, C], name="gemm")


def gemm_tvm(M, N, K, step, MR, NR, target, blocks=None, BN=32):
    A = tvm_te.placeholder((M, K), name="A")
    B = tvm_te.placeholder((K, N), name="B")
    k = tvm_te.reduce_axis((0, K), name="k")
    packed = step in ("goto", "packing", "parallel")
    if step == "goto":
        MC, KC = blocks or goto_blocks(M, K, MR, NR)
        packedB = tvm_te.compute((N // NR, K, NR), lambda x, y, z: B[y, x * NR + z],
                                 name="packedB")
        packedA = tvm_te.compute((M // MR, K, MR), lambda x, y, z: A[x * MR + z, y],
                                 name="packedA")
        C = tvm_te.compute((M, N), lambda i, j: tvm_te.sum(
            packedA[i // MR, k, i % MR] * packedB[j // NR, k, j % NR], axis=k), name="C")
    elif packed:
        packedB = tvm_te.compute((N // BN, K, BN), lambda x, y, z: B[y, x * BN + z],
                                 name="packedB")
        C = tvm_te.compute((M, N), lambda i, j: tvm_te.sum(
            A[i, k] * packedB[j // BN, k, j % BN], axis=k), name="C")
    else:
        C = tvm_te.compute((M, N), lambda i, j: tvm_te.sum(A[i, k] * B[k, j], axis=k), name="C")
    sch = tvm.s_tir.Schedule(tvm_te.create_prim_func([A, B, C]))
    blk = sch.get_sblock("C")
    i, j, kk = sch.get_loops(blk)
    if step == "goto":
        ioo, ioi, ii = sch.split(i, [None, MC // MR, MR])
        jo, ji = sch.split(j, [None, NR])
        ko, kio, kii = sch.split(kk, [None, KC // GOTO_K_UNROLL, GOTO_K_UNROLL])
        sch.reorder(ioo, ko, jo, ioi, kio, kii, ii, ji)
        sch.unroll(kii)
        sch.unroll(ii)
        sch.vectorize(ji)
        sch.parallel(ioo)
        pa = sch.get_sblock("packedA")
        sch.compute_at(pa, ko)
        x, y, z = sch.get_loops(pa)[-3:]
        sch.reorder(x, z, y)
        init = sch.decompose_reduction(blk, ko)
        sch.vectorize(sch.get_loops(init)[-1])
    elif step == "parallel":
        io, ii = sch.split(i, [None, BN])
        jo, ji = sch.split(j, [None, BN])
        sch.reorder(io, jo, ii, ji)
        sch.parallel(io)
        cache = sch.cache_write(blk, 0, "local")
        sch.reverse_compute_at(cache, jo)
        ko, ki = sch.split(kk, [None, 4])
        sch.reorder(ko, ii, ki, ji)
        sch.unroll(ki)
        sch.vectorize(ji)
        init = sch.decompose_reduction(blk, ko)
        sch.vectorize(sch.get_loops(init)[-1])
        sch.vectorize(sch.get_loops(cache)[-1])
    else:
        io, ii = sch.split(i, [None, BN])
        jo, ji = sch.split(j, [None, BN])
        ko, ki = sch.split(kk, [None, 4])
        if step == "vectorize":
            sch.reorder(io, jo, ko, ki, ii, ji)
        else:
            sch.reorder(io, jo, ko, ii, ki, ji)
        sch.vectorize(ji)
        init = sch.decompose_reduction(blk, ko)
        sch.vectorize(sch.get_loops(init)[-1])
    if packed:
        pb = sch.get_sblock("packedB")
        x, _, z = sch.get_loops(pb)
        sch.vectorize(z)
        sch.parallel(x)
    return tvm.compile(sch.mod, target=target)["main"]


def run_gemm(size, step, rounds, rows, target):
    MR, NR = micro_tile()
    rng = np.random.default_rng(0)
    a = aligned(rng.random((size, size), dtype="float32"))
    b = aligned(rng.random((size, size), dtype="float32"))
    expected = a @ b
    c = aligned(np.zeros((size, size), "float32"))
    start = time.perf_counter()
    f = gemm_tecomp(size, size, size, step, MR, NR)
    compile_s = time.perf_counter() - start
    f(a, b, c)
    np.testing.assert_allclose(c, expected, rtol=1e-3)
    fns = {"tecomp": lambda: f(a, b, c), "numpy": lambda: np.matmul(a, b, out=c)}
    if tvm is not None:
        g = gemm_tvm(size, size, size, step, MR, NR, target)
        fns["tvm"] = tvm_call(g, (a, b, c), expected, rtol=1e-3)
    seconds = interleaved(fns, rounds)
    flops = 2 * size ** 3
    tile = f" {MR}x{NR}" if step == "goto" else ""
    note = f"compile {compile_s:.3f}s"
    if step == "goto":
        MC, KC = goto_blocks(size, size, MR, NR)
        note += (f"  MC {MC} KC {KC} k unroll {GOTO_K_UNROLL}; tecomp prefetches the next C "
                 "tile, TVM's s_tir schedule has no prefetch")
    rows.append((f"gemm {step}{tile} {size}^3", {n: flops / t / 1e9 for n, t in seconds.items()},
                 "GFLOP/s", note))


# ------------------------------------------------------------------ window sum

WIDTH = 7


def window_tecomp(n):
    A = te.placeholder((n + WIDTH - 1,), name="A")
    r = te.reduce_axis((0, WIDTH), name="r")
    B = te.compute((n,), lambda i: te.sum(A[i + r], axis=r), name="B")
    s = te.create_schedule(B.op)
    BL = s.cache_write(B, "local")
    outer, inner = s[B].split(B.op.axis[0], factor=64)
    s[B].vectorize(inner)
    chunk, rest = s[B].split(outer, nparts=64)
    s[B].parallel(chunk)
    s[BL].compute_at(s[B], rest)
    (i,) = s[BL].op.axis
    (rl,) = s[BL].op.reduce_axis
    s[BL].reorder(rl, i)
    s[BL].unroll(rl)
    s[BL].vectorize(i)
    return te.build(s, [A, B], name="window_sum")


def window_tvm(n, target):
    A = tvm_te.placeholder((n + WIDTH - 1,), name="A")
    r = tvm_te.reduce_axis((0, WIDTH), name="r")
    B = tvm_te.compute((n,), lambda i: tvm_te.sum(A[i + r], axis=r), name="B")
    sch = tvm.s_tir.Schedule(tvm_te.create_prim_func([A, B]))
    blk = sch.get_sblock("B")
    cache = sch.cache_write(blk, 0, "local")
    (i,) = sch.get_loops(cache)
    chunk, rest, inner = sch.split(i, [64, None, 64])
    sch.vectorize(inner)
    sch.parallel(chunk)
    sch.compute_at(blk, rest)
    il, rl = sch.get_loops(blk)[-2:]
    sch.reorder(rl, il)
    sch.unroll(rl)
    sch.vectorize(il)
    init = sch.decompose_reduction(blk, rl)
    sch.vectorize(sch.get_loops(init)[-1])
    return tvm.compile(sch.mod, target=target)["main"]


def window_halide(n):
    """The same loops in Halide: 64 parallel chunks of 64-wide blocks, each summed in
    a local vector (the update's window loop unrolled) and stored once."""
    A = hl.ImageParam(hl.Float(32), 1, "A")
    x, chunk, rest, inner = hl.Var("x"), hl.Var("chunk"), hl.Var("rest"), hl.Var("inner")
    r = hl.RDom([(0, WIDTH)], "r")
    acc, B = hl.Func("acc"), hl.Func("B")
    acc[x] = hl.f32(0)
    acc[x] += A[x + r.x]
    B[x] = acc[x]
    B.split(x, chunk, x, n // 64).split(x, rest, inner, 64).vectorize(inner).parallel(chunk)
    acc.compute_at(B, rest).vectorize(x, 64)
    acc.update().reorder(x, r.x).vectorize(x, 64).unroll(r.x)
    B.compile_jit(hl.get_jit_target_from_environment())

    def call(a, b):
        A.set(a)
        B.realize(b)
    return call


#: Floats from which the copy bound of the window sum is two threads' copy.
COPY_THREADS_FROM = 1 << 20


def run_window(n, rounds, rows, target):
    a = aligned(np.random.default_rng(0).random(n + WIDTH - 1, dtype="float32"))
    b = aligned(np.empty(n, "float32"))
    expected = np.convolve(a, np.ones(WIDTH, "float32"), "valid")
    f = window_tecomp(n)
    f(a, b)
    np.testing.assert_allclose(b, expected, rtol=1e-5)
    src, dst = aligned(np.ones(n, "float32")), aligned(np.empty(n, "float32"))
    half = n // 2

    def copy_two_threads():     # the copy bound: numpy releases the GIL in copyto
        t = threading.Thread(target=np.copyto, args=(dst[:half], src[:half]))
        t.start()
        np.copyto(dst[half:], src[half:])
        t.join()

    fns = {"tecomp": lambda: f(a, b)}
    if n >= COPY_THREADS_FROM:
        fns["copy (2 threads)"] = copy_two_threads
    else:        # starting a thread takes longer than the whole copy
        fns["copy (1 thread)"] = lambda: np.copyto(dst, src)
    if tvm is not None:
        g = window_tvm(n, target)
        fns["tvm"] = tvm_call(g, (a, b), expected, rtol=1e-5)
    if hl is not None:
        h = window_halide(n)
        ha, hb = hl.Buffer(a), hl.Buffer(b)
        b[...] = 0
        h(ha, hb)
        np.testing.assert_allclose(b, expected, rtol=1e-5)
        fns["halide"] = lambda: h(ha, hb)
    seconds = interleaved(fns, rounds)
    nbytes = 2 * n * 4     # A read once, B written once
    rows.append((f"window sum 2^{n.bit_length() - 1}",
                 {name: nbytes / t / 1e9 for name, t in seconds.items()}, "GB/s", ""))


# ------------------------------------------------------------------ conv2d

def conv_tvm(CI, CO, H, W, VC, XT, target):
    """benchmarks/conv2d.py's packed schedule in TVM's schedule API."""
    X = tvm_te.placeholder((1, CI, H, W), name="X")
    Wt = tvm_te.placeholder((CO, CI, KH, KW), name="W")
    pad = tvm_te.compute((1, CI, H + 2, W + 2), lambda n, c, y, x: tvm_te.if_then_else(
        tvm_te.all(y >= 1, y <= H, x >= 1, x <= W), X[n, c, y - 1, x - 1],
        tvm_te.const(0.0, "float32")), name="pad")
    packW = tvm_te.compute((CO // VC, CI, KH, KW, VC),
                           lambda o, c, h, w, v: Wt[o * VC + v, c, h, w], name="packW")
    rc = tvm_te.reduce_axis((0, CI), name="rc")
    ry = tvm_te.reduce_axis((0, KH), name="ry")
    rx = tvm_te.reduce_axis((0, KW), name="rx")
    out = tvm_te.compute((1, CO // VC, H, W, VC), lambda n, o, y, x, v: tvm_te.sum(
        pad[n, rc, y + ry, x + rx] * packW[o, rc, ry, rx, v], axis=[rc, ry, rx]), name="conv")
    Y = tvm_te.compute((1, CO, H, W), lambda n, c, y, x: out[n, c // VC, y, x, c % VC],
                       name="Y")
    sch = tvm.s_tir.Schedule(tvm_te.create_prim_func([X, Wt, Y]))
    conv = sch.get_sblock("conv")
    cache = sch.cache_write(conv, 0, "local")     # tecomp: the stage "conv" stores the tile
    n, o, y, x, v = sch.get_loops(cache)
    xo, xi = sch.split(x, [None, XT])
    sch.reorder(n, o, y, xo, xi, v)
    sch.vectorize(v)
    sch.compute_at(conv, xo)
    xc, vc, rc_, ry_, rx_ = sch.get_loops(conv)[-5:]
    sch.reorder(rc_, ry_, rx_, xc, vc)
    fused = sch.fuse(o, y)
    sch.compute_at(sch.get_sblock("pad"), fused)
    sch.parallel(fused)
    sch.unroll(xc)
    sch.vectorize(vc)
    init = sch.decompose_reduction(conv, rc_)
    sch.vectorize(sch.get_loops(init)[-1])
    sch.vectorize(sch.get_loops(sch.get_sblock("packW"))[-1])
    _, px = sch.split(sch.get_loops(sch.get_sblock("pad"))[-1], [None, 16])
    sch.vectorize(px)
    return tvm.compile(sch.mod, target=target)["main"]


def run_conv(quick, rounds, rows, target):
    CI = CO = 16 if quick else 64
    H = W = 14 if quick else 56
    VC, XT = (16, 7) if quick else (32, 8)
    rng = np.random.default_rng(0)
    x = aligned(rng.random((1, CI, H, W), dtype="float32"))
    w = aligned(rng.random((CO, CI, KH, KW), dtype="float32"))
    y = aligned(np.zeros((1, CO, H, W), "float32"))
    expected = numpy_conv(x, w)
    start = time.perf_counter()
    s, params = packed_schedule(CI, CO, H, W, VC, XT)
    f = te.build(s, params, name="conv2d")
    compile_s = time.perf_counter() - start
    f(x, w, y)
    np.testing.assert_allclose(y, expected, rtol=1e-4)
    fns = {"tecomp": lambda: f(x, w, y), "numpy": lambda: numpy_conv(x, w)}
    if tvm is not None:
        g = conv_tvm(CI, CO, H, W, VC, XT, target)
        fns["tvm"] = tvm_call(g, (x, w, y), expected, rtol=1e-4)
    seconds = interleaved(fns, rounds)
    flops = 2 * CO * CI * KH * KW * H * W
    rows.append((f"conv2d {CI}->{CO} {H}x{W} 3x3", {k: flops / t / 1e9 for k, t in seconds.items()},
                 "GFLOP/s", f"compile {compile_s:.3f}s"))


# ------------------------------------------------------------------ main

def report(rows):
    for name, values, unit, note in rows:
        line = f"{name:<28} " + "  ".join(f"{k} {v:7.1f}" for k, v in values.items())
        ratios = []
        for ref in ("tvm", "halide", "numpy", "copy (2 threads)", "copy (1 thread)"):
            if ref in values:
                ratios.append(f"tecomp/{ref.split()[0]} {values['tecomp'] / values[ref]:.2f}x")
        print(f"{line}  {unit}  |  {', '.join(ratios)}  {note}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--only", default="", help="comma-separated: goto,steps,window,conv")
    args = parser.parse_args()
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if os.environ.get(name):
            print(f"note: {name} is set and may slow numpy; unset it for this command")
    rounds = 3 if args.quick else args.rounds
    only = set(filter(None, args.only.split(","))) or {"goto", "steps", "window", "conv"}
    target = tvm_target() if tvm is not None else None
    print(f"tecomp target {Target('llvm').cpu}, vectors {Target('llvm').vector_bits} bits, "
          f"micro-tile {micro_tile()}; TVM {tvm.__version__ + ' ' + str(target) if tvm else 'not installed'}; "
          f"Halide {hl.get_jit_target_from_environment() if hl else 'not installed'}")
    rows = []
    if "goto" in only:
        for size in ([256] if args.quick else [1024, 2048]):
            run_gemm(size, "goto", rounds, rows, target)
            report(rows[-1:])
    if "steps" in only:
        for step in ("vectorize", "permutation", "packing", "parallel"):
            run_gemm(128 if args.quick else 1024, step, rounds, rows, target)
            report(rows[-1:])
    if "window" in only:
        run_window((1 << 16) if args.quick else (1 << 24), rounds, rows, target)
        report(rows[-1:])
    if "conv" in only:
        run_conv(args.quick, rounds, rows, target)
        report(rows[-1:])


if __name__ == "__main__":
    main()
