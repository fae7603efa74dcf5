"""What a C dialect spells its own way. A dialect is a table: the base class
names the tables and hooks, each dialect (``codegen.cuda``, ``codegen.opencl``)
fills them in."""

from tecomp.errors import BuildError
from tecomp.ir import dtype as dt


class Dialect:
    """A C dialect as data. Subclasses (:class:`codegen.cuda.CUDADialect`,
    :class:`codegen.opencl.OpenCLDialect`) fill in every table below and the
    three hooks; the printer reads nothing else."""
    name = None                 # "cuda", "opencl"
    source_format = None        # the format name of get_source ("cuda", "cl")
    kernel_prefix = None        # text before a kernel's name
    global_qualifier = None     # pointer parameters
    restrict = None
    shared_qualifier = None
    local_qualifier = ""
    barrier = None
    thread_index = {}           # "threadIdx.x" -> its spelling
    types = {}                  # dtype -> C type name
    #: the element type of a buffer of bools
    bool_storage = None
    int64_suffix = None
    math = {}                   # dtype -> {intrinsic: C function}
    infinity = {}
    nan = {}
    function_qualifier = None   # helper functions
    unroll_pragma = "#pragma unroll"
    #: the all-reduce's warp shuffles (used where Target.thread_warp_size > 1)
    shuffles = {"tvm_warp_shuffle": "__shfl_sync", "tvm_warp_shuffle_down": "__shfl_down_sync"}

    #: shared bytes a kernel may declare statically; above it, one dynamic array (CUDA)
    static_shared_limit = None
    dynamic_shared_name = "tc_dynamic_shared"

    #: element dtype -> lane counts a contiguous vector load/store is one access for
    vector_lanes = {}
    #: whether a vector access needs an address aligned to its size (a pointer cast)
    vector_needs_alignment = True

    def vector_type(self, dtype, lanes):
        """The C vector type of ``lanes`` elements of ``dtype`` (``float4``)."""
        return f"{self.types[dtype]}{lanes}"

    def lane_field(self, k):
        """The member that is lane ``k`` of a vector value."""
        raise NotImplementedError

    def vector_load(self, dtype, lanes, pointer):
        """An expression loading ``lanes`` elements at ``pointer``."""
        raise NotImplementedError

    def vector_store(self, dtype, lanes, pointer, values):
        """A statement storing the lane expressions ``values`` at ``pointer``."""
        raise NotImplementedError

    def aligned(self, declaration, nbytes):
        """An array declaration aligned to ``nbytes``."""
        raise NotImplementedError

    def dynamic_shared_declaration(self):
        """The declaration of the kernel's dynamic shared array."""
        raise NotImplementedError

    def type_name(self, dtype):
        if dt.lanes_of(dtype) != 1:
            raise BuildError(f"{self.name}: vector type {dtype} reached the printer; vector "
                             "statements are printed lane by lane")
        try:
            return self.types[dtype]
        except KeyError:
            raise BuildError(f"{self.name}: dtype {dtype} is not supported in kernels") from None

    def storage_type(self, dtype):
        return self.bool_storage if dtype == "bool" else self.type_name(dtype)

    def math_name(self, op, dtype):
        table = self.math.get(dtype)
        if table is None or op not in table:
            raise BuildError(f"{self.name}: intrinsic '{op}' on {dtype} is not supported")
        return table[op]

    def launch_bounds(self, kernel):
        """Text between the kernel prefix and its name, given the kernel."""
        raise NotImplementedError

    def preamble(self, dtypes):
        """Lines before the kernels, given every dtype the kernels use."""
        raise NotImplementedError

    def isnan(self, dtype):
        """The function that tests a ``dtype`` value for NaN (float ``min``/``max``
        propagate NaN through helpers that call it)."""
        raise NotImplementedError
