"""tecomp's runtime: :class:`Module` wraps compiled functions behind checked calls."""

from .module import Function, KernelAssertionError, Module

__all__ = ["Module", "Function", "KernelAssertionError"]
