"""Values of root iter vars in terms of leaf loop variables (TVM's PassUpIndex)."""

from ..ir import expr as E
from .relations import Fuse, Split


def leaf_values(stage):
    """Leaf iter var -> the variable its loop binds (a thread var where bound)."""
    values = {}
    for iv in stage.leaf_iter_vars:
        attr = stage.iter_var_attrs.get(iv)
        values[iv] = attr.bind_thread.var if attr and attr.bind_thread is not None else iv.var
    return values


def pass_up_offsets(stage, ranges, values):
    """Extend ``values`` (iter var -> offset from its range min) to every iter var,
    walking the relations from the leaves to the roots."""
    for rel in reversed(stage.relations):
        if isinstance(rel, Split):
            factor = ranges[rel.inner].extent if rel.factor is None else rel.factor
            values[rel.parent] = values[rel.outer] * factor + values[rel.inner]
        elif isinstance(rel, Fuse):
            inner_extent = ranges[rel.inner].extent
            fused = values[rel.fused]
            values[rel.outer] = fused // inner_extent
            values[rel.inner] = fused % inner_extent
    return values


def root_values(stage, ranges, offsets):
    """Root iter var -> its value (range min + offset) in leaf loop vars, given
    ``offsets`` from :func:`pass_up_offsets`."""
    values = {}
    for iv in stage.root_iter_vars:
        rmin = ranges[iv].min
        values[iv] = offsets[iv] if E.is_const_int(rmin, 0) else rmin + offsets[iv]
    return values


def leaf_to_root_values(stage, ranges):
    """Root iter var's *variable* -> its value (range min + offset) in leaf loop vars."""
    offsets = pass_up_offsets(stage, ranges, dict(leaf_values(stage)))
    return {iv.var: v for iv, v in root_values(stage, ranges, offsets).items()}
