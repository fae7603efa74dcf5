"""Each topi operator, with its default CPU schedule, against numpy.

Prints, per operator, the median time of >= 7 runs of the compiled kernel and of
the numpy equivalent (each timed in 3 alternating rounds, the median of the
rounds' medians), and their ratio (> 1: tecomp is faster). Checks every
result against numpy first. Run::

    python benchmarks/topi_ops.py            # full sizes
    python benchmarks/topi_ops.py --quick    # small sizes, a few seconds
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np

import tecomp as te
from tecomp import topi


def median_seconds(fn, reps, min_seconds=0.02):
    fn()
    number = 1
    while True:   # calls per sample, so each sample is long enough to time
        start = time.perf_counter()
        for _ in range(number):
            fn()
        if time.perf_counter() - start >= min_seconds or number >= 1 << 16:
            break
        number *= 2
    samples = []
    for _ in range(reps):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return statistics.median(samples)


def softmax_np(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def conv2d_np(x, w, pad):
    """im2col + one BLAS matmul (stride 1): numpy's fastest simple convolution."""
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = h + 2 * pad - kh + 1, wd + 2 * pad - kw + 1
    cols = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, :oh, :ow]
    cols = cols.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * kh * kw)
    return (cols @ w.reshape(f, -1).T).reshape(n, oh, ow, f).transpose(0, 3, 1, 2)


def max_pool_np(x, k):
    n, c, h, w = x.shape
    return x[:, :, :h // k * k, :w // k * k].reshape(n, c, h // k, k, w // k, k).max(axis=(3, 5))


def cases(quick):
    s = 1 if quick else 4
    n = 256 * s
    rows, cols = (64, 100) if quick else (1024, 1000)
    img = 16 if quick else 56
    chan = 8 if quick else 64
    yield ("add (broadcast)", [(n * 4, n), (n,)],
           lambda A, B: topi.add(A, B), lambda a, b: a + b)
    yield ("relu", [(n * 4, n)], topi.nn.relu, lambda a: np.maximum(a, 0))
    yield ("sum axis=1", [(n * 4, n)], lambda A: topi.sum(A, axis=1), lambda a: a.sum(axis=1))
    yield ("sum axis=0", [(n * 4, n)], lambda A: topi.sum(A, axis=0), lambda a: a.sum(axis=0))
    yield ("max axis=1", [(n * 4, n)], lambda A: topi.max(A, axis=1), lambda a: a.max(axis=1))
    yield ("broadcast_to", [(n, 1)], lambda A: topi.broadcast_to(A, (n, n)),
           lambda a: np.broadcast_to(a, (n, n)).copy())
    yield ("matmul", [(n, n), (n, n)], topi.matmul, lambda a, b: a @ b)
    yield ("matmul (A^T B^T)", [(n, n), (n, n)],
           lambda A, B: topi.matmul(A, B, True, True), lambda a, b: a.T @ b.T)
    yield ("dense", [(rows, 784 if not quick else 100), (256 if not quick else 32,
                                                         784 if not quick else 100)],
           topi.nn.dense, lambda x, w: x @ w.T)
    yield ("conv2d 3x3 pad 1", [(1, chan, img, img), (chan, chan, 3, 3)],
           lambda X, W: topi.nn.conv2d_nchw(X, W, 1, 1), lambda x, w: conv2d_np(x, w, 1))
    yield ("max_pool2d 2x2", [(1, chan, img * 2, img * 2)], lambda X: topi.nn.max_pool2d(X, 2, 2),
           lambda x: max_pool_np(x, 2))
    yield ("avg_pool2d 2x2", [(1, chan, img * 2, img * 2)], lambda X: topi.nn.avg_pool2d(X, 2, 2),
           lambda x: max_pool_np(x, 1).reshape(x.shape[0], x.shape[1], img, 2, img, 2)
           .mean(axis=(3, 5)))
    yield ("softmax", [(rows, cols)], topi.nn.softmax, softmax_np)
    yield ("log_softmax", [(rows, cols)], topi.nn.log_softmax, lambda x: np.log(softmax_np(x)))
    yield ("softmax_cross_entropy", [(rows, cols), (rows, cols)], topi.nn.softmax_cross_entropy,
           lambda x, y: np.mean(-np.sum(y * np.log(softmax_np(x)), axis=1), keepdims=True))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--reps", type=int, default=7, help="timed samples per kernel (>= 7)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating rounds of tecomp and numpy (median of the medians)")
    args = parser.parse_args()
    reps = max(args.reps, 7)
    rng = np.random.default_rng(0)
    threads = os.environ.get("TECOMP_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") \
        or os.cpu_count()
    print(f"topi vs numpy {np.__version__}; {threads} threads; median of {reps} samples x "
          f"{args.rounds} rounds")
    print(f"{'operator':<24}{'shapes':<30}{'tecomp ms':>11}{'numpy ms':>11}{'speedup':>9}")
    for name, shapes, build, reference in cases(args.quick):
        inputs = [te.placeholder(sh, name=f"in{k}") for k, sh in enumerate(shapes)]
        out = build(*inputs)
        func = te.build(topi.generic.schedule_auto(out), inputs + [out], name="op")
        arrays = [rng.standard_normal(sh).astype("float32") for sh in shapes]
        result = np.empty(topi.util.get_const_tuple(out.shape), out.dtype)
        func(*arrays, result)
        expected = reference(*arrays)
        np.testing.assert_allclose(result, expected, rtol=1e-3, atol=1e-3 * max(
            1.0, float(np.abs(expected).max())))
        ours, theirs = [], []
        for _ in range(args.rounds):   # interleaved, so drift of the machine hits both alike
            ours.append(median_seconds(lambda: func(*arrays, result), reps))
            theirs.append(median_seconds(lambda: reference(*arrays), reps))
        ours, theirs = statistics.median(ours), statistics.median(theirs)
        text = " ".join("x".join(map(str, sh)) for sh in shapes)
        print(f"{name:<24}{text:<30}{ours * 1e3:>11.3f}{theirs * 1e3:>11.3f}"
              f"{theirs / ours:>8.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
