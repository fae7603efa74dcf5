"""Primitives that change the dataflow: ``cache_read``, ``cache_write`` and
``rfactor`` add a stage to the schedule and redirect reads to it. Operations
(and so the user's tensors) never change: a stage records the body it computes
instead (``Stage.body``/``reduce_axes``) and the reads it redirects
(``Stage.read_redirect``); :mod:`tecomp.schedule.graph` applies both."""

from ..errors import ScheduleError
from ..ir import IterVar, Range, Var
from ..ir import expr as E
from ..ir.expr import IterVarType
from ..ir.functor import substitute
from ..te.tensor import ComputeOp, Tensor
from .bound import leaf_extent
from .graph import expanded_body, reads_of_any
from .relations import AttachType, Split


def cache_read(schedule, tensor, scope, readers):
    """:meth:`Schedule.cache_read <tecomp.schedule.Schedule.cache_read>`."""
    primitive = f"cache_read({getattr(tensor, 'name', tensor)})"
    if not isinstance(tensor, Tensor) or tensor.op not in schedule.stage_map:
        raise ScheduleError(f"{primitive}: first argument must be a tensor of this schedule")
    _check_scope(primitive, scope)
    readers = readers if isinstance(readers, (list, tuple)) else [readers]
    stages = []
    for reader in readers:
        stage = schedule[reader]
        if tensor not in stage_reads(schedule, stage):
            raise ScheduleError(f"{primitive}: '{stage.op.name}' does not read "
                                f"'{tensor.name}'; readers must be its consumers")
        stages.append(stage)
    if not stages:
        raise ScheduleError(f"{primitive}: give at least one reader")
    cache = _copy_compute(tensor, f"{tensor.name}.{scope}")
    for stage in stages:
        stage.read_redirect[tensor] = cache
    new = schedule._insert_stage(cache.op, schedule.stages.index(schedule.stage_map[tensor.op]) + 1)
    new.scope = scope
    return cache

def cache_write(schedule, tensor, scope):
    """:meth:`Schedule.cache_write <tecomp.schedule.Schedule.cache_write>`."""
    primitive = f"cache_write({getattr(tensor, 'name', tensor)})"
    if isinstance(tensor, (list, tuple)):
        tensor = tensor[0]
    if not isinstance(tensor, Tensor) or tensor.op not in schedule.stage_map:
        raise ScheduleError(f"{primitive}: first argument must be a tensor of this schedule")
    _check_scope(primitive, scope)
    stage = schedule.stage_map[tensor.op]
    stage._check_compute("cache_write")
    if stage.relations or stage.iter_var_attrs:
        raise ScheduleError(f"{primitive}: call cache_write before scheduling "
                            f"'{tensor.op.name}' (it already has split/fuse/annotations)")
    if stage.attach_type == AttachType.INLINE:
        raise ScheduleError(f"{primitive}: '{tensor.op.name}' is inlined")
    op = tensor.op
    axis = [IterVar(iv.dom, Var(iv.var.name + ".c"), iv.iter_type) for iv in op.axis]
    mapping = {old.var: new.var for old, new in zip(op.axis, axis)}
    reduce_axes = [IterVar(iv.dom, Var(iv.var.name), iv.iter_type) for iv in stage.reduce_axes]
    mapping.update({old.var: new.var for old, new in zip(stage.reduce_axes, reduce_axes)})
    body = tuple(_rebuild_reduce(substitute(b, mapping), stage.reduce_axes, reduce_axes)
                 for b in stage.body)
    cache_op = ComputeOp(f"{op.name}.{scope}", axis, body)
    new = schedule._insert_stage(cache_op, schedule.stages.index(stage))
    new.scope = scope
    new.read_redirect = dict(stage.read_redirect)
    stage.body = tuple(E.TensorRead(t, tuple(iv.var for iv in op.axis)) for t in cache_op.outputs)
    stage.reduce_axes = ()
    stage.read_redirect = {}
    stage._reset_loops()
    return cache_op.outputs[0] if cache_op.num_outputs == 1 else list(cache_op.outputs)

def rfactor(schedule, tensor, axis, factor_axis=0):
    """:meth:`Schedule.rfactor <tecomp.schedule.Schedule.rfactor>`."""
    stage = schedule[tensor]
    stage._check_compute("rfactor")
    primitive = f"rfactor({stage.op.name})"
    axis = stage._check_leaf("rfactor", axis)
    if axis.iter_type != IterVarType.COMM_REDUCE:
        raise ScheduleError(f"{primitive}: axis '{axis.var.name}' is not a reduction axis")
    body = stage.body
    if not isinstance(body[0], E.Reduce) or len(body) != 1:
        raise ScheduleError(f"{primitive}: '{stage.op.name}' is not a single-output reduction")
    if body[0].init is not None:
        raise ScheduleError(f"{primitive}: '{stage.op.name}' is a reduction with init=; rfactor "
                            "would count the initial value once per partial result")
    rel_of = {r.outer: r for r in stage.relations if isinstance(r, Split)}
    rel_of.update({r.inner: r for r in stage.relations if isinstance(r, Split)})
    if axis in stage.reduce_axes:
        split, root = None, axis
    elif axis in rel_of and rel_of[axis].parent in stage.reduce_axes:
        split, root = rel_of[axis], rel_of[axis].parent
        other = split.outer if axis is split.inner else split.inner
        if other not in stage.leaf_iter_vars:
            raise ScheduleError(f"{primitive}: the other half of '{root.var.name}' was split "
                                "again; rfactor supports one split of the reduce axis")
    else:
        raise ScheduleError(f"{primitive}: axis '{axis.var.name}' must be a reduce axis or "
                            "a direct split of one")
    extent = leaf_extent(stage, axis)
    if not isinstance(extent, E.IntImm):
        raise ScheduleError(f"{primitive}: axis '{axis.var.name}' needs a constant extent")
    op, reduce = stage.op, body[0]
    ndim = len(op.axis)
    if not 0 <= factor_axis <= ndim:
        raise ScheduleError(f"{primitive}: factor_axis must be in [0, {ndim}]")
    zero = E.const_index(0)
    rf_axis = IterVar(Range(zero, extent), Var(axis.var.name + ".v"))
    new_axes = [IterVar(iv.dom, Var(iv.var.name), iv.iter_type) for iv in op.axis]
    mapping = {old.var: new.var for old, new in zip(op.axis, new_axes)}
    kept, condition = [], reduce.condition
    for iv in stage.reduce_axes:
        if iv is not root:
            fresh = IterVar(iv.dom, Var(iv.var.name), iv.iter_type)
            mapping[iv.var] = fresh.var
            kept.append(fresh)
    if split is None:
        mapping[root.var] = rf_axis.var
    else:
        outer_is_rf = axis is split.outer
        other_extent = leaf_extent(stage, split.inner if outer_is_rf else split.outer)
        other_leaf = split.inner if outer_is_rf else split.outer
        other = IterVar(Range(zero, other_extent), Var(other_leaf.var.name),
                        IterVarType.COMM_REDUCE)
        kept.insert(0, other)
        factor = leaf_extent(stage, split.inner)
        outer_var, inner_var = (rf_axis.var, other.var) if outer_is_rf else (other.var, rf_axis.var)
        value = root.dom.min + outer_var * factor + inner_var
        mapping[root.var] = value
        guard = value < root.dom.min + root.dom.extent
        condition = guard if condition is None else (condition & guard)
    if not kept:
        raise ScheduleError(f"{primitive}: nothing left to reduce in the factored stage; "
                            "split the reduce axis first")
    source = tuple(substitute(x, mapping) for x in reduce.source)
    cond = None if condition is None else substitute(condition, mapping)
    factored_axes = new_axes[:factor_axis] + [rf_axis] + new_axes[factor_axis:]
    factored_body = E.Reduce(reduce.combiner, source, tuple(kept), cond, 0)
    factored = ComputeOp(f"{op.name}.rf", factored_axes, (factored_body,))
    schedule._insert_stage(factored, schedule.stages.index(stage))
    r = IterVar(Range(zero, extent), Var(axis.var.name + ".r"), IterVarType.COMM_REDUCE)
    indices = [iv.var for iv in op.axis]
    indices.insert(factor_axis, r.var)
    read = E.TensorRead(factored.outputs[0], tuple(indices))
    stage.body = (E.Reduce(reduce.combiner, (read,), (r,), None, 0),)
    stage.reduce_axes = (r,)
    stage._reset_loops()
    _replace_stage_op(schedule, stage)
    return factored.outputs[0]


def _replace_stage_op(schedule, stage):
    """As TVM: ``s[B].op`` becomes the operation the stage now computes (its
    ``reduce_axis[0]`` is the factored axis), while the user's tensor ``B`` and
    ``B.op`` keep their meaning. The new op keeps ``B``'s axes and output tensors,
    so every read of ``B`` still reaches this stage."""
    old = stage.op
    new = ComputeOp(old.name, old.axis, stage.body, getattr(old, "tag", ""),
                    getattr(old, "attrs", None))
    new.outputs = old.outputs
    stage.op = new
    schedule.stage_map[new] = stage


def _check_scope(primitive, scope):
    if scope not in ("global", "shared", "local"):
        raise ScheduleError(f"{primitive}: unknown scope {scope!r}; use 'global', 'shared' "
                            "or 'local'")


def stage_reads(schedule, stage):
    """The tensors ``stage`` reads, after cache_read redirections and inlining."""
    return reads_of_any(expanded_body(schedule, stage))


def _copy_compute(tensor, name):
    shape = tensor.shape
    axis = [IterVar(Range(E.const_index(0), extent), Var(f"ax{k}")) for k, extent in enumerate(shape)]
    read = E.TensorRead(tensor, tuple(iv.var for iv in axis))
    return ComputeOp(name, axis, (read,)).outputs[0]


def _rebuild_reduce(body, old_axes, new_axes):
    """``body`` with its Reduce node over ``new_axes`` instead of ``old_axes``."""
    if not isinstance(body, E.Reduce):
        return body
    mapping = dict(zip(old_axes, new_axes))
    axes = tuple(mapping.get(iv, iv) for iv in body.axis)
    return E.Reduce(body.combiner, body.source, axes, body.condition, body.value_index,
                    body.init)
