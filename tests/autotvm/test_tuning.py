"""Tuning end to end: real builds and runs in child processes, logs, dispatch."""

import json
import logging
import math
import os
import subprocess

import numpy as np
import pytest

import tecomp as te
from tecomp import autotvm
from tecomp.autotvm.measure import BuildResult, Builder, MeasureErrorNo, MeasureResult, Runner
from tecomp.target import Target

from .templates import matmul, row_sum


def _numpy_check(n):
    a = np.random.default_rng(1).random((n, n)).astype("float32")
    b = np.random.default_rng(2).random((n, n)).astype("float32")
    return a, b, a @ b


def _option(**runner):
    runner.setdefault("number", 2)
    runner.setdefault("repeat", 2)
    runner.setdefault("timeout", 30)
    return autotvm.measure_option(builder=autotvm.LocalBuilder(n_parallel=1),
                                  runner=autotvm.LocalRunner(**runner))


def test_random_tuner_tunes_logs_and_applies_the_best(tmp_path):
    log = str(tmp_path / "matmul.log")
    task = autotvm.task.create("test/matmul", args=(32, "float32"), target="llvm")
    tuner = autotvm.tuner.RandomTuner(task, seed=0)
    tuner.tune(n_trial=6, measure_option=_option(),
               callbacks=[autotvm.callback.log_to_file(log)])
    rows = [json.loads(line) for line in open(log)]
    assert len(rows) >= 6
    assert all(r["input"][1] == "test/matmul" and r["machine"]["cores"] for r in rows)
    assert all(r["seed"] == 0 and r["tecomp_version"] == te.__version__ for r in rows)
    assert rows[0]["target_key"].startswith(f"llvm -mcpu={Target('llvm').cpu}")
    measured = [r for r in rows[:6] if r["result"][1] == 0]
    assert measured and all(len(r["result"][0]) == 2 for r in measured)  # every repeat kept
    assert tuner.best_config is not None and tuner.best_flops > 0

    with autotvm.apply_history_best(log) as context:
        chosen = context.query(Target("llvm"), ("test/matmul", 32, "float32"))
        s, args = matmul(32, "float32")
    assert chosen.index == tuner.best_config.index
    f = te.build(s, args)
    a, b, expected = _numpy_check(32)
    c = np.empty_like(expected)
    f(a, b, c)
    np.testing.assert_allclose(c, expected, rtol=1e-5)


class _NoBuild(Builder):
    """The synthetic search tests measure a formula, so nothing is compiled."""

    def build(self, inputs):
        return [BuildResult(None, "default_function", None, MeasureErrorNo.NO_ERROR, 0.0)
                for _ in inputs]


class _Formula(Runner):
    """Seconds = a known function of the knobs, minimal at tile_y 8, tile_x 16, vectorize 1."""

    def __init__(self):
        super().__init__()
        self.n_parallel = 4

    def run(self, inputs, build_results):
        out = []
        for inp in inputs:
            cfg = inp.config
            cost = (1 + abs(math.log2(cfg["tile_y"].size[1]) - 3)
                    + abs(math.log2(cfg["tile_x"].size[1]) - 4) + (1 - cfg["vectorize"].val))
            out.append(MeasureResult((cost * 1e-3,), MeasureErrorNo.NO_ERROR, 0.0, 0.0))
        return out


@pytest.mark.parametrize("name, options, trials", [
    ("GridSearchTuner", {}, 98),
    ("RandomTuner", {"seed": 3}, 98),
    ("GATuner", {"pop_size": 12, "seed": 3}, 60),
    ("XGBTuner", {"plan_size": 16, "seed": 3}, 48),
])
def test_tuners_find_the_known_best_of_a_small_space(name, options, trials):
    if name == "XGBTuner":
        pytest.importorskip("xgboost", reason="XGBTuner needs the tune extra")
    task = autotvm.task.create("test/matmul", args=(64, "float32"), target="llvm")
    tuner = getattr(autotvm.tuner, name)(task, **options)
    tuner.tune(n_trial=trials, measure_option={"builder": _NoBuild(), "runner": _Formula()})
    best = tuner.best_config
    assert (best["tile_y"].size[1], best["tile_x"].size[1], best["vectorize"].val) == (8, 16, 1)
    assert len({inp.config.index for inp, _ in tuner.trials[:trials]}) == len(tuner.trials[:trials])


def test_a_hanging_candidate_times_out_and_tuning_goes_on(tmp_path):
    task = autotvm.task.create("test/row_sum", args=(4, 16), target="llvm")
    tuner = autotvm.tuner.GridSearchTuner(task)
    tuner.tune(n_trial=2, measure_option=_option(timeout=3))
    results = {inp.config["steps"].val: res for inp, res in tuner.trials[:2]}
    assert results[1 << 40].error_no == MeasureErrorNo.RUN_TIMEOUT
    assert results[1].error_no == MeasureErrorNo.NO_ERROR
    assert tuner.best_config["steps"].val == 1


def _crashing_library(folder):
    source = os.path.join(folder, "crash.c")
    with open(source, "w") as f:
        f.write("#include <stdlib.h>\n__attribute__((constructor)) static void boom(void) "
                "{ abort(); }\n")
    path = os.path.join(folder, "crash.so")
    subprocess.run(["cc", "-shared", "-fPIC", source, "-o", path], check=True)
    return path


class _OneCrashes(autotvm.LocalBuilder):
    """Builds for real, except that configuration 1's library aborts when loaded."""

    def __init__(self, crash_path):
        super().__init__(n_parallel=1)
        self.crash_path = crash_path

    def build(self, inputs):
        results = super().build(inputs)
        for inp, res in zip(inputs, results):
            if inp.config.index == 1 and res.error_no == 0:
                res.path = self.crash_path
        return results


def test_a_crashing_candidate_is_recorded_and_tuning_goes_on(tmp_path):
    task = autotvm.task.create("test/matmul", args=(16, "float32"), target="llvm")
    tuner = autotvm.tuner.GridSearchTuner(task)
    option = {"builder": _OneCrashes(_crashing_library(str(tmp_path))),
              "runner": autotvm.LocalRunner(number=1, repeat=1, timeout=30)}
    tuner.tune(n_trial=3, measure_option=option)
    by_index = {inp.config.index: res for inp, res in tuner.trials[:3]}
    assert by_index[1].error_no == MeasureErrorNo.RUNTIME_DEVICE
    assert "died" in str(by_index[1].costs[0])
    assert by_index[0].error_no == by_index[2].error_no == MeasureErrorNo.NO_ERROR
    assert tuner.best_config.index in (0, 2)


def _write_log(path, target, task, config, seconds):
    inp = autotvm.MeasureInput(Target(target), task, config)
    res = MeasureResult((seconds,), 0, 0.0, 0.0)
    autotvm.callback.log_to_file(path)(None, [inp], [res])


def test_a_log_from_another_target_is_refused_unless_asked(tmp_path):
    log = str(tmp_path / "other.log")
    task = autotvm.task.create("test/matmul", args=(32, "float32"), target="llvm")
    config = task.config_space.get(5)
    _write_log(log, "llvm -mcpu=cortex-a72 -mtriple=aarch64-linux-gnu", task, config, 1e-3)
    with autotvm.apply_history_best(log):
        with pytest.raises(te.TecompError, match="tuned for llvm -mcpu=cortex-a72.*"
                                                 "allow_other_targets=True"):
            matmul(32, "float32")
    with autotvm.apply_history_best(log, allow_other_targets=True) as context:
        assert context.query(Target("llvm"), task.workload).index == 5
    # Inside `with` the log's own target, it applies without a word.
    with autotvm.apply_history_best(log) as context:
        with Target("llvm -mcpu=cortex-a72 -mtriple=aarch64-linux-gnu") as target:
            assert context.query(target, task.workload).index == 5


def test_the_best_of_several_records_wins_and_logs_round_trip(tmp_path):
    log = str(tmp_path / "many.log")
    task = autotvm.task.create("test/matmul", args=(32, "float32"), target="llvm")
    for index, seconds in [(3, 2e-3), (9, 1e-3), (4, 5e-3)]:
        _write_log(log, "llvm", task, task.config_space.get(index), seconds)
    pairs = list(autotvm.record.load_from_file(log))
    assert [p[0].config.index for p in pairs] == [3, 9, 4]
    assert pairs[1][0].config["tile_x"].size == task.config_space.get(9)["tile_x"].size
    best = str(tmp_path / "best.log")
    autotvm.record.pick_best(log, best)
    assert [p[0].config.index for p in autotvm.record.load_from_file(best)] == [9]
    with autotvm.apply_history_best(log) as context:
        assert context.query(Target("llvm"), task.workload).index == 9


def test_a_damaged_log_names_file_and_line(tmp_path):
    log = tmp_path / "bad.log"
    log.write_text("\n{not json\n")
    with pytest.raises(ValueError, match="bad.log, line 2: not a tuning record"):
        list(autotvm.record.load_from_file(str(log)))


def test_without_a_log_the_fallback_config_builds_and_warns_once(caplog):
    with caplog.at_level(logging.WARNING, logger="autotvm"):
        s, args = matmul(24, "float32")
        matmul(24, "float32")
    warnings = [r for r in caplog.records if "fallback" in r.getMessage()]
    assert len(warnings) == 1 and "test/matmul" in warnings[0].getMessage()
    f = te.build(s, args)
    a, b, expected = _numpy_check(24)
    c = np.empty_like(expected)
    f(a, b, c)
    np.testing.assert_allclose(c, expected, rtol=1e-5)


def test_progress_bar_and_plot(tmp_path, capsys):
    task = autotvm.task.create("test/matmul", args=(64, "float32"), target="llvm")
    log = str(tmp_path / "formula.log")
    tuner = autotvm.tuner.GridSearchTuner(task)
    tuner.tune(n_trial=8, measure_option={"builder": _NoBuild(), "runner": _Formula()},
               callbacks=[autotvm.callback.progress_bar(8, prefix="grid"),
                          autotvm.callback.log_to_file(log)])
    assert "grid" in capsys.readouterr().err
    pytest.importorskip("matplotlib", reason="plot_history needs the plot extra")
    png = autotvm.plot_history(log, str(tmp_path / "history.png"), flop=task.flop)
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_ray_runner_measures_on_a_local_cluster():
    ray = pytest.importorskip("ray", reason="RayRunner needs the ray extra")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        task = autotvm.task.create("test/matmul", args=(16, "float32"), target="llvm")
        runner = autotvm.RayRunner(num_workers=2, number=1, repeat=2, timeout=60)
        assert runner.n_parallel == 2
        tuner = autotvm.tuner.GridSearchTuner(task)
        tuner.tune(n_trial=4, measure_option={"builder": autotvm.LocalBuilder(n_parallel=2),
                                              "runner": runner})
        results = [res for _, res in tuner.trials[:4]]
        assert all(r.error_no == 0 and len(r.costs) == 2 for r in results)
        assert all(r.machine and r.machine["cores"] for r in results)
        assert tuner.best_config is not None
    finally:
        ray.shutdown()


def test_one_measure_option_serves_several_tunings():
    task = autotvm.task.create("test/matmul", args=(16, "float32"), target="llvm")
    option = _option(number=1, repeat=1)
    for seed in (0, 1):
        tuner = autotvm.tuner.RandomTuner(task, seed=seed)
        tuner.tune(n_trial=2, measure_option=option)
        assert all(res.error_no == 0 for _, res in tuner.trials)


def test_dispatch_contexts_and_targets_are_per_thread():
    import threading
    task = autotvm.task.create("test/matmul", args=(16, "float32"), target="llvm")
    seen = {}
    barrier = threading.Barrier(2)

    def run(index, spec):
        with Target(spec), autotvm.ApplyConfig(task.config_space.get(index)):
            barrier.wait()
            seen[index] = (autotvm.get_config().index, str(Target.current()))

    threads = [threading.Thread(target=run, args=(3, "llvm -mcpu=x86-64")),
               threading.Thread(target=run, args=(7, "llvm -mcpu=x86-64-v3"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {3: (3, "llvm -mcpu=x86-64"), 7: (7, "llvm -mcpu=x86-64-v3")}
    assert Target.current() is None


def test_measure_options_it_cannot_honour_are_refused():
    with pytest.raises(te.TecompError, match="enable_cpu_cache_flush=True is not supported"):
        autotvm.LocalRunner(enable_cpu_cache_flush=True)
    with pytest.raises(te.TecompError, match="build_func 'ndk' is not supported"):
        autotvm.LocalBuilder(build_func="ndk")
    with pytest.raises(te.TecompError, match="builder must be 'local' or a Builder"):
        autotvm.measure_option(builder="rpc")


def test_verified_winners_beat_single_measurements_and_wrong_answers_never_apply(tmp_path):
    log = str(tmp_path / "confirm.log")
    task = autotvm.task.create("test/matmul", args=(32, "float32"), target="llvm")
    write = autotvm.callback.log_to_file(log)
    space = task.config_space
    pairs = [(2, MeasureResult((1e-4,), 0, 0.0, 0.0)),                        # fastest, once
             (2, MeasureResult(("verification failed",), MeasureErrorNo.WRONG_ANSWER, 0.0, 0.0,
                               confirmed=True)),
             (6, MeasureResult((2e-4,), 0, 0.0, 0.0)),
             (8, MeasureResult((5e-4,), 0, 0.0, 0.0)),
             (8, MeasureResult((3e-4, 3e-4), 0, 0.0, 0.0, confirmed=True))]
    for index, res in pairs:
        write(None, [autotvm.MeasureInput(Target("llvm"), task, space.get(index))], [res])
    rows = [json.loads(line) for line in open(log)]
    assert [r["confirmed"] for r in rows] == [False, True, False, False, True]
    with autotvm.apply_history_best(log) as context:
        assert context.query(Target("llvm"), task.workload).index == 8
