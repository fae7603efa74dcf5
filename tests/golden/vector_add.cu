extern "C" __global__ void __launch_bounds__(64) vector_add_kernel0(const float* __restrict__ A, const float* __restrict__ B, float* __restrict__ C, int n) {
  if ((((((long long)blockIdx.x) * 64) + ((long long)threadIdx.x)) < ((long long)n))) {
    C[((((long long)blockIdx.x) * 64) + ((long long)threadIdx.x))] = (A[((((long long)blockIdx.x) * 64) + ((long long)threadIdx.x))] + B[((((long long)blockIdx.x) * 64) + ((long long)threadIdx.x))]);
  }
}
