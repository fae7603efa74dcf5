"""Tests of the simplify pass on small loop nests."""

import time

from tecomp.ir import Buffer, For, ForKind, IfThenElse, PrimFunc, SeqStmt, Store, Var
from tecomp.ir import expr as E
from tecomp.ir import stmt as S
from tecomp.ir.functor import collect, structural_equal
from tecomp.transform.simplify import simplify


def idx(v):
    return E.IntImm("int64", v)


def loop(var, extent, body, kind=ForKind.SERIAL, lo=0):
    return For(var, idx(lo) if isinstance(lo, int) else lo,
               idx(extent) if isinstance(extent, int) else extent, kind, body)


A = Buffer("A", "float32", (idx(1024),))
B = Buffer("B", "float32", (idx(1024),))


def load(buf, index):
    return E.Load(buf.dtype, buf, index)


def test_provable_guard_is_removed_and_index_canonicalized():
    i, j = Var("i"), Var("j")
    index = E.Add(E.Mul(i, idx(32)), j)
    body = IfThenElse(E.LT(index, idx(1024)),
                      Store(B, load(A, index), E.Sub(E.Add(index, idx(5)), idx(5))))
    stmt = loop(i, 32, loop(j, 32, body))
    out = simplify(stmt)
    assert not collect(out, lambda n: isinstance(n, IfThenElse))
    store = collect(out, lambda n: isinstance(n, Store))[0]
    assert structural_equal(store.index, index)


def test_unprovable_guard_stays():
    i, j, n = Var("i"), Var("j"), Var("n")
    index = E.Add(E.Mul(i, idx(32)), j)
    stmt = loop(i, 32, loop(j, 32, IfThenElse(E.LT(index, n), Store(B, load(A, index), index))))
    out = simplify(stmt)
    assert out is stmt


def test_false_guard_takes_else_and_empty_loops_vanish():
    i = Var("i")
    st = Store(B, load(A, i), i)
    out = simplify(loop(i, 16, IfThenElse(E.GE(i, idx(16)), st, Store(A, load(B, i), i))))
    assert isinstance(out, For) and isinstance(out.body, Store) and out.body.buffer is A
    assert simplify(loop(i, 16, IfThenElse(E.GE(i, idx(16)), st))) == S.no_op() or \
        simplify(loop(i, 16, IfThenElse(E.GE(i, idx(16)), st))).seq == ()


def test_zero_and_negative_extent_loops_are_dropped():
    i = Var("i")
    st = Store(B, load(A, i), i)
    for extent in (0, -3):
        out = simplify(loop(i, extent, st))
        assert isinstance(out, SeqStmt) and out.seq == ()
    out = simplify(SeqStmt((loop(i, 0, st), st)))
    assert out is not None and isinstance(out, Store)


def test_extent_one_loops_are_substituted_except_parallel_and_threads():
    i = Var("i")
    st = Store(B, load(A, E.Add(i, idx(3))), i)
    for kind in (ForKind.SERIAL, ForKind.UNROLLED, ForKind.VECTORIZED):
        out = simplify(loop(i, 1, st, kind=kind, lo=2))
        assert isinstance(out, Store)
        assert out.index.value == 2 and out.value.index.value == 5
    for kind in (ForKind.PARALLEL, ForKind.THREAD_BINDING):
        out = simplify(loop(i, 1, st, kind=kind))
        assert isinstance(out, For)


def test_split_index_arithmetic_simplifies():
    io, ii = Var("io"), Var("ii")
    fused = E.Add(E.Mul(io, idx(8)), ii)
    st = Store(B, load(A, E.FloorMod(fused, idx(8))), E.FloorDiv(fused, idx(8)))
    out = simplify(loop(io, 4, loop(ii, 8, st)))
    store = out.body.body
    assert store.index is io
    assert store.value.index is ii


def test_floordiv_becomes_truncdiv_for_non_negative_dividend():
    i = Var("i")
    st = Store(B, load(A, i), E.FloorDiv(E.Add(i, idx(3)), idx(4)))
    out = simplify(loop(i, 100, st))
    assert isinstance(out.body.index, E.Div)


def test_symbolic_extent_guard_is_removed():
    n, i = Var("n"), Var("i")
    C = Buffer("C", "float32", (n,))
    body = IfThenElse(E.LT(i, n), Store(C, load(C, i), i))
    func = PrimFunc("f", (C, n), loop(i, n, body))
    out = simplify(func)
    assert out is not func
    assert isinstance(out.body.body, Store)


def test_let_ranges_are_used_and_unused_lets_dropped():
    i, t, u = Var("i"), Var("t"), Var("u")
    body = S.LetStmt(t, E.Add(i, idx(1)),
                     S.LetStmt(u, idx(7), IfThenElse(E.LE(t, idx(16)), Store(B, load(A, t), t))))
    out = simplify(loop(i, 16, body))
    assert isinstance(out.body, S.LetStmt) and out.body.var is t
    assert isinstance(out.body.body, Store)


def test_unchanged_input_is_returned_and_pass_is_idempotent():
    i, j, n = Var("i"), Var("j"), Var("n")
    C = Buffer("C", "float32", (n, idx(32)))
    index = E.Add(E.Mul(i, idx(32)), j)
    body = IfThenElse(E.LT(E.Add(E.Mul(i, idx(32)), j), E.Mul(n, idx(32))),
                      Store(C, E.Add(load(C, index), E.FloatImm("float32", 1.0)), index))
    func = PrimFunc("f", (C, n), loop(i, E.FloorDiv(E.Add(n, idx(1)), idx(2)), loop(j, 32, body)))
    once = simplify(func)
    twice = simplify(once)
    assert twice is once
    assert structural_equal(once.body, twice.body)


def _tiled_matmul(n=1024, tile=32):
    """for io, jo, ko, ii, ki, ji: C[(io*32+ii)*n + jo*32+ji] += A[...] * B[...]"""
    io, jo, ko, ii, ki, ji = (Var(x) for x in ("io", "jo", "ko", "ii", "ki", "ji"))
    N = idx(n)
    Abuf = Buffer("A", "float32", (N, N))
    Bbuf = Buffer("B", "float32", (N, N))
    Cbuf = Buffer("C", "float32", (N, N))
    row = E.Add(E.Mul(io, idx(tile)), ii)
    col = E.Add(E.Mul(jo, idx(tile)), ji)
    k = E.Add(E.Mul(ko, idx(4)), ki)
    c_index = E.Add(E.Mul(row, N), col)
    update = Store(Cbuf, E.Add(load(Cbuf, c_index),
                               E.Mul(load(Abuf, E.Add(E.Mul(row, N), k)),
                                     load(Bbuf, E.Add(E.Mul(k, N), col)))), c_index)
    guard = IfThenElse(E.And(E.LT(row, N), E.LT(col, N)), update)
    init = Store(Cbuf, E.FloatImm("float32", 0.0), c_index)
    body = loop(ko, n // 4, loop(ii, tile, loop(ki, 4, loop(ji, tile, guard, ForKind.VECTORIZED))))
    init_nest = loop(ii, tile, loop(ji, tile, init))
    nest = loop(io, n // tile, loop(jo, n // tile, S.seq(init_nest, body), ForKind.SERIAL),
                ForKind.PARALLEL)
    return PrimFunc("matmul", (Abuf, Bbuf, Cbuf), nest)


def test_tiled_matmul_guards_vanish():
    # (how long simplify takes is printed by benchmarks/compile_time.py, not asserted)
    out = simplify(_tiled_matmul())
    assert not collect(out.body, lambda n: isinstance(n, IfThenElse))


def test_nested_guard_implied_by_outer_guard_is_removed():
    i, j, n = Var("i"), Var("j"), Var("n")
    index = E.Add(E.Mul(i, idx(32)), j)
    inner = IfThenElse(E.LT(index, E.Add(n, idx(3))), Store(B, load(A, index), index))
    outer = IfThenElse(E.LT(index, n), inner, IfThenElse(E.GE(index, n), Store(A, load(B, j), j)))
    out = simplify(loop(i, 32, loop(j, 32, outer)))
    guard = out.body.body
    assert isinstance(guard, IfThenElse)
    assert isinstance(guard.then_case, Store) and isinstance(guard.else_case, Store)


def test_lowered_symbolic_matmul_is_a_fixed_point():
    import tecomp as te
    n = te.var("n")
    A = te.placeholder((n, 256), name="A")
    B = te.placeholder((256, 128), name="B")
    k = te.reduce_axis((0, 256), name="k")
    C = te.compute((n, 128), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    s = te.create_schedule(C.op)
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], 32, 32)
    ko, ki = s[C].split(k, factor=4)
    s[C].reorder(io, jo, ko, ii, ki, ji)
    s[C].vectorize(ji)
    func = te.lower(s, [A, B, C])
    # a second simplify finds nothing to change: the very same object comes back
    assert simplify(func) is func
