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
from .lower import lower, lower_for_target  # noqa: F401
from .build import load_module  # noqa: F401
from .target import Target  # noqa: F401
from .te import *  # noqa: F401,F403
from .te import __dict__ as _te_names

__all__ = [n for n in _te_names if not n.startswith("_")] + [
    "build", "lower", "load_module", "Target", "te", "ir", "TecompError", "ScheduleError",
    "LoweringError", "BuildError", "ArgumentError", "ExprError"]
from .version import __version__  # noqa: E402,F401

# Classic TVM's runtime names: tvm.nd.array, tvm.cpu(0), tvm.context("llvm", 0), and topi.
from . import nd  # noqa: E402
from .nd import cl, context, cpu, cuda, device, gpu, opencl  # noqa: E402,F401
from . import topi  # noqa: E402,F401

ndarray = nd   # `tvm.ndarray.NDArray`
__all__ += ["nd", "ndarray", "topi", "cpu", "gpu", "cuda", "opencl", "cl", "context", "device"]
from .errors import VerificationError  # noqa: E402,F401
from .verify import verify  # noqa: E402,F401

__all__ += ["verify", "VerificationError"]

# Classic TVM spellings: tvm.tir / tvm.expr, tvm.testing, tvm.contrib, dtype names, TVMError.
from . import contrib, testing, tir  # noqa: E402,F401
from .classic import (NotOffered, TVMError, build_config, call_extern, call_intrin,  # noqa: E402,F401
                      call_llvm_intrin, call_llvm_pure_intrin, call_pure_extern,
                      call_pure_intrin, convert, decl_buffer, decl_tensor_intrin, expr,
                      float16, float32, float64, indexdiv, indexmod, int8, int16, int32, int64,
                      ir_builder, module, register_intrin_rule, stmt, uint8)
from .not_offered import not_offered as _not_offered  # noqa: E402
from .report import report  # noqa: E402,F401
from .packed import get_global_func, list_global_func_names, register_func  # noqa: E402,F401

__all__ += ["report"]


def __getattr__(name):
    _not_offered("tvm", name)
