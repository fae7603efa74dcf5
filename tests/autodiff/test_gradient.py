"""te.gradient on each construct of the language, against central differences in
float64 (or exact expected values): elementwise math, reductions, index maps
(transpose, broadcast, slices, padding, reshape, strides, dilation, clamps,
guards), several inputs, repeated reads, chains, integer arguments, init=."""

import warnings

import numpy as np
import pytest

import tecomp as te
from tecomp import topi
from tecomp.errors import ExprError

from grad_helpers import check_grad

F64 = "float64"
N = 6


def ph(shape, name, dtype=F64):
    return te.placeholder(shape, name=name, dtype=dtype)


UNARY = {
    "exp": (te.exp, (-2, 2)), "log": (te.log, (0.5, 3)), "sqrt": (te.sqrt, (0.5, 3)),
    "sigmoid": (te.sigmoid, (-3, 3)), "tanh": (te.tanh, (-2, 2)), "abs": (te.abs, (0.2, 2)),
    "erf": (te.erf, (-2, 2)), "rsqrt": (te.rsqrt, (0.5, 3)), "sin": (te.sin, (-2, 2)),
    "cos": (te.cos, (-2, 2)), "log2": (te.log2, (0.5, 3)), "exp2": (te.exp2, (-2, 2)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_math(name):
    fn, data_range = UNARY[name]
    A = ph((N, N), "A")
    B = te.compute((N, N), lambda i, j: fn(A[i, j] * A[j, i]) if name != "abs"
                   else fn(A[i, j] - 1.0) * A[j, i], name="B")
    check_grad(B, [A], data_range=data_range)


@pytest.mark.parametrize("name,dtype", [("exp", F64), ("expf", "float32"), ("sqrt", F64),
                                        ("floor", F64)])
def test_libm_function_called_by_name(name, dtype):
    A = ph((N, N), "A", dtype)
    B = te.compute((N, N), lambda i, j: te.tir.call_pure_extern(dtype, name, A[i, j] * A[j, i])
                   + A[i, j], name="B")
    a = np.random.default_rng(3).uniform(0.5, 2.0, (N, N)).astype(dtype).astype(F64)
    derivative = {"exp": np.exp, "expf": np.exp, "sqrt": lambda x: 0.5 / np.sqrt(x),
                  "floor": lambda x: 0.0 * x}[name](a * a.T)
    # d/dA[p, q] of sum(f(A[i, j] * A[j, i]) + A[i, j]): 1 + 2 A[q, p] f'(A[p, q] A[q, p])
    desired = 1.0 + 2.0 * a.T * derivative
    check_grad(B, [A], data_range=(0.5, 2.0), seed=3, desired=[desired.astype(dtype)],
               rtol=1e-5 if dtype == F64 else 1e-4)


def test_unknown_external_function_is_refused_by_name():
    A = ph((N,), "A")
    B = te.compute((N,), lambda i: te.tir.call_pure_extern(F64, "my_kernel", A[i]), name="B")
    with pytest.raises(te.TecompError, match="no derivative rule for the external function "
                                             "'my_kernel'.*known: the libm functions"):
        te.gradient(B, [A], head=B)


@pytest.mark.parametrize("fn", [te.floor, te.ceil, te.trunc, te.round])
def test_rounding_has_zero_gradient(fn):
    A = ph((N, N), "A")
    B = te.compute((N, N), lambda i, j: fn(A[i, j]) * 3.0, name="B")
    check_grad(B, [A], desired=[np.zeros((N, N))])


def test_arithmetic_power_select_minmax_cast():
    A, B = ph((N, N), "A"), ph((N, N), "B")
    C = te.compute((N, N), lambda i, j: te.power(A[i, j], B[j, i]) / (1.0 + B[i, j] * B[i, j])
                   + te.max(A[i, j], B[i, j]) - te.min(A[j, i], 0.5)
                   + te.select(A[i, j] > 1.0, A[i, j] * B[i, j], -A[i, j])
                   + A[i, j].astype("float32").astype(F64) * 2.0, name="C")
    check_grad(C, [A, B], data_range=(0.3, 2.0))


def test_if_then_else_guard_and_padding():
    A = ph((N, N), "A")
    P = topi.nn.pad(A, (1, 2), (3, 1))
    C = te.compute((N, N), lambda i, j: te.if_then_else(i + j < N, A[i, j] * A[i, j], 0.0)
                   + P[i + 1, j + 3], name="C")
    check_grad(C, [A])


def test_several_inputs_repeated_reads_and_a_chain():
    A, B = ph((N, N), "A"), ph((N,), "B")
    C = te.compute((N, N), lambda i, j: A[i, j] * (A[j, i] + B[j]) + A[i, j], name="C")
    D = te.compute((N, N), lambda i, j: te.exp(C[i, j] * 0.1) * C[j, i] + B[i], name="D")
    check_grad(D, [A, B])


@pytest.mark.parametrize("reducer", ["sum", "max", "min", "prod"])
def test_reductions(reducer):
    A = ph((N, N + 1), "A")
    k = te.reduce_axis((0, N + 1), name="k")
    fn = {"sum": te.sum, "max": te.max, "min": te.min, "prod": te.prod}[reducer]
    B = te.compute((N,), lambda i: fn(A[i, k] * A[i, k] + A[i, 0], axis=k), name="B")
    check_grad(B, [A], data_range=(0.5, 1.5))


def test_max_ties_send_the_gradient_to_the_first_extreme():
    A = ph((3, 4), "A")
    k = te.reduce_axis((0, 4), name="k")
    B = te.compute((3,), lambda i: te.max(A[i, k], axis=k), name="B")
    C = te.compute((3,), lambda i: B[i] * 2.0, name="C")
    ones = topi.full_like(C, 1.0)
    (g,) = te.gradient(C, [A], head=ones)
    f = te.build(te.create_schedule(g.op), [g, A])
    a = np.array([[1, 3, 3, 0], [5, 5, 5, 5], [0, 1, 2, 7]], F64)
    out = np.zeros((3, 4))
    f(out, a)
    np.testing.assert_array_equal(out, [[0, 2, 0, 0], [2, 0, 0, 0], [0, 0, 0, 2]])


def test_reduction_with_where_and_two_axes():
    A = ph((N, N), "A")
    k = te.reduce_axis((0, N), name="k")
    r = te.reduce_axis((1, 3), name="r")
    B = te.compute((N,), lambda i: te.max(A[i, k] * A[(k + r) % N, i], axis=[k, r],
                                           where=k != i), name="B")
    with pytest.warns(te.GradientWarning, match=r"A\[floormod\(\(k \+ r\), 6\), i\] in 'B'"):
        check_grad(B, [A])   # the modulo is not inverted: the correct, slower form
    with pytest.warns(te.GradientWarning) as caught:
        te.gradient(B, [A], head=te.placeholder(B.shape, B.dtype, name="head"))
    assert caught[0].filename == __file__      # the user's line, not a pass of tecomp's


def test_a_head_of_another_dtype_is_refused():
    A = ph((N, N), "A")
    B = te.compute((N, N), lambda i, j: A[i, j] * 2, name="B")
    head = te.placeholder(B.shape, "float16" if B.dtype != "float16" else "float32", name="H")
    with pytest.raises(ExprError, match=f"head 'H' is {head.dtype} but output 'B' is {B.dtype}"):
        te.gradient(B, [A], head=head)


def test_user_comm_reducer_and_init():
    A = ph((N, N), "A")
    k = te.reduce_axis((0, N), name="k")
    logsum = te.comm_reducer(lambda x, y: te.log(te.exp(x) + te.exp(y)),
                             lambda t: te.const(-1e30, t), name="logsumexp")
    B = te.compute((N,), lambda i: logsum(A[i, k] * 2.0, axis=k), name="B")
    check_grad(B, [A])
    C = te.compute((N,), lambda i: te.sum(A[i, k] * A[k, i], axis=k, init=A[i, i] * 3.0),
                   name="C")
    check_grad(C, [A])


def test_index_maps_transpose_broadcast_slice_strides():
    A = ph((8, 6), "A")
    B = ph((6,), "B")
    C = te.compute((3, 6), lambda i, j: A[2 * i + 1, 5 - j] * B[j] + A[7 - 2 * i, j], name="C")
    check_grad(C, [A, B])
    D = topi.strided_slice(topi.transpose(A), [1, 0], [6, 8], [2, 3])
    check_grad(D, [A])
    E = topi.broadcast_to(B, (4, 6))
    check_grad(E, [B])


def test_reshape_concat_split_take_upsampling():
    X = ph((2, 3, 4), "X")
    R = topi.reshape(topi.transpose(X, (1, 0, 2)), (4, 6))
    check_grad(R, [X])
    S0, S1 = topi.split(X, [1], axis=1)
    check_grad(topi.concatenate((S1, X, S0), 1), [X])
    U = topi.nn.upsampling(topi.reshape(X, (1, 2, 3, 4)), 2, 3)
    check_grad(U, [X])
    idx = te.placeholder((7,), name="I", dtype="int32")
    with pytest.warns(te.GradientWarning, match="cannot be inverted"):
        check_grad(topi.take(X, idx, axis=1), [X], [idx], data_range=(0, 3))


def test_clamped_index_map():
    A = ph((N, N), "A")
    k = te.reduce_axis((0, N), name="k")
    B = te.compute((N, N), lambda i, j: te.sum(A[k, k] - A[te.min(j + k, N - 1), j] * A[i, k],
                                               axis=k), name="B")
    check_grad(B, [A])


@pytest.mark.parametrize("stride,dilation,padding", [(1, 1, 1), (2, 1, 0), (3, 2, 1), (2, 3, 2)])
def test_conv2d_and_pooling(stride, dilation, padding):
    X = ph((1, 2, 9, 9), "X")
    W = ph((3, 2, 3, 3), "W")
    check_grad(topi.nn.conv2d(X, W, stride, padding, dilation), [X, W])
    for kind in ("max", "avg"):
        P = topi.nn.pool2d(X, (2, 3), (stride, stride), (dilation, 1), (padding,) * 4, kind)
        check_grad(P, [X])
    D = ph((2, 2, 3, 3), "D")
    check_grad(topi.nn.depthwise_conv2d_nchw(X, D, stride, padding, dilation), [X, D])


def test_softmax_dense_and_integer_arguments():
    X, W = ph((4, 5), "X"), ph((3, 5), "W")
    labels = te.placeholder((4,), name="labels", dtype="int32")
    loss = topi.nn.softmax_cross_entropy(topi.nn.dense(X, W), labels)
    grads, _ = check_grad(loss, [X, W], [labels], data_range=(0, 2.9), head=False)
    assert [g.name for g in grads] == ["X.grad", "W.grad"]
    check_grad(topi.nn.log_softmax(topi.nn.relu(topi.nn.dense(X, W))), [W], [X])


def test_unrelated_input_gets_zeros_and_head_prefix():
    A, B = ph((3, 4), "A"), ph((5,), "B")
    C = te.compute((3, 4), lambda i, j: A[i, j] * A[i, j], name="C")
    head = ph((2, 3, 4), "head")
    gA, gB = te.gradient(C, [A, B], head=head)
    assert [int(d) for d in gA.shape] == [2, 3, 4] and [int(d) for d in gB.shape] == [2, 5]
    f = te.build(te.create_schedule([gA.op, gB.op]), [gA, gB, A, head])
    a = np.random.default_rng(0).random((3, 4))
    h = np.random.default_rng(1).random((2, 3, 4))
    ga, gb = np.zeros((2, 3, 4)), np.ones((2, 5))
    f(ga, gb, a, h)
    np.testing.assert_allclose(ga, h * 2 * a)
    np.testing.assert_array_equal(gb, 0)


def test_jacobian_and_head_none():
    A = ph((3,), "A")
    B = te.compute((2,), lambda i: A[i] * A[i + 1], name="B")
    J = te.jacobian(B, A)
    f = te.build(te.create_schedule(J.op), [J, A])
    a = np.array([1.0, 2.0, 3.0])
    j = np.zeros((2, 3))
    f(j, a)
    np.testing.assert_allclose(j, [[2, 1, 0], [0, 3, 2]])
    with pytest.warns(te.GradientWarning, match="full Jacobian"):
        (g,) = te.gradient(B, [A])
    assert [int(d) for d in g.shape] == [2, 3]
    L = te.compute((1,), lambda i: A[0] * A[2], name="L")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (g,) = te.gradient(L, A)
    f = te.build(te.create_schedule(g.op), [g, A])
    out = np.zeros(3)
    f(out, a)
    np.testing.assert_allclose(out, [3, 0, 1])
