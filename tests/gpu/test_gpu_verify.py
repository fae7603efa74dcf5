"""te.verify(s, args, target="opencl"): a GPU schedule against its unscheduled
program (run on the host)."""

import pytest

import tecomp as te
from gpu_support import needs_opencl
from test_cross_thread_reduction import row_reduce

pytestmark = needs_opencl


def test_verify_a_cross_thread_reduction_on_opencl():
    s, args = row_reduce(te.sum)
    result = te.verify(s, args, target="opencl")
    assert result.ok and "agree" in str(result)


def test_verify_reports_a_wrong_gpu_schedule():
    """A store predicate that drops rows: verify names the output and the index."""
    n = 64
    A = te.placeholder((n, 32), name="A")
    k = te.reduce_axis((0, 32), name="k")
    B = te.compute((n,), lambda i: te.sum(A[i, k], axis=k), name="B")
    s = te.create_schedule(B.op)
    bx, ty = s[B].split(B.op.axis[0], factor=4)
    ko, ki = s[B].split(k, factor=8)
    tx = te.thread_axis("threadIdx.x")
    ty_axis = te.thread_axis("threadIdx.y")
    s[B].bind(bx, te.thread_axis("blockIdx.x"))
    s[B].bind(ty, ty_axis)
    s[B].bind(ki, tx)
    s[B].set_store_predicate(tx.var.equal(0) & ty_axis.var.equal(0))   # only row 0 of 4
    with pytest.raises(te.VerificationError, match=r"output 'B' differs at index \(1,\)"):
        te.verify(s, [A, B], target="opencl")
