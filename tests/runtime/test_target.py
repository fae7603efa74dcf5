"""Target strings: parsing, host defaults, round trip, errors."""

import llvmlite.binding as llvm
import numpy as np
import pytest

import tecomp as te
from codegen.llvm import build, fastcall
from codegen.llvm.testing import elementwise
from tecomp.errors import BuildError
from tecomp.target import Target


def test_plain_llvm_uses_host_cpu():
    t = Target("llvm")
    assert t.kind == "llvm" and t.options == {}
    assert t.cpu == llvm.get_host_cpu_name()
    assert str(t) == "llvm"
    assert Target.current_host() == t


def test_options_and_round_trip():
    s = "llvm -mcpu=skylake-avx512 -mattr=+avx2 -mtriple=x86_64-linux-gnu"
    t = Target(s)
    assert t.options == {"mcpu": "skylake-avx512", "mattr": "+avx2",
                         "mtriple": "x86_64-linux-gnu"}
    assert (t.cpu, t.triple) == ("skylake-avx512", "x86_64-linux-gnu")
    assert t.features.split(",")[-1] == "+avx2"
    assert str(t) == s and Target(str(t)) == t
    other = "icelake-server" if llvm.get_host_cpu_name() != "icelake-server" else "znver4"
    # another cpu of this architecture: none of the host's features is turned on, every
    # feature the host lacks is turned off
    assert not any(f.startswith("+") for f in Target(f"llvm -mcpu={other}").features.split(","))
    assert Target("llvm -mtriple=aarch64-linux-gnu -mcpu=cortex-a72").features == ""
    assert Target.create(t) is t


@pytest.mark.parametrize("kind", ["cuda", "opencl"])
def test_gpu_kinds(kind):
    assert Target(kind).kind == kind and str(Target(kind)) == kind
    assert str(Target("cuda -arch=sm_80")) == "cuda -arch=sm_80"


def test_unknown_kind_lists_valid_ones():
    with pytest.raises(BuildError, match="unknown target kind 'vulkan'; valid kinds: llvm, "
                                         "cuda, opencl"):
        Target("vulkan")


def test_unknown_option_lists_valid_ones():
    with pytest.raises(BuildError, match="unknown option '-mfoo=1' for target 'llvm'; valid "
                                         "options: -mcpu, -mattr"):
        Target("llvm -mfoo=1")
    with pytest.raises(BuildError, match="-mcpu needs a value"):
        Target("llvm -mcpu")
    with pytest.raises(BuildError, match="target must be a string"):
        Target(3)


def test_build_for_explicit_cpu():
    f = build(elementwise("cp", ["int32"], "int32", lambda x: x),
              "llvm -mcpu=x86-64 -mattr=+sse2")
    a = np.arange(5, dtype="int32")
    b = np.zeros(5, "int32")
    f(a, b)
    np.testing.assert_array_equal(a, b)
    assert "zmm" not in f.get_source("asm")
    obj = f.emit_object()
    assert obj[:4] == b"\x7fELF"
    with pytest.raises(BuildError, match="target kind 'llvm', got 'cuda'"):
        build(elementwise("cp", ["int32"], "int32", lambda x: x), "cuda")


# ------------------------------------------------------------ target facts (issue 10)

def test_target_facts_for_schedules_and_gpus():
    from tecomp.target import Target
    cuda = Target("cuda -max_num_threads=256")
    assert cuda.max_num_threads == 256 and cuda.max_shared_memory_bytes == 48 * 1024
    assert Target("opencl").max_num_threads == 1024


def test_host_mismatch_names_the_reason():
    from tecomp.target import Target, host_mismatch
    assert Target("llvm").host_mismatch() is None
    assert "this host is" in host_mismatch("aarch64-unknown-linux-gnu", "generic", "")
    reason = Target("llvm -mcpu=x86-64 -mattr=+notafeature").host_mismatch()
    assert reason is not None and "notafeature" in reason


def test_lower_for_target_cpu_and_gpu():
    A = te.placeholder((64,), name="A")
    B = te.compute((64,), lambda i: A[i] + 1.0, name="B")
    s = te.create_schedule(B.op)
    cpu = te.lower_for_target(te.lower(s, [A, B], name="f"), "llvm", debug=True)
    assert cpu.programs is None and "assert" in str(cpu.funcs[0])
    bx, tx = s[B].split(B.op.axis[0], factor=32)
    s[B].bind(bx, te.thread_axis("blockIdx.x"))
    s[B].bind(tx, te.thread_axis("threadIdx.x"))
    gpu = te.lower_for_target([te.lower(s, [A, B], name="g")], "cuda")
    assert gpu.narrow_index and [k.name for k in gpu.programs[0].kernels] == ["g_kernel0"]
    assert "block=(32, 1, 1)" in str(gpu.programs[0])
    with pytest.raises(te.BuildError, match="bound to GPU thread axis"):
        te.lower_for_target(te.lower(s, [A, B], name="h"), "llvm")


def test_build_backends_are_an_explicit_table():
    from tecomp.build import BACKENDS
    assert set(BACKENDS) == {"llvm", "cuda", "opencl"}
    assert [f.__name__ for f in BACKENDS.values()] == ["_emit_llvm", "_emit_cuda", "_emit_opencl"]


@pytest.mark.parametrize("first", ["codegen.cuda", "codegen.opencl", "codegen.llvm",
                                   "codegen.cuda.nvrtc", "tecomp.runtime", "tecomp.te"])
def test_any_module_can_be_imported_first(first):
    """No import order matters (codegen imports tecomp, tecomp.build imports codegen)."""
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-c", f"import {first}"], capture_output=True,
                          text=True, cwd=str(__import__("pathlib").Path(__file__).parents[2]))
    assert done.returncode == 0, done.stderr


def test_runtime_load_module_without_entry_compiler(tmp_path):
    """The runtime loads a library by itself (checked ctypes calls); tecomp.load_module
    adds the LLVM backend's native entries."""
    from tecomp import runtime
    A = te.placeholder((8,), name="A")
    B = te.compute((8,), lambda i: A[i] * 2.0, name="B")
    path = str(tmp_path / "libk.so")
    te.build(te.create_schedule(B.op), [A, B], name="k").export_library(path, header=False)
    a, b = np.arange(8, dtype="float32"), np.zeros(8, "float32")
    plain = runtime.load_module(path)
    plain(a, b)
    np.testing.assert_array_equal(b, a * 2)
    assert plain.get_function("k").fast is None
    fast = te.load_module(path)
    b[:] = 0
    fast(a, b)
    np.testing.assert_array_equal(b, a * 2)
    if fastcall.available():
        assert fast.get_function("k").fast is not None
