"""The GotoBLAS GEMM schedule (Goto and van de Geijn's loop structure) written with
the classic primitives, in one place for ``benchmarks/peers.py``, the tests and
the tutorial: :func:`gotoblas_gemm`, its register tile :func:`gotoblas_tile`
and its cache blocks (:meth:`CpuFit.gemm_blocks`), all from the target."""

import os

from ...errors import ArgumentValueError
from ...schedule import create_schedule
from ...target import Target
from ...target_cpu import usable_cores
from ...te import api
from .cpu_fit import CpuFit


def gotoblas_tile(target):
    """``(MR, NR)`` of the GotoBLAS register tile for ``target``: NR two vectors
    wide, MR rows so that the MR x 2 accumulators take half the vector registers
    (the others hold the vectors of packed B and the broadcasts of A): 8 x 32
    with AVX-512 (32 registers of 16 floats), 4 x 16 with AVX2 (16 of 8)."""
    return target.vector_registers // 4, 2 * target.vector_lanes("float32")


def default_threads():
    """Threads a parallel loop runs on: ``TECOMP_NUM_THREADS`` if set, else the
    CPUs this process may run on."""
    value = os.environ.get("TECOMP_NUM_THREADS", "")
    if value.isdigit() and int(value) > 0:
        return int(value)
    return usable_cores()


def gotoblas_gemm(M, N, K, target=None, tile=None, blocks=None, threads=None, prefetch=True,
                  k_unroll=None):
    """``(schedule, [A, B, C])`` of ``C = A @ B`` (float32, ``A`` M x K, ``B`` K x N)
    scheduled as GotoBLAS does, for ``target`` (the current or host one by default):

    * B packed into panels of NR columns (``packedB[N/NR][K][NR]``, built in
      parallel); each MC x KC block of A packed, MR rows side by side, where its
      thread uses it (``packedA`` computed at ``ko``);
    * loops ``ioo`` (blocks of MC rows, parallel), ``ko`` (slices of KC of k),
      ``jo`` (panels of NR columns), ``ioi`` (MR rows), ``ki``, ``ii`` (unrolled),
      ``ji`` (vectorized): the MR x NR tile of C stays in registers for a KC slice;
    * ``prefetch``: the tile of C that the next ``ioi`` updates is prefetched at the
      top of each ``ioi`` (``s[C].prefetch(C, ioi, 1)``): its MR rows lie a row of C
      apart, a stride no hardware prefetcher follows, so each would otherwise be a
      cache miss when the micro-kernel starts;
    * ``k_unroll``: ``ki`` split by it and the inner part unrolled (by default the
      largest of 8, 4, 2 dividing KC: eight k steps are 8 x MR x NR / lanes
      multiply-adds per loop iteration, so the loop's own work is negligible);
      1 leaves ``ki`` whole.

    ``tile`` (MR, NR) defaults to :func:`gotoblas_tile`; ``blocks`` (MC, KC) to
    :meth:`CpuFit.gemm_blocks` for at least ``threads`` blocks of rows
    (:func:`default_threads` by default). MR and NR must divide M and N."""
    target = Target.create(target) if target is not None else \
        (Target.current(allow_none=True) or Target("llvm"))
    MR, NR = tile or gotoblas_tile(target)
    if M % MR or N % NR:
        raise ArgumentValueError(f"gotoblas_gemm: the {MR} x {NR} register tile must divide "
                                 f"C's {M} x {N}; pass tile= with divisors")
    MC, KC = blocks or CpuFit(target).gemm_blocks(MR, NR, M, K,
                                                  parts=threads or default_threads())
    if k_unroll is None:
        k_unroll = next(u for u in (8, 4, 2, 1) if KC % u == 0)
    if MC % MR or M % MC or K % KC or KC % k_unroll:
        raise ArgumentValueError(f"gotoblas_gemm: blocks MC={MC} (a multiple of MR={MR} "
                                 f"dividing M={M}), KC={KC} (dividing K={K}) and k_unroll="
                                 f"{k_unroll} (dividing KC) do not fit")
    A = api.placeholder((M, K), name="A")
    B = api.placeholder((K, N), name="B")
    k = api.reduce_axis((0, K), name="k")
    packedB = api.compute((N // NR, K, NR), lambda x, y, z: B[y, x * NR + z], name="packedB")
    packedA = api.compute((M // MR, K, MR), lambda x, y, z: A[x * MR + z, y], name="packedA")
    C = api.compute((M, N), lambda i, j: api.sum(
        packedA[i // MR, k, i % MR] * packedB[j // NR, k, j % NR], axis=k), name="C")
    s = create_schedule(C.op)
    i, j = s[C].op.axis
    io, ii = s[C].split(i, factor=MR)
    ioo, ioi = s[C].split(io, factor=MC // MR)
    jo, ji = s[C].split(j, factor=NR)
    ko, ki = s[C].split(k, factor=KC)
    if k_unroll > 1:
        kio, kii = s[C].split(ki, factor=k_unroll)
        s[C].reorder(ioo, ko, jo, ioi, kio, kii, ii, ji)
        s[C].unroll(kii)
    else:
        s[C].reorder(ioo, ko, jo, ioi, ki, ii, ji)
    s[C].unroll(ii)
    s[C].vectorize(ji)
    s[C].parallel(ioo)
    if prefetch:
        s[C].prefetch(C, ioi, 1)
    s[packedA].compute_at(s[C], ko)        # each thread packs its MC x KC block of A
    x, y, z = s[packedA].op.axis
    s[packedA].reorder(x, z, y)            # rows of A read contiguously
    x, _, z = s[packedB].op.axis
    s[packedB].vectorize(z)
    s[packedB].parallel(x)
    return s, [A, B, C]
