"""tecomp.topi: an operator library written in tensor expressions, with default
CPU schedules (TVM's TOPI, classic names)::

    from tecomp import topi
    x = te.placeholder((batch, 784), name="x")
    w = te.placeholder((10, 784), name="w")
    y = topi.nn.softmax(topi.nn.dense(x, w))
    s = topi.generic.schedule_softmax(y)
    f = te.build(s, [x, w, y])

Every operator returns tensors; ``topi.generic.schedule_<op>(outs)`` returns a
schedule. Tensors also support ``+ - * /`` and unary ``-`` (with broadcasting)
once topi is imported, as in TVM.
"""

from . import cuda, generic, nn  # noqa: F401
from .broadcast import (abs, add, broadcast_to, cast, divide, elemwise_sum, exp, flatten, log,  # noqa: F401,A004
                        maximum, minimum, multiply, negative, power, reshape, sigmoid, sqrt,
                        subtract, tanh, transpose)
from .generic_op_impl import install as _install_tensor_operators
from .matmul import dense, matmul  # noqa: F401
from .nn import (avg_pool2d, conv2d, conv2d_nchw, log_softmax, max_pool2d, pad, pool,  # noqa: F401
                 relu, softmax, softmax_cross_entropy)
from .reduction import max, min, prod, sum  # noqa: F401,A004
from .einsum import einsum, tensordot  # noqa: F401
from .transform import (clip, concatenate, expand_dims, full, full_like, split,  # noqa: F401
                        squeeze, strided_slice, take, where)

_install_tensor_operators()
