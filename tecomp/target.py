"""Compilation targets, parsed from TVM-style strings.

    >>> Target("llvm -mcpu=skylake-avx512 -mattr=+avx2,+fma")
    >>> Target("cuda"), Target("opencl")

A target is a *kind* (``llvm``, ``cuda``, ``opencl``) plus ``-key=value`` options.
``str(target)`` gives back a string that parses to an equal target. For ``llvm``
without ``-mcpu`` the host CPU's name and features are used (``cpu`` and
``features`` properties), so code is tuned for the machine that compiles it;
:meth:`Target.current_host` is that target.
"""

import functools
import threading

from . import target_cpu
from .errors import BuildError
from .ir.intrin_rules import register_intrin_rule  # noqa: F401 (tvm.target.register_intrin_rule)

#: Options each kind accepts. ``None`` marks a flag without a value.
KIND_OPTIONS = {
    "llvm": ("mcpu", "mattr", "mtriple", "opt-level", "num-threads"),
    "cuda": ("arch", "max_num_threads", "thread_warp_size", "max_shared_memory_per_block"),
    "opencl": ("max_num_threads", "thread_warp_size", "max_shared_memory_per_block"),
}
#: TVM spellings of an option: ``llvm -target=<triple>`` (TVM 0.6) is ``-mtriple``.
_OPTION_ALIASES = {"llvm": {"target": "mtriple"}}
#: Options TVM accepts that would change nothing here: refused, saying why.
_REFUSED_OPTIONS = {
    "device": "TVM uses -device to pick schedules written for one device family (mali, "
              "intel_graphics, ...); tecomp has one schedule set per target kind and picks "
              "the OpenCL device at run time, so the option would be ignored: drop it",
}
_ALIASES = {"c": "llvm", "cpu": "llvm", "cl": "opencl", "nvptx": "cuda"}

#: Shared (block-local) memory per block every CUDA/OpenCL device of interest has.
GPU_MAX_SHARED_BYTES = 48 * 1024
#: Shared memory one block may use on CUDA architectures (the opt-in maximum of
#: dynamic shared memory, CUDA C Programming Guide, "Compute capabilities").
CUDA_MAX_SHARED_BYTES = {"50": 49152, "52": 49152, "53": 49152, "60": 49152, "61": 49152,
                         "62": 49152, "70": 98304, "72": 98304, "75": 65536, "80": 166912,
                         "86": 101376, "87": 166912, "89": 101376, "90": 232448}
#: Threads per block when the target does not say (``-max_num_threads``).
GPU_MAX_THREADS = 1024

#: CPUs whose code runs on any host of the architecture that has these features.
_BASELINE_CPUS = {
    "generic": (), "x86-64": (),
    "x86-64-v2": ("sse4.2", "ssse3", "popcnt", "cx16"),
    "x86-64-v3": ("avx2", "fma", "bmi2", "f16c", "movbe"),
    "x86-64-v4": ("avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"),
}


@functools.lru_cache(maxsize=None)
def host_facts():
    """``(cpu name, LLVM feature string, process triple)`` of this machine."""
    import llvmlite.binding as llvm
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    try:
        features = llvm.get_host_cpu_features().flatten()
    except RuntimeError:  # some hosts cannot report features
        features = ""
    return llvm.get_host_cpu_name(), features, llvm.get_process_triple()


def arch_of(triple):
    """The architecture part of an LLVM triple, with aliases folded."""
    arch = triple.split("-")[0]
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(arch, arch)


@functools.lru_cache(maxsize=64)
def host_mismatch(triple, cpu, features, features_complete=False):
    """``None`` if code compiled for ``triple``/``cpu``/``features`` runs on this host,
    else the reason in words. ``features_complete``: ``features`` lists every feature
    explicitly (a host's full list), so the CPU name implies nothing more. Memoized:
    the host's facts do not change, and a build asks several times (parsing the
    host's feature list of some hundred entries each time)."""
    host_cpu, host_feature_string, host_triple = host_facts()
    if arch_of(triple) != arch_of(host_triple):
        return f"it is compiled for {triple}, this host is {host_triple}"
    host_features = {f[1:] for f in host_feature_string.split(",") if f.startswith("+")}
    needed = {f[1:] for f in features.split(",") if f.startswith("+")}
    if cpu != host_cpu and not features_complete:
        implied = _BASELINE_CPUS.get(cpu, target_cpu.implied_features(cpu))
        if implied is None:
            return (f"it is compiled for CPU '{cpu}' and this host is a '{host_cpu}'; code "
                    "for another CPU may use instructions this one lacks, and tecomp does "
                    "not know which features that CPU has (it knows: "
                    f"{', '.join(target_cpu.known_cpus())})")
        needed |= set(implied)
    missing = sorted(needed - host_features) if host_features else []
    if missing:
        return f"it uses CPU features this host ({host_cpu}) lacks: {', '.join(missing)}"
    return None


def _dtype_bytes(dtype):
    bits = "".join(ch for ch in str(dtype).split("x")[0] if ch.isdigit())
    return max(1, int(bits or 32) // 8)


class TargetKind(str):
    """A target's kind: a plain string (``"llvm"``) that also answers TVM's
    ``target.kind.name``."""

    __slots__ = ()

    @property
    def name(self):
        return str(self)


class Target:
    """A code-generation target: ``kind`` and an ordered dict of ``options``.

    Parameters
    ----------
    spec : str or Target
        ``"llvm"``, ``"llvm -mcpu=znver4 -mattr=+avx2"``, ``"cuda -arch=sm_80"``,
        ``"opencl"``. A Target is returned unchanged by :meth:`create`.
    """

    __slots__ = ("kind", "options", "_host", "host")

    def __init__(self, spec=None, host=None, target=None):
        if target is not None:  # TVM's keyword spelling: Target(target="cuda", host="llvm")
            if spec is not None:
                raise BuildError(f"Target: give the target once, not {spec!r} and "
                                 f"target={target!r}")
            spec = target
        self.host = None if host is None else Target.create(host)
        if self.host is not None and self.host.kind != "llvm":
            raise BuildError(f"Target: the host must be an llvm (CPU) target, got {host!r}")
        if isinstance(spec, Target):
            self.kind, self.options, self._host = spec.kind, dict(spec.options), spec._host
            self.host = self.host or spec.host
            return
        if not isinstance(spec, str) or not spec.strip():
            raise BuildError(f"target must be a string such as 'llvm' or 'cuda', got {spec!r}")
        words = spec.split()
        kind = _ALIASES.get(words[0], words[0])
        if kind not in KIND_OPTIONS:
            raise BuildError(f"unknown target kind {words[0]!r}; valid kinds: "
                             f"{', '.join(KIND_OPTIONS)}")
        self.kind, self.options, self._host = TargetKind(kind), {}, None
        for word in words[1:]:
            key, eq, value = word.lstrip("-").partition("=")
            key = _OPTION_ALIASES.get(kind, {}).get(key, key)
            if word.startswith("-") and key in _REFUSED_OPTIONS and key not in KIND_OPTIONS[kind]:
                raise BuildError(f"target option -{key} is not supported for {kind!r}: "
                                 f"{_REFUSED_OPTIONS[key]}")
            if not word.startswith("-") or key not in KIND_OPTIONS[kind]:
                raise BuildError(f"unknown option {word!r} for target {kind!r}; valid options: "
                                 f"{', '.join('-' + k for k in KIND_OPTIONS[kind])}")
            if not eq or not value:
                raise BuildError(f"target option -{key} needs a value: -{key}=...")
            self.options[key] = value

    @staticmethod
    def create(spec):
        """``spec`` as a Target (strings are parsed, Targets returned as they are)."""
        return spec if isinstance(spec, Target) else Target(spec)

    @property
    def keys(self):
        """TVM's target keys: ``("cpu",)`` for llvm, ``("cuda", "gpu")``, ``("opencl", "gpu")``."""
        return ("cpu",) if self.kind == "llvm" else (str(self.kind), "gpu")

    @staticmethod
    def current_host():
        """The ``llvm`` target of the machine running tecomp."""
        return Target("llvm")

    # ------------------------------------------------------------ with target:

    _scope = threading.local()     # .targets: this thread's `with` stack

    def __enter__(self):
        Target._scope.__dict__.setdefault("targets", []).append(self)
        return self

    def __exit__(self, *exc):
        Target._scope.targets.pop()

    @staticmethod
    def current(allow_none=True):
        """The target of the innermost ``with Target(...):`` block (TVM's
        ``tvm.target.Target.current()``); None outside one, or an error when
        ``allow_none`` is False."""
        targets = getattr(Target._scope, "targets", None)
        if targets:
            return targets[-1]
        if not allow_none:
            raise BuildError("Target.current(): no target is in scope; use `with Target(...):`")
        return None

    # ------------------------------------------------------------ llvm facts

    def _host_info(self):
        if self._host is None:
            self._host = host_facts()
        return self._host

    @property
    def cpu(self):
        """The LLVM CPU name: ``-mcpu`` or the host's."""
        return self.options.get("mcpu") or self._host_info()[0]

    @property
    def features(self):
        """The LLVM feature string: the host's full list when the CPU is the host's
        (no ``-mcpu``, or ``-mcpu`` naming the host CPU), with ``-mattr``'s entries
        applied, so the CPU name brings no instruction this host lacks (a host that
        LLVM calls ``znver4`` may hide AVX-512). For another CPU of the host's
        architecture, every feature the host lacks is switched off (then
        ``-mattr`` applies), so code tuned for that CPU still runs here; for another
        architecture, ``-mattr`` as given."""
        mattr = self.options.get("mattr", "")
        host_cpu, host_features, host_triple = self._host_info()
        if self._is_host_cpu():
            base = host_features
        elif arch_of(self.triple) == arch_of(host_triple):
            base = ",".join(f for f in host_features.split(",") if f.startswith("-"))
        else:
            return mattr
        table = {}
        for entry in (base + "," + mattr).split(","):
            if entry[:1] in "+-" and entry[1:]:
                table[entry[1:]] = entry[0]
        return ",".join(sign + name for name, sign in table.items())

    def _is_host_cpu(self):
        host_cpu, _, host_triple = self._host_info()
        return self.cpu == host_cpu and arch_of(self.triple) == arch_of(host_triple)

    @property
    def triple(self):
        return self.options.get("mtriple") or self._host_info()[2]

    @property
    def num_threads(self):
        """``-num-threads``: threads of parallel loops (0: OpenMP's default)."""
        value = self.options.get("num-threads", "0")
        if not value.isdigit():
            raise BuildError(f"target option -num-threads must be a non-negative integer, "
                             f"got {value!r}")
        return int(value)

    @property
    def opt_level(self):
        return int(self.options.get("opt-level", 3))

    @property
    def features_complete(self):
        """Whether :attr:`features` lists every feature (the host's full list, for
        the host's CPU), so the CPU name implies nothing more."""
        return self._is_host_cpu()

    def host_mismatch(self):
        """``None`` if code for this (llvm) target runs on this host, else why not."""
        return host_mismatch(self.triple, self.cpu, self.features, self.features_complete)

    # ------------------------------------------------------------ what cpu schedules read

    @property
    def vector_bits(self):
        """Bits of the widest float vector register (512 with AVX-512, 256 with
        AVX/AVX2, 128 with SSE or NEON)."""
        return target_cpu.vector_bits(self)

    def vector_lanes(self, dtype="float32"):
        """Elements of ``dtype`` in one vector register."""
        return max(1, self.vector_bits // (8 * _dtype_bytes(dtype)))

    @property
    def vector_registers(self):
        """Architectural vector registers (32 with AVX-512 or on aarch64, else 16)."""
        return target_cpu.vector_registers(self)

    @property
    def cache_bytes(self):
        """``{1: L1 data, 2: L2, 3: last level}`` bytes per core (the host's for a host
        target, typical sizes otherwise)."""
        return target_cpu.cache_bytes(self)

    @property
    def cache_line_bytes(self):
        """Bytes of a cache line (the host's for a host target; 64, or 128 on Apple
        cores, otherwise): the step of prefetches (``Stage.prefetch``)."""
        return target_cpu.cache_line_bytes(self)

    # ------------------------------------------------------------ gpu facts

    @property
    def max_num_threads(self):
        """Threads per block: ``-max_num_threads`` or 1024."""
        return int(self.options.get("max_num_threads", GPU_MAX_THREADS))

    @property
    def thread_warp_size(self):
        """Threads that run in lockstep and exchange registers (TVM's
        ``thread_warp_size``): ``-thread_warp_size`` or 32 for CUDA, 1 for OpenCL
        (whose sub-groups are optional), so cross-thread reductions use shuffles
        only on CUDA."""
        default = 32 if self.kind == "cuda" else 1
        return int(self.options.get("thread_warp_size", default))

    @property
    def max_shared_memory_bytes(self):
        """Shared memory per block a kernel may use: ``-max_shared_memory_per_block``
        (``build`` sets it from the device when neither it nor ``-arch`` is given),
        else for CUDA the opt-in maximum of ``-arch`` (``CUDA_MAX_SHARED_BYTES``),
        else 48 KiB, which every device has."""
        if "max_shared_memory_per_block" in self.options:
            return int(self.options["max_shared_memory_per_block"])
        arch = self.options.get("arch", "")
        if self.kind == "cuda" and arch:
            return CUDA_MAX_SHARED_BYTES.get(arch.split("_")[-1], GPU_MAX_SHARED_BYTES)
        return GPU_MAX_SHARED_BYTES

    # ------------------------------------------------------------ comparisons

    def __str__(self):
        return " ".join([self.kind] + [f"-{k}={v}" for k, v in self.options.items()])

    def __repr__(self):
        return f"Target({str(self)!r})"

    def __eq__(self, other):
        return isinstance(other, Target) and str(self) == str(other)

    def __hash__(self):
        return hash(str(self))


def create(spec):
    """TVM 0.6/0.7's ``tvm.target.create("llvm")``: the same as :meth:`Target.create`."""
    return Target.create(spec)


def cuda(model="unknown", options=None):
    """TVM's ``tvm.target.cuda()``: a ``cuda`` target (``options``: extra ``-key=value`` words)."""
    return Target(" ".join(["cuda"] + list(options or ())))


def opencl(model="unknown", options=None):
    """TVM's ``tvm.target.opencl()``."""
    return Target(" ".join(["opencl"] + list(options or ())))
