"""Timing calls as TVM's ``time_evaluator`` does: :class:`ProfileResult` and
:func:`time_evaluator` (``tecomp.nd`` re-exports both; modules use them)."""

import statistics
import time


class ProfileResult:
    """What a time evaluator returns: ``mean`` and ``results`` (seconds per call,
    one entry per repeat)."""

    __slots__ = ("mean", "results")

    def __init__(self, results):
        self.results = tuple(results)
        self.mean = sum(self.results) / len(self.results)

    @property
    def median(self):
        return statistics.median(self.results)

    def __repr__(self):
        return f"ProfileResult(mean={self.mean:.6g}, results={list(self.results)})"


def time_evaluator(func, ctx=None, number=10, repeat=1, min_repeat_ms=0, sync=None):
    """A callable that runs ``func(*args)`` ``number`` times per repeat, ``repeat``
    times, and returns a :class:`ProfileResult` of seconds per call (TVM's
    ``Module.time_evaluator``). One untimed call warms up first; ``sync()`` (a GPU
    device's synchronize) ends the warm-up and every timed batch."""
    if number < 1 or repeat < 1:
        raise ValueError(f"time_evaluator: number and repeat must be >= 1, got {number}, {repeat}")
    sync = sync or (lambda: None)

    def evaluate(*args):
        func(*args)
        sync()
        results = []
        for _ in range(repeat):
            runs = number
            while True:
                start = time.perf_counter()
                for _ in range(runs):
                    func(*args)
                sync()
                elapsed = time.perf_counter() - start
                if elapsed * 1e3 >= min_repeat_ms or runs >= 1 << 24:
                    break
                runs *= 2
            results.append(elapsed / runs)
        return ProfileResult(results)

    return evaluate
