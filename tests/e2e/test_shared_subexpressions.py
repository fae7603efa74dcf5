"""Expressions are DAGs (issue 11 item 9): a chain of shared subexpressions builds
in time proportional to its DAG, not to its tree (3.5x per level before)."""

import numpy as np
import pytest

import tecomp as te
from tecomp.ir.share import TREE_LIMIT, share_repeated, tree_size


def _chain(x, depth):
    for _ in range(depth):
        x = te.max(x, x * 0.5) + x
    return x


def test_compute_body_is_let_bound_to_dag_size():
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    C = te.compute((n,), lambda i: _chain(A[i], 40), name="C")
    # 40 levels: a tree of about 3**40 nodes; the body holds one let per level
    assert tree_size(C.op.body[0]) < 1000


def test_small_expressions_are_left_as_written():
    A = te.placeholder((4,), name="A")
    C = te.compute((4,), lambda i: A[i] * A[i] + A[i], name="C")
    assert "let" not in str(C.op.body[0])
    x = te.var("x", "float32")
    e = _chain(x, 3)
    assert tree_size(e) <= TREE_LIMIT and share_repeated(e) is e


@pytest.mark.parametrize("depth", [12, 20])
def test_deep_shared_chain_builds_and_matches_numpy(depth, rng):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    k = te.reduce_axis((0, 3), name="k")
    B = te.placeholder((n, 3), name="B")
    C = te.compute((n,), lambda i: _chain(A[i], depth), name="C")
    D = te.compute((n,), lambda i: te.sum(_chain(B[i, k], depth), axis=k), name="D")
    s = te.create_schedule([C.op, D.op])
    _, inner = s[C].split(C.op.axis[0], factor=8)
    s[C].vectorize(inner)
    text = str(te.lower(s, [A, B, C, D, n]))
    assert len(text) < 20000          # the DAG's size, not the tree's (~3**depth)
    f = te.build(s, [A, B, C, D, n])
    a = rng.uniform(-1, 1, 19).astype("float32") * np.float32(2.0 ** -depth)
    b = rng.uniform(-1, 1, (19, 3)).astype("float32") * np.float32(2.0 ** -depth)
    c, d = np.zeros(19, "float32"), np.zeros(19, "float32")
    f(a, b, c, d, 19)

    def chain(x):
        for _ in range(depth):
            x = np.maximum(x, x * np.float32(0.5)) + x
        return x

    np.testing.assert_allclose(c, chain(a), rtol=1e-5)
    np.testing.assert_allclose(d, chain(b).sum(axis=1), rtol=1e-5)


def test_lazy_if_then_else_arms_are_not_hoisted(rng):
    # A shared read inside an if_then_else arm stays inside it: hoisted to a let
    # it would be evaluated where the guard fails (out of bounds).
    n = te.var("n")
    A = te.placeholder((n,), name="A")

    def body(i):
        x = A[i - 1]
        return te.if_then_else(i >= 1, _chain(x, 12), te.const(0.0, "float32"))

    C = te.compute((n,), body, name="C")
    f = te.build(te.create_schedule(C.op), [A, C, n], debug=True)
    a = rng.uniform(-1, 1, 9).astype("float32") * np.float32(2.0 ** -12)
    c = np.zeros(9, "float32")
    f(a, c, 9)
    want = a[:-1].copy()
    for _ in range(12):
        want = np.maximum(want, want * np.float32(0.5)) + want
    np.testing.assert_allclose(c, np.concatenate([[0], want]), rtol=1e-5)


def test_a_shared_reduction_keeps_its_init(rng):
    # Let-binding a large reduction's source rebuilt the Reduce without its init=.
    A = te.placeholder((5, 3), name="A")
    k = te.reduce_axis((0, 3), name="k")
    D = te.compute((5,), lambda i: te.sum(_chain(A[i, k], 12), axis=k, init=A[i, 0] * 100.0),
                   name="D")
    assert D.op.body[0].init is not None
    f = te.build(te.create_schedule(D.op), [A, D])
    a = rng.uniform(-1, 1, (5, 3)).astype("float32") * np.float32(2.0 ** -12)
    d = np.zeros(5, "float32")
    f(a, d)
    want = a.copy()
    for _ in range(12):
        want = np.maximum(want, want * np.float32(0.5)) + want
    np.testing.assert_allclose(d, want.sum(axis=1) + a[:, 0] * 100.0, rtol=1e-5)
