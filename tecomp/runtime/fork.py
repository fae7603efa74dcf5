"""Parallel modules in a ``fork()``\\ ed child run serially.

libgomp's thread pool does not survive ``fork()``: once the parent has run a
parallel region, a child that starts another waits forever for threads that
exist only in the parent. The child cannot repair the pool, so tecomp runs its
parallel loops on one thread there: at fork, if any live module of the parent
has run a parallel loop (its ``__tecomp_num_threads`` global is set, see
:mod:`codegen.llvm.parallel`), every parallel module in the child, and every
one it builds or loads later, gets one thread. Results are the same, only
slower; a child that needs threads should be started with ``spawn``
(``multiprocessing.get_context("spawn")``) instead. Other libraries that use
libgomp in the parent (an OpenMP BLAS) are not detected.
"""

import ctypes
import os
import weakref

_modules = weakref.WeakSet()     # live modules with parallel loops
_serial = False                  # this process is a child forked after libgomp ran


def _num_threads_address(module):
    return module._compiled.global_address("__tecomp_num_threads")


def _parallel_ran():
    for module in list(_modules):
        address = _num_threads_address(module)
        if address and ctypes.c_int32.from_address(address).value != 0:
            return True
    return False


def _make_serial(module):
    address = _num_threads_address(module)
    if address:
        ctypes.c_int32.from_address(address).value = 1


def _after_fork_in_child():
    global _serial
    if _serial or _parallel_ran():
        _serial = True
        for module in list(_modules):
            _make_serial(module)


def register(module):
    """Track ``module`` (a runtime Module with parallel loops): serial in a child."""
    _modules.add(module)
    if _serial:
        _make_serial(module)


def forked_serial():
    """Whether parallel loops of this process run on one thread (see above)."""
    return _serial


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
