"""Classic TVM's ``tvm.contrib`` helpers: ``cc`` (link objects into a shared
library), ``utils``/``util`` (temporary directories), ``clang`` (refused: tecomp
does not import foreign LLVM IR)."""
