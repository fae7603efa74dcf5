"""Schedule primitives record relations and leaf orders (no lowering here)."""

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
