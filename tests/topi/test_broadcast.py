"""Elementwise and broadcast operators against numpy, including shapes no
vector width divides and scalars on either side."""

import numpy as np
import pytest

import tecomp as te
from tecomp import topi

from topi_helpers import run

SHAPE_PAIRS = [((64, 32), (64, 32)), ((30, 1, 17), (5, 17)), ((7,), (3, 1)), ((1000,), ()),
               ((2, 3, 4, 5), (1, 3, 1, 5))]
OPS = [(topi.add, np.add), (topi.subtract, np.subtract), (topi.multiply, np.multiply),
       (topi.divide, np.divide), (topi.maximum, np.maximum), (topi.minimum, np.minimum)]


@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
@pytest.mark.parametrize("ops", OPS, ids=lambda o: o[0].__name__)
def test_binary_broadcast(shapes, ops, rng):
    topi_op, np_op = ops
    A = te.placeholder(shapes[0], name="A")
    B = te.placeholder(shapes[1], name="B")
    a = np.asarray(rng.random(shapes[0], dtype="float32") + 0.5)
    b = np.asarray(rng.random(shapes[1], dtype="float32") + 0.5)
    np.testing.assert_allclose(run(topi_op(A, B), [A, B], [a, b]), np_op(a, b), rtol=1e-6)


@pytest.mark.parametrize("shape", [(5, 7), (1025,), (4, 16, 16)], ids=str)
def test_scalar_operands_and_tensor_operators(shape, rng):
    A = te.placeholder(shape, name="A")
    B = te.placeholder(shape, name="B")
    a = rng.random(shape, dtype="float32") + 0.5
    b = rng.random(shape, dtype="float32") + 0.5
    out = run((-(A * 2.0 - B) / (1 + B)) + 3, [A, B], [a, b])
    np.testing.assert_allclose(out, (-(a * 2 - b) / (1 + b)) + 3, rtol=1e-5)
    np.testing.assert_allclose(run(topi.subtract(1.0, A), [A], [a]), 1 - a, rtol=1e-6)


def test_scalar_scalar_is_an_expression():
    expr = topi.add(te.var("x", "float32"), 1.0)
    assert not isinstance(expr, te.Tensor)


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "sigmoid", "abs", "negative"])
def test_unary(name, rng):
    A = te.placeholder((9, 31), name="A")
    a = rng.random((9, 31), dtype="float32") + 0.1
    ref = {"sigmoid": lambda v: 1 / (1 + np.exp(-v))}.get(name, getattr(np, name, None))
    np.testing.assert_allclose(run(getattr(topi, name)(A), [A], [a]), ref(a), rtol=1e-5)


def test_relu_and_cast(rng):
    A = te.placeholder((33, 65), name="A")
    a = rng.standard_normal((33, 65)).astype("float32")
    np.testing.assert_array_equal(run(topi.nn.relu(A), [A], [a]), np.maximum(a, 0))
    np.testing.assert_array_equal(run(topi.cast(A, "int32"), [A], [a]), a.astype("int32"))


@pytest.mark.parametrize("shape,to", [((3, 1), (3, 5)), ((200, 300), (13, 200, 300)),
                                      ((1,), (7, 9)), ((5, 1, 3), (2, 5, 4, 3))], ids=str)
def test_broadcast_to(shape, to, rng):
    A = te.placeholder(shape, name="A")
    a = rng.random(shape, dtype="float32")
    np.testing.assert_array_equal(run(topi.broadcast_to(A, to), [A], [a]), np.broadcast_to(a, to))


def test_broadcast_errors():
    A = te.placeholder((3, 4), name="A")
    B = te.placeholder((5, 4), name="B")
    with pytest.raises(te.ExprError, match=r"do not broadcast \(dimension 0: 3 vs 5\)"):
        topi.add(A, B)
    with pytest.raises(te.ExprError, match="cannot broadcast shape"):
        topi.broadcast_to(A, (4,))


@pytest.mark.parametrize("shape,axes", [((6, 7), None), ((2, 3, 5), (1, 2, 0)),
                                        ((4, 5, 6), (0, 2, 1))], ids=str)
def test_transpose(shape, axes, rng):
    A = te.placeholder(shape, name="A")
    a = rng.random(shape, dtype="float32")
    np.testing.assert_array_equal(run(topi.transpose(A, axes), [A], [a]), np.transpose(a, axes))


def test_reshape_and_flatten(rng):
    A = te.placeholder((4, 3, 10), name="A")
    a = rng.random((4, 3, 10), dtype="float32")
    np.testing.assert_array_equal(run(topi.reshape(A, (6, -1)), [A], [a]), a.reshape(6, -1))
    np.testing.assert_array_equal(run(topi.nn.flatten(A), [A], [a]), a.reshape(4, 30))


def test_symbolic_shape(rng):
    n = te.var("n")
    A = te.placeholder((n, 20), name="A")
    B = te.placeholder((20,), name="B")
    C = topi.add(A, B)
    f = te.build(topi.generic.schedule_injective(C), [A, B, C])
    for rows in (1, 37):
        a, b = rng.random((rows, 20), dtype="float32"), rng.random(20, dtype="float32")
        c = np.empty((rows, 20), "float32")
        f(a, b, c)
        np.testing.assert_allclose(c, a + b)


def test_tensor_operator_inside_compute_keeps_the_index_error():
    A = te.placeholder((4,), name="A")
    with pytest.raises(te.ExprError, match="tensor 'A' used as a value; index it"):
        te.compute((4,), lambda i: A * 2, name="B")
    with pytest.raises(te.ExprError, match="tensor 'A' used as a value"):
        te.compute((4,), lambda i: -A, name="B")
