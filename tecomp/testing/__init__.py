"""Test helpers in classic TVM's spelling (``tvm.testing``): numeric comparison,
numerical gradient checking, which targets can run here, and pytest markers;
and honest timing for learners.

::

    import tecomp as tvm
    import tecomp.testing
    tvm.testing.assert_allclose(c.asnumpy(), a.asnumpy() + 1, rtol=1e-5)
    for target, dev in tvm.testing.enabled_targets():
        ...
    print(tvm.testing.benchmark(f, a, b, c))   # median, spread, warnings if noisy
    tvm.testing.interleaved({"numpy": ..., "tecomp": ...})   # candidates side by side
"""

from .benchmark import BenchmarkResult, BenchmarkWarning, benchmark
from .compare import assert_allclose, check_numerical_grads
from .interleaved import interleaved, set_blas_threads
from .targets import (device_enabled, enabled_targets, parametrize_targets, requires_cuda,
                      requires_gpu, requires_llvm, requires_opencl, uses_gpu)

__all__ = ["assert_allclose", "check_numerical_grads", "device_enabled", "enabled_targets",
           "parametrize_targets", "requires_cuda", "requires_gpu", "requires_llvm",
           "requires_opencl", "uses_gpu", "benchmark", "BenchmarkResult", "BenchmarkWarning",
           "interleaved", "set_blas_threads"]
