"""Default schedules take their sizes from the target, not from the machine they
were written on: fixed target strings for AVX-512, AVX2, SSE and NEON."""

import re

import numpy as np
import pytest

import tecomp as te
from tecomp import topi
from tecomp.schedule import loop_nest_text
from tecomp.target import Target
from tecomp.topi.generic import CpuFit

AVX512 = "llvm -mcpu=skylake-avx512"
AVX2 = "llvm -mcpu=x86-64-v3"
SSE = "llvm -mcpu=x86-64"
NEON = "llvm -mtriple=aarch64-linux-gnu -mcpu=cortex-a72"


@pytest.mark.parametrize("spec, bits, registers", [
    (AVX512, 512, 32), ("llvm -mcpu=znver4", 512, 32), (AVX2, 256, 16),
    ("llvm -mcpu=znver3", 256, 16), ("llvm -mcpu=znver4 -mattr=-avx512f", 256, 16),
    (SSE, 128, 16), (NEON, 128, 32),
])
def test_vector_facts_of_fixed_targets(spec, bits, registers):
    target = Target(spec)
    assert target.vector_bits == bits
    assert target.vector_lanes("float32") == bits // 32
    assert target.vector_lanes("float64") == bits // 64
    assert target.vector_registers == registers
    assert set(target.cache_bytes) == {1, 2, 3}


@pytest.mark.parametrize("spec, lanes, row_lanes, gemm", [
    (AVX512, 16, 64, (8, 32)),      # 16 accumulators + 2 operands + 1 broadcast of 32
    (AVX2, 8, 32, (6, 16)),         # 12 + 2 + 1 of 16: an 8-row tile would spill
    (SSE, 4, 16, (6, 8)),
    (NEON, 4, 16, (8, 8)),
])
def test_register_tiles_fit_the_registers(spec, lanes, row_lanes, gemm):
    fit = CpuFit(Target(spec))
    assert fit.lanes == lanes and fit.row_lanes == row_lanes
    assert fit.gemm_tile(1024, 1024) == gemm
    mr, nr = gemm
    vectors = nr // lanes
    assert mr * vectors + vectors + 1 <= Target(spec).vector_registers


def _dense(n):
    A = te.placeholder((n, n), name="A")
    W = te.placeholder((n, n), name="W")
    return A, W, topi.nn.dense(A, W)


def _vector_types(s, args):
    """Lanes of the dense vector accesses (``ramp(base, 1, lanes)``) in the lowered IR."""
    return {int(w) for w in re.findall(r", 1, (\d+)\)", str(te.lower(s, args)))}


# The dense layer's register tile is two vectors wide (NR), vectorized as one loop.
@pytest.mark.parametrize("spec, widest", [(AVX512, 32), (AVX2, 16), (NEON, 8)])
def test_topi_schedules_use_the_targets_vector_width(spec, widest):
    A, W, D = _dense(64)
    with Target(spec):
        s = topi.generic.schedule_dense(D)
    lanes = _vector_types(s, [A, W, D])
    assert max(lanes) == widest


def test_an_avx2_schedule_runs_correctly_here():
    A, W, D = _dense(96)
    target = Target(AVX2)
    with target:
        s = topi.generic.schedule_dense(D)
    f = te.build(s, [A, W, D], target=target)
    rng = np.random.default_rng(0)
    a, w = rng.random((96, 96), dtype="float32"), rng.random((96, 96), dtype="float32")
    d = np.empty((96, 96), "float32")
    f(a, w, d)
    np.testing.assert_allclose(d, a @ w.T, rtol=1e-4)


def test_explicit_target_argument_wins_over_the_host():
    A = te.placeholder((1024,), name="A")
    B = topi.exp(A)
    from tecomp.topi.generic.cpu import schedule_cpu
    assert max(_vector_types(schedule_cpu(B, target=SSE), [A, B])) == 4


@pytest.mark.parametrize("spec, width, channels, tile", [
    (AVX512, 56, 64, (14, 2, 8)),   # 14 of 16 lanes; 16 accumulators as 2 vectors x 8 channels
    (AVX512, 14, 64, (14, 1, 16)),  # one vector per row: 16 channels
    (AVX512, 64, 64, (16, 2, 8)),
    (AVX2, 56, 64, (8, 1, 8)),      # 7 vectors of 8 per row: one vector x 8 channels
    ("llvm -mcpu=znver3", 56, 64, (8, 1, 8)),
    (AVX2, 28, 64, (7, 2, 4)),      # 7 of 8 lanes, 2 vectors x 4 channels
    (NEON, 56, 64, (4, 2, 8)),
    (NEON, 56, 12, (4, 2, 6)),      # channels the tile must divide
    (SSE, 7, 64, None),             # no vector of 4 or more lanes divides 7
])
def test_conv2d_tile_from_the_target(spec, width, channels, tile):
    fit = CpuFit(Target(spec))
    assert fit.conv2d_tile(width, channels) == tile
    if tile is not None:
        vector, nvec, ftile = tile
        assert vector <= fit.lanes and width % (vector * nvec) == 0 and channels % ftile == 0
        assert nvec * ftile <= Target(spec).vector_registers // 2


@pytest.mark.parametrize("spec, lanes", [(AVX512, 14), (AVX2, 8)])
def test_default_conv2d_schedule_uses_the_tile(spec, lanes):
    X, W = te.placeholder((1, 8, 56, 56), name="X"), te.placeholder((16, 8, 3, 3), name="W")
    Y = topi.nn.conv2d_nchw(X, W, 1, 1)
    with Target(spec):
        s = topi.generic.schedule_conv2d_nchw(Y)
    assert lanes in _vector_types(s, [X, W, Y])
    f = te.build(s, [X, W, Y], target=AVX2 if spec == AVX2 else "llvm")   # callable here
    rng = np.random.default_rng(0)
    x, w = rng.random((1, 8, 56, 56), dtype="float32"), rng.random((16, 8, 3, 3), dtype="float32")
    y = np.empty((1, 16, 56, 56), "float32")
    f(x, w, y)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (3, 3), axis=(2, 3))
    np.testing.assert_allclose(y, np.einsum("ncyxij,fcij->nfyx", win, w), rtol=1e-4)


def test_conv2d_register_tile_refuses_a_bad_window():
    X, W = te.placeholder((1, 4, 16, 16), name="X"), te.placeholder((8, 4, 3, 3), name="W")
    Y = topi.nn.conv2d_nchw(X, W, 1, 1)
    s = te.create_schedule(Y.op)
    with pytest.raises(te.errors.ArgumentValueError, match=r"window must order 'rc', 'ry' and 'rx'.*'rc', 'rc'"):
        topi.generic.conv2d_register_tile(s, Y, 8, 1, 4, window=("rc", "rc", "rx"))


@pytest.mark.parametrize("spec, tile, n, parts, blocks", [
    (AVX512, (8, 32), 1024, 2, (512, 1024)),   # 8 x 1024 of A in 48 KiB, 512 x 1024 in 2 MiB
    (AVX512, (8, 32), 2048, 2, (512, 1024)),
    (AVX512, (8, 32), 1024, 8, (128, 1024)),   # a block of rows per thread
    (AVX512, (8, 32), 1000, 1, (200, 1000)),   # divisors, not powers of two
    (AVX2, (4, 16), 2048, 2, (64, 2048)),      # 32 KiB L1, 512 KiB L2
    ("llvm -mcpu=znver3", (4, 16), 256, 2, (128, 256)),
])
def test_gemm_blocks_from_the_caches(spec, tile, n, parts, blocks):
    target = Target(spec)
    mr, nr = tile
    mc, kc = CpuFit(target).gemm_blocks(mr, nr, n, n, parts=parts)
    assert (mc, kc) == blocks
    l1, l2 = target.cache_bytes[1], target.cache_bytes[2]
    assert n % kc == 0 and n % mc == 0 and mc % mr == 0 and n // mc >= parts
    assert mr * kc * 4 <= l1 and mc * kc * 4 <= l2    # A's micro-panel in L1, its block in L2


@pytest.mark.parametrize("spec, tile", [("llvm", None), (AVX2, None), (AVX2, (6, 16))])
@pytest.mark.parametrize("prefetch, k_unroll", [(False, 1), (True, 1), (True, None)])
def test_gotoblas_gemm_on_the_blocks_runs_correctly(spec, tile, prefetch, k_unroll):
    """topi.generic.gotoblas_gemm (benchmarks/peers.py's GotoBLAS schedule) on
    gemm_blocks' sizes for two threads: packed B; ioo, ko, jo, ioi, ki, ii, ji; ii
    unrolled, ji vectorized, ioo parallel, C kept in place; A packed per MC x KC
    block inside the parallel loop; the next tile of C prefetched, k unrolled."""
    target = Target(spec)
    M, N, K = 96, 96, 128       # mr (8, or 4 and 6 with AVX2) divides M, nr divides N
    s, args = topi.generic.gotoblas_gemm(M, N, K, target=target, tile=tile, threads=2,
                                         prefetch=prefetch, k_unroll=k_unroll)
    mr, nr = tile or topi.generic.gotoblas_tile(target)
    assert (mr, nr) == tile or (mr, nr) == (target.vector_registers // 4,
                                            2 * target.vector_lanes("float32"))
    assert ("prefetch" in str(te.lower(s, args))) == prefetch
    unrolled = "unrolled (k.inner.inner, 0, 8)" in loop_nest_text(s)
    assert unrolled == (k_unroll is None)          # KC (128 here) is a multiple of 8
    f = te.build(s, args, target=target)
    rng = np.random.default_rng(0)
    a, b = rng.random((M, K), dtype="float32"), rng.random((K, N), dtype="float32")
    c = np.full((M, N), np.nan, "float32")
    f(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-4)


def test_gotoblas_gemm_refuses_sizes_its_tile_does_not_divide():
    with pytest.raises(te.errors.ArgumentValueError, match=r"8 x 32 register tile must divide "
                                                           r"C's 100 x 64"):
        topi.generic.gotoblas_gemm(100, 64, 64, target=AVX512)
    with pytest.raises(te.errors.ArgumentValueError, match=r"k_unroll=3 \(dividing KC\)"):
        topi.generic.gotoblas_gemm(64, 64, 64, target=AVX512, k_unroll=3)
