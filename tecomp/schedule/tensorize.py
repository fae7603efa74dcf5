"""The loop nest of a tensorized stage (TVM's MakeTensorize, ``te/operation/tensorize.cc``).

``s[C].tensorize(yi, intrin)`` replaces the loops from ``yi`` inward by the
intrinsic's statements. Lowering

1. finds the region of every root axis that those loops cover, with the loops
   outside held fixed (a box: ``[min, min + extent)`` per axis), and the region
   of every input the stage reads there;
2. checks that the stage computes there what the intrinsic's ``te.compute``
   declares: the stage's body, its axes renamed to the intrinsic's and its
   reads shifted to the regions' starts, must equal the intrinsic's body
   (leading axes of extent 1 may be dropped, TVM's fuzzy matching); a split
   guard may not depend on a loop inside the region;
3. wraps the intrinsic's statements in one ``buffer_bind_scope`` attribute per
   operand, ``AttrStmt((declared_buffer, tensor), "buffer_bind_scope",
   tvm_tuple(min0, extent0, ...))``, which storage flattening resolves
   (:mod:`tecomp.transform.storage_flatten`);
4. uses the intrinsic's ``body`` when the whole reduction is inside the region;
   when reduction loops stay outside, ``reduce_init`` goes where the stage's
   initialization would go and ``reduce_update`` accumulates each slice (without
   ``reduce_init``, ``body`` runs on the first slice).
"""

from ..arith import Analyzer, eval_interval
from ..errors import ScheduleError
from ..ir import dtype as dt
from ..ir import expr as E
from ..ir import stmt as S
from ..ir.expr import IterVarType
from ..ir.functor import IRMutator, IRVisitor, structural_equal, substitute, uses_var
from ..ir.op import logical_and
from ..ir.stmt import ForKind
from .message_passing import leaf_values, pass_up_offsets, root_values


def tensorized_leaf(stage):
    """The position of the tensorized leaf of ``stage``, or None."""
    for position, iv in enumerate(stage.leaf_iter_vars):
        attr = stage.iter_var_attrs.get(iv)
        if attr is not None and attr.tensor_intrin is not None:
            return position
    return None


def tensorize_nest(builder, stage, tloc):
    """The statement for ``stage`` with its leaves from ``tloc`` inward tensorized;
    ``builder`` is schedule_ops' builder (ranges, loops, attached stages)."""
    return _Tensorize(builder, stage, tloc).nest()


class _Tensorize:
    def __init__(self, builder, stage, tloc):
        self.builder, self.stage, self.tloc = builder, stage, tloc
        self.leaves = stage.leaf_iter_vars
        self.intrin = stage.iter_var_attrs[self.leaves[tloc]].tensor_intrin
        self.name = f"tensorize({stage.op.name})"
        self.analyzer = Analyzer()

    def fail(self, message):
        return ScheduleError(f"{self.name}: {message}")

    # ------------------------------------------------------------ the nest
    def nest(self):
        stage, builder, tloc, leaves = self.stage, self.builder, self.tloc, self.leaves
        ranges = builder.ranges
        self.leaf_vars = leaf_values(stage)
        offsets = pass_up_offsets(stage, ranges, dict(self.leaf_vars))
        self.values = root_values(stage, ranges, offsets)
        inner = leaves[tloc:]
        self.inner_vars = {self.leaf_vars[iv]: ranges[iv] for iv in inner}
        self._check_inner_leaves(inner)
        conditions = builder.conditions(stage, offsets, self.values)
        for c in conditions:
            if uses_var(c, set(self.inner_vars)):
                raise self.fail(f"the split guard `{c}` depends on a loop inside the tensorized "
                                f"region (from '{leaves[tloc].var.name}' inward); choose split "
                                "factors that divide the extents")
        self.out_region = {iv: self._region(self.values[iv]) for iv in stage.root_iter_vars}
        vmap = self._match_body()
        in_binds, out_binds = self._binds()
        reduce_leaves = [k for k, iv in enumerate(leaves) if iv.iter_type == IterVarType.COMM_REDUCE]
        first_reduce = reduce_leaves[0] if reduce_leaves else None
        intrin = self.intrin
        if first_reduce is None or first_reduce >= tloc:
            if intrin.body is None:
                raise self.fail(f"intrinsic '{intrin.name}' has no body (its fcompute returned "
                                "only reduce_init/reduce_update)")
            stmt = _guard(self._bind(intrin.body, in_binds + out_binds, vmap), conditions)
            return self._loops(range(tloc), stmt)
        if intrin.reduce_update is None:
            raise self.fail(f"reduction loop '{leaves[first_reduce].var.name}' is outside the "
                            f"tensorized region, so intrinsic '{intrin.name}' needs a "
                            "reduce_update (fcompute returning (body, reduce_init, reduce_update))")
        update = self._bind(intrin.reduce_update, in_binds + out_binds, vmap)
        reduce_vars = {self.leaf_vars[leaves[k]] for k in reduce_leaves if k < tloc}
        if intrin.reduce_init is not None:
            init = self._bind(intrin.reduce_init, out_binds, vmap)
            data_conditions = [c for c in conditions if not uses_var(c, reduce_vars)]
            init = _guard(init, data_conditions)
            for iv in reversed(leaves[first_reduce:tloc]):
                if iv.iter_type != IterVarType.COMM_REDUCE:
                    init = builder.loop(stage, iv, self.leaf_vars[iv], init)
        else:
            if intrin.body is None:
                raise self.fail(f"intrinsic '{intrin.name}' has neither reduce_init nor body to "
                                "start the reduction")
            first = [E.EQ(self.leaf_vars[leaves[k]], E.const_index(0))
                     for k in reduce_leaves if k < tloc]
            body = self._bind(intrin.body, in_binds + out_binds, vmap)
            update = S.IfThenElse(_and(first), body, update)
            init = None
        update = _guard(update, conditions)
        stmt = self._loops(range(first_reduce, tloc), update)
        return self._loops(range(first_reduce), S.seq(init, stmt))

    def _loops(self, positions, body):
        for position in reversed(list(positions)):
            iv = self.leaves[position]
            body = self.builder.attached_and_loop(self.stage, iv, self.leaf_vars[iv], body)
        return body

    def _check_inner_leaves(self, inner):
        for iv in inner:
            attr = self.stage.iter_var_attrs.get(iv)
            if attr is None:
                continue
            if attr.bind_thread is not None or attr.kind != ForKind.SERIAL or attr.pragmas \
                    or attr.prefetch:
                what = attr.bind_thread.thread_tag if attr.bind_thread is not None else \
                    attr.pragmas[0][0] if attr.pragmas else \
                    f"prefetch({attr.prefetch[0][0].name})" if attr.prefetch else attr.kind
                raise self.fail(f"loop '{iv.var.name}' is inside the tensorized region but is "
                                f"annotated ({what}); annotate only loops outside it")
        for iv in inner:
            if self.builder.graph.attached.get((self.stage, iv)):
                child = self.builder.graph.attached[(self.stage, iv)][0]
                raise self.fail(f"stage '{child.op.name}' is computed at loop '{iv.var.name}', "
                                "inside the tensorized region; attach it outside")

    def _region(self, value):
        """``(min, extent)`` of ``value`` (in leaf variables) over the inner loops."""
        interval = eval_interval(value, {v: r for v, r in self.inner_vars.items()})
        lo = self.analyzer.simplify(interval.lo)
        extent = self.analyzer.simplify(interval.hi - interval.lo + 1)
        return lo, extent

    # ------------------------------------------------------------ matching
    def _match_body(self):
        """Check the stage's body against the intrinsic's; returns the map of the
        intrinsic's symbolic extents to the region's."""
        stage, intrin = self.stage, self.intrin
        iop = intrin.op
        var_map, axis_map, vmap = {}, {}, {}
        self._remap_axes(stage.op.axis, iop.axis, "axis", var_map, axis_map, vmap)
        self._remap_axes(stage.reduce_axes, iop.reduce_axis, "reduction axis", var_map,
                         axis_map, vmap)
        body = self.builder.graph.body[stage]
        inputs = _reads_in_order(body)
        if len(inputs) != len(intrin.inputs):
            raise self.fail(f"the stage reads {len(inputs)} tensor(s) "
                            f"({', '.join(t.name for t in inputs)}) but intrinsic "
                            f"'{intrin.name}' takes {len(intrin.inputs)} "
                            f"({', '.join(t.name for t in intrin.inputs)})")
        self.in_regions = {}
        remap = {}
        for tensor, operand in zip(inputs, intrin.inputs):
            region = self._input_region(body, tensor)
            start = len(region) - len(operand.shape)
            if start < 0 or any(not self.analyzer.can_prove_equal(e, E.const_index(1))
                                for _, e in region[:start]):
                raise self.fail(f"the region of '{tensor.name}' read by the stage "
                                f"({_region_text(region)}) does not fit operand "
                                f"'{operand.name}' of intrinsic '{intrin.name}' (shape "
                                f"{list(operand.shape)})")
            self.in_regions[tensor] = region
            remap[tensor] = (operand, start, [m for m, _ in region])
        mine = [_Remap(var_map, axis_map, remap).visit(b) for b in body]
        theirs = [substitute(b, vmap) for b in iop.body]
        for k, (a, b) in enumerate(zip(mine, theirs)):
            if a.dtype != b.dtype:
                raise self.fail(f"intrinsic '{intrin.name}' computes {b.dtype}, the stage "
                                f"computes {a.dtype}")
            if not self._same(a, b):
                raise self.fail(f"the stage does not compute what intrinsic '{intrin.name}' "
                                f"declares: stage '{stage.op.name}' computes `{a}` over the "
                                f"tensorized region, intrinsic op '{iop.name}' computes `{b}`")
        if len(body) != len(iop.body):
            raise self.fail(f"the stage has {len(body)} output(s), intrinsic '{intrin.name}' "
                            f"{len(iop.body)}")
        return vmap

    def _remap_axes(self, mine, theirs, what, var_map, axis_map, vmap):
        start = len(mine) - len(theirs)
        if start < 0:
            raise self.fail(f"intrinsic '{self.intrin.name}' has {len(theirs)} {what}(es), the "
                            f"stage only {len(mine)}")
        for iv in mine[:start]:
            lo, extent = self.out_region[iv]
            if not self.analyzer.can_prove_equal(extent, E.const_index(1)):
                raise self.fail(f"{what} '{iv.var.name}' covers {extent} values inside the "
                                f"tensorized region, but intrinsic '{self.intrin.name}' has no "
                                f"{what} for it; tensorize an inner loop")
            var_map[iv.var] = lo
        for iv, target in zip(mine[start:], theirs):
            lo, extent = self.out_region[iv]
            want = target.dom.extent
            if isinstance(want, E.Var) and want not in vmap:
                vmap[want] = extent
            elif not self.analyzer.can_prove_equal(substitute(want, vmap), extent):
                raise self.fail(f"{what} '{iv.var.name}' covers {extent} values inside the "
                                f"tensorized region, but intrinsic '{self.intrin.name}'s "
                                f"{what} '{target.var.name}' has extent {want}")
            var_map[iv.var] = target.var if E.is_const_int(lo, 0) else target.var + lo
            axis_map[iv] = target

    def _input_region(self, body, tensor):
        reads = []

        class Reads(IRVisitor):
            def visit_TensorRead(self, read):
                if read.tensor is tensor:
                    reads.append(read)
                self.generic_visit(read)

        for b in body:
            Reads().visit(b)
        roots = {iv.var: v for iv, v in self.values.items()}
        region = None
        for read in reads:
            dims = [self._region(substitute(i, roots)) for i in read.indices]
            if region is None:
                region = dims
            elif any(not (self.analyzer.can_prove_equal(a[0], b[0]) and
                          self.analyzer.can_prove_equal(a[1], b[1]))
                     for a, b in zip(region, dims)):
                raise self.fail(f"tensor '{tensor.name}' is read at different regions "
                                f"({_region_text(region)} and {_region_text(dims)}); an "
                                "intrinsic operand is one region")
        return region

    def _same(self, a, b):
        if isinstance(a, E.Reduce) or isinstance(b, E.Reduce):
            if not (isinstance(a, E.Reduce) and isinstance(b, E.Reduce)):
                return False
            if a.value_index != b.value_index or len(a.source) != len(b.source):
                return False
            if len(a.axis) != len(b.axis) or any(x is not y for x, y in zip(a.axis, b.axis)):
                return False
            if not _same_combiner(a.combiner, b.combiner):
                return False
            if (a.condition is None) != (b.condition is None) or (a.init is None) != (b.init is None):
                return False
            pairs = list(zip(a.source, b.source))
            if a.condition is not None:
                pairs.append((a.condition, b.condition))
            if a.init is not None:
                pairs.extend(zip(a.init, b.init))
            return all(self._same(x, y) for x, y in pairs)
        return structural_equal(self.analyzer.simplify(a), self.analyzer.simplify(b))

    # ------------------------------------------------------------ binding
    def _binds(self):
        intrin = self.intrin
        inputs = list(self.in_regions)
        ins = [(buf, t, self.in_regions[t]) for buf, t in zip(intrin.buffers, inputs)]
        out_region = [self.out_region[iv] for iv in self.stage.op.axis]
        outs = [(buf, t, out_region) for buf, t in
                zip(intrin.buffers[len(inputs):], self.stage.op.outputs)]
        return ins, outs

    def _bind(self, stmt, binds, vmap):
        stmt = substitute(stmt, vmap)
        for buf, tensor, region in reversed(binds):
            flat = tuple(x for m, e in region for x in (m, e))
            stmt = S.AttrStmt((buf, tensor), "buffer_bind_scope",
                              E.Call(dt.HANDLE, "tvm_tuple", flat), stmt)
        return stmt


class _Remap(IRMutator):
    """The stage's body in the intrinsic's names: axes renamed, reads of each input
    shifted to its region's start (leading dimensions dropped)."""

    def __init__(self, var_map, axis_map, tensors):
        self.var_map, self.axis_map, self.tensors = var_map, axis_map, tensors

    def visit_Var(self, var):
        return self.var_map.get(var, var)

    def visit_TensorRead(self, read):
        indices = tuple(self.visit(i) for i in read.indices)
        entry = self.tensors.get(read.tensor)
        if entry is None:
            return E.TensorRead(read.tensor, indices)
        operand, start, mins = entry
        shifted = tuple(i if E.is_const_int(m, 0) else i - m
                        for i, m in zip(indices[start:], mins[start:]))
        return E.TensorRead(operand, shifted)

    def visit_Reduce(self, red):
        source = tuple(self.visit(s) for s in red.source)
        condition = None if red.condition is None else self.visit(red.condition)
        init = None if red.init is None else tuple(self.visit(v) for v in red.init)
        axis = tuple(self.axis_map[iv] for iv in red.axis if iv in self.axis_map)
        return E.Reduce(red.combiner, source, axis, condition, red.value_index, init)


def _same_combiner(a, b):
    if len(a.lhs) != len(b.lhs):
        return False
    xs = tuple(E.Var(f"x{k}", v.dtype) for k, v in enumerate(a.lhs))
    ys = tuple(E.Var(f"y{k}", v.dtype) for k, v in enumerate(a.rhs))
    return (all(structural_equal(p, q) for p, q in zip(a.combine(xs, ys), b.combine(xs, ys)))
            and all(structural_equal(p, q) for p, q in zip(a.identity, b.identity)))


def _reads_in_order(body):
    found = []

    class Reads(IRVisitor):
        def visit_TensorRead(self, read):
            if read.tensor not in found:
                found.append(read.tensor)
            self.generic_visit(read)

    for b in body:
        Reads().visit(b)
    return found


def _region_text(region):
    return "[" + ", ".join(f"{m}:+{e}" for m, e in region) + "]"


def _and(conditions):
    out = conditions[0]
    for c in conditions[1:]:
        out = logical_and(out, c)
    return out


def _guard(stmt, conditions):
    return S.IfThenElse(_and(conditions), stmt) if conditions else stmt


__all__ = ["tensorize_nest", "tensorized_leaf"]
