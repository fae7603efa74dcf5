"""Random valid schedules, drawn by running the primitives and recorded as source.

``draw_schedule(ns, outputs, choose)`` applies random primitives to a fresh
schedule of the program in namespace ``ns`` and returns the Python source of the
calls it made (``s = te.create_schedule(...)`` first). Every line is executed as
it is drawn, so each choice sees the real leaf axes; a primitive that refuses
(``ScheduleError``) is dropped from the source. ``choose(lo, hi)`` returns an int
in ``[lo, hi]`` (hypothesis draws it, so failing cases shrink).

Primitives are used only if the schedule offers them (``hasattr``), so the
fuzzer grows as primitives land: split, tile, fuse, reorder, compute_at,
compute_inline, compute_root, vectorize, unroll, parallel, cache_read,
cache_write, rfactor.

Validity rules (what makes a schedule legal, not what tecomp happens to accept):
compute_at only into the single reader of a stage, and only when that reader
has loops (is not inlined); inlining only of non-reductions; vectorize only the
innermost leaf (data-parallel or a reduce axis) of constant extent at most 16; unroll only a leaf
of constant extent at most 8; parallel only the outermost data-parallel leaf of a
stage computed at the root (no nested parallelism); prefetch only of a tensor
that exists before the stage's loops start (an input, a stage computed at the
root, the stage's own output if it is a reduction) at a loop not vectorized.
"""

from tecomp import ScheduleError
from tecomp.ir import IntImm
from tecomp.ir.expr import IterVarType
from tecomp.schedule.bound import leaf_extent
from tecomp.schedule.dataflow import stage_reads
from tecomp.te.tensor import PlaceholderOp


def _leaf_extent(stage, iv):
    try:
        extent = leaf_extent(stage, iv)
    except Exception:   # noqa: BLE001  (an unsupported relation: treat as unknown)
        return None
    return extent.value if isinstance(extent, IntImm) else None


def _readers(s, stage):
    """Stages that read ``stage``'s output (after cache_read redirections)."""
    tensors = set(stage.op.outputs)
    found = []
    for other in s.stages:
        if other is stage or isinstance(other.op, PlaceholderOp):
            continue
        if tensors & set(stage_reads(s, other)):
            found.append(other)
    return found


def _is_reduction(stage):
    axes = getattr(stage, "reduce_axes", None)
    if axes is None:
        axes = stage.op.reduce_axis
    return bool(axes)


class _Recorder:
    def __init__(self, ns, choose):
        self.ns = ns
        self.choose = choose
        self.lines = []
        self.names = {}       # op -> python name of its tensor
        self.rejected = 0

    def name(self, tensor_or_op):
        op = getattr(tensor_or_op, "op", tensor_or_op)
        # after rfactor, s[T].op is a new op whose outputs are still T's tensors
        return self.names[op.outputs[0].op]

    def run(self, line):
        try:
            exec(line, self.ns)
        except ScheduleError:
            self.rejected += 1
            return False
        self.lines.append(line)
        return True

    def pick(self, items):
        return items[self.choose(0, len(items) - 1)]

    def new_tensor(self, base):
        name = base.replace(".", "_").replace("[", "_").replace("]", "")
        while name in self.ns:
            name += "_"
        return name


def start_schedule(ns, outputs, choose):
    """A recorder over ``ns`` (knowing each tensor's name) that has created the
    schedule of the tensors named ``outputs``: ``(recorder, schedule)``."""
    rec = _Recorder(ns, choose)
    for key, value in list(ns.items()):
        if hasattr(value, "op") and hasattr(value, "shape"):
            rec.names[value.op] = key
    rec.run(f"s = te.create_schedule([{', '.join(o + '.op' for o in outputs)}])")
    return rec, ns["s"]


def draw_schedule(ns, outputs, choose):
    """Source of a random schedule of the tensors named ``outputs`` in ``ns``."""
    rec, s = start_schedule(ns, outputs, choose)

    def stages():
        return [st for st in s.stages if not isinstance(st.op, PlaceholderOp)]

    def leaf(st, k):
        return f"s[{rec.name(st.op)}].leaf_iter_vars[{k}]"

    # 1. structural primitives: new stages
    for st in list(stages()):
        if hasattr(s, "cache_write") and choose(0, 9) == 0:
            var = rec.new_tensor(rec.name(st.op) + "_c")
            if rec.run(f'{var} = s.cache_write({rec.name(st.op)}, '
                       f'"{rec.pick(["local", "global"])}")'):
                # a multi-output stage (argmax) gets a list of cache tensors
                multi = isinstance(ns[var], (list, tuple))
                rec.names[(ns[var][0] if multi else ns[var]).op] = f"{var}[0]" if multi else var
        if hasattr(s, "rfactor") and _is_reduction(st) and choose(0, 5) == 0:
            reduce_leaves = [k for k, iv in enumerate(st.leaf_iter_vars)
                             if iv.iter_type == IterVarType.COMM_REDUCE]
            k = rec.pick(reduce_leaves)
            rec.run(f"s[{rec.name(st.op)}].split({leaf(st, k)}, factor={choose(1, 4)})")
            reduce_leaves = [k for k, iv in enumerate(st.leaf_iter_vars)
                             if iv.iter_type == IterVarType.COMM_REDUCE]
            k = rec.pick(reduce_leaves)
            var = rec.new_tensor(rec.name(st.op) + "_rf")
            if rec.run(f"{var} = s.rfactor({rec.name(st.op)}, {leaf(st, k)}, "
                       f"factor_axis={choose(0, len(st.op.axis))})"):
                rec.names[ns[var].op] = var
    if hasattr(s, "cache_read") and choose(0, 5) == 0:
        candidates = [(t, _readers(s, s[t])) for t in _all_tensors(s)]
        candidates = [(t, r) for t, r in candidates if r]
        if candidates:
            tensor, readers = rec.pick(candidates)
            chosen = readers if choose(0, 1) else [rec.pick(readers)]
            var = rec.new_tensor(rec.name(tensor.op) + "_r")
            if rec.run(f'{var} = s.cache_read({rec.name(tensor.op)}, '
                       f'"{rec.pick(["local", "global"])}", '
                       f'[{", ".join(rec.name(r.op) for r in chosen)}])'):
                rec.names[ns[var].op] = var

    # 2. loop structure
    for st in stages():
        for _ in range(choose(0, 3)):
            leaves = st.leaf_iter_vars
            n = len(leaves)
            what = choose(0, 3)
            if what == 0:
                k = choose(0, n - 1)
                key = "factor" if choose(0, 3) else "nparts"
                rec.run(f"s[{rec.name(st.op)}].split({leaf(st, k)}, {key}={choose(1, 5)})")
            elif what == 1 and n >= 2:
                k = choose(0, n - 2)
                rec.run(f"s[{rec.name(st.op)}].fuse({leaf(st, k)}, {leaf(st, k + 1)})")
            elif what == 2 and n >= 2:
                order = list(range(n))
                for i in range(n - 1, 0, -1):      # Fisher-Yates from drawn ints
                    j = choose(0, i)
                    order[i], order[j] = order[j], order[i]
                rec.run(f"s[{rec.name(st.op)}].reorder("
                        f"{', '.join(leaf(st, k) for k in order)})")
            elif what == 3 and n >= 2:
                k = choose(0, n - 2)
                rec.run(f"s[{rec.name(st.op)}].tile({leaf(st, k)}, {leaf(st, k + 1)}, "
                        f"{choose(1, 5)}, {choose(1, 5)})")

    # 3. attachment, consumers first
    for st in reversed(stages()):
        if st.is_output:
            continue
        what = choose(0, 3)
        name = rec.name(st.op)
        if what == 1 and not _is_reduction(st):
            rec.run(f"s[{name}].compute_inline()")
        elif what == 2:
            readers = _readers(s, st)
            if len(readers) == 1 and readers[0].attach_type != "inline":
                reader = readers[0]
                k = choose(0, len(reader.leaf_iter_vars) - 1)
                rec.run(f"s[{name}].compute_at(s[{rec.name(reader.op)}], {leaf(reader, k)})")
        elif what == 3:
            rec.run(f"s[{name}].compute_root()")

    # 4. annotations
    for st in stages():
        if st.attach_type == "inline":
            continue
        leaves = st.leaf_iter_vars
        name = rec.name(st.op)
        if choose(0, 3) == 0:
            iv = leaves[-1]
            extent = _leaf_extent(st, iv)
            if iv.iter_type in (IterVarType.DATA_PAR, IterVarType.COMM_REDUCE) \
                    and extent is not None and extent <= 16:
                rec.run(f"s[{name}].vectorize({leaf(st, len(leaves) - 1)})")
        if choose(0, 3) == 0:
            k = choose(0, len(leaves) - 1)
            extent = _leaf_extent(st, leaves[k])
            if extent is not None and extent <= 8:
                rec.run(f"s[{name}].unroll({leaf(st, k)})")
        if choose(0, 4) == 0 and st.attach_type == "root" and leaves \
                and leaves[0].iter_type == IterVarType.DATA_PAR:
            rec.run(f"s[{name}].parallel({leaf(st, 0)})")
        if hasattr(st, "prefetch") and choose(0, 3) == 0:
            tensors = [t for t in _prefetchable(s, st) if t.op in rec.names]
            loops = [k for k, iv in enumerate(leaves) if not _vectorized(st, iv)]
            if tensors and loops:
                tensor = rec.pick(tensors)
                rec.run(f"s[{name}].prefetch({rec.name(tensor.op)}, {leaf(st, rec.pick(loops))}, "
                        f"{choose(0, 2)})")
    return "\n".join(rec.lines) + "\n", rec.rejected


def _prefetchable(s, st):
    """Tensors ``st`` reads that exist before any of its loops starts (inputs and
    stages computed at the root), and its own output if it is a reduction (its
    update reads it): what ``prefetch`` at any of its loops may fetch."""
    found = [t for t in stage_reads(s, st) if t.value_index == 0
             and (isinstance(t.op, PlaceholderOp) or s[t.op].attach_type == "root")]
    if _is_reduction(st) and st.op.outputs[0] not in found:
        found.append(st.op.outputs[0])
    return found


def _vectorized(st, iv):
    attr = st.iter_var_attrs.get(iv)
    return attr is not None and attr.kind == "vectorized"


def draw_gpu_schedule(ns, outputs, choose):
    """Source of a random GPU schedule: some elementwise stages inlined, every
    other stage one kernel whose data-parallel axes are fused and split into
    ``blockIdx.x`` x ``threadIdx.x`` (a reduction runs serially in its thread),
    sometimes with a prefetch at a bound loop (which GPU code leaves out)."""
    rec, s = start_schedule(ns, outputs, choose)
    stages = [st for st in s.stages if not isinstance(st.op, PlaceholderOp)]
    for st in reversed(stages):
        if not st.is_output and not _is_reduction(st) and choose(0, 1):
            rec.run(f"s[{rec.name(st.op)}].compute_inline()")
    for st in stages:
        if st.attach_type == "inline":
            continue
        name = rec.name(st.op)
        data = sum(1 for iv in st.leaf_iter_vars if iv.iter_type == IterVarType.DATA_PAR)
        for _ in range(data - 1):
            rec.run(f"s[{name}].fuse(s[{name}].leaf_iter_vars[0], s[{name}].leaf_iter_vars[1])")
        factor = (1, 2, 3, 4, 8, 16, 32, 64)[choose(0, 7)]
        rec.run(f"s[{name}].split(s[{name}].leaf_iter_vars[0], factor={factor})")
        rec.run(f's[{name}].bind(s[{name}].leaf_iter_vars[0], te.thread_axis("blockIdx.x"))')
        rec.run(f's[{name}].bind(s[{name}].leaf_iter_vars[1], te.thread_axis("threadIdx.x"))')
        tensors = [t for t in _prefetchable(s, st) if t.op in rec.names]
        if hasattr(st, "prefetch") and tensors and choose(0, 3) == 0:   # GPU code drops it
            rec.run(f"s[{name}].prefetch({rec.name(rec.pick(tensors).op)}, "
                    f"s[{name}].leaf_iter_vars[{choose(0, 1)}], {choose(0, 2)})")
    return "\n".join(rec.lines) + "\n", rec.rejected


#: target kind -> the schedule drawer whose schedules that backend can run.
SCHEDULE_DRAWERS = {"llvm": draw_schedule, "opencl": draw_gpu_schedule}


def _all_tensors(s):
    return [st.op.outputs[0] for st in s.stages]


def draw_vector_blocks(ns, outputs, choose):
    """Source of extra schedule lines (run in ``ns``, whose ``s`` a drawn schedule
    made) for a streaming-store case: each output's innermost leaf split by 4, 8 or
    16 (one that divides its extent, where one does) and vectorized, so that the
    output is written in whole-register vector blocks, which streaming stores write;
    skipped where the leaf is a reduction, already annotated, or a stage is attached
    at it, and dropped where the schedule refuses."""
    s, lines = ns["s"], []
    for name in outputs:
        st = s[ns[name]]
        if not st.leaf_iter_vars:
            continue
        iv = st.leaf_iter_vars[-1]
        attached = any(other.attach_ivar is iv for other in s.stages)
        if iv.iter_type != IterVarType.DATA_PAR or iv in st.iter_var_attrs or attached:
            continue
        extent = _leaf_extent(st, iv)
        factors = [f for f in (4, 8, 16) if extent and extent % f == 0] or [4, 8, 16]
        line = (f"s[{name}].vectorize(s[{name}].split(s[{name}].leaf_iter_vars[-1], "
                f"factor={factors[choose(0, len(factors) - 1)]})[1])")
        try:
            exec(line, ns)
        except ScheduleError:
            continue
        lines.append(line)
    return "".join(line + "\n" for line in lines)
