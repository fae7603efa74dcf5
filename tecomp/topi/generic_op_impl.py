"""Arithmetic on whole tensors (``a + b``, ``x * 2``, ``-t``, ``t / n``), as TVM's
``topi/generic_op_impl.py`` installs it: each operator builds a topi broadcast
stage, so course-era code such as ``-topi.sum(y_ * topi.log(p), axis=1)`` works.

Inside a ``compute`` lambda a tensor must be indexed, not used whole, so there
the operators keep tecomp's error ("tensor 'A' used as a value; index it"):
``compute`` marks the call of its lambda (:func:`tecomp.te.tensor.building_body`).
"""

from ..te.tensor import Tensor, in_compute_body
from . import broadcast


def _operator(name, build, reflected=False):
    original = getattr(Tensor, name)

    def method(self, other):
        if in_compute_body():
            return original(self, other)
        return build(other, self) if reflected else build(self, other)
    method.__name__ = name
    method.__doc__ = f"Whole-tensor ``{build.__name__}`` with broadcasting (topi)."
    return method


def install():
    """Give :class:`tecomp.te.tensor.Tensor` its arithmetic operators (idempotent)."""
    if getattr(Tensor, "_topi_operators", False):
        return
    pairs = {"__add__": broadcast.add, "__sub__": broadcast.subtract,
             "__mul__": broadcast.multiply, "__truediv__": broadcast.divide}
    for name, build in pairs.items():
        setattr(Tensor, name, _operator(name, build))
        reflected = "__r" + name[2:]
        setattr(Tensor, reflected, _operator(reflected, build, reflected=True))

    def neg(self):
        if in_compute_body():
            return Tensor._no_arithmetic(self)
        return broadcast.negative(self)
    Tensor.__neg__ = neg
    Tensor._topi_operators = True
