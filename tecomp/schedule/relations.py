"""Iter-var relations recorded by schedule primitives (TVM's IterVarRelation).

Primitives only record these; bound inference and loop-nest construction
interpret them (``parent = outer * factor + inner``; ``fused = outer * inner_extent + inner``).
"""

from dataclasses import dataclass
from typing import Optional

from ..ir import IterVar, PrimExpr


class AttachType:
    ROOT = "root"
    INLINE = "inline"
    SCOPE = "scope"   # compute_at


@dataclass(eq=False)
class Split:
    parent: IterVar
    outer: IterVar
    inner: IterVar
    factor: Optional[PrimExpr]
    nparts: Optional[PrimExpr]


@dataclass(eq=False)
class Fuse:
    outer: IterVar
    inner: IterVar
    fused: IterVar


@dataclass(eq=False)
class IterVarAttr:
    """How a leaf iter var becomes a loop: its kind, a bound thread axis, the tensor
    intrinsic that replaces it and the loops inside it (``tensorize``), pragmas
    that annotate its loop (``(key, value)``, e.g. ``("import_llvm", ir_text)``), and
    the tensors prefetched at the top of each iteration (``(tensor, offset)``,
    ``Stage.prefetch``)."""
    kind: str = "serial"
    bind_thread: Optional[IterVar] = None
    tensor_intrin: Optional[object] = None
    pragmas: tuple = ()
    prefetch: tuple = ()
