"""tvm.nd and the device contexts: construction, printing, equality, and NDArrays
passed to compiled functions."""

import numpy as np
import pytest

import tecomp as tvm
from tecomp import te


def test_contexts_compare_and_print_like_tvm():
    assert repr(tvm.cpu(0)) == "cpu(0)" and str(tvm.gpu(1)) == "gpu(1)"
    assert repr(tvm.opencl(0)) == "opencl(0)"
    assert tvm.context("llvm", 0) == tvm.cpu(0) == tvm.context("cpu") == tvm.device("llvm -mcpu=x")
    assert tvm.context("cuda", 0) == tvm.gpu(0) == tvm.cuda(0) and tvm.gpu(0) != tvm.cpu(0)
    assert tvm.context(1, 0) == tvm.cpu(0) and tvm.cpu(0) != tvm.cpu(1)
    assert tvm.cpu(0).device_type == 1 and tvm.gpu(0).device_type == 2
    assert tvm.cpu(0).exist and len({tvm.cpu(0), tvm.context("llvm")}) == 1
    tvm.cpu(0).sync()
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        tvm.context("tpu")


def test_array_and_empty():
    x = np.arange(12, dtype="float32").reshape(3, 4)
    a = tvm.nd.array(x)
    assert isinstance(a, tvm.nd.NDArray) and isinstance(a, tvm.ndarray.NDArray)
    assert a.ctx == tvm.cpu(0) and a.device == tvm.cpu(0)
    assert a.shape == (3, 4) and a.dtype == np.float32
    x[0, 0] = 100          # a copy, not a view
    assert a.asnumpy()[0, 0] == 0
    out = a.numpy()
    assert type(out) is np.ndarray
    np.testing.assert_array_equal(out, np.arange(12).reshape(3, 4))
    g = tvm.nd.array([1, 2, 3], tvm.gpu(0))
    assert g.ctx == tvm.gpu(0) and g.dtype == np.int64
    e = tvm.nd.empty((2, 3), "int32", tvm.cpu(0))
    assert e.shape == (2, 3) and e.dtype == np.int32
    e2 = tvm.nd.empty((5,), device=tvm.cpu(0), dtype="float64")
    assert e2.dtype == np.float64 and e2.ctx == tvm.cpu(0)
    e.copyfrom(np.ones((2, 3)))
    np.testing.assert_array_equal(e.asnumpy(), 1)
    c = e.copyto(tvm.gpu(0))
    assert c.ctx == tvm.gpu(0) and (c.asnumpy() == 1).all()
    with pytest.raises(ValueError, match="does not match"):
        e.copyfrom(np.ones(4))
    assert "cpu(0)" in repr(e)


def test_ndarray_through_a_compiled_function():
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] * 2, name="B")
    f = tvm.build(te.create_schedule(B.op), [A, B], "llvm", target_host="llvm", name="double")
    ctx = tvm.cpu(0)
    a = tvm.nd.array(np.arange(10, dtype="float32"), ctx)
    b = tvm.nd.empty((10,), "float32", ctx)
    f(a, b)
    np.testing.assert_array_equal(b.asnumpy(), np.arange(10) * 2)
    with pytest.raises(tvm.ArgumentError, match="expected dtype float32"):
        f(tvm.nd.array(np.arange(10)), b)


def test_classic_flat_names_exist():
    for name in ("placeholder", "compute", "reduce_axis", "create_schedule", "sum", "max", "min",
                 "exp", "log", "sqrt", "const", "select", "if_then_else", "thread_axis", "var",
                 "lower", "build", "comm_reducer", "nd", "ndarray", "cpu", "gpu", "context"):
        assert hasattr(tvm, name), name
    tx = tvm.thread_axis("threadIdx.x")
    assert tx.thread_tag == "threadIdx.x"
