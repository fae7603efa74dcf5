"""Property tests: simplification never changes an expression's value.

Random integer expressions (floor and truncating division with negative
operands, min/max, select, comparisons, logic, casts) are simplified under
random variable ranges, then evaluated by a reference evaluator with C
semantics at random points inside those ranges.
"""

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tecomp.arith import Analyzer, Interval
from tecomp.ir import expr as E
from tecomp.ir.buffer import Buffer

from ir_eval import Undefined, evaluate

VARS = {dtype: tuple(E.Var(n, dtype) for n in "xyz") for dtype in ("int64", "int32", "int8", "uint8")}
DIVS = (E.FloorDiv, E.FloorMod, E.Div, E.Mod)
BINOPS = (E.Add, E.Sub, E.Mul, E.Min, E.Max) + DIVS
CMPS = (E.EQ, E.NE, E.LT, E.LE, E.GT, E.GE)
SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


# Constants near the divisors' multiples, where off-by-one bugs live.
SMALL = st.one_of(st.sampled_from([-33, -32, -31, -9, -8, -7, -2, -1, 0, 1, 2, 7, 8, 9, 31, 32, 33]),
                  st.integers(-40, 40))


def _const(dtype, values):
    from tecomp.arith.const_fold import wrap
    return values.map(lambda v: E.IntImm(dtype, wrap(v, dtype)))


def bool_exprs(children):
    cmp = st.tuples(st.sampled_from(CMPS), children, children).map(lambda t: t[0](t[1], t[2]))
    logic = st.tuples(st.sampled_from((E.And, E.Or)), cmp, cmp).map(lambda t: t[0](t[1], t[2]))
    return st.one_of(cmp, logic, cmp.map(E.Not))


def int_exprs(dtype, max_leaves=10):
    leaves = st.one_of(st.sampled_from(VARS[dtype]), st.sampled_from(VARS[dtype]),
                       _const(dtype, SMALL))

    def extend(children):
        binop = st.tuples(st.sampled_from(BINOPS), children, children).map(lambda t: t[0](t[1], t[2]))
        by_const = st.tuples(st.sampled_from(DIVS + (E.Mul,)), children,
                             _const(dtype, st.sampled_from([-8, -7, -2, -1, 1, 2, 3, 4, 8, 16, 32])))
        by_const = by_const.map(lambda t: t[0](t[1], t[2]))
        select = st.tuples(bool_exprs(children), children, children).map(lambda t: E.Select(*t))
        options = [binop, by_const, select]
        if dtype == "int64":
            narrow = st.tuples(st.sampled_from(("int8", "int32", "uint8")), children).map(
                lambda t: E.Cast("int64", E.Cast(t[0], t[1])))
            options.append(narrow)
        return st.one_of(*options)

    return st.recursive(leaves, extend, max_leaves=max_leaves)


# Range ends near multiples of the divisors, where off-by-one bugs live.
LOWS = st.one_of(st.sampled_from([-33, -32, -31, -17, -16, -9, -8, -7, -4, -1, 0, 1, 3, 8, 16, 31, 32]),
                 st.integers(-40, 40))
EXTENTS = st.one_of(st.sampled_from([1, 2, 3, 4, 7, 8, 9, 16, 17, 32, 33]), st.integers(1, 40))


def ranges_for(dtype):
    one = st.one_of(st.none(), st.tuples(LOWS, EXTENTS))
    return st.tuples(one, one, one)


def _check(expr, dtype, ranges, data, unbounded):
    an = Analyzer()
    variables = VARS[dtype]
    for var, rng in zip(variables, ranges):
        if rng is not None:
            an.bind(var, E.Range(E.IntImm(dtype, rng[0]), E.IntImm(dtype, rng[1])))
    simple = an.simplify(expr)
    assert simple.dtype == expr.dtype
    assert an.simplify(simple) is simple, f"not idempotent: {expr} -> {simple} -> {an.simplify(simple)}"
    choices = []
    for rng in ranges:
        if rng is None:
            choices.append([data.draw(unbounded) for _ in range(2)])
        else:  # both ends of the range and one value inside
            lo, hi = rng[0], rng[0] + rng[1] - 1
            choices.append(sorted({lo, hi, data.draw(st.integers(lo, hi))}))
    for point in itertools.product(*choices):
        env = dict(zip(variables, point))
        try:
            expected = evaluate(expr, env)
        except Undefined:
            continue
        got = evaluate(simple, env)
        assert got == expected, f"{expr} -> {simple} at {env}: {expected} != {got}"
    return simple


@SETTINGS
@given(int_exprs("int64"), ranges_for("int64"), st.data())
def test_int64_expressions_keep_their_value(expr, ranges, data):
    _check(expr, "int64", ranges, data, st.integers(-60, 60))


@SETTINGS
@given(bool_exprs(int_exprs("int64", 6)), ranges_for("int64"), st.data())
def test_int64_conditions_keep_their_value(expr, ranges, data):
    _check(expr, "int64", ranges, data, st.integers(-60, 60))


@SETTINGS
@given(int_exprs("int32"), ranges_for("int32"), st.data())
def test_int32_expressions_keep_their_value(expr, ranges, data):
    _check(expr, "int32", ranges, data, st.integers(-2 ** 20, 2 ** 20))


WRAPPING_EXPRS = {dtype: st.one_of(int_exprs(dtype, 8), bool_exprs(int_exprs(dtype, 5)))
                  for dtype in ("int8", "uint8")}


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(("int8", "uint8")), st.data())
def test_wrapping_types_keep_their_value(dtype, data):
    expr = data.draw(WRAPPING_EXPRS[dtype])
    ranges = data.draw(ranges_for(dtype)) if dtype == "int8" else (None, None, None)
    if dtype == "int8":
        ranges = tuple(None if r is None else (r[0], min(r[1], 127 - r[0])) for r in ranges)
    lo, hi = (-128, 127) if dtype == "int8" else (0, 255)
    _check(expr, dtype, ranges, data, st.integers(lo, hi))


@SETTINGS
@given(int_exprs("int64", 8), ranges_for("int64"))
def test_const_int_bound_is_sound(expr, ranges):
    an = Analyzer()
    for var, rng in zip(VARS["int64"], ranges):
        if rng is not None:
            an.bind(var, E.Range(E.IntImm("int64", rng[0]), E.IntImm("int64", rng[1])))
    lo, hi = an.const_int_bound(expr)
    grids = [range(r[0], r[0] + r[1]) if r else (-25, -1, 0, 3, 30) for r in ranges]
    for point in itertools.islice(itertools.product(*grids), 150):
        env = dict(zip(VARS["int64"], point))
        try:
            value = evaluate(expr, env)
        except Undefined:
            continue
        assert lo is None or lo <= value, (expr, env, value, lo)
        assert hi is None or value <= hi, (expr, env, value, hi)


@SETTINGS
@given(int_exprs("int64", 8), st.tuples(st.integers(-10, 10), st.integers(1, 12)),
       st.tuples(st.integers(-10, 10), st.integers(1, 12)))
def test_eval_interval_is_sound(expr, rx, ry):
    from tecomp.arith import eval_interval
    x, y, z = VARS["int64"]
    iv = eval_interval(expr, {x: Interval(rx[0], rx[0] + rx[1] - 1),
                              y: Interval(ry[0], ry[0] + ry[1] - 1)})
    for zv in (-7, 0, 5):
        for xv in range(rx[0], rx[0] + rx[1]):
            for yv in range(ry[0], ry[0] + ry[1]):
                env = {x: xv, y: yv, z: zv}
                try:
                    value = evaluate(expr, env)
                    lo = None if iv.lo is None else evaluate(iv.lo, {z: zv})
                    hi = None if iv.hi is None else evaluate(iv.hi, {z: zv})
                except Undefined:
                    continue
                assert lo is None or lo <= value, (expr, iv, env, value)
                assert hi is None or value <= hi, (expr, iv, env, value)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(bool_exprs(int_exprs("int64", 4)), int_exprs("int64", 8), ranges_for("int64"), st.data())
def test_assumed_conditions_are_used_soundly(cond, expr, ranges, data):
    an = Analyzer()
    variables = VARS["int64"]
    for var, rng in zip(variables, ranges):
        if rng is not None:
            an.bind(var, E.Range(E.IntImm("int64", rng[0]), E.IntImm("int64", rng[1])))
    with an.assume(cond):
        simple = an.simplify(expr)
    grids = [range(r[0], r[0] + r[1]) if r else (-25, -1, 0, 3, 30) for r in ranges]
    for point in itertools.islice(itertools.product(*grids), 300):
        env = dict(zip(variables, point))
        try:
            if not evaluate(cond, env):
                continue
            expected = evaluate(expr, env)
        except Undefined:
            continue
        assert evaluate(simple, env) == expected, (cond, expr, simple, env)


# Data: int32/int64 values read from memory wrap around like narrow types (a
# reducer's identity is INT32_MIN); widened narrow values are compared in the
# index types; a loop variable with a symbolic extent brings the symbolic
# fallback of the bounds into play.
DATA_DTYPES = ("int32", "int64", "int8", "uint8", "int16", "uint16", "uint32")
_N = E.Var("n", "int64")
_BUF = Buffer("B", "int32", (E.IntImm("int64", 8),))
_I = E.Var("i", "int64")


def data_exprs(dtype, max_leaves=6):
    from tecomp.arith.const_fold import int_limits, wrap
    low, high = int_limits(dtype)
    consts = st.one_of(SMALL, st.sampled_from([low, high, low + 1, high - 1]))
    leaves = st.one_of(st.sampled_from([E.Load(dtype, _BUF, E.IntImm("int64", k)) for k in range(3)]),
                       consts.map(lambda v: E.IntImm(dtype, wrap(v, dtype))))

    def extend(children):
        binop = st.tuples(st.sampled_from((E.Add, E.Sub, E.Mul, E.Min, E.Max)), children,
                          children).map(lambda t: t[0](t[1], t[2]))
        by_const = st.tuples(st.sampled_from((E.FloorDiv, E.FloorMod)), children,
                             st.sampled_from([2, 3, 8])).map(
            lambda t: t[0](t[1], E.IntImm(dtype, t[2])))
        return st.one_of(binop, by_const)

    return st.recursive(leaves, extend, max_leaves=max_leaves)


@st.composite
def widened_conditions(draw):
    src = draw(st.sampled_from(DATA_DTYPES))
    wide = draw(st.sampled_from(("int32", "int64")))
    a = E.Cast(wide, draw(data_exprs(src)))
    b = draw(st.one_of(SMALL.map(lambda v: E.IntImm(wide, v)),
                       data_exprs(src).map(lambda x: E.Cast(wide, x))))
    return src, draw(st.sampled_from(CMPS))(a, b)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(widened_conditions(), st.data())
def test_wrapping_data_keeps_its_value(case, data):
    from tecomp.arith.const_fold import int_limits
    src, cond = case
    an = Analyzer()
    an.bind(_I, E.Range(E.IntImm("int64", 0), _N))   # symbolic sizes, as in a loop
    simple = an.simplify(cond)
    low, high = int_limits(src)
    values = st.one_of(st.sampled_from([low, high, 0, 1, 2, 3, low + 1, high - 1]),
                       st.integers(low, high))
    for _ in range(12):
        env = {("load", k): data.draw(values) for k in range(3)}
        try:
            expected = evaluate(cond, env, wrap=True)
        except Undefined:
            continue
        assert evaluate(simple, env, wrap=True) == expected, (cond, simple, env)
