"""``print_loop_nest``: the loops a schedule will produce, without lowering it.

Reads only the schedule's record and bound inference (no loop-nest IR, no
code): each lowered stage's leaf loops in order with their kind and extent,
stages attached with ``compute_at`` and prefetches at the top of their loop, each buffer the
program allocates with its scope, threads bound to loops, and the statement at
the bottom of each nest in terms of the stage's own axes. Reductions show
their initialization just outside the first reduction loop, as lowering
places it. Halide's ``Func::print_loop_nest``; the loop syntax is ``te.lower``'s::

    parallel (i.outer, 0, 4)
      for (j.outer, 0, 4)
        allocate C.local[float32 * 32 * 32] in local    // compute_at(C, j.outer)
        ...
"""

from ..ir.expr import IterVarType, Reduce
from ..ir.stmt import ForKind
from ..te.extern import ExternOp
from ..te.scan import ScanOp
from .bound import infer_bound
from .graph import ScheduleGraph
from .relations import AttachType

_KIND_WORD = {ForKind.SERIAL: "for", ForKind.PARALLEL: "parallel",
              ForKind.VECTORIZED: "vectorized", ForKind.UNROLLED: "unrolled",
              ForKind.THREAD_BINDING: "for"}


def loop_nest_text(schedule):
    """The loop nest of ``schedule`` as text (see the module docstring)."""
    return _NestPrinter(schedule).text()


def print_loop_nest(schedule):
    """Print the loop nest ``schedule`` will produce, at any point while it is
    being built; nothing is lowered or compiled. ``s.show()`` does the same."""
    print(loop_nest_text(schedule))


class _NestPrinter:
    def __init__(self, schedule):
        self.graph = ScheduleGraph(schedule)
        self.ranges = infer_bound(self.graph)
        self.lines = []
        self.roots = [s for s in self.graph.stages
                      if s.attach_type == AttachType.ROOT and s not in self.graph.scan_of]
        self.inlined = [s.op.name for s in schedule.stages
                        if s.attach_type == AttachType.INLINE]

    def text(self):
        if self.inlined:
            self.lines.append(f"// inlined into their consumers: {', '.join(self.inlined)}")
        for stage in self.roots:
            self.stage(stage, 0, None)
        return "\n".join(self.lines)

    def line(self, depth, text):
        self.lines.append("  " * depth + text)

    def stage(self, stage, depth, attach):
        where = f"    // compute_at({attach[0].op.name}, {attach[1].var.name})" if attach else ""
        stored_in = self.graph.aliases.get(stage.op.outputs[0]) if stage.op.outputs else None
        if stored_in is not None:
            self.line(depth, f"// {stage.op.name} is stored in {stored_in.name}{where}")
        elif stage.is_output or not stage.op.outputs:
            if where:
                self.line(depth, where.strip())
        else:
            extents = stage.op.shape if isinstance(stage.op, ExternOp) else \
                [self.ranges[iv].extent for iv in stage.op.axis]
            shape = " * ".join(str(e) for e in extents) or "1"
            for t in stage.op.outputs:
                self.line(depth, f"allocate {t.name}[{t.dtype} * {shape}] in "
                                 f"{stage.scope or 'global'}{where}")
        self.line(depth, f"produce {stage.op.name}")
        if isinstance(stage.op, ScanOp):
            return self.scan(stage, depth + 1)
        if isinstance(stage.op, ExternOp):
            for line in str(stage.op.body).splitlines():
                self.line(depth + 1, line)
            return None
        leaves = stage.leaf_iter_vars
        first_reduce = next((k for k, iv in enumerate(leaves)
                             if iv.iter_type == IterVarType.COMM_REDUCE), None)
        self.nest(stage, leaves, 0, first_reduce, depth + 1)

    def nest(self, stage, leaves, position, first_reduce, depth):
        if position == first_reduce:
            self.init(stage, leaves[position:], depth)
        if position == len(leaves):
            self.line(depth, self.statement(stage))
            return
        iv = leaves[position]
        self.line(depth, self.loop(stage, iv))
        attr = stage.iter_var_attrs.get(iv)
        for tensor, offset in attr.prefetch if attr else ():
            self.line(depth + 1, f"prefetch {tensor.name}    // what iteration "
                                 f"{iv.var.name} + {offset} reads")
        for child in self.graph.attached.get((stage, iv), ()):
            self.stage(child, depth + 1, (stage, iv))
        self.nest(stage, leaves, position + 1, first_reduce, depth + 1)

    def scan(self, stage, depth):
        axis = stage.op.scan_axis
        self.line(depth, f"for ({axis.var.name}, 0, {axis.dom.extent})    // time step "
                         f"{axis.var.name} + {axis.dom.min}")
        for member in self.graph.scan_body[stage]:
            self.stage(member, depth + 1, None)

    def init(self, stage, inner, depth):
        for iv in inner:
            if iv.iter_type != IterVarType.COMM_REDUCE:
                self.line(depth, self.loop(stage, iv))
                depth += 1
        body = self.graph.body[stage][0]
        identity = ", ".join(str(v) for v in body.combiner.identity)
        self.line(depth, f"{self.target(stage)} = {identity}")

    def loop(self, stage, iv):
        attr = stage.iter_var_attrs.get(iv)
        kind = attr.kind if attr else ForKind.SERIAL
        text = f"{_KIND_WORD.get(kind, kind)} ({iv.var.name}, 0, {self.ranges[iv].extent})"
        if attr and attr.bind_thread is not None:
            text += f"    // {attr.bind_thread.thread_tag}"
        return text

    def target(self, stage):
        names = [t.name for t in stage.op.outputs]
        index = ", ".join(iv.var.name for iv in stage.op.axis)
        return ", ".join(f"{n}[{index}]" for n in names)

    def statement(self, stage):
        body = self.graph.body[stage]
        if isinstance(body[0], Reduce):
            reduce = body[0]
            name = getattr(reduce.combiner, "name", "") or "reduce"
            source = ", ".join(str(s) for s in reduce.source)
            if name == "sum":
                return f"{self.target(stage)} += {source}"
            return f"{self.target(stage)} = {name}({self.target(stage)}, {source})"
        return f"{self.target(stage)} = {', '.join(str(b) for b in body)}"


__all__ = ["print_loop_nest", "loop_nest_text"]
