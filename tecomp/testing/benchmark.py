"""``benchmark``: honest timing for learners (median, spread, and a word when
the numbers should not be trusted).

A single timing on a shared machine says little: another process may have
taken a core half-way through, or the clock may have ramped up. ``benchmark``
takes several samples, each long enough to dwarf the timer's resolution,
reports their median and spread, and warns when

- the spread is large (the relative interquartile range, ``(q3 - q1) / median``,
  exceeds ``spread_limit``), or
- other processes kept the CPUs busy during the measurement: the machine's busy
  CPU time (``/proc/stat``) minus this process's own CPU time, as a fraction of
  wall time times the number of CPUs, exceeds ``busy_limit``. Where
  ``/proc/stat`` does not exist the 1-minute load average stands in.

Example::

    r = benchmark(f, a, b, c)
    print(r)            # 1.234 ms ± 2.1% (median of 7 samples x 8 calls)
    r.median, r.spread, r.warnings

It is TVM's ``time_evaluator`` with a median instead of a mean and the warnings
added; ``mod.time_evaluator`` stays for TVM-era code.
"""

import os
import statistics
import time
import warnings

from ..errors import ArgumentValueError, BenchmarkWarning


class BenchmarkResult:
    """Seconds per call: ``median``, ``spread`` (relative interquartile range),
    ``samples`` (each the mean of ``number`` calls), ``busy`` (the fraction of
    the machine other processes used, or ``None`` if unknown), ``warnings``."""

    def __init__(self, samples, number, busy, spread_limit, busy_limit):
        self.samples = tuple(samples)
        self.number = number
        self.median = statistics.median(self.samples)
        self.spread = _relative_iqr(self.samples)
        self.busy = busy
        self.warnings = []
        if self.spread > spread_limit:
            self.warnings.append(
                f"timing is noisy: samples spread by {self.spread:.0%} around the median "
                f"(min {_format_seconds(min(self.samples))}, max "
                f"{_format_seconds(max(self.samples))}); rerun on a quieter machine")
        if busy is not None and busy > busy_limit:
            self.warnings.append(
                f"the machine was busy: other processes used {busy:.0%} of its CPU time "
                "during the measurement; timings may be slow and uneven")

    @property
    def mean(self):
        return statistics.fmean(self.samples)

    @property
    def noisy(self):
        return bool(self.warnings)

    def __str__(self):
        text = (f"{_format_seconds(self.median)} ± {self.spread:.1%} (median of "
                f"{len(self.samples)} samples x {self.number} calls)")
        return text + "".join(f"\n  warning: {w}" for w in self.warnings)

    def __repr__(self):
        return (f"BenchmarkResult(median={self.median:.6g}, spread={self.spread:.3g}, "
                f"samples={len(self.samples)}, busy={self.busy})")


def benchmark(fn, *args, repeat=7, number=None, min_sample_s=0.02, spread_limit=0.1,
              busy_limit=0.25, warn=True):
    """Time ``fn(*args)``: ``repeat`` samples of ``number`` calls each.

    Parameters
    ----------
    fn : callable
        A built function (or any callable), called as ``fn(*args)``.
    repeat : int
        Samples to take (at least 1; 5 or more make the spread meaningful).
    number : int, optional
        Calls per sample; by default enough calls that one sample lasts
        ``min_sample_s`` seconds (found after one warm-up call).
    spread_limit, busy_limit : float
        Thresholds of the two warnings (see the module docstring).
    warn : bool
        Also issue each warning as a :class:`BenchmarkWarning`.

    Returns
    -------
    BenchmarkResult
    """
    if not isinstance(repeat, int) or repeat < 1:
        raise ArgumentValueError(f"benchmark: repeat must be a positive integer, got {repeat!r}")
    if number is not None and (not isinstance(number, int) or number < 1):
        raise ArgumentValueError(f"benchmark: number must be a positive integer, got {number!r}")
    start = time.perf_counter()
    fn(*args)                                    # warm-up: caches, JIT entries, page faults
    once = time.perf_counter() - start
    if number is None:
        number = max(1, min(1 << 20, int(min_sample_s / max(once, 1e-7))))
    before = _cpu_snapshot()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn(*args)
        samples.append((time.perf_counter() - start) / number)
    busy = other_cpu_fraction(before, _cpu_snapshot())
    result = BenchmarkResult(samples, number, busy, spread_limit, busy_limit)
    if warn:
        for message in result.warnings:
            warnings.warn(message, BenchmarkWarning, stacklevel=2)
    return result


def _relative_iqr(samples):
    if len(samples) < 2:
        return 0.0
    q1, _, q3 = statistics.quantiles(samples, n=4, method="inclusive")
    median = statistics.median(samples)
    return (q3 - q1) / median if median > 0 else 0.0


def _format_seconds(seconds):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3f} {unit}"
    return f"{seconds / 1e-9:.1f} ns"


def _cpu_snapshot():
    """(wall seconds, machine busy seconds or None, own CPU seconds, load average)."""
    return (time.perf_counter(), _machine_busy_seconds(), time.process_time(),
            os.getloadavg()[0] if hasattr(os, "getloadavg") else None)


def _machine_busy_seconds(path="/proc/stat"):
    try:
        with open(path) as f:
            fields = f.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    ticks = [int(x) for x in fields[1:]]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)      # idle + iowait
    busy = sum(ticks[:8]) - idle                                # user .. steal
    return busy / os.sysconf("SC_CLK_TCK")


def other_cpu_fraction(before, after, cpus=None):
    """The share of the machine's CPU time other processes used between two
    snapshots ``(wall, machine_busy, own_cpu, loadavg)``; ``None`` if unknown."""
    cpus = cpus or os.cpu_count() or 1
    wall = after[0] - before[0]
    if wall <= 0:
        return None
    if before[1] is not None and after[1] is not None:
        others = (after[1] - before[1]) - (after[2] - before[2])
        return min(1.0, max(0.0, others / (wall * cpus)))
    if after[3] is not None:
        return min(1.0, after[3] / cpus)
    return None


__all__ = ["benchmark", "BenchmarkResult", "BenchmarkWarning", "other_cpu_fraction"]
