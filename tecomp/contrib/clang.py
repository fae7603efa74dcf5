"""``tvm.contrib.clang``: refused. TVM compiles C to LLVM IR with clang and links
it into a kernel (``pragma(..., "import_llvm", ...)``); tecomp does not import
foreign LLVM IR, so a tensorized micro-kernel cannot come from C source here."""

from ..errors import BuildError


def find_clang(required=True):
    raise BuildError("tvm.contrib.clang is not offered by tecomp: it does not link "
                     "foreign LLVM IR into kernels (pragma 'import_llvm')")


def create_llvm(inputs, output=None, options=None, cc=None):
    find_clang()
