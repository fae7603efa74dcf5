"""``build(..., debug=True)``: a read of a computed tensor outside its declared
shape raises a message naming the tensor, the index and the shape, wherever the
producer is computed (root, compute_at, cache stages); reads guarded by the lazy
if_then_else are checked only where they execute, so padding stays legal."""

import numpy as np
import pytest

import tecomp as tc
from tecomp import te
from tecomp.runtime import KernelAssertionError
from tecomp.transform.check_domains import check_domains

_OUTSIDE_B = r"read of tensor 'B' outside its shape \(10,\): index \[.*\].* is outside \[0, 10\)"


def _short_producer(consumer=lambda B, i: B[i] + 1, n=12):
    A = te.placeholder((16,), name="A")
    B = te.compute((10,), lambda i: A[i] * 2, name="B")
    C = te.compute((n,), lambda i: consumer(B, i), name="C")
    return A, B, C


def _run(s, A, C, debug=True):
    f = tc.build(s, [A, C], debug=debug)
    a = np.arange(A.shape[0].value, dtype="float32")
    c = np.zeros(C.shape[0].value, "float32")
    f(a, c)
    return a, c


def test_root_read_past_the_shape():
    A, B, C = _short_producer()
    s = te.create_schedule(C.op)
    with pytest.raises(KernelAssertionError, match=_OUTSIDE_B + r".*enclosing loops: i in"):
        _run(s, A, C)


def test_compute_at_read_past_the_shape():
    # B is realized over C's whole tile, [8, 12) in the last one: the read is in
    # range of the allocation, and only the declared shape tells it apart
    A, B, C = _short_producer()
    s = te.create_schedule(C.op)
    o, _ = s[C].split(C.op.axis[0], factor=4)
    s[B].compute_at(s[C], o)
    with pytest.raises(KernelAssertionError, match=_OUTSIDE_B + r".*i\.outer in \[0, 3\)"):
        _run(s, A, C)


def test_read_inside_the_shape_runs_under_compute_at():
    A, B, C = _short_producer(n=10)
    s = te.create_schedule(C.op)
    o, _ = s[C].split(C.op.axis[0], factor=4)
    s[B].compute_at(s[C], o)
    a, c = _run(s, A, C)
    np.testing.assert_array_equal(c, a[:10] * 2 + 1)


@pytest.mark.parametrize("attach", [False, True])
def test_guarded_padding_read_does_not_raise(attach):
    A, B, C = _short_producer(lambda B, i: te.if_then_else(
        tc.all(i >= 1, i <= 10), B[i - 1], tc.const(-1.0)))
    s = te.create_schedule(C.op)
    if attach:
        o, _ = s[C].split(C.op.axis[0], factor=4)
        s[B].compute_at(s[C], o)
    a, c = _run(s, A, C)
    np.testing.assert_array_equal(c, np.concatenate([[-1], a[:10] * 2, [-1]]))


def test_guard_is_respected_only_where_it_holds():
    # the guard lets i = 10 through: that read is outside B and must be reported
    A, B, C = _short_producer(lambda B, i: te.if_then_else(i <= 10, B[i], tc.const(0.0)))
    s = te.create_schedule(C.op)
    o, _ = s[C].split(C.op.axis[0], factor=4)
    s[B].compute_at(s[C], o)
    with pytest.raises(KernelAssertionError, match=_OUTSIDE_B):
        _run(s, A, C)


def _packed_gemm(M, K=8, N=8, mr=6):
    """The packed-A GEMM: packedA holds M // mr panels of mr rows, attached to a
    parallel outer loop of C and read as packedA[i // mr, k, i % mr]."""
    A = te.placeholder((M, K), name="A")
    W = te.placeholder((K, N), name="W")
    B = te.compute((M // mr, K, mr), lambda p, k, r: A[p * mr + r, k], name="B")
    k = te.reduce_axis((0, K), name="k")
    C = te.compute((M, N), lambda i, j: te.sum(B[i // mr, k, i % mr] * W[k, j], axis=k),
                   name="C")
    s = te.create_schedule(C.op)
    io, ii = s[C].split(C.op.axis[0], factor=16)
    s[C].parallel(io)
    s[B].compute_at(s[C], io)
    a = np.random.default_rng(0).standard_normal((M, K)).astype("float32")
    w = np.random.default_rng(1).standard_normal((K, N)).astype("float32")
    f = tc.build(s, [A, W, C], debug=True)
    c = np.zeros((M, N), "float32")
    f(a, w, c)
    return a @ w, c


def test_packed_gemm_rows_past_the_panels_raise():
    # M = 64: rows 60..63 read panel 10 of 10 (the silent NaN rows this check exists for)
    with pytest.raises(KernelAssertionError,
                       match=r"read of tensor 'B' outside its shape \(10, 8, 6\).*dimension 0"):
        _packed_gemm(64)


def test_packed_gemm_with_whole_panels_runs():
    expected, c = _packed_gemm(48)
    np.testing.assert_allclose(c, expected, rtol=1e-5, atol=1e-5)


def test_vectorized_read_past_the_shape():
    A, B, C = _short_producer(n=16, consumer=lambda B, i: B[i] * 3)
    s = te.create_schedule(C.op)
    o, i = s[C].split(C.op.axis[0], factor=8)
    s[C].vectorize(i)
    s[B].compute_at(s[C], o)
    with pytest.raises(KernelAssertionError, match=r"read of tensor 'B' outside its shape"):
        _run(s, A, C)


def test_vectorized_read_inside_the_shape_runs():
    A, B, C = _short_producer(n=16, consumer=lambda B, i: te.if_then_else(
        i < 10, B[i], tc.const(0.0)))
    s = te.create_schedule(C.op)
    _, i = s[C].split(C.op.axis[0], factor=8)
    s[C].vectorize(i)
    a, c = _run(s, A, C)
    np.testing.assert_array_equal(c, np.concatenate([a[:10] * 2, np.zeros(6, "float32")]))


def test_cache_write_producer_read_past_the_shape():
    A, B, C = _short_producer()
    s = te.create_schedule(C.op)
    s.cache_write(B, "local")
    o, _ = s[C].split(C.op.axis[0], factor=4)
    s[B].compute_at(s[C], o)
    with pytest.raises(KernelAssertionError, match=_OUTSIDE_B):
        _run(s, A, C)


def test_cache_read_of_the_producer_read_past_the_shape():
    A, B, C = _short_producer()
    s = te.create_schedule(C.op)
    BL = s.cache_read(B, "local", [C])
    o, _ = s[C].split(C.op.axis[0], factor=4)
    s[BL].compute_at(s[C], o)
    s[B].compute_at(s[C], o)
    with pytest.raises(KernelAssertionError, match=r"read of tensor 'B(\.local)?' outside its "
                                                   r"shape \(10,\)"):
        _run(s, A, C)


def test_without_debug_nothing_is_checked():
    A, B, C = _short_producer()
    s = te.create_schedule(C.op)
    assert "outside its shape" not in str(tc.lower(s, [A, C]))
    _run(s, A, C, debug=False)      # reads past B unchecked, as TVM does


def test_check_domains_only_checks_the_given_tensors():
    A, B, C = _short_producer()
    s = te.create_schedule(C.op)
    func = tc.lower(s, [A, C])      # flattened: no tensor reads left to check
    assert check_domains(func, [B]) is func
