"""Symbolic partial derivatives of one scalar expression with respect to the tensor
reads in it: the local step of reverse-mode differentiation.

``partial_derivatives(expr)`` walks ``expr`` from the top, carrying the adjoint
(the derivative of ``expr`` with respect to the node visited), and returns, for
each distinct read ``X[idx]`` (reads of one tensor at structurally equal indices
are one variable), the sum of the adjoints that reach it::

    expr = A[i] * A[i] + exp(B[j])   ->   [(A[i], A[i] + A[i]), (B[j], exp(B[j]))]

Rules (TVM's and the calculus'): ``min``/``max`` pass the adjoint to the operand
they pick (the first on a tie); ``select``/``if_then_else`` to the arm taken, an
``if_then_else`` keeping its guard around everything read below it (a guarded
read may lie out of bounds); ``floor``/``ceil``/``trunc``/``round``, comparisons,
and integer values stop the adjoint (their derivative is zero almost everywhere);
float casts pass it through. ``abs`` has derivative ``sign(x)`` (+1 at 0).
A libm function called by name (``call_pure_extern``) has its intrinsic's rule.
An intrinsic or external function without a rule is refused, naming it.
"""

import math

from ..errors import ExprError
from ..ir import dtype as dt
from ..ir import expr as E
from ..ir.functor import Dispatcher, structural_equal, substitute
from ..ir.op import cast
from ..ir.share import share_repeated


def _c(value, dtype):
    return E.const(value, dtype)


def _is_zero(e):
    return isinstance(e, (E.IntImm, E.FloatImm)) and e.value == 0


def _is_one(e):
    return isinstance(e, (E.IntImm, E.FloatImm)) and e.value == 1


def mul(a, b):
    """``a * b``, folding the constants 0 and 1."""
    if _is_zero(a) or _is_zero(b):
        return _c(0, a.dtype)
    if _is_one(a):
        return b
    if _is_one(b):
        return a
    return E.Mul(a, b)


def add(a, b):
    """``a + b``, folding a constant 0."""
    if _is_zero(a):
        return b
    if _is_zero(b):
        return a
    return E.Add(a, b)


def neg(a):
    return _c(0, a.dtype) if _is_zero(a) else E.Sub(_c(0, a.dtype), a)


def _call(op, *args):
    return E.Call(args[0].dtype, op, tuple(args))


# d f(x) / dx for one-argument intrinsics, as a function of x.
_UNARY = {
    "exp": lambda x: _call("exp", x),
    "exp2": lambda x: E.Mul(_c(math.log(2), x.dtype), _call("exp2", x)),
    "log": lambda x: E.Div(_c(1, x.dtype), x),
    "log2": lambda x: E.Div(_c(1 / math.log(2), x.dtype), x),
    "log10": lambda x: E.Div(_c(1 / math.log(10), x.dtype), x),
    "sqrt": lambda x: E.Div(_c(0.5, x.dtype), _call("sqrt", x)),
    "rsqrt": lambda x: E.Mul(_c(-0.5, x.dtype), E.Div(_call("rsqrt", x), x)),
    "sin": lambda x: _call("cos", x),
    "cos": lambda x: neg(_call("sin", x)),
    "tanh": lambda x: E.Sub(_c(1, x.dtype), E.Mul(_call("tanh", x), _call("tanh", x))),
    "sigmoid": lambda x: E.Mul(_call("sigmoid", x), E.Sub(_c(1, x.dtype), _call("sigmoid", x))),
    "fabs": lambda x: E.Select(E.LT(x, _c(0, x.dtype)), _c(-1, x.dtype), _c(1, x.dtype)),
    "erf": lambda x: E.Mul(_c(2 / math.sqrt(math.pi), x.dtype),
                           _call("exp", E.Sub(_c(0, x.dtype), E.Mul(x, x)))),
}
_ZERO = ("floor", "ceil", "trunc", "round", "nearbyint", "isnan", "bitwise_and")


class _Backprop(Dispatcher):
    """Reverse mode over the expression as a DAG: every node (shared Python objects
    are one node) is visited once, after all its parents, with the sum of their
    adjoints. Without this, a composition that reuses a value (``exp``'s polynomial
    evaluates ``r`` six times) would multiply its adjoint terms along every path."""

    def __init__(self):
        self.reads = []        # [(TensorRead, adjoint)]
        self.pending = {}      # id(node) -> adjoint accumulated so far

    def add_read(self, read, adjoint):
        for k, (known, acc) in enumerate(self.reads):
            if known.tensor is read.tensor and structural_equal(known.indices, read.indices):
                self.reads[k] = (known, add(acc, adjoint))
                return
        self.reads.append((read, adjoint))

    def run(self, root, seed):
        order, seen = [], set()

        def visit(e):
            if id(e) in seen:
                return
            seen.add(id(e))
            for child in _children(e):
                visit(child)
            order.append(e)

        visit(root)
        self.pending = {id(root): seed}
        for e in reversed(order):
            adj = self.pending.pop(id(e), None)
            if adj is None or _is_zero(adj) or not dt.is_float(e.dtype):
                continue
            method = self.handler(e)
            if method is None:
                raise ExprError(f"te.gradient: cannot differentiate `{e}` ({type(e).__name__})")
            method(e, adj)

    def push(self, child, adj):
        if not dt.is_float(child.dtype) or _is_zero(adj):
            return
        known = self.pending.get(id(child))
        self.pending[id(child)] = adj if known is None else add(known, adj)

    def visit_TensorRead(self, e, adj):
        self.add_read(e, adj)

    def visit_FloatImm(self, e, adj):
        pass

    visit_Var = visit_IntImm = visit_Load = visit_FloatImm

    def visit_Add(self, e, adj):
        self.push(e.a, adj)
        self.push(e.b, adj)

    def visit_Sub(self, e, adj):
        self.push(e.a, adj)
        self.push(e.b, neg(adj))

    def visit_Mul(self, e, adj):
        self.push(e.a, mul(adj, e.b))
        self.push(e.b, mul(adj, e.a))

    def visit_Div(self, e, adj):
        self.push(e.a, E.Div(adj, e.b))
        self.push(e.b, neg(E.Div(mul(adj, e.a), E.Mul(e.b, e.b))))

    def _pick(self, e, adj, first_wins):
        zero = _c(0, adj.dtype)
        self.push(e.a, E.Select(first_wins, adj, zero))
        self.push(e.b, E.Select(first_wins, zero, adj))

    def visit_Min(self, e, adj):
        self._pick(e, adj, E.LE(e.a, e.b))

    def visit_Max(self, e, adj):
        self._pick(e, adj, E.GE(e.a, e.b))

    def visit_Select(self, e, adj):
        zero = _c(0, adj.dtype)
        self.push(e.true_value, E.Select(e.condition, adj, zero))
        self.push(e.false_value, E.Select(e.condition, zero, adj))

    def visit_Cast(self, e, adj):
        if dt.is_float(e.value.dtype):
            self.push(e.value, cast(adj, e.value.dtype))

    def visit_Let(self, e, adj):
        self._inner(substitute(e.body, {e.var: e.value}), adj, None)

    def _inner(self, arm, adj, cond):
        """Backpropagate into ``arm`` on its own; under ``cond``, every contribution is
        guarded (a read below an ``if_then_else`` may be out of bounds elsewhere)."""
        inner = _Backprop()
        inner.run(arm, adj)
        zero = _c(0, adj.dtype)
        for read, acc in inner.reads:
            if cond is not None:
                acc = E.Call(acc.dtype, "if_then_else", (cond, acc, zero))
            self.add_read(read, acc)

    def visit_Call(self, e, adj):
        if e.op == "if_then_else":
            cond, t, f = e.args
            self._inner(t, adj, cond)
            self._inner(f, adj, E.Not(cond))
        elif e.op == "pow":
            x, y = e.args
            self.push(x, mul(adj, E.Mul(y, _call("pow", x, E.Sub(y, _c(1, y.dtype))))))
            self.push(y, mul(adj, E.Mul(e, _call("log", x))))
        elif e.op in _UNARY and len(e.args) == 1:
            self.push(e.args[0], mul(adj, _UNARY[e.op](e.args[0])))
        elif e.op in _ZERO:
            return
        elif e.op == "call_extern":
            self._extern(e, adj)
        else:
            raise ExprError(f"te.gradient: no derivative rule for the intrinsic '{e.op}' in "
                            f"`{e}`")

    def _extern(self, e, adj):
        """A C math function called by name (``call_pure_extern("float32", "expf", x)``):
        libm's one-argument functions (``f`` suffix for float) have the intrinsics' rules."""
        name = e.args[0].value
        args = e.args[1:]
        base = name[:-1] if name.endswith("f") and name[:-1] in _LIBM else name
        if base not in _LIBM or len(args) != 1:
            raise ExprError(f"te.gradient: no derivative rule for the external function "
                            f"'{name}' in `{e}` (known: the libm functions "
                            f"{', '.join(sorted(_LIBM))} of one argument)")
        if base in _ZERO:
            return
        self.push(args[0], mul(adj, _UNARY[base](args[0])))


#: The libm functions (by their double names) whose derivatives are known.
_LIBM = ("exp", "exp2", "log", "log2", "log10", "sqrt", "sin", "cos", "tanh", "fabs", "erf",
         "floor", "ceil", "trunc", "round", "nearbyint")


def _children(e):
    """The operands reverse mode walks into (not the arms of an if_then_else or a
    Let's body: those are walked on their own, see ``_Backprop._inner``)."""
    if not dt.is_float(e.dtype) or isinstance(e, (E.TensorRead, E.Let)):
        return ()
    if isinstance(e, E.Call):   # (an external call's first argument is its name)
        return () if e.op == "if_then_else" else \
            tuple(a for a in e.args if not isinstance(a, E.StringImm))
    if isinstance(e, E.Select):
        return (e.true_value, e.false_value)
    if isinstance(e, E.Cast):
        return (e.value,)
    return tuple(getattr(e, name) for name in ("a", "b") if hasattr(e, name))


def partial_derivatives(expr):
    """``[(read, d expr / d read)]`` for each distinct float read in ``expr``."""
    walker = _Backprop()
    walker.run(expr, _c(1, expr.dtype) if dt.is_float(expr.dtype) else _c(0, "float32"))
    # An adjoint is a DAG over the forward values (each max/min level of a shared
    # chain reads its operand twice): bind its repeated parts once, so no later
    # pass walks it as an exponentially larger tree.
    return [(read, share_repeated(acc)) for read, acc in walker.reads]
