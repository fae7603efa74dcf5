"""tecomp.testing.interleaved and set_blas_threads: candidates timed round-robin,
numpy's BLAS given a thread count."""

import ctypes
import os

import numpy as np
import pytest

from tecomp.errors import ArgumentValueError
from tecomp.testing import interleaved, set_blas_threads


def test_candidates_are_timed_in_alternating_rounds():
    order = []
    fns = {"a": lambda: order.append("a"), "b": lambda: order.append("b")}
    results = interleaved(fns, rounds=3, settle_s=0, min_sample_s=0)
    assert set(results) == {"a", "b"}
    assert all(len(r.samples) == 3 and r.number == 1 for r in results.values())
    # two calls each to warm up and count, then a, b, a, b, a, b
    assert order == ["a", "a", "b", "b"] + ["a", "b"] * 3


def test_medians_order_a_slow_and_a_fast_candidate():
    x = np.random.default_rng(0).random(1 << 16)
    results = interleaved({"slow": lambda: np.sort(np.tile(x, 8)), "fast": lambda: None},
                          rounds=3, settle_s=0, min_sample_s=0.001)
    assert results["fast"].median < results["slow"].median


@pytest.mark.parametrize("kwargs, match", [({"rounds": 0}, "rounds must be a positive"),
                                           ({"fns": {}}, "no candidates")])
def test_bad_arguments_are_refused(kwargs, match):
    args = {"fns": {"a": lambda: None}, "rounds": 2, **kwargs}
    with pytest.raises(ArgumentValueError, match=match):
        interleaved(args.pop("fns"), **args)


def test_set_blas_threads_sets_numpy_openblas():
    path = set_blas_threads(1)
    if path is None:
        pytest.skip("numpy's BLAS here is not an OpenBLAS with a known setter")
    library = ctypes.CDLL(path)
    getter = next(getattr(library, name) for name in (
        "scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
        "scipy_openblas_get_num_threads", "openblas_get_num_threads") if hasattr(library, name))
    getter.restype = ctypes.c_int
    try:
        assert getter() == 1
        a = np.ones((64, 64))
        np.testing.assert_allclose(a @ a, 64.0)
    finally:
        set_blas_threads(len(os.sched_getaffinity(0)))


def test_set_blas_threads_without_a_blas_in_the_map(tmp_path):
    maps = tmp_path / "maps"
    maps.write_text("7f0000000000-7f0000001000 r-xp 00000000 00:00 0 /usr/lib/libc.so.6\n")
    assert set_blas_threads(2, maps=str(maps)) is None
    with pytest.raises(ArgumentValueError, match="threads must be a positive"):
        set_blas_threads(0)
