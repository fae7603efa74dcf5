"""End to end: expressions of every kind, built and compared with numpy."""

import math

import numpy as np
import pytest

import tecomp as te


def build_unary(fn, dtype="float32", n=37):
    A = te.placeholder((n,), dtype=dtype, name="A")
    B = te.compute((n,), lambda i: fn(A[i]), name="B")
    s = te.create_schedule(B.op)
    return te.build(s, [A, B]), B


def test_vector_add(rng):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.placeholder((n,), name="B")
    C = te.compute((n,), lambda i: A[i] + B[i], name="C")
    f = te.build(te.create_schedule(C.op), [A, B, C])
    for size in (0, 1, 17, 1000):
        a, b = rng.random(size, dtype="float32"), rng.random(size, dtype="float32")
        c = np.empty(size, "float32")
        f(a, b, c)
        np.testing.assert_array_equal(c, a + b)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "int16", "int32",
                                   "int64", "uint8"])
def test_arithmetic_each_dtype(dtype, rng):
    n = 50
    A = te.placeholder((n,), dtype=dtype, name="A")
    B = te.placeholder((n,), dtype=dtype, name="B")
    C = te.compute((n,), lambda i: A[i] * B[i] + A[i] - B[i], name="C")
    f = te.build(te.create_schedule(C.op), [A, B, C])
    if dtype.startswith("float"):
        a = rng.uniform(-4, 4, n).astype(dtype)
        b = rng.uniform(-4, 4, n).astype(dtype)
    else:
        info = np.iinfo(dtype)
        a = rng.integers(max(info.min, -10), min(info.max, 10), n).astype(dtype)
        b = rng.integers(max(info.min, -10), min(info.max, 10), n).astype(dtype)
    c = np.empty(n, dtype)
    f(a, b, c)
    if dtype == "float16":
        # numpy rounds each half operation to half: no fused multiply-add may differ
        np.testing.assert_array_equal(c, a * b + a - b)
    else:
        np.testing.assert_allclose(c, a * b + a - b, rtol=1e-6)


def test_float16_vector_rounds_each_operation(rng):
    n = 1000
    A = te.placeholder((n,), dtype="float16", name="A")
    B = te.placeholder((n,), dtype="float16", name="B")
    C = te.compute((n,), lambda i: A[i] * B[i] + A[i] - B[i] * A[i] / B[i], name="C")
    s = te.create_schedule(C.op)
    _, inner = s[C].split(C.op.axis[0], factor=8)
    s[C].vectorize(inner)
    f = te.build(s, [A, B, C])
    a = rng.uniform(-4, 4, n).astype("float16")
    b = rng.uniform(-4, 4, n).astype("float16")
    c = np.empty(n, "float16")
    f(a, b, c)
    np.testing.assert_array_equal(c, a * b + a - b * a / b)


def test_floor_and_trunc_division(rng):
    n = 64
    A = te.placeholder((n,), dtype="int32", name="A")
    B = te.placeholder((n,), dtype="int32", name="B")
    C = te.compute((n,), lambda i: A[i] // B[i], name="C")
    D = te.compute((n,), lambda i: A[i] % B[i], name="D")
    E = te.compute((n,), lambda i: te.truncdiv(A[i], B[i]), name="E")
    F = te.compute((n,), lambda i: te.truncmod(A[i], B[i]), name="F")
    s = te.create_schedule([C.op, D.op, E.op, F.op])
    f = te.build(s, [A, B, C, D, E, F])
    a = rng.integers(-50, 50, n).astype("int32")
    b = rng.integers(1, 7, n).astype("int32") * rng.choice([-1, 1], n).astype("int32")
    outs = [np.empty(n, "int32") for _ in range(4)]
    f(a, b, *outs)
    np.testing.assert_array_equal(outs[0], a // b)
    np.testing.assert_array_equal(outs[1], a % b)
    np.testing.assert_array_equal(outs[2], np.trunc(a / b).astype("int32"))
    np.testing.assert_array_equal(outs[3], np.fmod(a, b))


@pytest.mark.parametrize("name,ref", [
    ("exp", np.exp), ("log", np.log), ("sqrt", np.sqrt), ("tanh", np.tanh),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x))), ("abs", np.abs), ("floor", np.floor),
    ("ceil", np.ceil), ("round", np.round), ("rsqrt", lambda x: 1 / np.sqrt(x)),
    ("erf", np.vectorize(math.erf)), ("exp2", np.exp2), ("log2", np.log2), ("sin", np.sin),
])
def test_math_intrinsics(name, ref, rng):
    f, _ = build_unary(getattr(te, name), "float32")
    a = rng.uniform(0.1, 3.0, 37).astype("float32")
    if name in ("abs", "floor", "ceil", "round", "tanh", "sigmoid", "erf", "sin"):
        a = rng.uniform(-3, 3, 37).astype("float32")
    a[0] = 2.5  # round half to even
    b = np.empty_like(a)
    f(a, b)
    np.testing.assert_allclose(b, ref(a).astype("float32"), rtol=2e-6, atol=1e-6)


def test_pow_and_casts(rng):
    n = 20
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: te.pow(A[i], 2.5).astype("float64") + A[i].astype("int32"),
                   name="B")
    f = te.build(te.create_schedule(B.op), [A, B])
    a = rng.uniform(0, 5, n).astype("float32")
    b = np.empty(n, "float64")
    f(a, b)
    np.testing.assert_allclose(b, np.power(a, np.float32(2.5)).astype("float64") + a.astype("int32"),
                               rtol=1e-6)


def test_if_then_else_guards_out_of_bounds_read(rng):
    n = 64
    A = te.placeholder((n,), name="A")
    B = te.compute((n + 2,), lambda i: te.if_then_else(te.all(i >= 1, i <= n), A[i - 1], 0.0),
                   name="B")
    f = te.build(te.create_schedule(B.op), [A, B])
    a = rng.random(n, dtype="float32")
    b = np.empty(n + 2, "float32")
    f(a, b)
    np.testing.assert_array_equal(b, np.pad(a, 1))


def test_select_and_comparisons(rng):
    n = 40
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: te.select(te.any(A[i] > 0.7, A[i] < 0.2), A[i], -A[i]),
                   name="B")
    C = te.compute((n,), lambda i: (A[i] > 0.5).astype("int8"), name="C")
    f = te.build(te.create_schedule([B.op, C.op]), [A, B, C])
    a = rng.random(n, dtype="float32")
    b, c = np.empty(n, "float32"), np.empty(n, "int8")
    f(a, b, c)
    np.testing.assert_array_equal(b, np.where((a > 0.7) | (a < 0.2), a, -a))
    np.testing.assert_array_equal(c, (a > 0.5).astype("int8"))


def test_bool_output_and_logic(rng):
    n = 30
    A = te.placeholder((n,), dtype="int32", name="A")
    B = te.compute((n,), lambda i: te.all(A[i] > 3, ~(A[i] > 8)), name="B")
    f = te.build(te.create_schedule(B.op), [A, B])
    a = rng.integers(0, 12, n).astype("int32")
    b = np.empty(n, "bool")
    f(a, b)
    np.testing.assert_array_equal(b, (a > 3) & ~(a > 8))


def test_multiple_outputs_in_one_stage(rng):
    n = 16
    A = te.placeholder((n,), name="A")
    B, C = te.compute((n,), lambda i: (A[i] + 1, A[i] * 2), name="BC")
    f = te.build(te.create_schedule(B.op), [A, B, C])
    a = rng.random(n, dtype="float32")
    b, c = np.empty(n, "float32"), np.empty(n, "float32")
    f(a, b, c)
    np.testing.assert_array_equal(b, a + 1)
    np.testing.assert_array_equal(c, a * 2)


@pytest.mark.parametrize("which", ["invariant_else", "invariant_then", "nested", "nested_invariant"])
def test_vectorized_if_then_else_arms(which):
    n = 16
    A = te.placeholder((n,), name="A")
    B = te.placeholder((n,), name="B")
    bodies = {
        "invariant_else": lambda i: te.if_then_else(i % 2 == 0, A[i], B[0]),
        "invariant_then": lambda i: te.if_then_else(i % 2 == 0, A[0], B[i]),
        "nested": lambda i: te.if_then_else(
            i % 2 == 0, te.if_then_else(A[i] > 3, A[i], B[i]),
            te.if_then_else(B[i] < -5, B[i], A[i]) * 2),
        "nested_invariant": lambda i: te.if_then_else(
            i % 2 == 0, te.if_then_else(i % 4 == 0, A[i], B[0]), B[i] * 2),
    }
    C = te.compute((n,), bodies[which], name="C")
    s = te.create_schedule(C.op)
    _, inner = s[C].split(C.op.axis[0], factor=8)
    s[C].vectorize(inner)
    f = te.build(s, [A, B, C])
    a = np.arange(n, dtype="float32")
    b = -a
    c = np.zeros(n, "float32")
    f(a, b, c)
    i = np.arange(n)
    want = {
        "invariant_else": np.where(i % 2 == 0, a, b[0]),
        "invariant_then": np.where(i % 2 == 0, a[0], b),
        "nested": np.where(i % 2 == 0, np.where(a > 3, a, b), np.where(b < -5, b, a) * 2),
        "nested_invariant": np.where(i % 2 == 0, np.where(i % 4 == 0, a, b[0]), b * 2),
    }[which]
    np.testing.assert_array_equal(c, want)
