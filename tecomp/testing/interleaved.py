"""Comparing candidates fairly on one machine: ``interleaved`` timing and the
thread count of numpy's BLAS.

Timing A then B measures B on a machine that A may still occupy: OpenBLAS's
worker threads keep spinning for a while after each call (about 2^28 cycles
by default, ~0.1 s), on the very cores a parallel tecomp kernel wants next,
and tecomp's automatic team size counts them as busy cores. So
:func:`interleaved` runs the candidates round-robin (a load that comes and goes
slows them all alike), pauses ``settle_s`` before each sample so the previous
candidate's threads go to sleep, and reports medians. :func:`set_blas_threads`
gives numpy's BLAS a thread count, so that both sides of a comparison use the
same number of threads (``Module.set_num_threads`` for tecomp's side)::

    threads = len(os.sched_getaffinity(0))
    set_blas_threads(threads)
    f.set_num_threads(threads)
    results = interleaved({"numpy": lambda: a @ b, "tecomp": lambda: f(a, b, c)})
    results["tecomp"].median      # seconds per call (a BenchmarkResult)
"""

import ctypes
import time

from ..errors import ArgumentValueError
from .benchmark import BenchmarkResult, _cpu_snapshot, other_cpu_fraction

#: Setter symbols of the OpenBLAS builds numpy and scipy ship (64-bit-integer
#: builds carry a suffix), then the plain name.
_OPENBLAS_SETTERS = ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_",
                     "scipy_openblas_set_num_threads", "openblas_set_num_threads")


def interleaved(fns, rounds=7, settle_s=0.2, min_sample_s=0.05, spread_limit=0.1,
                busy_limit=0.25):
    """Time each ``name: callable`` of ``fns`` in ``rounds`` interleaved rounds.

    Each round takes one sample of every candidate in turn: a pause of
    ``settle_s`` seconds, then enough calls to last about ``min_sample_s``
    (counted once per candidate, after a warm-up call). Returns ``{name:
    BenchmarkResult}`` (seconds per call: ``median``, ``spread``, ``samples``;
    ``busy`` and ``warnings`` cover the whole comparison)."""
    if not isinstance(rounds, int) or rounds < 1:
        raise ArgumentValueError(f"interleaved: rounds must be a positive integer, got {rounds!r}")
    if not fns:
        raise ArgumentValueError("interleaved: no candidates to time (fns is empty)")
    numbers = {}
    for name, fn in fns.items():
        fn()                                     # warm-up
        start = time.perf_counter()
        fn()
        once = max(time.perf_counter() - start, 1e-9)
        numbers[name] = max(1, int(min_sample_s / once))
    before = _cpu_snapshot()
    samples = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            time.sleep(settle_s)
            start = time.perf_counter()
            for _ in range(numbers[name]):
                fn()
            samples[name].append((time.perf_counter() - start) / numbers[name])
    busy = other_cpu_fraction(before, _cpu_snapshot())
    return {name: BenchmarkResult(samples[name], numbers[name], busy, spread_limit, busy_limit)
            for name in fns}


def set_blas_threads(threads, maps="/proc/self/maps"):
    """Set the thread count of the OpenBLAS loaded in this process (numpy's) to
    ``threads``. Returns the library's path, or None where no OpenBLAS with a
    known setter is loaded (another BLAS, or no ``/proc``): its threads stay as
    they are."""
    if not isinstance(threads, int) or threads < 1:
        raise ArgumentValueError(f"set_blas_threads: threads must be a positive integer, "
                                 f"got {threads!r}")
    for path in _loaded_openblas(maps):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in _OPENBLAS_SETTERS:
            setter = getattr(library, symbol, None)
            if setter is not None:
                setter.argtypes = [ctypes.c_int]
                setter.restype = None
                setter(threads)
                return path
    return None


def _loaded_openblas(maps):
    try:
        with open(maps) as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    paths = []
    for line in lines:
        path = line.split(maxsplit=5)[5] if len(line.split(maxsplit=5)) == 6 else ""
        if "openblas" in path.rsplit("/", 1)[-1].lower() and path not in paths:
            paths.append(path)
    return paths


__all__ = ["interleaved", "set_blas_threads"]
