"""Default GPU schedules under TVM's names (``topi.cuda.schedule_reduce(outs)`` and
friends), for targets "cuda" and "opencl"; ``topi.generic.schedule_*`` use them
inside ``with tvm.target.Target("cuda"):`` (or "opencl").

One traversal schedules every stage of the graph by its shape, so each named
schedule also handles graphs that mix operators:

* elementwise, broadcast and shape stages that are not outputs are inlined;
* a reduction whose reduce extent is at least ``CROSS_THREAD_MIN`` (softmax's row
  max and sum, ``topi.sum``) is a cross-thread reduction: one block per output
  element, the fused reduce axes split across ``threadIdx.x`` (warp shuffles on
  CUDA, a shared-memory tree on OpenCL), thread 0 storing the result;
* every other stage (outputs, dense, conv2d, pooling) gets one thread per output
  element: the fused data axes split by the block size over ``blockIdx.x`` and
  ``threadIdx.x``, its reductions serial in the thread.

Correct for every graph; fast only where a reduction dominates (the tuned GEMM
is ``benchmarks/gpu_gemm.py``'s). The block size is ``min(256,
Target.current().max_num_threads)``.
"""

from ...schedule import create_schedule
from ...target import Target
from ...te import thread_axis
from ...te.tensor import ComputeOp
from ..nn.conv2d import conv2d_nchw as _conv2d_nchw
from ..util import as_list

#: smallest reduce extent reduced across threads
CROSS_THREAD_MIN = 32
#: threads of a cross-thread reduction
REDUCE_THREADS = 64


def schedule_gpu(outs):
    """A GPU schedule for the topi operators producing ``outs`` (a tensor or a list)."""
    outs = as_list(outs)
    s = create_schedule([t.op for t in outs])
    target = Target.current()
    block = min(256, target.max_num_threads if target is not None else 1024)
    for stage in reversed(list(s.stages)):       # consumers first
        op = stage.op
        if not isinstance(op, ComputeOp) or stage.attach_type == "inline":
            continue
        if not op.reduce_axis and not stage.is_output:
            stage.compute_inline()
        elif op.reduce_axis and _reduce_extent(op) >= CROSS_THREAD_MIN:
            _cross_thread(s, stage)
        else:
            _per_element(stage, block)
    return s


def _reduce_extent(op):
    total = 1
    for iv in op.reduce_axis:
        extent = getattr(iv.dom.extent, "value", None)
        if extent is None:
            return CROSS_THREAD_MIN      # symbolic: assume long
        total *= extent
    return total


def _fused(stage, axes):
    return axes[0] if len(axes) == 1 else stage.fuse(*axes)


def _per_element(stage, block):
    fused = _fused(stage, list(stage.op.axis))
    bx, tx = stage.split(fused, factor=block)
    stage.bind(bx, thread_axis("blockIdx.x"))
    stage.bind(tx, thread_axis("threadIdx.x"))


def _cross_thread(s, stage):
    op = stage.op
    k = _fused(stage, list(op.reduce_axis))
    _, ki = stage.split(k, factor=REDUCE_THREADS)
    tx = thread_axis("threadIdx.x")
    if op.axis:
        stage.bind(_fused(stage, list(op.axis)), thread_axis("blockIdx.x"))
    stage.bind(ki, tx)
    stage.set_store_predicate(tx.var.equal(0))


def _named(name, what):
    def schedule(outs):
        return schedule_gpu(outs)
    schedule.__name__ = name
    schedule.__doc__ = (f"A GPU schedule for {what}; ``outs`` is the output tensor or a list "
                        "of them. Returns the schedule.")
    return schedule


schedule_injective = _named("schedule_injective", "elementwise, broadcast and shape operators")
schedule_elemwise = _named("schedule_elemwise", "elementwise operators")
schedule_broadcast = _named("schedule_broadcast", "broadcast operators")
schedule_reduce = _named("schedule_reduce", "reductions (sum, max, min, argmax)")
schedule_softmax = _named("schedule_softmax", "softmax and log_softmax")
schedule_log_softmax = _named("schedule_log_softmax", "log_softmax")
schedule_pool = _named("schedule_pool", "max and average pooling")
schedule_dense = _named("schedule_dense", "dense layers")
schedule_matmul = _named("schedule_matmul", "matmul")
schedule_conv2d_nchw = _named("schedule_conv2d_nchw", "NCHW convolutions")
schedule_depthwise_conv2d_nchw = _named("schedule_depthwise_conv2d_nchw",
                                        "depthwise NCHW convolutions")

def conv2d_nchw(data, kernel, strides, padding, dilation=1, out_dtype="float32"):
    """TVM's ``topi.cuda.conv2d_nchw`` compute (its tuning ``cfg`` argument left out,
    as TVM's dispatcher does when no tuning log applies): the same convolution as
    :func:`tecomp.topi.nn.conv2d_nchw`, scheduled by :func:`schedule_conv2d_nchw`."""
    return _conv2d_nchw(data, kernel, strides, padding, dilation, out_dtype)


__all__ = ["conv2d_nchw", "schedule_gpu", "schedule_injective", "schedule_elemwise", "schedule_broadcast",
           "schedule_reduce", "schedule_softmax", "schedule_log_softmax", "schedule_pool",
           "schedule_dense", "schedule_matmul", "schedule_conv2d_nchw",
           "schedule_depthwise_conv2d_nchw"]
