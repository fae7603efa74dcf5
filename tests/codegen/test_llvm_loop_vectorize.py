"""The vectorizer policy: LLVM vectorizes innermost unit-stride loops the schedule
left serial; the schedule's own vectorization is kept as written; loops whose
vectorization would assemble vectors lane by lane (gathers) stay scalar."""

import re

import numpy as np
import pytest

import tecomp as te
from codegen.llvm.loop_vectorize import loop_vectorize
from tecomp.ir import For, collect


def _vector_loads(ll):
    return re.findall(r"load <(\d+) x float>", ll)


def _gemm(M, N, K):
    A = te.placeholder((M, K), name="A")
    B = te.placeholder((K, N), name="B")
    k = te.reduce_axis((0, K), name="k")
    C = te.compute((M, N), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    return A, B, C, k


def _check_gemm(f, M, N, K):
    rng = np.random.default_rng(1)
    a, b = rng.random((M, K), dtype="float32"), rng.random((K, N), dtype="float32")
    c = np.zeros((M, N), "float32")
    f(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-4)


@pytest.mark.parametrize("parallel", [False, True])
def test_unscheduled_elementwise_loop_is_vectorized(parallel):
    n = 1000
    A = te.placeholder((n,), name="A")
    B = te.placeholder((n,), name="B")
    C = te.compute((n,), lambda i: A[i] + B[i], name="C")
    s = te.create_schedule(C.op)
    if parallel:
        s[C].parallel(C.op.axis[0])
    f = te.build(s, [A, B, C], name="vadd")
    assert _vector_loads(f.get_source("ll")), f.get_source("ll")
    a, b = np.arange(n, dtype="float32"), np.full(n, 0.5, "float32")
    c = np.zeros(n, "float32")
    f(a, b, c)
    np.testing.assert_array_equal(c, a + b)


def test_strided_loop_is_left_scalar():
    """The GEMM that made LLVM's vectorizer be switched off: a short inner loop
    that LLVM fully unrolls, under a loop whose accesses are strided. Vectorizing
    that loop assembles each vector from scalar loads."""
    M = N = K = 64
    A, B, C, k = _gemm(M, N, K)
    s = te.create_schedule(C.op)
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], 32, 4)
    ko, ki = s[C].split(k, factor=4)
    s[C].reorder(io, jo, ko, ki, ji, ii)
    f = te.build(s, [A, B, C], name="gemm")
    ll = f.get_source("ll")
    assert "insertelement" not in ll and "gather" not in ll
    assert "llvm.loop.vectorize.enable" in f.get_source("ll-unopt")
    _check_gemm(f, M, N, K)


def test_schedule_vectorization_is_kept():
    """A loop the schedule vectorized stays at the schedule's width and the loop
    around it is not vectorized again."""
    M = N = K = 64
    A, B, C, k = _gemm(M, N, K)
    s = te.create_schedule(C.op)
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], 32, 8)
    ko, ki = s[C].split(k, factor=4)
    s[C].reorder(io, jo, ko, ii, ki, ji)
    s[C].vectorize(ji)
    f = te.build(s, [A, B, C], name="gemm")
    assert set(_vector_loads(f.get_source("ll"))) == {"8"}
    _check_gemm(f, M, N, K)


def test_policy_decisions():
    M = N = K = 16
    A, B, C, k = _gemm(M, N, K)
    s = te.create_schedule(C.op)
    func = te.lower(s, [A, B, C], name="gemm")
    loops = {f.loop_var.name: f for f in collect(func.body, lambda n: isinstance(n, For))}
    # k is innermost but strides over B's rows; j has a loop inside
    chosen = loop_vectorize(func.body)
    assert loops["k"] not in chosen and loops["j"] not in chosen
    s = te.create_schedule(C.op)
    s[C].reorder(C.op.axis[0], k, C.op.axis[1])
    func = te.lower(s, [A, B, C], name="gemm")
    loops = {f.loop_var.name: f for f in collect(func.body, lambda n: isinstance(n, For))}
    assert loops["j"] in loop_vectorize(func.body)
