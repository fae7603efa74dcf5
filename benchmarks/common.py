"""Shared timing for the benchmarks: medians of repeated runs, side by side."""

import argparse
import importlib.util
import os
import pathlib
import sys
import time

import numpy as np


def parse(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small sizes, few repetitions")
    parser.add_argument("--repeat", type=int, default=7, help="repetitions (median reported)")
    parser.add_argument("--print", action="store_true", help="print the lowered IR")
    args = parser.parse_args()
    if args.quick:
        args.repeat = 3
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if os.environ.get(name):
            print(f"note: {name} is set and may slow numpy; unset it for this command")
    return args


def gemm_tutorial():
    """tutorials/02_optimize_gemm_cpu.py as a module (its schedules), imported with
    tutorials/ on the path for the ``plots`` module it imports."""
    tutorials = pathlib.Path(__file__).resolve().parent.parent / "tutorials"
    if str(tutorials) not in sys.path:
        sys.path.insert(0, str(tutorials))
    spec = importlib.util.spec_from_file_location("gemm_tutorial",
                                                  tutorials / "02_optimize_gemm_cpu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def median_seconds(fn, repeat, min_sample=0.05):
    """Median seconds per call over ``repeat`` samples; each sample loops enough
    calls to last ``min_sample`` seconds, so short kernels are not timer noise."""
    fn()
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-9)
    number = max(1, int(min_sample / once))
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return float(np.median(times))


def interleaved_seconds(fns, rounds, min_sample=0.05):
    """Median seconds per call of each of ``fns`` (a list of callables), timed in
    ``rounds`` round-robin samples, so drift of a shared machine hits them alike."""
    numbers = []
    for fn in fns:
        fn()
        start = time.perf_counter()
        fn()
        numbers.append(max(1, int(min_sample / max(time.perf_counter() - start, 1e-9))))
    times = [[] for _ in fns]
    for _ in range(rounds):
        for fn, number, samples in zip(fns, numbers, times):
            start = time.perf_counter()
            for _ in range(number):
                fn()
            samples.append((time.perf_counter() - start) / number)
    return [float(np.median(t)) for t in times]


def report(rows, unit):
    """rows: (name, value, reference value or None); higher is better."""
    print(f"{'case':<40} {unit:>10} {'vs numpy':>9}")
    for name, value, ref in rows:
        ratio = f"{value / ref:8.2f}x" if ref else ""
        print(f"{name:<40} {value:10.1f} {ratio:>9}")
