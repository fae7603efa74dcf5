"""``pointwise_aliases``: the (output, input) argument pairs a built function may
be called with as one array, as the classic course's SGD step ``f(W, dW, W)`` does.

A pair qualifies when writing the output in place cannot change what is read:
the output's stage is the only stage that reads the input, it computes one
output without a reduction, and every read of the input (through inlined
stages too) is at the output's own index, ``I[i, j]`` for ``O[i, j]``, with
the same shape and dtype. Each element is then read before it is overwritten
and never read again, whatever the loop order, split, vectorization or
parallelization of that stage. Any other aliasing stays refused at call time.
"""

from ..ir.functor import structural_equal
from ..te.extern import ExternOp
from ..te.tensor import ComputeOp, PlaceholderOp
from .graph import ScheduleGraph, reads_of


def pointwise_aliases(graph, tensors):
    """``[(output, input), ...]`` among ``tensors`` (a function's tensor arguments)
    that may share memory; see the module docstring for the rule. ``graph`` is the
    schedule's :class:`~.graph.ScheduleGraph` (a Schedule is accepted too)."""
    if not isinstance(graph, ScheduleGraph):
        graph = ScheduleGraph(graph)
    sch, stages, bodies = graph.schedule, graph.stages, graph.body
    pairs = []
    for out in tensors:
        op = out.op
        stage = sch.stage_map.get(op)
        if (not isinstance(op, ComputeOp) or stage not in bodies or op.num_outputs != 1
                or stage.reduce_axes or bodies[stage] is None):
            continue
        axes = [iv.var for iv in op.axis]
        for inp in tensors:
            if (not isinstance(inp.op, PlaceholderOp) or inp.dtype != out.dtype
                    or len(inp.shape) != len(out.shape)
                    or not all(structural_equal(a, b) for a, b in zip(inp.shape, out.shape))):
                continue
            readers = [s for s in stages if reads_of(bodies[s], inp.op)
                       or (isinstance(s.op, ExternOp) and inp in s.op.inputs)]
            if readers != [stage]:
                continue
            if all(len(r.indices) == len(axes) and all(i is v for i, v in zip(r.indices, axes))
                   for r in reads_of(bodies[stage], inp.op)):
                pairs.append((out, inp))
    return pairs
