"""What a CPU target offers a schedule: vector width, vector registers, caches.

Schedules read these through :class:`~tecomp.target.Target` (``vector_bits``,
``vector_lanes(dtype)``, ``vector_registers``, ``cache_bytes``) so that a
default schedule fits the machine it is built for, not the one it was written
on. The facts come from the target's features: the host's (for plain
``llvm``), ``-mattr``, or what ``-mcpu`` implies (the table below). Caches are
read from the host's ``/sys`` for a host target; other targets get typical
sizes of their vector ISA.
"""

import functools
import os

# LLVM CPU names by the widest vector extension they have (x86-64).
_AVX512_CPUS = frozenset((
    "skylake-avx512", "cascadelake", "cooperlake", "cannonlake", "icelake-client",
    "icelake-server", "tigerlake", "rocketlake", "sapphirerapids", "emeraldrapids",
    "graniterapids", "graniterapids-d", "diamondrapids", "znver4", "znver5", "x86-64-v4",
    "knl", "knm"))
_AVX2_CPUS = frozenset((
    "haswell", "broadwell", "skylake", "alderlake", "raptorlake", "meteorlake", "arrowlake",
    "arrowlake-s", "lunarlake", "pantherlake", "gracemont", "sierraforest", "clearwaterforest",
    "znver1", "znver2", "znver3", "bdver4", "x86-64-v3"))
_AVX_CPUS = frozenset(("sandybridge", "ivybridge", "bdver1", "bdver2", "bdver3", "btver2"))
_SSE42_CPUS = frozenset(("nehalem", "westmere", "corei7", "silvermont", "goldmont", "tremont"))

# What code for each class of CPU may use at least (LLVM feature names), by the
# x86-64 micro-architecture levels.
_X86_V2 = ("sse4.2", "ssse3", "popcnt", "cx16")
_X86_AVX = _X86_V2 + ("avx",)
_X86_V3 = _X86_AVX + ("avx2", "fma", "bmi2", "f16c", "movbe")
_X86_AVX512 = _X86_V3 + ("avx512f", "avx512cd")
_X86_V4 = _X86_AVX512 + ("avx512bw", "avx512dq", "avx512vl")

#: Typical (L1 data, L2, last level) bytes per core where the host cannot be asked.
_TYPICAL_CACHES = {512: (48 << 10, 2 << 20, 32 << 20), 256: (32 << 10, 512 << 10, 16 << 20),
                   128: (32 << 10, 256 << 10, 8 << 20)}


def implied_features(cpu):
    """The features code compiled for the LLVM CPU ``cpu`` (x86-64) may use, at least;
    ``None`` for a CPU not in the tables above."""
    if cpu in _AVX512_CPUS:
        return _X86_AVX512 if cpu in ("knl", "knm") else _X86_V4
    for cpus, features in ((_AVX2_CPUS, _X86_V3), (_AVX_CPUS, _X86_AVX),
                           (_SSE42_CPUS, _X86_V2)):
        if cpu in cpus:
            return features
    return None


def known_cpus():
    """The CPU names :func:`implied_features` knows, sorted."""
    return sorted(_AVX512_CPUS | _AVX2_CPUS | _AVX_CPUS | _SSE42_CPUS)


def enabled_features(target):
    """The set of features the target enables (without the leading '+')."""
    features = set()
    if "mcpu" in target.options:
        cpu = target.options["mcpu"]
        if cpu in _AVX512_CPUS:
            features |= {"avx512f", "avx2", "fma", "avx"}
        elif cpu in _AVX2_CPUS:
            features |= {"avx2", "fma", "avx"}
        elif cpu in _AVX_CPUS:
            features |= {"avx"}
    for flag in target.features.split(","):
        if flag.startswith("+"):
            features.add(flag[1:])
        elif flag.startswith("-"):
            features.discard(flag[1:])
    return frozenset(features)


def is_arm(target):
    return target.triple.split("-")[0] in ("aarch64", "arm64", "armv8", "arm")


def vector_bits(target):
    """Width of the widest vector register the target's float arithmetic uses."""
    features = enabled_features(target)
    if "avx512f" in features:
        return 512
    if "avx" in features or "avx2" in features:
        return 256
    return 128   # SSE2 (every x86-64), NEON (every aarch64)


def vector_registers(target):
    """Architectural vector registers: 32 with AVX-512 or on aarch64, else 16."""
    if is_arm(target) or "avx512f" in enabled_features(target):
        return 32
    return 16


def cache_bytes(target):
    """``{1: L1 data, 2: L2, 3: last level}`` bytes seen by one core."""
    if target.features_complete:   # the host itself
        host = _host_caches()
        if host:
            return host
    l1, l2, l3 = _TYPICAL_CACHES[vector_bits(target)]
    return {1: l1, 2: l2, 3: l3}


def cache_line_bytes(target):
    """Bytes of a cache line: the host's for a host target, else 128 on Apple's
    aarch64 cores and 64 elsewhere (x86-64, other aarch64)."""
    if target.features_complete:
        host = _host_line()
        if host:
            return host
    return 128 if (target.cpu or "").startswith("apple") else 64


def usable_cores():
    """The CPUs this process may run on: its affinity mask, else the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@functools.lru_cache(maxsize=None)
def _host_line():
    try:
        with open("/sys/devices/system/cpu/cpu0/cache/index0/coherency_line_size") as f:
            size = int(f.read())
    except (OSError, ValueError):
        return None
    return size if size > 0 and size & (size - 1) == 0 else None


@functools.lru_cache(maxsize=None)
def _host_caches():
    found = {}
    root = "/sys/devices/system/cpu/cpu0/cache"
    try:
        entries = sorted(os.listdir(root))
    except OSError:
        return {}
    for entry in entries:
        if not entry.startswith("index"):
            continue
        try:
            with open(os.path.join(root, entry, "level")) as f:
                level = int(f.read())
            with open(os.path.join(root, entry, "type")) as f:
                kind = f.read().strip()
            with open(os.path.join(root, entry, "size")) as f:
                size = _bytes(f.read().strip())
        except (OSError, ValueError):
            continue
        if kind != "Instruction":
            found[min(level, 3)] = size
    return found if 1 in found else {}


def _bytes(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if text[-1:].upper() in units:
        return int(text[:-1]) * units[text[-1].upper()]
    return int(text)
