"""The tensor-expression language as users write it: placeholder, compute,
reduce_axis, var, reductions, conditionals and math intrinsics (TVM TE names)."""

import inspect
import math
import weakref

from ..errors import ExprError
from ..ir import IterVar, Range, Var
from ..ir import dtype as dt
from ..ir import expr as E
from ..ir.expr import IterVarType
from ..ir import op as _op
from ..ir.functor import IRVisitor, free_vars
from ..ir.op import cast, match_operands, to_bool, to_expr
from ..ir.share import share_repeated
from .tensor import ComputeOp, PlaceholderOp, building_body, make_axis


def var(name="v", dtype="int32"):
    """A symbolic scalar, e.g. a size bound when the function is called. Its dtype
    defaults to ``int32``, as in TVM; used as an extent or index it is widened to
    the index type (int64), so size arithmetic does not wrap."""
    dtype = dt.canonical(dtype)
    if dt.lanes_of(dtype) != 1 or not (dt.is_integer(dtype) or dt.is_float(dtype)):
        raise ExprError(f"var '{name}': dtype must be a scalar int or float, got {dtype}")
    return Var(name, dtype)


size_var = var


def const(value, dtype=None):
    """A constant (int -> int32, float -> float32 unless ``dtype`` is given)."""
    return E.const(value, dtype)


def _shape(shape, owner):
    if isinstance(shape, (int, E.PrimExpr)):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise ExprError(f"{owner}: shape must be a tuple of ints or vars, got {shape!r}") from None
    out = []
    for d in dims:
        if isinstance(d, float):  # TVM accepts `(N / bn, K, bn)`: integral floats only
            if not d.is_integer():
                raise ExprError(f"{owner}: shape entry {d!r} is not an integer; use // "
                                f"for integer division (shape {list(dims)})")
            d = int(d)
        if isinstance(d, int) and not isinstance(d, bool) and d < 0:
            raise ExprError(f"{owner}: negative extent {d} in shape {list(dims)}")
        try:
            out.append(E.const_index(d))
        except ExprError:
            raise ExprError(f"{owner}: shape entries must be integers or integer vars, "
                            f"got {d!r}") from None
    return tuple(out)


def placeholder(shape, dtype="float32", name="placeholder"):
    """An input tensor of ``shape`` and ``dtype``."""
    shape = _shape(shape, f"placeholder '{name}'")
    return PlaceholderOp(name, shape, dt.canonical(dtype)).output(0)


def reduce_axis(dom, name="rv"):
    """A reduction axis over ``dom``: ``(begin, end)`` (end exclusive) or a Range."""
    if isinstance(dom, Range):
        rng = dom
    else:
        try:
            begin, end = dom
        except (TypeError, ValueError):
            raise ExprError(f"reduce_axis '{name}': dom must be (begin, end), got {dom!r}") from None
        begin, end = E.const_index(begin), E.const_index(end)
        extent = end - begin if not (isinstance(begin, E.IntImm) and begin.value == 0) else end
        if isinstance(extent, E.IntImm) and extent.value < 0:
            raise ExprError(f"reduce_axis '{name}': empty domain ({dom[0]}, {dom[1]})")
        rng = Range(begin, extent)
    axis = IterVar(rng, Var(name), IterVarType.COMM_REDUCE)
    _REDUCE_VARS.add(axis.var)
    return axis


# Variables of reduce axes, so a compute body that uses one outside a reduction
# is caught where it is written.
_REDUCE_VARS = weakref.WeakSet()


def thread_axis(dom=None, tag="", name=""):
    """A GPU thread index: ``thread_axis("threadIdx.x")`` or ``thread_axis((0, 64), "blockIdx.x")``."""
    if isinstance(dom, str):
        dom, tag = None, dom
    valid = ("blockIdx.x", "blockIdx.y", "blockIdx.z", "threadIdx.x", "threadIdx.y",
             "threadIdx.z", "vthread")
    if tag not in valid and not tag.startswith("vthread"):
        raise ExprError(f"thread_axis: unknown tag {tag!r}; valid tags: {', '.join(valid)}")
    if dom is not None and not isinstance(dom, Range):
        begin, end = dom
        dom = Range(E.const_index(begin), E.const_index(end) - E.const_index(begin))
    return IterVar(dom, Var(name or tag), IterVarType.THREAD_INDEX, tag)


# ------------------------------------------------------------------ compute


def compute(shape, fcompute, name="compute", tag="", attrs=None):
    """A tensor whose element at ``indices`` is ``fcompute(*indices)``.

    ``fcompute`` may return a tuple for several outputs of one stage."""
    shape = _shape(shape, f"compute '{name}'")
    if not callable(fcompute):
        raise ExprError(f"compute '{name}': the second argument must be a callable such as "
                        f"`lambda i, j: ...`, got {fcompute!r}")
    try:
        params = list(inspect.signature(fcompute).parameters.values())
    except (TypeError, ValueError):
        params = []
    if params and params[0].kind == params[0].VAR_POSITIONAL:
        names = [f"i{k}" for k in range(len(shape))]
    else:
        names = [p.name for p in params]
        if len(names) != len(shape):
            raise ExprError(f"compute '{name}': the lambda takes {len(names)} arguments "
                            f"{names} but the shape {list(shape)} has {len(shape)} dimensions")
    axis = make_axis(shape, names)
    with building_body():
        result = fcompute(*[iv.var for iv in axis])
    bodies = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    bodies = _share_repeated(tuple(to_expr(b) for b in bodies))
    _check_body(name, bodies)
    op = ComputeOp(name, axis, bodies, tag, attrs)
    return op.outputs[0] if op.num_outputs == 1 else list(op.outputs)


def _share_repeated(bodies):
    """Bodies whose repeated subexpressions are let-bound (see
    :mod:`tecomp.ir.share`), so no later pass expands the DAG into a tree."""
    if not isinstance(bodies[0], E.Reduce):
        return tuple(share_repeated(b) for b in bodies)
    first = bodies[0]
    source = tuple(share_repeated(x) for x in first.source)
    condition = None if first.condition is None else share_repeated(first.condition)
    if condition is first.condition and not [a for a, b in zip(source, first.source) if a is not b]:
        return bodies
    return tuple(E.Reduce(r.combiner, source, r.axis, condition, r.value_index, r.init)
                 if isinstance(r, E.Reduce) else r for r in bodies)


def _check_body(name, bodies):
    reduces = [b for b in bodies if isinstance(b, E.Reduce)]
    if reduces and len(reduces) != len(bodies):
        raise ExprError(f"compute '{name}': either every output or none must be a reduction")
    if len(reduces) > 1:
        first = reduces[0]
        for r in reduces[1:]:
            if r.combiner is not first.combiner or r.source is not first.source:
                raise ExprError(f"compute '{name}': several reduction outputs must come "
                                "from one multi-value reducer call")
    allowed = set(iv.var for r in reduces for iv in r.axis)

    class Check(IRVisitor):
        depth = 0

        def visit_Reduce(self, r):
            raise ExprError(f"compute '{name}': a reduction ({r.combiner.name}) must be the "
                            f"whole body of its compute, not part of `{bodies[0]}`; compute the "
                            "reduction in a stage of its own and use that tensor")

        def visit_Var(self, v):
            if v in reduce_vars and v not in allowed:
                raise ExprError(f"compute '{name}': reduce axis '{v.name}' is used outside a "
                                "reduction over it")

    reduce_vars = _reduce_vars_in(bodies) | {v for v in _vars_in(bodies) if v in _REDUCE_VARS}
    for b in bodies:
        if isinstance(b, E.Reduce):
            for s in b.source:
                Check().visit(s)
            if b.condition is not None:
                Check().visit(b.condition)
        else:
            Check().visit(b)


def _vars_in(bodies):
    found = set()
    for b in bodies:
        found |= free_vars(b)
    return found


def _reduce_vars_in(bodies):
    found = set()

    class Find(IRVisitor):
        def visit_Reduce(self, r):
            found.update(iv.var for iv in r.axis)
            self.generic_visit(r)

    for b in bodies:
        Find().visit(b)
    return found


# ------------------------------------------------------------------ reductions


def comm_reducer(fcombine, fidentity, name="reduce"):
    """Make a reducer from a combining function and an identity function.

    ``fcombine(x, y)`` and ``fidentity(dtype)`` may return tuples for a
    reduction over several values (argmax). The result is called as
    ``reducer(expr, axis, where=None)``; ``reducer(a, b)`` on two expressions
    combines them directly, as TVM allows."""

    def reducer(expr, axis=None, where=None, init=None):
        if axis is None:
            raise ExprError(f"{name}: needs axis= (a reduce_axis or a list of them)")
        if not isinstance(axis, (IterVar, list, tuple)):
            a, b, _ = match_operands(expr, axis, name)
            return fcombine(a, b)
        axes = (axis,) if isinstance(axis, IterVar) else tuple(axis)
        for iv in axes:
            if not isinstance(iv, IterVar) or iv.iter_type != IterVarType.COMM_REDUCE:
                raise ExprError(f"{name}: axis {iv!r} is not a reduce_axis; make one with "
                                "te.reduce_axis((0, n), name=...)")
        sources = tuple(to_expr(e) for e in (expr if isinstance(expr, (tuple, list)) else (expr,)))
        dtypes = [s.dtype for s in sources]
        lhs = tuple(Var(f"x{k}", d) for k, d in enumerate(dtypes))
        rhs = tuple(Var(f"y{k}", d) for k, d in enumerate(dtypes))
        combined = _combine(fcombine, lhs, rhs) if len(sources) > 1 else fcombine(lhs[0], rhs[0])
        combined = combined if isinstance(combined, (tuple, list)) else (combined,)
        identity = fidentity(*dtypes) if len(sources) > 1 else fidentity(dtypes[0])
        identity = identity if isinstance(identity, (tuple, list)) else (identity,)
        result = tuple(cast(c, d) for c, d in zip(combined, dtypes))
        identity = tuple(cast(i, d) for i, d in zip(identity, dtypes))
        combiner = E.CommReducer(lhs, rhs, result, identity, name)
        condition = None if where is None else to_bool(where)
        if init is not None:
            init = tuple(init) if isinstance(init, (tuple, list)) else (init,)
            if len(init) != len(sources):
                raise ExprError(f"{name}: init= needs {len(sources)} values, got {len(init)}")
            init = tuple(cast(to_expr(v), d) for v, d in zip(init, dtypes))
        if len(sources) == 1:
            return E.Reduce(combiner, sources, axes, condition, 0, init)
        return tuple(E.Reduce(combiner, sources, axes, condition, k, init)
                     for k in range(len(sources)))

    reducer.__name__ = name
    return reducer


def _combine(fcombine, lhs, rhs):
    """TVM calls a tuple reducer's ``fcombine(x, y)`` with two tuples; a combiner that
    takes one parameter per value (``fcombine(x0, x1, y0, y1)``) gets them unpacked."""
    try:
        params = inspect.signature(fcombine).parameters.values()
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        unpacked = len(positional) == 2 * len(lhs) or any(p.kind == p.VAR_POSITIONAL for p in params)
    except (TypeError, ValueError):
        unpacked = False
    return fcombine(*lhs, *rhs) if unpacked else fcombine(lhs, rhs)


def max_value(dtype):
    """The largest value of ``dtype`` (+inf for floats)."""
    dtype = dt.canonical(dtype)
    if dt.is_float(dtype):
        return E.const(math.inf, dtype)
    if dt.is_bool(dtype):
        return E.const(True, dtype)
    return E.const(dt.int_range(dtype)[1], dtype)


def min_value(dtype):
    """The smallest value of ``dtype`` (-inf for floats)."""
    dtype = dt.canonical(dtype)
    if dt.is_float(dtype):
        return E.const(-math.inf, dtype)
    if dt.is_bool(dtype):
        return E.const(False, dtype)
    return E.const(dt.int_range(dtype)[0], dtype)


def _min(a, b):
    a, b, _ = match_operands(a, b, "min")
    return E.Min(a, b)


def _max(a, b):
    a, b, _ = match_operands(a, b, "max")
    return E.Max(a, b)


sum = comm_reducer(lambda x, y: x + y, lambda t: E.const(0, t), name="sum")  # noqa: A001
max = comm_reducer(_max, min_value, name="max")  # noqa: A001
min = comm_reducer(_min, max_value, name="min")  # noqa: A001
prod = comm_reducer(lambda x, y: x * y, lambda t: E.const(1, t), name="prod")


# ------------------------------------------------------------------ conditionals


def if_then_else(cond, t, f):
    """``t`` if ``cond`` else ``f``; only the taken arm is evaluated, so it may
    guard an out-of-bounds read (padding)."""
    t, f, _ = match_operands(t, f, "if_then_else")
    return E.Call(t.dtype, "if_then_else", (to_bool(cond), t, f))


def select(cond, t, f):
    """``t`` if ``cond`` else ``f``, evaluating both arms."""
    t, f, _ = match_operands(t, f, "select")
    return E.Select(to_bool(cond), t, f)


def all(*conds):  # noqa: A001
    """The conjunction of conditions."""
    if len(conds) == 1 and isinstance(conds[0], (list, tuple)):
        conds = conds[0]
    result = to_bool(conds[0])
    for c in conds[1:]:
        result = E.And(result, to_bool(c))
    return result


def any(*conds):  # noqa: A001
    """The disjunction of conditions."""
    if len(conds) == 1 and isinstance(conds[0], (list, tuple)):
        conds = conds[0]
    result = to_bool(conds[0])
    for c in conds[1:]:
        result = E.Or(result, to_bool(c))
    return result


# ------------------------------------------------------------------ math


def _float_call(op):
    def intrinsic(x):
        x = to_expr(x)
        if not dt.is_float(x.dtype):
            raise ExprError(f"{op}: needs a float argument, got `{x}` of dtype {x.dtype}; "
                            "convert it with .astype('float32')")
        return E.Call(x.dtype, op, (x,))
    intrinsic.__name__ = op
    intrinsic.__doc__ = f"Elementwise ``{op}`` of a float expression."
    return intrinsic


exp, exp2, log, log2, log10 = (_float_call(n) for n in ("exp", "exp2", "log", "log2", "log10"))
sqrt, rsqrt, sin, cos, tanh = (_float_call(n) for n in ("sqrt", "rsqrt", "sin", "cos", "tanh"))
sigmoid, erf = _float_call("sigmoid"), _float_call("erf")
isnan_call = _float_call("isnan")


def isnan(x):
    x = to_expr(x)
    if not dt.is_float(x.dtype):
        return E.const(False)
    return E.Call(dt.with_lanes("bool", dt.lanes_of(x.dtype)), "isnan", (x,))


def _rounding(op):
    def intrinsic(x):
        x = to_expr(x)
        if not dt.is_float(x.dtype):
            return x
        return E.Call(x.dtype, op, (x,))
    intrinsic.__name__ = op
    intrinsic.__doc__ = f"Elementwise ``{op}``; integers pass through unchanged."
    return intrinsic


floor, ceil, round, trunc = (_rounding(n) for n in ("floor", "ceil", "round", "trunc"))  # noqa: A001


def abs(x):  # noqa: A001
    """Absolute value of an int or float expression."""
    x = to_expr(x)
    if dt.is_float(x.dtype):
        return E.Call(x.dtype, "fabs", (x,))
    if dt.is_uint(x.dtype) or dt.is_bool(x.dtype):
        return x
    return E.Select(E.LT(x, cast(0, x.dtype)), E.Sub(cast(0, x.dtype), x), x)


def pow(x, y):  # noqa: A001
    """``x ** y`` for float expressions."""
    x, y, _ = match_operands(x, y, "pow")
    if not dt.is_float(x.dtype):
        x, y = cast(x, "float32"), cast(y, "float32")
    return E.Call(x.dtype, "pow", (x, y))


power = pow


def truncdiv(a, b):
    """Integer division rounding toward zero (C semantics)."""
    return _op.truncdiv(a, b)


def truncmod(a, b):
    """Remainder of :func:`truncdiv` (sign of the dividend)."""
    return _op.truncmod(a, b)


def floordiv(a, b):
    """Integer division rounding toward negative infinity (Python's ``//``)."""
    return _op.floordiv(a, b)


def floormod(a, b):
    """Remainder of :func:`floordiv` (Python's ``%``)."""
    return _op.floormod(a, b)
