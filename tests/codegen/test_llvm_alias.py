"""Alias information in generated code: distinct buffers never alias, in the entry
function and in the outlined body of a parallel loop, so LLVM keeps a GEMM's
accumulators in registers across the reduction loop in both."""

import re

import numpy as np
import pytest

import tecomp as te


def goto_gemm(n, parallel, MR=4, NR=16, MC=8, KC=16):
    """A GotoBLAS-style GEMM: packed B, loops ioo, ko, jo, ioi, ki, ii, ji, ``ii``
    unrolled, ``ji`` vectorized, the reduction accumulated in C (no cache_write)."""
    A = te.placeholder((n, n), name="A")
    B = te.placeholder((n, n), name="B")
    k = te.reduce_axis((0, n), name="k")
    packedB = te.compute((n // NR, n, NR), lambda x, y, z: B[y, x * NR + z], name="packedB")
    C = te.compute((n, n), lambda i, j: te.sum(A[i, k] * packedB[j // NR, k, j % NR], axis=k),
                   name="C")
    s = te.create_schedule(C.op)
    i, j = s[C].op.axis
    io, ii = s[C].split(i, factor=MR)
    ioo, ioi = s[C].split(io, factor=MC // MR)
    jo, ji = s[C].split(j, factor=NR)
    ko, ki = s[C].split(k, factor=KC)
    s[C].reorder(ioo, ko, jo, ioi, ki, ii, ji)
    s[C].unroll(ii)
    s[C].vectorize(ji)
    if parallel:
        s[C].parallel(ioo)
    s[packedB].vectorize(s[packedB].op.axis[2])
    return s, [A, B, C]


def _function(ll, name):
    match = re.search(r"define [^\n]*@\"?%s\"?\(.*?\n}\n" % re.escape(name), ll, re.S)
    assert match, f"function {name} not in the IR"
    return match.group(0)


def _inner_loop_blocks(text):
    """The basic blocks of the innermost reduction loop (those that contain fmul)."""
    blocks = re.split(r"\n(?=[\w.\"]+:)", text)
    return [b for b in blocks if "fmul" in b]


@pytest.mark.parametrize("parallel", [False, True])
def test_gemm_matches_numpy(parallel):
    s, args = goto_gemm(32, parallel)
    f = te.build(s, args, name="gemm")
    rng = np.random.default_rng(0)
    a, b = rng.random((32, 32), dtype="float32"), rng.random((32, 32), dtype="float32")
    c = np.zeros((32, 32), "float32")
    f(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-5)


def test_parallel_body_has_noalias_buffer_parameters():
    s, args = goto_gemm(32, parallel=True)
    f = te.build(s, args, name="gemm")
    unopt = f.get_source("ll-unopt")
    bodies = re.findall(r"define internal void @\"gemm_parallel_\d+_body\"\(([^)]*)\)", unopt)
    assert bodies, unopt
    params = bodies[0]
    for name in ("C", "A", "packedB"):
        assert f'ptr noalias %"{name}"' in params, params
    # the body is not inlined into the thread entry, so the facts stay on its parameters
    optimized = re.findall(r"define internal [^\n]*@\"?gemm_parallel_\d+_body\"?\([^\n]*",
                           f.get_source("ll"))
    assert optimized and all(line.count("noalias") >= 3 for line in optimized), optimized


def test_parallel_reduction_keeps_accumulators_in_registers():
    """Within the innermost k loop nothing is stored: C's tile lives in registers
    (a store there means LLVM assumed C may alias A or packedB)."""
    for parallel in (False, True):
        s, args = goto_gemm(32, parallel)
        ll = te.build(s, args, name="gemm").get_source("ll")
        blocks = _inner_loop_blocks(ll)
        assert blocks, ll
        stores = [b for b in blocks if re.search(r"\bstore <", b)]
        assert stores == [], f"parallel={parallel}: C stored inside the k loop:\n{stores[0]}"


def test_in_place_pairs_get_no_noalias_in_parallel_bodies():
    """f(W, dW, W): W and W2 may be one array, so neither is noalias, in the entry
    function nor in the outlined parallel body (which marks what the entry marks)."""
    n = te.var("n")
    W = te.placeholder((n, 8), name="W")
    dW = te.placeholder((n, 8), name="dW")
    W2 = te.compute((n, 8), lambda i, j: W[i, j] - 0.5 * dW[i, j], name="W2")
    s = te.create_schedule(W2.op)
    io, _ = s[W2].split(W2.op.axis[0], factor=3)
    s[W2].parallel(io)
    f = te.build(s, [W, dW, W2], name="sgd")
    unopt = f.get_source("ll-unopt")
    bodies = re.findall(r"define internal void @\"sgd_parallel_\d+_body\"\(([^)]*)\)", unopt)
    assert bodies, unopt
    (entry,) = re.findall(r"define i32 @\"sgd\"\(([^)]*)\)", unopt)
    noalias = set(re.findall(r'ptr noalias %"(\w+)"', entry))
    assert "W" not in noalias and "W2" not in noalias, entry
    for params in bodies:
        assert set(re.findall(r'ptr noalias %"(\w+)"', params)) == noalias, params
        assert 'ptr %"W"' in params and 'ptr %"W2"' in params, params
    w = np.arange(56, dtype="float32").reshape(7, 8)
    dw = np.ones((7, 8), "float32")
    want = w - 0.5 * dw
    f(w, dw, w)
    np.testing.assert_array_equal(w, want)
