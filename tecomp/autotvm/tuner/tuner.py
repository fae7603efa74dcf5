"""The tuning loop every tuner shares.

A tuner proposes configurations (``next_batch``), learns from their results
(``update``); :meth:`Tuner.tune` measures batches until ``n_trial`` points were
tried, the space is exhausted, or ``early_stopping`` trials passed without a
better one. Then it *confirms* the winner: the best few are measured again in
interleaved rounds (a noisy machine favours whichever ran in a quiet moment),
and the fastest by median is checked with :func:`tecomp.verify` against the
unscheduled program; a configuration that computes something else is recorded
as a wrong answer and the next one is taken.
"""

import logging
import statistics
import time

import numpy as np

from ...errors import TecompError
from ...verify import verify
from ..measure import MeasureErrorNo, MeasureInput, MeasureResult, create_measure_batch

logger = logging.getLogger("autotvm")

#: How many of the best configurations are measured again at the end of tuning.
CONFIRM_TOP = 3
#: Interleaved rounds of that re-measurement.
CONFIRM_ROUNDS = 3


class Tuner:
    """Base of the tuners. ``best_config``, ``best_flops`` (of the confirmed
    winner after :meth:`tune`), ``trials`` (every ``(input, result)`` measured)."""

    def __init__(self, task, **kwargs):
        self.task = task
        self.param = kwargs
        self.seed = kwargs.get("seed")     # recorded in logs, for reproducing a search
        self.best_config, self.best_flops, self.best_measure_pair = None, 0.0, None
        self.best_iter = 0
        self.trials = []
        self.ttl = self.n_trial = self.early_stopping = None

    # ------------------------------------------------------------ what tuners define

    def has_next(self):
        raise NotImplementedError

    def next_batch(self, batch_size):
        raise NotImplementedError

    def update(self, inputs, results):
        """Learn from measured results (model-based and genetic tuners)."""

    # ------------------------------------------------------------ the loop

    def score(self, result):
        """FLOP/s of a result (or 1/seconds where the task has no flop count); 0 for an error."""
        if result.error_no != MeasureErrorNo.NO_ERROR:
            return 0.0
        return (self.task.flop or 1.0) / result.mean

    def tune(self, n_trial, measure_option, early_stopping=None, callbacks=(), si_prefix="G"):
        """Measure up to ``n_trial`` configurations; call each callback as
        ``callback(tuner, inputs, results)`` after every batch."""
        if si_prefix not in _SI:
            raise TecompError(f"tune: si_prefix must be one of {', '.join(_SI)}, got {si_prefix!r}")
        measure_batch = create_measure_batch(self.task, measure_option)
        self.n_trial, self.early_stopping = n_trial, early_stopping or 10 ** 9
        done = 0
        try:
            while done < n_trial and self.has_next():
                configs = self.next_batch(min(measure_batch.n_parallel, n_trial - done))
                if not configs:
                    break
                inputs = [MeasureInput(self.task.target, self.task, c) for c in configs]
                results = measure_batch(inputs)
                for k, (inp, res) in enumerate(zip(inputs, results)):
                    flops = self.score(res)
                    if flops > self.best_flops:
                        self.best_flops, self.best_config = flops, inp.config
                        self.best_measure_pair, self.best_iter = (inp, res), done + k
                    logger.debug("No: %d\t%sFLOPS: %.2f/%.2f\tresult: %s\t%s", done + k + 1,
                                 si_prefix, flops / _SI[si_prefix],
                                 self.best_flops / _SI[si_prefix], res, inp.config)
                self.trials += zip(inputs, results)
                done += len(results)
                self.ttl = min(self.early_stopping + self.best_iter, n_trial) - done
                self.update(inputs, results)
                for callback in callbacks:
                    callback(self, inputs, results)
                if done >= self.best_iter + self.early_stopping:
                    logger.debug("Early stopped. Best iter: %d.", self.best_iter)
                    break
            if self.best_config is not None:
                self._confirm(measure_batch, callbacks)
            elif self.trials:
                logger.warning("autotvm: no valid configuration among %d tried for %s; first "
                               "error: %s", len(self.trials), self.task, self.trials[0][1].costs[0])
        finally:
            measure_option["builder"].close()
            measure_option["runner"].close()

    def _confirm(self, measure_batch, callbacks):
        """Re-measure the best few interleaved; keep the fastest by median that verifies."""
        ranked, seen = [], set()
        for inp, res in sorted(self.trials, key=lambda p: p[1].mean):
            if res.error_no == 0 and inp.config.index not in seen:
                seen.add(inp.config.index)
                ranked.append(inp)
            if len(ranked) == CONFIRM_TOP:
                break
        samples = {inp.config.index: [] for inp in ranked}
        for _ in range(CONFIRM_ROUNDS):
            for inp in ranked:          # one candidate after another, round after round
                res = measure_batch([inp])[0]
                if res.error_no == 0:
                    samples[inp.config.index] += res.costs
        candidates = sorted(((statistics.median(samples[i.config.index]), i) for i in ranked
                             if samples[i.config.index]), key=lambda pair: pair[0])
        for median, inp in candidates:
            ok = _verifies(self.task, inp.config)
            costs = samples[inp.config.index]
            result = MeasureResult(costs if ok else ("verification failed",),
                                   MeasureErrorNo.NO_ERROR if ok else MeasureErrorNo.WRONG_ANSWER,
                                   0.0, time.time(), confirmed=True)
            for callback in callbacks:
                callback(self, [inp], [result])
            if ok:
                self.best_config, self.best_measure_pair = inp.config, (inp, result)
                self.best_flops = (self.task.flop or 1.0) / median
                return
        self.best_config, self.best_flops, self.best_measure_pair = None, 0.0, None

    def reset(self):
        self.best_config, self.best_flops, self.best_measure_pair = None, 0.0, None

    def load_history(self, data_set, min_seed_records=500):
        """Learn from earlier records (model-based tuners; others ignore them)."""


def _verifies(task, config):
    sch, args = task.instantiate(config)
    try:
        verify(sch, args)
    except TecompError as exc:
        logger.warning("autotvm: configuration %s of %s computes a different result: %s",
                       config, task.name, exc)
        return False
    return True


_SI = {"": 1.0, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15}


def si_value(flops, prefix="G"):
    return flops / _SI[prefix]


class IndexBasedTuner(Tuner):
    """Tuners that walk indices of the space: ``range_idx=(begin, end)`` limits them."""

    def __init__(self, task, range_idx=None):
        super().__init__(task)
        size = len(task.config_space)
        self.begin, self.end = range_idx or (0, size - 1)
        if not 0 <= self.begin <= self.end < size:
            raise TecompError(f"range_idx {range_idx} is outside the space of {size} points")
        self.visited = set()

    def has_next(self):
        return len(self.visited) < self.end - self.begin + 1

    def load_history(self, data_set, min_seed_records=500):
        pass


class GridSearchTuner(IndexBasedTuner):
    """Every configuration in index order."""

    def __init__(self, task, range_idx=None):
        super().__init__(task, range_idx)
        self.counter = self.begin

    def next_batch(self, batch_size):
        batch = []
        while len(batch) < batch_size and self.counter <= self.end:
            batch.append(self.task.config_space.get(self.counter))
            self.visited.add(self.counter)
            self.counter += 1
        return batch


class RandomTuner(IndexBasedTuner):
    """Configurations in a random order without repeats (``seed`` for a reproducible order)."""

    def __init__(self, task, range_idx=None, seed=None):
        super().__init__(task, range_idx)
        self.seed = seed
        self.rng = np.random.default_rng(seed)

    def next_batch(self, batch_size):
        batch = []
        span = self.end - self.begin + 1
        while len(batch) < batch_size and self.has_next():
            if len(self.visited) * 2 < span:
                index = int(self.rng.integers(self.begin, self.end + 1))
                if index in self.visited:
                    continue
            else:   # the space is mostly seen: draw from what is left
                rest = [i for i in range(self.begin, self.end + 1) if i not in self.visited]
                index = int(self.rng.choice(rest))
            self.visited.add(index)
            batch.append(self.task.config_space.get(index))
        return batch
