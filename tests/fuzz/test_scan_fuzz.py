"""The te.scan generator (tests/fuzz/scan_programs.py): a fixed-seed CI sample and
a slow longer run."""

import random

import numpy as np
import pytest

from .scan_programs import check_scan_case, draw_scan_case, numpy_scan


def _campaign(cases, seed_value):
    rng = random.Random(seed_value)
    drawn = [draw_scan_case(rng) for _ in range(cases)]
    for case in drawn:
        check_scan_case(case)
    return drawn


def test_scan_fuzz_sample():
    drawn = _campaign(25, 3)
    assert any(c["body"] for c in drawn) and any(len(c["updates"]) == 2 for c in drawn)
    assert any(c["factor"] for c in drawn) and any(c["symbolic"] for c in drawn)


def test_the_oracle_is_a_recurrence():
    case = {"k": 1, "T": 4, "n": 2, "dtype": "int32", "updates": [[(0, 1, "rev", 1)]],
            "body": None}
    (out,) = numpy_scan(case, np.array([[1, 2], [0, 0], [0, 0], [1, 1]], "int32"))
    assert out.tolist() == [[1, 2], [2, 1], [1, 2], [3, 2]]


@pytest.mark.slow
def test_scan_fuzz_long():
    _campaign(500, 7)
