"""The tensor-expression namespace, as in ``from tvm import te``.

Everything here is also available flat as ``tecomp.<name>``."""

from .api import (abs, all, any, ceil, comm_reducer, compute, const, cos, erf, exp,  # noqa: F401,A004
                  exp2, floor, floordiv, floormod, if_then_else, isnan, log, log2, log10,
                  max, max_value, min, min_value, placeholder, pow, power, prod,
                  reduce_axis, round, rsqrt, select, sigmoid, sin, size_var, sqrt, sum,
                  tanh, thread_axis, trunc, truncdiv, truncmod, var)
from ..ir import IterVar, PrimExpr, Range, Var  # noqa: F401
from ..ir.op import cast  # noqa: F401
from .. import schedule  # noqa: F401 (tvm.te.schedule.AutoInlineInjective)
from ..schedule import Schedule, Stage, create_schedule, print_loop_nest  # noqa: F401
from .tensor import ComputeOp, Operation, PlaceholderOp, Tensor  # noqa: F401
from .tensor_intrin import TensorIntrin, decl_buffer, decl_tensor_intrin  # noqa: F401
from .scan import ScanOp, scan  # noqa: F401
from .extern import ExternBuffer, ExternOp, call_packed, extern  # noqa: F401
from ..autodiff import GradientWarning, gradient, jacobian  # noqa: F401,E402
from ..not_offered import not_offered as _not_offered  # noqa: E402


def __getattr__(name):   # te.scan, te.extern, te.decl_tensor_intrin, te.hybrid: say why not
    _not_offered("tvm.te", name)
