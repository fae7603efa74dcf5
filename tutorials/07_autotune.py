"""Tutorial 07: let the machine choose the schedule (AutoTVM-style tuning).

Tutorial 02 chose the GEMM's register tile by reasoning about one machine's
vector registers; topi's default schedules derive theirs from the target. Both
are guesses. Here a *template* declares the choices (knobs) instead of making
them, a tuner measures configurations on this machine, and the best one is
applied from a log -- the workflow of TVM's ``autotvm`` tutorials:

1. a template: the schedule with ``cfg.define_knob`` / ``cfg.define_split``;
2. a task: the template with its arguments (shapes) and target;
3. a tuner (model-based ``XGBTuner`` when xgboost is installed, else random)
   measuring candidates in child processes, logging each to a JSON-lines file;
4. ``apply_history_best(log)``: the template, run again, builds the winner.

It tunes the GEMM of tutorial 02 and the 3x3 convolution of a ResNet layer,
then compares, in one table and one run: numpy, the untuned default schedule,
(for the GEMM) tutorial 02's hand-written micro-kernel, and the tuned schedule.
With matplotlib (``pip install 'tecomp[plot]'``) it also draws each tuning
history. ``--quick`` tunes tiny problems for a few trials (the test suite runs it).
"""

import argparse
import functools
import importlib.util
import os
import pathlib
import statistics
import tempfile
import time

import numpy as np

import tecomp as te
from tecomp import autotvm, topi


def current_target():
    return te.Target.current(allow_none=True) or te.Target.current_host()


# ---------------------------------------------------------------- 1. templates

@autotvm.template("tutorial07/gemm")
def gemm(M, N, K):
    """Tutorial 02's step 8 with its sizes left open: an MR x NR block of C in
    vector registers for the whole k loop, B packed in NR-wide panels."""
    cfg = autotvm.get_config()
    lanes = current_target().vector_lanes("float32")
    cfg.define_knob("nr_vectors", [v for v in (1, 2, 3, 4) if N % (v * lanes) == 0] or [1])
    cfg.define_knob("mr", [r for r in (2, 4, 6, 8, 12, 16) if M % r == 0] or [1])
    cfg.define_knob("k_unroll", [1, 2, 4, 8])
    return _tutorial02().micro_kernel_schedule(
        M, N, K, MR=cfg["mr"].val, NR=min(cfg["nr_vectors"].val * lanes, N),
        KU=cfg["k_unroll"].val)


def conv2d_compute(batch, channels, size, filters, kernel):
    data = te.placeholder((batch, channels, size, size), name="data")
    weight = te.placeholder((filters, channels, kernel, kernel), name="weight")
    out = topi.nn.conv2d_nchw(data, weight, 1, kernel // 2)
    return data, weight, out


@autotvm.template("tutorial07/conv2d")
def conv2d(batch, channels, size, filters, kernel):
    """A register tile of FT output channels x NV vectors of output columns,
    accumulated over the whole reduction; the padded input rows of one output
    row are computed at that row. The knobs: FT, the vector width, NV, and
    whether the input channels loop outside or inside the kernel window."""
    cfg = autotvm.get_config()
    lanes = current_target().vector_lanes("float32")
    data, weight, out = conv2d_compute(batch, channels, size, filters, kernel)
    width = size
    # vectors as wide as the target's, or the widest that divide a row (14 of 56 lanes)
    cfg.define_knob("vector", [v for v in range(lanes, 3, -1) if width % v == 0][:2] or [width])
    cfg.define_knob("nvec", [1, 2, 4, 7])
    cfg.define_knob("ftile", [f for f in (1, 2, 4, 8, 16) if filters % f == 0])
    cfg.define_knob("channels_outside", [True, False])
    vector, nvec, ftile = cfg["vector"].val, cfg["nvec"].val, cfg["ftile"].val
    if (width // vector) % nvec:
        cfg.raise_error(f"{nvec} vectors of {vector} do not tile a row of {width}")

    s = te.create_schedule(out.op)
    pad = out.op.input_tensors[0].op
    cache = s.cache_write(out, "local")
    n, f, y, x = s[out].op.axis
    fo, fi = s[out].split(f, factor=ftile)
    xo, xi = s[out].split(x, factor=vector * nvec)
    s[out].reorder(n, y, fo, xo, fi, xi)
    _, xv = s[out].split(xi, factor=vector)
    s[out].vectorize(xv)
    s[cache].compute_at(s[out], xo)
    cn, cf, cy, cx = s[cache].op.axis
    rc, ry, rx = s[cache].op.reduce_axis
    cxo, cxi = s[cache].split(cx, factor=vector)
    window = (rc, ry, rx) if cfg["channels_outside"].val else (ry, rx, rc)
    s[cache].reorder(cn, cy, *window, cf, cxo, cxi)
    s[cache].unroll(cf)
    s[cache].unroll(cxo)
    s[cache].vectorize(cxi)
    row = s[out].fuse(n, y)
    s[pad].compute_at(s[out], row)
    s[out].parallel(row)
    return s, [data, weight, out]


# ---------------------------------------------------------------- helpers


def tune(task, trials, log, quick):
    """Measure up to ``trials`` configurations of ``task``, each logged to ``log``."""
    if importlib.util.find_spec("xgboost") and not quick:
        tuner = autotvm.tuner.XGBTuner(task, plan_size=min(32, trials), seed=0)
    else:
        tuner = autotvm.tuner.RandomTuner(task, seed=0)
    runner = autotvm.LocalRunner(number=2 if quick else 4, repeat=3,
                                 min_repeat_ms=5 if quick else 100, timeout=60)
    option = autotvm.measure_option(builder=autotvm.LocalBuilder(timeout=60), runner=runner)
    start = time.perf_counter()
    tuner.tune(n_trial=min(trials, len(task.config_space)), measure_option=option,
               callbacks=[autotvm.callback.progress_bar(min(trials, len(task.config_space)),
                                                        prefix=task.name),
                          autotvm.callback.log_to_file(log)])
    print(f"[ok] tuned {task.name}: {len(tuner.trials)} measurements "
          f"({len(task.config_space)} configurations in the space), "
          f"{time.perf_counter() - start:.0f} s; best {tuner.best_config}")
    return tuner


def interleaved_gflops(flop, runs, rounds):
    """GFLOP/s of each ``name: callable`` in ``runs``, timed round-robin (each round
    runs every candidate once) so a noisy machine slows them all alike; medians."""
    samples = {name: [] for name in runs}
    for fn in runs.values():
        fn()
    for _ in range(rounds):
        for name, fn in runs.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {name: flop / statistics.median(t) / 1e9 for name, t in samples.items()}


def im2col_conv(a, w):
    """numpy's convolution: the input windows as a matrix (im2col), times BLAS."""
    n, c, h, width = a.shape
    f, _, kh, kw = w.shape
    padded = np.pad(a, ((0, 0), (0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kh, kw), axis=(2, 3))
    cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * h * width, c * kh * kw)
    return (cols @ w.reshape(f, -1).T).reshape(n, h, width, f).transpose(0, 3, 1, 2)


def check(f, args, expected, rtol=1e-4):
    f(*args)
    np.testing.assert_allclose(args[-1], expected, rtol=rtol, atol=1e-3)


def plot(log, flop, title, folder):
    try:
        path = autotvm.plot_history(log, os.path.join(folder, pathlib.Path(log).stem + ".png"),
                                    title=title, flop=flop)
    except te.TecompError as exc:   # matplotlib missing: say how to get the picture
        print(f"(no picture: {exc})")
        return None
    print(f"[ok] tuning history drawn: {path}")
    return path


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--size", type=int, default=1024, help="GEMM size (M = N = K)")
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "tecomp_tutorial07"),
                        help="folder for the tuning logs and images")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    size = 64 if args.quick else args.size
    conv_shape = (1, 8, 16, 16, 3) if args.quick else (1, 64, 56, 64, 3)
    trials = 4 if args.quick else args.trials
    rounds = 3 if args.quick else 11
    rng = np.random.default_rng(0)
    target = current_target()
    print(f"target: {target.cpu}, {target.vector_bits}-bit vectors "
          f"({target.vector_lanes()} float32 lanes), {target.vector_registers} vector registers, "
          f"{os.cpu_count()} cores")
    rows = []

    # --- GEMM --------------------------------------------------------------
    gemm_log = os.path.join(args.out, "gemm.log")
    if os.path.exists(gemm_log):
        os.remove(gemm_log)
    task = autotvm.task.create("tutorial07/gemm", args=(size, size, size), target=target)
    print(task.config_space)
    tune(task, trials, gemm_log, args.quick)
    a = rng.random((size, size), dtype="float32")
    b = rng.random((size, size), dtype="float32")
    c = np.empty((size, size), "float32")
    expected = a @ b
    with autotvm.apply_history_best(gemm_log):
        tuned = te.build(*gemm(size, size, size))
    hand = _tutorial02().micro_kernel_schedule(size, size, size)
    handmade = te.build(*hand)
    A = te.placeholder((size, size), name="A")
    B = te.placeholder((size, size), name="B")
    default_out = topi.matmul(A, B)
    default = te.build(topi.generic.schedule_matmul(default_out), [A, B, default_out])
    for f in (tuned, handmade, default):
        check(f, (a, b, c), expected)
    figures = interleaved_gflops(2 * size ** 3, {
        "numpy (BLAS)": lambda: np.matmul(a, b, out=c),
        "topi default schedule": lambda: default(a, b, c),
        "tutorial 02 micro-kernel": lambda: handmade(a, b, c),
        "tuned": lambda: tuned(a, b, c)}, rounds)
    rows += [(f"GEMM {size}^3", name, g, g / figures["numpy (BLAS)"]) for name, g in figures.items()]
    gemm_png = plot(gemm_log, task.flop, f"GEMM {size}^3 on {target.cpu}", args.out)

    # --- conv2d ------------------------------------------------------------
    conv_log = os.path.join(args.out, "conv2d.log")
    if os.path.exists(conv_log):
        os.remove(conv_log)
    batch, channels, hw, filters, kernel = conv_shape
    task = autotvm.task.create("tutorial07/conv2d", args=conv_shape, target=target)
    print(task.config_space)
    tune(task, trials, conv_log, args.quick)
    x = rng.random((batch, channels, hw, hw), dtype="float32")
    w = rng.random((filters, channels, kernel, kernel), dtype="float32")
    y = np.empty((batch, filters, hw, hw), "float32")
    expected = im2col_conv(x, w)
    with autotvm.apply_history_best(conv_log):
        tuned = te.build(*conv2d(*conv_shape))
    data, weight, out = conv2d_compute(*conv_shape)
    default = te.build(topi.generic.schedule_conv2d_nchw(out), [data, weight, out])
    for f in (tuned, default):
        check(f, (x, w, y), expected)
    flop = 2 * batch * filters * hw * hw * channels * kernel * kernel
    figures = interleaved_gflops(flop, {
        "numpy (im2col + BLAS)": lambda: im2col_conv(x, w),
        "topi default schedule": lambda: default(x, w, y),
        "tuned": lambda: tuned(x, w, y)}, rounds)
    label = f"conv2d {channels}->{filters} {hw}x{hw} {kernel}x{kernel}"
    rows += [(label, name, g, g / figures["numpy (im2col + BLAS)"]) for name, g in figures.items()]
    conv_png = plot(conv_log, task.flop, f"{label} on {target.cpu}", args.out)

    print(f"\n{'problem':<28} {'schedule':<28} {'GFLOP/s':>9} {'x numpy':>8}")
    for problem, name, g, ratio in rows:
        print(f"{problem:<28} {name:<28} {g:9.1f} {ratio:8.2f}")
    print("(one run, candidates timed in interleaved rounds; medians. The machine is "
          "shared: compare ratios, not absolute figures.)")
    print(f"[ok] logs{' and images' if gemm_png or conv_png else ''} in {os.path.abspath(args.out)}")


@functools.lru_cache(maxsize=None)
def _tutorial02():
    """Tutorial 02's module, for its micro-kernel schedule."""
    path = pathlib.Path(__file__).with_name("02_optimize_gemm_cpu.py")
    spec = importlib.util.spec_from_file_location("tutorial02", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    main()
