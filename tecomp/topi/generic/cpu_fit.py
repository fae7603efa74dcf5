"""What a default CPU schedule takes from the target (:class:`CpuFit`): vector
widths, register tiles and cache blocks sized by the target's vector registers
and caches, never by the machine a schedule was written on."""


class CpuFit:
    """What the schedules take from the target: ``lanes`` (float32 elements of one
    vector register), ``widths`` (vector widths tried, widest first),
    ``row_lanes`` (partial sums per row of a reduction: four vectors, to hide the
    add's latency), ``registers`` (vector registers), ``accumulators`` (vector
    registers a GEMM register tile may hold: all but four, left for operands)."""

    def __init__(self, target):
        self.target = target
        self.lanes = target.vector_lanes("float32")
        self.widths = tuple(w for w in (self.lanes, self.lanes // 2, self.lanes // 4)
                            if w >= 4) or (4,)
        self.row_lanes = 4 * self.widths[0]
        self.registers = target.vector_registers
        self.accumulators = self.registers - 4

    def vector_width(self, extent):
        """The widest vector width dividing ``extent`` (None: none does, or symbolic)."""
        return next((w for w in self.widths if extent is not None and extent % w == 0), None)

    def gemm_tile(self, rows, cols):
        """``(MR, NR)`` of a GEMM register tile for a ``rows`` x ``cols`` product:
        NR two vectors wide (one where only one divides ``cols``), MR the most rows
        whose accumulators, the NR/lanes operand vectors and one broadcast fit the
        registers (8 at most: more rows gain little and unroll a lot)."""
        width = self.vector_width(cols)
        nr = 2 * width if cols % (2 * width) == 0 else width
        vectors = nr // width
        mr = max(1, min(8, rows, (self.accumulators + 4 - vectors - 1) // vectors))
        return mr, nr

    def gemm_blocks(self, mr, nr, rows, depth, parts=1, itemsize=4):
        """``(MC, KC)``: the cache blocks of a GotoBLAS GEMM (loops: blocks of MC rows,
        slices of KC of k, panels of ``nr`` columns, ``mr`` rows, k; each MC x KC
        block of the left operand packed, ``mr`` rows side by side, where its thread
        uses it) with an ``mr`` x ``nr`` register tile, for ``rows`` rows of the
        product (cut into at least ``parts`` blocks where it can: one per thread)
        and a reduction of length ``depth``, from the target's caches
        (``itemsize``: bytes of an element).

        Each slice of k loads and stores every ``mr`` x ``nr`` tile of the product
        once, and those rows lie a row of the product apart, which no hardware
        prefetcher follows (:func:`~tecomp.topi.generic.gotoblas_gemm` prefetches
        the next tile with ``Stage.prefetch``, which hides the misses' latency but
        not their traffic): slices are long. ``KC``: the longest slice dividing ``depth`` whose
        ``mr`` x KC micro-panel of the left operand fits the L1 data cache (the
        right operand's KC x ``nr`` micro-panel, which the next micro-panel of the
        left reuses, streams from L2). ``MC`` (``mr`` times a divisor of ``rows //
        mr``): the most rows whose packed block fits the L2, where every panel of
        the right operand reuses it. With AVX-512's 48 KiB L1 and 2 MiB L2 (8 x 32
        tile): 512 x 1024 for 1024^3 and 2048^3; AVX2's 32 KiB and 512 KiB (4 x 16):
        64 x 2048 at 2048^3."""
        l1, l2 = self.target.cache_bytes[1], self.target.cache_bytes[2]
        units = max(rows // mr, 1)
        split = _largest_divisor(units, units // parts) if units >= parts else units
        kc = _largest_divisor(depth, l1 // (mr * itemsize))
        return mr * _largest_divisor(units, min(split, l2 // (mr * kc * itemsize))), kc

    def conv2d_tile(self, width, channels):
        """``(vector, nvec, ftile)`` of a convolution's register tile for rows of
        ``width`` output columns and ``channels`` output channels (None: no vector
        of 4 lanes or more divides ``width``).

        ``vector``: the widest divisor of ``width`` from ``lanes`` down to 4; a
        register partly used (14 of 16 lanes for 56 columns; LLVM pads the vector)
        beats a half register fully used (8 of 16), about 1.3x with AVX-512.
        Accumulators: half the vector registers (16 with AVX-512, 8 with AVX2),
        the rest for the input vectors and broadcast weights; arranged as two
        vectors of columns x ``ftile`` channels where two vectors tile the row,
        else one vector x twice the channels (``ftile`` the largest divisor of
        ``channels`` that fits)."""
        vector = next((v for v in range(self.lanes, 3, -1) if width % v == 0), None)
        if vector is None:
            return None
        nvec = 2 if (width // vector) % 2 == 0 else 1
        ftile = next(t for t in range(max(1, self.registers // 2 // nvec), 0, -1)
                     if channels % t == 0)
        return vector, nvec, ftile


def _largest_divisor(extent, limit):
    """The largest divisor of ``extent`` not above ``limit`` (1 at least)."""
    return next((d for d in range(min(extent, limit), 1, -1) if extent % d == 0), 1)
