"""Bound inference: the range of every iter var of every stage.

A stage at the root covers its whole domain. A stage attached with
``compute_at(P, iv)`` covers the region its consumers read during one iteration
of ``P``'s loop ``iv``: the consumers' index expressions are evaluated with
interval arithmetic, the loops outside ``iv`` held fixed and the loops inside it
(and every loop of a consumer nested deeper) ranging over their extents. Leaf
ranges then follow from root ranges through the split/fuse relations.
"""

from ..arith import Analyzer
from ..arith import Interval, eval_interval
from ..errors import ScheduleError
from ..ir import Range
from ..ir import expr as E
from ..ir.functor import substitute, uses_var
from .graph import ScheduleGraph, reads_of
from .message_passing import leaf_to_root_values, leaf_values
from .relations import AttachType, Fuse, Split


def infer_bound(graph):
    """Map every iter var of every lowered stage to its :class:`Range`.

    ``graph`` is the :class:`~.graph.ScheduleGraph` of the schedule (a Schedule
    is accepted too and gets its graph built)."""
    if not isinstance(graph, ScheduleGraph):
        graph = ScheduleGraph(graph)
    ranges = {}
    analyzer = Analyzer()
    _check_attach_points(graph)
    for stage in reversed(graph.stages):
        if stage in graph.scan_of:
            _infer_scan_body_root(graph, stage, ranges, analyzer)
        elif stage.attach_type == AttachType.SCOPE:
            _infer_attached_root(graph, stage, ranges, analyzer)
        else:
            for iv in stage.root_iter_vars:
                ranges[iv] = iv.dom
        for iv in stage.reduce_axes:
            ranges[iv] = iv.dom
        _pass_down(stage, ranges, analyzer)
    return ranges


def _check_attach_points(graph):
    for stage in graph.stages:
        if stage.attach_type != AttachType.SCOPE:
            continue
        parent, ivar = stage.attach_stage, stage.attach_ivar
        if parent.attach_type == AttachType.INLINE:
            raise ScheduleError(f"compute_at({stage.op.name}): '{parent.op.name}' is inlined, so "
                                "it has no loops to attach to")
        if ivar not in parent.leaf_iter_vars:
            leaves = ", ".join(iv.var.name for iv in parent.leaf_iter_vars)
            raise ScheduleError(f"compute_at({stage.op.name}): loop '{ivar.var.name}' of "
                                f"'{parent.op.name}' was split or fused after the attachment; "
                                f"attach to one of its leaf axes [{leaves}]")


def leaf_extent(stage, iv):
    """The extent of ``iv`` when its stage covers its root domains (for
    primitives that need one before bound inference runs)."""
    ranges = {root: root.dom for root in stage.root_iter_vars}
    _pass_down(stage, ranges, Analyzer())
    return ranges[iv].extent


def _pass_down(stage, ranges, analyzer):
    zero = E.const_index(0)
    for rel in stage.relations:
        if isinstance(rel, Split):
            extent = ranges[rel.parent].extent
            if rel.factor is not None:
                factor = rel.factor
                if isinstance(extent, E.IntImm) and isinstance(factor, E.IntImm):
                    factor = E.const_index(min(factor.value, max(extent.value, 1)))
                inner, outer = factor, analyzer.simplify((extent + factor - 1) // factor)
            else:
                outer = rel.nparts
                inner = analyzer.simplify((extent + rel.nparts - 1) // rel.nparts)
            ranges[rel.outer] = Range(zero, outer)
            ranges[rel.inner] = Range(zero, inner)
        elif isinstance(rel, Fuse):
            extent = analyzer.simplify(ranges[rel.outer].extent * ranges[rel.inner].extent)
            ranges[rel.fused] = Range(zero, extent)


def _attach_path(stage):
    """The stages from ``stage`` outward through its attachments."""
    path = []
    while stage is not None:
        path.append(stage)
        stage = stage.attach_stage if stage.attach_type == AttachType.SCOPE else None
    return path


def _relaxed_vars(stage, consumer, ranges):
    """Loop variables that range (rather than stay fixed) during one iteration of
    the loop ``stage`` is attached at, as seen from ``consumer``."""
    parent, ivar = stage.attach_stage, stage.attach_ivar
    path = _attach_path(consumer)
    if parent not in path:
        raise ScheduleError(
            f"compute_at({stage.op.name}): '{consumer.op.name}' reads '{stage.op.name}' but is "
            f"not inside '{parent.op.name}' loop '{ivar.var.name}' where it is computed; compute "
            f"'{stage.op.name}' at a loop enclosing all its consumers, or at the root")
    relaxed = {}

    def relax(s, iv):
        attr = s.iter_var_attrs.get(iv)
        var = attr.bind_thread.var if attr and attr.bind_thread is not None else iv.var
        extent = ranges[iv].extent
        relaxed[var] = Interval(E.const_index(0), extent - 1)

    for s in path[:path.index(parent)]:
        if s.attach_ivar is not None and s.attach_stage is parent and \
                parent.leaf_iter_vars.index(s.attach_ivar) < parent.leaf_iter_vars.index(ivar):
            raise ScheduleError(
                f"compute_at({stage.op.name}): consumer '{s.op.name}' is attached at "
                f"'{parent.op.name}' loop '{s.attach_ivar.var.name}', outside loop "
                f"'{ivar.var.name}' where '{stage.op.name}' is computed")
        for iv in s.leaf_iter_vars:
            relax(s, iv)
    position = parent.leaf_iter_vars.index(ivar)
    for index, iv in enumerate(parent.leaf_iter_vars):
        attr = parent.iter_var_attrs.get(iv)
        thread = attr.bind_thread if attr else None
        # Threads share "shared" memory across threadIdx, and "global" across all.
        if index > position or (thread is not None and _thread_relaxed(stage.scope, thread.thread_tag)):
            relax(parent, iv)
    # ... and across the bound loops of the stages ``parent`` itself is nested in.
    for outer in _attach_path(parent)[1:]:
        for iv in outer.leaf_iter_vars:
            attr = outer.iter_var_attrs.get(iv)
            thread = attr.bind_thread if attr else None
            if thread is not None and _thread_relaxed(stage.scope, thread.thread_tag):
                relax(outer, iv)
    return relaxed


def _thread_relaxed(scope, tag):
    if scope == "shared":
        return tag.startswith("threadIdx")
    if scope == "global":
        return True
    return False


def scan_time(scan_stage):
    """The time step a scan's loop is at: the first updated step plus its loop variable."""
    axis = scan_stage.op.scan_axis
    return E.const_index(axis.dom.min) + scan_stage.leaf_iter_vars[0].var


def _infer_scan_body_root(graph, stage, ranges, analyzer):
    """A scan body stage at the root runs once per time step ``t``: an update
    covers step ``t``; any other body stage the steps its readers in the body
    need at ``t`` (every loop inside the step relaxed, ``t`` fixed)."""
    scan = graph.scan_of[stage]
    time = scan_time(scan)
    if stage.op in {u.op for u in scan.op.update}:
        ranges[stage.op.axis[0]] = Range(time, E.const_index(1))
        for iv in stage.op.axis[1:]:
            ranges[iv] = iv.dom
        return
    intervals = [None] * len(stage.op.axis)
    for consumer in graph.consumers[stage]:
        path = _attach_path(consumer)
        if graph.scan_of.get(path[-1]) is not scan:
            raise ScheduleError(
                f"scan({scan.op.name}): '{consumer.op.name}' reads '{stage.op.name}', which is "
                f"computed inside the scan one time step at a time; read the scan's output "
                "instead, or compute it outside the scan")
        relaxed = {}
        for s in path:
            for iv, var in leaf_values(s).items():
                relaxed[var] = Interval(E.const_index(0), ranges[iv].extent - 1)
        values = leaf_to_root_values(consumer, ranges)
        for read in reads_of(graph.body[consumer], stage.op):
            for dim, index in enumerate(read.indices):
                found = eval_interval(substitute(index, values), relaxed)
                intervals[dim] = found if intervals[dim] is None else intervals[dim].union(found)
    for dim, iv in enumerate(stage.op.axis):
        found = intervals[dim]
        if dim > 0 or found is None or found.lo is None or found.hi is None:
            ranges[iv] = iv.dom
            continue
        lo = analyzer.simplify(found.lo)
        extent = analyzer.simplify(found.hi - found.lo + 1)
        if not isinstance(extent, E.IntImm):
            raise ScheduleError(f"scan({scan.op.name}): cannot bound the time steps of body "
                                f"stage '{stage.op.name}' (`{lo}`, extent `{extent}`)")
        ranges[iv] = Range(lo, extent)


def _infer_attached_root(graph, stage, ranges, analyzer):
    intervals = [None] * len(stage.op.axis)
    for consumer in graph.consumers[stage]:
        relaxed = _relaxed_vars(stage, consumer, ranges)
        values = leaf_to_root_values(consumer, ranges)
        for read in reads_of(graph.body[consumer], stage.op):
            for dim, index in enumerate(read.indices):
                found = eval_interval(substitute(index, values), relaxed)
                intervals[dim] = found if intervals[dim] is None else intervals[dim].union(found)
    loop_vars = graph.loop_vars
    for dim, iv in enumerate(stage.op.axis):
        found = intervals[dim]
        if found is None or found.lo is None or found.hi is None:
            ranges[iv] = iv.dom
            continue
        lo = analyzer.simplify(found.lo)
        extent = analyzer.simplify(found.hi - found.lo + 1)
        if uses_var(extent, loop_vars):
            # The region's size changes from one iteration to the next (reads
            # through min/max or divisions of loop variables): cover the whole
            # dimension instead, which is always enough and has a fixed size.
            ranges[iv] = iv.dom
            continue
        ranges[iv] = Range(lo, extent)

