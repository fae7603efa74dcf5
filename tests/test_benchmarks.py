"""Every CPU benchmark script runs to its end with ``--quick`` (small sizes, few
repetitions), so a benchmark can't silently break; their figures are not checked
(no timing assertions), only that each ran and printed its table."""

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).parent.parent
#: GPU benchmarks need a CUDA device; common.py is the shared timing module.
CPU_BENCHMARKS = sorted(p for p in (ROOT / "benchmarks").glob("*.py")
                        if p.stem != "common" and not p.stem.startswith("gpu_"))
#: Scripts that take more than a few seconds even with --quick.
SLOW = {"topi_ops"}


def _case(path):
    marks = [pytest.mark.slow] if path.stem in SLOW else []
    return pytest.param(path, marks=marks, id=path.stem)


def test_every_benchmark_is_listed():
    names = {p.stem for p in CPU_BENCHMARKS}
    assert {"compile_time", "gemm", "peers", "window_sum"} <= names
    assert SLOW <= names


@pytest.mark.parametrize("path", [_case(p) for p in CPU_BENCHMARKS])
def test_benchmark_runs_quick(path, tmp_path):
    """Run from an unrelated directory with this checkout on the path, as the
    benchmarks' docstrings say to run them."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]),
        TECOMP_CACHE_DIR=str(tmp_path / "cache"))
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        env.pop(name, None)
    result = subprocess.run([sys.executable, str(path), "--quick"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert result.stdout.strip(), f"{path.name} printed nothing"
