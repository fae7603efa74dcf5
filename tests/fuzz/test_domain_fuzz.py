"""The domain-check generator (tests/fuzz/domain_programs.py): a fixed-seed CI
sample and a slow longer run. Each case must either match numpy or, where a read
of B leaves its shape, be refused naming B."""

import random

import numpy as np
import pytest

from .domain_programs import SCHEDULES, check_domain_case, draw_domain_case, oracle


def _campaign(cases, seed_value):
    rng = random.Random(seed_value)
    drawn = [draw_domain_case(rng) for _ in range(cases)]
    return drawn, [check_domain_case(case) for case in drawn]


def test_domain_fuzz_sample():
    drawn, outcomes = _campaign(60, 3)
    assert {"ok", "refused"} <= set(outcomes)
    assert {c["schedule"] for c in drawn} == set(SCHEDULES)
    assert {c["guard"] for c in drawn} == {"none", "exact", "loose"}


def test_the_oracle_follows_the_guard():
    case = {"n": 4, "m": 6, "index": "forward", "off": 0, "d": 2, "guard": "exact",
            "schedule": "root", "factor": 2}
    outside, values = oracle(case, np.arange(4, dtype="float32"))
    assert not outside and values.tolist() == [1, 3, 5, 7, -1, -1]
    assert oracle(dict(case, guard="loose"), np.zeros(4, "float32"))[0]
    assert oracle(dict(case, guard="none"), np.zeros(4, "float32"))[0]


@pytest.mark.slow
def test_domain_fuzz_long():
    _campaign(600, 7)
