"""``tecomp.verify`` misuse and what it reports for a wrong schedule."""

import sys

import numpy as np
import pytest

import tecomp as te
from tecomp import VerificationError


def program():
    n = te.var("n")
    A = te.placeholder((n, 6), name="A")
    B = te.compute((n, 6), lambda i, j: te.if_then_else(j > 0, A[i, j - 1], 0.0) + 1, name="B")
    k = te.reduce_axis((0, 6), name="k")
    C = te.compute((n,), lambda i: te.sum(B[i, k], axis=k), name="C")
    return n, A, B, C


def test_verify_not_a_schedule():
    n, A, B, C = program()
    with pytest.raises(VerificationError, match="first argument must be a schedule"):
        te.verify(C, [A, C])


def test_verify_args_not_a_list():
    n, A, B, C = program()
    with pytest.raises(VerificationError, match="args must be the list of tensors and vars"):
        te.verify(te.create_schedule(C.op), A)


def test_verify_unknown_size_name():
    n, A, B, C = program()
    with pytest.raises(VerificationError, match=r"shapes names \['m'\], which are not symbolic "
                                                r"sizes of the program; its sizes are \['n'\]"):
        te.verify(te.create_schedule(C.op), [A, C], shapes={"m": 3})


def test_verify_missing_output_is_a_lowering_error():
    n, A, B, C = program()
    with pytest.raises(te.LoweringError, match="verify: building the scheduled program failed: "
                                               ".*output 'C' is not in the argument list"):
        te.verify(te.create_schedule(C.op), [A])


def test_verify_accepts_a_good_schedule():
    n, A, B, C = program()
    s = te.create_schedule(C.op)
    io, ii = s[C].split(C.op.axis[0], factor=4)
    s[B].compute_at(s[C], io)
    result = te.verify(s, [A, C])
    assert result.ok and result.runs == [{"n": 7}, {"n": 13}]
    assert "verify: OK" in str(result)
    assert te.verify(s, [A, C], shapes={n: 2}).runs == [{"n": 2}]


def test_verify_reports_first_mismatch(monkeypatch):
    """A schedule whose build is sabotaged (one element off) is caught, with its index."""
    n, A, B, C = program()
    s = te.create_schedule(C.op)
    verify_module = sys.modules["tecomp.verify"]     # verify's own name for build
    real = verify_module.build

    def sabotaged(sch, args, *rest, **kw):
        module = real(sch, args, *rest, **kw)
        if kw.get("name") != "scheduled":
            return module

        def call(*arrays):
            module(*arrays)
            arrays[1].reshape(-1)[3] += 1
        return call_wrapper(module, call)
    monkeypatch.setattr(verify_module, "build", sabotaged)
    with pytest.raises(VerificationError, match=r"output 'C' differs at index \(3,\): scheduled "
                                                r"gives .*, unscheduled gives .* \(1 of 7 elements "
                                                r"differ; n=7\)") as info:
        te.verify(s, [A, C])
    assert info.value.result.mismatch.index == (3,)
    result = te.verify(s, [A, C], raise_error=False)
    assert not result.ok and "MISMATCH" in str(result)


class call_wrapper:
    def __init__(self, module, call):
        self.module, self.call = module, call
        self.funcs = module.funcs

    def __call__(self, *arrays):
        self.call(*arrays)


def test_verify_reports_bounds_violation():
    A = te.placeholder((8,), name="A")
    B = te.compute((8,), lambda i: A[i] * 2, name="B")
    s = te.create_schedule(B.op)
    from tecomp.ir import Load, IRMutator
    build_module = sys.modules["tecomp.build"]
    real = build_module.lower_function

    class Shift(IRMutator):     # a "compiler bug": every load reads one element later
        def visit_Load(self, op):
            return Load(op.dtype, op.buffer, op.index + 1, op.predicate)

    def buggy_lower(sch, args, name="main", **kw):
        func = real(sch, args, name=name, **kw)
        return func.with_body(Shift().visit(func.body)) if name == "scheduled" else func

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(build_module, "lower_function", buggy_lower)
        mp.setenv("TECOMP_CACHE", "0")      # a compiler patched in memory: cache nothing
        with pytest.raises(VerificationError, match=r"the scheduled program failed at run time "
                                                    r".*out-of-bounds load from buffer 'A'"):
            te.verify(s, [A, B])
    np.testing.assert_equal(te.verify(s, [A, B]).ok, True)
