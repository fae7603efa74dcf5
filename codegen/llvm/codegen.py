"""Lowered PrimFuncs to one ``llvmlite.ir.Module``: the function frame and statements.

:class:`CodeGenLLVM` dispatches on the node class to ``visit_<ClassName>``;
expressions, intrinsics, memory and parallel loops live in the mixins it combines
(one module each). State for the LLVM function being emitted (builder, variable
and buffer bindings, how to return an error code) lives in a :class:`Frame`, so
an outlined parallel body simply gets a frame of its own.
"""

import ctypes
import ctypes.util
import functools

import llvmlite.ir as ir

from tecomp.errors import BuildError, InternalError
from tecomp.ir import ForKind
from tecomp.ir.dispatch import Dispatcher, visit_handler
from tecomp.ir import dtype as dt
from tecomp.abi import abi_vars, passes_as_double

from . import types as T
from .exprs import ExprMixin
from .frame import Frame
from .intrinsics import IntrinsicMixin
from .ir_text import TextModule
from .loop_vectorize import loop_metadata, loop_vectorize
from .memory import MemoryMixin
from .packed import PackedCallMixin
from .parallel import ParallelMixin
from .streaming_stores import streaming_stores

#: IR nodes that lowering must have removed before code generation.
_NOT_LOWERED = ("TensorRead", "Provide", "Realize", "Reduce")


_LIBC = {"memcpy", "memmove", "memset", "malloc", "calloc", "realloc", "free", "aligned_alloc",
         "posix_memalign", "abort", "exit"}


@functools.lru_cache(maxsize=None)
def _runtime_libraries():
    paths = (ctypes.util.find_library(lib) for lib in ("m", "gomp"))
    return tuple(ctypes.CDLL(p) for p in paths if p)


def is_reserved_name(name):
    """Whether a kernel called ``name`` would interpose on a function that compiled
    code calls (libm, libgomp, the allocator, LLVM's memset/memcpy idioms)."""
    if name in _LIBC or name.startswith(("__", "llvm.", "GOMP_", "omp_")):
        return True
    return any(hasattr(lib, name) for lib in _runtime_libraries())


def release_module(module):
    """Break the reference cycles of an ``llvmlite.ir.Module`` once its text is
    taken: functions, blocks and instructions point at each other (``parent``,
    ``terminator``), so a dropped module (hundreds of objects a kernel) waited for
    the cycle collector, and each build brought the next full collection nearer.
    The module is empty afterwards."""
    for fn in module.functions:
        for block in fn.blocks:
            for instruction in block.instructions:
                instruction.operands = []      # a loop's phi and increment use each other
                if isinstance(instruction, ir.PhiInstr):
                    instruction.incomings = []
            block.instructions = []
            block.terminator = None
        fn.blocks = []
        fn.args = ()
        fn.return_value = None
    module.globals.clear()
    module.metadata.clear()
    module._metadatacache.clear()


class CodeGenLLVM(ExprMixin, IntrinsicMixin, MemoryMixin, PackedCallMixin, ParallelMixin,
                  Dispatcher):
    """Emits PrimFuncs into one module; :attr:`assert_messages` maps each function
    name to the messages its nonzero return codes stand for (code = 1 + index)."""

    def __init__(self, module_name="tecomp", num_threads=0, stream_min_bytes=None):
        self.module = TextModule(name=module_name)
        self.stream_min_bytes = stream_min_bytes   # None: no streaming stores
        self.streamed = set()       # outputs written with streaming stores, per function
        self.assert_messages = {}
        self.frame = None
        self._declared = {}
        self.vectorizable = set()   # loops LLVM may vectorize, per function
        self.aliased = set()        # buffers that may share memory, per function
        # -num-threads, else 0 until the first parallel loop reads the environment
        # (TECOMP_NUM_THREADS); see parallel.py
        self.num_threads = ir.GlobalVariable(self.module, T.I32, "__tecomp_num_threads")
        self.num_threads.initializer = ir.Constant(T.I32, num_threads)
        self._num_threads_fn = None
        self.llvm_imports = []      # LLVM IR texts to link in (pragma "import_llvm")

    # ------------------------------------------------------------ dispatch

    @property
    def builder(self):
        return self.frame.builder

    def visit(self, node):
        fn = visit_handler(self, node)
        if fn is None:
            name = type(node).__name__
            if name in _NOT_LOWERED:
                raise InternalError(f"codegen.llvm: {name} must be lowered away before code "
                                    f"generation (found `{node}`)")
            raise InternalError(f"codegen.llvm: no handler for IR node {name}")
        return fn(self, node)

    def declare(self, name, ret, args, var_arg=False):
        """A (cached) declaration of an external function or LLVM intrinsic."""
        fn = self._declared.get(name)
        if fn is None:
            if name in self.module.globals:
                raise BuildError(f"function name {name!r} clashes with the C library function "
                                 "the generated code calls; rename the function")
            fn = ir.Function(self.module, ir.FunctionType(ret, args, var_arg=var_arg), name)
        self._declared[name] = fn
        return fn

    # ------------------------------------------------------------ functions

    def add_function(self, func):
        if func.name in self.assert_messages:
            raise BuildError(f"two functions are named {func.name!r}; function names in "
                             "one module must be unique")
        if func.name in self.module.globals or is_reserved_name(func.name):
            raise BuildError(f"function name {func.name!r} clashes with a C library or runtime "
                             "function that generated code may call; rename the function")
        buffers, scalars = func.buffer_params, abi_vars(func)
        arg_types = [T.PTR] * len(buffers) + [
            ir.DoubleType() if passes_as_double(v) else T.I64 for v in scalars]
        fn = ir.Function(self.module, ir.FunctionType(T.I32, arg_types), func.name)
        fn.attributes.add("nounwind")
        self.assert_messages[func.name] = []
        self.frame = Frame(fn, func.name, self._return_code)
        aliased = {b for pair in func.attrs.get("pointwise_aliases", ()) for b in pair}
        self.aliased = aliased  # may share memory with each other: no noalias
        self.vectorizable = loop_vectorize(func.body)
        self.streamed = streaming_stores(func, self.stream_min_bytes)
        self.frame.streams = bool(self.streamed)
        for buf, arg in zip(buffers, fn.args):
            arg.name = T.value_name(buf.name)
            if buf not in aliased:
                arg.add_attribute("noalias")
            self.frame.buffers[buf] = arg
        for var, arg in zip(scalars, fn.args[len(buffers):]):
            arg.name = T.value_name(var.name)
            source = "float64" if passes_as_double(var) else "int64"
            self.frame.env[var] = self.cast(arg, source, var.dtype)
        self.visit(func.body)
        self.fence_streams()
        self.builder.ret(ir.Constant(T.I32, 0))
        self.frame = None
        return fn

    def _return_code(self, code):
        self.fence_streams()
        self.free_heap(self.frame.heap)
        self.builder.ret(code)

    def error_code(self, message):
        """The return code standing for ``message`` in the current function."""
        messages = self.assert_messages[self.frame.func_name]
        messages.append(message)
        return ir.Constant(T.I32, len(messages))

    # ------------------------------------------------------------ statements

    def visit_SeqStmt(self, op):
        for s in op.seq:
            self.visit(s)

    def visit_Evaluate(self, op):
        self.visit(op.value)

    def visit_AttrStmt(self, op):
        if op.key == "pragma_import_llvm" and op.value.value not in self.llvm_imports:
            self.llvm_imports.append(op.value.value)
        self.visit(op.body)

    def visit_LetStmt(self, op):
        self.frame.env[op.var] = self.visit(op.value)
        self.visit(op.body)
        del self.frame.env[op.var]

    def visit_AssertStmt(self, op):
        cond = self.visit(op.condition)
        if isinstance(cond.type, ir.VectorType):
            # A vector condition (a check inside vector code) must hold in every lane.
            reduce = self.declare(f"llvm.vector.reduce.and.v{cond.type.count}i1", ir.IntType(1),
                                  [cond.type])
            cond = self.builder.call(reduce, [cond])
        fail = self.frame.fn.append_basic_block("assert_fail")
        ok = self.frame.fn.append_basic_block("assert_ok")
        self.builder.cbranch(cond, ok, fail)
        self.builder.position_at_end(fail)
        self.frame.on_error(self.error_code(op.message))
        self.builder.position_at_end(ok)
        self.visit(op.body)

    def visit_IfThenElse(self, op):
        cond = self.visit(op.condition)
        fn = self.frame.fn
        then_block, end = fn.append_basic_block("if_then"), fn.append_basic_block("if_end")
        else_block = fn.append_basic_block("if_else") if op.else_case is not None else end
        self.builder.cbranch(cond, then_block, else_block)
        self.builder.position_at_end(then_block)
        self.visit(op.then_case)
        self.builder.branch(end)
        if op.else_case is not None:
            self.builder.position_at_end(else_block)
            self.visit(op.else_case)
            self.builder.branch(end)
        self.builder.position_at_end(end)

    def visit_For(self, op):
        if op.kind == ForKind.PARALLEL and not self.frame.in_parallel:
            return self.emit_parallel_for(op)
        if op.kind == ForKind.THREAD_BINDING:
            raise InternalError(f"codegen.llvm: loop '{op.loop_var.name}' is bound to GPU "
                                f"thread {op.thread_tag!r}; the CPU backend cannot run it")
        begin, extent = self.loop_bounds(op)
        end = self.builder.add(begin, extent)
        self.emit_loop(op.loop_var, begin, end, lambda: self.visit(op.body),
                       vectorize=op in self.vectorizable)

    def loop_bounds(self, op):
        """``min`` and ``extent`` of a loop, in its variable's type."""
        to = op.loop_var.dtype
        return (self.cast(self.visit(op.min), op.min.dtype, to),
                self.cast(self.visit(op.extent), op.extent.dtype, to))

    def emit_loop(self, var, begin, end, body, name=None, vectorize=False):
        """``for var in [begin, end): body()`` as header/body/exit blocks; LLVM may
        vectorize it only if ``vectorize`` (see :mod:`.loop_vectorize`)."""
        name = T.value_name(name or var.name)
        fn, pre = self.frame.fn, self.builder.block
        header = fn.append_basic_block(f"for_{name}")
        loop_body = fn.append_basic_block(f"for_{name}_body")
        exit_block = fn.append_basic_block(f"for_{name}_end")
        self.builder.branch(header)
        self.builder.position_at_end(header)
        index = self.builder.phi(begin.type, name=name)
        index.add_incoming(begin, pre)
        signed = not dt.is_uint(var.dtype)
        cmp = self.builder.icmp_signed if signed else self.builder.icmp_unsigned
        self.builder.cbranch(cmp("<", index, end), loop_body, exit_block)
        self.builder.position_at_end(loop_body)
        self.frame.env[var] = index
        body()
        del self.frame.env[var]
        index.add_incoming(self.builder.add(index, ir.Constant(index.type, 1), flags=["nsw"]),
                           self.builder.block)
        latch = self.builder.branch(header)
        if not vectorize:
            latch.set_metadata("llvm.loop", loop_metadata(self.module))
        self.builder.position_at_end(exit_block)
