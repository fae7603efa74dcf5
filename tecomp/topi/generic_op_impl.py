"""Arithmetic on whole tensors (``a + b``, ``x * 2``, ``-t``, ``t / n``), as TVM's
``topi/generic_op_impl.py`` installs it: each operator builds a topi broadcast
stage, so course-era code such as ``-topi.sum(y_ * topi.log(p), axis=1)`` works.

Inside a ``compute`` lambda a tensor must be indexed, not used whole, so there
the operators keep tecomp's error ("tensor 'A' used as a value; index it"); the
check walks the Python stack for the frame of :func:`tecomp.te.api.compute`, which
is cheap because whole-tensor arithmetic happens outside hot loops.
"""

import sys

from ..te import api
from ..te.tensor import Tensor
from . import broadcast

_COMPUTE_CODE = api.compute.__code__


def _inside_compute_lambda():
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code is _COMPUTE_CODE:
            return True
        frame = frame.f_back
    return False


def _operator(name, build, reflected=False):
    original = getattr(Tensor, name)

    def method(self, other):
        if _inside_compute_lambda():
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
        if _inside_compute_lambda():
            return Tensor._no_arithmetic(self)
        return broadcast.negative(self)
    Tensor.__neg__ = neg
    Tensor._topi_operators = True
