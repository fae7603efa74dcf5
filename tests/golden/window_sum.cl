__kernel void __attribute__((reqd_work_group_size(128, 1, 1))) window_sum_kernel0(__global const float* restrict X, __global float* restrict Y) {
  __local float X_shared[134];
  X_shared[((int)get_local_id(0))] = X[((((int)get_group_id(0)) * 128) + ((int)get_local_id(0)))];
  if (((((int)get_local_id(0)) < 6) && (((((int)get_group_id(0)) * 128) + ((int)get_local_id(0))) < 902))) {
    X_shared[(((int)get_local_id(0)) + 128)] = X[(((((int)get_group_id(0)) * 128) + ((int)get_local_id(0))) + 128)];
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  Y[((((int)get_group_id(0)) * 128) + ((int)get_local_id(0)))] = 0.0f;
  for (int r = 0; r < 7; ++r) {
    Y[((((int)get_group_id(0)) * 128) + ((int)get_local_id(0)))] = (Y[((((int)get_group_id(0)) * 128) + ((int)get_local_id(0)))] + X_shared[(((int)get_local_id(0)) + r)]);
  }
}
