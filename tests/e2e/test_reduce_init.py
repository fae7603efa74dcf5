"""Reductions with ``init=`` (TVM's spelling): the reduction starts from the init
value instead of the identity; rfactor refuses such a reduction."""

import numpy as np
import pytest

import tecomp as te


def test_sum_and_max_with_init(rng):
    A = te.placeholder((5, 7), name="A")
    B = te.placeholder((5,), name="B")
    k = te.reduce_axis((0, 7), name="k")
    S = te.compute((5,), lambda i: te.sum(A[i, k], axis=k, init=B[i] * 2.0), name="S")
    M = te.compute((5,), lambda i: te.max(A[i, k], axis=k, init=0.5), name="M")
    assert "init=" in str(S.op.body[0])
    f = te.build(te.create_schedule([S.op, M.op]), [A, B, S, M])
    a, b = rng.random((5, 7), dtype="float32"), rng.random(5, dtype="float32")
    s, m = np.zeros(5, "float32"), np.zeros(5, "float32")
    f(a, b, s, m)
    np.testing.assert_allclose(s, a.sum(1) + 2 * b, rtol=1e-5)
    np.testing.assert_allclose(m, np.maximum(a.max(1), 0.5))


def test_rfactor_refuses_init():
    A = te.placeholder((5, 64), name="A")
    k = te.reduce_axis((0, 64), name="k")
    S = te.compute((5,), lambda i: te.sum(A[i, k], axis=k, init=1.0), name="S")
    s = te.create_schedule(S.op)
    ko, ki = s[S].split(k, factor=8)
    with pytest.raises(te.ScheduleError, match="rfactor\\(S\\): 'S' is a reduction with init="):
        s.rfactor(S, ki)
