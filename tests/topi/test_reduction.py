"""sum / max / min over axes, with and without keepdims, against numpy."""

import numpy as np
import pytest

import tecomp as te
from tecomp import topi

from topi_helpers import run

AXES = [None, 0, 1, 2, -1, (0, 2), (1, 2)]


@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_sum_max_min(axis, keepdims, rng):
    X = te.placeholder((20, 33, 17), name="X")
    x = rng.standard_normal((20, 33, 17)).astype("float32")
    for op, ref, tol in ((topi.sum, np.sum, 1e-4), (topi.max, np.max, 0), (topi.min, np.min, 0)):
        got = run(op(X, axis=axis, keepdims=keepdims), [X], [x])
        np.testing.assert_allclose(got, ref(x, axis=axis, keepdims=keepdims), rtol=tol, atol=1e-4)


@pytest.mark.parametrize("shape", [(500, 64), (64, 1000), (7, 1001)], ids=str)
def test_large_rows_and_columns(shape, rng):
    X = te.placeholder(shape, name="X")
    x = rng.random(shape, dtype="float32")
    s0, s1 = run([topi.sum(X, axis=0), topi.sum(X, axis=1)], [X], [x])
    np.testing.assert_allclose(s0, x.sum(axis=0), rtol=1e-4)
    np.testing.assert_allclose(s1, x.sum(axis=1), rtol=1e-4)


def test_integer_sum_and_symbolic_rows(rng):
    n = te.var("n")
    X = te.placeholder((n, 12), dtype="int32", name="X")
    Y = topi.sum(X, axis=0)
    f = te.build(topi.generic.schedule_reduce(Y), [X, Y])
    for rows in (1, 9):
        x = rng.integers(-100, 100, (rows, 12)).astype("int32")
        y = np.empty(12, "int32")
        f(x, y)
        np.testing.assert_array_equal(y, x.sum(axis=0))


def test_bad_axis():
    X = te.placeholder((3, 4), name="X")
    with pytest.raises(te.ExprError, match="axis 2 is out of range"):
        topi.sum(X, axis=2)


@pytest.mark.parametrize("shape,axis", [((64, 1000), 1), ((7, 1001), -1), ((5, 3, 64), 2),
                                        ((3, 33), 1), ((40, 129), None), ((6, 5, 97), (0, 2)),
                                        ((2, 3, 200), (1, 2))], ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_contiguous_axis_vector_partials(shape, axis, keepdims, rng):
    """Reductions over the innermost axis use vector partial results (rfactor): row
    lengths the lane count does not divide, several reduce axes, all axes."""
    X = te.placeholder(shape, name="X")
    x = rng.standard_normal(shape).astype("float32")
    for op, ref, tol in ((topi.sum, np.sum, 1e-4), (topi.max, np.max, 0), (topi.min, np.min, 0),
                         (topi.prod, np.prod, 1e-4)):
        arg = x if op is not topi.prod else (1 + x / 64).astype("float32")
        got = run(op(X, axis=axis, keepdims=keepdims), [X], [arg])
        np.testing.assert_allclose(got, ref(arg, axis=axis, keepdims=keepdims), rtol=tol, atol=1e-4)


def test_contiguous_axis_integer_and_symbolic_rows(rng):
    n = te.var("n")
    X = te.placeholder((n, 100), dtype="int32", name="X")
    Y = topi.max(X, axis=1)
    f = te.build(topi.generic.schedule_reduce(Y), [X, Y])
    for rows in (1, 9):
        x = rng.integers(-1000, 1000, (rows, 100)).astype("int32")
        y = np.empty(rows, "int32")
        f(x, y)
        np.testing.assert_array_equal(y, x.max(axis=1))


def test_contiguous_axis_schedule_is_vector():
    """The default schedule of a row sum factors the row into a vector of partials."""
    X = te.placeholder((256, 1024), name="X")
    s = topi.generic.schedule_reduce(topi.sum(X, axis=1))
    assert any(st.op.name.endswith(".rf") for st in s.stages), [st.op.name for st in s.stages]


@pytest.mark.parametrize("shape,axis", [((300, 512), 0), ((5, 7, 320), (0, 1)), ((9, 3, 96), 1),
                                        ((33, 1024), 0)], ids=str)
def test_column_blocks_in_registers(shape, axis, rng):
    """Reductions that keep the innermost axis accumulate a block of columns in registers
    (a local cache) when the block divides that axis."""
    X = te.placeholder(shape, name="X")
    x = rng.standard_normal(shape).astype("float32")
    for op, ref, tol in ((topi.sum, np.sum, 1e-4), (topi.max, np.max, 0)):
        for keepdims in (False, True):
            got = run(op(X, axis=axis, keepdims=keepdims), [X], [x])
            np.testing.assert_allclose(got, ref(x, axis=axis, keepdims=keepdims), rtol=tol,
                                       atol=1e-4)
    s = topi.generic.schedule_reduce(topi.sum(X, axis=axis))
    assert any(st.op.name.endswith(".local") for st in s.stages), [st.op.name for st in s.stages]
