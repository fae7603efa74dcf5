__kernel void __attribute__((reqd_work_group_size(64, 1, 1))) row_sum_kernel0(__global const float* restrict A, __global float* restrict B, int rows) {
  if ((((((long)get_group_id(0)) * 64) + ((long)get_local_id(0))) < ((long)rows))) {
    B[((((long)get_group_id(0)) * 64) + ((long)get_local_id(0)))] = 0.0f;
  }
  for (long k = 0; k < 100; ++k) {
    if ((((((long)get_group_id(0)) * 64) + ((long)get_local_id(0))) < ((long)rows))) {
      B[((((long)get_group_id(0)) * 64) + ((long)get_local_id(0)))] = (B[((((long)get_group_id(0)) * 64) + ((long)get_local_id(0)))] + A[(((((long)get_group_id(0)) * 6400) + (((long)get_local_id(0)) * 100)) + k)]);
    }
  }
}
