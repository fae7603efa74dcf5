"""Automatic differentiation of tensor expressions: ``te.gradient`` and
``te.jacobian`` build adjoint stages in gather form (see :mod:`.gradient`)."""

from .gradient import JACOBIAN_LIMIT, GradientWarning, gradient, jacobian  # noqa: F401
