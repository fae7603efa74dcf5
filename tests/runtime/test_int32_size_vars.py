"""A size variable of a narrower integer dtype (``te.var("n", "int32")``) is bound
from an array's shape like an int64 one, on every path of a call."""

import numpy as np
import pytest

import tecomp as te
from tecomp.errors import ArgumentValueError


def _double(dtype="int32"):
    n = te.var("n", dtype)
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] * 2, name="B")
    return te.create_schedule(B.op), [A, B]


@pytest.mark.parametrize("dtype", ["int32", "int16", "int64"])
def test_bound_from_the_shape(dtype):
    s, args = _double(dtype)
    f = te.build(s, args)
    for size in (1, 5, 300):
        a = np.arange(size, dtype="float32")
        b = np.zeros(size, "float32")
        f(a, b)                             # the native fast path after the first call
        np.testing.assert_array_equal(b, a * 2)
    b = np.zeros(300, "float32")
    f.get_function(f.entry_name).checked_call(a, b)   # the Python checker
    np.testing.assert_array_equal(b, a * 2)


def test_mismatched_shapes_name_the_variable():
    s, args = _double()
    f = te.build(s, args)
    with pytest.raises(ArgumentValueError, match=r"argument 2 'B': shape\[0\] is 4 but n = 5"
                                                 r".*expected shape \(n,\)"):
        f(np.zeros(5, "float32"), np.zeros(4, "float32"))


def test_a_size_beyond_the_dtype_is_refused():
    s, args = _double("int16")
    f = te.build(s, args)
    with pytest.raises(ArgumentValueError, match="n = 40000 does not fit its dtype int16"):
        f(np.zeros(40000, "float32"), np.zeros(40000, "float32"))


def test_loaded_library_and_header(tmp_path):
    s, args = _double()
    path, header = te.build(s, args, name="twice").export_library(str(tmp_path / "libd.so"))
    assert "A: float32 [n]" in open(header).read()
    g = te.load_module(path)
    a = np.arange(7, dtype="float32")
    b = np.zeros(7, "float32")
    g(a, b)
    np.testing.assert_array_equal(b, a * 2)
