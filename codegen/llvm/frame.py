"""Per-LLVM-function state of the code generator (used by the parallel-loop
outlining as well as by :class:`~.codegen.CodeGenLLVM`)."""

import llvmlite.ir as ir

from . import types as T


class Frame:
    """Per-LLVM-function state: builder, bindings, live heap buffers, error exit."""

    def __init__(self, fn, func_name, on_error):
        self.fn = fn
        self.func_name = func_name
        entry = fn.append_basic_block("entry")
        body = fn.append_basic_block("body")
        self.builder = ir.IRBuilder(entry)
        self.entry_branch = self.builder.branch(body)
        self.builder.position_at_end(body)
        self.env = {}          # Var -> LLVM value
        self.buffers = {}      # Buffer -> LLVM pointer
        self.heap = []         # pointers to free on every exit, innermost last
        self.on_error = on_error  # emits "return this nonzero i32 code"
        self.in_parallel = False
        self.streams = False   # may emit streaming stores: sfence before each exit
        self.numbered = {}     # (operation, operands) -> value, in numbered_block
        self.numbered_block = None

    def numbered_value(self, key, emit):
        """Local value numbering: the value an earlier ``emit()`` gave for ``key`` (an
        operation and its LLVM operands) in the current basic block, which dominates
        the insertion point; otherwise ``emit()``, remembered. For pure operations
        only: the generated code recomputes an index's common parts in every
        statement (``i*8192 + k*4`` 32 times in a GEMM micro-kernel), which LLVM
        would parse, fold and erase again."""
        block = self.builder.block
        if block is not self.numbered_block:
            self.numbered, self.numbered_block = {}, block
        value = self.numbered.get(key)
        if value is None:
            value = self.numbered[key] = emit()
        return value

    def alloca(self, ty, count=None, align=None, name=""):
        """An ``alloca`` in the entry block, so it is allocated once per call."""
        b = ir.IRBuilder(self.entry_branch.parent)
        b.position_before(self.entry_branch)
        slot = b.alloca(ty, size=count, name=name)
        if align:
            slot.align = align
        slot.type = T.PTR  # llvmlite types allocas as typed pointers; use opaque ptr
        return slot
