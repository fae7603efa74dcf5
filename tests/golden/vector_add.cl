__kernel void __attribute__((reqd_work_group_size(64, 1, 1))) vector_add_kernel0(__global const float* restrict A, __global const float* restrict B, __global float* restrict C, int n) {
  if ((((((long)get_group_id(0)) * 64) + ((long)get_local_id(0))) < ((long)n))) {
    C[((((long)get_group_id(0)) * 64) + ((long)get_local_id(0)))] = (A[((((long)get_group_id(0)) * 64) + ((long)get_local_id(0)))] + B[((((long)get_group_id(0)) * 64) + ((long)get_local_id(0)))]);
  }
}
