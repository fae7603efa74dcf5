"""The CI sample of the differential fuzzer: a fixed-seed run of random programs
and schedules, each built with bounds checking and compared with numpy.

A failure prints a ready-to-paste regression test (hypothesis shrinks the case
first). Long campaigns: ``python -m tests.fuzz --cases 10000 --seed N``.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

import tecomp as te

from . import programs as programs_module
from .harness import FuzzFailure, check_case, draw_case
from .numpy_eval import ProgramError, evaluate_tensors
from .test_regressions import known_bug

CI_CASES = 200

# No shrinking in CI: minimizing a case rebuilds it hundreds of times (minutes).
# A failure prints its (unshrunk) regression test; `python -m tests.fuzz --shrink`
# with the same seed minimizes it.
_CI = dict(deadline=None, database=None, suppress_health_check=list(HealthCheck),
           print_blob=False, phases=(Phase.explicit, Phase.generate))


def _check(case):
    try:
        check_case(case)
    except FuzzFailure as exc:
        if known_bug(exc) is None:
            raise


@seed(20240501)
@settings(max_examples=CI_CASES, **_CI)
@given(st.data())
def test_random_programs_and_schedules(data):
    _check(draw_case(data))


@pytest.mark.slow
@seed(7)
@settings(max_examples=3000, **_CI)
@given(st.data())
def test_random_programs_and_schedules_long(data):
    _check(draw_case(data))


# ------------------------------------------------------------ the oracle itself


def test_numpy_eval_matches_hand_written_numpy():
    n = te.var("n")
    A = te.placeholder((n, 5), name="A")
    B = te.compute((n, 5), lambda i, j: te.if_then_else(j > 0, A[i, j - 1], 0.0) * 2, name="B")
    k = te.reduce_axis((0, 5), name="k")
    C = te.compute((n,), lambda i: te.max(B[i, k], axis=k), name="C")
    D = te.compute((n,), lambda i: (C[i] * 10).astype("int32") // 3 - i.astype("int32") % 4,
                   name="D")
    a = np.random.default_rng(0).uniform(-2, 2, (4, 5)).astype("float32")
    values = evaluate_tensors([D], {A: a}, {n: 4})
    b = np.zeros_like(a)
    b[:, 1:] = a[:, :-1] * 2
    np.testing.assert_array_equal(values[B], b)
    np.testing.assert_array_equal(values[C], b.max(axis=1))
    want = (b.max(axis=1) * np.float32(10)).astype("int32") // 3 - np.arange(4) % 4
    np.testing.assert_array_equal(values[D], want)


def test_numpy_eval_truncating_division_and_where():
    A = te.placeholder((6,), dtype="int32", name="A")
    B = te.compute((6,), lambda i: te.truncdiv(A[i], 4) + te.truncmod(A[i], 4) * 100, name="B")
    k = te.reduce_axis((1, 6), name="k")
    C = te.compute((1,), lambda i: te.sum(A[k], axis=k, where=k % 2 == 0), name="C")
    a = np.array([-9, -4, -1, 0, 5, 9], "int32")
    values = evaluate_tensors([B, C], {A: a}, {})
    np.testing.assert_array_equal(values[B], np.trunc(a / 4).astype("int32")
                                  + np.fmod(a, 4) * 100)
    assert values[C][0] == a[2] + a[4]


def test_numpy_eval_rejects_unguarded_out_of_bounds_read():
    A = te.placeholder((4,), name="A")
    B = te.compute((4,), lambda i: A[i + 1], name="B")
    with pytest.raises(ProgramError, match="read of 'A' axis 0 at index 4"):
        evaluate_tensors([B], {A: np.zeros(4, "float32")}, {})


def test_generator_bounds_of_wrapping_values():
    """A wrapping unsigned value may be anywhere in its range: -1 in uint32 is
    4294967295, which a float -> int16 cast must not be given (undefined in C and
    LLVM, 0 in numpy). Was (campaign seed 1101): the bound of -(uint32 1) stayed 1,
    so the generator cast 4294967296.0f to int16."""
    ctx = programs_module._Context([[4, None]], [], {0}, [])
    one = ("const", "uint32", 1)
    assert ctx.cast(("const", "int8", -1), "int8", 1, True, "uint32")[1] == 2 ** 32 - 1
    assert ctx.cast(("const", "uint8", 1), "uint8", 1, True, "uint32")[1] == 1
    huge = ctx.cast(one, "uint32", programs_module.CAP["uint32"], True, "float32")
    assert huge is None
