"""A scan's init, update and state tensors are stored in its output: the loop
nest's writes and reads of them are rewritten to the output tensor."""

from ..ir import expr as E
from ..ir import stmt as S
from ..ir.functor import IRMutator


def alias_scan_tensors(program, aliases):
    """``program`` with every ``Provide``/``TensorRead`` of a key of ``aliases``
    (tensor -> scan output) going to its scan output instead."""
    if not aliases:
        return program
    return _Alias(aliases).visit(program)


class _Alias(IRMutator):
    def __init__(self, aliases):
        self.aliases = aliases

    def visit_Provide(self, provide):
        provide = self.generic_visit(provide)
        out = self.aliases.get(provide.tensor)
        return provide if out is None else S.Provide(out, provide.value, provide.indices)

    def visit_TensorRead(self, read):
        read = self.generic_visit(read)
        out = self.aliases.get(read.tensor)
        return read if out is None else E.TensorRead(out, read.indices)
