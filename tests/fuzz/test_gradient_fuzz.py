"""The gradient mode of the fuzzer (tests/fuzz/gradient.py): a fixed-seed CI sample,
a slow longer run, and shrunk regressions."""

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from .gradient import check_gradient_case, gradient_case
from .harness import draw_case


def _campaign(cases, seed_value):
    checked = []

    @seed(seed_value)
    @settings(max_examples=cases, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(st.data())
    def run(data):
        case = gradient_case(draw_case(data))
        if case is not None:
            check_gradient_case(case)
            checked.append(case)

    run()
    return checked


def test_gradient_fuzz_sample():
    # hypothesis draws small programs first: 60 cases gave 6 with a float path
    # once the generator's wrapping bounds were fixed, 100 give 33
    assert len(_campaign(100, 11)) >= 10


@pytest.mark.slow
def test_gradient_fuzz_long():
    _campaign(2000, 5)


def test_gradient_guarded_arg_extreme_read():
    # An arg-max test read through a clamped index must stay under the range guard.
    check_gradient_case({
        "program": """\
    m = te.var("m")
    A = te.placeholder((m, 7), dtype="float64", name="A")
    B = te.placeholder((m, 7), dtype="int32", name="B")
    k1 = te.reduce_axis((1, 7), name="k1")
    T1 = te.compute((m,), lambda i0: te.max(te.select(i0 < 2, te.power(te.abs((B[i0, k1]).astype("float64")) + 1, 0.5), (A[te.min(te.max(i0 + 2, 0), m - 1), k1]).astype("float64")), axis=k1), name="T1")
    """,
        "schedule": "", "sizes": {'m': 9}, "outputs": ['T1'], "seed": 31647})


def test_gradient_of_a_libm_function_called_by_name():
    # The fuzzer's call_pure_extern("expf"): its name argument was walked as an operand.
    check_gradient_case({
        "program": """\
    A = te.placeholder((3,), dtype="float64", name="A")
    T3 = te.compute((3,), lambda i0: (A[i0] + te.tir.call_pure_extern("float64", "exp", te.tanh(A[i0]))), name="T3")
    """,
        "schedule": "", "sizes": {}, "outputs": ['T3'], "seed": 0})


def test_gradient_of_a_deep_shared_chain_is_a_dag():
    """An 8-level chain x -> max(x, x/2) - min(x, x/2) (each level reads its operand
    twice): the adjoint is a DAG whose tree has ~4^8 times more nodes. It is
    let-bound, so te.gradient and the build take about a second (not hours) and the
    result still matches central differences (found by the gradient fuzzer)."""
    check_gradient_case({"program": 'def _chain(x, levels, dtype):\n    two = te.const(2, dtype)\n    for _ in range(levels):\n        half = x / two if dtype.startswith("float") else x // two\n        x = te.max(x, half) - te.min(x, half)\n    return x\nm = te.var("m")\nn = te.var("n")\nA = te.placeholder((m, n, 2), dtype="float64", name="A")\nB = te.placeholder((m, n), dtype="uint8", name="B")\nT0 = te.compute((m, n), lambda i0, i1: (i1.astype("int32") + te.max((B[i0, i1]).astype("int32"), (B[i0, i1]).astype("int32"))), name="T0")\nT1 = te.compute((m, n, 2), lambda i0, i1, i2: ((A[i0, i1, te.min(te.max(i2 + 2, 0), 2 - 1)]).astype("float64") + (A[i0, i1, i2]).astype("float64")), name="T1")\nk0 = te.reduce_axis((1, m), name="k0")\nk1 = te.reduce_axis((1, n), name="k1")\nT2 = te.compute((2,), lambda i2: te.sum(_chain((te.if_then_else(k0 + 2 < m, A[k0 + 2, k1, i2], te.const(-1, "float64"))).astype("float64"), 8, "float64"), axis=[k0, k1]), name="T2")\n',
                         "schedule": "", "sizes": {"m": 6, "n": 2}, "outputs": ["T2"],
                         "seed": 2, "debug": False})
