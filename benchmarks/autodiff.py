"""Backward passes from te.gradient against their forward op, in one run: dense
1024x1024x1024 (gradients w.r.t. data and weight) and conv2d NCHW 64->64, 56x56,
3x3, stride 1, pad 1 (w.r.t. data and weight), all under topi's default CPU
schedule (``topi.generic.schedule_auto``). Each gradient does the forward's
FLOPs (2*M*N*K, 2*N*CO*H*W*CI*KH*KW); GFLOP/s are reported beside the
forward's and as a ratio (the issue asks for >= 0.5).

python benchmarks/autodiff.py [--quick] [--print]
"""

import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from common import median_seconds, parse  # noqa: E402

import tecomp as te  # noqa: E402
from tecomp import topi  # noqa: E402

args = parse(__doc__)
M = 128 if args.quick else 1024
C, HW = (16, 14) if args.quick else (64, 56)
rng = np.random.default_rng(0)


def shape_of(t):
    return tuple(int(d) for d in t.shape)


def timed(outs, inputs, name):
    """Build ``outs`` under the default schedule; returns seconds per call."""
    outs = outs if isinstance(outs, list) else [outs]
    s = topi.generic.schedule_auto(outs)
    if args.print:
        print(te.lower(s, inputs + outs, name=name))
    f = te.build(s, inputs + outs, name=name)
    arrays = [rng.standard_normal(shape_of(t)).astype(t.dtype) for t in inputs]
    results = [np.zeros(shape_of(t), t.dtype) for t in outs]
    return median_seconds(lambda: f(*arrays, *results), args.repeat)


def case(title, forward, inputs, flops):
    head = te.placeholder(forward.shape, name="head")
    grads = te.gradient(forward, inputs, head=head)
    rows = [("forward", timed(forward, inputs, "forward"))]
    for x, g in zip(inputs, grads):
        rows.append((f"d/d{x.name}", timed(g, inputs + [head], f"grad_{x.name}")))
    base = flops / rows[0][1] / 1e9
    print(f"\n{title}")
    for name, seconds in rows:
        rate = flops / seconds / 1e9
        print(f"  {name:<10} {seconds * 1e3:9.2f} ms {rate:8.1f} GFLOP/s {rate / base:6.2f}x forward")


X = te.placeholder((M, M), name="X")
W = te.placeholder((M, M), name="W")
case(f"dense {M}x{M}x{M}", topi.nn.dense(X, W), [X, W], 2 * M ** 3)
D = te.placeholder((1, C, HW, HW), name="D")
K = te.placeholder((C, C, 3, 3), name="K")
case(f"conv2d {C}->{C}, {HW}x{HW}, 3x3, stride 1, pad 1", topi.nn.conv2d(D, K, 1, 1, 1), [D, K],
     2 * C * C * HW * HW * 9)
