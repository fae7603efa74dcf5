"""tecomp's intermediate representation: expressions, statements, buffers,
the lowered function, and the visitor/mutator that every pass builds on."""

from . import dtype
from .expr import *  # noqa: F401,F403  (first: the other modules build on the nodes)
from .expr import PrimExpr, Var, IterVar, Range, const, const_index
from .buffer import Buffer  # noqa: I001
from .functor import (IRMutator, IRVisitor, collect, free_vars, post_order_visit,
                      structural_equal, substitute, uses_var)
from .stmt import *  # noqa: F401,F403
from .stmt import PrimFunc, ForKind, seq, no_op
from .intrin_rules import register_intrin_lowering, register_op_attr  # noqa: F401 (tvm.ir's)
