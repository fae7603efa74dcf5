"""The IR handed to LLVM is lean (compile time, issue 13): vector constants are one
token, index arithmetic repeated by neighbouring statements is computed once per
basic block, and the parallel runtime helpers are not optimized; results still
match numpy."""

import re

import numpy as np

import tecomp as te


def _unopt(s, args, name):
    f = te.build(s, args, name=name)
    return f, f.get_source("ll-unopt")


def test_vector_constants_are_one_token():
    n = 64
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] * 2.5 + 0.0, name="B")
    s = te.create_schedule(B.op)
    _, ji = s[B].split(B.op.axis[0], factor=16)
    s[B].vectorize(ji)
    f, ll = _unopt(s, [A, B], "splat_consts")
    assert "splat (float" in ll
    assert not re.search(r"<float [^>]*, float [^>]*, float", ll), "a constant printed per lane"
    a = np.arange(n, dtype="float32")
    b = np.empty_like(a)
    f(a, b)
    np.testing.assert_allclose(b, a * 2.5)


def test_broadcast_of_a_loaded_scalar_uses_compact_operands():
    n, k = 32, 8
    A = te.placeholder((n, k), name="A")
    x = te.placeholder((n,), name="x")
    B = te.compute((n, k), lambda i, j: A[i, j] * x[i], name="B")
    s = te.create_schedule(B.op)
    s[B].vectorize(B.op.axis[1])
    f, ll = _unopt(s, [A, x, B], "bcast")
    shuffles = [line for line in ll.splitlines() if "shufflevector" in line]
    assert shuffles and all("poison" in line and "zeroinitializer" in line for line in shuffles)
    a, xv = np.random.rand(n, k).astype("float32"), np.random.rand(n).astype("float32")
    b = np.empty_like(a)
    f(a, xv, b)
    np.testing.assert_allclose(b, a * xv[:, None], rtol=1e-6)


def test_index_arithmetic_is_computed_once_per_block():
    """Four statements at A[i*64 + c] and B[i*64 + c]: one ``mul`` for ``i*64``."""
    n = 16
    A = te.placeholder((n * 64,), name="A")
    B = te.compute((n, 64), lambda i, j: A[i * 64 + j] + 1.0, name="B")
    s = te.create_schedule(B.op)
    s[B].unroll(B.op.axis[1])
    f, ll = _unopt(s, [A, B], "numbered")
    body = ll.split("for_i_body:")[1].split("\n\n")[0].split("for_i_end")[0]
    assert body.count(" mul i64") == 1, body
    a = np.random.rand(n * 64).astype("float32")
    b = np.empty((n, 64), "float32")
    f(a, b)
    np.testing.assert_allclose(b, a.reshape(n, 64) + 1)


def test_parallel_helpers_unoptimized_and_wrapper_not_inlined():
    n = 1 << 12
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] + 1.0, name="B")
    s = te.create_schedule(B.op)
    s[B].parallel(B.op.axis[0])
    f, ll = _unopt(s, [A, B], "par_helpers")
    defines = {m.group(1): m.group(0) for m in re.finditer(r'define [^@]*@"([^"]+)"\([^)]*\)[^\n{]*', ll)}
    assert "optnone" in defines["__tecomp_team_size"]
    assert "optnone" in defines["__tecomp_get_num_threads"]
    wrappers = [d for name, d in defines.items() if re.fullmatch(r"par_helpers_parallel_\d+", name)]
    assert wrappers and all("noinline" in d for d in wrappers)
    a = np.random.rand(n).astype("float32")
    b = np.empty_like(a)
    f(a, b)
    np.testing.assert_allclose(b, a + 1)
