"""can_narrow_index: the index-width decision for GPU kernels.

``can_narrow_index(programs)`` takes the :class:`~.split_host_device.HostProgram`\\ s
of one module and returns whether every index fits ``int``: no symbolic size, no
64-bit data, every buffer and launch size a constant below 2**30. The source
printers then declare indices and size parameters ``int`` instead of ``long long``.
"""

from ..ir import IntImm, collect
from ..ir import stmt as S

_LIMIT = 2 ** 30


def can_narrow_index(programs):
    for program in programs:
        if program.func.scalar_params or any(not isinstance(e, IntImm) for b in
                                             program.func.buffer_params for e in b.shape):
            return False
        sizes = [b.shape for b in program.func.buffer_params]
        for kernel in program.kernels:
            body = kernel.func.body
            sizes += [(a.extent,) for a in collect(body, S.Allocate)]
            total = 1
            for e in kernel.grid + kernel.block:
                if not isinstance(e, IntImm):
                    return False
                total *= e.value
            if total >= _LIMIT:
                return False
            dtypes = {b.dtype for b in kernel.func.buffer_params}
            dtypes |= {a.buffer.dtype for a in collect(body, S.Allocate)}
            if dtypes & {"int64", "uint64"}:
                return False
        sizes += [(e,) for e in program.temps.values()]
        for shape in sizes:
            total = 1
            for e in shape:
                if not isinstance(e, IntImm):
                    return False
                total *= e.value
            if total >= _LIMIT:
                return False
    return True
