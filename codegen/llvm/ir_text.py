"""The LLVM text of a generated module, printed faster than llvmlite prints it.

``str()`` of an ``llvmlite.ir`` module formats each instruction through a chain of
methods and caches (each first use raises and catches an ``AttributeError``), some
7 microseconds an instruction: 4-5 ms for a GEMM kernel, more than its lowering's
slowest pass. :class:`TextModule` is the module the code generator fills; it prints
the instructions that kernels are made of (arithmetic, loads, stores, address
computations, compares, vector lane operations, branches) with one format each,
naming every value once, and hands every other instruction, and everything outside
function bodies (declarations, prototypes, globals, metadata), to llvmlite. The
text is llvmlite's, byte for byte (tests/codegen/test_llvm_ir_text.py compares the
two on kernels that use every instruction the code generator emits).
"""

import llvmlite.ir as ir
from llvmlite.ir import instructions as inst
from llvmlite.ir import types


class TextModule(ir.Module):
    """An ``llvmlite.ir.Module`` whose ``str()`` is :func:`module_text`."""

    def __repr__(self):
        return module_text(self)

    __str__ = __repr__


def module_text(module):
    """What ``str()`` of the llvmlite module ``module`` gives, printed faster."""
    lines = ['; ModuleID = "%s"' % (module.name,),
             'target triple = "%s"' % (module.triple,),
             'target datalayout = "%s"' % (module.data_layout,),
             '']
    lines += [it.get_declaration() for it in module.get_identified_types().values()]
    printer = _Printer()
    for value in module.globals.values():
        if isinstance(value, ir.Function) and value.blocks:
            lines.append(printer.function(value))
        else:
            lines.append(str(value))
    lines += module._get_metadata_lines()
    return "\n".join(lines)


class _Printer:
    def __init__(self):
        self.refs = {}      # id(value) -> its reference ("%x", "i32 0"'s "0", "@f")

    def ref(self, value):
        """llvmlite's ``value.get_reference()``, computed once per value."""
        refs = self.refs
        text = refs.get(id(value))
        if text is None:
            if value.__class__ is ir.Constant and value.type.__class__ is types.IntType \
                    and value.constant.__class__ is int:
                text = str(value.constant)      # IntType.format_constant
            else:
                text = value.get_reference()
            refs[id(value)] = text
        return text

    def function(self, fn):
        """llvmlite's ``str(fn)`` (``Function.descr``) of a defined function."""
        buf = []
        fn.descr_prototype(buf)
        buf.append("{\n")
        for block in fn.blocks:
            buf.append(f"{block._format_name()}:\n")
            for instruction in block.instructions:
                buf.append(f"  {self.instruction(instruction)}\n")
        buf.append("}\n")
        return "".join(buf)

    def instruction(self, instr):
        """llvmlite's ``str(instr)`` (``NamedValue._to_string``)."""
        if isinstance(instr.type, types.VoidType):
            head = ""
        else:
            name = instr._name
            if "\\" in name or '"' in name:
                ref = instr.get_reference()
            else:
                ref = f'%"{name}"'
            self.refs[id(instr)] = ref
            head = f"{ref} = "
        describe = _DESCRIBE.get(instr.__class__)
        if describe is None:
            buf = []
            instr.descr(buf)
            body = "".join(buf)
        else:
            body = describe(self, instr)
        return (head + body).rstrip()

    # One method per instruction class, each the text of llvmlite's ``descr``.

    def generic(self, instr):
        opname = instr.opname
        if instr.flags:
            opname = " ".join([opname] + instr.flags)
        ref = self.ref
        operands = ", ".join([ref(op) for op in instr.operands])
        return f"{opname} {instr.type} {operands}{_metadata(instr)}\n"

    def load(self, instr):
        [ptr] = instr.operands
        align = "" if instr.align is None else ", align %d" % (instr.align,)
        return f"load {instr.type}, {ptr.type} {self.ref(ptr)}{align}{_metadata(instr)}\n"

    def store(self, instr):
        value, ptr = instr.operands
        align = "" if instr.align is None else ", align %d" % (instr.align,)
        return (f"store {value.type} {self.ref(value)}, {ptr.type} {self.ref(ptr)}"
                f"{align}{_metadata(instr)}\n")

    def gep(self, instr):
        ref = self.ref
        indices = ", ".join([f"{i.type} {ref(i)}" for i in instr.indices])
        op = "getelementptr inbounds" if instr.inbounds else "getelementptr"
        pointer = instr.pointer
        return (f"{op} {instr.source_etype}, {pointer.type} {ref(pointer)}, {indices} "
                f"{_metadata(instr)}\n")

    def compare(self, instr):
        flags = "".join(" " + flag for flag in instr.flags)
        lhs, rhs = instr.operands[0], instr.operands[1]
        return (f"{instr.opname}{flags} {instr.op} {lhs.type} {self.ref(lhs)}, "
                f"{self.ref(rhs)} {_metadata(instr)}\n")

    def lanes(self, instr):
        ref = self.ref
        operands = ", ".join([f"{op.type} {ref(op)}" for op in instr.operands])
        return f"{instr.opname} {operands}\n"

    def shuffle(self, instr):
        ref = self.ref
        operands = ", ".join([f"{op.type} {ref(op)}" for op in instr.operands])
        return f"shufflevector {operands} {_metadata(instr)}\n"

    def terminator(self, instr):
        ref = self.ref
        operands = ", ".join([f"{op.type} {ref(op)}" for op in instr.operands])
        return f"{instr.opname} {operands}{_metadata(instr)}"

    def select(self, instr):
        cond, lhs, rhs = instr.operands
        ref = self.ref
        return (f"select {' '.join(instr.flags)} {cond.type} {ref(cond)}, {lhs.type} "
                f"{ref(lhs)}, {rhs.type} {ref(rhs)} {_metadata(instr)}\n")

    def cast(self, instr):
        value = instr.operands[0]
        return (f"{instr.opname} {value.type} {self.ref(value)} to {instr.type} "
                f"{_metadata(instr)}\n")


def _metadata(instr):
    """llvmlite's ``_stringify_metadata(leading_comma=True)``."""
    return instr._stringify_metadata(leading_comma=True) if instr.metadata else ""


_DESCRIBE = {
    inst.Instruction: _Printer.generic,
    inst.LoadInstr: _Printer.load,
    inst.StoreInstr: _Printer.store,
    inst.GEPInstr: _Printer.gep,
    inst.ICMPInstr: _Printer.compare,
    inst.FCMPInstr: _Printer.compare,
    inst.InsertElement: _Printer.lanes,
    inst.ExtractElement: _Printer.lanes,
    inst.ShuffleVector: _Printer.shuffle,
    inst.Branch: _Printer.terminator,
    inst.ConditionalBranch: _Printer.terminator,
    inst.SelectInstr: _Printer.select,
    inst.CastInstr: _Printer.cast,
}
