"""Which targets can run on this machine (``device_enabled``, ``enabled_targets``) and
TVM's pytest markers (``uses_gpu``, ``requires_gpu``, ...).

``TVM_TEST_TARGETS`` (or ``TECOMP_TEST_TARGETS``), a ``;``-separated list, restricts the
targets considered, as in TVM; by default: llvm, cuda, opencl. pytest is imported only
when a marker is used, so ``import tecomp.testing`` works without it."""

import os

from tecomp import nd
from tecomp.runtime.gpu.cuda import gpu_compute_capability
from tecomp.runtime.gpu.opencl import opencl_devices

DEFAULT_TEST_TARGETS = ("llvm", "cuda", "opencl")
_KIND = {"llvm": "llvm", "c": "llvm", "cpu": "llvm", "cuda": "cuda", "nvptx": "cuda",
         "gpu": "cuda", "opencl": "opencl", "cl": "opencl"}


def _runnable(kind):
    if kind == "llvm":
        return True
    if kind == "cuda":
        return gpu_compute_capability() is not None
    if kind == "opencl":
        return bool(opencl_devices())
    return False


def _targets():
    names = os.environ.get("TECOMP_TEST_TARGETS", os.environ.get("TVM_TEST_TARGETS", ""))
    names = [t.strip() for t in names.split(";") if t.strip()] or list(DEFAULT_TEST_TARGETS)
    runnable = [t for t in names if _runnable(_KIND.get(t.split()[0], t.split()[0]))]
    return runnable or ["llvm"]


def device_enabled(target):
    """Whether ``target`` (a target string; only its kind counts) runs here and is
    among the test targets."""
    if not isinstance(target, str):
        raise TypeError(f"device_enabled requires a target as a string, got {target!r}")
    kind = _KIND.get(target.split()[0], target.split()[0])
    return any(_KIND.get(t.split()[0]) == kind for t in _targets())


def enabled_targets():
    """``[(target, device), ...]`` for every test target that runs here (llvm at least)."""
    return [(t, nd.device(t)) for t in _targets()]


def _pytest():
    import pytest  # optional: only test code uses the markers
    return pytest


def _compose(args, marks):
    if args:
        function = args[0]
        for mark in reversed(marks):
            function = mark(function)
        return function
    return marks


def uses_gpu(*args):
    """Mark a test that uses a GPU when there is one (``pytest.mark.gpu``)."""
    return _compose(args, [_pytest().mark.gpu])


def _requires(kind, reason, args):
    pytest = _pytest()
    skip = pytest.mark.skipif(not _runnable(kind), reason=reason)
    return _compose(args, [skip] + ([pytest.mark.gpu] if kind != "llvm" else []))


def requires_gpu(*args):
    """Skip unless a GPU (a CUDA GPU or an OpenCL device) is present."""
    pytest = _pytest()
    skip = pytest.mark.skipif(not (_runnable("cuda") or _runnable("opencl")),
                              reason="No GPU present")
    return _compose(args, [skip, pytest.mark.gpu])


def requires_cuda(*args):
    """Skip unless a CUDA GPU and its driver are present."""
    return _requires("cuda", "CUDA GPU not present", args)


def requires_opencl(*args):
    """Skip unless an OpenCL device is present (PoCL counts)."""
    return _requires("opencl", "OpenCL device not present", args)


def requires_llvm(*args):
    """The LLVM CPU target is always present in tecomp."""
    return _requires("llvm", "LLVM not present", args)


def parametrize_targets(*args):
    """Run a test ``f(target, dev)`` once per enabled target (or per target given)."""
    pytest = _pytest()

    def wrap(targets):
        def decorate(function):
            chosen = [t for t in targets if device_enabled(t)] if targets else \
                [t for t, _ in enabled_targets()]
            return pytest.mark.parametrize("target,dev",
                                           [(t, nd.device(t)) for t in chosen])(function)
        return decorate

    if len(args) == 1 and callable(args[0]):
        return wrap(())(args[0])
    return wrap(args)
