"""tecomp: a tensor expression compiler with schedules.

Declare what to compute with tensor expressions, say how with schedule
primitives, and build native code::

    import tecomp as te
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] * 2, name="B")
    s = te.create_schedule(B.op)
    f = te.build(s, [A, B])
"""

from . import ir, te  # noqa: F401
from .build import build  # noqa: F401
from .errors import (ArgumentError, ArgumentTypeError, ArgumentValueError, BuildError,  # noqa: F401
                     ExprError, InternalError, LoweringError, ScheduleError, TecompError)
from .lower import lower  # noqa: F401
from .target import Target  # noqa: F401
from .te import *  # noqa: F401,F403
from .te import __dict__ as _te_names

__all__ = [n for n in _te_names if not n.startswith("_")] + [
    "build", "lower", "Target", "te", "ir", "TecompError", "ScheduleError", "LoweringError",
    "BuildError", "ArgumentError", "ExprError"]
__version__ = "0.1.0"
