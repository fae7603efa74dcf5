"""export_library and load_module under misuse: re-export to the same path, odd
paths and names, small files, keyword arguments. Every failure is a TecompError
naming what is wrong, never a bare OS error, and nothing is left behind."""

import os
import subprocess

import numpy as np
import pytest

import tecomp as te
from tecomp.errors import ArgumentTypeError, BuildError
from tecomp.runtime import LibraryLoadError
from tecomp.runtime.export import find_compiler


def _add(k, name="f", a_name="A", b_name="B"):
    A = te.placeholder((4,), name=a_name)
    B = te.compute((4,), lambda i: A[i] + k, name=b_name)
    return te.build(te.create_schedule(B.op), [A, B], name=name)


def _scale_symbolic(k, name="f"):
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] * k, name="B")
    return te.build(te.create_schedule(B.op), [A, B], name=name)


def test_reexport_to_the_same_path_loads_the_new_code(tmp_path):
    path = str(tmp_path / "libk.so")
    _add(1).export_library(path)
    old = te.load_module(path)
    _scale_symbolic(2).export_library(path)
    new = te.load_module(path)
    a = np.full(4, 3, "float32")
    b = np.zeros(4, "float32")
    old(a, b)
    np.testing.assert_array_equal(b, a + 1)
    c = np.zeros(6, "float32")
    new(np.full(6, 3, "float32"), c)           # the new signature: any n
    np.testing.assert_array_equal(c, np.full(6, 6, "float32"))
    new(a, b)
    np.testing.assert_array_equal(b, a * 2)
    old(a, b)                                  # the old module keeps its own code
    np.testing.assert_array_equal(b, a + 1)


def test_loading_leaves_no_copy_behind(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    os.mkdir(tmp_path / "tmp")
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    path = str(tmp_path / "libk.so")
    _add(1).export_library(path)
    m = te.load_module(path)
    assert os.listdir(tmp_path / "tmp") == []
    b = np.zeros(4, "float32")
    m(np.ones(4, "float32"), b)
    assert (b == 2).all()


def test_export_to_a_directory_is_a_build_error(tmp_path):
    (tmp_path / "lib.so").mkdir()
    with pytest.raises(BuildError, match="is a directory"):
        _add(1).export_library(str(tmp_path / "lib.so"))
    assert sorted(os.listdir(tmp_path)) == ["lib.so"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_export_to_a_read_only_directory_is_a_build_error(tmp_path):
    d = tmp_path / "ro"
    d.mkdir()
    d.chmod(0o500)
    try:
        with pytest.raises(BuildError, match="cannot write"):
            _add(1).export_library(str(d / "lib.so"))
        assert os.listdir(d) == []
    finally:
        d.chmod(0o700)


def test_failed_replace_leaves_no_staging_file(tmp_path, monkeypatch):
    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(BuildError, match="cannot write .*Permission denied"):
        _add(1).export_library(str(tmp_path / "lib.so"))
    assert os.listdir(tmp_path) == []


def test_header_path_equal_to_the_library_is_refused(tmp_path):
    with pytest.raises(BuildError, match="header would overwrite the library"):
        _add(1).export_library(str(tmp_path / "libk.h"))
    with pytest.raises(BuildError, match="header would overwrite the library"):
        _add(1).export_library(str(tmp_path / "libk.so"), header=str(tmp_path / "libk.so"))
    assert os.listdir(tmp_path) == []


def test_unwritable_header_is_a_build_error(tmp_path):
    with pytest.raises(BuildError, match="cannot write .*missing"):
        _add(1).export_library(str(tmp_path / "libk.so"), header=str(tmp_path / "missing/k.h"))


def test_save_to_a_missing_directory_is_a_build_error(tmp_path):
    with pytest.raises(BuildError, match="save: cannot write"):
        _add(1).save(str(tmp_path / "missing" / "k.ll"))


@pytest.mark.parametrize("size", [0, 1, 4, 16, 63])
def test_load_of_a_tiny_file_is_a_load_error(tmp_path, size):
    path = tmp_path / "tiny.so"
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00"[:size] + b"\0" * max(0, size - 8))
    with pytest.raises(LibraryLoadError, match="no ELF header|truncated"):
        te.load_module(str(path))


def test_nul_byte_and_long_names_sharing_a_prefix(tmp_path):
    long_a, long_b = "x" * 5000 + "A", "x" * 5000 + "B"
    for a_name, b_name in (("a\0b", "B"), (long_a, long_b)):
        A = te.placeholder((4,), name=a_name)
        B = te.compute((4,), lambda i: A[i] + 1, name=b_name)
        s = te.create_schedule(B.op)
        s[B].parallel(B.op.axis[0])
        f = te.build(s, [A, B], name="f")
        b = np.zeros(4, "float32")
        f(np.ones(4, "float32"), b)
        assert (b == 2).all()
        path, header = f.export_library(str(tmp_path / "libn.so"))
        assert "\0" not in open(header).read()


def test_comment_delimiters_in_names_keep_the_header_valid_under_werror(tmp_path):
    n = te.var("n/*size*/")
    A = te.placeholder((n,), name="A/*in*/")
    B = te.compute((n,), lambda i: A[i] * 2, name="B*/out")
    f = te.build(te.create_schedule(B.op), [A, B], name="f")
    _, header = f.export_library(str(tmp_path / "libc.so"))
    main = tmp_path / "main.c"
    main.write_text(f'#include "{header}"\nint main(void) {{ return 0; }}\n')
    out = subprocess.run([find_compiler(), "-Wall", "-Wextra", "-Werror", "-c", str(main),
                          "-o", str(tmp_path / "main.o")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_keyword_arguments_are_a_clear_error():
    f = _add(1)
    a, b = np.ones(4, "float32"), np.zeros(4, "float32")
    with pytest.raises(ArgumentTypeError, match=r"keyword arguments are not supported .*'B'.*"
                                                r"by position: f\(A, B\)"):
        f(a, B=b)
    with pytest.raises(ArgumentTypeError, match="keyword arguments"):
        f["f"](A=a, B=b)
    f(a, b)
    assert (b == 2).all()


def test_keyword_arguments_to_a_loaded_module(tmp_path):
    path = str(tmp_path / "libk.so")
    _add(1).export_library(path)
    m = te.load_module(path)
    with pytest.raises(ArgumentTypeError, match="keyword arguments"):
        m(A=np.ones(4, "float32"), B=np.zeros(4, "float32"))
