"""A persistent cache of compiled CPU code, shared by the processes of one user.

A build whose lowered functions, target and compiler are those of an earlier build
loads that build's machine code instead of running LLVM again: a second process
building the same kernel skips LLVM's optimizer and code generator (milliseconds
instead of a tenth of a second for a blocked GEMM).

Key: a SHA-256 over

* the lowered functions, serialized structurally (every node, dtype, constant,
  buffer and variable; variables numbered by identity, so two functions that print
  alike but differ in a dtype never share an entry);
* the target string and the CPU name, features and triple it resolves to, and the
  build-time settings of :func:`.parallel.min_work` and
  :func:`.streaming_stores.stream_min_bytes`;
* the tecomp version, llvmlite's and LLVM's versions, and the size and modification
  time of every source file of ``tecomp`` and ``codegen`` (an edited compiler
  never reuses stale code).

Entry: one file ``<key>.tco`` holding the object code that MCJIT produced (for this
process's JIT: it is only ever loaded into a JIT, never exported), the assert
messages, whether it uses parallel loops, and the optimized and unoptimized LLVM
IR (compressed; ``get_source`` and ``export_library`` use them). Files are written
to a temporary name and renamed, so concurrent processes never see half an entry;
an entry that does not parse is ignored and rebuilt.

Where: ``$TECOMP_CACHE_DIR``, else ``$XDG_CACHE_HOME/tecomp``, else
``~/.cache/tecomp``. ``TECOMP_CACHE=0`` turns the cache off. Only code that runs on
this host is cached (a cross-target build is never JIT-compiled).

A rebuild served from the cache also allocates nothing in LLVM's optimizer (whose
own leak, an undisposed llvmlite ModulePassManager, :mod:`.pass_pipeline` fixes).
"""

import dataclasses
import hashlib
import json
import os
import pathlib
import struct
import tempfile
import zlib

import llvmlite
import llvmlite.binding as llvm

import tecomp
from tecomp.ir import Buffer, Var

from .parallel import min_work
from .streaming_stores import stream_min_bytes

_MAGIC = b"TECOMP-OBJ-1\n"
_SUFFIX = ".tco"


def cache_dir():
    """The cache directory, or ``None`` when ``TECOMP_CACHE=0``."""
    if os.environ.get("TECOMP_CACHE", "1").strip().lower() in ("0", "off", "false", "no"):
        return None
    explicit = os.environ.get("TECOMP_CACHE_DIR")
    if explicit:
        return pathlib.Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return pathlib.Path(base) / "tecomp"


_SOURCES = None


def _compiler_stamp():
    """Versions and the (size, mtime) of every source file of the compiler."""
    global _SOURCES
    if _SOURCES is None:
        h = hashlib.sha256()
        h.update(f"{tecomp.__version__} {llvmlite.__version__} {llvm.llvm_version_info}".encode())
        here = pathlib.Path(__file__).resolve()
        for root in (pathlib.Path(tecomp.__file__).resolve().parent, here.parent.parent):
            for path in sorted(root.rglob("*.py")):
                st = path.stat()
                h.update(f"{path.relative_to(root)} {st.st_size} {st.st_mtime_ns}\n".encode())
        _SOURCES = h.hexdigest()
    return _SOURCES


class _Uncacheable(Exception):
    pass


def _serialize(node, out, ids):
    if node is None or isinstance(node, (bool, int, float, str)):
        out.append(repr(node))
    elif isinstance(node, (tuple, list)):
        out.append("(")
        for item in node:
            _serialize(item, out, ids)
            out.append(",")
        out.append(")")
    elif isinstance(node, dict):
        out.append("{")
        for k in sorted(node, key=repr):
            _serialize(k, out, ids)
            out.append(":")
            _serialize(node[k], out, ids)
        out.append("}")
    elif dataclasses.is_dataclass(node):
        if isinstance(node, (Var, Buffer)):   # compared by identity: number them
            if id(node) in ids:
                out.append(f"#{ids[id(node)][0]}")
                return
            ids[id(node)] = (len(ids), node)  # keeps the object (and its id) alive
        out.append(type(node).__name__)
        out.append("[")
        for f in dataclasses.fields(node):
            _serialize(getattr(node, f.name), out, ids)
            out.append(";")
        out.append("]")
    else:
        raise _Uncacheable(type(node).__name__)


def cache_key(funcs, target):
    """The key of lowered ``funcs`` built for ``target``, or ``None`` if some node
    cannot be serialized (then the build is not cached)."""
    out = [_compiler_stamp(), str(target), target.cpu, target.features, target.triple,
           str(min_work()), str(stream_min_bytes(target))]
    try:
        _serialize(list(funcs), out, {})
    except _Uncacheable:
        return None
    return hashlib.sha256("\x00".join(out).encode()).hexdigest()


class Entry:
    """What a cache file holds (see the module doc)."""

    def __init__(self, object_code, assert_messages, uses_parallel, optimized_ll,
                 unoptimized_ll):
        self.object_code = object_code
        self.assert_messages = assert_messages
        self.uses_parallel = uses_parallel
        self._ll = {"ll": optimized_ll, "ll-unopt": unoptimized_ll}

    def source(self, which):
        """``"ll"`` or ``"ll-unopt"``, decompressed on first use."""
        text = self._ll[which]
        if isinstance(text, bytes):
            text = self._ll[which] = zlib.decompress(text).decode()
        return text


def load(key):
    """The entry stored under ``key``, or ``None`` (absent, disabled or damaged)."""
    root = cache_dir()
    if root is None or key is None:
        return None
    try:
        data = (root / (key + _SUFFIX)).read_bytes()
    except OSError:
        return None
    try:
        if not data.startswith(_MAGIC):
            return None
        pos = len(_MAGIC)
        (size,) = struct.unpack_from("<Q", data, pos)
        pos += 8
        header = json.loads(data[pos:pos + size].decode())
        pos += size
        if header.get("key") != key:
            return None
        blobs = []
        for n in header["sizes"]:
            blobs.append(data[pos:pos + n])
            pos += n
        if pos != len(data):
            return None
        obj, opt, unopt = blobs
        return Entry(obj, header["assert_messages"], header["uses_parallel"], opt, unopt)
    except (ValueError, KeyError, TypeError, struct.error):
        return None


def store(key, object_code, assert_messages, uses_parallel, optimized_ll, unoptimized_ll):
    """Write an entry; a cache that cannot be written is silently skipped (the
    build itself has succeeded)."""
    root = cache_dir()
    if root is None or key is None or not object_code:
        return
    blobs = [object_code, zlib.compress(optimized_ll.encode(), 1),
             zlib.compress(unoptimized_ll.encode(), 1)]
    header = json.dumps({"key": key, "assert_messages": assert_messages,
                         "uses_parallel": uses_parallel,
                         "sizes": [len(b) for b in blobs]}).encode()
    data = b"".join([_MAGIC, struct.pack("<Q", len(header)), header] + blobs)
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=root, prefix=".tmp-", suffix=_SUFFIX)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, root / (key + _SUFFIX))
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass
