"""The GPU lowering steps both source backends run, on one screen.

``device_programs(funcs, ...)`` takes PrimFuncs from :func:`tecomp.lower` and
returns one :class:`~tecomp.transform.split_host_device.HostProgram` per function:

1. ``lower_thread_binding``: bound loops -> ``thread_extent`` attributes, with
   the one-extent-per-tag and threads-per-block checks;
2. ``split_host_device``: kernels, launch sizes as host expressions, global
   temporaries, inferred and hoisted shared/local storage;
3. ``insert_barriers``: a barrier after each cooperative fill of shared memory
   and before the next one in a loop.

``TECOMP_PRINT_IR=1`` prints each kernel after the last step.
"""

import os

from tecomp.errors import BuildError
from tecomp.ir import PrimFunc
from tecomp.transform.insert_barriers import insert_barriers
from tecomp.transform.lower_thread_binding import lower_thread_binding
from tecomp.transform.split_host_device import split_host_device


def as_funcs(funcs, backend):
    funcs = [funcs] if isinstance(funcs, PrimFunc) else list(funcs)
    for f in funcs:
        if not isinstance(f, PrimFunc):
            raise BuildError(f"codegen.{backend}.build expects PrimFuncs, got {type(f).__name__}")
    if not funcs:
        raise BuildError(f"codegen.{backend}.build: no functions to build")
    return funcs


def device_programs(funcs, max_threads=1024, max_shared_bytes=48 * 1024):
    programs = []
    for func in funcs:
        func = lower_thread_binding(func, max_threads)
        program = split_host_device(func, max_shared_bytes)
        for kernel in program.kernels:
            kernel.func = kernel.func.with_body(insert_barriers(kernel.func.body))
            if os.environ.get("TECOMP_PRINT_IR"):
                print(f"--- {kernel.name}: grid={kernel.grid} block={kernel.block}")
                print(kernel.func)
        programs.append(program)
    return programs


def can_narrow_index(programs):
    """Whether every index fits ``int``: no symbolic size, no 64-bit data, every
    buffer and launch size a constant below 2**30."""
    from tecomp.ir import IntImm, collect
    from tecomp.ir import stmt as S
    limit = 2 ** 30
    for program in programs:
        if program.func.scalar_params or any(not isinstance(e, IntImm) for b in
                                             program.func.buffer_params for e in b.shape):
            return False
        sizes = [b.shape for b in program.func.buffer_params]
        for kernel in program.kernels:
            body = kernel.func.body
            sizes += [(a.extent,) for a in collect(body, lambda n: isinstance(n, S.Allocate))]
            total = 1
            for e in kernel.grid + kernel.block:
                if not isinstance(e, IntImm):
                    return False
                total *= e.value
            if total >= limit:
                return False
            dtypes = {b.dtype for b in kernel.func.buffer_params}
            dtypes |= {a.buffer.dtype for a in collect(body, lambda n: isinstance(n, S.Allocate))}
            if dtypes & {"int64", "uint64"}:
                return False
        sizes += [(e,) for e in program.temps.values()]
        for shape in sizes:
            total = 1
            for e in shape:
                if not isinstance(e, IntImm):
                    return False
                total *= e.value
            if total >= limit:
                return False
    return True
