"""Wrong call arguments of every kind: each raises an ArgumentTypeError or
ArgumentValueError naming the argument (position and name) before native code runs."""

import numpy as np
import pytest

import tecomp as te
from tecomp import ArgumentTypeError, ArgumentValueError


@pytest.fixture(scope="module")
def f():
    n = te.var("n")
    A = te.placeholder((n, 4), name="A")
    B = te.compute((n, 4), lambda i, j: A[i, j] * 2, name="B")
    return te.build(te.create_schedule(B.op), [A, B], name="double")


a = np.ones((3, 4), "float32")


def out():
    return np.empty((3, 4), "float32")


@pytest.mark.parametrize("args", [(a,), (a, out(), 3, 4)])
def test_argument_count(f, args):
    with pytest.raises(ArgumentTypeError, match=r"double\(\) takes 3 \(A, B, n\) or 2 \(A, B\) "
                                                 rf"arguments, got {len(args)}"):
        f(*args)


@pytest.mark.parametrize("value, kind", [([[1.0] * 4] * 3, "list"), (None, "NoneType"),
                                         (3.0, "float")])
def test_not_an_ndarray(f, value, kind):
    with pytest.raises(ArgumentTypeError, match=rf"argument 1 'A': expected a numpy.ndarray of "
                                                rf"dtype float32 and shape \(n, 4\), got {kind}"):
        f(value, out())


def test_wrong_dtype(f):
    with pytest.raises(ArgumentTypeError, match="argument 1 'A': expected dtype float32, got float64"):
        f(a.astype("float64"), out())


def test_wrong_ndim(f):
    with pytest.raises(ArgumentValueError, match=r"argument 1 'A': expected 2 dimensions .* got 1"):
        f(np.ones(12, "float32"), out())


def test_wrong_constant_extent(f):
    with pytest.raises(ArgumentValueError, match=r"argument 1 'A': .*axis 1 must be 4"):
        f(np.ones((3, 5), "float32"), out())


def test_symbolic_extent_disagrees(f):
    with pytest.raises(ArgumentValueError, match=r"argument 2 'B': shape\[0\] is 4 but n = 3"):
        f(a, np.empty((4, 4), "float32"))


def test_not_contiguous(f):
    with pytest.raises(ArgumentValueError, match="argument 1 'A': expected a C-contiguous array"):
        f(np.ones((4, 3), "float32").T, out())


def test_read_only_output(f):
    b = out()
    b.flags.writeable = False
    with pytest.raises(ArgumentValueError, match="argument 2 'B': the function writes this array "
                                                 "but it is read-only"):
        f(a, b)


def test_output_aliases_input(f):
    big = np.ones((4, 4), "float32")
    with pytest.raises(ArgumentValueError, match="argument 2 'B' overlaps argument 1 'A'"):
        f(big[:3], big[1:4])


@pytest.mark.parametrize("value, kind", [("3", "str"), (3.0, "float"), (True, "bool")])
def test_scalar_of_wrong_type(f, value, kind):
    with pytest.raises(ArgumentTypeError, match=rf"argument 3 'n': expected an integer of dtype "
                                                rf"int32, got {kind}"):
        f(a, out(), value)


def test_scalar_disagrees_with_shape(f):
    with pytest.raises(ArgumentValueError, match=r"argument 3 'n': got 5 but shape\[0\] of "
                                                 r"argument 1 'A' gives 3"):
        f(a, out(), 5)


def test_keyword_arguments_refused(f):
    with pytest.raises(TypeError, match="keyword"):
        f(a, B=out())


def test_outputs_untouched_after_a_failed_check(f):
    b = np.full((3, 4), 7, "float32")
    with pytest.raises(ArgumentTypeError):
        f(a.astype("float64"), b)
    assert (b == 7).all()
