"""Which outputs are written with streaming (non-temporal) stores.

A kernel that writes a large output once and never reads it back (a window sum,
an elementwise map over a big array) pays, with ordinary stores, a read of every
output cache line before it is written (read for ownership), and leaves the
output in the caches, evicting its inputs. A non-temporal store writes whole
lines to memory without reading them: a third less memory traffic than a copy
with ordinary stores.

An output buffer of a function is *streamed* when

* it is a parameter of the function (not a local allocation); it may be the
  output of an in-place pointwise pair (``pointwise_aliases``, ``f(a, a)``): each
  element is read before the iteration that reads it overwrites it, and a thread's
  later loads see its non-temporal stores as they see any store;
* the function never loads from it (so it is written, not read back: a reduction
  into it, ``C[i] += ...``, loads it);
* its size is at least :func:`stream_min_bytes` (a small output is better left
  in the cache for whoever reads it next); a size not known at build time
  (symbolic shape) qualifies only for a threshold of 0;
* the target is x86-64 (``sfence`` orders the stores; see below).

Then each of its dense vector stores (``Ramp(base, 1, lanes)``, no predicate)
of 16 or 32 bytes or a multiple of a cache line is emitted as a chain of
alignment checks (:func:`stream_alignments`)::

    if (address % 64 == 0)      non-temporal store, align 64   // whole lines
    else if (address % 16 == 0) non-temporal store, align 16   // 16-byte pieces
    else                        ordinary store

(a 32-byte store checks 32, then 16). A schedule's vectorized loop is thus
streamed whatever the alignment of the array: on an array that starts on a cache
line (TVM's, :func:`numpy.empty` of some sizes) in the widest registers; on one
16 bytes off a line (numpy's large arrays) in 16-byte pieces, which the core's
write-combining buffers join into whole lines, as they would have been in a
peeled, aligned loop; on one whose address is not a multiple of 16 (a view at an
odd element offset) with ordinary stores. Scalar, masked, scattered and other
partial stores (the heads and tails of non-dividing splits) are always ordinary.
The checks cost a predictable branch per vector block. Correct for any alignment:
every arm stores the same value to the same address.

Non-temporal stores are weakly ordered: every function (and outlined parallel
body) that may stream ends each exit, including error exits, with ``sfence``, so
the caller and the thread that joins a parallel region see the output.
"""

import os

from tecomp.ir import IntImm, Load, Store, collect
from tecomp.ir import dtype as dt
from tecomp.target import arch_of

from . import types as T

#: Bytes of a cache line (x86-64).
LINE = 64

#: Multiple of the per-core L2 cache from which an output is streamed by default:
#: an output several times larger than the private caches of the threads writing it
#: is not read back from them.
L2_MULTIPLE = 4


def stream_min_bytes(target):
    """The smallest output (bytes) written with streaming stores for ``target``, or
    ``None`` where streaming stores are not used (not x86-64). Default:
    :data:`L2_MULTIPLE` times the target's L2 cache; ``TECOMP_STREAM_MIN_BYTES``
    (read at build time, a non-negative integer) overrides it."""
    if arch_of(target.triple) != "x86_64":
        return None
    value = os.environ.get("TECOMP_STREAM_MIN_BYTES", "").strip()
    if value.isdigit():
        return int(value)
    return L2_MULTIPLE * target.cache_bytes[2]


def stream_alignments(nbytes):
    """The alignments, widest first, at which a vector store of ``nbytes`` may stream:
    whole cache lines (LLVM splits the store into the widest registers), else
    16-byte pieces (LLVM splits an under-aligned non-temporal store down to 16-byte
    ``movntps``); none for a store of other sizes."""
    if nbytes % LINE == 0:
        return (LINE, 16)
    if nbytes == 32:
        return (32, 16)
    return (16,) if nbytes == 16 else ()


def _bytes(buf):
    count = 1
    for extent in buf.shape:
        if not isinstance(extent, IntImm):
            return None
        count *= extent.value
    return count * T.elem_bytes(buf.dtype) * dt.lanes_of(buf.dtype)


def streaming_stores(func, min_bytes):
    """The set of ``func``'s parameter buffers whose vector stores may stream (see
    the module doc); empty when ``min_bytes`` is ``None``."""
    if min_bytes is None:
        return set()

    def large(buf):
        size = _bytes(buf)
        return min_bytes == 0 if size is None else size >= max(min_bytes, 1)

    candidates = [buf for buf in func.buffer_params if large(buf)]
    if not candidates:      # no walk of the body for a kernel of small outputs
        return set()
    accesses = collect(func.body, (Load, Store))
    loaded = {n.buffer for n in accesses if isinstance(n, Load)}
    stored = {n.buffer for n in accesses if isinstance(n, Store)}
    return {buf for buf in candidates if buf in stored and buf not in loaded}


def stores_to(stmt, buffers):
    """Whether ``stmt`` stores into any of ``buffers``."""
    return bool(buffers) and any(
        n.buffer in buffers for n in collect(stmt, Store))
