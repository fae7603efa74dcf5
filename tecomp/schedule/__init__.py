"""Schedules: stages, primitives, and the interpretation of the record
(bound inference, loop-nest construction)."""

from .schedule import AttachType, Schedule, Stage, create_schedule
from .auto_inline import AutoInlineInjective  # noqa: F401 (tvm.te.schedule.AutoInlineInjective)
