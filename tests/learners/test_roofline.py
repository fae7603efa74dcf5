"""tecomp.testing.roofline: the kernels that measure it compute what they claim,
and the vector width comes from the target."""

import numpy as np
import pytest

import tecomp as te
from tecomp.testing.roofline import (Roofline, copy_kernel, fma_kernel, measure_roofline,
                                     vector_lanes)


@pytest.mark.parametrize("mcpu, lanes", [("x86-64", 4), ("haswell", 8), ("skylake-avx512", 16)])
def test_vector_lanes_follow_the_target(mcpu, lanes):
    assert vector_lanes(f"llvm -mcpu={mcpu}") == lanes
    assert vector_lanes(f"llvm -mcpu={mcpu}", "float64") == lanes // 2


@pytest.mark.parametrize("parallel", [True, False])
def test_kernels_compute_what_they_count(parallel):
    lanes = vector_lanes()
    s, args = fma_kernel(3, 4, lanes, 50, parallel)
    x = np.random.default_rng(0).random((3, 4, lanes), dtype="float32")
    w = np.random.default_rng(1).random(50, dtype="float32")
    y = np.empty_like(x)
    te.build(s, args)(x, w, y)
    np.testing.assert_allclose(y, x * w.sum(), rtol=1e-5)
    s, args = copy_kernel(1000, lanes, parallel)
    a, b = np.arange(1000, dtype="float32"), np.zeros(1000, "float32")
    te.build(s, args)(a, b)
    np.testing.assert_array_equal(a, b)


def test_roofline_bound():
    r = Roofline(peak_gflops=100.0, bandwidth_gbs=20.0, lanes=8)
    assert r.ridge == 5.0
    assert r.attainable(1.0) == 20.0 and r.attainable(50.0) == 100.0


def test_measure_roofline_quick():
    r = measure_roofline(quick=True, repeat=2)
    assert r.peak_gflops > 0 and r.bandwidth_gbs > 0 and r.lanes == vector_lanes()
    assert any("quick" in note for note in r.notes)
