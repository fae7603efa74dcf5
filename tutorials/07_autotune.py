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
A fair comparison gives numpy's BLAS and tecomp the same number of threads and
times the candidates in alternating rounds, each sample after a pause: OpenBLAS's
threads keep spinning for a while after a call and would otherwise slow the
tecomp kernel timed next (``tecomp.testing.interleaved``). topi's default conv2d
schedule and the conv2d template share one schedule function
(``topi.generic.conv2d_register_tile``): the default takes its sizes from the
target, the tuner searches them. With matplotlib (``pip install 'tecomp[plot]'``) it also draws each tuning
history. ``--quick`` tunes tiny problems for a few trials (the test suite runs it).
"""

import argparse
import functools
import importlib.util
import os
import pathlib
import tempfile
import time

import numpy as np

import tecomp as te
from tecomp import autotvm, topi
from tecomp.testing import interleaved, set_blas_threads


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
    """topi's register tile of the convolution (``conv2d_register_tile``: FT output
    channels x NV vectors of V output columns accumulated over the whole
    reduction, the padded input rows computed at each output row) with its sizes
    left open. The knobs: the output columns split into [rest, NV, V] (V from the
    target's vector width down to half of it), the output channels into [rest, FT],
    the order of the reduction loops, and whether the kernel columns are unrolled.
    topi's default schedule picks one point of this space from the target alone."""
    cfg = autotvm.get_config()
    fit = topi.generic.CpuFit(current_target())
    data, weight, out = conv2d_compute(batch, channels, size, filters, kernel)
    _, f, _, x = out.op.axis
    cfg.define_split("tile_x", x, num_outputs=3,
                     filter=lambda e: fit.lanes // 2 <= e.size[-1] <= fit.lanes and e.size[1] <= 8)
    cfg.define_split("tile_f", f, num_outputs=2, filter=lambda e: e.size[-1] <= fit.accumulators)
    cfg.define_knob("window", ["rc,ry,rx", "ry,rx,rc"])
    cfg.define_knob("unroll_kw", [False, True])
    _, nvec, vector = cfg["tile_x"].size
    ftile = cfg["tile_f"].size[-1]
    if nvec * ftile > fit.accumulators:
        cfg.raise_error(f"{ftile} x {nvec} accumulators exceed the target's {fit.accumulators}")
    s = te.create_schedule(out.op)
    topi.generic.conv2d_register_tile(
        s, out, vector, nvec, ftile, window=cfg["window"].val.split(","),
        pad=out.op.input_tensors[0].op, fit=fit, unroll_kw=cfg["unroll_kw"].val)
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


def compare(flop, runs, rounds, threads):
    """GFLOP/s of each ``name: callable`` in ``runs`` (median of ``rounds`` samples),
    with :func:`tecomp.testing.interleaved`: round-robin, so a load that comes and
    goes slows every candidate alike, and a pause before each sample, so numpy's
    BLAS threads (which spin for a while after each call) are asleep when a
    tecomp kernel starts. ``threads`` is the count both sides were given."""
    results = interleaved(runs, rounds=rounds, settle_s=0.2)
    return {name: flop / r.median / 1e9 for name, r in results.items()}


def same_threads(threads, modules):
    """Give numpy's BLAS and every tecomp module the same thread count; returns a
    line saying what each side got."""
    blas = set_blas_threads(threads)
    for module in modules:
        module.set_num_threads(threads)
    return (f"threads: {threads} for tecomp and " + (
        f"{threads} for numpy's OpenBLAS" if blas else "numpy's BLAS at its own default"
        " (not an OpenBLAS this tutorial can set)"))


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
    parser.add_argument("--only", choices=("gemm", "conv2d"), help="tune only this problem")
    parser.add_argument("--target", help="an LLVM target this host can run, e.g. "
                        "'llvm -mcpu=x86-64-v3' for AVX2 code on an AVX-512 host (default: the host)")
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "tecomp_tutorial07"),
                        help="folder for the tuning logs and images")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with te.Target(args.target) if args.target else current_target():
        run(args)


def run(args):
    trials = 4 if args.quick else args.trials
    rounds = 3 if args.quick else 11
    threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    target = current_target()
    print(f"target: {target.cpu}, {target.vector_bits}-bit vectors "
          f"({target.vector_lanes()} float32 lanes), {target.vector_registers} vector registers, "
          f"{os.cpu_count()} cores")
    rows = []
    if args.only in (None, "gemm"):
        rows += tune_gemm(64 if args.quick else args.size, trials, rounds, threads, args)
    if args.only in (None, "conv2d"):
        shape = (1, 8, 16, 16, 3) if args.quick else (1, 64, 56, 64, 3)
        rows += tune_conv2d(shape, trials, rounds, threads, args)
    print(f"\n{'problem':<28} {'schedule':<26} {'GFLOP/s':>8} {'x numpy':>8} {'x tuned':>8}")
    for problem, name, g, numpy_g, tuned_g in rows:
        print(f"{problem:<28} {name:<26} {g:8.1f} {g / numpy_g:8.2f} {g / tuned_g:8.2f}")
    print(f"(one run; every candidate on {threads} threads; timed in {rounds} interleaved "
          "rounds, each sample after a 0.2 s pause that lets the previous candidate's threads "
          "sleep; medians. On a shared machine compare ratios, not absolute figures.)")
    print(f"[ok] logs and any images in {os.path.abspath(args.out)}")


def tune_gemm(size, trials, rounds, threads, args):
    """Tune the GEMM template, then time numpy, topi's default, tutorial 02 and the
    winner side by side; returns the table's rows."""
    target = current_target()
    log = fresh_log(args.out, "gemm.log")
    task = autotvm.task.create("tutorial07/gemm", args=(size, size, size), target=target)
    print(task.config_space)
    tune(task, trials, log, args.quick)
    rng = np.random.default_rng(0)
    a = rng.random((size, size), dtype="float32")
    b = rng.random((size, size), dtype="float32")
    c = np.empty((size, size), "float32")
    expected = a @ b
    with autotvm.apply_history_best(log):
        tuned = te.build(*gemm(size, size, size), target=target)
    handmade = te.build(*_tutorial02().micro_kernel_schedule(size, size, size), target=target)
    A = te.placeholder((size, size), name="A")
    B = te.placeholder((size, size), name="B")
    default_out = topi.matmul(A, B)
    default = te.build(topi.generic.schedule_matmul(default_out), [A, B, default_out],
                       target=target)
    for f in (tuned, handmade, default):
        check(f, (a, b, c), expected)
    print(same_threads(threads, (tuned, handmade, default)))
    figures = compare(2 * size ** 3, {
        "numpy (BLAS)": lambda: np.matmul(a, b, out=c),
        "topi default schedule": lambda: default(a, b, c),
        "tutorial 02 micro-kernel": lambda: handmade(a, b, c),
        "tuned": lambda: tuned(a, b, c)}, rounds, threads)
    plot(log, task.flop, f"GEMM {size}^3 on {target.cpu}", args.out)
    return [(f"GEMM {size}^3", name, g, figures["numpy (BLAS)"], figures["tuned"])
            for name, g in figures.items()]


def tune_conv2d(shape, trials, rounds, threads, args):
    """Tune the conv2d template, then time numpy's im2col + BLAS, topi's default and
    the winner side by side; returns the table's rows."""
    target = current_target()
    log = fresh_log(args.out, "conv2d.log")
    batch, channels, hw, filters, kernel = shape
    task = autotvm.task.create("tutorial07/conv2d", args=shape, target=target)
    print(task.config_space)
    tune(task, trials, log, args.quick)
    rng = np.random.default_rng(0)
    x = rng.random((batch, channels, hw, hw), dtype="float32")
    w = rng.random((filters, channels, kernel, kernel), dtype="float32")
    y = np.empty((batch, filters, hw, hw), "float32")
    expected = im2col_conv(x, w)
    with autotvm.apply_history_best(log):
        tuned = te.build(*conv2d(*shape), target=target)
    data, weight, out = conv2d_compute(*shape)
    default = te.build(topi.generic.schedule_conv2d_nchw(out), [data, weight, out],
                       target=target)
    for f in (tuned, default):
        check(f, (x, w, y), expected)
    print(same_threads(threads, (tuned, default)))
    flop = 2 * batch * filters * hw * hw * channels * kernel * kernel
    figures = compare(flop, {
        "numpy (im2col + BLAS)": lambda: im2col_conv(x, w),
        "topi default schedule": lambda: default(x, w, y),
        "tuned": lambda: tuned(x, w, y)}, rounds, threads)
    label = f"conv2d {channels}->{filters} {hw}x{hw} {kernel}x{kernel}"
    plot(log, task.flop, f"{label} on {target.cpu}", args.out)
    return [(label, name, g, figures["numpy (im2col + BLAS)"], figures["tuned"])
            for name, g in figures.items()]


def fresh_log(folder, name):
    path = os.path.join(folder, name)
    if os.path.exists(path):
        os.remove(path)
    return path


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
