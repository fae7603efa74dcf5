"""``name_checked``, the checked C entry of an exported library, called from a real
C program compiled with the system C compiler; the header says what each entry
checks."""

import os
import subprocess

import pytest

import tecomp as te
from tecomp.runtime.checked_entry import checked_entries_source
from tecomp.runtime.export import find_compiler

MAIN = r"""
#include <stdio.h>
#include "libp.h"
int main(void) {
  float a[3 * 4], c[2], other[5];
  for (int i = 0; i < 12; ++i) a[i] = (float)i;
  int64_t a_shape[2] = {3, 4}, c_shape[1] = {2}, bad_shape[1] = {3};
  int64_t wide[2] = {3, (int64_t)1 << 40}, negative[2] = {3, -4};
  char err[256];
  int code = pairsum_checked(a, a_shape, c, c_shape, err, sizeof err);
  printf("ok|%d|%g %g\n", code, c[0], c[1]);
  code = pairsum_checked(a, a_shape, other, bad_shape, err, sizeof err);
  printf("shape|%d|%s\n", code, err);
  code = pairsum_checked(NULL, a_shape, c, c_shape, err, sizeof err);
  printf("null|%d|%s\n", code, err);
  code = pairsum_checked(a, a_shape, a, c_shape, err, sizeof err);
  printf("overlap|%d|%s\n", code, err);
  code = pairsum_checked(a, NULL, c, c_shape, err, sizeof err);
  printf("noshape|%d|%s\n", code, err);
  code = pairsum_checked(a, wide, c, c_shape, err, sizeof err);
  printf("range|%d|%s\n", code, err);
  code = pairsum_checked(a, negative, c, c_shape, err, sizeof err);
  printf("negative|%d|%s\n", code, err);
  code = pairsum_checked(a, a_shape, other, bad_shape, err, 9);
  printf("truncated|%d|%s\n", code, err);
  code = pairsum_checked(a, a_shape, other, bad_shape, NULL, 0);
  printf("no_buffer|%d|\n", code);
  return 0;
}
"""


def _pairsum():
    n, m = te.var("n"), te.var("m", "int32")
    A = te.placeholder((n, m), name="A")
    B = te.compute((n, m), lambda i, j: A[i, j] * 2, name="B")
    C = te.compute((n - 1,), lambda i: B[i, 0] + B[i + 1, 0], name="C")
    return te.build(te.create_schedule(C.op), [A, C], name="pairsum")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    d = tmp_path_factory.mktemp("checked")
    _, header = _pairsum().export_library(str(d / "libp.so"))
    (d / "main.c").write_text(MAIN)
    build = subprocess.run([find_compiler(), "-Wall", "-Wextra", "-Werror", "-o",
                            str(d / "main"), str(d / "main.c"), f"-L{d}", "-lp",
                            f"-Wl,-rpath,{d}"], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    run = subprocess.run([str(d / "main")], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    rows = [line.split("|") for line in run.stdout.splitlines()]
    return {name: (int(code), text) for name, code, text in rows}, open(header).read()


def test_a_right_call_computes(results):
    out, _ = results
    assert out["ok"] == (0, "8 24")


@pytest.mark.parametrize("case,message", [
    ("shape", "pairsum: argument 2 'C': shape[0] is 3 but must be (n - 1) = 2"),
    ("null", "pairsum: argument 1 'A' is NULL"),
    ("overlap", "pairsum: 'C' overlaps 'A' and the function writes 'C'; pass separate arrays"),
    ("noshape", "pairsum: argument 1 'A': its shape is NULL"),
    ("range", "pairsum: m = 1099511627776 does not fit its dtype int32"),
    ("negative", "pairsum: argument 1 'A': shape[1] is -4, a negative size"),
    ("truncated", "pairsum:"),
    ("no_buffer", ""),
])
def test_wrong_calls_return_minus_one_with_the_message(results, case, message):
    out, _ = results
    assert out[case] == (-1, message)


def test_header_states_what_each_entry_checks(results):
    _, header = results
    assert "int pairsum(const float *A, float *C, int64_t n, int64_t m);" in header
    assert "Checks nothing: NULL pointers" in header
    assert ("int pairsum_checked(const float *A, const int64_t *A_shape, float *C, "
            "const int64_t *C_shape, char *error, size_t error_size);") in header
    assert "Returns 0 on success, -1 if an argument is wrong" in header


def test_kernel_codes_map_to_their_messages():
    f = _pairsum()
    source = checked_entries_source(f.signatures)
    assert "case 1:" in source and "pairsum: out of memory allocating buffer 'B'" in source


def test_scalar_arguments_follow_the_arrays(tmp_path):
    A = te.placeholder((4,), name="A")
    x = te.var("x", "float32")
    B = te.compute((4,), lambda i: A[i] * x, name="B")
    f = te.build(te.create_schedule(B.op), [A, B, x], name="scale")
    _, header = f.export_library(str(tmp_path / "libs.so"))
    assert ("int scale_checked(const float *A, const int64_t *A_shape, float *B, "
            "const int64_t *B_shape, double x, char *error, size_t error_size);"
            ) in open(header).read()
    main = tmp_path / "main.c"
    main.write_text('#include <stdio.h>\n#include "libs.h"\nint main(void) {\n'
                    '  float a[4] = {1, 2, 3, 4}, b[4];\n  int64_t s[1] = {4};\n'
                    '  int code = scale_checked(a, s, b, s, 2.5, NULL, 0);\n'
                    '  printf("%d %g\\n", code, b[3]);\n  return 0;\n}\n')
    exe = tmp_path / "main"
    subprocess.run([find_compiler(), "-Wall", "-Werror", "-o", str(exe), str(main),
                    f"-L{tmp_path}", "-ls", f"-Wl,-rpath,{tmp_path}"], check=True)
    assert subprocess.run([str(exe)], capture_output=True, text=True).stdout == "0 10\n"
    assert os.path.exists(tmp_path / "libs.h")


def test_in_place_pointwise_call_is_accepted_partial_overlap_refused(tmp_path):
    n = te.var("n")
    W = te.placeholder((n,), name="W")
    dW = te.placeholder((n,), name="dW")
    W2 = te.compute((n,), lambda i: W[i] - 0.5 * dW[i], name="W2")
    f = te.build(te.create_schedule(W2.op), [W, dW, W2], name="sgd")
    f.export_library(str(tmp_path / "libg.so"))
    main = tmp_path / "main.c"
    main.write_text('#include <stdio.h>\n#include "libg.h"\nint main(void) {\n'
                    '  float w[5] = {1, 2, 3, 4, 5}, d[4] = {2, 2, 2, 2};\n'
                    '  int64_t s[1] = {4};\n  char err[200];\n'
                    '  int a = sgd_checked(w, s, d, s, w, s, err, sizeof err);\n'
                    '  printf("%d %g|", a, w[3]);\n'
                    '  int b = sgd_checked(w, s, d, s, w + 1, s, err, sizeof err);\n'
                    '  printf("%d %s\\n", b, err);\n  return 0;\n}\n')
    exe = tmp_path / "main"
    subprocess.run([find_compiler(), "-Wall", "-Werror", "-o", str(exe), str(main),
                    f"-L{tmp_path}", "-lg", f"-Wl,-rpath,{tmp_path}"], check=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True).stdout
    assert out == "0 3|-1 sgd: 'W2' overlaps 'W' and the function writes 'W2'; pass " \
                  "separate arrays\n"
