"""Schedule primitives record relations and leaf orders (no lowering here)."""

import numpy as np
import pytest

import tecomp as te
from tecomp.schedule.relations import Fuse, Split


def simple(shape=(64, 32)):
    A = te.placeholder(shape, name="A")
    B = te.compute(shape, lambda i, j: A[i, j] + 1, name="B")
    return A, B, te.create_schedule(B.op)


def names(ivs):
    return [iv.var.name for iv in ivs]


def test_split_records_relation_and_leaves():
    _, B, s = simple()
    xo, xi = s[B].split(B.op.axis[0], factor=8)
    assert names(s[B].leaf_iter_vars) == ["i.outer", "i.inner", "j"]
    rel = s[B].relations[0]
    assert isinstance(rel, Split) and rel.parent is B.op.axis[0] and rel.factor.value == 8


def test_tile_orders_outer_then_inner():
    _, B, s = simple()
    s[B].tile(B.op.axis[0], B.op.axis[1], 8, 4)
    assert names(s[B].leaf_iter_vars) == ["i.outer", "j.outer", "i.inner", "j.inner"]


def test_fuse_and_reorder():
    _, B, s = simple()
    i, j = B.op.axis
    s[B].reorder(j, i)
    assert names(s[B].leaf_iter_vars) == ["j", "i"]
    fused = s[B].fuse(j, i)
    assert names(s[B].leaf_iter_vars) == ["j.i.fused"]
    assert isinstance(s[B].relations[0], Fuse) and s[B].relations[0].fused is fused


def test_schedule_indexing_by_tensor_or_op():
    A, B, s = simple()
    assert s[B] is s[B.op]
    assert [st.op.name for st in s.stages] == ["A", "B"]
    assert s[B].is_output and not s[A].is_output


def test_attachment_model():
    A = te.placeholder((10,), name="A")
    B = te.compute((10,), lambda i: A[i] * 2, name="B")
    C = te.compute((10,), lambda i: B[i] + 1, name="C")
    s = te.create_schedule(C.op)
    s[B].compute_at(s[C], C.op.axis[0])
    assert s[B].attach_type == "scope" and s[B].attach_stage is s[C]
    s[B].compute_inline()
    assert s[B].attach_type == "inline"
    s[B].compute_root()
    assert s[B].attach_type == "root"


def test_annotations():
    _, B, s = simple()
    i, j = B.op.axis
    s[B].parallel(i)
    s[B].vectorize(j)
    assert s[B].iter_var_attrs[i].kind == "parallel"
    assert s[B].iter_var_attrs[j].kind == "vectorized"


def test_rfactor_replaces_the_stage_op_as_tvm():
    n = te.var("n")
    A = te.placeholder((n, 64), name="A")
    k = te.reduce_axis((0, 64), name="k")
    B = te.compute((n,), lambda i: te.sum(A[i, k], axis=k), name="B")
    s = te.create_schedule(B.op)
    ko, ki = s[B].split(k, factor=16)
    BF = s.rfactor(B, ki)
    assert s[B].op is not B.op and s[B] is s[B.op] and s[B.op] is s[s[B].op]
    assert s[B].op.input_tensors == (BF,)
    r = s[B].op.reduce_axis[0]
    assert r.dom.extent.value == 16 and r in s[B].leaf_iter_vars
    assert B.op.reduce_axis[0] is k                 # the user's tensor keeps its meaning
    s[B].bind(r, te.thread_axis("threadIdx.x"))     # the tutorial's spelling works


def test_set_store_predicate_needs_an_expression():
    A = te.placeholder((4,), name="A")
    B = te.compute((4,), lambda i: A[i] + 1.0, name="B")
    s = te.create_schedule(B.op)
    with pytest.raises(te.ScheduleError, match=r"set_store_predicate\(B\): predicate must be"):
        s[B].set_store_predicate("x")


def test_store_predicate_on_the_cpu(rng):
    A = te.placeholder((8,), name="A")
    B = te.compute((8,), lambda i: A[i] + 1.0, name="B")
    s = te.create_schedule(B.op)
    s[B].set_store_predicate(B.op.axis[0] < 5)
    f = te.build(s, [A, B])
    a = rng.random(8, dtype="float32")
    b = np.full(8, -1.0, "float32")
    f(a, b)
    np.testing.assert_allclose(b, np.where(np.arange(8) < 5, a + 1, -1))
