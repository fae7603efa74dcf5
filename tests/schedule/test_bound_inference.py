"""Unit tests of bound inference (``tecomp.schedule.bound.infer_bound``) and of
the frozen schedule graph it reads."""

import pytest

import tecomp as te
from tecomp.arith import Analyzer
from tecomp.ir import expr as E
from tecomp.schedule.bound import infer_bound, leaf_extent
from tecomp.schedule.graph import ScheduleGraph
from tecomp.schedule.message_passing import leaf_to_root_values


def _int(e):
    e = Analyzer().simplify(e)
    assert isinstance(e, E.IntImm), f"expected a constant, got {e}"
    return e.value


def test_root_stage_covers_its_domain():
    A = te.placeholder((10, 7), name="A")
    B = te.compute((10, 7), lambda i, j: A[i, j] + 1.0, name="B")
    ranges = infer_bound(te.create_schedule(B.op))
    assert [(_int(ranges[iv].min), _int(ranges[iv].extent)) for iv in B.op.axis] == \
        [(0, 10), (0, 7)]


def test_split_extents_round_up_and_clamp_the_factor():
    A = te.placeholder((37,), name="A")
    B = te.compute((37,), lambda i: A[i], name="B")
    s = te.create_schedule(B.op)
    xo, xi = s[B].split(B.op.axis[0], factor=8)
    yo, yi = s[B].split(xo, factor=64)      # factor larger than the extent (5)
    ranges = infer_bound(s)
    assert _int(ranges[xo].extent) == 5 and _int(ranges[xi].extent) == 8
    assert _int(ranges[yi].extent) == 5 and _int(ranges[yo].extent) == 1
    assert leaf_extent(s[B], xi).value == 8


def test_nparts_and_fuse():
    A = te.placeholder((12, 5), name="A")
    B = te.compute((12, 5), lambda i, j: A[i, j], name="B")
    s = te.create_schedule(B.op)
    xo, xi = s[B].split(B.op.axis[0], nparts=5)
    f = s[B].fuse(xi, B.op.axis[1])
    ranges = infer_bound(s)
    assert _int(ranges[xo].extent) == 5 and _int(ranges[xi].extent) == 3
    assert _int(ranges[f].extent) == 15


def test_compute_at_covers_the_stencil_window_of_one_iteration():
    A = te.placeholder((66,), name="A")
    T = te.compute((66,), lambda i: A[i] * 2.0, name="T")
    B = te.compute((64,), lambda i: T[i] + T[i + 2], name="B")
    s = te.create_schedule(B.op)
    xo, _ = s[B].split(B.op.axis[0], factor=16)
    s[T].compute_at(s[B], xo)
    ranges = infer_bound(s)
    rng = ranges[T.op.axis[0]]
    assert _int(rng.extent) == 18            # 16 outputs read 16 + 2 inputs
    assert str(rng.min) == str(xo.var * 16)  # the window moves with the outer loop


def test_compute_at_inner_loop_is_a_single_point():
    A = te.placeholder((8, 8), name="A")
    T = te.compute((8, 8), lambda i, j: A[i, j] + 1.0, name="T")
    B = te.compute((8, 8), lambda i, j: T[i, j] * 2.0, name="B")
    s = te.create_schedule(B.op)
    s[T].compute_at(s[B], B.op.axis[1])
    ranges = infer_bound(s)
    assert [_int(ranges[iv].extent) for iv in T.op.axis] == [1, 1]


def test_shared_scope_relaxes_thread_loops():
    A = te.placeholder((256,), name="A")
    T = te.compute((256,), lambda i: A[i] + 1.0, name="T")
    B = te.compute((256,), lambda i: T[i] * 2.0, name="B")
    s = te.create_schedule(B.op)
    s[T].set_scope("shared")
    bx, tx = s[B].split(B.op.axis[0], factor=64)
    s[B].bind(bx, te.thread_axis("blockIdx.x"))
    s[B].bind(tx, te.thread_axis("threadIdx.x"))
    s[T].compute_at(s[B], tx)
    ranges = infer_bound(s)
    # one block's threads share T: it covers the 64 elements of the block
    assert _int(ranges[T.op.axis[0]].extent) == 64


def test_attach_to_a_split_axis_is_refused():
    A = te.placeholder((16,), name="A")
    T = te.compute((16,), lambda i: A[i] + 1.0, name="T")
    B = te.compute((16,), lambda i: T[i], name="B")
    s = te.create_schedule(B.op)
    axis = B.op.axis[0]
    s[T].compute_at(s[B], axis)
    s[B].split(axis, factor=4)
    with pytest.raises(te.ScheduleError, match=r"compute_at\(T\).*'B'.*split or fused"):
        infer_bound(s)


def test_graph_is_built_once_and_read_only():
    A = te.placeholder((16,), name="A")
    T = te.compute((16,), lambda i: A[i] + 1.0, name="T")
    U = te.compute((16,), lambda i: T[i] * 3.0, name="U")
    B = te.compute((16,), lambda i: U[i] - 1.0, name="B")
    s = te.create_schedule(B.op)
    s[U].compute_inline()
    xo, _ = s[B].split(B.op.axis[0], factor=4)
    s[T].compute_at(s[B], xo)
    graph = ScheduleGraph(s)
    assert [st.op.name for st in graph.stages] == ["T", "B"]
    assert graph.consumers[s[T]] == (s[B],)      # through the inlined U
    assert graph.attached[(s[B], xo)] == (s[T],)
    assert "T" in str(graph.body[s[B]][0]) and "U" not in str(graph.body[s[B]][0])
    with pytest.raises(AttributeError):
        graph.stages = ()
    assert infer_bound(graph).keys() == infer_bound(s).keys()


def test_leaf_to_root_values_follow_splits_and_fuses():
    A = te.placeholder((6, 4), name="A")
    B = te.compute((6, 4), lambda i, j: A[i, j], name="B")
    s = te.create_schedule(B.op)
    i, j = B.op.axis
    f = s[B].fuse(i, j)
    fo, fi = s[B].split(f, factor=8)
    values = leaf_to_root_values(s[B], infer_bound(s))
    assert str(values[i.var]) == str(((fo.var * 8) + fi.var) // 4)
    assert str(values[j.var]) == str(((fo.var * 8) + fi.var) % 4)
