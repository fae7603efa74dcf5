"""Vector loads/stores, gathers/scatters, predicates, allocations, asserts."""

import numpy as np
import pytest

from codegen.llvm import build
from codegen.llvm.testing import idx, loop
from tecomp.ir import (LT, Add, Allocate, AssertStmt, Broadcast, Buffer, Cast, Evaluate,
                       FloatImm, IfThenElse, IntImm, Load, Mul, PrimFunc, Ramp, SeqStmt,
                       Store, Var, AttrStmt)
from tecomp.runtime import KernelAssertionError


def vec(base, lanes, stride=1):
    return Ramp(base, idx(stride), lanes)


def test_vector_ramp_store_uses_wide_registers():
    n, lanes = 64, 16
    A, B = Buffer("A", "float32", (idx(n),)), Buffer("B", "float32", (idx(n),))
    o = Var("o")
    r = vec(Mul(o, idx(lanes)), lanes)
    body = Store(B, Mul(Load("float32x16", A, r), Broadcast(FloatImm("float32", 2.0), lanes)), r)
    f = build(PrimFunc("scale", (A, B), loop(o, n // lanes, body, kind="vectorized")))
    a = np.arange(n, dtype="float32")
    b = np.zeros(n, "float32")
    f(a, b)
    np.testing.assert_array_equal(b, 2 * a)
    asm = f.get_source("asm")
    assert "zmm" in asm or "ymm" in asm
    assert "scale" in f.get_source("ll")


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint16", "int64", "float16", "float64"])
def test_gather_scatter_transpose(dtype):
    """B[j*4 + i] = A[i*4 + j] with j a vector of 4 lanes: a gather and a scatter."""
    A, B = Buffer("A", dtype, (idx(16),)), Buffer("B", dtype, (idx(16),))
    i = Var("i")
    src = vec(Mul(i, idx(4)), 4)                  # contiguous read of row i
    dst = Ramp(i, idx(4), 4)                      # strided write of column i
    f = build(PrimFunc("t1", (A, B), loop(i, 4, Store(B, Load(f"{dtype}x4", A, src), dst))))
    a = (np.arange(16) % 3 if dtype == "bool" else np.arange(16)).astype(dtype)
    b = np.zeros(16, dtype)
    f(a, b)
    np.testing.assert_array_equal(b.reshape(4, 4), a.reshape(4, 4).T)
    g = build(PrimFunc("t2", (A, B), loop(i, 4, Store(B, Load(f"{dtype}x4", A, dst), src))))
    g(a, b)
    np.testing.assert_array_equal(b.reshape(4, 4), a.reshape(4, 4).T)


def test_predicated_load_and_store():
    """Tail of a vector loop: lanes past n are neither read nor written."""
    n, lanes = Var("n"), 8
    A, B = Buffer("A", "int32", (n,)), Buffer("B", "int32", (n,))
    o = Var("o")
    r = vec(Mul(o, idx(lanes)), lanes)
    mask = LT(r, Broadcast(n, lanes))
    value = Add(Load("int32x8", A, r, mask), Broadcast(IntImm("int32", 1), lanes))
    extent = Add(n, idx(lanes - 1))
    from tecomp.ir import FloorDiv
    f = build(PrimFunc("tail", (A, B, n),
                       loop(o, FloorDiv(extent, idx(lanes)), Store(B, value, r, mask))))
    for size in (0, 1, 8, 13):
        a = np.arange(size, dtype="int32")
        b = np.zeros(size, "int32")
        f(a, b)
        np.testing.assert_array_equal(b, a + 1)


def test_scalar_predicate_and_if_then_else_stmt():
    A = Buffer("A", "float32", (idx(6),))
    i = Var("i")
    even = LT(Mul(Cast("int64", Cast("int8", i)), idx(1)), idx(3))
    body = SeqStmt((Store(A, FloatImm("float32", 1.0), i, even),
                    IfThenElse(LT(i, idx(3)), Evaluate(IntImm("int32", 0)),
                               Store(A, FloatImm("float32", 2.0), i))))
    f = build(PrimFunc("pred", (A,), AttrStmt(None, "pragma_x", idx(0), loop(i, 6, body))))
    a = np.zeros(6, "float32")
    f(a)
    np.testing.assert_array_equal(a, [1, 1, 1, 2, 2, 2])


def _scratch_func(extent, scope, n_param=None):
    """out[i] = sum of tmp[0..k) with tmp[j] = in[i] * j, tmp an Allocate of ``extent``."""
    k = extent
    n = Var("n")
    A, B = Buffer("A", "float64", (n,)), Buffer("B", "float64", (n,))
    T = Buffer("tmp", "float64", (k,), scope)
    i, j = Var("i"), Var("j")
    fill = loop(j, k, Store(T, Mul(Load("float64", A, i), Cast("float64", j)), j))
    init = Store(B, FloatImm("float64", 0.0), i)
    acc = loop(j, k, Store(B, Add(Load("float64", B, i), Load("float64", T, j)), i))
    body = loop(i, n, Allocate(T, k, SeqStmt((fill, init, acc))))
    params = (A, B, n) if n_param is None else (A, B, n, n_param)
    return PrimFunc("scratch", params, body)


@pytest.mark.parametrize("extent,scope", [(idx(8), "local"), (idx(8), "global"),
                                          (idx(100_000), "global")])
def test_allocate_constant(extent, scope):
    f = build(_scratch_func(extent, scope))
    a = np.arange(5, dtype="float64")
    b = np.zeros(5)
    f(a, b)
    k = extent.value
    np.testing.assert_allclose(b, a * (k * (k - 1) / 2))
    uses_heap = "aligned_alloc" in f.get_source("ll-unopt")
    assert uses_heap == (k * 8 > 64 * 1024)


def test_allocate_symbolic_size():
    k = Var("k")
    f = build(_scratch_func(k, "global", n_param=k))
    a = np.arange(5, dtype="float64")
    for kk in (0, 1, 7, 3000):
        b = np.zeros(5)
        f(a, b, kk)
        np.testing.assert_allclose(b, a * (kk * (kk - 1) / 2))


def _assert_func():
    n = Var("n")
    A = Buffer("A", "float32", (n,))
    check = AssertStmt(LT(idx(3), n), "n must be greater than 3",
                       AssertStmt(LT(n, idx(100)), "n must be below 100",
                                  Store(A, FloatImm("float32", 5.0), idx(0))))
    k = Var("k")
    T = Buffer("T", "float32", (k,))
    # an assert inside a heap allocation: the buffer is freed on the error path
    heap = Allocate(T, Mul(n, idx(100000)), check)
    return PrimFunc("checked", (A, n), heap)


def test_assert_failure_raises_its_message():
    f = build(_assert_func())
    a = np.zeros(10, "float32")
    f(a)
    assert a[0] == 5
    with pytest.raises(KernelAssertionError, match="n must be greater than 3"):
        f(np.zeros(2, "float32"))
    with pytest.raises(KernelAssertionError, match="n must be below 100"):
        f(np.zeros(200, "float32"))
    assert f.assert_messages["checked"][1:] == ("n must be greater than 3", "n must be below 100")


def test_vector_let_and_broadcast_int():
    from tecomp.ir import Let
    A = Buffer("A", "int64", (idx(8),))
    v = Var("v", "int64x8")
    body = Store(A, Let(v, Ramp(idx(10), idx(2), 8), Add(v, v)), Ramp(idx(0), idx(1), 8))
    f = build(PrimFunc("let", (A,), body))
    a = np.zeros(8, "int64")
    f(a)
    np.testing.assert_array_equal(a, 2 * (10 + 2 * np.arange(8)))
