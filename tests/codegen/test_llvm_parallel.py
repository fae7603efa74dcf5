"""Parallel loops on libgomp: results independent of the thread count."""

import ctypes
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import tecomp as te
from codegen.llvm import build
from codegen.llvm.parallel import loop_work
from codegen.llvm.team_size import CLOCK_MONOTONIC_COARSE, LOAD_PERIOD_NS
from codegen.llvm.testing import idx, loop
from tecomp.ir import (LT, Add, Allocate, AssertStmt, Buffer, Cast, FloatImm, For, LetStmt,
                       Load, Mul, PrimFunc, SeqStmt, Store, Var, collect)
from tecomp.runtime import KernelAssertionError


def parallel_func():
    """B[i, :] = A[i, :] * (i + s) + row-sum via a per-iteration scratch buffer;
    an outer parallel loop with a captured let variable and a nested parallel loop."""
    n, m = Var("n"), Var("m")
    A, B = Buffer("A", "float64", (n, m)), Buffer("B", "float64", (n, m))
    i, j, k = Var("i"), Var("j"), Var("k")
    s = Var("s")
    T = Buffer("row", "float64", (idx(64),), "local")
    at = Add(Mul(i, m), j)
    scale = Cast("float64", Add(i, s))
    fill = loop(j, m, Store(T, Mul(Load("float64", A, at), scale), FloorMod_(j)))
    write = loop(j, m, Store(B, Add(Load("float64", T, FloorMod_(j)), FloatImm("float64", 1.0)),
                             at), kind="parallel")     # nested: runs serially
    body = Allocate(T, idx(64), SeqStmt((fill, write)))
    guard = AssertStmt(LT(m, idx(65)), "m must be at most 64", body)
    return PrimFunc("par", (A, B, n, m), LetStmt(s, idx(3), loop(i, n, guard, kind="parallel")))


def FloorMod_(j):
    from tecomp.ir import FloorMod
    return FloorMod(j, idx(64))


def expected(a):
    n = a.shape[0]
    return a * (np.arange(n)[:, None] + 3) + 1


def test_parallel_loop_matches_numpy():
    f = build(parallel_func())
    a = np.random.default_rng(0).random((37, 50))
    b = np.zeros_like(a)
    f(a, b)
    np.testing.assert_allclose(b, expected(a))
    assert "GOMP_parallel" in f.get_source("ll")
    for threads in (1, 2, 3):
        f.set_num_threads(threads)
        c = np.zeros_like(a)
        f(a, c)
        np.testing.assert_array_equal(b, c)
    f(a[:0], b[:0])


def test_parallel_assert_propagates():
    f = build(parallel_func())
    a = np.zeros((4, 70))
    with pytest.raises(KernelAssertionError, match="m must be at most 64"):
        f(a, np.zeros_like(a))


_SCRIPT = """
import json, sys, numpy as np
sys.path[:0] = {path!r}
from tests.codegen.test_llvm_parallel import parallel_func
import tecomp as te
from codegen.llvm import build
from codegen.llvm.parallel import loop_work
f = build(parallel_func())
a = np.arange(40 * 30, dtype="float64").reshape(40, 30)
b = np.zeros_like(a)
f(a, b)
print(json.dumps(b.ravel().tolist()))
"""


@pytest.mark.parametrize("threads", ["1", "2"])
def test_thread_count_from_environment(threads):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, TECOMP_NUM_THREADS=threads)
    out = subprocess.run([sys.executable, "-c", _SCRIPT.format(path=[root] + sys.path)],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    b = np.array(json.loads(out.stdout.splitlines()[-1])).reshape(40, 30)
    np.testing.assert_array_equal(b, expected(np.arange(40 * 30, dtype="float64").reshape(40, 30)))


_THREADS = """
import os, sys
sys.path.insert(0, {root!r})
import numpy as np
import tecomp as te

def vadd(n):
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] + 1, name="B")
    s = te.create_schedule(B.op)
    outer, inner = s[B].split(B.op.axis[0], factor=256)
    s[B].parallel(outer)
    s[B].vectorize(inner)
    return te.build(s, [A, B], name="vadd")

def threads():
    return len(os.listdir("/proc/self/task"))

small, large = vadd(1 << 10), vadd(1 << 22)
before = threads()
a = np.ones(1 << 10, "float32"); b = np.empty_like(a)
small(a, b)
assert (b == 2).all()
after_small = threads()
a = np.ones(1 << 22, "float32"); b = np.empty_like(a)
large(a, b)
assert (b == 2).all()
print(before, after_small, threads())
"""


def _thread_counts(script, env):
    """The thread counts that ``script`` (a template with ``{root}``, the repository)
    prints, run in a fresh interpreter with ``env``."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", script.format(root=root)], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return map(int, out.stdout.split())


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc")
def test_small_parallel_loops_run_on_the_calling_thread():
    """A loop with too little work per thread wakes no thread (libgomp starts its
    pool at the first parallel region, so a new thread shows a team ran)."""
    env = dict(os.environ, TECOMP_NUM_THREADS="2")
    env.pop("TECOMP_PARALLEL_MIN_WORK", None)
    before, after_small, after_large = _thread_counts(_THREADS, env)
    assert after_small == before
    assert after_large > before


_BUSY = """
import os, subprocess, sys, time
os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:2])   # libgomp: 2 cores
sys.path.insert(0, {root!r})
import numpy as np
import tecomp as te

def matmul(n):
    A = te.placeholder((n, n), name="A")
    B = te.placeholder((n, n), name="B")
    k = te.reduce_axis((0, n), name="k")
    C = te.compute((n, n), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    s = te.create_schedule(C.op)
    i, j = C.op.axis
    s[C].reorder(i, k, j)
    s[C].parallel(i)
    return te.build(s, [A, B, C], name="matmul")

def threads():
    return len(os.listdir("/proc/self/task"))

def run(f, n):
    a = np.ones((n, n), "float32")
    c = np.empty_like(a)
    f(a, a, c)
    assert (c == n).all()

short, long = matmul(64), matmul(512)
spin = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
try:
    time.sleep(0.3)
    before = threads()
    run(short, 64)
    after_short = threads()
    run(long, 512)
    print(before, after_short, threads())
finally:
    for p in spin:
        p.kill()
        p.wait()
"""


@pytest.mark.skipif(not os.path.isdir("/proc/self/task") or not hasattr(os, "sched_setaffinity")
                    or len(os.sched_getaffinity(0)) < 2, reason="needs 2 cores and /proc")
def test_long_parallel_loops_take_their_threads_on_a_busy_machine():
    """With every core the loop may use held by another process, a loop too short to
    outlast a time slice runs on the calling thread, and one with LONG_WORK per
    thread (a 512^3 matmul: 2^29 element operations) still starts a team."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("TECOMP_NUM_THREADS", "OMP_NUM_THREADS", "TECOMP_PARALLEL_MIN_WORK")}
    before, after_short, after_long = _thread_counts(_BUSY, env)
    assert after_short == before
    assert after_long > before


def test_loop_work_estimate():
    n = 64
    A = te.placeholder((n, n), name="A")
    B = te.compute((n, n), lambda i, j: A[i, j] + A[j, i], name="B")
    s = te.create_schedule(B.op)
    func = te.lower(s, [A, B], name="f")
    (outer, inner) = collect(func.body, lambda x: isinstance(x, For))[::-1]
    assert loop_work(outer.body) == n * 3       # a store and two loads per element
    assert loop_work(inner.body) == 3


def test_team_size_reads_the_load_only_without_an_explicit_count():
    """The automatic thread count looks at the machine's runnable tasks; the code
    for it is there once per module and the result does not depend on it."""
    f = build(parallel_func())
    ll = f.get_source("ll-unopt")
    assert ll.count("define internal i64 @\"__tecomp_team_size\"") == 1
    assert "/proc/loadavg" in ll
    a = np.random.default_rng(1).random((40, 64))
    b = np.zeros_like(a)
    f(a, b)
    np.testing.assert_allclose(b, expected(a))


def _load_cache(f):
    """The module's cached /proc/loadavg reading: (running tasks, stamp in ns)."""
    addresses = [f._compiled.global_address(name)
                 for name in ("__tecomp_load_running", "__tecomp_load_stamp")]
    assert all(addresses), "the module keeps no cached load reading"
    return tuple(ctypes.c_int64.from_address(address) for address in addresses)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2 or os.environ.get("OMP_NUM_THREADS") == "1"
                    or os.environ.get("TECOMP_NUM_THREADS"),
                    reason="one thread or an explicit count: the team size never looks at the load")
def test_team_size_reuses_a_fresh_load_reading():
    """/proc/loadavg costs microseconds to read: a reading younger than
    LOAD_PERIOD_NS is reused (a sentinel count planted with a fresh stamp survives a
    call, and makes the loop serial, still right), an old one is read again."""
    f = build(parallel_func())
    a = np.random.default_rng(2).random((64, 64))
    b = np.zeros_like(a)
    f(a, b)
    running, stamp = _load_cache(f)
    assert running.value >= 1 and stamp.value > 0
    for _ in range(50):            # until one call falls within the period
        running.value = 777
        stamp.value = planted = time.clock_gettime_ns(CLOCK_MONOTONIC_COARSE)
        b[...] = 0
        f(a, b)
        within = time.clock_gettime_ns(CLOCK_MONOTONIC_COARSE) - planted < LOAD_PERIOD_NS
        np.testing.assert_allclose(b, expected(a))
        if within:
            assert (running.value, stamp.value) == (777, planted)
            break
    else:
        pytest.skip("no call finished within LOAD_PERIOD_NS of planting the reading")
    stamp.value = 1                # ancient: read the file again
    f(a, b)
    assert stamp.value >= planted and running.value < 777
    np.testing.assert_allclose(b, expected(a))
