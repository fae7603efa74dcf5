"""The te.scan generator (tests/fuzz/scan_programs.py): a fixed-seed CI sample and
a slow longer run."""

import random

import numpy as np
import pytest

from tecomp.runtime.gpu.opencl import opencl_devices

from .scan_programs import check_scan_case, draw_scan_case, numpy_scan


def _campaign(cases, seed_value, target="llvm"):
    rng = random.Random(seed_value)
    drawn = [draw_scan_case(rng, target) for _ in range(cases)]
    for case in drawn:
        check_scan_case(case)
    return drawn


def test_scan_fuzz_sample():
    drawn = _campaign(15, 3)
    assert any(c["body"] for c in drawn) and any(len(c["updates"]) == 2 for c in drawn)
    assert any(c["factor"] for c in drawn) and any(c["symbolic"] for c in drawn)


@pytest.mark.skipif(not opencl_devices(), reason="no OpenCL device")
def test_scan_fuzz_opencl_sample():
    """Every stage bound to blocks and threads: the time loop launches kernels."""
    assert len(_campaign(5, 4, "opencl")) == 5


def test_the_oracle_is_a_recurrence():
    case = {"k": 1, "T": 4, "n": 2, "dtype": "int32", "updates": [[(0, 1, "rev", 1)]],
            "body": None}
    (out,) = numpy_scan(case, np.array([[1, 2], [0, 0], [0, 0], [1, 1]], "int32"))
    assert out.tolist() == [[1, 2], [2, 1], [1, 2], [3, 2]]


@pytest.mark.slow
def test_scan_fuzz_long():
    _campaign(500, 7)


@pytest.mark.slow
@pytest.mark.skipif(not opencl_devices(), reason="no OpenCL device")
def test_scan_fuzz_opencl_long():
    _campaign(200, 8, "opencl")
