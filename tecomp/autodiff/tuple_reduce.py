"""Gradients of tuple reductions: several values reduced together by one combiner,
as argmax reduces ``(index, value)`` pairs.

Each output of the reduction is differentiated by what the combiner does with its
own value ``k`` (``x_k``, ``y_k`` the combiner's two operands):

* **a selection**: the result ``k`` is ``select(c, x_k, y_k)`` (or ``select(c, y_k,
  x_k)``), whatever the condition ``c`` reads (argmax's value, picked by comparing
  values, or its index, picked by comparing values then indices): output ``k`` is
  source ``k`` at the reduce point the combiner selected, so its adjoint flows to
  that point only (kind ``"select"``). The point is found by replaying the
  reduction with the linear index of each point carried beside the values and
  selected by the same conditions (:func:`selected_points`), in ``O(R)`` per
  output. Where two operands tie in value ``k`` (either is right for the value),
  the carried index follows the selection of the reduction's first integer
  value, if it has one: argmax's value gradient goes to the point its index
  reports (the first of equal maxima, with TVM's combiner) (a one-value reducer
  written as a selection, ``select(x > y, x, y)``, is differentiated so too);
* **its own reducer**: the result ``k`` reads ``x_k`` and ``y_k`` only (a sum, a
  product, ... beside the other values): output ``k`` is an ordinary reduction of
  source ``k``, differentiated as one (:func:`component`, kind ``"own"``);
* anything else (a result mixing values, as a running mean with its count) is
  refused, naming the output and the combiner.

A component of an integer dtype (argmax's index) has no gradient and needs none.
"""

from ..errors import ExprError
from ..ir import dtype as dt
from ..ir import expr as E
from ..ir.functor import substitute, uses_var
from ..ir.op import cast
from ..te import api


def component(op, k, body):
    """``(kind, view)`` for output ``k`` of the tuple reduction ``body`` of ``op``: kind
    ``"own"`` or ``"select"`` (see the module doc) and ``view``, the one-value reduction
    of source ``k`` (its combiner the result ``k``, its init the init ``k``)."""
    combiner = body.combiner
    lhs, rhs, result = combiner.lhs[k], combiner.rhs[k], combiner.result[k]
    others = set(combiner.lhs + combiner.rhs) - {lhs, rhs}
    view = E.Reduce(E.CommReducer((lhs,), (rhs,), (result,), (combiner.identity[k],),
                                  combiner.name),
                    (body.source[k],), body.axis, body.condition, 0,
                    None if body.init is None else (body.init[k],))
    if selection(combiner, k) is not None:
        return "select", view
    if not uses_var(result, others):
        return "own", view
    raise ExprError(f"te.gradient: output {k} of '{op.name}' is reduced by {combiner.name}, whose "
                    f"value {k} ({result}) is neither a selection of one operand "
                    f"(select(cond, x{k}, y{k})) nor a reduction of value {k} alone; its "
                    "gradient is not defined")


def selection(combiner, k):
    """``(cond, x_first)`` when the result ``k`` of ``combiner`` is ``select(cond, x_k,
    y_k)`` (``x_first`` True) or ``select(cond, y_k, x_k)`` (False), the select written
    either way (``Select`` or ``if_then_else``); None otherwise."""
    result = combiner.result[k]
    while isinstance(result, E.Cast) and result.dtype == result.value.dtype:
        result = result.value
    if isinstance(result, E.Select):
        cond, a, b = result.condition, result.true_value, result.false_value
    elif isinstance(result, E.Call) and result.op == "if_then_else":
        cond, a, b = result.args
    else:
        return None
    x, y = combiner.lhs[k], combiner.rhs[k]
    if a is x and b is y:
        return cond, True
    if a is y and b is x:
        return cond, False
    return None


#: The carried index of the identity (no point selected): beyond every linear index.
NONE_SELECTED = 1 << 62


def selected_points(op, body, linear_index, name):
    """Stage with one output per selection value ``k`` of ``body`` (a tuple reduction
    of ``op``): the linear index (``linear_index`` of the reduce axes) of the reduce
    point whose value ``k`` the combiner selected, :data:`NONE_SELECTED` where it kept
    the identity or the init. Returns ``{k: tensor}``::

        sel[i] = reduce_r (values(i, r), index(r)...)   # combiner's values, and per
                                                        # selection value k:
                 p_k = select(cond(x, y), p_k(x), p_k(y))
    """
    combiner = body.combiner
    picks = [(k, selection(combiner, k)) for k in range(len(body.source))
             if dt.is_float(body.source[k].dtype) and selection(combiner, k) is not None]
    n = len(body.source)
    index_dtype = dt.INDEX
    xs = tuple(E.Var(f"x{j}", d) for j, d in enumerate(v.dtype for v in combiner.lhs)) + \
        tuple(E.Var(f"xp{k}", index_dtype) for k, _ in picks)
    ys = tuple(E.Var(f"y{j}", d) for j, d in enumerate(v.dtype for v in combiner.rhs)) + \
        tuple(E.Var(f"yp{k}", index_dtype) for k, _ in picks)
    rename = dict(zip(combiner.lhs, xs[:n]))
    rename.update(zip(combiner.rhs, ys[:n]))
    result = [substitute(r, rename) for r in combiner.result]
    leader = next((selection(combiner, k) for k in range(n)
                   if not dt.is_float(body.source[k].dtype) and selection(combiner, k)), None)
    for m, (k, pick) in enumerate(picks):
        px, py = xs[n + m], ys[n + m]
        step = _follow(pick, rename, px, py)
        if leader is not None:   # a tie in value k: the point the index part selects
            step = E.Select(E.EQ(rename[combiner.lhs[k]], rename[combiner.rhs[k]]),
                            _follow(leader, rename, px, py), step)
        result.append(step)
    none = E.const(NONE_SELECTED, index_dtype)
    carried = E.CommReducer(xs, ys, tuple(result), tuple(combiner.identity) + (none,) * len(picks),
                            f"{combiner.name}.selected")
    fresh = [api.reduce_axis(iv.dom, name=iv.var.name) for iv in body.axis]

    def compute(*i):
        mapping = {iv.var: v for iv, v in zip(op.axis, i)}
        mapping.update({iv.var: f.var for iv, f in zip(body.axis, fresh)})
        source = tuple(substitute(s, mapping) for s in body.source) + \
            (cast(linear_index(fresh), index_dtype),) * len(picks)
        where = None if body.condition is None else substitute(body.condition, mapping)
        init = None if body.init is None else \
            tuple(substitute(v, mapping) for v in body.init) + (none,) * len(picks)
        return tuple(E.Reduce(carried, source, tuple(fresh), where, m, init)
                     for m in range(len(source)))
    outs = api.compute(op.outputs[0].shape, compute, name=name)
    return {k: outs[n + m] for m, (k, _) in enumerate(picks)}


def _follow(pick, rename, px, py):
    """The carried index ``px`` or ``py`` as the selection ``pick`` (cond, x_first) picks."""
    cond, x_first = pick
    cond = substitute(cond, rename)
    return E.Select(cond, px, py) if x_first else E.Select(cond, py, px)
