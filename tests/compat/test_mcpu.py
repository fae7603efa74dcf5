"""``llvm -mcpu=<cpu>`` never brings instructions the host lacks (issue 15 item 4): for
the host's own CPU name the host's full feature list is used (a host LLVM calls
"znver4" may hide AVX-512), so the JIT build runs; a missing feature asked for with
-mattr makes calls refused, never a SIGILL."""

import re

import llvmlite.binding as llvm
import numpy as np
import pytest

import tecomp as tvm
from tecomp import te
from tecomp.runtime import NotRunnableError
from tecomp.target import Target, host_facts


def _build(target):
    A = te.placeholder((64,), name="A")
    B = te.compute((64,), lambda i: A[i] * 3.0 + 1.0, name="B")
    s = te.create_schedule(B.op)
    _, xi = s[B].split(B.op.axis[0], factor=16)
    s[B].vectorize(xi)
    return tvm.build(s, [A, B], target=target)


def _host_has(feature):
    return f"+{feature}" in host_facts()[1].split(",")


def test_mcpu_of_the_host_uses_only_host_features(rng):
    cpu = llvm.get_host_cpu_name()
    t = Target(f"llvm -mcpu={cpu}")
    assert t.features_complete and t.features.split(",") == host_facts()[1].split(",")
    f = _build(f"llvm -mcpu={cpu}")
    a = rng.random(64).astype("float32")
    b = np.empty_like(a)
    f(a, b)
    np.testing.assert_allclose(b, a * 3 + 1, rtol=1e-6)
    if not _host_has("avx512f"):
        assert "zmm" not in f.get_source("asm")


def test_mattr_overrides_on_the_host_cpu():
    cpu = llvm.get_host_cpu_name()
    t = Target(f"llvm -mcpu={cpu} -mattr=-avx2")
    assert "-avx2" in t.features.split(",") and "+avx2" not in t.features.split(",")


def _missing_feature():
    for entry in host_facts()[1].split(","):
        if entry.startswith("-") and entry[1:] in ("avx512f", "avx512fp16", "amx-tile",
                                                   "amx-int8", "avx512vp2intersect", "sha512"):
            return entry[1:]
    return None


@pytest.mark.skipif(_missing_feature() is None, reason="the host has every candidate feature")
def test_feature_the_host_lacks_is_refused_at_call_time():
    feature = _missing_feature()
    f = _build(f"llvm -mcpu={llvm.get_host_cpu_name()} -mattr=+{feature}")
    a = np.ones(64, "float32")
    with pytest.raises(NotRunnableError, match=f"lacks: .*{feature}"):
        f(a, np.empty_like(a))


def _parallel_threads(target):
    """A function with one parallel loop, built for ``target``."""
    A = te.placeholder((64,), name="A")
    B = te.compute((64,), lambda i: A[i] + 1, name="B")
    s = te.create_schedule(B.op)
    s[B].parallel(B.op.axis[0])
    return tvm.build(s, [A, B], target=target)


def test_num_threads_option_sizes_parallel_loops(rng):
    f = _parallel_threads("llvm -num-threads=1")
    assert re.search(r"@__tecomp_num_threads = .*global i32 1\b", f.get_source("ll"))
    a = rng.random(64).astype("float32")
    b = np.empty_like(a)
    f(a, b)
    np.testing.assert_allclose(b, a + 1)
    assert Target("llvm").num_threads == 0
    with pytest.raises(tvm.BuildError, match="-num-threads must be a non-negative integer"):
        _parallel_threads("llvm -num-threads=two")


def _host_has_all(features):
    return all(_host_has(f) for f in features)


@pytest.mark.parametrize("cpu", ["haswell", "znver4", "nehalem"])
def test_mcpu_of_another_cpu_runs_when_the_host_has_its_features(cpu, rng):
    needed = tvm.target_cpu.implied_features(cpu)
    f = _build(f"llvm -mcpu={cpu}")
    a = rng.random(64).astype("float32")
    b = np.empty_like(a)
    if _host_has_all(needed):
        f(a, b)
        np.testing.assert_allclose(b, a * 3 + 1, rtol=1e-6)
    else:
        with pytest.raises(NotRunnableError, match="lacks: "):
            f(a, b)


def test_another_cpu_never_gets_a_feature_the_host_lacks():
    # Code tuned for another CPU of this architecture has every feature the host
    # lacks switched off, so it cannot contain an instruction the host cannot run.
    lacking = {e[1:] for e in host_facts()[1].split(",") if e.startswith("-")}
    features = Target("llvm -mcpu=graniterapids").features.split(",")
    assert {e[1:] for e in features if e.startswith("-")} >= lacking
    assert not any(e.startswith("+") for e in features)


def test_unknown_cpu_is_refused_for_the_jit():
    f = _build("llvm -mcpu=bonnell")
    a = np.ones(64, "float32")
    with pytest.raises(NotRunnableError, match="compiled for CPU 'bonnell' .* tecomp does not "
                                               "know which features that CPU has"):
        f(a, np.empty_like(a))


def test_target_triple_spelling_and_refused_options():
    t = Target("llvm -target=x86_64-linux-gnu")
    assert t.triple == "x86_64-linux-gnu" and str(t) == "llvm -mtriple=x86_64-linux-gnu"
    with pytest.raises(tvm.BuildError, match="target option -device is not supported for "
                                             "'opencl': TVM uses -device to pick schedules"):
        Target("opencl -device=mali")
    assert Target("cuda -thread_warp_size=16").thread_warp_size == 16
