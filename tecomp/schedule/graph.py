"""The dataflow graph as lowering sees it: bodies with inlined stages
substituted, and who reads whom.

:class:`ScheduleGraph` is that graph frozen, built once per ``lower()`` and
handed to bound inference and loop-nest construction: the lowered stages in
order (producers first), each one's expanded body, its consumers, the stages
attached at each loop, and the storage alignment of each tensor.
"""

from types import MappingProxyType

from ..errors import ScheduleError
from ..ir import expr as E
from ..ir.functor import IRMutator, collect, substitute
from ..te.extern import ExternOp
from ..te.scan import ScanOp
from ..te.tensor import ComputeOp
from .message_passing import leaf_values
from .relations import AttachType


class _InlineExpander(IRMutator):
    def __init__(self, schedule, cache, redirect):
        self.schedule = schedule
        self.cache = cache
        self.redirect = redirect

    def visit_TensorRead(self, read):
        read = self.generic_visit(read)
        cached = self.redirect.get(read.tensor)
        while cached is not None:       # a chain: A -> A.shared -> A.shared.local
            read = E.TensorRead(cached, read.indices)
            cached = self.redirect.get(cached)
        op = read.tensor.op
        stage = self.schedule.stage_map.get(op)
        if stage is None or stage.attach_type != AttachType.INLINE:
            return read
        body = expanded_body(self.schedule, stage, self.cache)[read.tensor.value_index]
        body = substitute(body, {iv.var: index for iv, index in zip(op.axis, read.indices)})
        # The reader's cache_read redirections reach the reads the inlined body
        # brought, except those into the very cache being inlined (its own source).
        redirect = {t: c for t, c in self.redirect.items() if c.op is not op}
        if not redirect:
            return body
        saved, self.redirect = self.redirect, redirect
        try:
            return self.visit(body)
        finally:
            self.redirect = saved


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
    reads, outputs = [], set(tensor_op.outputs)
    for b in body:
        reads += [r for r in collect(b, E.TensorRead) if r.tensor in outputs]
    return reads


def reads_of_any(body):
    """The tensors read in ``body`` (a tuple of exprs), in order of first read."""
    found = []
    for b in body:
        for read in collect(b, E.TensorRead):
            if read.tensor not in found:
                found.append(read.tensor)
    return found


def lowered_stages(schedule):
    """Stages that get loops: compute stages not inlined, scans and extern stages,
    producers first."""
    return [s for s in schedule.stages
            if isinstance(s.op, (ScanOp, ExternOp)) or (isinstance(s.op, ComputeOp)
                                                        and s.attach_type != AttachType.INLINE)]


def _check_extern_inputs(schedule, stages):
    """An extern stage reads whole compact arrays: its inputs are function
    arguments or stages computed in full at the root."""
    for stage in stages:
        if not isinstance(stage.op, ExternOp):
            continue
        for t in stage.op.inputs:
            producer = schedule.stage_map.get(t.op)
            if producer is not None and producer.attach_type != AttachType.ROOT:
                how = "inlined" if producer.attach_type == AttachType.INLINE else \
                    f"computed at '{producer.attach_stage.op.name}'"
                raise ScheduleError(f"extern stage '{stage.op.name}' reads '{t.name}' whole, "
                                    f"but '{t.op.name}' is {how}; compute it at the root")


def _scan_bodies(schedule, stages):
    """Scan stage -> its body stages at the root (computed once per time step,
    producers first), and the reverse map."""
    bodies, scan_of = {}, {}
    for scan in stages:
        if not isinstance(scan.op, ScanOp):
            continue
        ops = set(scan.op.body_ops)
        _check_scan_attachments(schedule, scan, ops)
        group = tuple(s for s in stages if s.op in ops and s.attach_type == AttachType.ROOT)
        bodies[scan] = group
        for s in group:
            scan_of[s] = scan
    return bodies, scan_of


def _check_scan_attachments(schedule, scan, body_ops):
    """Where a scan's stages may be computed: updates at the root (inside the time
    loop), inits not inlined (they write the first steps), other body stages
    inside the body (they read the state of the current step)."""
    def where(stage):
        return f"'{stage.op.name}' of scan '{scan.op.name}'"

    for t in scan.op.update:
        stage = schedule.stage_map[t.op]
        if stage.attach_type != AttachType.ROOT:
            raise ScheduleError(f"{where(stage)} is the scan's update: it runs at the root of "
                                f"the time loop and cannot be {_attached_how(stage)}")
    for t in scan.op.init:
        stage = schedule.stage_map[t.op]
        if stage.attach_type == AttachType.INLINE:
            raise ScheduleError(f"{where(stage)} is the scan's init: it writes the first time "
                                "steps and cannot be inlined")
    for op in body_ops:
        stage = schedule.stage_map[op]
        outer = stage
        while outer.attach_type == AttachType.SCOPE:
            outer = outer.attach_stage
        if outer.op not in body_ops and outer.attach_type != AttachType.INLINE:
            raise ScheduleError(f"{where(stage)} reads the scan's state, so it runs inside the "
                                f"time loop; it cannot be computed at '{outer.op.name}', "
                                "outside the scan body")


def _attached_how(stage):
    if stage.attach_type == AttachType.INLINE:
        return "inlined"
    return f"computed at '{stage.attach_stage.op.name}'"


class ScheduleGraph:
    """A schedule's lowered stages and their relations, computed once.

    ``stages``: lowered stages, producers first; ``body[stage]``: the expanded
    body (:func:`expanded_body`); ``consumers[stage]``: the lowered stages whose
    expanded bodies read it; ``attached[(stage, iv)]``: stages ``compute_at``
    that loop, in stage order; ``align[tensor]``: ``storage_align`` info;
    ``loop_vars``: every variable a loop of a lowered stage binds;
    ``scan_body[scan stage]``: the body stages at the root that run once per
    time step, producers first, and ``scan_of`` the reverse; ``aliases``: tensor
    -> the scan output it is stored in (:meth:`~tecomp.te.scan.ScanOp.aliases`).
    Read only: the schedule must not change while the graph is in use."""

    __slots__ = ("schedule", "stages", "body", "consumers", "attached", "align", "loop_vars",
                 "scan_body", "scan_of", "aliases")

    def __init__(self, schedule):
        stages = tuple(lowered_stages(schedule))
        _check_extern_inputs(schedule, stages)
        cache = {}
        body = {s: expanded_body(schedule, s, cache) for s in stages}
        consumers = {s: tuple(c for c in stages if c is not s and reads_of(body[c], s.op))
                     for s in stages}
        attached = {}
        for s in stages:
            if s.attach_type == AttachType.SCOPE:
                attached.setdefault((s.attach_stage, s.attach_ivar), []).append(s)
        loop_vars = set()
        for s in stages:
            loop_vars.update(leaf_values(s).values())
        object.__setattr__(self, "schedule", schedule)
        object.__setattr__(self, "stages", stages)
        object.__setattr__(self, "body", MappingProxyType(body))
        object.__setattr__(self, "consumers", MappingProxyType(consumers))
        object.__setattr__(self, "attached", MappingProxyType(
            {k: tuple(v) for k, v in attached.items()}))
        object.__setattr__(self, "align", MappingProxyType(
            {t: s.align_info for s in stages for t in s.op.outputs if s.align_info}))
        object.__setattr__(self, "loop_vars", frozenset(loop_vars))
        scan_body, scan_of = _scan_bodies(schedule, stages)
        aliases = {}
        for scan in scan_body:
            aliases.update(scan.op.aliases())
        object.__setattr__(self, "scan_body", MappingProxyType(scan_body))
        object.__setattr__(self, "scan_of", MappingProxyType(scan_of))
        object.__setattr__(self, "aliases", MappingProxyType(aliases))

    def __setattr__(self, name, value):
        raise AttributeError("a ScheduleGraph is read only")
