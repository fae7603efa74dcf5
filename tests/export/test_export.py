"""export_library, the C header, load_module, save: round trips and every error."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tecomp as te
from tecomp.errors import ArgumentTypeError, ArgumentValueError, BuildError
from tecomp.runtime import LibraryLoadError, NotRunnableError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def kernels():
    """Two kernels with symbolic sizes: a scaled row sum (parallel) and a window sum."""
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n, m), name="A")
    k = te.reduce_axis((0, m), name="k")
    R = te.compute((n,), lambda i: te.sum(A[i, k] * 2.0, axis=k), name="R")
    s1 = te.create_schedule(R.op)
    s1[R].parallel(R.op.axis[0])
    X = te.placeholder((n,), name="X", dtype="float64")
    W = te.compute((n - 2,), lambda i: X[i] + X[i + 1] + X[i + 2], name="W")
    s2 = te.create_schedule(W.op)
    return {"rowsum": (s1, [A, R]), "window": (s2, [X, W])}


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    d = tmp_path_factory.mktemp("lib")
    mod = te.build(kernels())
    path, header = mod.export_library(str(d / "libk.so"))
    return mod, path, header


def run_python(code, **env):
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                         text=True, timeout=120, env=dict(os.environ, **env),
                         cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def test_round_trip_in_fresh_process(lib):
    _, path, _ = lib
    out = run_python(f"""
        import json, numpy as np, tecomp as te
        m = te.load_module({path!r})
        rng = np.random.default_rng(1)
        a = rng.random((7, 33)).astype("float32"); r = np.zeros(7, "float32")
        m(a, r)
        x = rng.random(50); w = np.zeros(48)
        m["window"](x, w)
        errors = []
        for call in (lambda: m(a, np.zeros(6, "float32")), lambda: m(a.astype("float64"), r),
                     lambda: m["window"](x, np.zeros(47))):
            try:
                call()
            except te.ArgumentError as exc:
                errors.append(type(exc).__name__ + ": " + str(exc))
        print(json.dumps({{"names": m.function_names,
                          "ok_r": bool(np.allclose(r, 2 * a.sum(1), rtol=1e-5)),
                          "ok_w": bool(np.allclose(w, x[:-2] + x[1:-1] + x[2:])),
                          "errors": errors}}))
    """)
    result = json.loads(out.splitlines()[-1])
    assert result["names"] == ["rowsum", "window"]
    assert result["ok_r"] and result["ok_w"]
    assert result["errors"][0].startswith("ArgumentValueError: argument 2 'R': shape[0] is 6 "
                                          "but n = 7")
    assert result["errors"][1] == ("ArgumentTypeError: argument 1 'A': expected dtype "
                                   "float32, got float64")
    assert "axis 0 must be" in result["errors"][2]


def test_loaded_module_checks_like_build(lib):
    mod, path, _ = lib
    g = te.load_module(path)
    x = np.arange(10.0)
    for m in (mod, g):
        w = np.zeros(8)
        m["window"](x, w)
        np.testing.assert_array_equal(w, x[:-2] + x[1:-1] + x[2:])
        with pytest.raises(ArgumentTypeError, match="argument 1 'X': expected dtype float64"):
            m["window"](x.astype("float32"), w)
        with pytest.raises(ArgumentValueError, match="'W' overlaps argument 1 'X'"):
            m["window"](x, x[:8])
        with pytest.raises(ArgumentValueError, match="read-only"):
            w.flags.writeable = False
            m["window"](x, w)
    with pytest.raises(te.TecompError, match="has no source"):
        g.get_source("ll")
    with pytest.raises(BuildError, match="loaded from a library cannot be exported"):
        g.export_library(path + ".again.so")


def test_header_declares_every_kernel(lib):
    _, _, header = lib
    assert header.endswith("libk.h")
    text = open(header).read()
    assert "int rowsum(const float *A, float *R, int64_t n, int64_t m);" in text
    assert "int window(const double *X, double *W, int64_t n);" in text
    assert "A: float32 [n, m], C-contiguous, read" in text
    assert "W: float64 [(n - 2)], C-contiguous, written" in text or "W: float64 [n - 2]" in text
    assert "n: int32 passed as int64_t (size, = A.shape[0])" in text   # te.var: int32, as in TVM


C_PROGRAM = r"""
#include <stdio.h>
#include "libk.h"
int main(void) {
    float a[3 * 4]; float r[3];
    double x[6] = {1, 2, 3, 4, 5, 6}; double w[4];
    for (int i = 0; i < 12; ++i) a[i] = (float)i;
    int rc = rowsum(a, r, 3, 4);
    rc |= window(x, w, 6);
    printf("%d %g %g %g %g %g %g %g\n", rc, r[0], r[1], r[2], w[0], w[1], w[2], w[3]);
    return rc;
}
"""


def test_c_program_against_header(lib, tmp_path):
    from tecomp.runtime.export import find_compiler
    _, path, header = lib
    src = tmp_path / "main.c"
    src.write_text(C_PROGRAM)
    exe = tmp_path / "main"
    libdir = os.path.dirname(path)
    build = subprocess.run([find_compiler(), "-std=c99", "-Wall", "-Werror", "-I", libdir,
                            str(src), "-o", str(exe), path, f"-Wl,-rpath,{libdir}"],
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    out = subprocess.run([str(exe)], capture_output=True, text=True, timeout=30,
                         env=dict(os.environ, TECOMP_NUM_THREADS="2"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["0", "12", "44", "76", "6", "9", "12", "15"]


def test_parallel_export_thread_counts(lib):
    _, path, _ = lib
    nm = subprocess.run(["nm", "-D", path], capture_output=True, text=True).stdout
    if nm:
        assert "GOMP_parallel" in nm
    code = f"""
        import numpy as np, tecomp as te
        m = te.load_module({path!r})
        a = np.arange(101 * 9, dtype="float32").reshape(101, 9); r = np.zeros(101, "float32")
        m(a, r)
        print(r.tolist())
    """
    one = run_python(code, TECOMP_NUM_THREADS="1").splitlines()[-1]
    two = run_python(code, TECOMP_NUM_THREADS="2").splitlines()[-1]
    assert one == two
    expected = (2 * np.arange(101 * 9, dtype="float32").reshape(101, 9).sum(1)).tolist()
    np.testing.assert_allclose(json.loads(one), expected, rtol=1e-6)


def test_loaded_set_num_threads(lib):
    _, path, _ = lib
    g = te.load_module(path)
    a = np.ones((9, 5), "float32")
    for threads in (1, 3):
        g.set_num_threads(threads)
        r = np.zeros(9, "float32")
        g(a, r)
        np.testing.assert_array_equal(r, np.full(9, 10, "float32"))


# ------------------------------------------------------------------ bad files

def _compile_c(tmp_path, source, name):
    from tecomp.runtime.export import find_compiler
    src = tmp_path / (name + ".c")
    src.write_text(source)
    out = tmp_path / (name + ".so")
    subprocess.run([find_compiler(), "-shared", "-fPIC", str(src), "-o", str(out)], check=True)
    return str(out)


def test_non_tecomp_library(tmp_path):
    path = _compile_c(tmp_path, "int f(void) { return 1; }\n", "plain")
    with pytest.raises(LibraryLoadError, match="not made by tecomp .*no __tecomp_metadata"):
        te.load_module(path)


def test_newer_abi(tmp_path):
    path = _compile_c(tmp_path, 'const int __tecomp_abi_version = 99;\n'
                                'const char __tecomp_metadata[] = "{}";\n', "newer")
    with pytest.raises(LibraryLoadError, match="made by a newer tecomp \\(library ABI 99; "
                                               "this tecomp reads ABI 1"):
        te.load_module(path)


def test_damaged_metadata(tmp_path):
    path = _compile_c(tmp_path, 'const int __tecomp_abi_version = 1;\n'
                                'const char __tecomp_metadata[] = "{not json";\n', "damaged")
    with pytest.raises(LibraryLoadError, match="damaged tecomp metadata"):
        te.load_module(path)


def test_truncated_and_missing_files(lib, tmp_path):
    _, path, _ = lib
    data = open(path, "rb").read()
    cut = tmp_path / "cut.so"
    cut.write_bytes(data[:len(data) // 3])
    with pytest.raises(LibraryLoadError, match="not a loadable shared library"):
        te.load_module(str(cut))
    text = tmp_path / "notes.so"
    text.write_text("hello")
    with pytest.raises(LibraryLoadError, match="not a loadable shared library"):
        te.load_module(str(text))
    with pytest.raises(LibraryLoadError, match="no such file"):
        te.load_module(str(tmp_path / "absent.so"))


# ------------------------------------------------------------------ compiler and linker

def small_module():
    A = te.placeholder((8,), name="A")
    B = te.compute((8,), lambda i: A[i] + 1.0, name="B")
    return te.build(te.create_schedule(B.op), [A, B], name="inc")


def test_empty_path_gives_build_error(tmp_path, monkeypatch):
    mod = small_module()
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("TECOMP_CC", raising=False)
    with pytest.raises(BuildError, match="no C compiler found .*searched for cc, gcc, clang "
                                         "on PATH=''"):
        mod.export_library(str(tmp_path / "x.so"))
    assert not list(tmp_path.iterdir())


def test_missing_named_compiler(tmp_path):
    with pytest.raises(BuildError, match="the C compiler cc='no-such-cc' was not found"):
        small_module().export_library(str(tmp_path / "x.so"), cc="no-such-cc")


def test_linker_message_and_temp_dir_removed(tmp_path, monkeypatch):
    import tempfile
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    bad_cc = tmp_path / "badcc"
    bad_cc.write_text("#!/bin/sh\necho 'ld: cannot find -lnothing' >&2\nexit 3\n")
    bad_cc.chmod(0o755)
    with pytest.raises(BuildError, match="linking .*x.so failed; .* exited with status 3:\n"
                                         "ld: cannot find -lnothing"):
        small_module().export_library(str(tmp_path / "x.so"), cc=str(bad_cc))
    small_module().export_library(str(tmp_path / "y.so"))
    assert list(scratch.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["badcc", "tmp", "y.h", "y.so"]


def test_header_option_and_bad_names(tmp_path):
    mod = small_module()
    lib, header = mod.export_library(str(tmp_path / "a.so"), header=str(tmp_path / "inc.h"))
    assert header.endswith("inc.h") and "int inc(const float *A, float *B);" in open(header).read()
    assert mod.export_library(str(tmp_path / "b.so"), header=False)[1] is None
    A = te.placeholder((4,), name="A")
    B = te.compute((4,), lambda i: A[i], name="B")
    # A name that cannot be a C symbol is refused when building, before export.
    with pytest.raises(BuildError, match="'my.kernel' must be a C identifier"):
        te.build(te.create_schedule(B.op), [A, B], name="my.kernel")


# ------------------------------------------------------------------ save and cross targets

def test_save_formats(tmp_path):
    mod = small_module()
    assert open(mod.save(str(tmp_path / "k.o")), "rb").read(4) == b"\x7fELF"
    assert "define" in open(mod.save(str(tmp_path / "k.ll"))).read()
    assert "inc:" in open(mod.save(str(tmp_path / "k.s"))).read()
    mod.save(str(tmp_path / "k.so"))
    assert te.load_module(str(tmp_path / "k.so")).function_names == ["inc"]
    with pytest.raises(BuildError, match=r"unknown file type '.bin'; valid suffixes: .o"):
        mod.save(str(tmp_path / "k.bin"))


def _foreign(target):
    A = te.placeholder((16,), name="A")
    B = te.compute((16,), lambda i: A[i] * 3.0, name="B")
    return te.build(te.create_schedule(B.op), [A, B], target=target, name="triple")


def test_other_cpu_exports_but_refuses_calls(tmp_path):
    cpu = "bonnell"   # a CPU whose features tecomp does not know (see test_mcpu.py)
    mod = _foreign(f"llvm -mcpu={cpu}")
    a = np.ones(16, "float32")
    with pytest.raises(NotRunnableError, match=f"built for target 'llvm -mcpu={cpu}' on this "
                                               f"host: it is compiled for CPU '{cpu}'"):
        mod(a, np.zeros_like(a))
    path, _ = mod.export_library(str(tmp_path / "other.so"))
    g = te.load_module(path)
    with pytest.raises(NotRunnableError, match="cannot call"):
        g(a, np.zeros_like(a))
    baseline = _foreign("llvm -mcpu=x86-64")
    b = np.zeros_like(a)
    baseline(a, b)
    np.testing.assert_array_equal(b, 3 * a)


def test_other_architecture_object(tmp_path):
    mod = _foreign("llvm -mtriple=aarch64-linux-gnu -mcpu=generic")
    with pytest.raises(NotRunnableError, match="compiled for aarch64-linux-gnu"):
        mod(np.ones(16, "float32"), np.zeros(16, "float32"))
    obj = open(mod.save(str(tmp_path / "arm.o")), "rb").read()
    assert obj[:4] == b"\x7fELF" and int.from_bytes(obj[18:20], "little") == 183  # EM_AARCH64
    assert "fmul" in mod.get_source("asm")
