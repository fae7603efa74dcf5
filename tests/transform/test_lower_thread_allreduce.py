"""lower_thread_allreduce: the shape of the lowered reduction (shared tree with
barriers, or warp shuffles plus one shared value per warp), and refusals."""

import pytest

import tecomp as te
from tecomp.errors import ScheduleError
from tecomp.ir import collect
from tecomp.ir import expr as E
from tecomp.ir import stmt as S
from tecomp.transform.insert_barriers import is_barrier
from tecomp.transform.lower_thread_allreduce import lower_thread_allreduce
from tecomp.transform.lower_thread_binding import lower_thread_binding


def bound_row_sum(threads, rows=None):
    A = te.placeholder((8, 1000), name="A")
    k = te.reduce_axis((0, 1000), name="k")
    B = te.compute((8,), lambda i: te.sum(A[i, k], axis=k), name="B")
    s = te.create_schedule(B.op)
    ko, ki = s[B].split(k, factor=threads)
    if rows:
        io, ii = s[B].split(B.op.axis[0], factor=rows)
        s[B].bind(io, te.thread_axis("blockIdx.x"))
        s[B].bind(ii, te.thread_axis("threadIdx.y"))
    else:
        s[B].bind(B.op.axis[0], te.thread_axis("blockIdx.x"))
    s[B].bind(ki, te.thread_axis("threadIdx.x"))
    return lower_thread_binding(te.lower(s, [A, B]))


def test_lowering_marks_the_allreduce():
    func = bound_row_sum(16)
    marks = collect(func.body, lambda n: isinstance(n, S.AttrStmt) and n.key == "thread_allreduce")
    assert len(marks) == 1 and marks[0].node.thread_tags == ("threadIdx.x",)


@pytest.mark.parametrize("threads, steps", [(16, 4), (12, 4), (1, 0)])
def test_shared_tree(threads, steps):
    func = lower_thread_allreduce(bound_row_sum(threads))
    assert not collect(func.body, lambda n: isinstance(n, S.AttrStmt) and n.key == "thread_allreduce")
    shared = [a for a in collect(func.body, lambda n: isinstance(n, S.Allocate))
              if a.buffer.scope == "shared"]
    barriers = collect(func.body, is_barrier)
    if threads == 1:
        assert not shared and not barriers
        return
    assert len(shared) == 1 and shared[0].extent.value == threads
    assert len(barriers) == steps + 1          # after the fill and after every step


def test_groups_of_threadIdx_y_reduce_separately():
    func = lower_thread_allreduce(bound_row_sum(16, rows=4))
    shared = [a for a in collect(func.body, lambda n: isinstance(n, S.Allocate))
              if a.buffer.scope == "shared"]
    assert shared[0].extent.value == 64       # 4 rows of 16 threads


def test_warp_shuffles_with_a_warp_size():
    small = lower_thread_allreduce(bound_row_sum(32), warp_size=32)
    calls = collect(small.body, lambda n: isinstance(n, E.Call))
    assert [c.op for c in calls].count("tvm_warp_shuffle_down") == 5
    assert not collect(small.body, is_barrier)
    big = lower_thread_allreduce(bound_row_sum(128), warp_size=32)
    assert len(collect(big.body, is_barrier)) == 1
    odd = lower_thread_allreduce(bound_row_sum(24), warp_size=32)   # not a power of two
    assert not [c for c in collect(odd.body, lambda n: isinstance(n, E.Call))
                if c.op.startswith("tvm_warp")]


def test_reduce_axis_bound_to_blockIdx_is_refused():
    A = te.placeholder((8, 100), name="A")
    k = te.reduce_axis((0, 100), name="k")
    B = te.compute((8,), lambda i: te.sum(A[i, k], axis=k), name="B")
    s = te.create_schedule(B.op)
    s[B].bind(k, te.thread_axis("blockIdx.x"))
    with pytest.raises(ScheduleError, match=r"bind\(B\): reduce axis 'k' is bound to blockIdx.x"):
        te.lower(s, [A, B])


def test_reduction_across_a_thread_axis_its_consumer_binds_is_refused():
    """B reduces across threadIdx.x inside C's threadIdx.x loop: each thread of C
    needs its own B element, so the threads cannot pool their partial sums."""
    from tecomp.errors import LoweringError
    A = te.placeholder((64, 32), name="A")
    k = te.reduce_axis((0, 32), name="k")
    B = te.compute((64,), lambda i: te.sum(A[i, k], axis=k), name="B")
    C = te.compute((64,), lambda i: B[i] * 2.0, name="C")
    s = te.create_schedule(C.op)
    bx, tx = s[C].split(C.op.axis[0], factor=32)
    s[C].bind(bx, te.thread_axis("blockIdx.x"))
    s[C].bind(tx, te.thread_axis("threadIdx.x"))
    s[B].compute_at(s[C], tx)
    ko, ki = s[B].split(k, factor=32)
    s[B].bind(ki, te.thread_axis("threadIdx.x"))
    with pytest.raises(LoweringError, match=r"'B' reduces across threadIdx.x, but it is "
                                            r"computed inside another stage's loop"):
        te.build(s, [A, C], target="opencl")
