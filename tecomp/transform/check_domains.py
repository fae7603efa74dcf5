"""Domain checking: an ``AssertStmt`` before every read of a computed tensor.

``check_domains(func, tensors)`` takes a PrimFunc before storage flattening (its
reads still ``TensorRead`` with logical indices) and returns one in which every
read of a tensor in ``tensors`` is preceded by an assertion that each index lies
in ``[0, extent)`` of the tensor's declared shape. ``build(..., debug=True)``
runs it right after ``schedule_ops``, for the tensors that ``te.compute`` stages
(cache stages included) produce.

Why: a stage computes its tensor only inside its declared shape. Where the
consumer reads past it, the storage that the read lands in may still exist: a
stage attached with ``compute_at`` is realized over the region its consumer
needs, which can be wider than the shape; after flattening the read is in range
of that allocation, so :mod:`tecomp.transform.bounds_check` cannot see it, and
the consumer silently reads values never written::

    B = te.compute((10,), ...); C = te.compute((12,), lambda i: B[i] + 1)
    C[i] = B[i] + 1
      becomes
    assert((i >= 0) && (i < 10), "read of tensor 'B' outside its shape (10,) ...")
    C[i] = B[i] + 1

The assertions are :mod:`~tecomp.transform.bounds_check`'s (its
:class:`~tecomp.transform.bounds_check.AccessChecker`): a read is checked only
where it executes, so a read in an arm of the lazy ``if_then_else`` is checked
under that arm's condition, and padding idioms such as
``if_then_else(i >= 1, B[i - 1], 0)`` stay legal. Nothing is refused at build
time. Vector reads are checked too: vectorization runs after this pass, and a
loop whose assertion depends on the lane runs serially under ``debug``.
"""

from ..ir import expr as E
from .bounds_check import AccessChecker, in_range


def check_domains(func, tensors):
    """``func`` (before storage flattening) with an assertion before every
    statement that reads one of ``tensors``, that the read's indices lie in the
    tensor's declared shape. Returns a new PrimFunc (``func`` is unchanged)."""
    checker = _DomainChecker(frozenset(tensors))
    body = checker.visit(func.body)
    return func.with_body(body) if body is not func.body else func


class _DomainChecker(AccessChecker):
    def __init__(self, tensors):
        super().__init__()
        self.tensors = tensors

    def _checks(self, access):
        if access.kind != "read of" or access.buffer not in self.tensors:
            return []
        tensor = access.buffer
        shape = tuple(E.const_index(extent) for extent in tensor.shape)
        indices = ", ".join(str(i) for i in access.index)
        shape_text = "(" + ", ".join(str(x) for x in shape) + ("," if len(shape) == 1 else "") + ")"
        loops = self._loops_text()
        checks = []
        for dim, (index, extent) in enumerate(zip(access.index, shape)):
            message = (f"read of tensor '{tensor.name}' outside its shape {shape_text}: index "
                       f"[{indices}], dimension {dim} `{index}` is outside [0, {extent}); the "
                       f"stage computes only its shape; enclosing loops: {loops}")
            checks.append((self._where_executed(access, in_range(index, extent)), message))
        return checks
