"""TVM's ``topi.utils`` spelling of :mod:`tecomp.topi.util` (``get_const_tuple``...)."""

from .util import *  # noqa: F401,F403
