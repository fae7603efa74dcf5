"""The persistent compile cache: a second build of the same schedule for the same
target loads the machine code without lowering or LLVM, in this process or another
one; anything that changes the code changes the key; a graph the key cannot digest
falls back to the key of the lowered functions; a damaged entry is rebuilt."""

import os
import subprocess
import sys

import numpy as np
import pytest

import tecomp as te
from codegen.llvm import cache, jit
from tecomp.runtime.signature import Signature

build_module = sys.modules["tecomp.build"]


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TECOMP_CACHE_DIR", str(tmp_path))
    for name in ("TECOMP_CACHE", "TECOMP_PRINT_IR", "TECOMP_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def no_llvm(monkeypatch):
    """Fail any build that runs LLVM's optimizer."""
    def refuse(*args):
        raise AssertionError("LLVM ran: the build did not come from the cache")

    def arm():     # the whole-module and the split path (jit.compile_units)
        monkeypatch.setattr(jit, "optimize", refuse)
        monkeypatch.setattr(jit, "compile_units", refuse)
    return arm


@pytest.fixture
def no_lowering(monkeypatch):
    """Fail any build that lowers the schedule."""
    def refuse(*args, **kwargs):
        raise AssertionError("lowering ran: the build did not come from the source key")

    def arm():
        monkeypatch.setattr(build_module, "lower_function", refuse)
    return arm


def _schedule(dtype="float32", parallel=False, scale=2, factor=16, kind=None, n=64):
    A = te.placeholder((n,), name="A", dtype=dtype)
    B = te.compute((n,), lambda i: A[i] * scale + 1, name="B")
    s = te.create_schedule(B.op)
    if parallel or kind:
        outer, inner = s[B].split(B.op.axis[0], factor=factor)
        if parallel:
            s[B].parallel(outer)
        if kind:
            getattr(s[B], kind)(inner)
    return s, [A, B]


def _kernel(dtype="float32", parallel=False, scale=2, **kw):
    s, args = _schedule(dtype, parallel, scale)
    return te.build(s, args, name="k", **kw)


def _check(f, dtype="float32", scale=2):
    a = np.arange(64).astype(dtype)
    b = np.zeros_like(a)
    f(a, b)
    np.testing.assert_array_equal(b, a * scale + 1)


def _entries(path):
    return sorted(p.name for p in path.iterdir() if p.suffix == ".tco")


def _source_key(s, args, name="k", target="llvm", debug=False):
    found = cache.source_key((name, s, args), te.Target(target), debug)
    return found and found.key


def test_second_build_comes_from_the_cache(cache_dir, no_llvm, no_lowering):
    first = _kernel(parallel=True)
    assert len(_entries(cache_dir)) == 2      # under the source key and the lowered key
    no_llvm()
    no_lowering()
    second = _kernel(parallel=True)
    assert all(isinstance(f, Signature) for f in second.funcs)
    _check(second)
    assert second.get_source("ll") == first.get_source("ll")
    assert "GOMP_parallel" in second.get_source("ll-unopt")
    second.set_num_threads(1)     # the global of the loaded code is found
    _check(second)
    with pytest.raises(te.TecompError, match="'A'"):     # the checked call still checks
        second(np.zeros(63, "float32"), np.zeros(64, "float32"))


def test_a_dict_of_schedules_comes_from_the_cache(cache_dir, no_llvm, no_lowering):
    def kernels():
        return {"k": _schedule(), "k2": _schedule(scale=3)}
    te.build(kernels())
    no_llvm()
    no_lowering()
    mod = te.build(kernels())
    assert mod.function_names == ["k", "k2"]
    _check(mod["k"])
    _check(mod["k2"], scale=3)


def test_a_graph_that_lowers_alike_reuses_the_code_and_gets_its_own_key(cache_dir, no_llvm,
                                                                        no_lowering):
    def tagged():
        A = te.placeholder((64,), name="A")
        B = te.compute((64,), lambda i: A[i] * 2 + 1, name="B", tag="elemwise")
        return te.create_schedule(B.op), [A, B]
    _check(_kernel())
    assert _source_key(*tagged()) != _source_key(*_schedule())
    no_llvm()
    _check(te.build(*tagged(), name="k"))      # lowered, then the lowered key's code
    assert len(_entries(cache_dir)) == 3
    no_lowering()
    _check(te.build(*tagged(), name="k"))


def test_lowered_functions_still_use_the_lowered_key(cache_dir, no_llvm):
    s, args = _schedule()
    func = te.lower(s, args, name="k")
    _check(te.build(func))
    assert len(_entries(cache_dir)) == 1
    no_llvm()
    _check(te.build(te.lower(*_schedule(), name="k")))


def test_the_source_key_does_not_change_when_lowering_runs(cache_dir):
    s, args = _schedule(parallel=True, kind="vectorize")
    before = _source_key(s, args)
    te.build(s, args, name="k")
    te.lower(s, args, name="k")
    s.show()
    assert _source_key(s, args) == before == _source_key(*_schedule(parallel=True,
                                                                     kind="vectorize"))


def test_anything_that_changes_the_code_changes_the_key(cache_dir):
    s, args = _schedule()
    keys = {
        "base": _source_key(s, args),
        "dtype": _source_key(*_schedule("float64")),
        "constant": _source_key(*_schedule(scale=3)),
        "parallel": _source_key(*_schedule(parallel=True)),
        "factor 16": _source_key(*_schedule(kind="unroll")),
        "factor 8": _source_key(*_schedule(kind="unroll", factor=8)),
        "vectorize": _source_key(*_schedule(kind="vectorize")),
        "shape": _source_key(*_schedule(n=65)),
        "name": _source_key(s, args, name="k2"),
        "target": _source_key(s, args, target="llvm -mcpu=x86-64"),
        "threads": _source_key(s, args, target="llvm -num-threads=1"),
        "debug": _source_key(s, args, debug=True),
        "arguments": _source_key(s, args[::-1]),
    }
    assert None not in keys.values()
    assert len(set(keys.values())) == len(keys), keys


def test_each_variant_builds_and_runs_from_the_cache(cache_dir, no_llvm, no_lowering):
    variants = [("float32", 2), ("float64", 2), ("float32", 3), ("int32", 5)]
    for dtype, scale in variants:
        _check(_kernel(dtype, scale=scale), dtype, scale)
    no_llvm()
    no_lowering()
    for dtype, scale in variants[::-1]:
        _check(_kernel(dtype, scale=scale), dtype, scale)


def test_debug_builds_are_keyed_apart(cache_dir, no_lowering):
    _check(_kernel())
    _check(_kernel(debug=True))
    assert len(_entries(cache_dir)) == 4
    no_lowering()
    assert _kernel().assert_messages["k"] == ()
    checked = _kernel(debug=True)
    assert "out-of-bounds load from buffer 'A'" in checked.assert_messages["k"][0]
    _check(checked)


def _same_name_tensors(swap):
    """Two inputs both named 'A': ``C = X * 2 + Y`` with (X, Y) = (P, Q) or (Q, P)."""
    P = te.placeholder((16,), name="A")
    Q = te.placeholder((16,), name="A")
    X, Y = (Q, P) if swap else (P, Q)
    C = te.compute((16,), lambda i: X[i] * 2 + Y[i], name="C")
    return te.create_schedule(C.op), [P, Q, C]


def test_tensor_identity_not_name(cache_dir):
    assert _source_key(*_same_name_tensors(False)) != _source_key(*_same_name_tensors(True))
    p, q = np.arange(16, dtype="float32"), np.full(16, 100, "float32")
    for swap in (False, True, False, True):     # the second round comes from the cache
        s, args = _same_name_tensors(swap)
        f = te.build(s, args, name="k")
        c = np.zeros(16, "float32")
        f(p, q, c)
        np.testing.assert_array_equal(c, (q * 2 + p) if swap else (p * 2 + q))


def _symbolic():
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] + 1, name="B")
    return n, te.create_schedule(B.op), [A, B, n]


def test_a_cached_module_names_the_users_size_variables(cache_dir, no_lowering):
    _, s, args = _symbolic()
    te.build(s, args, name="k")
    te.verify(s, args)
    no_lowering()
    n, s, args = _symbolic()
    f = te.build(s, args, name="k")
    assert isinstance(f.funcs[0], Signature) and f.funcs[0].scalar_params[0] is n
    b = np.zeros(5, "float32")
    f(np.arange(5, dtype="float32"), b, 5)
    np.testing.assert_array_equal(b, np.arange(1, 6))
    assert te.verify(s, args, shapes={n: 3}).runs == [{"n": 3}]     # keyed by the user's n


def test_an_undigestable_graph_falls_back_to_the_lowered_key(cache_dir, no_llvm):
    A = te.placeholder((64,), name="A")
    B = te.compute((64,), lambda i: A[i] * 2 + 1, name="B", attrs={"note": object()})
    s = te.create_schedule(B.op)
    assert _source_key(s, [A, B]) is None
    _check(te.build(s, [A, B], name="k"))
    assert len(_entries(cache_dir)) == 1      # the lowered key only
    no_llvm()
    _check(te.build(s, [A, B], name="k"))


def test_a_registered_lowering_rule_turns_the_source_key_off(cache_dir, monkeypatch):
    from tecomp.ir import intrin_rules
    s, args = _schedule()
    assert _source_key(s, args) is not None
    monkeypatch.setitem(intrin_rules.RULES, ("llvm", "exp"), (10, lambda call: call))
    assert _source_key(s, args) is None


@pytest.mark.parametrize("name, value", [("TECOMP_PRINT_IR", "1"), ("TECOMP_DEBUG", "2")])
def test_showing_lowering_turns_the_source_key_off(cache_dir, monkeypatch, capsys, name, value):
    _check(_kernel())
    monkeypatch.setenv(name, value)
    s, args = _schedule()
    assert _source_key(s, args) is None
    _check(te.build(s, args, name="k"))
    shown = capsys.readouterr()
    assert "B[i] = ((A[i]" in shown.out + shown.err     # lowering ran and showed the IR


def test_packed_calls_are_not_cached_by_source(cache_dir):
    def double(x, y):
        y[...] = x * 2
    te.register_func("test_llvm_cache.double", double, override=True)
    A = te.placeholder((8,), name="A")
    B = te.extern((8,), [A], lambda ins, outs: te.tir.call_packed(
        "test_llvm_cache.double", ins[0], outs[0]), name="B")
    s = te.create_schedule(B.op)
    for _ in range(2):
        f = te.build(s, [A, B], name="k")
        b = np.zeros(8, "float32")
        f(np.arange(8, dtype="float32"), b)
        np.testing.assert_array_equal(b, np.arange(8) * 2)
    assert len(_entries(cache_dir)) == 1


def test_cache_off(cache_dir, monkeypatch):
    monkeypatch.setenv("TECOMP_CACHE", "0")
    _check(_kernel())
    assert _entries(cache_dir) == []
    assert cache.cache_dir() is None
    assert _source_key(*_schedule()) is None


def test_damaged_entry_is_rebuilt(cache_dir):
    _kernel()
    entries = _entries(cache_dir)
    saved = {e: (cache_dir / e).read_bytes() for e in entries}
    for entry, data in saved.items():
        (cache_dir / entry).write_bytes(data[:len(data) // 2])
    _check(_kernel())
    assert {e: (cache_dir / e).read_bytes() for e in entries} == saved
    for entry in entries:
        (cache_dir / entry).write_bytes(b"not a cache entry")
    _check(_kernel())


def test_cross_target_builds_are_not_cached(cache_dir):
    A = te.placeholder((64,), name="A")
    B = te.compute((64,), lambda i: A[i] + 1, name="B")
    s = te.create_schedule(B.op)
    te.build(s, [A, B], target="llvm -mtriple=aarch64-linux-gnu -mcpu=generic", name="k")
    assert _entries(cache_dir) == []


_CHILD = """
import sys
sys.path.insert(0, {root!r})
sys.path.insert(0, {tests!r})
import codegen.llvm.jit as jit
import tecomp.build
from test_llvm_cache import _kernel, _check
if {forbid}:
    def refuse(*args, **kwargs):
        raise SystemExit("LLVM or lowering ran in the second process")
    jit.optimize = jit.compile_units = refuse
    sys.modules["tecomp.build"].lower_function = refuse
_check(_kernel(parallel={parallel}))
print("ok")
"""


@pytest.mark.parametrize("parallel", [False, True])
def test_second_process_loads_the_entry(cache_dir, parallel):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    tests = os.path.dirname(os.path.abspath(__file__))
    for forbid in (False, True):
        code = _CHILD.format(root=root, tests=tests, forbid=forbid, parallel=parallel)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=120, env=dict(os.environ, TECOMP_CACHE_DIR=str(cache_dir)))
        assert out.returncode == 0 and "ok" in out.stdout, out.stderr[-2000:]
