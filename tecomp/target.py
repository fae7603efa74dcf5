"""Compilation targets, parsed from TVM-style strings.

    >>> Target("llvm -mcpu=skylake-avx512 -mattr=+avx2,+fma")
    >>> Target("cuda"), Target("opencl")

A target is a *kind* (``llvm``, ``cuda``, ``opencl``) plus ``-key=value`` options.
``str(target)`` gives back a string that parses to an equal target. For ``llvm``
without ``-mcpu`` the host CPU's name and features are used (``cpu`` and
``features`` properties), so code is tuned for the machine that compiles it;
:meth:`Target.current_host` is that target.
"""

from .errors import BuildError

#: Options each kind accepts. ``None`` marks a flag without a value.
KIND_OPTIONS = {
    "llvm": ("mcpu", "mattr", "mtriple", "opt-level", "num-threads"),
    "cuda": ("arch", "max_num_threads", "thread_warp_size"),
    "opencl": ("device", "max_num_threads", "thread_warp_size"),
}
_ALIASES = {"c": "llvm", "cpu": "llvm", "cl": "opencl", "nvptx": "cuda"}


class Target:
    """A code-generation target: ``kind`` and an ordered dict of ``options``.

    Parameters
    ----------
    spec : str or Target
        ``"llvm"``, ``"llvm -mcpu=znver4 -mattr=+avx2"``, ``"cuda -arch=sm_80"``,
        ``"opencl"``. A Target is returned unchanged by :meth:`create`.
    """

    __slots__ = ("kind", "options", "_host")

    def __init__(self, spec):
        if isinstance(spec, Target):
            self.kind, self.options, self._host = spec.kind, dict(spec.options), spec._host
            return
        if not isinstance(spec, str) or not spec.strip():
            raise BuildError(f"target must be a string such as 'llvm' or 'cuda', got {spec!r}")
        words = spec.split()
        kind = _ALIASES.get(words[0], words[0])
        if kind not in KIND_OPTIONS:
            raise BuildError(f"unknown target kind {words[0]!r}; valid kinds: "
                             f"{', '.join(KIND_OPTIONS)}")
        self.kind, self.options, self._host = kind, {}, None
        for word in words[1:]:
            key, eq, value = word.lstrip("-").partition("=")
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

    @staticmethod
    def current_host():
        """The ``llvm`` target of the machine running tecomp."""
        return Target("llvm")

    # ------------------------------------------------------------ llvm facts

    def _host_info(self):
        if self._host is None:
            import llvmlite.binding as llvm
            llvm.initialize_native_target()
            llvm.initialize_native_asmprinter()
            try:
                features = llvm.get_host_cpu_features().flatten()
            except RuntimeError:  # some hosts cannot report features
                features = ""
            self._host = (llvm.get_host_cpu_name(), features, llvm.get_process_triple())
        return self._host

    @property
    def cpu(self):
        """The LLVM CPU name: ``-mcpu`` or the host's."""
        return self.options.get("mcpu") or self._host_info()[0]

    @property
    def features(self):
        """The LLVM feature string: ``-mattr``, or the host's when no -mcpu is given."""
        if "mattr" in self.options:
            return self.options["mattr"]
        return "" if "mcpu" in self.options else self._host_info()[1]

    @property
    def triple(self):
        return self.options.get("mtriple") or self._host_info()[2]

    @property
    def opt_level(self):
        return int(self.options.get("opt-level", 3))

    # ------------------------------------------------------------ comparisons

    def __str__(self):
        return " ".join([self.kind] + [f"-{k}={v}" for k, v in self.options.items()])

    def __repr__(self):
        return f"Target({str(self)!r})"

    def __eq__(self, other):
        return isinstance(other, Target) and str(self) == str(other)

    def __hash__(self):
        return hash(str(self))
