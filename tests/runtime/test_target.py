"""Target strings: parsing, host defaults, round trip, errors."""

import llvmlite.binding as llvm
import numpy as np
import pytest

from codegen.llvm import build
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
    assert (t.cpu, t.features, t.triple) == ("skylake-avx512", "+avx2", "x86_64-linux-gnu")
    assert str(t) == s and Target(str(t)) == t
    other = "icelake-server" if llvm.get_host_cpu_name() != "icelake-server" else "znver4"
    assert Target(f"llvm -mcpu={other}").features == ""   # no host features for another cpu
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
