"""Measuring candidates: a builder compiles them, a runner times them.

::

    option = autotvm.measure_option(builder=autotvm.LocalBuilder(),
                                    runner=autotvm.LocalRunner(number=5, repeat=3))

The builder instantiates each configuration's schedule and lowers it in this
process (cheap), then compiles and links it into a shared library in a pool of
child processes (:mod:`.worker`). The runner loads each library in a child
process and times it on random inputs of the declared shapes. A configuration
the template rejects, a build that fails or times out, a run that crashes or
hangs: each becomes a :class:`MeasureResult` with an error number, and tuning
goes on. :class:`Runner` is the interface; :class:`LocalRunner` measures here,
one candidate at a time, :class:`~.ray_runner.RayRunner` on a Ray cluster.
"""

import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from ..errors import TecompError
from ..lower import lower
from . import record as _record  # record reads MeasureInput back: a cycle of two modules
from .worker import Worker, WorkerError, build_job, run_job


class MeasureErrorNo:
    NO_ERROR = 0
    INSTANTIATION_ERROR = 1
    COMPILE_HOST = 2
    COMPILE_DEVICE = 3
    RUNTIME_DEVICE = 4
    WRONG_ANSWER = 5
    BUILD_TIMEOUT = 6
    RUN_TIMEOUT = 7
    UNKNOWN_ERROR = 8


class MeasureInput:
    """What to measure: ``target``, ``task``, ``config`` (and the resolved target key)."""

    __slots__ = ("target", "task", "config", "target_key")

    def __init__(self, target, task, config, key=None):
        self.target, self.task, self.config = target, task, config
        self.target_key = key or _record.target_key(target)


class MeasureResult:
    """``costs`` (seconds per call, one per repeat; the error for a failure),
    ``error_no``, ``all_cost`` (seconds spent on it), ``timestamp``, ``machine``;
    ``confirmed``: a result of the end-of-tuning re-measurement and verification."""

    __slots__ = ("costs", "error_no", "all_cost", "timestamp", "machine", "confirmed")

    def __init__(self, costs, error_no, all_cost, timestamp, machine=None, confirmed=False):
        self.costs, self.error_no = tuple(costs), error_no
        self.all_cost, self.timestamp, self.machine = all_cost, timestamp, machine
        self.confirmed = confirmed

    @property
    def mean(self):
        return sum(self.costs) / len(self.costs) if self.error_no == 0 else float("inf")

    def __repr__(self):
        return (f"MeasureResult(costs={self.costs!r}, error_no={self.error_no}, "
                f"all_cost={self.all_cost:.3g})")


class BuildResult:
    """A compiled candidate: ``path`` of its library, or ``error``/``error_no``."""

    __slots__ = ("path", "name", "error", "error_no", "time_cost")

    def __init__(self, path, name, error, error_no, time_cost):
        self.path, self.name, self.error = path, name, error
        self.error_no, self.time_cost = error_no, time_cost


def _failed(error, error_no, elapsed, machine=None):
    return MeasureResult((error,), error_no, elapsed, time.time(), machine)


class Builder:
    """Compiles measure inputs: ``build(inputs) -> [BuildResult]``."""

    n_parallel = 1

    def build(self, inputs):
        raise NotImplementedError

    def close(self):
        pass


class LocalBuilder(Builder):
    """Builds in ``n_parallel`` child processes (default: the core count), each
    build within ``timeout`` seconds."""

    def __init__(self, timeout=10, n_parallel=None, build_func="default"):
        if build_func != "default":
            raise TecompError(f"LocalBuilder: build_func {build_func!r} is not supported; "
                              "tecomp links shared libraries with the system C compiler "
                              "('default')")
        self.timeout = timeout
        self.n_parallel = n_parallel or os.cpu_count() or 1
        self._workers = [Worker() for _ in range(self.n_parallel)]
        self._dir = None
        self._count = 0

    def build(self, inputs):
        if self._dir is None:
            self._dir = tempfile.mkdtemp(prefix="tecomp_tune_")
        # Templates run one at a time here (they read the dispatch context); only the
        # compilation, the slow part, runs in parallel in the child processes.
        jobs = [self._lower(inp) for inp in inputs]
        with ThreadPoolExecutor(self.n_parallel) as pool:
            return list(pool.map(self._compile, jobs, range(len(jobs))))

    def _lower(self, inp):
        start = time.perf_counter()
        try:
            sch, args = inp.task.instantiate(inp.config)
            func = lower(sch, args, name="default_function")
        except TecompError as exc:
            return inp, None, exc, time.perf_counter() - start
        self._count += 1
        return inp, func, os.path.join(self._dir, f"candidate{self._count}.so"), \
            time.perf_counter() - start

    def _compile(self, job, slot):
        inp, func, path_or_error, lowering = job
        if func is None:
            return BuildResult(None, None, path_or_error, MeasureErrorNo.INSTANTIATION_ERROR,
                               lowering)
        start = time.perf_counter()
        worker = self._workers[slot % self.n_parallel]
        try:
            worker.call(build_job, (func, str(inp.target), path_or_error), self.timeout)
        except WorkerError as exc:
            code = MeasureErrorNo.BUILD_TIMEOUT if exc.timed_out else MeasureErrorNo.COMPILE_HOST
            return BuildResult(None, None, exc, code, lowering + time.perf_counter() - start)
        except Exception as exc:   # noqa: BLE001 (a compile error is this candidate's result)
            return BuildResult(None, None, exc, MeasureErrorNo.COMPILE_HOST,
                               lowering + time.perf_counter() - start)
        return BuildResult(path_or_error, func.name, None, MeasureErrorNo.NO_ERROR,
                           lowering + time.perf_counter() - start)

    def close(self):
        """Stop the child processes and delete the libraries; a later build starts anew."""
        for w in self._workers:
            w.close()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


class Runner:
    """Times built candidates: ``run(inputs, build_results) -> [MeasureResult]``.

    ``number`` calls per repeat (doubled until a repeat lasts ``min_repeat_ms``),
    ``repeat`` repeats, each one cost in the result; ``timeout`` seconds per
    candidate."""

    n_parallel = 1

    def __init__(self, timeout=10, number=4, repeat=3, min_repeat_ms=0, cooldown_interval=0.0,
                 enable_cpu_cache_flush=False):
        if enable_cpu_cache_flush:
            raise TecompError("enable_cpu_cache_flush=True is not supported: tecomp's runner "
                              "times warm caches (each repeat after a warm-up call)")
        self.timeout, self.number, self.repeat = timeout, number, repeat
        self.min_repeat_ms, self.cooldown_interval = min_repeat_ms, cooldown_interval

    def run(self, inputs, build_results):
        raise NotImplementedError

    def close(self):
        pass

    def _job(self, build):
        return (build.path, build.name, self.number, self.repeat, self.min_repeat_ms, 0)


class LocalRunner(Runner):
    """Measures on this machine, one candidate at a time, in a child process."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._worker = Worker()
        self._machine = _record.machine_fingerprint()

    def run(self, inputs, build_results):
        return [measure_built(self._worker, self._job(b), b, self.timeout, self._machine,
                              self.cooldown_interval) for b in build_results]

    def close(self):
        self._worker.close()


def measure_built(worker, job, build, timeout, machine, cooldown=0.0):
    """One candidate's :class:`MeasureResult`, run in ``worker``."""
    if build.error_no != MeasureErrorNo.NO_ERROR:
        return _failed(build.error, build.error_no, build.time_cost, machine)
    start = time.perf_counter()
    try:
        costs = worker.call(run_job, job, timeout)
    except WorkerError as exc:
        code = MeasureErrorNo.RUN_TIMEOUT if exc.timed_out else MeasureErrorNo.RUNTIME_DEVICE
        return _failed(exc, code, build.time_cost + time.perf_counter() - start, machine)
    except Exception as exc:   # noqa: BLE001 (a failing run is this candidate's result)
        return _failed(exc, MeasureErrorNo.RUNTIME_DEVICE,
                       build.time_cost + time.perf_counter() - start, machine)
    if cooldown:
        time.sleep(cooldown)
    return MeasureResult(costs, MeasureErrorNo.NO_ERROR,
                         build.time_cost + time.perf_counter() - start, time.time(), machine)


def measure_option(builder="local", runner="local"):
    """``{"builder": ..., "runner": ...}`` for :meth:`Tuner.tune`; ``"local"``
    stands for :class:`LocalBuilder` / :class:`LocalRunner` with defaults."""
    if builder == "local":
        builder = LocalBuilder()
    if runner == "local":
        runner = LocalRunner()
    if not isinstance(builder, Builder) or not isinstance(runner, Runner):
        raise TecompError("measure_option: builder must be 'local' or a Builder, runner "
                          f"'local' or a Runner; got {builder!r}, {runner!r}")
    return {"builder": builder, "runner": runner}


def create_measure_batch(task, option):
    """A function measuring a list of :class:`MeasureInput` with ``option``."""
    builder, runner = option["builder"], option["runner"]

    def measure_batch(inputs):
        return runner.run(inputs, builder.build(inputs))

    measure_batch.n_parallel = max(builder.n_parallel, runner.n_parallel)
    return measure_batch
