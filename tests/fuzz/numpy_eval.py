"""An independent numpy interpreter of tensor expressions (the fuzzer's oracle).

``evaluate_tensors(outputs, inputs, sizes)`` computes every compute tensor the
outputs depend on, whole-tensor at a time: the axes become broadcast index
grids, each expression node one numpy operation in the node's dtype. It shares
nothing with tecomp's lowering or code generation (only the expression nodes the
front end built), so a wrong loop nest, bound, simplification or instruction
shows up as a difference.

Semantics follow ``tecomp/ir/expr.py``: ``Div``/``Mod`` truncate on integers,
``FloorDiv``/``FloorMod`` floor; ``if_then_else`` evaluates each arm only where
it is taken (a read in an untaken arm may be out of bounds); ``Select``
evaluates both. A read that is out of bounds where it *is* evaluated raises
:class:`ProgramError`: the generated program itself is wrong.
"""

import math

import numpy as np

from tecomp.ir import expr as E
from tecomp.ir import dtype as dt
from tecomp.te.tensor import ComputeOp, PlaceholderOp


class ProgramError(Exception):
    """The expression program is invalid (an unguarded out-of-bounds read)."""


def np_dtype(dtype):
    return np.dtype(dt.element_of(dtype))


def _erf(x):
    return np.vectorize(math.erf, otypes=["float64"])(x.astype("float64")).astype(x.dtype)


_UNARY = {
    "exp": np.exp, "exp2": np.exp2, "log": np.log, "log2": np.log2, "log10": np.log10,
    "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos, "tan": np.tan, "tanh": np.tanh,
    "fabs": np.abs, "floor": np.floor, "ceil": np.ceil, "round": np.round,
    "trunc": np.trunc, "nearbyint": np.rint, "erf": _erf,
    "rsqrt": lambda x: np.divide(x.dtype.type(1), np.sqrt(x)),
    "sigmoid": lambda x: np.divide(x.dtype.type(1), x.dtype.type(1) + np.exp(-x)),
    "likely": lambda x: x,
}
_EXTERN = {"expf": np.exp, "exp": np.exp}


def _tdiv(a, b):
    q = np.floor_divide(a, b)
    fix = (np.mod(a, b) != 0) & ((a < 0) != (b < 0))
    return (q + fix.astype(q.dtype)).astype(a.dtype)


class _Evaluator:
    def __init__(self, tensors, sizes):
        self.tensors = tensors      # Tensor -> ndarray
        self.sizes = sizes          # Var -> int

    def ev(self, e, env, active):
        method = getattr(self, "ev_" + type(e).__name__, None)
        if method is None:
            raise NotImplementedError(f"numpy_eval: no rule for {type(e).__name__}")
        out = method(e, env, active)
        want = np_dtype(e.dtype)
        out = np.asarray(out)
        if out.dtype != want:
            with np.errstate(all="ignore"):
                out = out.astype(want)
        return out

    # ------------------------------------------------------------ leaves
    def ev_IntImm(self, e, env, active):
        return np.array(e.value, np_dtype(e.dtype))

    def ev_FloatImm(self, e, env, active):
        return np.array(e.value, np_dtype(e.dtype))

    def ev_Var(self, e, env, active):
        if e in env:
            return env[e]
        return np.array(self.sizes[e], np_dtype(e.dtype))

    def ev_Cast(self, e, env, active):
        x = self.ev(e.value, env, active)
        if dt.is_bool(e.dtype):
            return x != 0
        with np.errstate(all="ignore"):
            return x.astype(np_dtype(e.dtype))

    # ------------------------------------------------------------ arithmetic
    def _bin(self, e, env, active):
        return self.ev(e.a, env, active), self.ev(e.b, env, active)

    def ev_Add(self, e, env, active):
        a, b = self._bin(e, env, active)
        with np.errstate(all="ignore"):
            return a + b

    def ev_Sub(self, e, env, active):
        a, b = self._bin(e, env, active)
        with np.errstate(all="ignore"):
            return a - b

    def ev_Mul(self, e, env, active):
        a, b = self._bin(e, env, active)
        with np.errstate(all="ignore"):
            return a * b

    def ev_Div(self, e, env, active):
        a, b = self._bin(e, env, active)
        with np.errstate(all="ignore"):
            if dt.is_float(e.dtype):
                return a / b
            return _tdiv(a, np.where(b == 0, 1, b).astype(b.dtype))

    def ev_Mod(self, e, env, active):
        a, b = self._bin(e, env, active)
        b = np.where(b == 0, 1, b).astype(b.dtype)
        with np.errstate(all="ignore"):
            return a - b * _tdiv(a, b)

    def ev_FloorDiv(self, e, env, active):
        a, b = self._bin(e, env, active)
        with np.errstate(all="ignore"):
            if dt.is_float(e.dtype):
                return np.floor(a / b)
            return np.floor_divide(a, np.where(b == 0, 1, b).astype(b.dtype))

    def ev_FloorMod(self, e, env, active):
        a, b = self._bin(e, env, active)
        with np.errstate(all="ignore"):
            if dt.is_float(e.dtype):
                return a - np.floor(a / b) * b
            return np.mod(a, np.where(b == 0, 1, b).astype(b.dtype))

    def ev_Min(self, e, env, active):
        return np.minimum(*self._bin(e, env, active))

    def ev_Max(self, e, env, active):
        return np.maximum(*self._bin(e, env, active))

    def ev_EQ(self, e, env, active):
        a, b = self._bin(e, env, active)
        return a == b

    def ev_NE(self, e, env, active):
        a, b = self._bin(e, env, active)
        return a != b

    def ev_LT(self, e, env, active):
        a, b = self._bin(e, env, active)
        return a < b

    def ev_LE(self, e, env, active):
        a, b = self._bin(e, env, active)
        return a <= b

    def ev_GT(self, e, env, active):
        a, b = self._bin(e, env, active)
        return a > b

    def ev_GE(self, e, env, active):
        a, b = self._bin(e, env, active)
        return a >= b

    def ev_And(self, e, env, active):
        a, b = self._bin(e, env, active)
        return np.logical_and(a, b)

    def ev_Or(self, e, env, active):
        a, b = self._bin(e, env, active)
        return np.logical_or(a, b)

    def ev_Not(self, e, env, active):
        return np.logical_not(self.ev(e.a, env, active))

    def ev_Select(self, e, env, active):
        c = self.ev(e.condition, env, active)
        return np.where(c, self.ev(e.true_value, env, active),
                        self.ev(e.false_value, env, active))

    def ev_Let(self, e, env, active):
        inner = dict(env)
        inner[e.var] = self.ev(e.value, env, active)
        return self.ev(e.body, inner, active)

    def ev_Call(self, e, env, active):
        if e.op == "if_then_else":
            c = self.ev(e.args[0], env, active)
            on = c if active is None else np.logical_and(active, c)
            off = np.logical_not(c) if active is None else np.logical_and(active, ~c)
            return np.where(c, self.ev(e.args[1], env, on), self.ev(e.args[2], env, off))
        if e.op == "call_extern":    # the C math functions the fuzzer calls by name
            fn = _EXTERN.get(e.args[0].value)
            if fn is None:
                raise NotImplementedError(f"numpy_eval: no rule for C function {e.args[0].value}")
            with np.errstate(all="ignore"):
                return fn(*[self.ev(a, env, active) for a in e.args[1:]])
        args = [self.ev(a, env, active) for a in e.args]
        with np.errstate(all="ignore"):
            if e.op == "pow":
                return np.power(args[0], args[1])
            if e.op == "isnan":
                return np.isnan(args[0])
            fn = _UNARY.get(e.op)
            if fn is None:
                raise NotImplementedError(f"numpy_eval: no rule for intrinsic {e.op}")
            return fn(args[0])

    # ------------------------------------------------------------ memory
    def ev_TensorRead(self, e, env, active):
        array = self.tensors[e.tensor]
        indices = [self.ev(i, env, active).astype("int64") for i in e.indices]
        shape = np.broadcast_shapes(*(i.shape for i in indices), *(
            () if active is None else (np.shape(active),)))
        indices = [np.broadcast_to(i, shape) for i in indices]
        live = np.ones(shape, bool) if active is None else np.broadcast_to(active, shape)
        clipped = []
        for axis, (index, extent) in enumerate(zip(indices, array.shape)):
            bad = live & ((index < 0) | (index >= extent))
            if bad.any():
                where = tuple(int(x) for x in np.argwhere(bad)[0])
                raise ProgramError(f"read of '{e.tensor.name}' axis {axis} at index "
                                   f"{int(index[where])} (extent {extent}) at grid point {where}")
            clipped.append(np.clip(index, 0, max(extent - 1, 0)))
        if array.size == 0:
            return np.zeros(shape, array.dtype)
        return array[tuple(clipped)]


def _fold(ev, reduce, env, cond, shape, full):
    """Any ``comm_reducer`` (argmax's two values too): its combining expressions
    applied in order over the reduce positions (row-major over the reduce axes),
    vectorized over the output grid; positions where ``cond`` is false are skipped."""
    combiner = reduce.combiner
    count = int(np.prod(full[len(shape):], dtype="int64"))
    sources = [np.broadcast_to(ev.ev(x, env, cond), full).reshape(shape + (count,))
               for x in reduce.source]
    mask = None if cond is None else np.broadcast_to(cond, full).reshape(shape + (count,))
    acc = [np.full(shape, ev.ev(i, {}, None), np_dtype(i.dtype)) for i in combiner.identity]
    for p in range(count):
        inner = dict(zip(combiner.lhs, acc))
        inner.update(zip(combiner.rhs, (x[..., p] for x in sources)))
        new = [np.broadcast_to(ev.ev(r, inner, None), shape) for r in combiner.result]
        if mask is not None:
            new = [np.where(mask[..., p], n, a) for n, a in zip(new, acc)]
        acc = [np.array(n, a.dtype) for n, a in zip(new, acc)]
    return acc


def _combine(name, values, axes, dtype, combiner, where):
    """Reduce ``values`` over ``axes`` with a known combiner, else generically."""
    ident = None
    if name in ("sum", "prod", "max", "min"):
        ufunc = {"sum": np.add, "prod": np.multiply, "max": np.maximum, "min": np.minimum}[name]
        ident = combiner.identity[0].value
        with np.errstate(all="ignore"):
            return ufunc.reduce(values, axis=axes, dtype=dtype, initial=dtype.type(ident),
                                where=True if where is None else where)
    raise NotImplementedError(f"numpy_eval: combiner {name}")


def evaluate_op(op, tensors, sizes):
    """The value of compute ``op``'s outputs (a list of arrays)."""
    ev = _Evaluator(tensors, sizes)
    shape = tuple(int(ev.ev(iv.dom.extent, {}, None)) for iv in op.axis)
    body = op.body
    reduce = body[0] if isinstance(body[0], E.Reduce) else None
    raxes = list(reduce.axis) if reduce is not None else []
    rshape = tuple(int(ev.ev(iv.dom.extent, {}, None)) for iv in raxes)
    full = shape + rshape
    env = {}
    for position, iv in enumerate(list(op.axis) + raxes):
        grid_shape = [1] * len(full)
        grid_shape[position] = full[position]
        start = int(ev.ev(iv.dom.min, {}, None))
        env[iv.var] = (np.arange(full[position], dtype="int64") + start).reshape(grid_shape)
    outputs = []
    folded = None
    for b in body:
        if reduce is None:
            value = ev.ev(b, env, None)
            outputs.append(np.array(np.broadcast_to(value, shape)))
            continue
        cond = None
        if b.condition is not None:
            cond = np.broadcast_to(ev.ev(b.condition, env, None), full)
        if len(b.source) > 1 or b.combiner.name not in ("sum", "prod", "max", "min"):
            if folded is None:
                folded = _fold(ev, b, env, cond, shape, full)
            outputs.append(folded[b.value_index])
            continue
        source = np.broadcast_to(ev.ev(b.source[b.value_index], env, cond), full)
        axes = tuple(range(len(shape), len(full)))
        outputs.append(np.asarray(_combine(b.combiner.name, source, axes, np_dtype(b.dtype),
                                           b.combiner, cond)).reshape(shape))
    return outputs


def evaluate_tensors(outputs, inputs, sizes):
    """Every tensor ``outputs`` depend on: ``{Tensor: ndarray}``. ``inputs`` maps
    placeholder tensors to arrays, ``sizes`` symbolic Vars to ints."""
    values = dict(inputs)

    def visit(op):
        if all(t in values for t in op.outputs):
            return
        if isinstance(op, PlaceholderOp):
            raise ProgramError(f"no value for input '{op.name}'")
        for t in op.input_tensors:
            visit(t.op)
        assert isinstance(op, ComputeOp)
        for t, value in zip(op.outputs, evaluate_op(op, values, sizes)):
            values[t] = value

    for t in outputs:
        visit(t.op)
    return values
