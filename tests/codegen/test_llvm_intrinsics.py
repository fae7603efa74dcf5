"""Math intrinsics (scalar and vector) against numpy, and the lazy if_then_else."""

import math

import numpy as np
import pytest

from codegen.llvm import build
from codegen.llvm.testing import elementwise, idx, loop
from tecomp.errors import BuildError, InternalError
from tecomp.ir import (LT, Add, Broadcast, Buffer, Call, Cast, FloatImm, IntImm, LetStmt, Load,
                       Mul, PrimFunc, Ramp, Store, Sub, TensorRead, Var)

N = 64
rng = np.random.default_rng(1)
POS = rng.uniform(0.1, 4.0, N)
ANY = rng.uniform(-4.0, 4.0, N)
ANY[:4] = [0.5, 1.5, -2.5, 2.5]            # ties: round half to even

UNARY = {
    "exp": (np.exp, ANY), "exp2": (np.exp2, ANY), "log": (np.log, POS), "log2": (np.log2, POS),
    "log10": (np.log10, POS), "sqrt": (np.sqrt, POS), "rsqrt": (lambda x: 1 / np.sqrt(x), POS),
    "sin": (np.sin, ANY), "cos": (np.cos, ANY), "tanh": (np.tanh, ANY),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), ANY), "fabs": (np.abs, ANY),
    "abs": (np.abs, ANY), "floor": (np.floor, ANY), "ceil": (np.ceil, ANY),
    "round": (np.round, ANY), "trunc": (np.trunc, ANY),
    "erf": (np.vectorize(math.erf), ANY),
}


def unary(op, dtype):
    return lambda x: Call(dtype, op, (x,))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_unary_scalar(dtype):
    funcs = [elementwise("f_" + op, [dtype], dtype, unary(op, dtype)) for op in UNARY]
    mod = build(funcs)
    for op, (ref, data) in UNARY.items():
        a = data.astype(dtype)
        out = np.zeros(N, dtype)
        mod["f_" + op](a, out)
        tol = 2e-6 if dtype == "float32" else 1e-13
        np.testing.assert_allclose(out, ref(a.astype("float64")), rtol=tol, atol=tol, err_msg=op)


@pytest.mark.parametrize("op", ["exp", "log", "sqrt", "tanh", "sigmoid", "erf", "round", "fabs"])
def test_unary_vector(op):
    lanes, dtype = 16, "float32"
    vt = f"{dtype}x{lanes}"
    A, B = Buffer("A", dtype, (idx(N),)), Buffer("B", dtype, (idx(N),))
    o, base = Var("o"), Var("base")
    body = LetStmt(base, Mul(o, idx(lanes)), Store(
        B, Call(vt, op, (Load(vt, A, Ramp(base, idx(1), lanes)),)), Ramp(base, idx(1), lanes)))
    f = build(PrimFunc("v_" + op, (A, B), loop(o, N // lanes, body)))
    ref, data = UNARY[op]
    a = data.astype(dtype)
    out = np.zeros(N, dtype)
    f(a, out)
    np.testing.assert_allclose(out, ref(a.astype("float64")), rtol=2e-6, atol=2e-6)


def test_pow_and_isnan():
    f = build(elementwise("f_pow", ["float64", "float64"], "float64",
                          lambda x, y: Call("float64", "pow", (x, y))))
    a, b = POS, ANY
    out = np.zeros(N)
    f(a, b, out)
    np.testing.assert_allclose(out, np.power(a, b), rtol=1e-13)
    g = build(elementwise("f_isnan", ["float32"], "bool", lambda x: Call("bool", "isnan", (x,))))
    a = ANY.astype("float32")
    a[::5] = np.nan
    res = np.zeros(N, bool)
    g(a, res)
    np.testing.assert_array_equal(res, np.isnan(a))


def test_float16_math():
    f = build(elementwise("h", ["float16"], "float16",
                          lambda x: Add(Call("float16", "exp", (x,)), x)))
    a = ANY.astype("float16")
    out = np.zeros(N, "float16")
    f(a, out)
    np.testing.assert_allclose(out.astype("float32"), np.exp(a.astype("float32")) + a, rtol=3e-3,
                               atol=1e-2)


def _guarded_shift():
    """B[i] = if_then_else(i < n - 1, A[i + 1], -1): the load at i + 1 must not run
    for the last i (A is a zero-size array there in the test)."""
    n = Var("n")
    A, B = Buffer("A", "float32", (n,)), Buffer("B", "float32", (n,))
    i = Var("i")
    cond = LT(i, Sub(n, idx(1)))
    value = Call("float32", "if_then_else",
                 (cond, Load("float32", A, Add(i, idx(1))), FloatImm("float32", -1.0)))
    return PrimFunc("shift", (A, B, n), loop(i, n, Store(B, value, i)))


def test_if_then_else_scalar_is_lazy():
    f = build(_guarded_shift())
    a = np.arange(10, dtype="float32")
    b = np.zeros(10, "float32")
    f(a, b)
    np.testing.assert_array_equal(b, np.append(a[1:], -1))
    assert "ite_then" in f.get_source("ll-unopt")


def test_if_then_else_vector_with_load_is_per_lane():
    """A vector if_then_else whose arm loads past the end only in masked lanes."""
    lanes = 8
    A = Buffer("A", "float32", (idx(12),))
    B = Buffer("B", "float32", (idx(16),))
    o = Var("o")
    ramp = Ramp(Mul_(o, lanes), idx(1), lanes)
    cond = LT(ramp, Broadcast(idx(12), lanes))
    value = Call(f"float32x{lanes}", "if_then_else",
                 (cond, Load(f"float32x{lanes}", A, ramp), Broadcast(FloatImm("float32", 7.0),
                                                                    lanes)))
    f = build(PrimFunc("pad", (A, B), loop(o, 2, Store(B, value, ramp))))
    a = np.arange(12, dtype="float32")
    b = np.zeros(16, "float32")
    f(a, b)
    np.testing.assert_array_equal(b, np.append(a, [7] * 4))


def Mul_(v, k):
    return Mul(v, idx(k))


def test_vector_if_then_else_without_load_selects():
    lanes = 4
    B = Buffer("B", "int32", (idx(8),))
    o = Var("o")
    ramp = Ramp(Mul_(o, lanes), idx(1), lanes)
    value = Call(f"int32x{lanes}", "if_then_else",
                 (LT(ramp, Broadcast(idx(6), lanes)), Cast(f"int32x{lanes}", ramp),
                  Broadcast(IntImm("int32", -1), lanes)))
    f = build(PrimFunc("sel", (B,), loop(o, 2, Store(B, value, ramp))))
    b = np.zeros(8, "int32")
    f(b)
    np.testing.assert_array_equal(b, [0, 1, 2, 3, 4, 5, -1, -1])


def test_unknown_intrinsic_and_int_math_are_build_errors():
    with pytest.raises(BuildError, match="does not support intrinsic 'frobnicate'.*exp"):
        build(elementwise("x", ["float32"], "float32",
                          lambda x: Call("float32", "frobnicate", (x,))))
    with pytest.raises(BuildError, match="exp needs float arguments"):
        build(elementwise("x", ["int32"], "int32", lambda x: Call("int32", "exp", (x,))))


def test_unlowered_node_is_internal_error():
    class FakeTensor:
        dtype = "float32"
        name = "T"
    with pytest.raises(InternalError, match="TensorRead must be lowered"):
        build(elementwise("x", ["float32"], "float32",
                          lambda x: TensorRead(FakeTensor(), (idx(0),))))
