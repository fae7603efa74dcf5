"""Error classes. User mistakes and internal bugs are different classes.

Every user-facing error derives from :class:`TecompError`; a bug inside tecomp
raises :class:`InternalError` so a user can tell whose fault a failure is.
"""


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


class VerificationError(TecompError, AssertionError):
    """:func:`tecomp.verify` found a scheduled program whose output differs from
    the unscheduled one; ``.result`` holds the :class:`tecomp.verify.VerifyResult`."""

    def __init__(self, message, result=None):
        super().__init__(message)
        self.result = result
