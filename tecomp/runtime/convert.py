"""TVM's ``tvm.runtime.convert`` (``tvm.convert`` in 0.6)."""

from ..ir import expr as E


def convert(value):
    """A Python number to a constant expression (``convert(1024)`` is a fixed size),
    lists element by element; expressions and strings pass through."""
    if isinstance(value, (list, tuple)):
        return [convert(v) for v in value]
    if isinstance(value, (E.PrimExpr, str)) or value is None:
        return value
    return E.const(value)
