"""Export a Module as a shared library with a C header, or save its code.

``export_library(module, "libk.so")`` emits a position-independent object file from
the module's optimized LLVM IR, adds two constant symbols, and links a ``.so``
with the system C compiler (run without a shell, in a private temporary
directory that is removed afterwards):

* ``__tecomp_abi_version`` (``int32``): :data:`ABI_VERSION`;
* ``__tecomp_metadata`` (NUL-terminated JSON): the functions' signatures (argument
  names, dtypes, shapes with their symbolic variables, written buffers, assert
  messages), the target and the CPU facts the code needs; see :mod:`.load`.

The library needs no tecomp runtime: only libc, libm and, for parallel loops,
libgomp (the thread count comes from ``TECOMP_NUM_THREADS``, else libgomp's
default: ``OMP_NUM_THREADS``, else all cores; read at the first parallel loop).
Each kernel is ``int name(T0 *p0, ..., int64_t v0, ...)`` (:mod:`.abi`),
declared in the generated header with every argument's dtype and shape.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile

from tecomp.errors import BuildError
from tecomp.version import __version__
from tecomp.ir import Call, collect
from tecomp.ir import dtype as dt

from tecomp.abi import extent_text, passes_as_double, size_var

from .c_syntax import C_KEYWORDS, IDENT, c_name, c_type, comment
from .checked_entry import checked_parameters, checked_entries_source
from .signature import Signature

#: Version of the library layout (symbols, metadata, calling convention).
#: :func:`tecomp.load_module` refuses libraries with a newer version.
ABI_VERSION = 1
METADATA_SYMBOL = "__tecomp_metadata"
VERSION_SYMBOL = "__tecomp_abi_version"
COMPILERS = ("cc", "gcc", "clang")


# ------------------------------------------------------------------ compiler

def find_compiler(cc=None):
    """The C compiler driver to link with: ``cc``, else ``$TECOMP_CC``, else the first
    of :data:`COMPILERS` on PATH; a :class:`BuildError` names what was searched."""
    wanted = cc or os.environ.get("TECOMP_CC")
    if wanted:
        found = shutil.which(wanted)
        if not found:
            origin = "cc=" if cc else "TECOMP_CC="
            raise BuildError(f"export_library: the C compiler {origin}{wanted!r} was not "
                             "found (not an executable path, nor on PATH)")
        return found
    for name in COMPILERS:
        found = shutil.which(name)
        if found:
            return found
    raise BuildError(f"export_library: no C compiler found to link the shared library; "
                     f"searched for {', '.join(COMPILERS)} on PATH="
                     f"{os.environ.get('PATH', '')!r}. Install one (e.g. gcc) or pass "
                     "export_library(..., cc='/path/to/cc')")


def _link(objects, output, libraries, cc, c_source=None):
    compiler = find_compiler(cc)
    out_dir = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(out_dir):
        raise BuildError(f"export_library: the directory {out_dir!r} does not exist")
    if os.path.isdir(output):
        raise BuildError(f"export_library: {output!r} is a directory; give the path of the "
                         "library file to write, e.g. 'libkernel.so'")
    try:
        scratch = tempfile.TemporaryDirectory(prefix="tecomp-export-")
    except OSError as exc:
        raise BuildError(f"export_library: cannot create a temporary directory "
                         f"({exc.strerror or exc}); set TMPDIR to a writable one") from None
    with scratch as tmp:
        paths = []
        for i, data in enumerate(objects):
            paths.append(os.path.join(tmp, f"module{i}.o"))
            with open(paths[-1], "wb") as fh:
                fh.write(data)
        if c_source is not None:
            paths.append(os.path.join(tmp, "checked_entries.c"))
            with open(paths[-1], "w") as fh:
                fh.write(c_source)
        linked = os.path.join(tmp, "library.so")
        command = [compiler, "-shared", "-fPIC", "-O2", "-o", linked, *paths, *libraries]
        try:
            proc = subprocess.run(command, capture_output=True, text=True, timeout=600)
        except OSError as exc:
            raise BuildError(f"export_library: cannot run {compiler}: {exc}") from None
        if proc.returncode != 0:
            raise BuildError(f"export_library: linking {output} failed; `{' '.join(command)}` "
                             f"exited with status {proc.returncode}:\n"
                             f"{(proc.stderr or proc.stdout).strip()}")
        _install(linked, output)


def _install(built, output):
    """Move ``built`` to ``output`` atomically. A fresh inode replaces the old
    library, so a process that has it mapped keeps its copy and a reader never sees
    a half-written file; the staging file never outlives a failure."""
    out_dir = os.path.dirname(os.path.abspath(output))
    try:
        fd, staged = tempfile.mkstemp(prefix=f".{os.path.basename(output)[:64]}.",
                                      suffix=".tmp", dir=out_dir)
    except OSError as exc:
        raise BuildError(f"export_library: cannot write in {out_dir!r}: "
                         f"{exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as dst, open(built, "rb") as src:
            shutil.copyfileobj(src, dst)
        os.chmod(staged, 0o755)
        os.replace(staged, output)
    except OSError as exc:
        raise BuildError(f"export_library: cannot write {output!r}: "
                         f"{exc.strerror or exc}") from None
    finally:
        if os.path.exists(staged):
            os.unlink(staged)


# ------------------------------------------------------------------ metadata

def metadata(module):
    """The JSON-able description embedded in an exported library."""
    facts = module._compiled.target_facts()
    return {"format": "tecomp-library", "abi": ABI_VERSION, "tecomp": __version__,
            "target": str(module.target), **facts,
            "parallel": bool(getattr(module._compiled, "uses_parallel", False)),
            "functions": [sig.to_json() for sig in module.signatures]}


# ------------------------------------------------------------------ header

def _shape_text(shape):
    return "[" + ", ".join(extent_text(e) for e in shape) + "]"


def _declaration(sig):
    if not IDENT.match(sig.name) or sig.name in C_KEYWORDS:
        raise BuildError(f"export_library: function name {sig.name!r} is not a C identifier; "
                         "build it with a name such as 'my_kernel'")
    taken, params, notes = set(), [], []
    for buf in sig.buffer_params:
        name = c_name(buf.name, taken)
        written = buf in sig.written
        ctype = c_type(buf.dtype)
        params.append(f"{'' if written else 'const '}{ctype} *{name}")
        extra = " (IEEE half bits)" if dt.element_of(buf.dtype) == "float16" else ""
        notes.append(f"{name}: {buf.dtype}{extra} {_shape_text(buf.shape)}, C-contiguous, "
                     f"{'written' if written else 'read'}")
    derived = {}
    for buf in sig.buffer_params:
        for axis, extent in enumerate(buf.shape):
            if size_var(extent) is not None:
                derived.setdefault(size_var(extent), f"{buf.name}.shape[{axis}]")
    for var in sig.abi_vars:
        name = c_name(var.name, taken)
        ctype = "double" if passes_as_double(var) else "int64_t"
        params.append(f"{ctype} {name}")
        role = f"size, = {derived[var]}" if var in derived else "scalar argument"
        note = f"{name}: {var.dtype}"
        if ctype != var.dtype + "_t":
            note += f" passed as {ctype}"
        notes.append(f"{note} ({role})")
    lines = [f"/* {sig.name}"]
    lines += [f" *   {comment(n)}" for n in notes]
    lines.append(" * Returns 0 on success" + (", else the code of a failed check:"
                                                if sig.messages else "."))
    lines += [f" *   {i} = {comment(m)}" for i, m in enumerate(sig.messages, 1)]
    lines.append(" * Checks nothing: NULL pointers, arrays smaller than the sizes passed and")
    lines.append(" * overlapping arrays are undefined behaviour. Use the checked entry below")
    lines.append(" * unless the arguments are known to be right.")
    lines.append(" */")
    lines.append(f"int {sig.name}({', '.join(params) or 'void'});")
    lines.append("")
    lines.append(f"/* {sig.name}_checked: the same call, checked first. Pass each array with")
    lines.append(" * its shape (int64_t[ndim]); sizes are taken from the shapes. Checks every")
    lines.append(" * shape (constants, sizes agreeing across arrays, sizes that fit their")
    lines.append(" * dtype), NULL pointers of non-empty arrays and written arrays overlapping")
    lines.append(" * another argument. Returns 0 on success, -1 if an argument is wrong, else")
    lines.append(f" * the code of {sig.name}; then writes the message to error (NUL-terminated,")
    lines.append(" * at most error_size bytes; error may be NULL).")
    lines.append(" */")
    lines.append(f"int {sig.name}_checked({checked_parameters(sig)});")
    return "\n".join(lines)


def header_text(module, library_name):
    guard = "TECOMP_" + re.sub(r"[^A-Za-z0-9]", "_", library_name).upper() + "_H_"
    parallel = getattr(module._compiled, "uses_parallel", False)
    intro = [f"/* {comment(library_name)}: generated by tecomp; target "
             f"'{comment(str(module.target))}'.",
             " * Arrays are dense, row-major (C-contiguous) and must not overlap a written",
             " * array; symbolic sizes are passed after the data pointers."]
    if parallel:
        intro += [" * Parallel loops use libgomp with TECOMP_NUM_THREADS threads (else",
                  " * OMP_NUM_THREADS, else all cores), read at the first parallel loop."]
    intro.append(" */")
    body = "\n\n".join(_declaration(sig) for sig in module.signatures)
    return "\n".join(intro + [f"#ifndef {guard}", f"#define {guard}", "",
                              "#include <stddef.h>", "#include <stdint.h>", "", "#ifdef __cplusplus",
                              'extern "C" {', "#endif", "", body, "",
                              "#ifdef __cplusplus", "}", "#endif", "",
                              f"#endif  /* {guard} */", ""])


# ------------------------------------------------------------------ entry points

def _exportable(module, what):
    if not hasattr(module._compiled, "emit_object"):
        raise BuildError(f"{what}: this module has no compiled LLVM code to write (a module "
                         "loaded from a library cannot be exported again; copy the .so)")
    for func in getattr(module, "funcs", ()):
        if isinstance(func, Signature):    # from the compile cache, which holds no packed calls
            continue
        calls = collect(func.body, lambda n: isinstance(n, Call) and n.op == "call_packed")
        if calls:
            raise BuildError(f"{what}: function '{func.name}' calls packed function "
                             f"'{calls[0].args[0].value}' (a te.extern stage), which lives in "
                             "this Python process; a library cannot carry it. Call the module "
                             "here, or write the stage with te.compute to export it")


def export_library(module, path, header=True, cc=None):
    """See :meth:`tecomp.runtime.Module.export_library`."""
    _exportable(module, "export_library")
    path = os.fspath(path)
    for sig in module.signatures:
        _declaration(sig)    # C names and types are valid before linking
    header_path = None
    if header:
        header_path = os.path.splitext(path)[0] + ".h" if header is True else os.fspath(header)
        if os.path.abspath(header_path) == os.path.abspath(path):
            raise BuildError(f"export_library: the header would overwrite the library "
                             f"{path!r}; name the library '*.so' (the header goes beside it "
                             "as '*.h'), or pass header='other/path.h'")
    meta = json.dumps(metadata(module), separators=(",", ":")).encode() + b"\0"
    obj = module._compiled.emit_object({METADATA_SYMBOL: meta, VERSION_SYMBOL: ABI_VERSION})
    libraries = ["-lm"] + (["-lgomp"] if metadata(module)["parallel"] else [])
    _link([obj], path, libraries, cc, checked_entries_source(module.signatures))
    if header_path is not None:
        _write(header_path, header_text(module, os.path.basename(path)).encode(),
               "export_library")
    return path, header_path


def _write(path, data, what):
    try:
        with open(path, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        raise BuildError(f"{what}: cannot write {path!r}: {exc.strerror or exc}") from None


def save(module, path):
    """See :meth:`tecomp.runtime.Module.save`."""
    path = os.fspath(path)
    suffix = os.path.splitext(path)[1]
    if suffix == ".so":
        return export_library(module, path)[0]
    _exportable(module, "save")
    if suffix == ".o":  # with the signatures, so a library linked from it loads checked
        meta = json.dumps(metadata(module), separators=(",", ":")).encode() + b"\0"
        data = module._compiled.emit_object({METADATA_SYMBOL: meta, VERSION_SYMBOL: ABI_VERSION})
    elif suffix == ".ll":
        data = module.get_source("ll").encode()
    elif suffix == ".s":
        data = module._compiled.emit_assembly().encode()
    else:
        raise BuildError(f"save: unknown file type {suffix or path!r}; valid suffixes: "
                         ".o (object file), .ll (LLVM IR), .s (assembly), .so (shared "
                         "library)")
    _write(path, data, "save")
    return path
