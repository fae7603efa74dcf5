"""One small case per schedule misuse: the error class and its key words."""

import pytest

import tecomp as te
from tecomp import ScheduleError


def two_stages():
    A = te.placeholder((64, 32), name="A")
    B = te.compute((64, 32), lambda i, j: A[i, j] + 1, name="B")
    C = te.compute((64, 32), lambda i, j: B[i, j] * 2, name="C")
    return A, B, C, te.create_schedule(C.op)


def test_split_axis_of_another_stage():
    A, B, C, s = two_stages()
    with pytest.raises(ScheduleError, match=r"split\(C\): axis 'i' is not an axis of stage 'C' "
                                            r"\(it belongs to stage 'B'\); leaf axes are \[i, j\]"):
        s[C].split(B.op.axis[0], factor=4)


def test_split_twice():
    _, _, C, s = two_stages()
    s[C].split(C.op.axis[0], factor=4)
    with pytest.raises(ScheduleError, match=r"already been split.*\[i.outer, i.inner, j\]"):
        s[C].split(C.op.axis[0], factor=4)


@pytest.mark.parametrize("factor", [0, -3, 2.5, "4"])
def test_split_bad_factor(factor):
    _, _, C, s = two_stages()
    with pytest.raises(ScheduleError, match=r"split\(C\): factor must be"):
        s[C].split(C.op.axis[0], factor=factor)


def test_split_needs_exactly_one_of_factor_nparts():
    _, _, C, s = two_stages()
    with pytest.raises(ScheduleError, match="exactly one of factor= or nparts="):
        s[C].split(C.op.axis[0])
    with pytest.raises(ScheduleError, match="exactly one of factor= or nparts="):
        s[C].split(C.op.axis[0], factor=2, nparts=2)


def test_reorder_duplicates():
    _, _, C, s = two_stages()
    i, j = C.op.axis
    with pytest.raises(ScheduleError, match=r"reorder\(C\): axis 'i' appears more than once"):
        s[C].reorder(i, j, i)


def test_fuse_not_adjacent():
    A = te.placeholder((4, 5, 6), name="A")
    B = te.compute((4, 5, 6), lambda i, j, k: A[i, j, k], name="B")
    s = te.create_schedule(B.op)
    i, j, k = B.op.axis
    with pytest.raises(ScheduleError, match=r"fuse\(B\): axes 'i' and 'k' are not adjacent"):
        s[B].fuse(i, k)
    with pytest.raises(ScheduleError, match="not adjacent"):
        s[B].fuse(j, i)


def test_fuse_data_parallel_with_reduction():
    A = te.placeholder((4, 5), name="A")
    k = te.reduce_axis((0, 5), name="k")
    B = te.compute((4,), lambda i: te.sum(A[i, k], axis=k), name="B")
    s = te.create_schedule(B.op)
    with pytest.raises(ScheduleError, match="cannot fuse data-parallel and reduction axes"):
        s[B].fuse(B.op.axis[0], k)


def test_parallel_reduction_axis():
    A = te.placeholder((4, 5), name="A")
    k = te.reduce_axis((0, 5), name="k")
    B = te.compute((4,), lambda i: te.sum(A[i, k], axis=k), name="B")
    s = te.create_schedule(B.op)
    with pytest.raises(ScheduleError, match=r"parallel\(B\): axis 'k' is a reduction axis.*rfactor"):
        s[B].parallel(k)


def test_schedule_placeholder():
    A, _, _, s = two_stages()
    with pytest.raises(ScheduleError, match="'A' is a placeholder"):
        s[A].split(A.op.axis[0] if A.op.axis else None, factor=2)


def test_tensor_not_in_schedule():
    _, _, _, s = two_stages()
    other = te.compute((3,), lambda i: i, name="Other")
    with pytest.raises(ScheduleError, match=r"'Other' is not part of this schedule; its stages are \[A, B, C\]"):
        s[other]


def test_compute_at_cycle_and_self():
    A, B, C, s = two_stages()
    with pytest.raises(ScheduleError, match="cannot attach a stage to itself"):
        s[B].compute_at(s[B], B.op.axis[0])
    s[B].compute_at(s[C], C.op.axis[0])
    with pytest.raises(ScheduleError, match="is an output"):
        s[C].compute_at(s[B], B.op.axis[0])


def test_compute_at_axis_of_wrong_stage():
    A, B, C, s = two_stages()
    with pytest.raises(ScheduleError, match=r"compute_at\(C\): axis 'i' is not an axis of stage 'C'"):
        s[B].compute_at(s[C], B.op.axis[0])


def test_compute_inline_output_and_reduction():
    A = te.placeholder((4, 5), name="A")
    k = te.reduce_axis((0, 5), name="k")
    B = te.compute((4,), lambda i: te.sum(A[i, k], axis=k), name="B")
    C = te.compute((4,), lambda i: B[i] + 1, name="C")
    s = te.create_schedule(C.op)
    with pytest.raises(ScheduleError, match=r"compute_inline\(C\): 'C' is an output"):
        s[C].compute_inline()
    with pytest.raises(ScheduleError, match=r"compute_inline\(B\): 'B' is a reduction"):
        s[B].compute_inline()


def test_compute_at_consumer_outside_scope():
    A = te.placeholder((16,), name="A")
    B = te.compute((16,), lambda i: A[i] * 2, name="B")
    C = te.compute((16,), lambda i: B[i] + 1, name="C")
    D = te.compute((16,), lambda i: B[i] + C[i], name="D")
    s = te.create_schedule(D.op)
    s[B].compute_at(s[C], C.op.axis[0])
    with pytest.raises(ScheduleError, match=r"'D' reads 'B' but is not inside 'C' loop 'i'"):
        te.lower(s, [A, D])


def test_bind_needs_thread_axis():
    _, _, C, s = two_stages()
    with pytest.raises(ScheduleError, match="must be a te.thread_axis"):
        s[C].bind(C.op.axis[0], C.op.axis[1])


def test_set_scope_unknown():
    _, B, _, s = two_stages()
    with pytest.raises(ScheduleError, match="unknown scope 'texture'"):
        s[B].set_scope("texture")


def test_unknown_pragma():
    _, _, C, s = two_stages()
    with pytest.raises(ScheduleError, match=r"pragma\(C\): unknown pragma 'parallel_launch'; "
                                            r"supported: unroll, auto_unroll, import_llvm"):
        s[C].pragma(C.op.axis[1], "parallel_launch")
