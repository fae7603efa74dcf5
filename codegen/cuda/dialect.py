"""CUDA C's spellings: the defaults of :class:`codegen.c_source.Dialect`."""

from codegen.c_source import Dialect


class CUDADialect(Dialect):
    name = "cuda"
    source_format = "cuda"
