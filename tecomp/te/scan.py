"""``te.scan``: a recurrence over the first (time) axis, TVM's ScanOp.

``scan(init, update, state)`` computes, for a state of shape ``(T, ...)``::

    out[0:k, ...]  = init[0:k, ...]                       (k = init.shape[0])
    for t in k .. T-1:
        out[t, ...] = update[t, ...]     # update reads state[t - c, ...], c >= 1

The state placeholder, the init and update tensors and the scan's output are
one buffer: reads of the state are reads of earlier steps of the output. The
*scan body* is every stage on a path from a state placeholder to an update;
lowering computes it once per step, inside the time loop, and each body stage
may be scheduled (split, bind, compute_at inside the body, inline) like any
other. Stages that do not read the state (the init, precomputed inputs) are
computed once, before the loop.

Supported, and checked here: every read of a state, or of a body stage by
another, indexes the time axis with the reader's own time axis minus a
constant, and every state read reaches ``t - c`` with ``1 <= c <= k`` (an
earlier step that exists). Anything else is refused with an
:class:`~tecomp.errors.ExprError` naming the tensors: reading the step being
computed would race with its own writes.
"""

from ..arith import Analyzer
from ..errors import ExprError
from ..ir import IterVar, Range, Var
from ..ir import expr as E
from ..ir.expr import IterVarType
from ..ir.functor import collect
from .tensor import ComputeOp, Operation, PlaceholderOp, Tensor, post_order


class ScanOp(Operation):
    """The scan itself: ``outputs[i]`` is state ``i`` over every time step.

    ``scan_axis`` ranges over the updated steps ``[init.shape[0], T)``;
    ``axis`` is ``(scan_axis,)`` (its stage's only loop, which is not
    scheduled); ``body_ops`` are the stages lowering runs once per step."""

    def __init__(self, name, scan_axis, init, update, state_placeholder, inputs, tag="",
                 attrs=None):
        self.name = name
        self.tag = tag
        self.attrs = dict(attrs or {})
        self.scan_axis = scan_axis
        self.init = tuple(init)
        self.update = tuple(update)
        self.state_placeholder = tuple(state_placeholder)
        self.inputs = tuple(inputs)
        self.axis = (scan_axis,)
        self.reduce_axis = ()
        self.body = ()
        self.outputs = tuple(Tensor(self, i, s.shape, s.dtype)
                             for i, s in enumerate(self.state_placeholder))
        self.num_outputs = len(self.outputs)
        self.body_ops = _body_ops(self)

    @property
    def input_tensors(self):
        return self.init + self.update

    @property
    def shape(self):
        return self.outputs[0].shape

    def aliases(self):
        """Tensor -> the scan output it is stored in (init, update and state)."""
        found = {}
        for out, init, update, state in zip(self.outputs, self.init, self.update,
                                            self.state_placeholder):
            found.update({init: out, update: out, state: out})
        return found


def scan(init, update, state_placeholder, inputs=None, name="scan", tag="", attrs=None):
    """Tensors defined by a recurrence over their first axis (TVM's ``te.scan``).

    ``init``, ``update`` and ``state_placeholder`` are tensors or equal-length
    lists: ``init[i]`` gives the first ``init[i].shape[0]`` steps of state ``i``,
    ``update[i]`` (shape = the state's) each later step from earlier ones read
    through ``state_placeholder[i]``. ``inputs`` is accepted as in TVM (a hint;
    the body is found from the state reads). Returns one tensor, or a list."""
    init, update, states = _as_list(init), _as_list(update), _as_list(state_placeholder)
    inputs = _as_list(inputs) if inputs is not None else []
    if not (len(init) == len(update) == len(states)) or not init:
        raise ExprError(f"scan({name}): init, update and state_placeholder must have the same "
                        f"number of tensors, got {len(init)}, {len(update)} and {len(states)}")
    for what, tensors in (("init", init), ("update", update), ("state_placeholder", states),
                          ("inputs", inputs)):
        for t in tensors:
            if not isinstance(t, Tensor):
                raise ExprError(f"scan({name}): {what} must be tensors, got {t!r}")
    for state in states:
        if not isinstance(state.op, PlaceholderOp):
            raise ExprError(f"scan({name}): state '{state.name}' must be a te.placeholder")
    for u in update:
        if not isinstance(u.op, ComputeOp) or u.op.reduce_axis:
            raise ExprError(f"scan({name}): update '{u.name}' must be a te.compute without a "
                            "reduction at its top (reduce in a stage it reads)")
    begin = E.const_index(init[0].shape[0])
    end = E.const_index(states[0].shape[0])
    analyzer = Analyzer()
    for i, (ini, upd, st) in enumerate(zip(init, update, states)):
        _check_shapes(name, analyzer, ini, upd, st, begin, end)
    scan_axis = IterVar(Range(begin, analyzer.simplify(end - begin)), Var(f"{name}.idx"),
                        IterVarType.ORDERED)
    op = ScanOp(name, scan_axis, init, update, states, inputs, tag, attrs)
    _check_time_reads(op, analyzer)
    return op.outputs[0] if op.num_outputs == 1 else list(op.outputs)


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _check_shapes(name, analyzer, init, update, state, begin, end):
    def same(a, b):
        return analyzer.can_prove(E.EQ(E.const_index(a), E.const_index(b)))

    for t in (init, update):
        if t.dtype != state.dtype:
            raise ExprError(f"scan({name}): '{t.name}' has dtype {t.dtype} but state "
                            f"'{state.name}' has {state.dtype}")
        if len(t.shape) != len(state.shape):
            raise ExprError(f"scan({name}): '{t.name}' has {len(t.shape)} dimensions but state "
                            f"'{state.name}' has {len(state.shape)}")
    if not state.shape:
        raise ExprError(f"scan({name}): state '{state.name}' needs a time axis (dimension 0)")
    if not same(init.shape[0], begin):
        raise ExprError(f"scan({name}): every init must cover the same number of steps; "
                        f"'{init.name}' has {init.shape[0]}, the first has {begin}")
    if not same(update.shape[0], end) or not same(state.shape[0], end):
        raise ExprError(f"scan({name}): update '{update.name}' and state '{state.name}' must "
                        f"have the same number of steps {end}, got {update.shape[0]} and "
                        f"{state.shape[0]}")
    if analyzer.can_prove(E.GE(begin, end)) or analyzer.can_prove(E.LE(begin, E.const_index(0))):
        raise ExprError(f"scan({name}): init '{init.name}' must cover at least one step and "
                        f"fewer than the state's {end}, got {begin}")
    for k in range(1, len(state.shape)):
        for t in (init, update):
            if not same(t.shape[k], state.shape[k]):
                raise ExprError(f"scan({name}): dimension {k} of '{t.name}' is {t.shape[k]}, "
                                f"of state '{state.name}' {state.shape[k]}; they must match")


def _body_ops(op):
    """The compute ops on a path from a state placeholder to an update, producers first."""
    states = {s.op for s in op.state_placeholder}
    reads_state = {}
    for o in post_order([u.op for u in op.update]):
        reads_state[o] = o in states or any(reads_state.get(t.op, False)
                                            for t in o.input_tensors)
    return tuple(o for o in post_order([u.op for u in op.update])
                 if isinstance(o, ComputeOp) and reads_state[o])


def _check_time_reads(op, analyzer):
    """Every body read of a state or body stage is at (own time) - constant; the
    lags from an update to a state read are within [1, init steps]."""
    body = set(op.body_ops)
    states = {s.op: s for s in op.state_placeholder}
    begin = op.scan_axis.dom.min
    lags = {u.op: {0} for u in op.update}
    for reader in reversed(op.body_ops):          # consumers first
        if reader not in lags:
            continue
        if not reader.axis:
            raise ExprError(f"scan({op.name}): body stage '{reader.name}' needs a time axis")
        time = reader.axis[0].var
        for b in reader.body:
            for read in collect(b, E.TensorRead):
                src = read.tensor.op
                if src not in body and src not in states:
                    continue
                lag = analyzer.simplify(time - read.indices[0])
                if not isinstance(lag, E.IntImm):
                    raise ExprError(
                        f"scan({op.name}): '{reader.name}' reads '{read.tensor.name}' at time "
                        f"`{read.indices[0]}`; inside a scan body, time indices must be the "
                        f"reader's own time axis minus a constant, e.g. {read.tensor.name}"
                        f"[{time.name} - 1, ...]")
                total = {c + lag.value for c in lags[reader]}
                if src in states:
                    bad = sorted(c for c in total if c < 1 or not analyzer.can_prove(
                        E.LE(E.const_index(c), begin)))
                    if bad:
                        raise ExprError(
                            f"scan({op.name}): '{reader.name}' reads state "
                            f"'{read.tensor.name}' {bad[0]} step(s) back from the step being "
                            f"computed; a scan reads only earlier steps that exist (1 to "
                            f"{begin} back, the init's steps)")
                else:
                    lags.setdefault(src, set()).update(total)
                    if any(c < 0 for c in total):
                        raise ExprError(f"scan({op.name}): '{reader.name}' reads body stage "
                                        f"'{read.tensor.name}' at a later time step")
