"""Random valid GPU schedules, recorded as source (the GPU side of the fuzzer).

``draw_gpu_schedule(ns, outputs, choose)`` schedules every stage of the program
in ``ns`` for a GPU and returns the source of the calls (``s = te.create_schedule``
first); ``draw_gpu_case(data)`` is :func:`harness.draw_case` with such a schedule
and ``"target": "opencl"``, so :func:`harness.check_case` builds it for OpenCL
(PoCL in CI) and compares with the numpy interpreter.

What a schedule draws, stage by stage (consumers first):

* a non-output elementwise stage: ``compute_inline``, ``compute_at`` its single
  reader's thread loop (per-thread ``local`` storage), or its own kernel;
* a kernel: the data axes (optionally fused) split by a thread count, the outer
  part bound to ``blockIdx.x`` (optionally split again with an inner ``vthread``:
  interleaved virtual threads with per-thread copies of the local stages inside),
  the inner to ``threadIdx.x``; a serial reduction may bind the outer part of
  its split reduce axis to ``vthread`` (run serially: they share the element);
  an elementwise kernel may first split off 2 or 4 consecutive elements per
  thread and vectorize them (vector loads and stores);
* a reduction: serial, its reduce axis split with the inner part bound to
  ``threadIdx.y`` (a cross-thread reduction), or ``rfactor`` of that inner part
  with ``s[T].op.reduce_axis[0]`` bound and the factored stage computed at it
  (the tutorial's form, with or without a store predicate);
* caches of a kernel's inputs: ``cache_read`` into "shared" at the block loop
  (filled cooperatively by ``threadIdx.x``), or for a reduction at the outer part
  of its split reduce axis, optionally ``double_buffer``-ed, or into "local" at
  the thread loop.

Valid by construction: thread extents per kernel agree (one thread count per
kernel), reduce axes are bound to threadIdx only, caches of a tensor are made
for its only reader.
"""

from tecomp.ir import IntImm
from tecomp.ir.expr import IterVarType
from tecomp.te.tensor import PlaceholderOp

from .schedules import _is_reduction, _readers, start_schedule

THREADS = (1, 2, 3, 8, 16, 32, 64)


def draw_gpu_schedule(ns, outputs, choose):
    """Source of a random GPU schedule of the tensors named ``outputs`` in ``ns``."""
    rec, s = start_schedule(ns, outputs, choose)
    stages = [st for st in s.stages if not isinstance(st.op, PlaceholderOp)]
    kernels = []
    for st in reversed(stages):
        name = rec.name(st.op)
        if st.attach_type == "inline" or st in [k for k, _ in kernels] or \
                st.attach_type == "scope":
            continue
        if not st.is_output and not _is_reduction(st):
            readers = _readers(s, st)
            what = choose(0, 2)
            if what == 0:
                rec.run(f"s[{name}].compute_inline()")
                continue
            if what == 1 and len(readers) == 1 and readers[0] in [k for k, _ in kernels] and \
                    not _is_reduction(readers[0]):
                reader, _ = next(k for k in kernels if k[0] is readers[0])
                # attached after its reader was given loops: at the thread loop
                rec.run(f"s[{name}].compute_at(s[{rec.name(reader.op)}], "
                        f"{rec.name(reader.op)}_tx)")
                continue
        kernels.append((st, _kernel(rec, s, st, choose)))
    return "\n".join(rec.lines), rec


def _kernel(rec, s, st, choose):
    """Bind ``st`` as one kernel; returns its thread count."""
    name = rec.name(st.op)
    threads = THREADS[choose(0, len(THREADS) - 1)]
    cross = 0
    if _is_reduction(st):
        cross = choose(0, 2)
        if cross and not _split_reduce(rec, s, st, name, choose, cross):
            cross = 0
    axes = f"s[{name}].op.axis"
    ndim = len(st.op.axis)
    if ndim > 1 and choose(0, 1):
        rec.run(f"{name}_f = s[{name}].fuse(*{axes})")
    else:
        rec.run(f"{name}_f = {axes}[0]")
    vector = not _is_reduction(st) and choose(0, 3) == 0
    if vector:      # each thread's consecutive elements as one vector (float2/float4)
        vector = rec.run(f"{name}_f, {name}_vi = s[{name}].split({name}_f, "
                         f"factor={(2, 4)[choose(0, 1)]})")
    rec.run(f"{name}_bx, {name}_tx = s[{name}].split({name}_f, factor={threads})")
    if choose(0, 3) == 0:
        if rec.run(f"{name}_bx, {name}_vt = s[{name}].split({name}_bx, factor={choose(2, 3)})"):
            rec.run(f"s[{name}].bind({name}_vt, te.thread_axis('vthread'))")
    rec.run(f"s[{name}].bind({name}_bx, te.thread_axis('blockIdx.x'))")
    rec.run(f"s[{name}].bind({name}_tx, te.thread_axis('threadIdx.x'))")
    if vector:
        rec.run(f"s[{name}].vectorize({name}_vi)")
    if not cross and _is_reduction(st) and choose(0, 3) == 0:
        # virtual threads over a split reduce axis (they accumulate into one element)
        if rec.run(f"{name}_kv, {name}_kr = s[{name}].split(s[{name}].op.reduce_axis[0], "
                   f"nparts={choose(2, 3)})"):     # a refused split defines no names
            rec.run(f"s[{name}].bind({name}_kv, te.thread_axis('vthread'))")
    if cross == 2:
        rec.run(f"s[{name}_rf].compute_at(s[{name}], {name}_ty)")
    if not cross and (_is_reduction(st) or choose(0, 2) == 0):
        _caches(rec, s, st, name, threads, choose)
    return threads


def _split_reduce(rec, s, st, name, choose, cross):
    """The first reduce axis split, its inner part bound to threadIdx.y (``cross``
    1) or rfactored and the new reduce axis bound (``cross`` 2)."""
    ty = THREADS[choose(1, len(THREADS) - 1)]
    k = f"s[{name}].op.reduce_axis[0]"
    if not rec.run(f"{name}_ko, {name}_ki = s[{name}].split({k}, factor={ty})"):
        return False
    rec.run(f"{name}_tyv = te.thread_axis('threadIdx.y')")
    if cross == 1:
        rec.run(f"{name}_ty = {name}_ki")
        rec.run(f"s[{name}].bind({name}_ki, {name}_tyv)")
    else:
        if len(st.op.body) != 1 or not rec.run(f"{name}_rf = s.rfactor({name}, {name}_ki)"):
            return False
        rec.names[rec.ns[f"{name}_rf"].op] = f"{name}_rf"
        rec.run(f"{name}_ty = s[{name}].op.reduce_axis[0]")
        rec.run(f"s[{name}].bind({name}_ty, {name}_tyv)")
    if choose(0, 1):
        rec.run(f"s[{name}].set_store_predicate({name}_tyv.var.equal(0))")
    return True


def _caches(rec, s, st, name, threads, choose):
    """A cache of one input of ``st`` that only ``st`` reads."""
    inputs = [t for t in st.op.input_tensors if _readers(s, s[t]) == [st]]
    if not inputs:
        return
    t = inputs[choose(0, len(inputs) - 1)]
    tname = rec.name(t.op)
    var = rec.new_tensor(f"{tname}_{name}_c")
    if choose(0, 2 if _is_reduction(st) else 1):
        if rec.run(f'{var} = s.cache_read({tname}, "shared", [{name}])'):
            rec.names[rec.ns[var].op] = var
            at = f"{name}_bx"
            if _is_reduction(st) and choose(0, 3) and rec.run(
                    f"{name}_dko, {name}_dki = s[{name}].split(s[{name}].op.reduce_axis[0], "
                    f"factor={choose(1, 8)})"):
                at = f"{name}_dko"      # a tile per step of the reduction, double buffered
                rec.run(f"s[{var}].compute_at(s[{name}], {at})")
                if choose(0, 2):
                    rec.run(f"s[{var}].double_buffer()")
            else:
                rec.run(f"s[{var}].compute_at(s[{name}], {at})")
            axes = f"s[{var}].op.axis"
            rec.run(f"{var}_f = s[{var}].fuse(*{axes})" if len(t.shape) > 1
                    else f"{var}_f = {axes}[0]")
            rec.run(f"{var}_o, {var}_i = s[{var}].split({var}_f, factor={threads})")
            rec.run(f"s[{var}].bind({var}_i, te.thread_axis('threadIdx.x'))")
    else:
        if rec.run(f'{var} = s.cache_read({tname}, "local", [{name}])'):
            rec.names[rec.ns[var].op] = var
            rec.run(f"s[{var}].compute_at(s[{name}], {name}_tx)")


def draw_gpu_case(data):
    """A random program with a random GPU schedule, for OpenCL."""
    from hypothesis import strategies as st

    import tecomp as te

    from .programs import program_source, programs

    spec = data.draw(programs(), label="program")
    program = program_source(spec)
    ns = {"te": te}
    exec(program, ns)

    def choose(lo, hi):
        return data.draw(st.integers(lo, hi)) if hi > lo else lo

    schedule, _ = draw_gpu_schedule(ns, spec["outputs"], choose)
    sizes = {d[1]: d[0] for d in spec["dims"] if d[1]}
    return {"program": program, "schedule": schedule, "sizes": sizes,
            "outputs": spec["outputs"], "seed": spec["seed"], "target": "opencl"}


__all__ = ["draw_gpu_schedule", "draw_gpu_case", "IntImm", "IterVarType"]
