"""A ``fork()``\\ ed child runs parallel kernels (serially) instead of hanging in
libgomp, whose thread pool does not survive fork. Each case runs in a fresh
interpreter, and a child that hangs is killed by an alarm, so a hang fails the
test instead of the suite."""

import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

_PRELUDE = """
import os, signal, sys, numpy as np, tecomp as te
from tecomp.runtime import fork

def parallel_double(name="f"):
    A = te.placeholder((1000,), name="A")
    B = te.compute((1000,), lambda i: A[i] * 2, name="B")
    s = te.create_schedule(B.op)
    s[B].parallel(B.op.axis[0])
    return te.build(s, [A, B], name=name)

def run(f):
    a = np.arange(1000, dtype="float32")
    b = np.zeros(1000, "float32")
    f(a, b)
    return bool((b == a * 2).all())

def in_child(work):
    pid = os.fork()
    if pid == 0:
        signal.alarm(30)               # a hung child dies instead of outliving the test
        try:
            ok = work()
        except BaseException as exc:
            print("child error", repr(exc), flush=True)
            os._exit(2)
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)
"""


def _run(body, timeout=120):
    code = _PRELUDE + textwrap.dedent(body)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=timeout,
                         env=dict(os.environ, TECOMP_NUM_THREADS="2"))
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]
    return out.stdout


def test_child_runs_a_module_the_parent_ran_in_parallel():
    out = _run("""
        f = parallel_double()
        assert run(f)
        print("child", in_child(lambda: run(f) and fork.forked_serial()))
        assert run(f)                  # the parent keeps its threads
        print("parent serial", fork.forked_serial())
    """)
    assert "child 0" in out and "parent serial False" in out


def test_child_builds_and_loads_new_parallel_modules(tmp_path):
    path = str(tmp_path / "libp.so")
    out = _run(f"""
        f = parallel_double()
        assert run(f)
        parallel_double("g").export_library({path!r})

        def work():
            g = parallel_double("h")
            g.set_num_threads(4)       # stays serial: threads would hang here
            loaded = te.load_module({path!r})
            return run(g) and run(loaded)
        print("child", in_child(work))
    """)
    assert "child 0" in out


def test_child_of_a_parent_that_never_ran_parallel_keeps_threads():
    out = _run("""
        f = parallel_double()
        print("child", in_child(lambda: run(f) and not fork.forked_serial()))
    """)
    assert "child 0" in out
