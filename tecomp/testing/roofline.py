"""The roofline of this machine, measured on the spot by two small tecomp kernels.

A kernel that does ``F`` floating-point operations and must move ``B`` bytes
to or from memory has *arithmetic intensity* ``I = F / B``. It cannot run
faster than ``min(peak, bandwidth * I)``: the roofline (Williams, Waterman and
Patterson, 2009). Nothing here is hard-coded for one machine:

- **peak**: a kernel of independent multiply-adds on values held in registers
  (a small local accumulator tile, one broadcast load per step), vector width
  from the target, all cores (and one);
- **bandwidth**: a parallel, vectorized copy of an array much larger than the
  caches, counting the bytes read plus the bytes written.

Both are timed with :func:`tecomp.testing.benchmark`, taking the fastest sample
(a roof is what the machine *can* do; other processes only slow it down). They
are still lower bounds of the hardware: a tuned assembly loop may reach more.
"""

from dataclasses import dataclass

import numpy as np

from .. import te
from ..build import build
from ..target import Target
from .benchmark import benchmark


@dataclass(frozen=True)
class Roofline:
    """``peak_gflops`` (GFLOP/s) and ``bandwidth_gbs`` (GB/s) of one machine."""
    peak_gflops: float
    bandwidth_gbs: float
    lanes: int
    notes: tuple = ()

    @property
    def ridge(self):
        """The intensity (FLOP/byte) where the memory roof meets the compute roof."""
        return self.peak_gflops / self.bandwidth_gbs

    def attainable(self, intensity):
        """The roofline's bound (GFLOP/s) at ``intensity`` FLOP/byte."""
        return min(self.peak_gflops, self.bandwidth_gbs * intensity)


def vector_lanes(target="llvm", dtype="float32"):
    """SIMD lanes of ``dtype`` in the target's widest vector registers
    (:meth:`tecomp.target.Target.vector_lanes`)."""
    return Target.create(target).vector_lanes(dtype)


def fma_kernel(tiles, rows, lanes, depth, parallel=True):
    """``Y[t, c, l] = sum_r X[t, c, l] * W[r]``: per tile, ``rows x lanes``
    accumulators stay in registers while ``r`` runs ``depth`` steps; each step
    loads one ``W[r]`` and does ``rows`` vector multiply-adds."""
    X = te.placeholder((tiles, rows, lanes), name="X")
    W = te.placeholder((depth,), name="W")
    r = te.reduce_axis((0, depth), name="r")
    Y = te.compute((tiles, rows, lanes), lambda t, c, l: te.sum(X[t, c, l] * W[r], axis=r),
                   name="Y")
    s = te.create_schedule(Y.op)
    YL = s.cache_write(Y, "local")
    t, c, l = s[Y].op.axis
    if parallel:
        s[Y].parallel(t)
    s[Y].vectorize(l)
    s[YL].compute_at(s[Y], t)
    _, cl, ll = s[YL].op.axis
    (rl,) = s[YL].op.reduce_axis
    s[YL].reorder(rl, cl, ll)
    s[YL].unroll(cl)
    s[YL].vectorize(ll)
    return s, [X, W, Y]


def copy_kernel(n, lanes, parallel=True):
    """``Y[i] = X[i]``, vectorized, blocks of it on all cores (or one)."""
    X = te.placeholder((n,), name="X")
    Y = te.compute((n,), lambda i: X[i], name="Y")
    s = te.create_schedule(Y.op)
    outer, inner = s[Y].split(Y.op.axis[0], factor=lanes * 64)
    vo, vi = s[Y].split(inner, factor=lanes)
    if parallel:
        s[Y].parallel(outer)
    s[Y].vectorize(vi)
    return s, [X, Y]


def measure_roofline(target="llvm", quick=False, repeat=None):
    """Measure this machine's roofline with tecomp kernels built for ``target``
    (a CPU target). ``quick`` uses small sizes: the copy then fits in the cache
    and overstates the memory bandwidth (noted in ``notes``).

    Each kernel runs on all cores and on one; the roof is the faster. On a busy
    machine a parallel loop waits for its slowest thread, which may not get a
    core for milliseconds: the all-core figure then falls below one core's, and
    ``notes`` says so."""
    repeat = repeat or (8 if quick else 15)
    lanes = vector_lanes(target)
    rows, depth, tiles = 8, 1024 if quick else 8192, 64
    x = np.random.default_rng(0).random((tiles, rows, lanes), dtype="float32")
    w = np.full(depth, 1e-4, "float32")
    flops = 2.0 * tiles * rows * lanes * depth
    n = (1 << 18) if quick else (1 << 24)          # 1 MB or 64 MB per array
    a, b = np.random.default_rng(1).random(n, dtype="float32"), np.empty(n, "float32")
    peak, bandwidth = {}, {}
    for parallel in (True, False):
        s, args = fma_kernel(tiles, rows, lanes, depth, parallel)
        fma = build(s, args, target=target, name="roofline_fma")
        y = np.empty_like(x)
        fma(x, w, y)
        np.testing.assert_allclose(y, x * w.sum(dtype="float64"), rtol=1e-3)
        peak[parallel] = flops / _fastest(fma, (x, w, y), repeat) / 1e9
        s, args = copy_kernel(n, lanes, parallel)
        copy = build(s, args, target=target, name="roofline_copy")
        copy(a, b)
        np.testing.assert_array_equal(a, b)
        bandwidth[parallel] = 2.0 * a.nbytes / _fastest(copy, (a, b), repeat) / 1e9
    notes = []
    if quick:
        notes.append("quick: the copy fits in the caches, so the bandwidth is the cache's")
    if peak[True] < peak[False]:
        notes.append(f"all cores reached only {peak[True]:.1f} GFLOP/s, below one core's "
                     f"{peak[False]:.1f}: other processes kept cores busy; the roof is one core's")
    return Roofline(max(peak.values()), max(bandwidth.values()), lanes, tuple(notes))


def _fastest(fn, args, repeat):
    """The fastest of many single calls: the likeliest to have run undisturbed."""
    return min(benchmark(fn, *args, repeat=repeat, number=1, warn=False).samples)


__all__ = ["Roofline", "measure_roofline", "vector_lanes", "fma_kernel", "copy_kernel"]
