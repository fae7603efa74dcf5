"""The loop nest of a reduction whose reduce axis is bound to a thread index
(TVM's ``MakeCrossThreadReduction``).

Every thread of the block accumulates its share over the reduce loops left
serial into a private accumulator; a ``thread_allreduce`` then combines the
accumulators over the bound reduce threads, and the result is stored under the
data bounds and the stage's store predicate (by default the reducing thread 0
only)::

    for i.outer (blockIdx.x) { for i.inner (threadIdx.y) { for k.inner (threadIdx.x) {
      B.acc[0] = 0
      for k.outer { if (k < m) B.acc[0] = B.acc[0] + A[i, k] }
      attr thread_allreduce(sum over threadIdx.x) { B.red[0] = B.acc[0] }
      if (i < n && k.inner == 0) B[i] = B.red[0]
    } } }

The all-reduce statement is never under a condition: every thread of the block
takes part in it.
"""

from ..errors import ScheduleError
from ..ir import Range
from ..ir import expr as E
from ..ir import stmt as S
from ..ir.expr import IterVarType
from ..ir.functor import substitute, uses_var
from ..te.tensor import PlaceholderOp


def thread_reduce_leaves(stage):
    """The stage's reduce leaves bound to a ``threadIdx`` axis (refusing other
    GPU axes on a reduce leaf)."""
    found = []
    for iv in stage.leaf_iter_vars:
        attr = stage.iter_var_attrs.get(iv)
        if iv.iter_type != IterVarType.COMM_REDUCE or attr is None or attr.bind_thread is None:
            continue
        tag = attr.bind_thread.thread_tag
        if tag.startswith("blockIdx"):
            raise ScheduleError(
                f"bind({stage.op.name}): reduce axis '{iv.var.name}' is bound to {tag}; blocks "
                "cannot combine their results, so bind reduce axes to threadIdx (or rfactor "
                "the reduction and compute the factored stage at the root)")
        if tag.startswith("threadIdx"):
            found.append(iv)
    return found


def cross_thread_nest(builder, stage, thread_leaves, leaf_vars, conditions, reduce, indices,
                      var_values):
    """The nest of ``stage`` (a reduction with ``thread_leaves`` bound to
    threadIdx), built with ``builder``'s loops and attachments."""
    outputs = stage.op.outputs
    leaves = stage.leaf_iter_vars
    normal = [iv for iv in leaves
              if iv.iter_type == IterVarType.COMM_REDUCE and iv not in thread_leaves]
    common = [iv for iv in leaves if iv not in normal]
    reduce_vars = {leaf_vars[iv] for iv in leaves if iv.iter_type == IterVarType.COMM_REDUCE}
    data_conditions = [c for c in conditions if not uses_var(c, reduce_vars)]
    if reduce.condition is not None:
        conditions = conditions + [substitute(reduce.condition, var_values)]
    zero = (E.const_index(0),)
    bounds = (Range(E.const_index(0), E.const_index(1)),)
    acc = [PlaceholderOp(f"{t.name}.acc", (1,), t.dtype).outputs[0] for t in outputs]
    red = [PlaceholderOp(f"{t.name}.red", (1,), t.dtype).outputs[0] for t in outputs]

    init = S.seq(*[S.Provide(a, ident, zero) for a, ident in zip(acc, reduce.combiner.identity)])
    lhs = [E.TensorRead(a, zero) for a in acc]
    rhs = [substitute(s, var_values) for s in reduce.source]
    results = reduce.combiner.combine(lhs, rhs)
    update = S.seq(*[S.Provide(a, v, zero) for a, v in zip(acc, results)])
    if len(acc) > 1:
        temps = [E.Var(f"{a.name}.new", a.dtype) for a in acc]
        update = S.seq(*[S.Provide(a, v, zero) for a, v in zip(acc, temps)])
        for temp, value in reversed(list(zip(temps, results))):
            update = S.LetStmt(temp, value, update)
    update = _guard(update, conditions)
    for iv in reversed(normal):
        update = builder.attached_and_loop(stage, iv, leaf_vars[iv], update)

    tags = tuple(stage.iter_var_attrs[iv].bind_thread.thread_tag for iv in thread_leaves)
    info = S.ThreadAllReduce(reduce.combiner, tags, stage.op.name)
    allreduce = S.AttrStmt(info, "thread_allreduce", E.const_index(0),
                           S.seq(*[S.Provide(r, E.TensorRead(a, zero), zero)
                                   for r, a in zip(red, acc)]))

    predicate = store_predicate(stage, leaf_vars, thread_leaves)
    store = S.seq(*[S.Provide(t, E.TensorRead(r, zero), indices) for t, r in zip(outputs, red)])
    store = _guard(store, data_conditions + predicate)

    nest = S.seq(init, update, allreduce, store)
    for tensor in acc + red:
        nest = S.Realize(tensor, bounds, "local", nest)
    for iv in reversed(common):
        nest = builder.attached_and_loop(stage, iv, leaf_vars[iv], nest)
    return nest


def store_predicate(stage, leaf_vars, thread_leaves):
    """[the user's store predicate over this stage's loop variables], or, without
    one, "the first reducing thread" (all threads hold the same result)."""
    if stage.store_predicate is None:
        return [E.EQ(leaf_vars[iv], E.const(0, leaf_vars[iv].dtype)) for iv in thread_leaves]
    mapping = {}
    for iv, attr in stage.iter_var_attrs.items():
        if attr.bind_thread is not None and iv in leaf_vars:
            mapping[attr.bind_thread.var] = leaf_vars[iv]
    return [substitute(stage.store_predicate, mapping)]


def _guard(stmt, conditions):
    if not conditions:
        return stmt
    condition = conditions[0]
    for c in conditions[1:]:
        condition = E.And(condition, c)
    return S.IfThenElse(condition, stmt)
