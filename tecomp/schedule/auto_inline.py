"""``AutoInlineInjective``: TVM's ``te.schedule.AutoInlineInjective(s)``, which
inlines every injective stage (a compute without a reduction) that is not an
output, as a CPU default schedule does before building.

    B = A + 1 (B not an output); C = B * 2   ->   C = (A + 1) * 2, no loops for B
"""

from ..te.tensor import ComputeOp


def AutoInlineInjective(sch):  # noqa: N802 (TVM's name)
    """Mark every non-output, reduction-free compute stage of ``sch`` inlined; returns ``sch``."""
    for stage in sch.stages:
        if isinstance(stage.op, ComputeOp) and not stage.is_output and not stage.reduce_axes:
            stage.compute_inline()
    return sch
