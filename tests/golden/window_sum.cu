extern "C" __global__ void __launch_bounds__(128) window_sum_kernel0(const float* __restrict__ X, float* __restrict__ Y) {
  __shared__ float X_shared[134];
  X_shared[((int)threadIdx.x)] = X[((((int)blockIdx.x) * 128) + ((int)threadIdx.x))];
  if (((((int)threadIdx.x) < 6) && (((((int)blockIdx.x) * 128) + ((int)threadIdx.x)) < 902))) {
    X_shared[(((int)threadIdx.x) + 128)] = X[(((((int)blockIdx.x) * 128) + ((int)threadIdx.x)) + 128)];
  }
  __syncthreads();
  Y[((((int)blockIdx.x) * 128) + ((int)threadIdx.x))] = 0.0f;
  for (int r = 0; r < 7; ++r) {
    Y[((((int)blockIdx.x) * 128) + ((int)threadIdx.x))] = (Y[((((int)blockIdx.x) * 128) + ((int)threadIdx.x))] + X_shared[(((int)threadIdx.x) + r)]);
  }
}
