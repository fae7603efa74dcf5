"""A persistent cache of compiled CPU code, shared by the processes of one user.

A build whose kernel, target and compiler are those of an earlier build loads that
build's machine code instead of running LLVM again. Two keys lead to an entry:

* the **source key** (:func:`source_key`), taken before lowering from the schedule
  graph, so that a second process building the same kernel skips lowering too
  (``te.build`` of a schedule: a few milliseconds instead of a tenth of a second);
* the **lowered key** (:func:`cache_key`), taken from the lowered functions, for
  lowered PrimFuncs given to ``build`` and for schedules whose graph cannot be
  digested (then two schedules that lower alike still share machine code).

Source key: a SHA-256 over

* the digest of everything that lowering reads (:func:`.graph_digest.graph_digest`
  of the schedules, argument lists and function names, walked generically: every
  stage, relation, iteration-variable attribute, attachment, scope, pragma, tensor
  intrinsic, operation and expression, objects numbered by identity), or no key
  when the graph holds something it cannot digest (a Python callable, an object
  of another library), when an intrinsic lowering rule was registered
  (``register_intrin_rule``: a function lowering would call), or when the user
  asked to see lowering (``TECOMP_PRINT_IR``, ``TECOMP_DEBUG`` >= 2);
* the ``debug`` flag of ``build``, and what the lowered key holds besides the
  functions (below).

Lowered key: a SHA-256 over

* the lowered functions, serialized structurally (every node, dtype, constant,
  buffer and variable; variables numbered by identity, so two functions that print
  alike but differ in a dtype never share an entry);
* the target string and the CPU name, features and triple it resolves to, and the
  build-time settings of :func:`.parallel.min_work` and
  :func:`.streaming_stores.stream_min_bytes`;
* the tecomp version, llvmlite's and LLVM's versions, and the size and modification
  time of every source file of ``tecomp`` and ``codegen`` (an edited compiler
  never reuses stale code; a compiler patched in memory, as a test may do, must
  turn the cache off).

Entry: one file ``<key>.tco`` holding the object code of the module for this
process's JIT (it is only ever loaded into a JIT, never exported): one object file
per unit that LLVM compiled apart (:mod:`.split_units`; one for a module compiled
whole), the assert messages, whether it uses parallel loops, and the optimized LLVM
IR of each unit and the unoptimized IR of the module (compressed; ``get_source``
and ``export_library`` use them, the units linked into one module on first use). An entry stored
under a source key also holds each function's calling signature
(:class:`tecomp.runtime.signature.Signature`, as JSON), which is all the runtime
module needs without the lowered functions; kernels that call packed functions
(``te.extern``) are not stored under a source key (their call sites are looked up
in the lowered code). Files are written to a temporary name and renamed, so
concurrent processes never see half an entry; an entry that does not parse is
ignored and rebuilt.

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
from tecomp import debug as debug_levels
from tecomp.ir import Buffer, Var
from tecomp.ir.intrin_rules import RULES

from .graph_digest import graph_digest
from .jit import link_units
from .parallel import min_work
from .streaming_stores import stream_min_bytes

_MAGIC = b"TECOMP-OBJ-3\n"
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
        here = os.path.dirname(os.path.realpath(__file__))
        for root in (os.path.dirname(os.path.realpath(tecomp.__file__)), os.path.dirname(here)):
            lines = []      # os.walk and plain strings: a second process pays this once
            for folder, subfolders, files in os.walk(root):
                subfolders[:] = [d for d in subfolders if d != "__pycache__"]
                for name in files:
                    if name.endswith(".py"):
                        path = os.path.join(folder, name)
                        st = os.stat(path)
                        lines.append(f"{path[len(root):]} {st.st_size} {st.st_mtime_ns}\n")
            h.update("".join(sorted(lines)).encode())
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


def _build_facts(target):
    """What the code depends on besides the kernel: compiler, target, settings."""
    return [_compiler_stamp(), str(target), target.cpu, target.features, target.triple,
            str(min_work()), str(stream_min_bytes(target))]


def cache_key(funcs, target):
    """The lowered key of lowered ``funcs`` built for ``target``, or ``None`` if some
    node cannot be serialized (then the build is not cached)."""
    out = _build_facts(target)
    try:
        _serialize(list(funcs), out, {})
    except _Uncacheable:
        return None
    return hashlib.sha256("\x00".join(out).encode()).hexdigest()


class SourceKey:
    """A key taken before lowering (``key``, hex), with the digested graph's objects
    in visit order (``objects``): an entry names a user's variable by its number."""

    def __init__(self, key, objects):
        self.key, self.objects = key, objects

    def numbers(self):
        """``id(object) -> number`` of the graph's objects."""
        return {id(obj): n for n, obj in enumerate(self.objects)}


def source_key(inputs, target, debug):
    """The :class:`SourceKey` of a build before lowering: ``inputs`` holds everything
    lowering reads of the user's objects (the schedules with their argument lists and
    function names); ``debug`` is ``build``'s flag. ``None`` when the cache is off or
    the build must not be looked up by it (see the module doc)."""
    if cache_dir() is None or RULES or os.environ.get("TECOMP_PRINT_IR") \
            or debug_levels.level() >= 2:
        return None
    digested = graph_digest(inputs)
    if digested is None:
        return None
    digest, objects = digested
    out = ["source", *_build_facts(target), repr(bool(debug)), digest]
    return SourceKey(hashlib.sha256("\x00".join(out).encode()).hexdigest(), objects)


class Entry:
    """What a cache file holds (see the module doc): ``object_code`` is the list of
    object files, ``optimized_units`` the optimized LLVM IR of each unit (compressed
    ``bytes`` until used)."""

    def __init__(self, object_code, assert_messages, uses_parallel, optimized_units,
                 unoptimized_ll, functions=None):
        self.object_code = list(object_code)
        self.functions = functions      # signatures as JSON (source-key entries)
        self.assert_messages = assert_messages
        self.uses_parallel = uses_parallel
        self._units = list(optimized_units)
        self._ll = {"ll-unopt": unoptimized_ll}

    def units(self):
        """The optimized LLVM IR of each unit, decompressed."""
        self._units = [_text(u) for u in self._units]
        return self._units

    def source(self, which):
        """``"ll"`` (the units linked into one module) or ``"ll-unopt"``,
        decompressed on first use."""
        if which == "ll" and which not in self._ll:
            self._ll[which] = link_units(self.units())
        text = self._ll[which] = _text(self._ll[which])
        return text


def _text(data):
    return zlib.decompress(data).decode() if isinstance(data, bytes) else data


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
        count = header["objects"]
        if pos != len(data) or count < 1 or len(blobs) != 2 * count + 1:
            return None
        return Entry(blobs[:count], header["assert_messages"], header["uses_parallel"],
                     blobs[count:2 * count], blobs[-1], header.get("functions"))
    except (ValueError, KeyError, TypeError, struct.error):
        return None


def store(key, object_code, assert_messages, uses_parallel, optimized_units, unoptimized_ll,
          source=None, functions=None):
    """Write an entry under the lowered ``key``, and under the ``source`` key when
    given with the ``functions``' signatures (JSON): ``object_code`` is the list of
    object files, ``optimized_units`` the optimized IR of each unit (as many). A
    cache that cannot be written is silently skipped (the build itself has
    succeeded)."""
    root = cache_dir()
    if root is None or not object_code or not optimized_units or \
            len(object_code) != len(optimized_units):
        return
    blobs = list(object_code) + \
        [zlib.compress(text.encode(), 1) for text in optimized_units] + \
        [zlib.compress(unoptimized_ll.encode(), 1)]
    entries = [(key, None)] if key is not None else []
    if source is not None and functions is not None:
        entries.append((source, functions))
    for name, sigs in entries:
        header = json.dumps({"key": name, "assert_messages": assert_messages,
                             "uses_parallel": uses_parallel, "functions": sigs,
                             "objects": len(object_code),
                             "sizes": [len(b) for b in blobs]}).encode()
        _write(root, name, b"".join([_MAGIC, struct.pack("<Q", len(header)), header] + blobs))


def _write(root, key, data):
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
