"""The dataflow graph as lowering sees it: bodies with inlined stages
substituted, and who reads whom."""

from ..ir import expr as E
from ..ir.functor import IRMutator, collect, substitute
from .schedule import AttachType


class _InlineExpander(IRMutator):
    def __init__(self, schedule, cache, redirect):
        self.schedule = schedule
        self.cache = cache
        self.redirect = redirect

    def visit_TensorRead(self, read):
        read = self.generic_visit(read)
        cached = self.redirect.get(read.tensor)
        if cached is not None:
            read = E.TensorRead(cached, read.indices)
        op = read.tensor.op
        stage = self.schedule.stage_map.get(op)
        if stage is None or stage.attach_type != AttachType.INLINE:
            return read
        body = expanded_body(self.schedule, stage, self.cache)[read.tensor.value_index]
        return substitute(body, {iv.var: index for iv, index in zip(op.axis, read.indices)})


def expanded_body(schedule, stage, cache=None):
    """The stage's body (``op.body`` unless cache_write/rfactor replaced it) with
    cache_read redirections applied and inlined stages substituted for their reads."""
    cache = {} if cache is None else cache
    if stage.op not in cache:
        expander = _InlineExpander(schedule, cache, stage.read_redirect)
        cache[stage.op] = tuple(expander.visit(b) for b in stage.body)
    return cache[stage.op]


def reads_of(body, tensor_op):
    """Every ``TensorRead`` of an output of ``tensor_op`` in ``body`` (a tuple of exprs)."""
    reads = []
    for b in body:
        reads += collect(b, lambda n: isinstance(n, E.TensorRead) and n.tensor.op is tensor_op)
    return reads


def reads_of_any(body):
    """The tensors read in ``body`` (a tuple of exprs), in order of first read."""
    found = []
    for b in body:
        for read in collect(b, lambda n: isinstance(n, E.TensorRead)):
            if read.tensor not in found:
                found.append(read.tensor)
    return found


def lowered_stages(schedule):
    """Stages that get loops: compute stages not inlined, producers first."""
    from ..te.tensor import ComputeOp
    return [s for s in schedule.stages
            if isinstance(s.op, ComputeOp) and s.attach_type != AttachType.INLINE]


def consumers_of(schedule, stage, cache):
    """The lowered stages whose expanded bodies read ``stage``'s outputs."""
    return [c for c in lowered_stages(schedule)
            if c is not stage and reads_of(expanded_body(schedule, c, cache), stage.op)]
