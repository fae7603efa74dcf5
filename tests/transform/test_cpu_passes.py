"""vectorize_loops, unroll_loops and loop_partition: the IR they produce, and
the built code against numpy."""

import os
import subprocess
import sys

import numpy as np
import pytest

import tecomp as te
from tecomp.ir import collect
from tecomp.ir import expr as E
from tecomp.ir import stmt as S


def elementwise(n, factor):
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] * 2.0 + 1.0, name="B")
    s = te.create_schedule(B.op)
    outer, inner = s[B].split(B.op.axis[0], factor=factor)
    return A, B, s, outer, inner


def loops(func, kind=None):
    return collect(func.body, lambda n: isinstance(n, S.For) and (kind is None or n.kind == kind))


def test_vectorize_produces_ramp_stores_and_vector_asm(rng):
    A, B, s, outer, inner = elementwise(1024, 16)
    s[B].vectorize(inner)
    func = te.lower(s, [A, B])
    stores = collect(func.body, lambda n: isinstance(n, S.Store))
    assert len(stores) == 1 and isinstance(stores[0].index, E.Ramp) and stores[0].index.lanes == 16
    assert not loops(func, S.ForKind.VECTORIZED)
    f = te.build(s, [A, B])
    asm = f.get_source("asm")
    assert "zmm" in asm or "ymm" in asm
    a = rng.random(1024, dtype="float32")
    b = np.empty_like(a)
    f(a, b)
    np.testing.assert_allclose(b, a * 2 + 1)


def test_partition_keeps_main_body_vectorized(rng):
    A, B, s, outer, inner = elementwise(1000, 16)
    s[B].vectorize(inner)
    func = te.lower(s, [A, B])
    text = str(func)
    assert "for (i.outer, 0, 62)" in text          # main part, no guard
    assert "ramp(" in text                         # still vector code
    guards = collect(func.body, lambda n: isinstance(n, S.IfThenElse))
    assert len(guards) == 1                        # only the tail keeps its guard
    f = te.build(s, [A, B])
    a = rng.random(1000, dtype="float32")
    b = np.empty_like(a)
    f(a, b)
    np.testing.assert_allclose(b, a * 2 + 1)


def test_partition_symbolic_extent(rng):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] + 1.0, name="B")
    s = te.create_schedule(B.op)
    outer, inner = s[B].split(B.op.axis[0], factor=8)
    s[B].vectorize(inner)
    f = te.build(s, [A, B])
    for size in (0, 5, 8, 77):
        a = rng.random(size, dtype="float32")
        b = np.empty_like(a)
        f(a, b)
        np.testing.assert_allclose(b, a + 1)


def test_unroll_expands_constant_loops(rng):
    A = te.placeholder((12, 4), name="A")
    B = te.compute((12, 4), lambda i, j: A[i, j] * 3.0, name="B")
    s = te.create_schedule(B.op)
    s[B].unroll(B.op.axis[1])
    func = te.lower(s, [A, B])
    assert len(loops(func)) == 1
    assert len(collect(func.body, lambda n: isinstance(n, S.Store))) == 4
    f = te.build(s, [A, B])
    a = rng.random((12, 4), dtype="float32")
    b = np.empty_like(a)
    f(a, b)
    np.testing.assert_allclose(b, a * 3)


def test_vectorizing_a_reduction_axis_falls_back_to_scalar(rng):
    A = te.placeholder((4, 16), name="A")
    k = te.reduce_axis((0, 16), name="k")
    B = te.compute((4,), lambda i: te.sum(A[i, k], axis=k), name="B")
    s = te.create_schedule(B.op)
    s[B].vectorize(k)
    func = te.lower(s, [A, B])
    assert not collect(func.body, lambda n: isinstance(n, E.Ramp))
    f = te.build(s, [A, B])
    a = rng.random((4, 16), dtype="float32")
    b = np.empty(4, "float32")
    f(a, b)
    np.testing.assert_allclose(b, a.sum(axis=1), rtol=1e-5)


def test_vectorized_reduction_over_data_axis(rng):
    A = te.placeholder((64, 32), name="A")
    k = te.reduce_axis((0, 64), name="k")
    B = te.compute((32,), lambda j: te.sum(A[k, j], axis=k), name="B")
    s = te.create_schedule(B.op)
    j, = B.op.axis
    s[B].reorder(k, j)
    s[B].vectorize(j)
    func = te.lower(s, [A, B])
    assert collect(func.body, lambda n: isinstance(n, S.Store) and isinstance(n.index, E.Ramp))
    f = te.build(s, [A, B])
    a = rng.random((64, 32), dtype="float32")
    b = np.empty(32, "float32")
    f(a, b)
    np.testing.assert_allclose(b, a.sum(axis=0), rtol=1e-5)


def test_vectorize_with_select_cast_and_intrinsics(rng):
    A = te.placeholder((64,), name="A")
    B = te.compute((64,), lambda i: te.select(A[i] > 0.5, te.exp(A[i]), (i % 3).astype("float32")),
                   name="B")
    s = te.create_schedule(B.op)
    o, inner = s[B].split(B.op.axis[0], factor=16)
    s[B].vectorize(inner)
    f = te.build(s, [A, B])
    a = rng.random(64, dtype="float32")
    b = np.empty_like(a)
    f(a, b)
    np.testing.assert_allclose(b, np.where(a > 0.5, np.exp(a), np.arange(64) % 3), rtol=1e-6)


PARALLEL_SCRIPT = """
import numpy as np, tecomp as te
A = te.placeholder((1000, 64), name="A")
k = te.reduce_axis((0, 64), name="k")
B = te.compute((1000,), lambda i: te.sum(A[i, k] * A[i, k], axis=k), name="B")
s = te.create_schedule(B.op)
o, i = s[B].split(B.op.axis[0], factor=7)
s[B].parallel(o)
f = te.build(s, [A, B])
a = np.random.default_rng(1).random((1000, 64), dtype="float32")
b = np.empty(1000, "float32")
f(a, b)
print(b.tobytes().hex())
"""


def test_parallel_identical_with_one_and_two_threads():
    outputs = []
    for threads in ("1", "2"):
        env = dict(os.environ, TECOMP_NUM_THREADS=threads)
        out = subprocess.run([sys.executable, "-c", PARALLEL_SCRIPT], env=env, capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        outputs.append(out.stdout)
    assert outputs[0] == outputs[1]
    a = np.random.default_rng(1).random((1000, 64), dtype="float32")
    got = np.frombuffer(bytes.fromhex(outputs[0].strip()), "float32")
    np.testing.assert_allclose(got, (a * a).sum(axis=1), rtol=1e-5)


def test_nested_parallel_is_a_schedule_error():
    A = te.placeholder((8, 8), name="A")
    B = te.compute((8, 8), lambda i, j: A[i, j], name="B")
    s = te.create_schedule(B.op)
    s[B].parallel(B.op.axis[0])
    s[B].parallel(B.op.axis[1])
    with pytest.raises(te.ScheduleError, match=r"parallel\(B\): .*nested inside parallel loop 'i'"):
        te.lower(s, [A, B])


def test_partition_ignores_guards_that_are_not_linear(rng):
    # floormod(f, 5) - 2 >= 0 looks linear at f = 0, 1, 2 but is not.
    A = te.placeholder((5,), name="A")
    B = te.compute((10,), lambda f: te.if_then_else(f % 5 >= 2, A[f % 5 - 2], 0.0), name="B")
    C = te.compute((10,), lambda f: B[f] + 1.0, name="C")
    s = te.create_schedule(C.op)
    s[B].compute_at(s[C], C.op.axis[0])
    f = te.build(s, [A, C], debug=True)
    a = rng.random(5, dtype="float32")
    c = np.empty(10, "float32")
    f(a, c)
    idx = np.arange(10) % 5
    np.testing.assert_allclose(c, np.where(idx >= 2, a[np.maximum(idx - 2, 0)], 0) + 1)


@pytest.mark.parametrize("n", [100, 37])
def test_vectorized_padding_uses_masked_loads(n, rng):
    A = te.placeholder((n,), name="A")
    B = te.compute((n + 28,), lambda i: te.if_then_else(te.all(i >= 14, i < n + 14),
                                                         A[i - 14] * 2.0, -1.0), name="B")
    s = te.create_schedule(B.op)
    o, i = s[B].split(B.op.axis[0], factor=16)
    s[B].vectorize(i)
    f = te.build(s, [A, B], debug=True)   # bounds-checked: masked lanes read nothing
    assert "llvm.masked.load" in f.get_source("ll")
    a = rng.random(n, dtype="float32")
    b = np.empty(n + 28, "float32")
    f(a, b)
    expected = np.full(n + 28, -1.0, "float32")
    expected[14:14 + n] = a * 2
    np.testing.assert_array_equal(b, expected)


def test_unannotated_blocked_loops_use_no_gathers():
    # LLVM's own loop vectorizer, after unrolling the inner loop, used to
    # vectorize the strided loop outside it with gathers and scatters.
    A = te.placeholder((64, 64), name="A")
    B = te.placeholder((64, 64), name="B")
    k = te.reduce_axis((0, 64), name="k")
    C = te.compute((64, 64), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    s = te.create_schedule(C.op)
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], 32, 32)
    ko, ki = s[C].split(k, factor=4)
    s[C].reorder(io, jo, ko, ki, ii, ji)
    asm = te.build(s, [A, B, C]).get_source("asm")
    assert "gather" not in asm and "scatter" not in asm
