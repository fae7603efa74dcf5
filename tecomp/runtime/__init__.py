"""tecomp's runtime: :class:`Module` wraps compiled functions behind checked calls;
:func:`load_module` restores one from a library written by ``export_library``."""

from .load import LibraryLoadError, load_module
from .module import Function, KernelAssertionError, Module, NotRunnableError
from .signature import Signature
from .convert import convert  # noqa: F401 (tvm.runtime.convert)

__all__ = ["Module", "Function", "KernelAssertionError", "NotRunnableError", "Signature",
           "load_module", "LibraryLoadError"]
