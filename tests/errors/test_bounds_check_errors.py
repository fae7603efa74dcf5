"""``build(..., debug=True)``: an out-of-bounds access raises a message naming the
buffer, the index and the enclosing loops, instead of touching memory; legal
padding reads (guarded by if_then_else or a predicate) do not trip it."""

import numpy as np
import pytest

import tecomp as te
from tecomp.ir import (Broadcast, Buffer, Call, For, ForKind, GE, IntImm, LT, Load, PrimFunc,
                       Ramp, Store, Var, const_index)
from tecomp.runtime import KernelAssertionError
from tecomp.transform.bounds_check import bounds_check


def _func(body_of, n=16, name="f"):
    A = Buffer("A", "float32", (const_index(n),))
    B = Buffer("B", "float32", (const_index(n),))
    i = Var("i")
    return PrimFunc(name, (A, B), For(i, const_index(0), const_index(n), ForKind.SERIAL,
                                      body_of(A, B, i))), n


def _run(func, n):
    f = te.build(func, debug=True)
    a = np.arange(n, dtype="float32")
    b = np.zeros(n, "float32")
    f(a, b)
    return a, b


def test_load_past_the_end():
    func, n = _func(lambda A, B, i: Store(B, Load("float32", A, i + 1), i))
    with pytest.raises(KernelAssertionError,
                       match=r"out-of-bounds load from buffer 'A': index `\(i \+ 1\)` is "
                             r"outside \[0, 16\).*enclosing loops: i in \[0, 16\)"):
        _run(func, n)


def test_store_before_the_start():
    func, n = _func(lambda A, B, i: Store(B, Load("float32", A, i), i - 1))
    with pytest.raises(KernelAssertionError, match=r"out-of-bounds store to buffer 'B'"):
        _run(func, n)


def test_in_bounds_program_runs_unchanged():
    func, n = _func(lambda A, B, i: Store(B, Load("float32", A, i) * 2.0, i))
    a, b = _run(func, n)
    np.testing.assert_array_equal(b, a * 2)


def test_guarded_padding_read_is_legal():
    def body(A, B, i):
        pad = Call("float32", "if_then_else",
                   (GE(i - 1, const_index(0)), Load("float32", A, i - 1), te.const(0.0)))
        return Store(B, pad, i)
    func, n = _func(body)
    a, b = _run(func, n)
    np.testing.assert_array_equal(b, np.concatenate([[0], a[:-1]]))


def test_guarded_read_checked_where_taken():
    def body(A, B, i):   # the guard lets i = 15 through: A[16] is read
        pad = Call("float32", "if_then_else",
                   (LT(i, const_index(16)), Load("float32", A, i + 1), te.const(0.0)))
        return Store(B, pad, i)
    func, n = _func(body)
    with pytest.raises(KernelAssertionError, match="load from buffer 'A'"):
        _run(func, n)


def test_vector_access_past_the_end():
    A = Buffer("A", "float32", (const_index(16),))
    B = Buffer("B", "float32", (const_index(16),))
    i = Var("i")
    body_stmt = Store(B, Load("float32x4", A, Ramp(i * 4 + 1, const_index(1), 4)),
                      Ramp(i * 4, const_index(1), 4))
    g = te.build(PrimFunc("g", (A, B), For(i, const_index(0), const_index(4), ForKind.SERIAL,
                                            body_stmt)), debug=True)
    with pytest.raises(KernelAssertionError, match=r"load from buffer 'A'.*\(lane 3\)"):
        g(np.zeros(16, "float32"), np.zeros(16, "float32"))


def test_masked_vector_lanes_are_not_checked():
    A = Buffer("A", "float32", (const_index(6),))
    B = Buffer("B", "float32", (const_index(8),))
    i = Var("i")
    ramp = Ramp(const_index(0), const_index(1), 8)
    mask = LT(ramp, Broadcast(const_index(6), 8))
    body = Store(B, Load("float32x8", A, ramp, mask), ramp)
    f = te.build(PrimFunc("h", (A, B), For(i, const_index(0), const_index(1), ForKind.SERIAL,
                                            body)), debug=True)
    a, b = np.arange(6, dtype="float32"), np.full(8, 7, "float32")
    f(a, b)
    np.testing.assert_array_equal(b, [0, 1, 2, 3, 4, 5, 0, 0])


def test_index_read_from_memory_is_checked():
    idx = Buffer("I", "int64", (const_index(4),))
    A = Buffer("A", "float32", (const_index(4),))
    B = Buffer("B", "float32", (const_index(4),))
    i = Var("i")
    body = Store(B, Load("float32", A, Load("int64", idx, i)), i)
    f = te.build(PrimFunc("gather", (idx, A, B),
                          For(i, const_index(0), const_index(4), ForKind.SERIAL, body)),
                 debug=True)
    a, b = np.arange(4, dtype="float32"), np.zeros(4, "float32")
    f(np.array([3, 2, 1, 0]), a, b)
    np.testing.assert_array_equal(b, a[::-1])
    with pytest.raises(KernelAssertionError, match=r"load from buffer 'A': index `I\[i\]`"):
        f(np.array([0, 1, 2, 4]), a, b)


def test_parallel_loop_reports_violation():
    A = Buffer("A", "float32", (const_index(64),))
    B = Buffer("B", "float32", (const_index(64),))
    i = Var("i")
    body = Store(B, Load("float32", A, i * 2), i)
    f = te.build(PrimFunc("par", (A, B), For(i, const_index(0), const_index(64),
                                              ForKind.PARALLEL, body)), debug=True)
    with pytest.raises(KernelAssertionError, match="load from buffer 'A'"):
        f(np.zeros(64, "float32"), np.zeros(64, "float32"))


def test_symbolic_size_in_message():
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] + 1, name="B")
    func = te.lower(te.create_schedule(B.op), [A, B])
    text = str(bounds_check(func))
    assert "out-of-bounds load from buffer 'A'" in text and "[0, n)" in text


def test_debug_build_of_a_schedule_runs():
    n = te.var("n")
    A = te.placeholder((n, 10), name="A")
    B = te.compute((n, 10), lambda i, j: te.if_then_else(j > 0, A[i, j - 1], 0.0), name="B")
    s = te.create_schedule(B.op)
    s[B].split(B.op.axis[1], factor=4)
    f = te.build(s, [A, B], debug=True)
    a = np.random.default_rng(0).random((5, 10), dtype="float32")
    b = np.empty_like(a)
    f(a, b)
    np.testing.assert_array_equal(b[:, 1:], a[:, :-1])
    assert "assert" in str(bounds_check(te.lower(s, [A, B])))


def test_bounds_check_leaves_func_unchanged_without_accesses():
    i = Var("i")
    A = Buffer("A", "float32", (IntImm("int64", 4),))
    func = PrimFunc("empty", (A,), For(i, const_index(0), const_index(4), ForKind.SERIAL,
                                       Store(A, te.const(1.0), i)))
    checked = bounds_check(func)
    assert checked is not func and func.body is not checked.body
