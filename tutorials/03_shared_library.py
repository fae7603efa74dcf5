"""Tutorial 3: compile kernels into a shared library, call them from Python and C.

``Module.export_library`` links the compiled kernels into an ordinary ``.so`` that
needs no tecomp at run time (only libc, libm and libgomp for parallel loops) and
writes a C header beside it. ``te.load_module`` opens such a library and gives back
the same checked Python call as ``te.build``. Here a scheduled matrix multiply and
the window sum go into one library, which is then used from a fresh Python process
and from a small C program compiled against the header.

Run: ``python tutorials/03_shared_library.py`` (``--quick`` for small sizes).
"""

import os
import subprocess
import sys
import tempfile
import textwrap

import numpy as np

import tecomp as te
from tecomp.runtime.export import find_compiler

QUICK = "--quick" in sys.argv
K, N = (64, 48) if QUICK else (512, 512)

# 1. Two kernels: a tiled, vectorized, parallel matmul with a symbolic row count,
#    and the window sum W[i] = A[i] + ... + A[i + 6].
n = te.var("n")
A = te.placeholder((n, K), name="A")
B = te.placeholder((K, N), name="B")
k = te.reduce_axis((0, K), name="k")
C = te.compute((n, N), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
s_mm = te.create_schedule(C.op)
io, jo, ii, ji = s_mm[C].tile(C.op.axis[0], C.op.axis[1], 16, 16)
ko, ki = s_mm[C].split(k, factor=4)
s_mm[C].reorder(io, jo, ko, ii, ki, ji)
s_mm[C].vectorize(ji)
s_mm[C].parallel(io)

RADIUS = 3
m = te.var("m")
X = te.placeholder((m + 2 * RADIUS,), name="X")
r = te.reduce_axis((0, 2 * RADIUS + 1), name="r")
W = te.compute((m,), lambda i: te.sum(X[i + r], axis=r), name="W")
s_ws = te.create_schedule(W.op)
wo, wi = s_ws[W].split(W.op.axis[0], factor=16)
s_ws[W].vectorize(wi)

# One module, two functions: build takes a dict {name: (schedule, args)}.
mod = te.build({"matmul": (s_mm, [A, B, C]), "window_sum": (s_ws, [X, W])})
print(mod)

# 2. Export: the library and its header.
workdir = tempfile.mkdtemp(prefix="tecomp-tutorial3-")
lib_path, header_path = mod.export_library(os.path.join(workdir, "libkernels.so"))
print(open(header_path).read())
print(f"[ok] exported {os.path.basename(lib_path)} "
      f"({os.path.getsize(lib_path)} bytes) and {os.path.basename(header_path)}")

# 3. Load it in a fresh Python process (no compiler work there) and compare with numpy.
CHILD = """
import sys
import numpy as np
import tecomp as te
lib = te.load_module(sys.argv[1])
rows, K, N = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = np.random.default_rng(0)
a = rng.random((rows, K), dtype="float32")
b = rng.random((K, N), dtype="float32")
c = np.empty((rows, N), "float32")
lib["matmul"](a, b, c)
np.testing.assert_allclose(c, a @ b, rtol=1e-4)
x = rng.random(1000 + 6, dtype="float32")
w = np.empty(1000, "float32")
lib["window_sum"](x, w)
np.testing.assert_allclose(w, np.convolve(x, np.ones(7, "float32"), mode="valid"), rtol=1e-5)
try:
    lib["matmul"](a, b.T.copy() if K != N else b[:, :-1], c)
except te.ArgumentError as exc:
    print("checked:", exc)
else:
    raise SystemExit("a bad shape was not refused")
print("functions:", ", ".join(lib.function_names))
"""
rows = 37
child = subprocess.run([sys.executable, "-c", CHILD, lib_path, str(rows), str(K), str(N)],
                       capture_output=True, text=True, timeout=300)
print(child.stdout, child.stderr[-2000:], sep="")
assert child.returncode == 0, "the fresh process failed"
print(f"[ok] load_module in a fresh process: matmul ({rows}x{K} @ {K}x{N}) and window sum "
      "match numpy, and a bad shape is refused")

# 4. A C program against the header: fill inputs, call both kernels, print checksums.
C_PROGRAM = textwrap.dedent(f"""\
    #include <stdio.h>
    #include <stdlib.h>
    #include "libkernels.h"

    int main(void) {{
        const int64_t rows = 5, K = {K}, N = {N}, m = 10;
        float *a = malloc(sizeof(float) * rows * K), *b = malloc(sizeof(float) * K * N);
        float *c = malloc(sizeof(float) * rows * N);
        float x[10 + 6], w[10];
        for (int64_t i = 0; i < rows * K; ++i) a[i] = (float)(i % 7);
        for (int64_t i = 0; i < K * N; ++i) b[i] = (float)(i % 5) * 0.5f;
        for (int i = 0; i < 16; ++i) x[i] = (float)i;
        if (matmul(a, b, c, rows) != 0 || window_sum(x, w, m) != 0) return 1;
        double sum = 0;
        for (int64_t i = 0; i < rows * N; ++i) sum += c[i];
        printf("%.1f %.1f %.1f\\n", sum, w[0], w[9]);
        free(a); free(b); free(c);
        return 0;
    }}
    """)
src = os.path.join(workdir, "main.c")
exe = os.path.join(workdir, "main")
with open(src, "w") as fh:
    fh.write(C_PROGRAM)
compiler = find_compiler()
cmd = [compiler, "-std=c99", "-Wall", "-I", workdir, src, "-o", exe, lib_path,
       f"-Wl,-rpath,{workdir}"]
print("$", " ".join(cmd))
subprocess.run(cmd, check=True)
out = subprocess.run([exe], capture_output=True, text=True, timeout=60, check=True).stdout
print("C program printed:", out.strip())
a = (np.arange(5 * K) % 7).astype("float32").reshape(5, K)
b = ((np.arange(K * N) % 5) * 0.5).astype("float32").reshape(K, N)
x = np.arange(16, dtype="float32")
want = [float((a.astype("float64") @ b).sum()), float(x[0:7].sum()), float(x[9:16].sum())]
got = [float(v) for v in out.split()]
np.testing.assert_allclose(got, want, rtol=1e-5)
print("[ok] the C program, compiled against the header and linked with the library, "
      "computes the same results")

# 5. The library needs nothing of tecomp: only libc, libm and libgomp.
needed = subprocess.run(["ldd", lib_path], capture_output=True, text=True).stdout
print(needed)
assert "python" not in needed and "tecomp" not in needed
print("[ok] the library depends on system libraries only")

for name in os.listdir(workdir):
    os.remove(os.path.join(workdir, name))
os.rmdir(workdir)
