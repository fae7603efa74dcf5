"""The persistent compile cache: a second build of the same lowered functions for
the same target loads the machine code (no LLVM), in this process or another one;
anything that changes the code changes the key; a damaged entry is rebuilt."""

import os
import subprocess
import sys

import numpy as np
import pytest

import tecomp as te
from codegen.llvm import cache, jit


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TECOMP_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("TECOMP_CACHE", raising=False)
    return tmp_path


@pytest.fixture
def no_llvm(monkeypatch):
    """Fail any build that runs LLVM's optimizer."""
    def refuse(*args):
        raise AssertionError("LLVM ran: the build did not come from the cache")

    def arm():
        monkeypatch.setattr(jit, "optimize", refuse)
    return arm


def _kernel(dtype="float32", parallel=False, scale=2):
    A = te.placeholder((64,), name="A", dtype=dtype)
    B = te.compute((64,), lambda i: A[i] * scale + 1, name="B")
    s = te.create_schedule(B.op)
    if parallel:
        s[B].parallel(s[B].split(B.op.axis[0], factor=16)[0])
    return te.build(s, [A, B], name="k")


def _check(f, dtype="float32", scale=2):
    a = np.arange(64).astype(dtype)
    b = np.zeros_like(a)
    f(a, b)
    np.testing.assert_array_equal(b, a * scale + 1)


def _entries(path):
    return sorted(p.name for p in path.iterdir() if p.suffix == ".tco")


def test_second_build_comes_from_the_cache(cache_dir, no_llvm):
    first = _kernel(parallel=True)
    assert len(_entries(cache_dir)) == 1
    no_llvm()
    second = _kernel(parallel=True)
    _check(second)
    assert second.get_source("ll") == first.get_source("ll")
    assert "GOMP_parallel" in second.get_source("ll-unopt")
    second.set_num_threads(1)     # the global of the loaded code is found
    _check(second)


def test_anything_that_changes_the_code_changes_the_key(cache_dir):
    _check(_kernel("float32"))
    _check(_kernel("float64"), "float64")
    _check(_kernel("float32", scale=3), scale=3)
    _check(_kernel("float32", parallel=True))
    assert len(_entries(cache_dir)) == 4


def test_cache_off(cache_dir, monkeypatch):
    monkeypatch.setenv("TECOMP_CACHE", "0")
    _check(_kernel())
    assert _entries(cache_dir) == []
    assert cache.cache_dir() is None


def test_damaged_entry_is_rebuilt(cache_dir):
    _kernel()
    (entry,) = _entries(cache_dir)
    path = cache_dir / entry
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    _check(_kernel())
    assert path.read_bytes() == data
    path.write_bytes(b"not a cache entry")
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
from test_llvm_cache import _kernel, _check
if {forbid}:
    def refuse(*args):
        raise SystemExit("LLVM ran in the second process")
    jit.optimize = refuse
_check(_kernel())
print("ok")
"""


def test_second_process_loads_the_entry(cache_dir):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    tests = os.path.dirname(os.path.abspath(__file__))
    for forbid in (False, True):
        code = _CHILD.format(root=root, tests=tests, forbid=forbid)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=120, env=dict(os.environ, TECOMP_CACHE_DIR=str(cache_dir)))
        assert out.returncode == 0 and "ok" in out.stdout, out.stderr[-2000:]
