"""tensorize with te.decl_tensor_intrin and tvm.tir.decl_buffer: a gemv micro-kernel
linked in as LLVM IR (pragma "import_llvm"), its reduce-update variants, an LLVM
intrinsic variant, and the refusals."""

import shutil

import numpy as np
import pytest

import tecomp as tvm
from tecomp import te
from tecomp.contrib import clang
from tecomp.errors import BuildError, ExprError, LoweringError, ScheduleError

from tensor_intrinsics import gemv_intrin, gemv_llvm_ir, matmul_bt


def _run(s, args, shapes, rng):
    f = tvm.build(s, args, target="llvm")
    a = rng.random(shapes[0], dtype=np.float32)
    b = rng.random(shapes[1], dtype=np.float32)
    c = np.zeros(shapes[2], "float32")
    f(a, b, c)
    return a, b, c, f


def test_gemv_body_matches_numpy(rng):
    A, B, C, s = matmul_bt(24, 32, 20)
    x, y = C.op.axis
    (k,) = C.op.reduce_axis
    yo, yi = s[C].split(y, factor=8)
    s[C].reorder(x, yo, yi, k)
    s[C].tensorize(yi, gemv_intrin(8, 20))
    s[C].pragma(x, "import_llvm", gemv_llvm_ir())
    text = str(tvm.lower(s, [A, B, C]))
    assert "call_extern('gemv_update'" in text and "for (j.inner" not in text
    a, b, c, _ = _run(s, [A, B, C], [(24, 20), (32, 20), (24, 32)], rng)
    np.testing.assert_allclose(c, a @ b.T, rtol=1e-5)


@pytest.mark.parametrize("variant", ["init_update", "body_update"])
def test_split_reduction_uses_reduce_update(variant, rng):
    A, B, C, s = matmul_bt(12, 32, 48)
    x, y = C.op.axis
    (k,) = C.op.reduce_axis
    yo, yi = s[C].split(y, factor=8)
    ko, ki = s[C].split(k, factor=16)
    s[C].reorder(x, yo, ko, yi, ki)
    s[C].tensorize(yi, gemv_intrin(8, 16, variant))
    s[C].pragma(yo, "import_llvm", gemv_llvm_ir())
    text = str(tvm.lower(s, [A, B, C]))
    assert ("gemv_reset" in text) == (variant == "init_update")
    # the output is garbage before the call: the intrinsic must initialize it
    f = tvm.build(s, [A, B, C], target="llvm")
    a, b = rng.random((12, 48), dtype=np.float32), rng.random((32, 48), dtype=np.float32)
    c = np.full((12, 32), 7.0, "float32")
    f(a, b, c)
    np.testing.assert_allclose(c, a @ b.T, rtol=1e-5)


def test_fuzzy_match_and_symbolic_stride_with_offsets(rng):
    # Tensorize the innermost of a 3-d output: leading axes of extent 1 are dropped,
    # the declared stride variable takes the real stride (B's row length 40).
    A = te.placeholder((3, 40), name="A")
    B = te.placeholder((16, 40), name="B")
    k = te.reduce_axis((0, 40), name="k")
    C = te.compute((2, 3, 16), lambda n, i, j: te.sum(A[i, k] * B[j, k], axis=k), name="C")
    s = te.create_schedule(C.op)
    n, i, j = C.op.axis
    jo, ji = s[C].split(j, factor=4)
    s[C].reorder(n, i, jo, ji, k)
    s[C].tensorize(ji, gemv_intrin(4, 40))
    s[C].pragma(n, "import_llvm", gemv_llvm_ir())
    f = tvm.build(s, [A, B, C], target="llvm")
    a, b = rng.random((3, 40), dtype=np.float32), rng.random((16, 40), dtype=np.float32)
    c = np.zeros((2, 3, 16), "float32")
    f(a, b, c)
    np.testing.assert_allclose(c, np.broadcast_to(a @ b.T, (2, 3, 16)), rtol=1e-5)


def test_llvm_intrinsic_variant(rng):
    """An intrinsic whose statements call an LLVM intrinsic on vectors (vload/vstore)."""
    n = 8
    a = te.placeholder((n,), name="a")
    b = te.placeholder((n,), name="b")
    d = te.placeholder((n,), name="d")
    c = te.compute((n,), lambda i: a[i] * b[i] + d[i], name="c")

    def fcompute(ins, outs):
        va, vb, vd = (buf.vload([0], f"float32x{n}") for buf in ins)
        fma = tvm.tir.call_llvm_pure_intrin(f"float32x{n}", f"llvm.fma.v{n}f32",
                                            tvm.tir.const(0, "uint32"), va, vb, vd)
        return outs[0].vstore([0], fma)

    with tvm.build_config(offset_factor=1):   # TVM 0.6's way to let the region start anywhere
        fma8 = te.decl_tensor_intrin(c.op, fcompute, name="fma8")
    X = te.placeholder((4, 32), name="X")
    Y = te.placeholder((4, 32), name="Y")
    Z = te.placeholder((4, 32), name="Z")
    W = te.compute((4, 32), lambda i, j: X[i, j] * Y[i, j] + Z[i, j], name="W")
    s = te.create_schedule(W.op)
    jo, ji = s[W].split(W.op.axis[1], factor=n)
    s[W].tensorize(ji, fma8)
    f = tvm.build(s, [X, Y, Z, W], target="llvm")
    assert "llvm.fma.v8f32" in f.get_source("ll")
    x, y, z = (rng.random((4, 32), dtype=np.float32) for _ in range(3))
    w = np.empty((4, 32), "float32")
    f(x, y, z, w)
    np.testing.assert_allclose(w, x * y + z, rtol=1e-6)


@pytest.mark.skipif(not shutil.which("clang") and not clang.find_clang(required=False),
                    reason="no clang to compile C to LLVM IR")
def test_c_micro_kernel_through_clang(rng, tmp_path):
    code = """
      extern "C" int gemv_update(float *cc, float *aa, float *bb, int m, int l, int stride) {
        for (int i = 0; i < m; ++i)
          for (int j = 0; j < l; ++j) cc[i] += aa[j] * bb[i * stride + j];
        return 0;
      }"""
    ll = clang.create_llvm(code, output=str(tmp_path / "k.ll"))
    assert "define" in ll and (tmp_path / "k.ll").read_text() == ll
    A, B, C, s = matmul_bt(16, 16, 12)
    x, y = C.op.axis
    yo, yi = s[C].split(y, factor=4)
    s[C].reorder(x, yo, yi, C.op.reduce_axis[0])
    s[C].tensorize(yi, gemv_intrin(4, 12))
    s[C].pragma(x, "import_llvm", ll)
    a, b, c, _ = _run(s, [A, B, C], [(16, 12), (16, 12), (16, 16)], rng)
    np.testing.assert_allclose(c, a @ b.T, rtol=1e-5)


def test_exported_library_keeps_the_micro_kernel(rng, tmp_path):
    A, B, C, s = matmul_bt(8, 16, 8)
    x, y = C.op.axis
    yo, yi = s[C].split(y, factor=8)
    s[C].reorder(x, yo, yi, C.op.reduce_axis[0])
    s[C].tensorize(yi, gemv_intrin(8, 8))
    s[C].pragma(x, "import_llvm", gemv_llvm_ir())
    f = tvm.build(s, [A, B, C], target="llvm", name="gemv_lib")
    path = str(tmp_path / "libgemv.so")
    f.export_library(path)
    g = tvm.load_module(path)
    a, b = rng.random((8, 8), dtype=np.float32), rng.random((16, 8), dtype=np.float32)
    c = np.zeros((8, 16), "float32")
    g(a, b, c)
    np.testing.assert_allclose(c, a @ b.T, rtol=1e-5)


def test_random_tensorized_gemms(rng):
    """Random shapes, split factors and variants, each against numpy."""
    ir_text = gemv_llvm_ir()
    for _ in range(6):
        fm, fl = int(rng.choice([2, 4, 8])), int(rng.choice([4, 8]))
        n, m = int(rng.integers(1, 6)), fm * int(rng.integers(1, 4))
        split_k = bool(rng.integers(0, 2))
        l = fl * int(rng.integers(1, 4)) if split_k else int(rng.integers(1, 12))
        variant = str(rng.choice(["init_update", "body_update"])) if split_k else "body"
        A, B, C, s = matmul_bt(n, m, l)
        x, y = C.op.axis
        (k,) = C.op.reduce_axis
        yo, yi = s[C].split(y, factor=fm)
        if split_k:
            ko, ki = s[C].split(k, factor=fl)
            s[C].reorder(x, yo, ko, yi, ki)
        else:
            s[C].reorder(x, yo, yi, k)
        if rng.integers(0, 2):
            s[C].parallel(x)
        s[C].tensorize(yi, gemv_intrin(fm, fl if split_k else l, variant))
        s[C].pragma(yo, "import_llvm", ir_text)
        f = tvm.build(s, [A, B, C], target="llvm")
        a, b = rng.random((n, l), dtype=np.float32), rng.random((m, l), dtype=np.float32)
        c = np.full((n, m), -3.0, "float32") if variant != "body" else np.zeros((n, m), "float32")
        f(a, b, c)
        np.testing.assert_allclose(c, a @ b.T, rtol=1e-5, err_msg=f"{n}x{m}x{l} {variant}")


# ---------------------------------------------------------------- refusals


def _gemv_schedule(factor=8, l=16):
    A, B, C, s = matmul_bt(8, 32, l)
    x, y = C.op.axis
    yo, yi = s[C].split(y, factor=factor)
    s[C].reorder(x, yo, yi, C.op.reduce_axis[0])
    return A, B, C, s, yi


def test_refuses_a_different_computation():
    A, B, C, s, yi = _gemv_schedule()
    a = te.placeholder((16,), name="a")
    b = te.placeholder((8, 16), name="b")
    k = te.reduce_axis((0, 16), name="k")
    c = te.compute((8,), lambda i: te.sum(a[k] + b[i, k], axis=k), name="c")
    wrong = te.decl_tensor_intrin(c.op, lambda ins, outs: tvm.tir.call_extern(
        "int32", "f", outs[0].access_ptr("w")), name="add_reduce")
    s[C].tensorize(yi, wrong)
    with pytest.raises(ScheduleError, match=r"tensorize\(C\): the stage does not compute what "
                                            r"intrinsic 'add_reduce' declares: stage 'C' "
                                            r"computes .*\*.* intrinsic op 'c' computes .*\+"):
        tvm.lower(s, [A, B, C])


def test_refuses_a_region_of_another_size():
    A, B, C, s, yi = _gemv_schedule(factor=4)
    s[C].tensorize(yi, gemv_intrin(8, 16))
    with pytest.raises(ScheduleError, match=r"axis 'j' covers 4 values .* intrinsic "
                                            r"'gemv_body's axis 'i' has extent 8"):
        tvm.lower(s, [A, B, C])


def test_refuses_split_reduction_without_update():
    A, B, C, s = matmul_bt(8, 32, 32)
    x, y = C.op.axis
    yo, yi = s[C].split(y, factor=8)
    ko, ki = s[C].split(C.op.reduce_axis[0], factor=16)
    s[C].reorder(x, yo, ko, yi, ki)
    s[C].tensorize(yi, gemv_intrin(8, 16, "body"))
    with pytest.raises(ScheduleError, match="reduction loop 'k.outer' is outside the tensorized "
                                            "region, so intrinsic 'gemv_body' needs a "
                                            "reduce_update"):
        tvm.lower(s, [A, B, C])


def test_refuses_guard_inside_the_region():
    A, B, C, s = matmul_bt(8, 30, 16)
    x, y = C.op.axis
    yo, yi = s[C].split(y, factor=8)
    s[C].reorder(x, yo, yi, C.op.reduce_axis[0])
    s[C].tensorize(yi, gemv_intrin(8, 16))
    with pytest.raises(ScheduleError, match=r"split guard .* depends on a loop inside the "
                                            r"tensorized region \(from 'j.inner' inward\)"):
        tvm.lower(s, [A, B, C])


def test_refuses_declared_stride_that_differs():
    # B's rows are 16 apart; the intrinsic declares stride 1 for them.
    A, B, C, s, yi = _gemv_schedule()
    s[C].tensorize(yi, gemv_intrin(8, 16, b_strides="one"))
    with pytest.raises(LoweringError, match=r"buffer 'B' bound to a region of tensor 'B': its "
                                            r"stride of dimension 0 is declared 1 but the "
                                            "region's is 16"):
        tvm.lower(s, [A, B, C])


def test_offset_factor_checked_at_run_time():
    # C's region starts at x*32 + yo*8: a multiple of 8, not of 16 (yo odd); the
    # offset is symbolic, so the check is an assertion when the function runs.
    A, B, C, s, yi = _gemv_schedule()
    s[C].tensorize(yi, gemv_intrin(8, 16, offset_factor=16))
    s[C].pragma(C.op.axis[0], "import_llvm", gemv_llvm_ir())
    assert "offset_factor=16" in str(tvm.lower(s, [A, B, C]))
    f = tvm.build(s, [A, B, C], target="llvm")
    a, b, c = np.ones((8, 16), "float32"), np.ones((32, 16), "float32"), np.zeros((8, 32), "float32")
    with pytest.raises(tvm.TecompError, match="buffer 'C' bound to a region of tensor 'C': its "
                                              "element offset must be a multiple of "
                                              "offset_factor=16"):
        f(a, b, c)


def test_refuses_annotations_inside_the_region():
    A, B, C, s, yi = _gemv_schedule()
    s[C].unroll(yi)
    s[C].tensorize(yi, gemv_intrin(8, 16))
    with pytest.raises(ScheduleError, match="loop 'j.inner' is inside the tensorized region but "
                                            "is annotated"):
        tvm.lower(s, [A, B, C])


def test_region_offset_needs_offset_factor(rng):
    # Without offset_factor a declared buffer starts at its tensor's first element.
    A, B, C, s, yi = _gemv_schedule()
    s[C].tensorize(yi, gemv_intrin(8, 16, offset_factor=0))
    s[C].pragma(C.op.axis[0], "import_llvm", gemv_llvm_ir())
    f = tvm.build(s, [A, B, C], target="llvm")
    a, b, c = np.ones((8, 16), "float32"), np.ones((32, 16), "float32"), np.zeros((8, 32), "float32")
    with pytest.raises(tvm.TecompError, match=r"buffer 'B' bound to a region of tensor 'B': its "
                                              r"element offset is declared 0 but the region's is "
                                              r".* \(give decl_buffer an offset_factor="):
        f(a, b, c)


def test_primitive_argument_errors():
    A, B, C, s, yi = _gemv_schedule()
    with pytest.raises(ScheduleError, match=r"tensorize\(C\): second argument must be a tensor "
                                            "intrinsic"):
        s[C].tensorize(yi, "gemv")
    with pytest.raises(ScheduleError, match="'import_llvm' on axis 'i' needs LLVM IR text"):
        s[C].pragma(C.op.axis[0], "import_llvm", "int f() { return 0; }")
    s[C].pragma(C.op.axis[0], "import_llvm", "define i32 @f() {\n  ret i32 0\n")
    s[C].tensorize(yi, gemv_intrin(8, 16))
    with pytest.raises(BuildError, match="pragma 'import_llvm': the LLVM IR does not parse"):
        tvm.build(s, [A, B, C], target="llvm")


def test_decl_buffer_and_intrin_errors():
    with pytest.raises(ExprError, match=r"decl_buffer\(X\): 1 strides for a 2-dimensional"):
        tvm.tir.decl_buffer((4, 4), "float32", name="X", strides=[1])
    with pytest.raises(ExprError, match="access mask must be made of 'r' and 'w'"):
        tvm.tir.decl_buffer((4,), name="Y").access_ptr("x")
    a = te.placeholder((4,), name="a")
    c = te.compute((4,), lambda i: a[i] + 1, name="c")
    other = tvm.tir.decl_buffer((4,), "float64", name="D")
    with pytest.raises(ExprError, match=r"buffer 'D' \(float64, 1-d\) does not match tensor 'a'"):
        te.decl_tensor_intrin(c.op, lambda ins, outs: None, binds={a: other})
    with pytest.raises(ExprError, match="fcompute returned no statement"):
        te.decl_tensor_intrin(c.op, lambda ins, outs: None)
    with pytest.raises(ExprError, match="build_config: option.* bogus are not supported"):
        with tvm.build_config(bogus=1):
            pass


def test_build_config_sets_default_offset_factor():
    a = te.placeholder((4,), name="a")
    c = te.compute((4,), lambda i: a[i] + 1, name="c")
    with tvm.build_config(offset_factor=4):
        intrin = te.decl_tensor_intrin(c.op, lambda ins, outs: tvm.tir.call_extern(
            "int32", "f", ins[0].access_ptr("r")))
    assert [b.offset_factor for b in intrin.buffers] == [4, 4]
    assert isinstance(intrin.buffers[0].elem_offset, te.Var)


def test_clang_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(BuildError, match="no clang found on PATH .* gcc cannot emit LLVM IR"):
        clang.create_llvm("int f() { return 0; }")
    assert clang.find_clang(required=False) == []


def test_llvm_intrinsic_refused_on_gpu_targets():
    a = te.placeholder((4,), name="a")
    c = te.compute((4,), lambda i: a[i] * 2.0, name="c")

    def fcompute(ins, outs):
        two = tvm.tir.call_llvm_pure_intrin("float32x4", "llvm.some.v4f32", 0,
                                            ins[0].vload([0], "float32x4"))
        return outs[0].vstore([0], two)

    with tvm.build_config(offset_factor=1):
        intrin = te.decl_tensor_intrin(c.op, fcompute, name="double4")
    X = te.placeholder((64,), name="X")
    Y = te.compute((64,), lambda i: X[i] * 2.0, name="Y")
    s = te.create_schedule(Y.op)
    xo, xi = s[Y].split(Y.op.axis[0], factor=4)
    s[Y].bind(xo, te.thread_axis("threadIdx.x"))
    s[Y].tensorize(xi, intrin)
    with pytest.raises(BuildError, match=r"call_llvm_intrin\(llvm.some.v4f32\) calls an LLVM "
                                         "intrinsic, which only the LLVM"):
        tvm.build(s, [X, Y], target="cuda")


def test_a_prefetch_inside_the_tensorized_region_is_refused():
    A, B, C, s = matmul_bt(24, 32, 20)
    x, y = C.op.axis
    (k,) = C.op.reduce_axis
    yo, yi = s[C].split(y, factor=8)
    s[C].reorder(x, yo, yi, k)
    s[C].tensorize(yi, gemv_intrin(8, 20))
    s[C].prefetch(B, yi, 1)
    with pytest.raises(ScheduleError, match=r"loop 'j.inner' is inside the tensorized region "
                                            r"but is annotated \(prefetch\(B\)\)"):
        tvm.lower(s, [A, B, C])
