"""Golden loop nests (``s.show()``) of the tutorials' schedules.

A change to a tutorial's schedule, or to how loop nests print, shows up here as a
readable diff. After checking it, regenerate with::

    TECOMP_UPDATE_GOLDEN=1 python -m pytest tests/learners/test_loop_nest_golden.py
"""

import importlib.util
import os
import pathlib
import sys

import pytest

from tecomp import topi
from tecomp.schedule import loop_nest_text

TUTORIALS = pathlib.Path(__file__).parents[2] / "tutorials"
GOLDEN = pathlib.Path(__file__).parent / "golden"
sys.path.insert(0, str(TUTORIALS))      # the tutorials import their `plots` helper


def tutorial(stem):
    spec = importlib.util.spec_from_file_location(f"tutorial_{stem[:2]}", TUTORIALS / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)     # defines the schedules; main() does not run
    return module


def cases():
    gemm, gpu = tutorial("02_optimize_gemm_cpu"), tutorial("04_gpu_kernels")
    found = {}
    for title, _, schedule in gemm.steps(128, 128, 128):
        found["gemm_" + title.split()[0]] = lambda schedule=schedule: schedule(128, 128, 128)
    # The micro-tile follows the target's registers; pin the AVX-512 one (8 x 32).
    found["gemm_8"] = lambda: gemm.micro_kernel_schedule(128, 128, 128, MR=8, NR=32)
    found["gemm_9"] = lambda: topi.generic.gotoblas_gemm(
        128, 128, 128, target="llvm -mcpu=skylake-avx512", threads=2)
    found.update(gpu_vector_add=gpu.vector_add, gpu_scale_unrolled=gpu.scale_unrolled,
                 gpu_window_sum=lambda: gpu.window_sum(4096),
                 gpu_matmul=lambda: gpu.matmul(256, 256, 256))
    return found


CASES = cases()


@pytest.mark.parametrize("name", sorted(CASES))
def test_loop_nest_matches_golden(name):
    s, _ = CASES[name]()
    text = loop_nest_text(s) + "\n"
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("TECOMP_UPDATE_GOLDEN"):
        path.write_text(text)
    assert path.exists(), f"{path.name} missing; run with TECOMP_UPDATE_GOLDEN=1"
    assert text == path.read_text(), (f"{path.name} changed; check the diff and rerun with "
                                      "TECOMP_UPDATE_GOLDEN=1")
