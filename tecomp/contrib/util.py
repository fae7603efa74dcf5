"""TVM 0.6/0.7's name of :mod:`tecomp.contrib.utils`."""

from .utils import TempDirectory, tempdir  # noqa: F401
