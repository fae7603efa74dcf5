"""Classic TVM's ``tvm.contrib`` helpers: ``cc`` (link objects into a shared
library), ``utils``/``util`` (temporary directories), ``clang`` (refused: tecomp
does not import foreign LLVM IR), and ``cblas`` (GEMMs through the BLAS numpy links)."""
from . import cblas  # noqa: F401,E402 (registers "tvm.contrib.cblas.matmul" where a BLAS is found)
