"""``te.gradient`` and ``te.jacobian``: reverse-mode differentiation over the
operation graph, producing ordinary compute stages.

The walk (TVM's ``te.gradient`` semantics, Halide's ``propagate_adjoints`` shape):
the operations the output depends on are visited consumers first (reverse
topological order). Each tensor's adjoint is the sum of what its consumers sent
it, made a stage ``T.grad``; for every read ``X[g(i, r)]`` in a consumer the
contribution to ``X.grad`` is built in gather form by inverting the index map
(:mod:`tecomp.autodiff.solve`)::

    Y[i] = reduce_r h(i, r)   ->   X.grad[j] += sum_{free} [conds] Y.grad[i(j)] * w(i, r) * dh/dX[g]

with ``w`` the derivative of the reduction: 1 for a sum; for max/min the
indicator of the first arg-extreme element (lexicographic order of the reduce
axes: ties send everything to the first one; an auxiliary stage ``Y.argmax`` /
``Y.argmin`` finds it); for a product or a user's ``comm_reducer`` the combiner's
derivative at (the reduction of the other elements, this element), the other
elements being reduced in a stage ``Y.others`` (``O(R^2)`` per output, never a
Jacobian). A combiner that selects one operand (``select(c, x, y)``, as argmax's
values) sends the adjoint to the point it selected, and a tuple reduction is
differentiated value by value (:mod:`tecomp.autodiff.tuple_reduce`). The
gradient reads the forward tensors it needs (``Y`` itself and any
intermediate), so scheduling shares them.

A read whose index map cannot be inverted (data-dependent indices as in
``take``, or equations the solver leaves) is summed over the consumer's whole
domain under an equality condition: correct, but ``O(|X| * |domain|)``; it warns
(:class:`GradientWarning`), or raises :class:`~tecomp.errors.ExprError` under
``strict=True``.
"""

from ..te import api
from ..arith.analyzer import simplify
from ..errors import ExprError, GradientWarning, warn_user
from ..ir import IterVar, Range, Var
from ..ir import dtype as dt
from ..ir import expr as E
from ..ir.functor import IRMutator, post_order_visit, substitute, uses_var
from ..ir.op import cast
from ..te.tensor import ComputeOp, PlaceholderOp, Tensor, post_order
from .derivative import add, mul, partial_derivatives
from .layout import reduction_stage
from .solve import reads_tensor, solve_read
from .tuple_reduce import component, selected_points, selection

#: Most elements te.gradient(head=None) / te.jacobian may produce for a Jacobian.
JACOBIAN_LIMIT = 1 << 24
#: An adjoint stage of at most this many expression nodes is tagged injective (inlined
#: by the default schedules); a larger one is computed once, at the root.
CHEAP_NODES = 24
#: Most pieces a read with min/max clamps in its indices is split into.
MAX_PIECES = 16


def _size(shape):
    total = 1
    for d in shape:
        v = d.value if isinstance(d, E.IntImm) else None
        if v is None:
            return None
        total *= v
    return total


def _all(conds):
    out = None
    for c in conds:
        out = c if out is None else E.And(out, c)
    return out


def _is_true(c):
    return isinstance(c, E.IntImm) and c.value == 1


def _is_false(c):
    return isinstance(c, E.IntImm) and c.value == 0


class _SimplifyIndices(IRMutator):
    def __init__(self, ranges):
        self.ranges = ranges

    def visit_TensorRead(self, e):
        indices = tuple(simplify(self.visit(i), self.ranges) for i in e.indices)
        return E.TensorRead(e.tensor, indices)


class _Spec:
    """One contribution to an adjoint: ``sum over free of [cond] value`` at the
    adjoint's point ``jvars``."""

    def __init__(self, free, cond, value, source):
        self.free, self.cond, self.value, self.source = free, cond, value, source


class _Adjoint:
    """How to read the adjoint of one tensor: a tensor, or an expression builder."""

    def __init__(self, tensor=None, build=None):
        self.tensor, self.build = tensor, build

    def read(self, indices):
        return self.tensor[tuple(indices)] if self.tensor is not None else self.build(indices)


class _Gradient:
    def __init__(self, output, inputs, prefix, head_adjoint, strict, trace=None):
        self.output, self.inputs, self.prefix, self.strict = output, inputs, prefix, strict
        self.trace = trace or (lambda line: None)
        self.specs = {}          # Tensor -> [_Spec]
        self.jvars = {}          # Tensor -> [Var] (prefix + tensor dims)
        self.adjoints = {output: head_adjoint}
        self.results = {}
        self.selections = {}     # tuple-reduction op -> {value index: selected point}

    # ------------------------------------------------------------------ walk
    def run(self):
        order = post_order([self.output.op])
        wanted = set(self.inputs)
        needed = set()
        for op in order:
            if any(t in wanted for t in op.outputs) or any(t.op in needed for t in op.input_tensors):
                needed.add(op)
        self.needed = needed
        for op in (o for o in order if o in needed and type(o) not in (ComputeOp, PlaceholderOp)):
            raise ExprError(f"te.gradient: '{op.name}' ({type(op).__name__}, from te.scan or "
                            "te.extern) lies on the path from the inputs to the output")
        for op in reversed(order):
            if op not in needed:
                continue
            self.trace(f"visit {op.name}")
            for t in op.outputs:
                if t not in self.adjoints and t in self.specs:
                    sources = ", ".join(s.source.name for s in self.specs[t])
                    self.adjoints[t] = _Adjoint(self._materialize(t))
                    self.trace(f"  {self.adjoints[t].tensor.name} = sum of the adjoints sent by "
                               f"[{sources}]: {self.adjoints[t].tensor.op.body[0]}")
                if t in wanted:
                    self.results[t] = self.adjoints.get(t)
            if isinstance(op, ComputeOp):
                for k, t in enumerate(op.outputs):
                    if t in self.adjoints:
                        self._backprop(op, k, self.adjoints[t])
        out = []
        for x in self.inputs:
            adjoint = self.results.get(x)
            if adjoint is None or adjoint.tensor is None:
                out.append(self._zeros(x) if adjoint is None else self._from_builder(x, adjoint))
            else:
                out.append(adjoint.tensor)
        return out

    def _shape(self, t):
        return tuple(self.prefix) + tuple(t.shape)

    def _vars(self, t):
        if t not in self.jvars:
            names = [f"p{k}" for k in range(len(self.prefix))] + [f"j{k}" for k in range(len(t.shape))]
            self.jvars[t] = [Var(n) for n in names]
        return self.jvars[t]

    def _zeros(self, x):
        zero = E.const(0, x.dtype)
        return api.compute(self._shape(x), lambda *i: zero, name=f"{x.name}.grad", tag="injective")

    def _from_builder(self, x, adjoint):
        return api.compute(self._shape(x), lambda *i: cast(adjoint.read(i), x.dtype),
                           name=f"{x.name}.grad", tag="injective")

    # ------------------------------------------------------------------ one op
    def _backprop(self, op, k, adjoint):
        body = op.body[k]
        axes = [iv.var for iv in op.axis]
        ranges = {iv.var: (iv.dom.min, iv.dom.extent) for iv in op.axis}
        if isinstance(body, E.Reduce):
            kind = "one"
            if len(body.source) > 1 or selection(body.combiner, 0) is not None:
                kind, body = component(op, k, body)
            source = body.source[0]
            if body.init is not None:
                self._init_contributions(op, body, adjoint, axes, ranges)
            raxes = [iv.var for iv in body.axis]
            ranges.update({iv.var: (iv.dom.min, iv.dom.extent) for iv in body.axis})
            if kind == "select":
                weight, weight_cond = None, E.EQ(_linear_index(body.axis),
                                                 self._selected(op, k)[tuple(axes)])
            else:
                weight, weight_cond = self._reduce_weight(op, k, body, source)
            conds = [body.condition] if body.condition is not None else []
            if weight_cond is not None:
                conds.append(weight_cond)
        else:
            source, raxes, weight, conds = body, [], None, []
        domain = axes + raxes
        for read, partial in _through_copies(partial_derivatives(source), self.inputs):
            x = read.tensor
            if x.op not in self.needed or not dt.is_float(x.dtype):
                continue
            jv = self._vars(x)
            pvars, xvars = jv[:len(self.prefix)], jv[len(self.prefix):]
            value = mul(adjoint.read(list(pvars) + axes), partial)
            if weight is not None:
                value = mul(value, weight)
            for indices, piece_conds in _pieces(read.indices, set(domain)):
                self._add_spec(op, x, value, indices, conds + piece_conds, domain, ranges,
                               xvars, pvars)

    def _init_contributions(self, op, body, adjoint, axes, ranges):
        """A sum's ``init=`` value is one more term of the sum: its reads get the adjoint
        directly. Other reducers with an init are refused (the derivative would need
        the init inside every partial reduction)."""
        init = body.init[0]
        if not _is_sum(body.combiner):
            if partial_derivatives(init):
                raise ExprError(f"te.gradient: '{op.name}' reduces with {body.combiner.name} "
                                "from an init= value that reads tensors; only a sum's init= is "
                                "differentiated")
            return
        for read, partial in partial_derivatives(init):
            x = read.tensor
            if x.op not in self.needed or not dt.is_float(x.dtype):
                continue
            jv = self._vars(x)
            pvars, xvars = jv[:len(self.prefix)], jv[len(self.prefix):]
            value = mul(adjoint.read(list(pvars) + axes), partial)
            for indices, piece_conds in _pieces(read.indices, set(axes)):
                self._add_spec(op, x, value, indices, piece_conds, axes, ranges, xvars, pvars)

    def _add_spec(self, op, x, value, indices, conds, domain, ranges, xvars, pvars):
        guards, value = _hoist_guards(value)
        conds = list(conds) + guards
        sol = solve_read(indices, x.shape, xvars, domain, ranges)
        if not sol.inverted:
            message = (f"te.gradient: the index map of '{x.name}' read as {x.name}"
                       f"[{', '.join(str(i) for i in indices)}] in '{op.name}' cannot be "
                       f"inverted; its adjoint sums over the whole domain of '{op.name}' for "
                       f"each element of '{x.name}'")
            if self.strict:
                raise ExprError(message + " (strict=True)")
            warn_user(message, GradientWarning)
        mapping = dict(sol.values)
        free = []
        for v, lo, ext in sol.free:
            iv = api.reduce_axis(Range(lo, ext), name=v.name)
            mapping[v] = iv.var
            free.append(iv)
        # Solved values may mention free vars: substitute those in too.
        mapping = {v: substitute(e, {u: mapping[u] for u, _, _ in sol.free})
                   for v, e in mapping.items()}
        known = {v: Range(E.const_index(0), d) for v, d in zip(pvars + xvars,
                                                               self._shape(x))}
        known.update({iv.var: iv.dom for iv in free})
        cond_list = []
        for c in list(sol.conditions) + [substitute(c, mapping) for c in conds]:
            c = simplify(substitute(c, {u: mapping[u] for u, _, _ in sol.free}), known)
            if _is_false(c):
                return
            if not _is_true(c):
                cond_list.append(c)
        value = _SimplifyIndices(known).visit(substitute(value, mapping))
        value = cast(value, x.dtype)
        # A condition that reads a tensor (an arg-extreme test, a data-dependent index)
        # may only be evaluated where the index conditions hold: it guards the value
        # lazily (if_then_else) inside them.
        reading = [c for c in cond_list if reads_tensor(c)]
        if reading:
            reading = _SimplifyIndices(known).visit(_all(reading))
            value = E.Call(value.dtype, "if_then_else", (reading, value, E.const(0, x.dtype)))
        cond_list = [c for c in cond_list if not reads_tensor(c)]
        self.specs.setdefault(x, []).append(_Spec(free, _all(cond_list), value, op))

    def _reduce_weight(self, op, k, body, source):
        """``(weight, condition)`` of d Y[i] / d source(i, r) for the reduction ``body``."""
        combiner = body.combiner
        result = combiner.result[0]
        lhs, rhs = combiner.lhs[0], combiner.rhs[0]
        kind = type(result)
        operands = (getattr(result, "a", None), getattr(result, "b", None))
        if _is_sum(combiner):
            return None, None
        y = op.outputs[k]
        axes = [iv.var for iv in op.axis]
        if kind in (E.Max, E.Min) and set(operands) == {lhs, rhs}:
            arg = self._arg_extreme(op, y, body, source, "argmax" if kind is E.Max else "argmin")
            return None, E.EQ(_linear_index(body.axis), arg[tuple(axes)])
        others = self._others(op, y, body, source)
        rvars = [iv.var for iv in body.axis]
        stand_in = api.placeholder((1,), dtype=source.dtype, name=f"{op.name}.rhs")
        expr = substitute(result, {lhs: others[tuple(axes + rvars)], rhs: stand_in[0]})
        weight = E.const(0, source.dtype)
        for read, partial in partial_derivatives(expr):
            if read.tensor is stand_in:
                weight = add(weight, partial)
        return _ReplaceRead(stand_in, source).visit(weight), None

    def _selected(self, op, k):
        """The point a tuple reduction's combiner selected for its value ``k`` (one stage
        ``op.selected`` for all the values of ``op``)."""
        if op not in self.selections:
            body = op.body[0]
            self.selections[op] = selected_points(op, body, _linear_index, f"{op.name}.selected")
        return self.selections[op][k]

    def _arg_extreme(self, op, y, body, source, name):
        """Stage: the first (lexicographic) reduce point where source equals Y."""
        fresh = [api.reduce_axis(iv.dom, name=iv.var.name) for iv in body.axis]
        sentinel = E.const_index(1 << 62)

        def compute(*i):
            mapping = {iv.var: v for iv, v in zip(op.axis, i)}
            mapping.update({iv.var: f.var for iv, f in zip(body.axis, fresh)})
            hit = E.EQ(substitute(source, mapping), y[tuple(i)])
            where = None if body.condition is None else substitute(body.condition, mapping)
            return api.min(E.Select(hit, _linear_index(fresh), sentinel), axis=fresh, where=where)
        return api.compute(y.shape, compute, name=f"{y.name}.{name}")

    def _others(self, op, y, body, source):
        """Stage over (i, r): the reduction of every element but r (the combiner's identity
        in r's place)."""
        fresh = [api.reduce_axis(iv.dom, name=iv.var.name + "'") for iv in body.axis]
        shape = tuple(y.shape) + tuple(iv.dom.extent for iv in body.axis)
        n = len(op.axis)
        combiner = body.combiner
        reducer = api.comm_reducer(lambda a, b: combiner.combine((a,), (b,))[0],
                                   lambda t: combiner.identity[0], name=combiner.name)

        def compute(*i):
            mapping = {iv.var: v for iv, v in zip(op.axis, i[:n])}
            mapping.update({iv.var: f.var for iv, f in zip(body.axis, fresh)})
            same = _all([E.EQ(f.var, E.Add(iv.dom.min, r)) if not E.is_const_int(iv.dom.min, 0)
                         else E.EQ(f.var, r) for f, iv, r in zip(fresh, body.axis, i[n:])])
            value = E.Select(same, combiner.identity[0], substitute(source, mapping))
            where = None if body.condition is None else substitute(body.condition, mapping)
            return reducer(value, axis=fresh, where=where)
        others = api.compute(shape, compute, name=f"{y.name}.others")
        mins = [iv.dom.min for iv in body.axis]

        class Shifted:
            def __getitem__(self, idx):
                idx = list(idx)
                for k, lo in enumerate(mins):
                    if not E.is_const_int(lo, 0):
                        idx[n + k] = idx[n + k] - lo
                return others[tuple(idx)]
        return Shifted()

    # ------------------------------------------------------------------ adjoint stages
    def _materialize(self, t):
        specs = self.specs.pop(t)
        shape = self._shape(t)
        jv = self._vars(t)
        zero = E.const(0, t.dtype)
        name = f"{t.name}.grad"
        reduced = [s for s in specs if s.free]
        plain = [s for s in specs if not s.free]
        if len(specs) == 1 and reduced:
            return self._reduction_stage(t, specs[0], name)
        parts = [self._reduction_stage(t, s, f"{name}.{s.source.name}") for s in reduced]

        def compute(*i):
            mapping = dict(zip(jv, i))
            total = None
            for s in plain:
                term = substitute(s.value, mapping)
                if s.cond is not None:
                    term = E.Call(t.dtype, "if_then_else", (substitute(s.cond, mapping), term, zero))
                total = term if total is None else E.Add(total, term)
            for p in parts:
                total = p[tuple(i)] if total is None else E.Add(total, p[tuple(i)])
            return total
        stage = api.compute(shape, compute, name=name)
        if _node_count(stage.op.body[0]) <= CHEAP_NODES:
            stage.op.tag = "injective"   # a copy or a few operations: the default schedule inlines it
        return stage

    def _reduction_stage(self, t, spec, name):
        return reduction_stage(self._shape(t), self._vars(t), spec.free, spec.cond, spec.value,
                               name)


#: Tags of the copies topi makes of an operand (a zero-padded input, a transposed
#: matmul operand) that the adjoint reads through.
COPY_TAGS = ("pad", "matmul_pack")


def _through_copies(pairs, inputs):
    """Reads of a copy topi made of an operand (tags :data:`COPY_TAGS`) replaced by
    reads of the operand itself: the adjoint skips the copy. A padding's guard becomes
    a condition, so a convolution's data gradient is computed at the input's own
    size; a transposed matmul operand is read in place, so the gradients of
    ``dense`` are products of the operands as they are, with no transposing copy
    back and forth (``X.grad = head @ W``, ``W.grad = head.T @ X``): the transposed
    copies the partial derivatives read are read in place too (a padded copy they
    read is kept: a convolution's weight gradient reads it as the forward does)."""
    out = []
    in_place = _ReadPacksInPlace(inputs)
    for read, partial in pairs:
        partial = in_place.visit(partial)
        op = read.tensor.op
        if getattr(op, "tag", "") not in COPY_TAGS or read.tensor in inputs or \
                isinstance(op.body[read.tensor.value_index], E.Reduce):
            out.append((read, partial))
            continue
        mapping = {iv.var: i for iv, i in zip(op.axis, read.indices)}
        for inner, d in partial_derivatives(op.body[read.tensor.value_index]):
            out.append((substitute(inner, mapping), mul(partial, substitute(d, mapping))))
    return out


class _ReadPacksInPlace(IRMutator):
    """Reads of a transposed matmul operand (tag ``matmul_pack``) as reads of the operand."""

    def __init__(self, inputs):
        self.inputs = inputs

    def visit_TensorRead(self, e):
        op = e.tensor.op
        if getattr(op, "tag", "") != "matmul_pack" or e.tensor in self.inputs:
            return self.generic_visit(e)
        indices = [self.visit(i) for i in e.indices]
        body = op.body[e.tensor.value_index]
        return self.visit(substitute(body, {iv.var: i for iv, i in zip(op.axis, indices)}))


def _hoist_guards(value):
    """``(conditions, core)`` with ``value == if all(conditions) then core else 0``, pulling
    ``if_then_else(c, x, 0)`` factors out of products (evaluating the rest lazily)."""
    if isinstance(value, E.Call) and value.op == "if_then_else" and \
            isinstance(value.args[2], (E.FloatImm, E.IntImm)) and value.args[2].value == 0:
        inner, core = _hoist_guards(value.args[1])
        return [value.args[0]] + inner, core
    if isinstance(value, E.Mul):
        ca, a = _hoist_guards(value.a)
        cb, b = _hoist_guards(value.b)
        if ca or cb:
            return ca + cb, mul(a, b)
    if isinstance(value, E.Cast):
        c, core = _hoist_guards(value.value)
        if c:
            return c, cast(core, value.dtype)
    return [], value


def _node_count(expr):
    count = 0

    def bump(_):
        nonlocal count
        count += 1
    post_order_visit(expr, bump)
    return count


def _is_sum(combiner):
    result = combiner.result[0]
    return isinstance(result, E.Add) and {result.a, result.b} == {combiner.lhs[0], combiner.rhs[0]}


class _ReplaceRead(IRMutator):
    def __init__(self, tensor, value):
        self.tensor, self.value = tensor, value

    def visit_TensorRead(self, e):
        return self.value if e.tensor is self.tensor else self.generic_visit(e)


def _linear_index(axes):
    """Row-major position of a reduce point (from each axis' minimum)."""
    total = None
    for iv in axes:
        v = iv.var if isinstance(iv, IterVar) else iv
        offset = v if E.is_const_int(iv.dom.min, 0) else E.Sub(v, iv.dom.min)
        total = offset if total is None else E.Add(E.Mul(total, E.const_index(iv.dom.extent)), offset)
    return total


def _pieces(indices, domain, depth=0):
    """The read split at its first min/max clamp over domain vars: ``[(indices, conds)]``."""
    target = None

    class Find(IRMutator):
        def visit_Min(self, e):
            nonlocal target
            if target is None and uses_var(e, domain) and dt.is_integer(e.dtype) \
                    and not reads_tensor(e):
                target = e
            return self.generic_visit(e)

        visit_Max = visit_Min

    for g in indices:
        Find().visit(g)
    if target is None or 2 ** (depth + 1) > MAX_PIECES:
        return [(indices, [])]
    a, b = target.a, target.b
    first = E.LE(a, b) if isinstance(target, E.Min) else E.GE(a, b)
    out = []
    for pick, cond in ((a, first), (b, E.Not(first))):
        replaced = tuple(_ReplaceNode(target, pick).visit(g) for g in indices)
        for sub, sub_conds in _pieces(replaced, domain, depth + 1):
            out.append((sub, [cond] + sub_conds))
    return out


class _ReplaceNode(IRMutator):
    def __init__(self, node, value):
        self.node, self.value = node, value

    def visit(self, e):
        return self.value if e is self.node else super().visit(e)


# ------------------------------------------------------------------ public API


def _check(output, inputs):
    if not isinstance(output, Tensor):
        raise ExprError(f"te.gradient: output must be a tensor, got {output!r}")
    for x in inputs:
        if not isinstance(x, Tensor):
            raise ExprError(f"te.gradient: inputs must be tensors, got {x!r}")
        if not dt.is_float(x.dtype):
            raise ExprError(f"te.gradient: input '{x.name}' has dtype {x.dtype}; integer tensors "
                            "have no gradient (pass it to the kernel as an ordinary argument)")
    if not dt.is_float(output.dtype):
        raise ExprError(f"te.gradient: output '{output.name}' has dtype {output.dtype}; it must "
                        "be a float tensor")


def gradient(output, inputs, head=None, strict=False, trace=None):
    """The gradients of ``sum(head * output)`` with respect to each of ``inputs``
    (TVM's ``te.gradient``): a list with one tensor per input, named ``X.grad``.

    ``head`` has shape ``prefix + output.shape``; each result then has shape
    ``prefix + input.shape`` (``result[p, j] = sum_i head[p, i] * d output[i] / d X[j]``).
    Without ``head``: a one-element output (a loss) uses 1; any other output gets
    the full Jacobian (``head`` the identity, results of shape ``output.shape +
    input.shape``) with a warning, refused above ``JACOBIAN_LIMIT`` elements.

    Every result is an ordinary compute stage (as are the adjoints of the
    intermediate tensors, ``T.grad``): schedule, lower, build and export them
    like any other. ``strict=True`` refuses a read whose index map cannot be
    inverted instead of warning and summing over the whole domain. ``trace``, a
    callable, receives one line per step of the walk (each operation visited, each
    adjoint stage created), as tutorial 06 prints them."""
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    _check(output, inputs)
    out_shape = tuple(output.shape)
    if head is None:
        if _size(out_shape) == 1:
            one = E.const(1, output.dtype)
            return _Gradient(output, inputs, (), _Adjoint(build=lambda i: one), strict,
                             trace).run()
        return _jacobians(output, inputs, strict, warn=True)
    if not isinstance(head, Tensor):
        raise ExprError(f"te.gradient: head must be a tensor, got {head!r}")
    n = len(out_shape)
    prefix = tuple(head.shape[:len(head.shape) - n])
    suffix = tuple(head.shape[len(head.shape) - n:])
    if len(head.shape) < n or any(str(a) != str(b) for a, b in zip(suffix, out_shape)):
        raise ExprError(f"te.gradient: head '{head.name}' of shape {list(head.shape)} must end "
                        f"with the shape of output '{output.name}' {list(out_shape)}")
    if head.dtype != output.dtype:
        raise ExprError(f"te.gradient: head '{head.name}' is {head.dtype} but output "
                        f"'{output.name}' is {output.dtype}; give head the output's dtype")
    return _Gradient(output, inputs, prefix, _Adjoint(head), strict, trace).run()


def _jacobians(output, inputs, strict, warn):
    out_shape = tuple(output.shape)
    n = len(out_shape)
    for x in inputs:
        size = _size(out_shape + tuple(x.shape))
        if size is None or size > JACOBIAN_LIMIT:
            raise ExprError(f"te.gradient: the Jacobian of '{output.name}' {list(out_shape)} with "
                            f"respect to '{x.name}' {list(x.shape)} would have "
                            f"{size if size is not None else 'a symbolic number of'} elements "
                            f"(limit {JACOBIAN_LIMIT}); pass head= (e.g. topi.full_like(output, "
                            "1.0)) for the gradient of the sum")
    if warn:
        warn_user(f"te.gradient: no head given for the non-scalar output '{output.name}' "
                  f"{list(out_shape)}; computing the full Jacobian", GradientWarning)
    one, zero = E.const(1, output.dtype), E.const(0, output.dtype)

    def identity(i):
        same = _all([E.EQ(a, b) for a, b in zip(i[:n], i[n:])])
        return E.Select(same, one, zero)
    return _Gradient(output, inputs, out_shape, _Adjoint(build=identity), strict).run()


def jacobian(output, input, strict=False):  # noqa: A002
    """The Jacobian ``J[i, j] = d output[i] / d input[j]``, of shape ``output.shape +
    input.shape`` (for small cases: refused above ``JACOBIAN_LIMIT`` elements)."""
    _check(output, [input])
    return _jacobians(output, [input], strict, warn=False)[0]


__all__ = ["gradient", "jacobian", "GradientWarning", "JACOBIAN_LIMIT"]
