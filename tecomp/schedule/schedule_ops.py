"""Schedule to loop nests (TVM's ScheduleOps / MakeLoopNest).

Each lowered stage becomes a nest of ``For`` loops over its leaf iter vars (in
leaf order, with their annotations), around a ``Provide`` of its body with the
root variables replaced by their values in the leaf variables. Splits that may
not divide get a guard. Reductions become an init nest, placed just outside the
first reduction loop, and an update nest. Stages attached with ``compute_at``
are placed, with their ``Realize``, at the top of the body of their loop; stages
at the root follow one another, producers first.
"""

from ..arith import Analyzer
from ..errors import ScheduleError
from ..ir import Range, Var
from ..ir import expr as E
from ..ir import stmt as S
from ..ir.expr import IterVarType
from ..ir.functor import IRVisitor, substitute, uses_var
from ..ir.op import logical_and
from ..ir.stmt import DOUBLE_BUFFER_SCOPE, PREFETCH_SCOPE, ForKind
from .cross_thread_reduction import cross_thread_nest, store_predicate, thread_reduce_leaves
from ..te.extern import ExternOp
from ..te.scan import ScanOp
from .graph import ScheduleGraph
from .scan_alias import alias_scan_tensors
from .message_passing import leaf_values, pass_up_offsets, root_values
from .relations import AttachType, Split
from .tensorize import tensorize_nest, tensorized_leaf


def schedule_ops(graph, ranges, param_tensors):
    """The whole program as one statement over tensors (``Provide``/``Realize``).

    ``graph`` is the :class:`~.graph.ScheduleGraph` (a Schedule is accepted too);
    ``ranges`` come from :func:`~.bound.infer_bound`; ``param_tensors`` are the
    function's tensor arguments: they are not realized."""
    if not isinstance(graph, ScheduleGraph):
        graph = ScheduleGraph(graph)
    builder = _Builder(graph, ranges, set(param_tensors))
    program = builder.program()
    _check_parallel_nesting(program, builder.loop_owner)
    return program


def _check_parallel_nesting(program, loop_owner):
    """libgomp runs one level of parallel loops; a nested one is a schedule error."""
    _ParallelNesting(loop_owner).visit(program)


class _ParallelNesting(IRVisitor):
    # a module-level class: one defined per call is a reference cycle (a class and
    # its MRO) left for the cycle collector on every lowering
    def __init__(self, loop_owner):
        self.loop_owner = loop_owner
        self.outer = None

    def visit_For(self, loop):
        if loop.kind != ForKind.PARALLEL:
            return self.generic_visit(loop)
        if self.outer is not None:
            raise ScheduleError(
                f"parallel({self.loop_owner.get(loop.loop_var, '?')}): loop "
                f"'{loop.loop_var.name}' is nested inside parallel loop "
                f"'{self.outer.loop_var.name}'; only the outermost loop of a nest can run in "
                "parallel (fuse the loops instead)")
        self.outer = loop
        self.generic_visit(loop)
        self.outer = None


class _Builder:
    def __init__(self, graph, ranges, params):
        self.graph = graph
        self.ranges = ranges
        self.params = params
        self.loop_owner = {}
        self.analyzer = Analyzer()
        self.roots = [s for s in graph.stages
                      if s.attach_type == AttachType.ROOT and s not in graph.scan_of]

    def program(self):
        body = None
        for stage in reversed(self.roots):
            if isinstance(stage.op, ScanOp):
                body = S.seq(self.stage_nest(stage), body)
            else:
                body = self.realize(stage, S.seq(self.stage_nest(stage), body))
        body = body if body is not None else S.no_op()
        # A scan's output also holds its init steps, written before its loop:
        # its storage spans the whole program.
        for scan in self.graph.scan_body:
            for tensor in scan.op.outputs:
                if tensor not in self.params:
                    bounds = tuple(Range(E.const_index(0), d) for d in tensor.shape)
                    body = S.Realize(tensor, bounds, scan.scope or "global", body)
        return alias_scan_tensors(body, self.graph.aliases)

    def realize(self, stage, body):
        outputs = [t for t in stage.op.outputs
                   if t not in self.params and t not in self.graph.aliases]
        for tensor in outputs:
            if isinstance(stage.op, ExternOp):
                bounds = tuple(Range(E.const_index(0), d) for d in tensor.shape)
            else:
                bounds = tuple(self.ranges[iv] for iv in stage.op.axis)
            if stage.double_buffered:
                body = S.AttrStmt(tensor, DOUBLE_BUFFER_SCOPE, E.const_index(1), body)
            body = S.Realize(tensor, bounds, stage.scope or "global", body)
        return body

    def scan_nest(self, stage):
        """The scan's time loop around its body stages, producers first."""
        body = None
        for member in reversed(self.graph.scan_body[stage]):
            body = self.realize(member, S.seq(self.stage_nest(member), body))
        iv = stage.leaf_iter_vars[0]
        return self.loop(stage, iv, iv.var, body if body is not None else S.no_op())

    # ------------------------------------------------------------ one stage
    def stage_nest(self, stage):
        if isinstance(stage.op, ScanOp):
            return self.scan_nest(stage)
        if isinstance(stage.op, ExternOp):
            return stage.op.body        # no loops: runs once on whole arrays
        tloc = tensorized_leaf(stage)
        if tloc is not None:
            return tensorize_nest(self, stage, tloc)
        ranges = self.ranges
        leaves = stage.leaf_iter_vars
        leaf_vars = leaf_values(stage)
        offsets = pass_up_offsets(stage, ranges, dict(leaf_vars))
        values = root_values(stage, ranges, offsets)
        var_values = {iv.var: v for iv, v in values.items()}
        conditions = self.conditions(stage, offsets, values)
        reduce_vars = {leaf_vars[iv] for iv in leaves if iv.iter_type == IterVarType.COMM_REDUCE}
        body = self.graph.body[stage]
        indices = tuple(values[iv] for iv in stage.op.axis)
        outputs = stage.op.outputs

        if isinstance(body[0], E.Reduce):
            thread_leaves = thread_reduce_leaves(stage)
            if thread_leaves:
                return cross_thread_nest(self, stage, thread_leaves, leaf_vars, conditions,
                                         body[0], indices, var_values)
        if stage.store_predicate is not None:
            conditions = conditions + store_predicate(stage, leaf_vars, [])
        if isinstance(body[0], E.Reduce):
            reduce = body[0]
            init = S.seq(*[S.Provide(t, ident, indices)
                           for t, ident in zip(outputs, _initial_values(reduce, var_values))])
            data_conditions = [c for c in conditions if not uses_var(c, reduce_vars)]
            init = _guard(init, data_conditions)
            update = self.update(reduce, outputs, indices, var_values)
            if reduce.condition is not None:
                # The user's where= may read tensors at the reduce indices, so it
                # is evaluated only where the split guards hold: a nested if, as
                # `&&` evaluates both operands.
                update = _guard(update, [substitute(reduce.condition, var_values)])
            innermost = _guard(update, conditions)
            first_reduce = next(k for k, iv in enumerate(leaves)
                                if iv.iter_type == IterVarType.COMM_REDUCE)
        else:
            provides = [S.Provide(t, substitute(b, var_values), indices)
                        for t, b in zip(outputs, body)]
            innermost = _guard(S.seq(*provides), conditions)
            first_reduce = None
            init = None

        nest = innermost
        for position in range(len(leaves) - 1, -1, -1):
            if position + 1 == first_reduce:
                nest = S.seq(self.init_nest(stage, leaves[first_reduce:], init, leaf_vars), nest)
            iv = leaves[position]
            nest = self.attached_and_loop(stage, iv, leaf_vars[iv], nest)
        if first_reduce == 0:
            nest = S.seq(self.init_nest(stage, leaves, init, leaf_vars), nest)
        return nest

    def attached_and_loop(self, stage, iv, var, body):
        """``iv``'s loop around the stages attached at it, then ``body``; the
        prefetches of ``iv`` (``Stage.prefetch``) mark all of it."""
        for child in reversed(self.graph.attached.get((stage, iv), ())):
            body = self.realize(child, S.seq(self.stage_nest(child), body))
        attr = stage.iter_var_attrs.get(iv)
        for tensor, offset in reversed(attr.prefetch if attr else ()):
            body = S.AttrStmt(tensor, PREFETCH_SCOPE, offset, body)
        return self.loop(stage, iv, var, body)

    def update(self, reduce, outputs, indices, var_values):
        lhs = [E.TensorRead(t, indices) for t in outputs]
        rhs = [substitute(s, var_values) for s in reduce.source]
        results = reduce.combiner.combine(lhs, rhs)
        if len(outputs) == 1:
            return S.Provide(outputs[0], results[0], indices)
        temps = [Var(f"{t.name}.new", t.dtype) for t in outputs]
        stmt = S.seq(*[S.Provide(t, v, indices) for t, v in zip(outputs, temps)])
        for temp, value in reversed(list(zip(temps, results))):
            stmt = S.LetStmt(temp, value, stmt)
        return stmt

    def init_nest(self, stage, inner_leaves, init, leaf_vars):
        nest = init
        for iv in reversed(inner_leaves):
            if iv.iter_type != IterVarType.COMM_REDUCE:
                nest = self.loop(stage, iv, leaf_vars[iv], nest)
        return nest

    def loop(self, stage, iv, var, body):
        attr = stage.iter_var_attrs.get(iv)
        kind = attr.kind if attr else ForKind.SERIAL
        tag = attr.bind_thread.thread_tag if attr and attr.bind_thread is not None else ""
        extent = self.ranges[iv].extent
        self.loop_owner[var] = stage.op.name
        loop = S.For(var, E.const_index(0), extent, kind, body, tag)
        for key, value in reversed(attr.pragmas if attr else ()):
            loop = S.AttrStmt(iv, f"pragma_{key}", E.StringImm(value), loop)
        return loop

    def conditions(self, stage, offsets, root_values):
        """Guards: splits that may not divide, and attached stages' domain limits."""
        found = []
        for rel in stage.relations:
            if isinstance(rel, Split):
                extent = self.ranges[rel.parent].extent
                if not self._divides(rel, extent):
                    found.append(E.LT(offsets[rel.parent], extent))
        if stage.attach_type == AttachType.SCOPE:
            for iv in stage.op.axis:
                value, dom, rng = root_values[iv], iv.dom, self.ranges[iv]
                if not self.analyzer.can_prove(E.LE(dom.min, rng.min)):
                    found.append(E.GE(value, dom.min))
                if not self.analyzer.can_prove(E.LE(rng.min + rng.extent, dom.min + dom.extent)):
                    found.append(E.LT(value, dom.min + dom.extent))
        return found

    def _divides(self, rel, extent):
        inner = self.ranges[rel.inner].extent
        outer = self.ranges[rel.outer].extent
        return self.analyzer.can_prove(E.EQ(inner * outer, extent))


def _initial_values(reduce, var_values):
    """The values a reduction starts from: its ``init=`` (at this point), else the identity."""
    if reduce.init is None:
        return reduce.combiner.identity
    return tuple(substitute(v, var_values) for v in reduce.init)


def _guard(stmt, conditions):
    if not conditions:
        return stmt
    condition = conditions[0]
    for c in conditions[1:]:
        condition = logical_and(condition, c)
    return S.IfThenElse(condition, stmt)


__all__ = ["schedule_ops", "Range"]
