"""Backward passes from te.gradient against their forward op, in one run: dense
1024x1024x1024 (gradients w.r.t. data and weight) and conv2d NCHW 64->64, 56x56,
3x3, stride 1, pad 1 (w.r.t. data and weight), all under topi's default CPU
schedule (``topi.generic.schedule_auto``). Each gradient does the forward's
FLOPs (2*M*N*K, 2*N*CO*H*W*CI*KH*KW); GFLOP/s are reported beside the
forward's and as a ratio (the issue asks for >= 0.5). The forward and its
gradients are timed in interleaved rounds (median of ``--repeat`` rounds), and
every result is first checked against numpy.

python benchmarks/autodiff.py [--quick] [--print]
"""

import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from common import interleaved_seconds, parse  # noqa: E402

import tecomp as te  # noqa: E402
from tecomp import topi  # noqa: E402

args = parse(__doc__)
M = 128 if args.quick else 1024
C, HW = (16, 14) if args.quick else (64, 56)
rng = np.random.default_rng(0)
arrays = {}   # placeholder -> its random values


def shape_of(t):
    return tuple(int(d) for d in t.shape)


def built(outs, inputs, name):
    """``outs`` built under the default schedule, with random inputs: ``(call, results)``."""
    outs = outs if isinstance(outs, list) else [outs]
    s = topi.generic.schedule_auto(outs)
    if args.print:
        print(te.lower(s, inputs + outs, name=name))
    f = te.build(s, inputs + outs, name=name)
    results = [np.zeros(shape_of(t), t.dtype) for t in outs]
    return (lambda: f(*[arrays[t] for t in inputs], *results)), results[0]


def case(title, forward, inputs, flops, reference):
    """Time ``forward`` and its gradients w.r.t. ``inputs``; ``reference(arrays, head)``
    gives numpy's forward and gradients, which the results must match."""
    head = te.placeholder(forward.shape, name="head")
    grads = te.gradient(forward, inputs, head=head)
    for t in inputs + [head]:
        arrays[t] = rng.standard_normal(shape_of(t)).astype(t.dtype)
    names = ["forward"] + [f"d/d{x.name}" for x in inputs]
    runs = [built(forward, inputs, "forward")] + [
        built(g, inputs + [head], f"grad_{x.name}") for x, g in zip(inputs, grads)]
    expected = reference(*[arrays[t] for t in inputs], arrays[head])
    for name, (call, result), want in zip(names, runs, expected):
        call()
        np.testing.assert_allclose(result, want, rtol=1e-3, atol=1e-3 * float(np.abs(want).max()),
                                   err_msg=f"{title}: {name}")
    seconds = interleaved_seconds([call for call, _ in runs], args.repeat)
    base = flops / seconds[0] / 1e9
    print(f"\n{title}")
    for name, sec in zip(names, seconds):
        rate = flops / sec / 1e9
        print(f"  {name:<10} {sec * 1e3:9.2f} ms {rate:8.1f} GFLOP/s {rate / base:6.2f}x forward")


def dense_reference(x, w, h):
    return x @ w.T, h @ w, h.T @ x


def conv2d_reference(d, k, h):
    """Stride 1, pad 1: forward, data and weight gradients by shifted matrix products."""
    kh, kw = k.shape[2:]
    dp = np.pad(d, ((0, 0), (0, 0), (1, 1), (1, 1)))
    hp = np.pad(h, ((0, 0), (0, 0), (1, 1), (1, 1)))
    y, dd, dk = np.zeros_like(h), np.zeros_like(d), np.zeros_like(k)
    rows, cols = d.shape[2:]
    for ry in range(kh):
        for rx in range(kw):
            window = dp[0, :, ry:ry + rows, rx:rx + cols]
            y[0] += np.einsum("fc,cyx->fyx", k[:, :, ry, rx], window)
            dk[:, :, ry, rx] = np.einsum("fyx,cyx->fc", h[0], window)
            dd[0] += np.einsum("fc,fyx->cyx", k[:, :, kh - 1 - ry, kw - 1 - rx],
                               hp[0, :, ry:ry + rows, rx:rx + cols])
    return y, dd, dk


X = te.placeholder((M, M), name="X")
W = te.placeholder((M, M), name="W")
case(f"dense {M}x{M}x{M}", topi.nn.dense(X, W), [X, W], 2 * M ** 3, dense_reference)
D = te.placeholder((1, C, HW, HW), name="D")
K = te.placeholder((C, C, 3, 3), name="K")
case(f"conv2d {C}->{C}, {HW}x{HW}, 3x3, stride 1, pad 1", topi.nn.conv2d(D, K, 1, 1, 1), [D, K],
     2 * C * C * HW * HW * 9, conv2d_reference)
