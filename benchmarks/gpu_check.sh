#!/bin/sh
# One run on a machine with an NVIDIA GPU: the GPU tests for real (CUDA kernels
# execute, not only compile to PTX), then the two performance targets of issue 12:
# benchmarks/gpu_gemm.py (>= 0.85x cuBLAS float32 at 4096^3) and
# benchmarks/gpu_softmax.py (cross-thread row softmax 4096x4096 >= 70% of the
# memory bandwidth). About 5 minutes; needs tecomp[cuda] and torch or cupy.
#     sh benchmarks/gpu_check.sh 2>&1 | tee gpu_check.log
cd "$(dirname "$0")/.." || exit 1
nvidia-smi --query-gpu=name,memory.total,clocks.max.memory --format=csv || true
python3 -m pytest -q -x tests/gpu tests/transform/test_lower_thread_allreduce.py \
    tests/transform/test_verify_gpu_races.py 2>&1 | tail -15
python3 benchmarks/gpu_softmax.py --number 20
python3 benchmarks/gpu_gemm.py --size 4096 --number 5
