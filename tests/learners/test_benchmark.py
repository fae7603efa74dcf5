"""tecomp.testing.benchmark: median and spread, and warnings for noisy timings."""

import itertools
import time

import numpy as np
import pytest

import tecomp as te
from tecomp.testing import BenchmarkWarning, benchmark
from tecomp.errors import ArgumentValueError
from tecomp.testing.benchmark import BenchmarkResult, other_cpu_fraction


def test_benchmark_times_a_built_function():
    n = 4096
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] * 2.0, name="B")
    f = te.build(te.create_schedule(B.op), [A, B])
    a, b = np.random.rand(n).astype("float32"), np.empty(n, "float32")
    r = benchmark(f, a, b, repeat=5, min_sample_s=0.001, warn=False)
    np.testing.assert_allclose(b, a * 2)
    assert len(r.samples) == 5 and r.number >= 1
    assert min(r.samples) <= r.median <= max(r.samples)
    assert "median of 5 samples" in str(r)


def test_number_counts_calls():
    calls = itertools.count()
    r = benchmark(lambda: next(calls), repeat=3, number=4, warn=False)
    assert next(calls) == 1 + 3 * 4          # one warm-up call, then 3 samples of 4
    assert r.number == 4


def test_large_spread_warns():
    delays = itertools.cycle([0.0005, 0.0005, 0.02])
    with pytest.warns(BenchmarkWarning, match="timing is noisy"):
        r = benchmark(lambda: time.sleep(next(delays)), repeat=6, number=1)
    assert r.noisy and r.spread > 0.1
    assert "warning: timing is noisy" in str(r)


def test_spread_is_the_relative_interquartile_range():
    r = BenchmarkResult([1.0, 1.0, 1.0, 1.0, 1.0], 1, 0.0, 0.1, 0.25)
    assert r.spread == 0 and not r.warnings
    r = BenchmarkResult([1.0, 2.0, 3.0, 4.0, 5.0], 1, 0.0, 0.1, 0.25)
    assert r.median == 3.0 and r.spread == pytest.approx((4.0 - 2.0) / 3.0)


def test_busy_machine_warns():
    r = BenchmarkResult([1.0] * 5, 1, 0.6, 0.1, 0.25)
    assert len(r.warnings) == 1 and "other processes used 60%" in r.warnings[0]


def test_other_cpu_fraction_subtracts_own_cpu_time():
    # 2 CPUs, 1 s of wall time: the machine was busy 1.5 s, 0.5 s of it ours.
    before, after = (10.0, 100.0, 3.0, None), (11.0, 101.5, 3.5, None)
    assert other_cpu_fraction(before, after, cpus=2) == pytest.approx(0.5)
    # Only our own work: nobody else.
    assert other_cpu_fraction((0.0, 0.0, 0.0, None), (1.0, 1.0, 1.0, None), cpus=2) == 0.0
    # No /proc/stat: the load average stands in.
    assert other_cpu_fraction((0.0, None, 0.0, None), (1.0, None, 1.0, 1.0), cpus=2) == 0.5


@pytest.mark.parametrize("kwargs, match", [({"repeat": 0}, "repeat must be a positive"),
                                           ({"number": 0}, "number must be a positive")])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ArgumentValueError, match=match):
        benchmark(lambda: None, **kwargs)
