"""The expression language itself: promotion, constant folding, structure."""

import numpy as np
import pytest

import tecomp as te
from tecomp.ir import expr as E
from tecomp.ir import structural_equal


def test_python_scalars_take_the_other_side_dtype():
    A = te.placeholder((4,), dtype="float16", name="A")
    assert (A[0] + 1).dtype == "float16"
    i = te.var("i")
    assert i.dtype == "int32" and (i + 1).dtype == "int32"   # TVM's default
    assert (te.var("j", "int64") + 1).dtype == "int64"
    assert (i + 1.5).dtype == "float32"


def test_promotion_rules():
    a = te.var("a", "int8")
    b = te.var("b", "uint8")
    c = te.var("c", "float64")
    assert (a + b).dtype == "int16"
    assert (a + c).dtype == "float64"
    assert (te.var("x", "float32") + c).dtype == "float64"


def test_constant_shape_arithmetic_folds():
    A = te.placeholder((10, 6), name="A")
    assert isinstance(A.shape[0] + 2, E.IntImm) and int(A.shape[0] + 2) == 12
    assert int(A.shape[0] * A.shape[1] // 4) == 15
    assert np.empty((A.shape[0], A.shape[1] - 1)).shape == (10, 5)


def test_floordiv_and_mod_of_negative_constants_fold_like_python():
    assert int(te.const(-7, "int64") // te.const(2, "int64")) == -4
    assert int(te.const(-7, "int64") % te.const(2, "int64")) == 1


def test_structural_equality_and_identity():
    i = te.var("i")
    j = te.var("i")
    assert structural_equal(i * 2 + 1, i * 2 + 1)
    assert not structural_equal(i * 2 + 1, j * 2 + 1)
    assert {i: 1}.get(j) is None   # variables are objects, not names


def test_comparison_builds_nodes_and_equal_is_explicit():
    i = te.var("i")
    assert isinstance(i < 3, E.LT)
    assert isinstance(i.equal(3), E.EQ)
    assert i in [i] and i != None  # noqa: E711


def test_astype_and_const():
    x = te.const(3)
    assert x.dtype == "int32"
    assert te.const(2.5).dtype == "float32"
    assert x.astype("float64").dtype == "float64"
    with pytest.raises(te.ExprError, match="does not fit dtype int8"):
        te.const(300, "int8")
