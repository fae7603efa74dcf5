"""Search strategies over a configuration space (AutoTVM's tuners)."""

from . import callback  # noqa: F401
from .ga import GATuner
from .tuner import GridSearchTuner, IndexBasedTuner, RandomTuner, Tuner
from .xgb import XGBTuner

__all__ = ["Tuner", "IndexBasedTuner", "GridSearchTuner", "RandomTuner", "GATuner", "XGBTuner",
           "callback"]
