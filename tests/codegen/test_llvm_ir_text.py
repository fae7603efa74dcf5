"""codegen.llvm.ir_text prints a generated module exactly as llvmlite does (the
text LLVM parses, the ``ll-unopt`` source, the compile cache's key input), on
kernels that use every instruction the code generator emits: integer and float
arithmetic with flags, loads, stores, address computations, compares, selects,
casts, vector lane operations, calls, phis, allocas, atomics (the team-size
helper), branches, assertions and loop metadata. The kernels still compute what
numpy computes."""

import llvmlite.ir as ir
import numpy as np

import tecomp as te
from codegen.llvm import codegen_module
from codegen.llvm.ir_text import TextModule, module_text
from codegen.llvm.streaming_stores import stream_min_bytes
from tecomp.lower import lower_for_target


def _same_text(s, args, name, debug=False):
    """The module of ``s`` prints as llvmlite prints it; returns the built kernel."""
    target = te.Target.create("llvm")
    func = te.lower(s, args, name=name)
    funcs = lower_for_target([func], target, debug=debug).funcs
    module, _ = codegen_module(funcs, name, target.num_threads, stream_min_bytes(target))
    assert isinstance(module, TextModule)
    fast = module_text(module)
    assert fast == str(module)
    assert fast == ir.Module.__repr__(module)      # llvmlite's own printer
    return te.build(s, args, name=name, debug=debug)


def test_gemm_micro_kernel_text_is_llvmlites():
    n, tile = 64, 8
    A = te.placeholder((n, n), name="A")
    B = te.placeholder((n, n), name="B")
    k = te.reduce_axis((0, n), name="k")
    C = te.compute((n, n), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    s = te.create_schedule(C.op)
    cl = s.cache_write(C, "local")
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], tile, tile)
    s[cl].compute_at(s[C], jo)
    ci, cj = s[cl].op.axis
    (kk,) = s[cl].op.reduce_axis
    ko, ki = s[cl].split(kk, factor=4)
    s[cl].reorder(ko, ki, ci, cj)
    s[cl].unroll(ci)
    s[cl].vectorize(cj)
    s[C].vectorize(ji)
    s[C].parallel(io)
    f = _same_text(s, [A, B, C], "gemm_text")
    a = np.random.rand(n, n).astype("float32")
    b = np.random.rand(n, n).astype("float32")
    c = np.empty((n, n), dtype="float32")
    f(a, b, c)
    np.testing.assert_allclose(c, a @ b, rtol=1e-4)


def test_selects_casts_compares_and_checks_text_is_llvmlites():
    n = 37
    A = te.placeholder((n,), name="A")
    I = te.placeholder((n,), name="I", dtype="int32")
    B = te.compute((n,), lambda i: te.if_then_else(
        A[i] > 0.5, te.max(A[i], 0.75) / 3.0, A[(i * 7) % n] - I[i].astype("float32")),
        name="B")
    C = te.compute((n,), lambda i: (B[i] * 10.0).astype("int32") // 3 - I[i] % 5, name="C")
    s = te.create_schedule(C.op)
    xo, xi = s[C].split(C.op.axis[0], factor=8)
    s[C].vectorize(xi)
    f = _same_text(s, [A, I, C], "mixed_text", debug=True)
    a = np.random.rand(n).astype("float32")
    idx = np.arange(n, dtype="int32") - 9
    c = np.empty(n, dtype="int32")
    f(a, idx, c)
    b = np.where(a > 0.5, np.maximum(a, 0.75) / np.float32(3.0),
                 a[(np.arange(n) * 7) % n] - idx.astype("float32")).astype("float32")
    expected = (b * np.float32(10.0)).astype("int32") // 3 - np.mod(idx, 5)
    np.testing.assert_array_equal(c, expected)
