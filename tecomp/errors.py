"""Every error (and warning) class of tecomp, in one place. User mistakes and
internal bugs are different classes.

Every user-facing error derives from :class:`TecompError`; a bug inside tecomp
raises :class:`InternalError` so a user can tell whose fault a failure is. The
modules that raise them re-export them under their old names
(``tecomp.runtime.KernelAssertionError``...).
"""

import os
import sys
import warnings

#: Where tecomp's own code lives: a warning points at the first frame outside.
_OWN_CODE = tuple(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                               package) + os.sep for package in ("tecomp", "codegen"))


def warn_user(message, category=UserWarning):
    """Warn at the user's line that called into tecomp (the first frame outside
    tecomp's packages), not at the pass, deep in a lowering, that noticed."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_OWN_CODE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


class TecompError(Exception):
    """Base class of every error tecomp raises on purpose."""


class ScheduleError(TecompError, ValueError):
    """A schedule primitive was misused (raised at the call)."""


class LoweringError(TecompError):
    """The schedule or expression cannot be lowered (unsupported construct)."""


class BuildError(TecompError):
    """Code generation, compilation or linking failed."""


class ArgumentError(TecompError):
    """Base of the call-time argument check errors."""


class ArgumentTypeError(ArgumentError, TypeError):
    """An argument has the wrong type or dtype."""


class ArgumentValueError(ArgumentError, ValueError):
    """An argument has the wrong shape, layout or value."""


class ExprError(TecompError, TypeError):
    """An expression is malformed (bad dtype mix, misplaced reduction, ...)."""


class InternalError(Exception):
    """A bug in tecomp itself: please report it with the program that raised it."""


class KernelAssertionError(TecompError, AssertionError):
    """An ``AssertStmt`` in compiled code failed; the message is the assert's."""


class NotRunnableError(TecompError, RuntimeError):
    """The module's code was compiled for a CPU this host may not have (another
    ``-mcpu``/``-mattr``/``-mtriple``): it can be saved and exported, not called."""


class DeviceError(TecompError, RuntimeError):
    """A GPU device is missing, or refused a launch (limits, driver errors)."""


class LibraryLoadError(TecompError, OSError):
    """A file cannot be loaded as a tecomp library (missing, not a shared library,
    not made by tecomp, or made by a newer tecomp)."""


class InstantiationError(ScheduleError):
    """An autotvm configuration the template rejects (``cfg.raise_error``):
    recorded as an invalid point, not a crash."""


class WorkerError(Exception):
    """An autotvm child process timed out (``timed_out``) or died (``exitcode``)."""

    def __init__(self, message, timed_out=False, exitcode=None):
        super().__init__(message)
        self.timed_out, self.exitcode = timed_out, exitcode


class GradientWarning(UserWarning):
    """A gradient stage fell back to the slow (reduction over the whole domain) form."""


class BenchmarkWarning(UserWarning):
    """:func:`tecomp.testing.benchmark`: the timing is noisy (large spread) or the
    machine was busy while it was measured."""


class NotOffered(TecompError, AttributeError):
    """A classic TVM API part that tecomp does not offer (see the README's table)."""


class VerificationError(TecompError, AssertionError):
    """:func:`tecomp.verify` found a scheduled program whose output differs from
    the unscheduled one; ``.result`` holds the :class:`tecomp.verify.VerifyResult`."""

    def __init__(self, message, result=None):
        super().__init__(message)
        self.result = result
