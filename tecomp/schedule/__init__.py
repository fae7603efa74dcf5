"""Schedules: stages, primitives, and the interpretation of the record
(bound inference, loop-nest construction)."""

from .schedule import AttachType, Schedule, Stage, create_schedule
from .auto_inline import AutoInlineInjective  # noqa: F401 (tvm.te.schedule.AutoInlineInjective)
from .loop_nest import loop_nest_text, print_loop_nest  # noqa: E402,F401
