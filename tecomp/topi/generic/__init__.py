"""Default CPU schedules, under TVM's names: ``topi.generic.schedule_injective(outs)``
and friends each return a new schedule for the operators producing ``outs``.
Inside ``with Target("cuda"):`` (or "opencl") they dispatch to
:mod:`tecomp.topi.cuda`'s GPU schedules, as TVM's generic functions do.

They all share one traversal (:func:`tecomp.topi.generic.cpu.schedule_cpu`) that
schedules every topi stage by its tag, so any of them also schedules a graph that
mixes operators (a dense layer followed by a relu and a softmax)."""

from types import SimpleNamespace

from ...target import Target
from .. import cuda
from .cpu import conv2d_register_tile, schedule_cpu  # noqa: F401
from .cpu_fit import CpuFit  # noqa: F401
from .gotoblas import gotoblas_gemm, gotoblas_tile  # noqa: F401


def _named(name, what):
    def schedule(outs):
        target = Target.current()
        if target is not None and target.kind in ("cuda", "opencl"):
            return getattr(cuda, name, cuda.schedule_gpu)(outs)
        return schedule_cpu(outs)
    schedule.__name__ = name
    schedule.__doc__ = (f"A CPU schedule for {what}; ``outs`` is the output tensor or a list "
                        "of them. Returns the schedule.")
    return schedule


schedule_injective = _named("schedule_injective", "elementwise, broadcast and shape operators")
schedule_elemwise = _named("schedule_elemwise", "elementwise operators")
schedule_broadcast = _named("schedule_broadcast", "broadcast operators")
schedule_reduce = _named("schedule_reduce", "reductions (sum, max, min)")
schedule_matmul = _named("schedule_matmul", "matmul")
schedule_dense = _named("schedule_dense", "dense layers")
schedule_conv2d_nchw = _named("schedule_conv2d_nchw", "NCHW convolutions")
schedule_pool = _named("schedule_pool", "max and average pooling")
schedule_depthwise_conv2d_nchw = _named("schedule_depthwise_conv2d_nchw", "depthwise NCHW convolutions")
schedule_softmax = _named("schedule_softmax", "softmax and log_softmax")
schedule_log_softmax = _named("schedule_log_softmax", "log_softmax")
schedule_softmax_cross_entropy = _named("schedule_softmax_cross_entropy",
                                        "the softmax cross-entropy loss")
schedule_auto = _named("schedule_auto", "any graph of topi operators")

#: TVM 0.6's ``topi.generic.nn`` namespace: the same schedule functions
nn = SimpleNamespace(**{name: value for name, value in dict(globals()).items()
                        if name.startswith("schedule_")})

__all__ = ["gotoblas_gemm", "gotoblas_tile", "nn", "schedule_auto", "schedule_broadcast", "schedule_conv2d_nchw", "schedule_cpu", "schedule_depthwise_conv2d_nchw",
           "schedule_dense", "schedule_elemwise", "schedule_injective", "schedule_log_softmax",
           "schedule_matmul", "schedule_pool", "schedule_reduce", "schedule_softmax",
           "schedule_softmax_cross_entropy"]
