"""Classic TVM API parts tecomp does not offer, and the error that says so.

Reaching for one (``tvm.te.hybrid``, ``IRBuilder.allocate``)
raises :class:`NotOffered`, a :class:`~tecomp.errors.TecompError` and an
``AttributeError`` (so ``hasattr`` answers False), naming the part and why it is
missing. The README's table of classic API parts lists the same."""

from .errors import NotOffered  # noqa: F401 (defined with every error class)


_BUFFER = ("lower/build(binds=) is not implemented: every tensor gets a compact row-major "
           "buffer (declared buffers serve tensor intrinsics only)")

#: name -> why it is missing
WHY = {
    "binds": _BUFFER,
    "allocate": "ir_builder offers emit, for_range, if_scope and get (for tensor "
                "intrinsics); allocate, buffer_ptr and the rest are not implemented",
    "hybrid": "hybrid script is out of scope",
}


def not_offered(namespace, name):
    """Raise :class:`NotOffered` for ``namespace.name`` if it is a known missing part,
    else a plain ``AttributeError`` as Python would."""
    if name in WHY:
        raise NotOffered(f"{namespace}.{name} is not offered by tecomp: {WHY[name]}")
    raise AttributeError(f"module {namespace!r} has no attribute {name!r}")
