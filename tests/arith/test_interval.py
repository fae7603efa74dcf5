"""Tests of symbolic interval analysis."""

from tecomp.arith import Analyzer, Interval, eval_interval, interval_from_range, simplify
from tecomp.ir import expr as E
from tecomp.ir import Range, Var
from tecomp.ir.functor import structural_equal

io, ii, di, n, x, y = (Var(name) for name in ("io", "ii", "di", "n", "x", "y"))


def c(v):
    return E.const(v, "int64")


def same(a, b):
    assert structural_equal(a, b), f"{a} is not {b}"


def extent(iv):
    return simplify(iv.hi - iv.lo + 1)


def test_bound_inference_example_has_constant_extent():
    iv = eval_interval(io * 32 + ii + di - 1, {ii: Interval(0, 31), di: Interval(0, 2)})
    same(iv.lo, io * 32 - 1)
    same(iv.hi, io * 32 + 32)
    assert extent(iv).value == 34


def test_points_and_unknown_variables():
    iv = eval_interval(x + y, {})
    assert iv.is_point() and structural_equal(iv.lo, x + y)
    e = io * 32 + 5
    iv = eval_interval(e, {ii: Interval(0, 31)})
    assert iv.is_point() and iv.lo is e          # untouched expressions stay themselves


def test_helpers():
    p = Interval.point(x)
    assert p.is_point() and p.lo is x
    u = Interval(0, 3).union(Interval(2, 9))
    assert u.lo.value == 0 and u.hi.value == 9
    u = Interval(0, 3).union(Interval(None, 9))
    assert u.lo is None and u.hi.value == 9
    iv = interval_from_range(Range.from_min_extent(4, 10))
    assert iv.lo.value == 4 and iv.hi.value == 13
    iv = interval_from_range(Range(x, n))
    same(iv.hi, x + n - 1)
    s = Interval(0, 10).intersect(Interval(5, None))
    assert s.lo.value == 5 and s.hi.value == 10


def test_products():
    r = {x: Interval(-2, 3)}
    iv = eval_interval(x * -4, r)
    assert (iv.lo.value, iv.hi.value) == (-12, 8)
    iv = eval_interval(x * n, r)                  # n of unknown sign: min/max, still exact
    same(iv.lo, E.Min(c(0) - n * 2, n * 3))
    an = Analyzer()
    an.bind(n, Interval(c(0), None))
    iv = eval_interval(x * n, r, an)              # n >= 0 known
    same(iv.lo, c(0) - n * 2)
    same(iv.hi, n * 3)
    iv = eval_interval(x * y, {x: Interval(-2, 3), y: Interval(1, 4)})
    assert (iv.lo.value, iv.hi.value) == (-8, 12)
    iv = eval_interval(x * y, {x: Interval(0, None), y: Interval(1, 4)})
    assert iv.lo is None and iv.hi is None


def test_divisions_and_remainders():
    r = {ii: Interval(0, 31)}
    iv = eval_interval((io * 32 + ii) // 8, r)
    same(iv.lo, io * 4)
    same(iv.hi, io * 4 + 3)
    iv = eval_interval((io * 32 + ii) % 32, r)     # one bucket: exact
    assert (iv.lo.value, iv.hi.value) == (0, 31)
    iv = eval_interval((ii + 4) % 32, r)            # wraps around: [0, 31]
    assert (iv.lo.value, iv.hi.value) == (0, 31)
    iv = eval_interval(x // -2, {x: Interval(-3, 5)})
    assert (iv.lo.value, iv.hi.value) == (-3, 1)
    iv = eval_interval(E.Mod(x, c(4)), {x: Interval(-9, 9)})
    assert (iv.lo.value, iv.hi.value) == (-3, 3)
    iv = eval_interval(x // y, {x: Interval(0, 9)})  # divisor of unknown sign
    assert iv.lo is None and iv.hi is None


def test_min_max_select_cast_let():
    r = {x: Interval(0, 9)}
    iv = eval_interval(E.Min(x, c(4)), r)
    assert (iv.lo.value, iv.hi.value) == (0, 4)
    iv = eval_interval(E.Max(x, y), r)
    same(iv.lo, E.Max(y, c(0)))
    iv = eval_interval(E.Select(E.LT(x, c(3)), x + 10, x - 10), r)
    assert (iv.lo.value, iv.hi.value) == (-10, 19)
    iv = eval_interval(E.Cast("int32", x), r)
    assert (iv.lo.value, iv.hi.value) == (0, 9) and iv.lo.dtype == "int32"
    iv = eval_interval(E.Cast("int8", x * 100), r)  # may wrap: the whole int8 range
    assert (iv.lo.value, iv.hi.value) == (-128, 127)
    t = Var("t")
    iv = eval_interval(E.Let(t, x * 2, t + 1), r)
    assert (iv.lo.value, iv.hi.value) == (1, 19)


def test_unbounded_sides_propagate():
    iv = eval_interval(x + 1, {x: Interval(0, None)})
    assert iv.lo.value == 1 and iv.hi is None
    iv = eval_interval(c(0) - x, {x: Interval(0, None)})
    assert iv.lo is None and iv.hi.value == 0


def test_opaque_nodes():
    buf = object()
    load = E.Load("int64", buf, x)
    iv = eval_interval(load, {x: Interval(0, 9)})
    assert iv.lo is None and iv.hi is None
    iv = eval_interval(load + ii, {ii: Interval(0, 3)})
    same(iv.lo, load)
    iv = eval_interval(E.Load("uint8", buf, x), {x: Interval(0, 9)})
    assert (iv.lo.value, iv.hi.value) == (0, 255)
