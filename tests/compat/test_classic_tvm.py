"""Course-era TVM code (CSE 599W, 2018, assignment 2's tvm_op.py style) runs with
``import tecomp as tvm``: flat names, ``A(*i)``, ``tvm.max``/``tvm.select`` on
expressions, ``tvm.build(..., target_host=..., name=...)``, ``tvm.nd.array``
and ``.asnumpy()``. Each operator is compared with numpy."""

import numpy as np
import pytest

import tecomp as tvm
from tecomp import topi

tgt_host = "llvm"
tgt = "llvm"
dtype = "float32"
ctx = tvm.context(tgt, 0)


# ------------------------------------------------------------------ the operators, as students wrote them

def make_elemwise_add(shape, tgt, tgt_host, func_name, dtype="float32"):
    A = tvm.placeholder(shape, dtype=dtype, name="A")
    B = tvm.placeholder(shape, dtype=dtype, name="B")
    C = tvm.compute(A.shape, lambda *i: A(*i) + B(*i))
    s = tvm.create_schedule(C.op)
    return tvm.build(s, [A, B, C], tgt, target_host=tgt_host, name=func_name)


def make_elemwise_mul_by_const(shape, const_k, tgt, tgt_host, func_name, dtype="float32"):
    A = tvm.placeholder(shape, dtype=dtype, name="A")
    C = tvm.compute(A.shape, lambda *i: A(*i) * const_k)
    s = tvm.create_schedule(C.op)
    return tvm.build(s, [A, C], tgt, target_host=tgt_host, name=func_name)


def make_relu(shape, tgt, tgt_host, func_name, dtype="float32"):
    A = tvm.placeholder(shape, dtype=dtype, name="A")
    C = tvm.compute(A.shape, lambda *i: tvm.max(A(*i), tvm.const(0, A.dtype)))
    s = tvm.create_schedule(C.op)
    return tvm.build(s, [A, C], tgt, target_host=tgt_host, name=func_name)


def make_relu_gradient(shape, tgt, tgt_host, func_name, dtype="float32"):
    A = tvm.placeholder(shape, dtype=dtype, name="A")
    B = tvm.placeholder(shape, dtype=dtype, name="B")
    C = tvm.compute(A.shape, lambda *i: B(*i) * tvm.select(A(*i) > 0, 1, 0))
    s = tvm.create_schedule(C.op)
    return tvm.build(s, [A, B, C], tgt, target_host=tgt_host, name=func_name)


def make_matrix_mul(shapeA, transposeA, shapeB, transposeB, tgt, tgt_host, func_name,  # noqa: N803
                    dtype="float32"):
    A = tvm.placeholder(shapeA, dtype=dtype, name="A")
    B = tvm.placeholder(shapeB, dtype=dtype, name="B")
    n = shapeA[1] if transposeA else shapeA[0]
    m = shapeB[0] if transposeB else shapeB[1]
    k = tvm.reduce_axis((0, shapeA[0] if transposeA else shapeA[1]), name="k")
    a = (lambda i: A[k, i]) if transposeA else (lambda i: A[i, k])
    b = (lambda j: B[j, k]) if transposeB else (lambda j: B[k, j])
    C = tvm.compute((n, m), lambda i, j: tvm.sum(a(i) * b(j), axis=k))
    s = tvm.create_schedule(C.op)
    xo, yo, xi, yi = s[C].tile(C.op.axis[0], C.op.axis[1], 32, 32)
    ko, ki = s[C].split(k, factor=4)
    s[C].reorder(xo, yo, ko, xi, ki, yi)
    s[C].vectorize(yi)
    s[C].parallel(xo)
    assert "parallel" in str(tvm.lower(s, [A, B, C], simple_mode=True))
    return tvm.build(s, [A, B, C], tgt, target_host=tgt_host, name=func_name)


def make_conv2d(shapeX, shapeF, tgt, tgt_host, func_name, dtype="float32"):  # noqa: N803
    N, C, H, W = shapeX
    M, _, R, S = shapeF
    X = tvm.placeholder(shapeX, dtype=dtype, name="X")
    F = tvm.placeholder(shapeF, dtype=dtype, name="F")
    rc = tvm.reduce_axis((0, C), name="rc")
    rr = tvm.reduce_axis((0, R), name="rr")
    rs = tvm.reduce_axis((0, S), name="rs")
    Y = tvm.compute((N, M, H - R + 1, W - S + 1),
                    lambda n, m, h, w: tvm.sum(X[n, rc, h + rr, w + rs] * F[m, rc, rr, rs],
                                               axis=[rc, rr, rs]))
    s = tvm.create_schedule(Y.op)
    return tvm.build(s, [X, F, Y], tgt, target_host=tgt_host, name=func_name)


def _softmax(A, shape):
    j1 = tvm.reduce_axis((0, shape[1]), name="j1")
    j2 = tvm.reduce_axis((0, shape[1]), name="j2")
    maxes = tvm.compute((shape[0],), lambda i: tvm.max(A[i, j1], axis=j1))
    e_x = tvm.compute(shape, lambda i, j: tvm.exp(A[i, j] - maxes[i]))
    sums = tvm.compute((shape[0],), lambda i: tvm.sum(e_x[i, j2], axis=j2))
    return tvm.compute(shape, lambda i, j: e_x[i, j] / sums[i])


def make_matrix_softmax(shape, tgt, tgt_host, func_name, dtype="float32"):
    A = tvm.placeholder(shape, dtype=dtype, name="A")
    B = _softmax(A, shape)
    s = tvm.create_schedule(B.op)
    return tvm.build(s, [A, B], tgt, target_host=tgt_host, name=func_name)


def make_matrix_softmax_cross_entropy(shape, tgt, tgt_host, func_name, dtype="float32"):
    """Hint: output shape should be (1,)"""
    y = tvm.placeholder(shape, dtype=dtype, name="y")
    y_ = tvm.placeholder(shape, dtype=dtype, name="y_")
    p = _softmax(y, shape)
    j = tvm.reduce_axis((0, shape[1]), name="j")
    rows = tvm.compute((shape[0],), lambda i: tvm.sum(-y_[i, j] * tvm.log(p[i, j]), axis=j))
    r = tvm.reduce_axis((0, shape[0]), name="r")
    total = tvm.compute((1,), lambda _: tvm.sum(rows[r], axis=r))
    mean = tvm.compute((1,), lambda i: total[i] / shape[0])
    s = tvm.create_schedule(mean.op)
    return tvm.build(s, [y, y_, mean], tgt, target_host=tgt_host, name=func_name)


def make_reduce_sum_axis_zero(shape, tgt, tgt_host, func_name, dtype="float32"):
    A = tvm.placeholder(shape, dtype=dtype, name="A")
    C = topi.sum(A, axis=0, keepdims=False)
    s = tvm.create_schedule(C.op)
    return tvm.build(s, [A, C], tgt, target_host=tgt_host, name=func_name)


def make_broadcast_to(shape, to_shape, tgt, tgt_host, func_name, dtype="float32"):
    A = tvm.placeholder(shape, dtype=dtype, name="A")
    C = topi.broadcast_to(A, to_shape)
    s = tvm.create_schedule(C.op)
    return tvm.build(s, [A, C], tgt, target_host=tgt_host, name=func_name)


def make_sgd_update(shape, learning_rate, tgt, tgt_host, func_name, dtype="float32"):
    X = tvm.placeholder(shape, dtype=dtype, name="A")
    grad = tvm.placeholder(shape, dtype=dtype, name="grad")
    Y = tvm.compute(shape, lambda *i: X(*i) - learning_rate * grad(*i))
    s = tvm.create_schedule(Y.op)
    return tvm.build(s, [X, grad, Y], tgt, target_host=tgt_host, name=func_name)


# ------------------------------------------------------------------ the tests, as the course's

def softmax_func(y):
    b = y - np.max(y, axis=1, keepdims=True)
    expb = np.exp(b)
    return expb / np.sum(expb, axis=1, keepdims=True)


@pytest.mark.parametrize("shape", [(500, 200), (31, 7, 3)], ids=str)
def test_matrix_elementwise_add(shape):
    x = np.random.uniform(0, 10, size=shape).astype(dtype)
    y = np.random.uniform(0, 10, size=shape).astype(dtype)
    z = np.zeros(shape).astype(dtype)
    arr_x, arr_y, arr_z = (tvm.nd.array(v, ctx=ctx) for v in (x, y, z))
    make_elemwise_add(shape, tgt, tgt_host, "elem_add")(arr_x, arr_y, arr_z)
    np.testing.assert_allclose(x + y, arr_z.asnumpy(), rtol=1e-5)


def test_matrix_elementwise_mul_by_const():
    shape = (2000, 3000)
    x = np.random.uniform(0, 10, size=shape).astype(dtype)
    arr_x, arr_y = tvm.nd.array(x, ctx=ctx), tvm.nd.empty(shape, dtype, ctx)
    make_elemwise_mul_by_const(shape, 5.01, tgt, tgt_host, "elem_mul_const")(arr_x, arr_y)
    np.testing.assert_allclose(x * 5.01, arr_y.asnumpy(), rtol=1e-5)


def test_relu_and_its_gradient():
    shape = (2000, 2500)
    x = np.random.uniform(-1, 1, shape).astype(dtype)
    g = np.random.uniform(-1, 1, shape).astype(dtype)
    arr_x, arr_g = tvm.nd.array(x, ctx=ctx), tvm.nd.array(g, ctx=ctx)
    arr_y = tvm.nd.array(np.zeros(shape, dtype), ctx=ctx)
    make_relu(shape, tgt, tgt_host, "relu")(arr_x, arr_y)
    np.testing.assert_allclose(np.maximum(x, 0), arr_y.asnumpy())
    make_relu_gradient(shape, tgt, tgt_host, "relu_gradient")(arr_x, arr_g, arr_y)
    np.testing.assert_allclose(((x > 0) * g).astype(dtype), arr_y.asnumpy())


@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
def test_matrix_multiply(ta, tb):
    shape_x, shape_y = (500, 700), (700, 1000)
    x = np.random.uniform(0, 10, size=shape_x).astype(dtype)
    y = np.random.uniform(0, 10, size=shape_y).astype(dtype)
    x_in, y_in = (x.T.copy() if ta else x), (y.T.copy() if tb else y)
    arr_x, arr_y = tvm.nd.array(x_in, ctx=ctx), tvm.nd.array(y_in, ctx=ctx)
    arr_z = tvm.nd.array(np.zeros((500, 1000), dtype), ctx=ctx)
    f = make_matrix_mul(x_in.shape, ta, y_in.shape, tb, tgt, tgt_host, "matrix_mul")
    f(arr_x, arr_y, arr_z)
    np.testing.assert_allclose(np.dot(x, y), arr_z.asnumpy(), rtol=1e-5)


def test_conv2d():
    shape_x, shape_f = (4, 3, 28, 28), (10, 3, 5, 5)
    x = np.random.uniform(0, 10, size=shape_x).astype(dtype)
    f = np.random.uniform(0, 10, size=shape_f).astype(dtype)
    arr_x, arr_f = tvm.nd.array(x, ctx=ctx), tvm.nd.array(f, ctx=ctx)
    arr_y = tvm.nd.empty((4, 10, 24, 24), dtype, ctx)
    make_conv2d(shape_x, shape_f, tgt, tgt_host, "conv2d")(arr_x, arr_f, arr_y)
    expected = np.zeros((4, 10, 24, 24))
    for r in range(5):
        for c in range(5):
            expected += np.einsum("nchw,mc->nmhw", x[:, :, r:r + 24, c:c + 24], f[:, :, r, c])
    np.testing.assert_allclose(expected, arr_y.asnumpy(), rtol=1e-4)


def test_softmax_and_cross_entropy():
    shape = (400, 1000)
    y = np.random.uniform(-5, 5, shape).astype(dtype)
    y_ = np.random.uniform(-5, 5, shape).astype(dtype)
    arr_y, arr_y_ = tvm.nd.array(y, ctx=ctx), tvm.nd.array(y_, ctx=ctx)
    arr_p = tvm.nd.array(np.zeros(shape, dtype), ctx=ctx)
    make_matrix_softmax(shape, tgt, tgt_host, "matrix_softmax")(arr_y, arr_p)
    np.testing.assert_allclose(softmax_func(y), arr_p.asnumpy(), rtol=1e-5)
    arr_out = tvm.nd.array(np.zeros((1,), dtype), ctx=ctx)
    make_matrix_softmax_cross_entropy(shape, tgt, tgt_host, "xent")(arr_y, arr_y_, arr_out)
    expected = np.mean(-np.sum(y_ * np.log(softmax_func(y)), axis=1), keepdims=True)
    np.testing.assert_allclose(expected, arr_out.asnumpy(), rtol=1e-4)


def test_reduce_sum_axis_zero_and_broadcast_to():
    x = np.random.uniform(-5, 5, (50, 200, 100)).astype(dtype)
    arr_x, arr_y = tvm.nd.array(x, ctx=ctx), tvm.nd.array(np.zeros((200, 100), dtype), ctx=ctx)
    make_reduce_sum_axis_zero(x.shape, tgt, tgt_host, "reduce_sum_axis_zero")(arr_x, arr_y)
    np.testing.assert_allclose(np.sum(x, axis=0), arr_y.asnumpy(), rtol=1e-4, atol=1e-4)
    b = np.random.uniform(-1, 1, (200, 300)).astype(dtype)
    arr_b, arr_c = tvm.nd.array(b, ctx=ctx), tvm.nd.empty((13, 200, 300), dtype, ctx)
    make_broadcast_to(b.shape, (13, 200, 300), tgt, tgt_host, "broadcast_to")(arr_b, arr_c)
    np.testing.assert_allclose(np.broadcast_to(b, (13, 200, 300)), arr_c.asnumpy())


def test_sgd_update():
    shape = (500, 200)
    w = np.random.uniform(-1, 1, shape).astype(dtype)
    g = np.random.uniform(-1, 1, shape).astype(dtype)
    arr_w, arr_g = tvm.nd.array(w, ctx=ctx), tvm.nd.array(g, ctx=ctx)
    arr_out = tvm.nd.empty(shape, dtype, ctx)
    make_sgd_update(shape, 0.1, tgt, tgt_host, "sgd_update")(arr_w, arr_g, arr_out)
    np.testing.assert_allclose(w - 0.1 * g, arr_out.asnumpy(), rtol=1e-5, atol=1e-7)


def test_time_evaluator_and_entry_name():
    shape = (256, 256)
    f = make_elemwise_add(shape, tgt, tgt_host, "elem_add")
    args = [tvm.nd.array(np.ones(shape, dtype), ctx) for _ in range(3)]
    result = f.time_evaluator(f.entry_name, ctx, number=3, repeat=2)(*args)
    assert result.mean > 0 and len(result.results) == 2
    np.testing.assert_array_equal(args[2].asnumpy(), 2)
