"""te.extern with packed calls (tvm.register_func / tvm.tir.call_packed) and
tvm.contrib.cblas against numpy, on the CPU."""

import numpy as np
import pytest

import tecomp as tvm
from tecomp import te
from tecomp.contrib import cblas

needs_blas = pytest.mark.skipif(not cblas.GEMM, reason="no CBLAS library found")


@pytest.fixture
def registered():
    """Register Python functions for one test; unregistered (overridden) after."""
    names = []

    def register(name, func):
        tvm.register_func(name, func, override=True)
        names.append(name)
    yield register
    for name in names:
        tvm.register_func(name, _gone, override=True)


def _gone(*args):
    raise RuntimeError("this test's function is gone")


def test_callback_gets_views_and_numbers_and_writes_the_output(registered, rng):
    seen = {}

    def scale_add(x, y, factor, offset):
        seen.update(types=(type(x), type(y)), factor=factor, offset=offset, shape=x.shape)
        y[...] = x * factor + offset          # a write into the kernel's buffer
    registered("test.scale_add", scale_add)
    n = te.var("n")
    A = te.placeholder((n, 3), name="A")
    B = te.extern(A.shape, [A], lambda ins, outs: tvm.tir.call_packed(
        "test.scale_add", ins[0], outs[0], 2.5, 7), name="B")
    C = te.compute(B.shape, lambda i, j: B[i, j] - A[i, j], name="C")
    s = te.create_schedule(C.op)
    f = tvm.build(s, [A, C])
    for rows in (1, 4):
        a = rng.random((rows, 3), dtype="float32")
        c = np.zeros_like(a)
        f(a, c)
        np.testing.assert_allclose(c, a * 1.5 + 7, rtol=1e-6)
    assert seen == {"types": (tvm.nd.NDArray, tvm.nd.NDArray), "factor": 2.5, "offset": 7,
                    "shape": (4, 3)}


def test_tutorial_style_addone_with_copyto_and_registration_lookup(registered, rng):
    registered("test.addone", lambda x, y: tvm.nd.array(x.numpy() + 1).copyto(y))
    y = tvm.nd.empty((1,), "float64")
    tvm.get_global_func("test.addone")(tvm.nd.array(np.ones(1)), y)     # callable from Python
    assert y.numpy().tolist() == [2.0]
    A = te.placeholder((50,), name="A", dtype="float64")
    B = te.extern(A.shape, [A], lambda ins, outs: tvm.call_packed(
        "test.addone", ins[0], outs[0]), name="B")
    s = te.create_schedule(B.op)
    f = tvm.build(s, [A, B])
    a = rng.random(50)
    b = np.zeros(50)
    f(a, b)
    np.testing.assert_array_equal(b, a + 1)


def test_override_takes_effect_in_built_code(registered):
    registered("test.fill", lambda y: y.fill(1))
    B = te.extern((4,), [], lambda ins, outs: tvm.tir.call_packed("test.fill", outs[0]),
                  name="B", dtype="int32")
    f = tvm.build(te.create_schedule(B.op), [B])
    out = np.zeros(4, "int32")
    f(out)
    assert out.tolist() == [1, 1, 1, 1]
    registered("test.fill", lambda y: y.fill(9))
    f(out)
    assert out.tolist() == [9, 9, 9, 9]


def test_two_outputs_and_a_stage_feeding_the_extern(registered, rng):
    def split_signs(x, pos, neg):
        pos[...] = np.maximum(x, 0)
        neg[...] = np.minimum(x, 0)
    registered("test.split_signs", split_signs)
    A = te.placeholder((6, 5), name="A")
    A2 = te.compute(A.shape, lambda i, j: A[i, j] * 2, name="A2")
    pos, neg = te.extern([A.shape, A.shape], [A2], lambda ins, outs: tvm.tir.call_packed(
        "test.split_signs", ins[0], outs[0], outs[1]), name="S")
    s = te.create_schedule([pos.op])
    f = tvm.build(s, [A, pos, neg])
    a = rng.standard_normal((6, 5)).astype("float32")
    p, q = np.zeros_like(a), np.zeros_like(a)
    f(a, p, q)
    np.testing.assert_array_equal(p, np.maximum(2 * a, 0))
    np.testing.assert_array_equal(q, np.minimum(2 * a, 0))


@needs_blas
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("transa,transb", [(False, False), (True, False), (False, True),
                                           (True, True)])
def test_cblas_matmul(dtype, transa, transb, rng):
    n, k, m = 37, 19, 23
    A = te.placeholder((k, n) if transa else (n, k), name="A", dtype=dtype)
    B = te.placeholder((m, k) if transb else (k, m), name="B", dtype=dtype)
    bias = te.var("bias", dtype=dtype)
    C = cblas.matmul(A, B, transa, transb)
    D = te.compute(C.shape, lambda i, j: C[i, j] + bias, name="D")
    f = tvm.build(te.create_schedule(D.op), [A, B, D, bias])
    a = rng.random(A.shape).astype(dtype)
    b = rng.random(B.shape).astype(dtype)
    d = np.zeros((n, m), dtype)
    f(a, b, d, 10.0)
    want = (a.T if transa else a) @ (b.T if transb else b) + 10
    np.testing.assert_allclose(d, want, rtol=1e-5 if dtype == "float32" else 1e-12)


@needs_blas
def test_cblas_batch_matmul_and_registry(rng):
    assert tvm.get_global_func("tvm.contrib.cblas.matmul", allow_missing=True) is not None
    A = te.placeholder((3, 4, 5), name="A")
    B = te.placeholder((3, 5, 6), name="B")
    C = cblas.batch_matmul(A, B)
    f = tvm.build(te.create_schedule(C.op), [A, B, C])
    a, b = rng.random((3, 4, 5), dtype="float32"), rng.random((3, 5, 6), dtype="float32")
    c = np.zeros((3, 4, 6), "float32")
    f(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-5)


def test_an_extern_reader_rules_out_in_place_calls(registered, rng):
    """D reads A pointwise, but the extern stage reads A whole too: f(A, E, D=A) is refused."""
    registered("test.copy", lambda x, y: np.copyto(y, x))
    A = te.placeholder((16,), name="A")
    D = te.compute(A.shape, lambda i: A[i] * 2, name="D")
    E = te.extern(A.shape, [A], lambda ins, outs: tvm.tir.call_packed(
        "test.copy", ins[0], outs[0]), name="E")
    s = te.create_schedule([D.op, E.op])
    f = tvm.build(s, [A, D, E])
    a = rng.random(16, dtype="float32")
    with pytest.raises(tvm.ArgumentError, match="'D' overlaps argument 1 'A'"):
        f(a, a, np.zeros_like(a))
    d, e = np.zeros_like(a), np.zeros_like(a)
    f(a, d, e)
    np.testing.assert_array_equal(d, 2 * a)
    np.testing.assert_array_equal(e, a)
