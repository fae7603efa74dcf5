"""te.gradient of tuple reductions (tecomp/autodiff/tuple_reduce.py): a selected value
(argmax's) sends its adjoint to the point the combiner selected, ties as the
combiner breaks them; values reduced on their own (a sum beside a max) are
differentiated as their own reductions; anything else is refused by name."""

import numpy as np
import pytest

import tecomp as te
from tecomp import topi
from tecomp.te.tensor import ComputeOp, post_order

from grad_helpers import check_grad

F64 = "float64"


def argmax_reducer(name="argmax", first_wins=True):
    """TVM topi's argmax/argmin combiner: the greater (smaller) value, the smaller
    index on a tie."""
    def fcombine(x, y):
        better = x[1] > y[1] if first_wins else x[1] < y[1]
        same = x[1] == y[1]
        take_x = te.any(better, te.all(same, x[0] < y[0]))
        return te.select(take_x, x[0], y[0]), te.select(better, x[1], y[1])

    def fidentity(t0, t1):
        return te.const(-1, t0), te.min_value(t1) if first_wins else te.max_value(t1)
    return te.comm_reducer(fcombine, fidentity, name=name)


def gradient_of(out, inputs, head):
    grads = te.gradient(out, inputs, head=head)
    placeholders = sorted({t for t in inputs} | {head}, key=lambda t: t.name)
    f = te.build(te.create_schedule([g.op for g in grads]), list(grads) + placeholders)
    return grads, f, placeholders


def test_argmax_value_gradient_goes_to_the_selected_element_ties_to_the_first():
    A = te.placeholder((4, 5), name="A", dtype=F64)
    k = te.reduce_axis((0, 5), name="k")
    idx, val = te.compute((4,), lambda i: argmax_reducer()((k.var.astype("int32"), A[i, k] * 2.0),
                                                          axis=k), name="T")
    head = te.placeholder((4,), name="head", dtype=F64)
    (g,), f, _ = gradient_of(val, [A], head)
    assert g.name == "A.grad"
    names = {op.name for op in post_order([g.op]) if isinstance(op, ComputeOp)}
    assert "T.selected" in names and not any(n.endswith(".others") for n in names)
    a = np.array([[1, 3, 3, 0, 2], [5, 5, 5, 5, 5], [0, 1, 2, 7, -1], [-4, -2, -3, -2, -9]], F64)
    h = np.array([1.0, -2.0, 0.5, 3.0])
    out = np.full((4, 5), np.nan)
    f(out, a, h)
    expected = np.zeros((4, 5))
    expected[[0, 1, 2, 3], [1, 0, 3, 1]] = 2.0 * h
    np.testing.assert_array_equal(out, expected)
    with pytest.raises(te.TecompError, match="output 'T.v0' has dtype int32; it must be a float"):
        te.gradient(idx, [A], head=te.placeholder((4,), name="h0", dtype="int32"))


def test_argmin_in_a_chain_with_where_and_two_axes():
    A = te.placeholder((3, 4, 5), name="A", dtype=F64)
    B = te.placeholder((3,), name="B", dtype=F64)
    r = te.reduce_axis((0, 4), name="r")
    c = te.reduce_axis((1, 5), name="c")
    _, low = te.compute((3,), lambda i: argmin_value(i, A, r, c), name="T")
    C = te.compute((3,), lambda i: low[i] * B[i] + te.exp(low[i]), name="C")
    check_grad(C, [A, B], data_range=(-2.0, 2.0), seed=4)


def argmin_value(i, A, r, c):
    return argmax_reducer("argmin", first_wins=False)(
        ((r.var * 5 + c.var).astype("int32"), A[i, r, c] * A[i, r, c] - A[i, 0, 0]),
        axis=[r, c], where=(r + c) % 3 != 0)


def test_values_reduced_on_their_own_and_a_select_form_reducer():
    A = te.placeholder((4, 6), name="A", dtype=F64)
    k = te.reduce_axis((0, 6), name="k")
    pair = te.comm_reducer(lambda x, y: (x[0] + y[0], te.max(x[1], y[1])),
                           lambda t0, t1: (te.const(0, t0), te.min_value(t1)), name="sum_max")
    total, top = te.compute((4,), lambda i: pair((A[i, k] * A[i, k], te.sin(A[i, k])), axis=k),
                            name="P")
    Q = te.compute((4,), lambda i: total[i] * 0.3 + top[i] * top[i], name="Q")
    check_grad(Q, [A], seed=1)
    larger = te.comm_reducer(lambda x, y: te.select(x >= y, x, y), lambda t: te.min_value(t),
                             name="larger")
    B = te.compute((4,), lambda i: larger(A[i, k] * A[i, 0], axis=k), name="B")
    grads, _ = check_grad(B, [A], seed=3)
    assert "B.selected" in {op.name for op in post_order([grads[0].op])}


def test_selected_init_value_takes_no_gradient():
    A = te.placeholder((3, 4), name="A", dtype=F64)
    k = te.reduce_axis((0, 4), name="k")
    _, val = te.compute((3,), lambda i: argmax_reducer()((k.var.astype("int32"), A[i, k]), axis=k,
                                                        init=(-1, 0.5)), name="T")
    head = te.placeholder((3,), name="head", dtype=F64)
    (g,), f, _ = gradient_of(val, [A], head)
    a = np.array([[0.1, 0.9, 0.3, 0.9], [0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.8, 0.2]], F64)
    out = np.full((3, 4), np.nan)
    f(out, a, np.ones(3))
    np.testing.assert_array_equal(out, [[0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0]])


def test_values_mixed_by_the_combiner_are_refused_by_name():
    A = te.placeholder((3, 4), name="A", dtype=F64)
    k = te.reduce_axis((0, 4), name="k")
    mixed = te.comm_reducer(lambda x, y: (x[0] + y[0], x[1] * y[1] + x[0] * y[0]),
                            lambda t0, t1: (te.const(0, t0), te.const(1, t1)), name="mixed")
    first, second = te.compute((3,), lambda i: mixed((A[i, k], A[i, k] + 1.0), axis=k), name="M")
    assert te.gradient(first, [A], head=topi.full_like(first, 1.0))[0].name == "A.grad"
    with pytest.raises(te.TecompError, match="output 1 of 'M' is reduced by mixed, whose value 1 .* "
                                             "neither a selection of one operand"):
        te.gradient(second, [A], head=topi.full_like(second, 1.0))
