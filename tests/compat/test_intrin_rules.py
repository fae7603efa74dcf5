"""call_extern / call_pure_extern and per-target intrinsic lowering rules
(register_intrin_rule, tvm.ir.register_intrin_lowering, register_op_attr)."""

import numpy as np
import pytest

import tecomp as tvm
from tecomp import te
from tecomp.ir import register_intrin_lowering, register_op_attr
from tecomp.ir.intrin_rules import RULES
from tecomp.transform.lower_intrinsics import lower_intrinsics


@pytest.fixture(autouse=True)
def clean_rules():
    saved = dict(RULES)
    yield
    RULES.clear()
    RULES.update(saved)


def _exp_program(fbody):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute(A.shape, lambda i: fbody(A[i]), name="B")
    return A, B


@pytest.mark.parametrize("vector", [False, True])
def test_call_pure_extern_calls_the_c_function(rng, vector):
    A, B = _exp_program(lambda x: tvm.tir.call_pure_extern("float32", "expf", x))
    s = te.create_schedule(B.op)
    if vector:
        _, xi = s[B].split(B.op.axis[0], factor=8)
        s[B].vectorize(xi)
    f = tvm.build(s, [A, B])
    a = rng.random(37).astype("float32")
    b = np.empty_like(a)
    f(a, b)
    np.testing.assert_allclose(b, np.exp(a), rtol=1e-6)


def test_call_extern_needs_an_identifier():
    with pytest.raises(tvm.ExprError, match="function name must be a C identifier"):
        tvm.tir.call_extern("float32", "exp f", 1.0)


def _gpu_schedule(B):
    s = te.create_schedule(B.op)
    bx, tx = s[B].split(B.op.axis[0], factor=64)
    s[B].bind(bx, te.thread_axis("blockIdx.x"))
    s[B].bind(tx, te.thread_axis("threadIdx.x"))
    return s


def test_register_intrin_rule_rewrites_exp_for_opencl_only(rng):
    seen = []

    def rule(op):
        seen.append((op.name, op.op.name))
        assert isinstance(op, tvm.tir.Call)
        return tvm.call_pure_extern("float32", "native_exp", op.args[0])

    tvm.register_intrin_rule("opencl", "exp", rule, override=True)
    A, B = _exp_program(te.exp)
    s = _gpu_schedule(B)
    f = tvm.build(s, [A, B], "opencl")
    assert "native_exp(" in f.get_source() and seen == [("exp", "tir.exp")]
    assert "native_exp" not in tvm.build(te.create_schedule(B.op), [A, B]).get_source("ll")
    if tvm.testing.device_enabled("opencl"):
        a = rng.random(100).astype("float32")
        b = np.empty_like(a)
        f(a, b)
        np.testing.assert_allclose(b, np.exp(a), rtol=1e-5)


def test_register_intrin_lowering_of_a_new_intrinsic_on_llvm(rng):
    register_op_attr("tir.mylog", "TCallEffectKind", tvm.tir.CallEffectKind.Pure)
    register_intrin_lowering(
        "tir.mylog", target="llvm", level=99,
        f=lambda op: tvm.tir.call_pure_extern(op.dtype, "logf", op.args[0]))
    A, B = _exp_program(lambda x: tvm.tir.call_intrin(x.dtype, "tir.mylog", x))
    f = tvm.build(te.create_schedule(B.op), [A, B])
    a = rng.random(20).astype("float32") + 0.5
    b = np.empty_like(a)
    f(a, b)
    np.testing.assert_allclose(b, np.log(a), rtol=1e-6)


def test_cuda_rule_compiles_to_ptx():
    tvm.register_intrin_rule("cuda", "exp", lambda op: tvm.call_pure_extern(
        "float32", "%sf" % op.name, op.args[0]), override=True)
    A, B = _exp_program(te.exp)
    f = tvm.build(_gpu_schedule(B), [A, B], "cuda")
    assert "expf(" in f.get_source()


def test_unknown_intrinsic_without_rule_is_a_build_error():
    A, B = _exp_program(lambda x: tvm.tir.call_intrin(x.dtype, "tir.mylog2", x))
    with pytest.raises(tvm.BuildError, match="does not support intrinsic 'mylog2'"):
        tvm.build(te.create_schedule(B.op), [A, B])


def test_rule_errors():
    tvm.register_intrin_rule("llvm", "exp", lambda op: op)
    with pytest.raises(tvm.ExprError, match="rule for 'exp' on target 'llvm' is already registered"):
        tvm.register_intrin_rule("llvm", "exp", lambda op: op)
    with pytest.raises(tvm.ExprError, match="the rule must be a function"):
        tvm.register_intrin_rule("llvm", "log", 3)
    tvm.register_intrin_rule("llvm", "exp", lambda op: tvm.const(1, "int32"), override=True)
    A, B = _exp_program(te.exp)
    with pytest.raises(tvm.ExprError, match="returned .* must return an expression of dtype float32"):
        tvm.build(te.create_schedule(B.op), [A, B])


def test_pass_returns_same_function_without_rules():
    A, B = _exp_program(te.exp)
    func = tvm.lower(te.create_schedule(B.op), [A, B])
    assert lower_intrinsics(func, "llvm") is func
