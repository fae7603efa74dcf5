"""te.extern / packed-call refusals: each names the stage, function or tensor."""

import numpy as np
import pytest

import tecomp as tvm
from tecomp import te
from tecomp.errors import (BuildError, ExprError, KernelAssertionError, ScheduleError,
                           TecompError)


def addone_stage(name="errs.addone"):
    A = te.placeholder((8,), name="A")
    B = te.extern(A.shape, [A], lambda ins, outs: tvm.tir.call_packed(name, ins[0], outs[0]),
                  name="B")
    return A, B


def test_exception_in_the_callback_is_raised_by_the_call():
    def broken(x, y):
        raise ValueError("no thanks")
    tvm.register_func("errs.broken", broken, override=True)
    A, B = addone_stage("errs.broken")
    f = tvm.build(te.create_schedule(B.op), [A, B])
    with pytest.raises(KernelAssertionError, match="packed function 'errs.broken' raised: "
                                                   "ValueError: no thanks") as info:
        f(np.zeros(8, "float32"), np.zeros(8, "float32"))
    assert isinstance(info.value.__cause__, ValueError)


def test_unregistered_name_fails_at_call_time_naming_it():
    A, B = addone_stage("errs.never_registered")
    f = tvm.build(te.create_schedule(B.op), [A, B])
    with pytest.raises(KernelAssertionError, match="no function is registered under "
                                                   "'errs.never_registered'"):
        f(np.zeros(8, "float32"), np.zeros(8, "float32"))


def test_registry_misuse():
    tvm.register_func("errs.taken", lambda: None, override=True)
    with pytest.raises(TecompError, match="'errs.taken' is already registered.*override=True"):
        tvm.register_func("errs.taken", lambda: None)
    with pytest.raises(TecompError, match="no function is registered under 'errs.nothing'"):
        tvm.get_global_func("errs.nothing")
    assert tvm.get_global_func("errs.nothing", allow_missing=True) is None


def test_bad_extern_and_call_arguments():
    A = te.placeholder((8,), name="A")
    with pytest.raises(ExprError, match="call_packed.*argument 1 is tensor 'A'.*ins\\[i\\]"):
        te.extern(A.shape, [A], lambda ins, outs: tvm.tir.call_packed("f", A), name="B")
    with pytest.raises(ExprError, match="first argument must be the function's registered name"):
        tvm.tir.call_packed(3)
    with pytest.raises(ExprError, match="extern\\(B\\): fcompute must return a statement"):
        te.extern(A.shape, [A], lambda ins, outs: None, name="B")
    with pytest.raises(ExprError, match="extern\\(B\\): in_buffers/out_buffers"):
        te.extern(A.shape, [A], lambda ins, outs: None, name="B", in_buffers=[])


def test_schedule_misuse():
    A = te.placeholder((8,), name="A")
    A2 = te.compute(A.shape, lambda i: A[i] + 1, name="A2")
    B = te.extern(A.shape, [A2], lambda ins, outs: tvm.tir.call_packed("f", ins[0], outs[0]),
                  name="B")
    s = te.create_schedule(B.op)
    with pytest.raises(ScheduleError, match="split\\(B\\): 'B' is an extern stage.*no loops"):
        s[B].split(A.op.axis[0] if A.op.axis else None, factor=2)
    s[A2].compute_inline()
    with pytest.raises(ScheduleError, match="extern stage 'B' reads 'A2' whole, but 'A2' is "
                                            "inlined"):
        tvm.lower(s, [A, B])


def test_gpu_targets_and_export_are_refused(tmp_path):
    A, B = addone_stage()
    s = te.create_schedule(B.op)
    with pytest.raises(BuildError, match="calls packed function 'errs.addone'.*CPU only.*"
                                         "not 'opencl'"):
        tvm.build(s, [A, B], target="opencl")
    f = tvm.build(s, [A, B])
    with pytest.raises(BuildError, match="export_library: function '.*' calls packed "
                                         "function 'errs.addone'.*cannot carry it"):
        f.export_library(str(tmp_path / "lib.so"))
    with pytest.raises(BuildError, match="save: function .* calls packed function"):
        f.save(str(tmp_path / "x.o"))


def test_cblas_refusals(monkeypatch):
    from tecomp.contrib import cblas
    A = te.placeholder((4, 5), name="A", dtype="int32")
    B = te.placeholder((5, 6), name="B")
    with pytest.raises(ExprError, match="cblas.matmul: 'A' must be a 2-D float32 or float64"):
        cblas.matmul(A, B)
    monkeypatch.setattr(cblas, "GEMM", {})
    with pytest.raises(tvm.NotOffered, match="cblas.matmul is not offered here: no CBLAS "
                                             "library with cblas_sgemm"):
        cblas.matmul(B, B)


def test_gradient_through_an_extern_stage_is_refused():
    A, B = addone_stage()
    loss = te.compute((1,), lambda i: B[0], name="loss")
    with pytest.raises(ExprError, match="te.gradient: 'B' \\(ExternOp"):
        te.gradient(loss, [A])
