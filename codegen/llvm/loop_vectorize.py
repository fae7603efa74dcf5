"""Which loops LLVM's loop vectorizer may vectorize.

The schedule's ``vectorize`` is authoritative: such loops reach LLVM as vector
code. A loop the schedule left serial may still be vectorized by LLVM, under its
cost model, if it is *innermost* (no loop inside) and every memory access in it
is unit-stride or invariant in the loop variable, so vectorizing it never needs a
gather or a scatter, and it holds no vector code of the schedule's own. Every
other loop carries ``llvm.loop.vectorize.enable = false`` (and an interleave count
of 1). That rules out what made us switch the vectorizer off: after LLVM fully
unrolls a short inner loop, it vectorized the next loop out, whose accesses are
strided, with gathers and scatters (a blocked GEMM fell to 0.5 GFLOP/s on Zen 4).
The vector width is LLVM's choice for the target CPU.

:func:`loop_vectorize` finds the loops LLVM may vectorize; :func:`loop_metadata` the ``!llvm.loop``
node that tells LLVM.
"""

import llvmlite.ir as ir

from tecomp.arith import Analyzer
from tecomp.ir import Add, ForKind, IntImm, IRVisitor, Load, PrimExpr, Store, Sub, collect, substitute
from tecomp.ir import dtype as dt


def _stride(index, var, analyzer):
    """The constant step of ``index`` when ``var`` steps by one, else ``None``."""
    step = substitute(index, {var: Add(var, IntImm(var.dtype, 1))})
    diff = analyzer.simplify(Sub(step, index))
    return diff.value if isinstance(diff, IntImm) else None


def _unit_stride(loop):
    analyzer = Analyzer()
    return all(_stride(access.index, loop.loop_var, analyzer) in (0, 1)
               for access in collect(loop.body, (Load, Store)))


class _Finder(IRVisitor):
    def __init__(self):
        self.loops = set()
        self.blocked = False    # a loop or vector code below the current node

    def visit(self, node):
        expression = isinstance(node, PrimExpr)
        if expression and self.blocked:
            return None     # an expression holds no loop: nothing left to find below
        dtype = getattr(node, "dtype", None)
        if isinstance(dtype, str) and "x" in dtype and dt.lanes_of(dtype) > 1:
            self.blocked = True     # ("x": not every dtype parses, e.g. a string's "handle")
            if expression:
                return None
        return super().visit(node)

    def visit_For(self, loop):
        outer, self.blocked = self.blocked, False
        self.generic_visit(loop)
        if not self.blocked and loop.kind in (ForKind.SERIAL, ForKind.PARALLEL) \
                and _unit_stride(loop):
            self.loops.add(loop)
        self.blocked = True


def loop_vectorize(stmt):
    """The set of loops (For nodes, which compare by identity) in ``stmt`` that
    LLVM may vectorize (see the module doc); one walk of the tree."""
    finder = _Finder()
    finder.visit(stmt)
    return finder.loops


class _LoopID(ir.values.MDValue):
    """A distinct metadata node whose first operand is itself, as LLVM's loop IDs are."""

    def descr(self, buf):
        operands = ", ".join([self.get_reference()] + [op.get_reference() for op in self.operands])
        buf += (f"distinct !{{ {operands} }}", "\n")


def loop_metadata(module):
    """The ``!llvm.loop`` node that keeps LLVM from vectorizing or interleaving a loop."""
    off = module.add_metadata([ir.MetaDataString(module, "llvm.loop.vectorize.enable"),
                               ir.Constant(ir.IntType(1), 0)])
    once = module.add_metadata([ir.MetaDataString(module, "llvm.loop.interleave.count"),
                                ir.Constant(ir.IntType(32), 1)])
    return _LoopID(module, [off, once], name=str(len(module.metadata)))
