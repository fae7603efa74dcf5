extern "C" __global__ void __launch_bounds__(64) row_sum_kernel0(const float* __restrict__ A, float* __restrict__ B, int rows) {
  if ((((((long long)blockIdx.x) * 64) + ((long long)threadIdx.x)) < ((long long)rows))) {
    B[((((long long)blockIdx.x) * 64) + ((long long)threadIdx.x))] = 0.0f;
  }
  for (long long k = 0; k < 100; ++k) {
    if ((((((long long)blockIdx.x) * 64) + ((long long)threadIdx.x)) < ((long long)rows))) {
      B[((((long long)blockIdx.x) * 64) + ((long long)threadIdx.x))] = (B[((((long long)blockIdx.x) * 64) + ((long long)threadIdx.x))] + A[(((((long long)blockIdx.x) * 6400) + (((long long)threadIdx.x) * 100)) + k)]);
    }
  }
}
