"""AutoTVM for tecomp: tunable schedule templates and the search over them.

::

    from tecomp import autotvm

    @autotvm.template("tutorial/matmul")
    def matmul(N, L, M, dtype):
        ...                                   # te.compute, create_schedule
        cfg = autotvm.get_config()
        cfg.define_split("tile_y", y, num_outputs=2)
        yo, yi = cfg["tile_y"].apply(s, C, y)
        return s, [A, B, C]

    task = autotvm.task.create("tutorial/matmul", args=(512, 512, 512, "float32"), target="llvm")
    tuner = autotvm.tuner.XGBTuner(task)
    tuner.tune(n_trial=100, measure_option=autotvm.measure_option(
                   builder=autotvm.LocalBuilder(), runner=autotvm.LocalRunner(number=5)),
               callbacks=[autotvm.callback.log_to_file("matmul.log")])
    with autotvm.apply_history_best("matmul.log"):
        s, args = matmul(512, 512, 512, "float32")

Modules: :mod:`.knobs` and :mod:`.space` (the space), :mod:`.task` (templates),
:mod:`.dispatcher` (which configuration a template runs with), :mod:`.measure`
and :mod:`.worker` (building and timing in child processes), :mod:`.record`
(JSON-lines logs), :mod:`.tuner` (search), :mod:`.ray_runner` (a Ray cluster),
:mod:`.plot` (a picture of a log).
"""

from . import measure, record, task, tuner  # noqa: F401
from .dispatcher import (ApplyConfig, ApplyHistoryBest, DispatchContext,  # noqa: F401
                         FallbackContext, apply_history_best)
from .measure import (Builder, LocalBuilder, LocalRunner, MeasureErrorNo,  # noqa: F401
                      MeasureInput, MeasureResult, Runner, measure_option)
from .plot import plot_history  # noqa: F401
from .ray_runner import RayRunner  # noqa: F401
from .space import (ConfigEntity, ConfigSpace, FallbackConfigEntity,  # noqa: F401
                    InstantiationError)
from .task import get_config, template  # noqa: F401
from .tuner import callback  # noqa: F401
