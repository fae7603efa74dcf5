"""The exception a packed function (``tvm.tir.call_packed``) raised, kept per
thread between the callback that caught it and the call that re-raises it."""

import threading

#: how the message of a failed packed call starts (the call's error code maps to it)
PACKED_FAILED = "packed function"

_SLOT = threading.local()


def record(error):
    _SLOT.error = error


def take():
    """The recorded exception (cleared), or None."""
    error = getattr(_SLOT, "error", None)
    _SLOT.error = None
    return error
