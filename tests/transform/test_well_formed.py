"""tecomp.ir.well_formed: the IR checks run after every pass under TECOMP_CHECK_IR=1."""

import sys

import pytest

import tecomp as te
from tecomp.errors import InternalError
from tecomp.ir import (AttrStmt, Buffer, For, ForKind, IntImm, IterVar, Load, PrimFunc, Range,
                       Store, Var, const_index)
from tecomp.ir import expr as E
from tecomp.ir import stmt as S
from tecomp.ir.well_formed import well_formed


def _func(body, params):
    return PrimFunc("f", tuple(params), body)


def _copy():
    A, B = Buffer("A", "float32", (const_index(8),)), Buffer("B", "float32", (const_index(8),))
    i = Var("i", "int64")
    body = For(i, const_index(0), const_index(8), ForKind.SERIAL, Store(B, Load("float32", A, i), i))
    return A, B, i, body


def test_a_lowered_function_is_well_formed():
    A, B, _, body = _copy()
    func = _func(body, [A, B])
    assert well_formed(func) is func
    n = te.var("n")
    X = te.placeholder((n,), name="X")
    Y = te.compute((n,), lambda i: X[i] * 2.0, name="Y")
    s = te.create_schedule(Y.op)
    s[Y].split(Y.op.axis[0], factor=4)
    well_formed(te.lower(s, [X, Y]))


def test_variable_used_outside_its_loop():
    A, B, i, body = _copy()
    func = _func(S.seq(body, Store(B, Load("float32", A, i), i)), [A, B])
    with pytest.raises(InternalError, match=r"f: ill-formed IR: variable 'i' is used outside"):
        well_formed(func)


def test_variable_bound_twice():
    A, B, i, body = _copy()
    func = _func(For(i, const_index(0), const_index(2), ForKind.SERIAL, body), [A, B])
    with pytest.raises(InternalError, match=r"variable 'i' is bound again by a loop"):
        well_formed(func)


def test_store_of_another_dtype():
    A, B, i, _ = _copy()
    body = For(i, const_index(0), const_index(8), ForKind.SERIAL,
               Store(B, E.Cast("int32", Load("float32", A, i)), i))
    with pytest.raises(InternalError, match=r"a int32 value is stored to 'B' \(float32\)"):
        well_formed(_func(body, [A, B]))


def test_loop_bound_of_another_dtype():
    A, B, _, _ = _copy()
    j = Var("j", "int64")
    body = For(j, const_index(0), IntImm("int32", 8), ForKind.SERIAL,
               Store(B, Load("float32", A, j), j))
    with pytest.raises(InternalError, match=r"loop 'j' \(int64\) has a int32 bound"):
        well_formed(_func(body, [A, B]))


def test_condition_must_be_bool():
    A, B, i, body = _copy()
    with pytest.raises(InternalError, match=r"condition of an if has dtype int64"):
        well_formed(_func(S.IfThenElse(const_index(1), body), [A, B]))


def test_unallocated_buffer_after_flattening():
    A, B, i, _ = _copy()
    T = Buffer("T", "float32", (const_index(8),))
    body = For(i, const_index(0), const_index(8), ForKind.SERIAL, Store(T, Load("float32", A, i), i))
    with pytest.raises(InternalError, match=r"store to buffer 'T', which is neither a parameter"):
        well_formed(_func(body, [A, B]))
    well_formed(_func(S.Allocate(T, const_index(8), body), [A, B]))


def test_tensor_read_after_flattening():
    X = te.placeholder((8,), name="X")
    A, B, i, _ = _copy()
    body = For(i, const_index(0), const_index(8), ForKind.SERIAL,
               Store(B, E.TensorRead(X, (i,)), i))
    with pytest.raises(InternalError, match=r"tensor 'X' is read after storage flattening"):
        well_formed(_func(body, [A, B]))
    well_formed(_func(body, [A, B]), flattened=False)


def test_thread_variable_only_inside_its_kernel():
    A, B, _, _ = _copy()
    tx = IterVar(Range(const_index(0), const_index(8)), Var("threadIdx.x", "int64"),
                 "thread_index", "threadIdx.x")
    kernel = AttrStmt(tx, "thread_extent", const_index(8),
                      Store(B, Load("float32", A, tx.var), tx.var))
    well_formed(_func(kernel, [A, B]))
    after = Store(B, Load("float32", A, tx.var), tx.var)
    with pytest.raises(InternalError, match=r"variable 'threadIdx.x' is used outside"):
        well_formed(_func(S.seq(kernel, after), [A, B]))


def test_lower_checks_after_every_pass(monkeypatch):
    """A pass that breaks the IR is caught at once, naming the function."""
    monkeypatch.setenv("TECOMP_CHECK_IR", "1")
    stray = Var("stray", "int64")

    def broken_unroll(func):
        return func.with_body(S.seq(func.body, S.Evaluate(stray)))
    monkeypatch.setattr(sys.modules["tecomp.lower"], "unroll_loops", broken_unroll)
    X = te.placeholder((8,), name="X")
    Y = te.compute((8,), lambda i: X[i] + 1.0, name="Y")
    with pytest.raises(InternalError, match=r"g: ill-formed IR: variable 'stray'"):
        te.lower(te.create_schedule(Y.op), [X, Y], name="g")
    monkeypatch.setenv("TECOMP_CHECK_IR", "0")
    te.lower(te.create_schedule(Y.op), [X, Y], name="g")
