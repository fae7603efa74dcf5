"""Misuse of the expression language: clear ExprError messages."""

import pytest

import tecomp as te
from tecomp import ExprError, LoweringError


def test_reduction_not_at_top():
    A = te.placeholder((4, 5), name="A")
    k = te.reduce_axis((0, 5), name="k")
    with pytest.raises(ExprError, match=r"compute 'B': a reduction \(sum\) must be the whole body"):
        te.compute((4,), lambda i: te.sum(A[i, k], axis=k) + 1, name="B")


def test_reduce_axis_outside_reduction():
    A = te.placeholder((4, 5), name="A")
    k = te.reduce_axis((0, 5), name="k")
    with pytest.raises(ExprError, match="reduce axis 'k' is used outside a reduction"):
        te.compute((4,), lambda i: A[i, k], name="B")


def test_wrong_index_count():
    A = te.placeholder((4, 5), name="A")
    with pytest.raises(ExprError, match=r"tensor 'A' has 2 dimensions .* indexed with 1"):
        te.compute((4,), lambda i: A[i], name="B")


def test_float_index():
    A = te.placeholder((4,), name="A")
    with pytest.raises(ExprError, match="indices must be scalar integers"):
        te.compute((4,), lambda i: A[A[i]], name="B")


def test_lambda_arity():
    with pytest.raises(ExprError, match=r"the lambda takes 1 arguments \['i'\] but the shape"):
        te.compute((4, 5), lambda i: i, name="B")


def test_tensor_used_as_value():
    A = te.placeholder((4,), name="A")
    with pytest.raises(ExprError, match="tensor 'A' used as a value; index it"):
        te.compute((4,), lambda i: A + 1, name="B")


def test_expression_as_python_bool():
    i = te.var("i")
    with pytest.raises(ExprError, match="no Python truth value"):
        if i < 3:
            pass


def test_exp_of_integer():
    A = te.placeholder((4,), dtype="int32", name="A")
    with pytest.raises(ExprError, match=r"exp: needs a float argument.*astype"):
        te.compute((4,), lambda i: te.exp(A[i]), name="B")


def test_unsupported_dtype():
    with pytest.raises(ExprError, match="unsupported dtype 'complex64'"):
        te.placeholder((4,), dtype="complex64", name="A")


def test_int_uint64_mix_refused():
    A = te.placeholder((4,), dtype="uint64", name="A")
    B = te.placeholder((4,), dtype="int64", name="B")
    with pytest.raises(ExprError, match=r"no signed type holds both.*astype"):
        te.compute((4,), lambda i: A[i] + B[i], name="C")


def test_sum_axis_not_reduce_axis():
    A = te.placeholder((4,), name="A")
    with pytest.raises(ExprError, match="is not a reduce_axis"):
        te.compute((1,), lambda i: te.sum(A[i], axis=[i]), name="B")


def test_missing_input_in_args():
    A = te.placeholder((4,), name="A")
    B = te.compute((4,), lambda i: A[i] + 1, name="B")
    s = te.create_schedule(B.op)
    with pytest.raises(LoweringError, match=r"input 'A' \(read by 'B'\) is not in the argument list"):
        te.lower(s, [B])
    with pytest.raises(LoweringError, match="output 'B' is not in the argument list"):
        te.build(s, [A])
    with pytest.raises(LoweringError, match=r"binds= \(buffers for tensors A\) is not supported"):
        te.lower(s, [A, B], binds={A: None})
