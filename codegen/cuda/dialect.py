"""CUDA C's spellings, as the tables of a :class:`codegen.c_source.Dialect`."""

from codegen.c_source import Dialect
from tecomp.target import GPU_MAX_SHARED_BYTES

#: math intrinsic -> C name for float32 / float64
MATH_F32 = {"exp": "expf", "exp2": "exp2f", "log": "logf", "log2": "log2f", "log10": "log10f",
            "sqrt": "sqrtf", "rsqrt": "rsqrtf", "sin": "sinf", "cos": "cosf", "tan": "tanf",
            "tanh": "tanhf", "fabs": "fabsf", "pow": "powf", "floor": "floorf",
            "ceil": "ceilf", "round": "rintf", "trunc": "truncf", "nearbyint": "rintf",
            "erf": "erff", "fma": "fmaf", "copysign": "copysignf"}
MATH_F64 = {k: v[:-1] for k, v in MATH_F32.items()}


class CUDADialect(Dialect):
    name = "cuda"
    source_format = "cuda"
    kernel_prefix = 'extern "C" __global__ void'
    global_qualifier = ""           # pointer parameters
    restrict = "__restrict__"
    shared_qualifier = "__shared__"
    local_qualifier = ""
    barrier = "__syncthreads();"
    thread_index = {"threadIdx.x": "threadIdx.x", "threadIdx.y": "threadIdx.y",
                    "threadIdx.z": "threadIdx.z", "blockIdx.x": "blockIdx.x",
                    "blockIdx.y": "blockIdx.y", "blockIdx.z": "blockIdx.z"}
    types = {"float16": "half", "float32": "float", "float64": "double", "int8": "signed char",
             "int16": "short", "int32": "int", "int64": "long long", "uint8": "unsigned char",
             "uint16": "unsigned short", "uint32": "unsigned int", "uint64": "unsigned long long",
             "bool": "bool"}
    #: the element type of a buffer of bools (bool is not a valid OpenCL buffer type)
    bool_storage = "bool"
    int64_suffix = "LL"
    math = {"float32": MATH_F32, "float64": MATH_F64}
    infinity = {"float16": "__float2half(__int_as_float(0x7f800000))",
                "float32": "__int_as_float(0x7f800000)",
                "float64": "__longlong_as_double(0x7ff0000000000000LL)"}
    nan = {"float16": "__float2half(__int_as_float(0x7fc00000))",
           "float32": "__int_as_float(0x7fc00000)",
           "float64": "__longlong_as_double(0x7ff8000000000000LL)"}
    function_qualifier = "__device__ __forceinline__"   # helper functions
    unroll_pragma = "#pragma unroll"

    vector_lanes = {"float32": (2, 4), "int32": (2, 4), "uint32": (2, 4), "float64": (2,),
                    "int64": (2,)}
    vector_needs_alignment = True

    def vector_type(self, dtype, lanes):
        return {"int64": "longlong", "uint32": "uint"}.get(dtype, self.types[dtype]) + str(lanes)

    def lane_field(self, k):
        return "." + "xyzw"[k]

    def vector_load(self, dtype, lanes, pointer):
        return f"(*(({self.vector_type(dtype, lanes)}*)({pointer})))"

    def vector_store(self, dtype, lanes, pointer, values):
        vt = self.vector_type(dtype, lanes)
        return f"*(({vt}*)({pointer})) = make_{vt}({', '.join(values)});"

    def aligned(self, declaration, nbytes):
        return declaration.replace(" ", f" __align__({nbytes}) ", 1) if \
            declaration.startswith("__shared__") else f"__align__({nbytes}) {declaration}"

    static_shared_limit = GPU_MAX_SHARED_BYTES

    def dynamic_shared_declaration(self):
        return f"extern __shared__ __align__(16) unsigned char {self.dynamic_shared_name}[];"

    def launch_bounds(self, kernel):
        """Text between the kernel prefix and its name, given the kernel."""
        return f"__launch_bounds__({kernel.threads_per_block()}) "

    def preamble(self, dtypes):
        """Lines before the kernels, given every dtype the kernels use."""
        if "float16" in dtypes:
            return ["#include <cuda_fp16.h>"]
        return []

    def isnan(self, dtype):
        return "__hisnan" if dtype == "float16" else "isnan"
