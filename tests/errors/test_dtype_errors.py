"""Unsupported dtypes and dtype mixes: ExprError with the dtypes and a fix."""

import pytest

import tecomp as te
from tecomp import ExprError


@pytest.mark.parametrize("dtype", ["float128", "complex64", "int4", "float32x0"])
def test_unsupported_placeholder_dtype(dtype):
    with pytest.raises(ExprError, match="dtype"):
        te.placeholder((4,), dtype=dtype, name="A")


def test_astype_to_unsupported():
    A = te.placeholder((4,), name="A")
    with pytest.raises(ExprError, match="unsupported dtype 'float128'; supported: bool, int8"):
        A[0].astype("float128")


def test_var_of_bool_dtype():
    with pytest.raises(ExprError, match="var 'x': dtype must be a scalar int or float, got bool"):
        te.var("x", dtype="bool")


def test_uint64_int64_mix():
    A = te.placeholder((4,), dtype="uint64", name="A")
    B = te.placeholder((4,), dtype="int64", name="B")
    with pytest.raises(ExprError, match="no signed type holds both; cast one with .astype"):
        te.compute((4,), lambda i: A[i] * B[i], name="C")


def test_vector_lane_mix():
    with pytest.raises(ExprError, match="lane counts differ"):
        te.const(1.0, "float32x4") + te.const(1.0, "float32x8")


@pytest.mark.parametrize("fn, name", [(lambda a: a % 2, "floormod"),
                                      (lambda a: te.truncdiv(a, 2.0), "truncdiv"),
                                      (lambda a: te.truncmod(a, 2.0), "truncmod")])
def test_integer_division_of_floats(fn, name):
    A = te.placeholder((4,), name="A")
    with pytest.raises(ExprError, match=rf"{name}.* needs integer operands, got float32"):
        te.compute((4,), lambda i: fn(A[i]), name="B")


@pytest.mark.parametrize("fn", [te.exp, te.log, te.sqrt, te.tanh, te.sigmoid, te.erf])
def test_float_intrinsic_of_integer(fn):
    A = te.placeholder((4,), dtype="int32", name="A")
    with pytest.raises(ExprError, match=r"needs a float argument.*astype\('float32'\)"):
        te.compute((4,), lambda i: fn(A[i]), name="B")


@pytest.mark.parametrize("value, dtype", [(300, "int8"), (-1, "uint8"), (2 ** 40, "int32"),
                                          (1.5, "int32")])
def test_constant_does_not_fit(value, dtype):
    with pytest.raises(ExprError, match=f"does not fit.*{dtype}"):
        te.const(value, dtype)


def test_constant_of_a_string():
    with pytest.raises(ExprError, match="cannot make a constant from 'a'"):
        te.const("a")


def test_float_index():
    A = te.placeholder((4,), name="A")
    with pytest.raises(ExprError, match=r"index 0 .* has dtype float32; indices must be scalar integers"):
        te.compute((4,), lambda i: A[i * 0.5], name="B")


def test_tensor_in_if_then_else():
    A = te.placeholder((4,), name="A")
    with pytest.raises(ExprError, match="cannot use Tensor.* in an expression"):
        te.if_then_else(A, 1, 2)


@pytest.mark.parametrize("body, kind", [(lambda i: None, "NoneType"), (lambda i: "x", "str")])
def test_compute_body_not_an_expression(body, kind):
    with pytest.raises(ExprError, match=f"cannot use .* of type {kind} in an expression"):
        te.compute((4,), body, name="B")


def test_compute_with_a_non_callable():
    with pytest.raises(ExprError, match="callable"):
        te.compute((2,), 5, name="B")


def test_shape_entries_not_integers():
    with pytest.raises(ExprError, match="shape entries must be integers or integer vars, got 'a'"):
        te.placeholder("abc", name="A")
    with pytest.raises(ExprError, match=r"shape entry 2.5 is not an integer; use //"):
        te.placeholder((2.5,), name="A")
    assert te.placeholder((2.0,), name="A").shape[0].value == 2   # integral: TVM accepts it
