"""``load_module(path)``: a library made by ``export_library``, as a checked Module.

The library is opened with the dynamic loader (``RTLD_LOCAL``, so two libraries
may define kernels of the same name) through a private copy, removed at once: the
loader returns the handle it already has for a path it has opened, so a library
exported again to the same path would otherwise run its old code. Each load is
independent, and the library is closed (``dlclose``) when the last module using
it is released; ``__tecomp_abi_version`` and
``__tecomp_metadata`` (see :mod:`.export`) restore each function's
:class:`~.signature.Signature`, so calls are checked exactly as after ``build``.
A file that is not a shared library, a library not made by tecomp, and one made
by a newer ABI raise :class:`LibraryLoadError` saying which. A library compiled
for a CPU this host lacks loads, but its calls are refused (like ``build`` with
such a target).
"""

import _ctypes
import ctypes
import json
import os
import shutil
import struct
import tempfile
import weakref

from tecomp.errors import LibraryLoadError, TecompError
from tecomp.target import Target, host_mismatch

from .export import ABI_VERSION, METADATA_SYMBOL, VERSION_SYMBOL
from .gpu.bundle import is_gpu_bundle, load_gpu_module
from .module import Module
from .signature import Signature


class LoadedLibrary:
    """The compiled-code object of a loaded library (see :mod:`.module`)."""

    def __init__(self, path, handle, meta, entry_compiler=None):
        self.path, self.handle, self.meta = path, handle, meta
        self.entry_compiler = entry_compiler
        self.uses_parallel = bool(meta.get("parallel"))
        self.run_error = host_mismatch(meta["triple"], meta["cpu"], meta["features"],
                                       meta.get("features_complete", False))
        self.assert_messages = {f["name"]: tuple(f.get("messages", ()))
                                for f in meta["functions"]}
        # the code goes when the last module (and so this object) goes
        self._close = weakref.finalize(self, _ctypes.dlclose, handle._handle)
        self._close.atexit = False      # at exit the process unmaps it anyway

    def _symbol(self, name):
        try:
            return ctypes.cast(getattr(self.handle, name), ctypes.c_void_p).value
        except AttributeError:
            return None

    def function_address(self, name):
        if self.run_error is not None:
            return None
        address = self._symbol(name)
        if address is None:
            raise LibraryLoadError(f"{self.path}: the metadata lists function {name!r} but "
                                   "the library does not export it")
        return address

    def has_function(self, name):
        return self.run_error is None and self._symbol(name) is not None

    def global_address(self, name):
        try:
            return ctypes.addressof(ctypes.c_int32.in_dll(self.handle, name))
        except ValueError:
            return None

    def fast_entries(self, items):
        """Native call entries from ``entry_compiler`` (the backend's; ``None``
        each without one, so calls take the checked ctypes path)."""
        if self.entry_compiler is None:
            return [None] * len(items)
        return self.entry_compiler(items)

    def get_source(self, fmt="ll"):
        raise TecompError(f"a module loaded from {self.path} has no source; get_source() "
                          "works on the module that build() returned")


def check_elf(path):
    """Why ``path`` is not a complete ELF shared library, or ``None``. The dynamic
    loader maps a truncated file without complaint and the process then dies of
    SIGBUS, so the headers and every loaded segment are checked against the size."""
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        head = fh.read(64)
        if head[:4] != b"\x7fELF":
            return "it has no ELF header"
        if len(head) < 64:
            return f"it is truncated ({size} bytes; an ELF header has 64)"
        if head[4] != 2 or head[5] not in (1, 2):
            return "it is not a 64-bit ELF file"
        end = "<" if head[5] == 1 else ">"
        e_type, = struct.unpack_from(end + "H", head, 16)
        if e_type != 3:
            return "it is not a shared library (ELF type %d)" % e_type
        phoff, shoff = struct.unpack_from(end + "QQ", head, 32)
        phentsize, phnum, shentsize, shnum = struct.unpack_from(end + "HHHH", head, 54)
        if phoff + phentsize * phnum > size or shoff + shentsize * shnum > size:
            return f"it is truncated ({size} bytes; its headers reach further)"
        for i in range(phnum):
            fh.seek(phoff + i * phentsize)
            entry = fh.read(phentsize)
            if len(entry) < 56:
                return "it is truncated (incomplete program header)"
            p_type, _, p_offset, _, _, p_filesz = struct.unpack_from(end + "IIQQQQ", entry)
            if p_type == 1 and p_offset + p_filesz > size:   # PT_LOAD
                return (f"it is truncated ({size} bytes; a segment ends at byte "
                        f"{p_offset + p_filesz})")
    return None


def open_private_copy(path, shown):
    """``ctypes.CDLL`` of a fresh copy of ``path`` (in the temporary directory, else
    beside ``path`` where that is mounted ``noexec``), unlinked once mapped."""
    problems = []
    for directory in (None, os.path.dirname(path)):
        try:
            fd, copy = tempfile.mkstemp(prefix="tecomp-", suffix=".so", dir=directory)
        except OSError as exc:
            problems.append(f"cannot copy it to {directory or tempfile.gettempdir()}: "
                            f"{exc.strerror or exc}")
            continue
        try:
            with os.fdopen(fd, "wb") as dst, open(path, "rb") as src:
                shutil.copyfileobj(src, dst)
            return ctypes.CDLL(copy, mode=os.RTLD_LOCAL | os.RTLD_NOW)
        except OSError as exc:
            problems.append(str(exc))
        finally:
            os.unlink(copy)
    raise LibraryLoadError(f"load_module: {shown} is not a loadable shared library "
                           f"({'; '.join(problems)}); expected a file written by "
                           "Module.export_library")


def read_metadata(path):
    """``(handle, metadata dict)`` of the library at ``path``."""
    shown = os.fspath(path)
    path = os.path.abspath(shown)
    if not os.path.isfile(path):
        raise LibraryLoadError(f"load_module: no such file: {shown!r}")
    problem = check_elf(path)
    if problem:
        raise LibraryLoadError(f"load_module: {shown} is not a loadable shared library: "
                               f"{problem}; expected a file written by "
                               "Module.export_library")
    handle = open_private_copy(path, shown)
    try:
        return handle, _metadata(handle, shown)
    except LibraryLoadError:
        _ctypes.dlclose(handle._handle)
        raise


def _metadata(handle, shown):
    try:
        version = ctypes.c_int32.in_dll(handle, VERSION_SYMBOL).value
        text = ctypes.string_at(ctypes.addressof(ctypes.c_char.in_dll(handle,
                                                                      METADATA_SYMBOL)))
    except ValueError:
        raise LibraryLoadError(f"load_module: {shown} is a shared library but was not made "
                               f"by tecomp (it has no {METADATA_SYMBOL} symbol); use ctypes "
                               "to call other libraries") from None
    if version > ABI_VERSION:
        raise LibraryLoadError(f"load_module: {shown} was made by a newer tecomp (library "
                               f"ABI {version}; this tecomp reads ABI {ABI_VERSION} and "
                               "older); upgrade tecomp or re-export the library")
    try:
        meta = json.loads(text.decode())
        if meta.get("format") != "tecomp-library" or meta.get("abi") != version:
            raise ValueError("unexpected format or version fields")
    except (ValueError, UnicodeDecodeError) as exc:
        raise LibraryLoadError(f"load_module: {shown} has damaged tecomp metadata: "
                               f"{exc}") from None
    return meta


def load_module(path, entry_compiler=None):
    """Load a shared library written by :meth:`Module.export_library`.

    Returns a :class:`tecomp.runtime.Module` whose functions take numpy arrays and
    check every argument as the module returned by ``build`` does.
    ``entry_compiler(items)`` compiles the native call entries (``tecomp.load_module``
    passes :func:`codegen.llvm.fastcall.fast_entries`); without it calls go
    through the checked ctypes path.
    """
    if is_gpu_bundle(path):
        return load_gpu_module(path)
    handle, meta = read_metadata(path)
    try:
        sigs = [Signature.from_json(f) for f in meta["functions"]]
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        _ctypes.dlclose(handle._handle)
        raise LibraryLoadError(f"load_module: {os.fspath(path)} has damaged tecomp "
                               f"metadata: {exc!r}") from None
    library = LoadedLibrary(os.fspath(path), handle, meta, entry_compiler)
    return Module(sigs, library, Target(meta["target"]))
