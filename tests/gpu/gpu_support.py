"""Which GPU devices and compilers this machine has, as skip markers."""

import pytest

from codegen.cuda.nvrtc import nvrtc_available
from tecomp.runtime.gpu.cuda import gpu_compute_capability
from tecomp.runtime.gpu.opencl import opencl_devices

HAS_OPENCL = bool(opencl_devices())
HAS_NVRTC = nvrtc_available()
HAS_CUDA_GPU = HAS_NVRTC and gpu_compute_capability() is not None

needs_opencl = pytest.mark.skipif(not HAS_OPENCL, reason="no OpenCL device (pip install "
                                  "'tecomp[opencl]' brings PoCL)")
needs_nvrtc = pytest.mark.skipif(not HAS_NVRTC, reason="NVRTC unavailable (pip install "
                                 "'tecomp[cuda]')")
needs_cuda_gpu = pytest.mark.skipif(not HAS_CUDA_GPU, reason="no CUDA GPU on this machine")
