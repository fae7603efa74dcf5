"""verify_cpu_scopes: reject GPU-only constructs in a function built for the CPU.

Takes a lowered PrimFunc and returns it unchanged, or raises
:class:`~tecomp.errors.BuildError` when a loop is bound to a GPU thread axis or a
buffer has scope "shared" (GPU block memory): the CPU has neither. "local"
(a small per-iteration buffer, e.g. from ``cache_write(C, "local")``) is fine.
"""

from ..errors import BuildError
from ..ir import stmt as S
from ..ir.functor import collect


def verify_cpu_scopes(func, target_kind="llvm"):
    for node in collect(func.body, (S.For, S.Allocate)):
        if isinstance(node, S.For) and node.kind == S.ForKind.THREAD_BINDING:
            raise BuildError(f"{func.name}: loop '{node.loop_var.name}' is bound to GPU thread "
                             f"axis {node.thread_tag}, but target '{target_kind}' is a CPU; "
                             "build with target='cuda' or 'opencl', or use parallel() instead")
        if isinstance(node, S.Allocate) and node.buffer.scope == "shared":
            raise BuildError(f"{func.name}: '{node.buffer.name}' has scope 'shared' (GPU block "
                             f"memory), which target '{target_kind}' (a CPU) does not have; "
                             "use scope 'global' or 'local', or build for 'cuda'/'opencl'")
    return func
