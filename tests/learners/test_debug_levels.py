"""TECOMP_DEBUG=1..4: what each level prints (tecomp.debug)."""

import numpy as np
import pytest

import tecomp as te
from tecomp.errors import ArgumentValueError
from tecomp.runtime.gpu.opencl import opencl_devices


def scale():
    A = te.placeholder((64,), name="A")
    B = te.compute((64,), lambda i: A[i] * 3.0, name="B")
    return te.create_schedule(B.op), [A, B]


def build_and_call(monkeypatch, capsys, level, target="llvm"):
    monkeypatch.setenv("TECOMP_DEBUG", str(level))
    s, args = scale()
    if target != "llvm":
        outer, inner = s[args[1]].split(args[1].op.axis[0], factor=16)
        s[args[1]].bind(outer, te.thread_axis("blockIdx.x"))
        s[args[1]].bind(inner, te.thread_axis("threadIdx.x"))
    f = te.build(s, args, target=target, name="scale")
    a, b = np.arange(64, dtype="float32"), np.zeros(64, "float32")
    if target in ("llvm", "opencl"):
        f(a, b)
        f(a, b)
        np.testing.assert_allclose(b, a * 3)
    captured = capsys.readouterr()
    return captured.err, captured.out


def test_level_0_prints_nothing(monkeypatch, capsys):
    err, out = build_and_call(monkeypatch, capsys, 0)
    assert err == "" and out == ""


def test_level_1_kernels_and_calls(monkeypatch, capsys):
    err, out = build_and_call(monkeypatch, capsys, 1)
    assert out == ""
    lines = err.splitlines()
    assert lines[0].startswith("[tecomp] built scale for llvm in ") and lines[0].endswith(" s")
    assert [x.split(":")[0] for x in lines[1:]] == ["[tecomp] call scale"] * 2
    assert all(x.endswith(" ms") for x in lines[1:])
    assert "lowered IR" not in err


def test_level_2_adds_the_lowered_ir(monkeypatch, capsys):
    err, _ = build_and_call(monkeypatch, capsys, 2)
    assert "----- lowered IR of scale -----" in err
    assert "func scale(A: float32[64], B: float32[64])" in err
    assert "LLVM IR" not in err


def test_level_3_adds_llvm_ir(monkeypatch, capsys):
    err, _ = build_and_call(monkeypatch, capsys, 3)
    assert "----- LLVM IR of scale -----" in err and "define " in err
    assert "assembly" not in err


def test_level_4_adds_assembly(monkeypatch, capsys):
    err, _ = build_and_call(monkeypatch, capsys, 4)
    assert "----- assembly of scale -----" in err
    assert "ret" in err.split("----- assembly of scale -----")[1]


def test_level_3_and_4_on_cuda_print_the_source_and_ptx(monkeypatch, capsys):
    pytest.importorskip("cuda")
    err, _ = build_and_call(monkeypatch, capsys, 4, target="cuda")
    assert "----- CUDA C of scale -----" in err and "__global__" in err
    assert "----- PTX of scale -----" in err and ".entry" in err


@pytest.mark.skipif(not opencl_devices(), reason="no OpenCL device (install the opencl extra)")
def test_level_4_on_opencl(monkeypatch, capsys):
    err, _ = build_and_call(monkeypatch, capsys, 4, target="opencl")
    assert "----- OpenCL C of scale -----" in err and "__kernel" in err
    assert "the opencl driver compiles the source" in err
    assert err.count("[tecomp] call scale:") == 2


@pytest.mark.parametrize("value", ["5", "yes"])
def test_bad_level_is_refused(monkeypatch, value):
    monkeypatch.setenv("TECOMP_DEBUG", value)
    s, args = scale()
    with pytest.raises(ArgumentValueError, match="TECOMP_DEBUG=.*use 0 \\(off\\) to 4"):
        te.build(s, args)
