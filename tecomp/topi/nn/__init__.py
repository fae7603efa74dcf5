"""Neural-network operators, as ``topi.nn``: activations, softmax and losses,
dense layers, convolution, padding and pooling."""

from ..broadcast import flatten  # noqa: F401
from ..matmul import dense  # noqa: F401
from .conv2d import conv2d, conv2d_nchw, get_pad_tuple, pad  # noqa: F401
from .elemwise import leaky_relu, relu  # noqa: F401
from .pooling import avg_pool2d, max_pool2d, pool  # noqa: F401
from .softmax import log_softmax, softmax, softmax_cross_entropy  # noqa: F401
from .batch_norm import batch_norm  # noqa: F401
from .depthwise_conv2d import depthwise_conv2d_nchw  # noqa: F401
from .pool2d import pool2d  # noqa: F401
from .upsampling import upsampling  # noqa: F401
