"""``tvm.contrib.clang``: C/C++ source to LLVM IR text with clang, for
``s[C].pragma(axis, "import_llvm", ir)``, which links it into the kernel module
(a tensorized micro-kernel written in C, as in TVM's tensorize tutorial).

clang is looked up as ``clang``, then ``clang-<N>`` for the LLVM versions near
llvmlite's (newest first); without one, :func:`find_clang` raises
:class:`~tecomp.errors.BuildError` saying how to get it (on Debian/Ubuntu,
``apt-get install clang``). gcc cannot emit LLVM IR."""

import os
import shutil
import subprocess
import tempfile

import llvmlite.binding as llvm

from ..errors import BuildError


def find_clang(required=True):
    """The clang executables found on ``PATH`` (a list, best first); empty, or a
    :class:`BuildError` when ``required``, if there is none."""
    major = llvm.llvm_version_info[0]
    names = ["clang"] + [f"clang-{v}" for v in range(major, 10, -1)]
    found = [path for path in map(shutil.which, names) if path]
    if not found and required:
        raise BuildError("tvm.contrib.clang: no clang found on PATH (tried clang, "
                         f"clang-{major} ... clang-11); install one (Debian/Ubuntu: apt-get "
                         "install clang) to compile C to LLVM IR. gcc cannot emit LLVM IR; "
                         "pragma 'import_llvm' also takes LLVM IR text written by hand")
    return found


def create_llvm(inputs, output=None, options=None, cc=None):
    """Compile C/C++ ``inputs`` (source text, or paths of source files; a list or
    one) to LLVM IR with clang (``-S -emit-llvm``), write it to ``output`` if given,
    and return its text. Source text is compiled as C++ (``extern "C"`` keeps the
    function names plain), as TVM does."""
    cc = cc or find_clang()[0]
    inputs = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
    with tempfile.TemporaryDirectory(prefix="tecomp_clang_") as tmp:
        files = []
        for i, code in enumerate(inputs):
            code = os.fspath(code)
            if "\n" not in code and os.path.isfile(code):
                files.append(code)
                continue
            path = os.path.join(tmp, f"input{i}.cc")
            with open(path, "w") as f:
                f.write(code)
            files.append(path)
        out = os.fspath(output) if output else os.path.join(tmp, "output.ll")
        command = [cc, "-S", "-emit-llvm", *(options or ()), "-o", out, *files]
        proc = subprocess.run(command, capture_output=True, text=True)
        if proc.returncode != 0:
            raise BuildError(f"tvm.contrib.clang.create_llvm: {' '.join(command)} failed:\n"
                             f"{proc.stderr}")
        with open(out) as f:
            return f.read()
