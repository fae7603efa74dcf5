"""conv2d NCHW float32, batch 1, 64->64 channels, 56x56, 3x3, stride 1, pad 1: two
tecomp schedules vs numpy im2col + matmul, timed interleaved (round-robin medians).

- packed: weights re-laid out ``[CO/VC][CI][KH][KW][VC]``, a register tile of VC
  output channels (vectors) x XT columns, padding computed at the tile, the result
  unpacked to NCHW;
- topi default: ``topi.nn.conv2d_nchw`` under ``topi.generic.schedule_conv2d_nchw``
  (NCHW kept: a tile of output channels x vectors of output columns).

On the 2-core Zen4 development machine the topi default reaches ~170-215 GFLOP/s
and the packed schedule ~80-180 (numpy ~55-130), against an FMA peak of ~230
GFLOP/s there (a C loop of independent 256-bit FMAs: ~115 per core), so the
default is within ~10% of what the machine can do.

python benchmarks/conv2d.py [--quick] [--print]
"""

import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from common import median_seconds, parse, report  # noqa: E402

import tecomp as te  # noqa: E402
from tecomp import topi  # noqa: E402

KH = KW = 3


def packed_schedule(CI, CO, H, W, VC, XT):
    """The packed schedule (also run on TVM by peers.py): VC output channels per
    register tile (1-2 vectors), XT output columns (14: slower, spills)."""
    X = te.placeholder((1, CI, H, W), name="X")
    Wt = te.placeholder((CO, CI, KH, KW), name="W")
    pad = te.compute((1, CI, H + 2, W + 2),
                     lambda n, c, y, x: te.if_then_else(te.all(y >= 1, y <= H, x >= 1, x <= W),
                                                        X[n, c, y - 1, x - 1], 0.0), name="pad")
    # Weights re-laid out so VC output channels are contiguous: [CO/VC][CI][KH][KW][VC].
    packW = te.compute((CO // VC, CI, KH, KW, VC),
                       lambda o, c, h, w, v: Wt[o * VC + v, c, h, w], name="packW")
    rc = te.reduce_axis((0, CI), name="rc")
    ry = te.reduce_axis((0, KH), name="ry")
    rx = te.reduce_axis((0, KW), name="rx")
    out = te.compute((1, CO // VC, H, W, VC),
                     lambda n, o, y, x, v: te.sum(pad[n, rc, y + ry, x + rx]
                                                  * packW[o, rc, ry, rx, v], axis=[rc, ry, rx]),
                     name="conv")
    Y = te.compute((1, CO, H, W), lambda n, c, y, x: out[n, c // VC, y, x, c % VC], name="Y")

    s = te.create_schedule(Y.op)
    cache = s.cache_write(out, "local")
    n, o, y, x, v = s[out].op.axis
    xo, xi = s[out].split(x, factor=XT)
    s[out].reorder(n, o, y, xo, xi, v)
    s[out].vectorize(v)
    s[cache].compute_at(s[out], xo)
    _, _, _, xc, vc = s[cache].op.axis
    rc_, ry_, rx_ = s[cache].op.reduce_axis
    s[cache].reorder(rc_, ry_, rx_, xc, vc)
    s[cache].unroll(xc)
    s[cache].vectorize(vc)
    fused = s[out].fuse(o, y)
    s[pad].compute_at(s[out], fused)
    s[out].parallel(fused)
    s[packW].vectorize(s[packW].op.axis[4])
    _, px = s[pad].split(s[pad].op.axis[3], factor=16)   # padding rows as masked vector loads
    s[pad].vectorize(px)
    return s, [X, Wt, Y]


def topi_default(CI, CO, H, W):
    X = te.placeholder((1, CI, H, W), name="X")
    Wt = te.placeholder((CO, CI, KH, KW), name="W")
    Y = topi.nn.conv2d_nchw(X, Wt, 1, 1)
    return topi.generic.schedule_conv2d_nchw(Y), [X, Wt, Y]


def numpy_conv(x_np, w_np):
    """conv2d by im2col and one matmul (numpy's BLAS)."""
    CO, CI = w_np.shape[:2]
    H, W = x_np.shape[2:]
    padded = np.pad(x_np[0], ((0, 0), (1, 1), (1, 1)))
    cols = np.lib.stride_tricks.sliding_window_view(padded, (KH, KW), axis=(1, 2))
    cols = cols.transpose(0, 3, 4, 1, 2).reshape(CI * KH * KW, H * W)
    return (w_np.reshape(CO, -1) @ cols).reshape(1, CO, H, W)


def main():
    args = parse(__doc__)
    CI = CO = 16 if args.quick else 64
    H = W = 14 if args.quick else 56
    VC = 16 if args.quick else 32
    XT = 7 if args.quick else 8
    rng = np.random.default_rng(0)
    x_np = rng.random((1, CI, H, W), dtype="float32")
    w_np = rng.random((CO, CI, KH, KW), dtype="float32")
    y_np = np.empty((1, CO, H, W), "float32")
    kernels = {}
    for name, (s, params) in (
            (f"conv2d tecomp packed ({VC}ch x {XT}col)", packed_schedule(CI, CO, H, W, VC, XT)),
            ("conv2d tecomp topi default (NCHW)", topi_default(CI, CO, H, W))):
        if args.print:
            print(te.lower(s, params, name="conv2d"))
        f = te.build(s, params, name="conv2d")
        f(x_np, w_np, y_np)
        np.testing.assert_allclose(y_np, numpy_conv(x_np, w_np), rtol=1e-4)
        kernels[name] = lambda f=f: f(x_np, w_np, y_np)
    kernels["conv2d numpy im2col+matmul"] = lambda: numpy_conv(x_np, w_np)

    flops = 2 * CO * CI * KH * KW * H * W
    samples = {name: [] for name in kernels}
    for _ in range(3):   # rounds, each kernel once per round: drift hits all alike
        for name, fn in kernels.items():
            samples[name].append(median_seconds(fn, args.repeat))
    rate = {name: flops / float(np.median(t)) / 1e9 for name, t in samples.items()}
    ref = rate["conv2d numpy im2col+matmul"]
    report([(name, r, ref) for name, r in rate.items()], "GFLOP/s")


if __name__ == "__main__":
    main()
