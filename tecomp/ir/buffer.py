"""Buffers: named, typed, one-dimensional storage after storage flattening."""

from dataclasses import dataclass
from typing import Tuple

from .expr import PrimExpr, const_index
from .op import mul


@dataclass(frozen=True, slots=True, eq=False)
class Buffer:
    """Storage for a tensor. ``shape`` is the logical (row-major) shape of a
    function argument, or ``(size,)`` for a flat allocation. Compared by identity.

    ``scope`` is ``"global"`` (function arguments and heap/stack allocations),
    ``"local"`` (registers / thread-private) or ``"shared"`` (GPU block memory).
    """
    name: str
    dtype: str
    shape: Tuple[PrimExpr, ...]
    scope: str = "global"

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return f"Buffer({self.name}, {self.dtype}, {list(self.shape)}, {self.scope})"

    def strides(self):
        """Row-major element strides of ``shape``."""
        strides, running = [], None
        for extent in reversed(self.shape):
            strides.append(running)
            running = extent if running is None else mul(running, extent)
        return tuple(const_index(1) if s is None else s for s in reversed(strides))
