"""OpenCL C's spellings (TVM's ``CodeGenOpenCL`` hooks, as a table)."""

from codegen.c_source import Dialect

_MATH = {op: op for op in ("exp", "exp2", "log", "log2", "log10", "sqrt", "rsqrt", "sin", "cos",
                           "tan", "tanh", "fabs", "pow", "floor", "ceil", "trunc", "erf", "fma",
                           "copysign")}
_MATH.update(round="rint", nearbyint="rint")


class OpenCLDialect(Dialect):
    name = "opencl"
    source_format = "cl"
    kernel_prefix = "__kernel void"
    global_qualifier = "__global"
    restrict = "restrict"
    shared_qualifier = "__local"
    barrier = "barrier(CLK_LOCAL_MEM_FENCE);"
    thread_index = {"threadIdx.x": "get_local_id(0)", "threadIdx.y": "get_local_id(1)",
                    "threadIdx.z": "get_local_id(2)", "blockIdx.x": "get_group_id(0)",
                    "blockIdx.y": "get_group_id(1)", "blockIdx.z": "get_group_id(2)"}
    types = {"float16": "half", "float32": "float", "float64": "double", "int8": "char",
             "int16": "short", "int32": "int", "int64": "long", "uint8": "uchar",
             "uint16": "ushort", "uint32": "uint", "uint64": "ulong", "bool": "bool"}
    bool_storage = "uchar"
    int64_suffix = "L"
    math = {"float32": _MATH, "float64": _MATH, "float16": _MATH}
    infinity = {"float16": "((half)INFINITY)", "float32": "INFINITY",
                "float64": "((double)INFINITY)"}
    nan = {"float16": "((half)NAN)", "float32": "NAN", "float64": "((double)NAN)"}
    function_qualifier = "static inline"
    unroll_pragma = "#pragma unroll"
    shuffles = {}               # sub-group shuffles are optional in OpenCL: shared memory

    vector_lanes = {d: (2, 4, 8, 16) for d in ("float32", "int32", "uint32", "float64", "int64")}
    vector_needs_alignment = False      # vloadn/vstoren need element alignment only

    def lane_field(self, k):
        return f".s{k:x}"

    def vector_load(self, dtype, lanes, pointer):
        return f"vload{lanes}(0, {pointer})"

    def vector_store(self, dtype, lanes, pointer, values):
        return f"vstore{lanes}(({self.vector_type(dtype, lanes)})({', '.join(values)}), 0, {pointer});"

    def aligned(self, declaration, nbytes):
        return declaration

    def launch_bounds(self, kernel):
        x, y, z = (e.value for e in kernel.block)
        return f"__attribute__((reqd_work_group_size({x}, {y}, {z}))) "

    def preamble(self, dtypes):
        lines = []
        if "float64" in dtypes:
            lines.append("#pragma OPENCL EXTENSION cl_khr_fp64 : enable")
        if "float16" in dtypes:
            lines.append("#pragma OPENCL EXTENSION cl_khr_fp16 : enable")
        return lines

    def isnan(self, dtype):
        return "isnan"
