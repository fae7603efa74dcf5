"""Classic TVM spellings (issue 15 items 2 and 4): tvm.tir / tvm.expr, dtype names,
TVMError, tvm.target.*, tvm.contrib.cc/utils, tvm.module.load, float shapes, tuple
reducers called with tuples, lower() of inputs only, binds= refused."""

import numpy as np
import pytest

import tecomp as tvm
from tecomp import te
from tecomp.contrib import cc, util, utils


def test_tir_namespace_builds_and_runs(rng):
    n = 37
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: tvm.tir.Select(A[i] > tvm.tir.const(0.5, "float32"),
                                                  A[i], tvm.tir.const(0, "float32"))
                   + tvm.tir.indexmod(i, 4).astype("float32")
                   + tvm.tir.indexdiv(i, 4).astype("float32"), name="B")
    f = tvm.build(te.create_schedule(B.op), [A, B])
    a = rng.random(n).astype("float32")
    b = np.empty_like(a)
    f(a, b)
    idx = np.arange(n)
    np.testing.assert_allclose(b, np.where(a > 0.5, a, 0) + idx % 4 + idx // 4, rtol=1e-6)
    assert tvm.expr is tvm.tir and tvm.stmt is tvm.tir
    assert tvm.indexmod is tvm.tir.indexmod and tvm.float32 == "float32"


def test_float_shape_entries_integral_accepted_fractional_refused():
    bn = 32
    B = te.placeholder((64, 64), name="B")
    packed = te.compute((64 / bn, 64, bn), lambda x, y, z: B[y, x * bn + z], name="packedB")
    assert [int(d.value) for d in packed.shape] == [2, 64, 32]
    with pytest.raises(tvm.ExprError, match=r"compute 'bad': shape entry 2.5 is not an integer"):
        te.compute((5 / 2,), lambda i: B[i, i], name="bad")


def test_tuple_reducer_fcombine_gets_two_tuples_as_in_tvm(rng):
    def fcombine(x, y):
        lhs = tvm.expr.Select((x[1] >= y[1]), x[0], y[0])
        rhs = tvm.expr.Select((x[1] >= y[1]), x[1], y[1])
        return lhs, rhs

    def fidentity(t0, t1):
        return tvm.const(-1, t0), tvm.min_value(t1)

    argmax = te.comm_reducer(fcombine, fidentity, name="argmax")
    idx = te.placeholder((6, 9), name="idx", dtype="int32")
    val = te.placeholder((6, 9), name="val")
    k = te.reduce_axis((0, 9), name="k")
    T0, T1 = te.compute((6,), lambda i: argmax((idx[i, k], val[i, k]), axis=k), name="T")
    f = tvm.build(te.create_schedule(T0.op), [idx, val, T0, T1])
    i_in = np.tile(np.arange(9, dtype="int32"), (6, 1))
    v_in = rng.standard_normal((6, 9)).astype("float32")
    t0, t1 = np.empty(6, "int32"), np.empty(6, "float32")
    f(i_in, v_in, t0, t1)
    np.testing.assert_array_equal(t0, v_in.argmax(axis=1))
    np.testing.assert_array_equal(t1, v_in.max(axis=1))


def test_lower_of_inputs_only_appends_outputs_build_still_requires_them():
    A = te.placeholder((8,), name="A")
    B = te.compute((8,), lambda i: A[i] + 1, name="B")
    s = te.create_schedule(B.op)
    func = tvm.lower(s, [A], simple_mode=True)
    assert [p.name for p in func.params] == ["A", "B"]
    with pytest.raises(tvm.LoweringError, match="output 'B' is not in the argument list"):
        tvm.build(s, [A])


def test_tvm_error_catches_tecomp_errors():
    A = te.placeholder((4,), name="A")
    with pytest.raises(tvm.TVMError):
        te.compute((4,), lambda i, j: A[i], name="B")
    assert issubclass(tvm.ScheduleError, tvm.TVMError)


def test_not_offered_parts_name_themselves():
    with pytest.raises(tvm.NotOffered, match="tvm.hybrid is not offered by tecomp: hybrid"):
        tvm.hybrid
    assert not hasattr(tvm, "hybrid") and not hasattr(tvm, "no_such_name")
    with pytest.raises(tvm.TecompError, match="IRBuilder.allocate is not offered"):
        tvm.tir.ir_builder.create().allocate
    assert tvm.te.scan is tvm.scan     # offered since issue 15 (tests/e2e/test_scan.py)
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        tvm.te.nothing
    # te.extern, packed functions and cblas are offered since issue 15 (tests/e2e/test_extern.py)
    assert tvm.get_global_func("no.such.func", allow_missing=True) is None


def test_target_spellings():
    t = tvm.target.Target(target="cuda", host="llvm")
    assert t.kind == "cuda" and t.kind.name == "cuda" and t.host.kind.name == "llvm"
    assert tvm.target.create("llvm").kind.name == "llvm"
    assert tvm.target.cuda().kind == "cuda" and tvm.target.Target("llvm").keys == ("cpu",)
    with pytest.raises(tvm.BuildError, match="host must be an llvm"):
        tvm.target.Target("llvm", host="cuda")
    with pytest.raises(tvm.BuildError, match="give the target once"):
        tvm.target.Target("llvm", target="cuda")


def test_build_with_target_object_and_host(rng):
    A = te.placeholder((16,), name="A")
    B = te.compute((16,), lambda i: A[i] * 3, name="B")
    f = tvm.build(te.create_schedule(B.op), [A, B],
                  tvm.target.Target(target="llvm", host="llvm"), name="triple")
    dev = tvm.device(tvm.target.Target("llvm").kind.name, 0)
    a = tvm.nd.array(rng.random(16).astype("float32"), dev)
    b = tvm.nd.empty((16,), "float32", dev)
    f(a, b)
    tvm.testing.assert_allclose(b.numpy(), a.numpy() * 3, rtol=1e-6)


def test_saved_object_linked_by_create_shared_loads_checked(rng):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] + 1, name="B")
    f = tvm.build(te.create_schedule(B.op), [A, B], name="myadd")
    temp = utils.tempdir()
    f.save(temp.relpath("myadd.o"))
    cc.create_shared(temp.relpath("myadd.so"), [temp.relpath("myadd.o")])
    for load in (tvm.module.load, tvm.runtime.load_module):
        g = load(temp.relpath("myadd.so"))
        a = rng.random(9).astype("float32")
        b = np.empty_like(a)
        g(a, b)
        np.testing.assert_allclose(b, a + 1)
        with pytest.raises(tvm.ArgumentError):
            g(a, np.empty(3, "float32"))
    assert sorted(temp.listdir()) == ["myadd.o", "myadd.so"]
    assert util.tempdir is utils.tempdir


def test_create_shared_names_a_missing_object():
    temp = utils.tempdir()
    with pytest.raises(tvm.BuildError, match="object file .*nothing.o' does not exist"):
        cc.create_shared(temp.relpath("x.so"), [temp.relpath("nothing.o")])


def test_convert():
    assert isinstance(tvm.convert(1024), tvm.ir.IntImm)
    assert tvm.runtime.convert([1, 2.0])[1].dtype == "float32"


def test_auto_inline_injective(rng):
    A = te.placeholder((6, 5), name="A")
    B = te.compute((6, 5), lambda i, j: A[i, j] + 1, name="B")
    k = te.reduce_axis((0, 5), name="k")
    R = te.compute((6,), lambda i: te.sum(B[i, k], axis=k), name="R")
    C = te.compute((6,), lambda i: R[i] * 2, name="C")
    s = te.create_schedule(C.op)
    assert tvm.te.schedule.AutoInlineInjective(s) is s
    assert s[B].attach_type == tvm.schedule.AttachType.INLINE
    assert s[R].attach_type != tvm.schedule.AttachType.INLINE    # a reduction stays
    assert "B[" not in str(tvm.lower(s, [A, C]))
    f = tvm.build(s, [A, C])
    a = rng.random((6, 5)).astype("float32")
    c = np.empty(6, "float32")
    f(a, c)
    np.testing.assert_allclose(c, 2 * (a + 1).sum(axis=1), rtol=1e-5)
