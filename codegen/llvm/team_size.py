"""How many threads a parallel loop gets: ``int64 __tecomp_team_size(int64 useful,
int64 steady)``.

``useful`` is the most threads the loop's work pays for (:func:`.parallel.loop_work`
divided by :data:`.parallel.MIN_WORK`), ``steady`` the threads it keeps busy for
longer than a scheduler time slice (the work divided by :data:`.parallel.LONG_WORK`).
A thread count the user asked for (``TECOMP_NUM_THREADS``,
``Module.set_num_threads``) is honoured up to ``useful``. Otherwise the loop takes at
most libgomp's default (``OMP_NUM_THREADS``, else the cores it may use) and at most
the cores that are idle *now*: the cores less the other runnable tasks of the
machine, read from ``/proc/loadavg`` (its ``running/total`` field; where it cannot
be read, every core counts as idle). A
parallel region on a core that another process holds waits, at its join, for a
thread the scheduler may not run for a whole time slice (milliseconds): a vector
add of 2^22 floats took 8-13x its serial time that way on a 2-core machine with
one core busy. The file is read only when a loop would run in parallel, so small
loops pay nothing, and at most once per :data:`LOAD_PERIOD_NS` (the count is kept
in module globals, stamped with ``CLOCK_MONOTONIC_COARSE``): opening, reading and
parsing it costs 3-6 us, more than half of a 10 us kernel called in a loop (a
window sum of 2^16 floats ran 30% slower than with a fixed thread count), while
the load it reports changes on the scale of scheduler time slices. Where the
clock cannot be read, every call reads the file. Nor is it read when ``steady``
covers the threads wanted: a thread whose share outlasts a time slice loses at
most the core's share that the scheduler gives the other task, while a core that
only looks busy (the spinning worker of another thread pool in the same process,
such as OpenBLAS's for some 0.1 s after each numpy matmul) would otherwise make a
long loop serial.
"""

import llvmlite.ir as ir

from . import types as T

_NAME = "__tecomp_team_size"
_FORMAT = b"%*f %*f %*f %d\0"

#: How long a reading of ``/proc/loadavg`` is reused (nanoseconds): a few
#: scheduler time slices, longer than the coarse clock's tick (1-10 ms).
LOAD_PERIOD_NS = 10_000_000

#: Linux's clock id of the monotonic clock read from the vDSO without a
#: system call (~5 ns), at the resolution of the scheduler tick.
CLOCK_MONOTONIC_COARSE = 6


def unoptimized(fn):
    """Mark a runtime helper of the generated code (``fn``, internal) ``optnone
    noinline``: it runs once per parallel region, a few system calls, so LLVM's
    optimizer and instruction selection would spend more on it (about 5 ms a module,
    a tenth of a GEMM's build) than they could save at run time."""
    fn.attributes.add("noinline")
    fn.attributes.add("optnone")
    return fn


def team_size_function(cg, num_threads_fn):
    """The module's ``__tecomp_team_size`` (emitted once), for the CodeGenLLVM ``cg``."""
    if _NAME in cg.module.globals:
        return cg.module.globals[_NAME]
    fn = ir.Function(cg.module, ir.FunctionType(T.I64, [T.I64, T.I64]), _NAME)
    fn.linkage = "internal"
    fn.attributes.add("nounwind")
    unoptimized(fn)
    useful, steady = fn.args
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    one = ir.Constant(T.I64, 1)

    def smin(x, y):
        return b.select(b.icmp_signed("<", x, y), x, y)

    serial, ask = fn.append_basic_block("serial"), fn.append_basic_block("ask")
    b.cbranch(b.icmp_signed("<=", useful, one), serial, ask)
    b.position_at_end(serial)
    b.ret(one)

    b.position_at_end(ask)
    requested = b.sext(b.call(num_threads_fn, []), T.I64)
    explicit, automatic = fn.append_basic_block("explicit"), fn.append_basic_block("automatic")
    b.cbranch(b.icmp_signed(">", requested, ir.Constant(T.I64, 0)), explicit, automatic)
    b.position_at_end(explicit)
    b.ret(smin(useful, requested))

    b.position_at_end(automatic)
    default = b.sext(b.call(cg.declare("omp_get_max_threads", T.I32, []), []), T.I64)
    wanted = smin(useful, default)
    probe, check, long = (fn.append_basic_block(n) for n in ("probe", "check", "long"))
    b.cbranch(b.icmp_signed("<=", wanted, one), serial, check)
    b.position_at_end(check)
    b.cbranch(b.icmp_signed(">=", steady, wanted), long, probe)
    b.position_at_end(long)
    b.ret(wanted)
    b.position_at_end(probe)
    cores = b.sext(b.call(cg.declare("omp_get_num_procs", T.I32, []), []), T.I64)
    others = b.sub(_running_tasks(cg, b, fn), one)        # less the calling thread
    idle = b.sub(cores, others)
    idle = b.select(b.icmp_signed("<", idle, one), one, idle)
    b.ret(smin(wanted, idle))
    return fn


def _constant_string(cg, name, data):
    ty = ir.ArrayType(T.I8, len(data))
    g = ir.GlobalVariable(cg.module, ty, name)
    g.linkage, g.global_constant = "private", True
    g.initializer = ir.Constant(ty, bytearray(data))
    return g


def _running_tasks(cg, b, fn):
    """The runnable tasks of the machine (``/proc/loadavg``), 1 if unreadable; a
    reading younger than :data:`LOAD_PERIOD_NS` is reused."""
    count, stamp = _global(cg, "__tecomp_load_running"), _global(cg, "__tecomp_load_stamp")
    clock_ty = ir.LiteralStructType([T.I64, T.I64])           # struct timespec
    clock = _entry_alloca(fn, clock_ty, "now")
    failed = b.call(cg.declare("clock_gettime", ir.IntType(32), [ir.IntType(32), T.PTR]),
                    [ir.Constant(ir.IntType(32), CLOCK_MONOTONIC_COARSE), clock])
    seconds, nanoseconds = (
        b.load(b.gep(clock, [ir.Constant(T.I32, 0), ir.Constant(T.I32, i)], inbounds=True,
                     source_etype=clock_ty), typ=T.I64) for i in (0, 1))
    zero = ir.Constant(T.I64, 0)
    now = b.add(b.mul(seconds, ir.Constant(T.I64, 1_000_000_000)), nanoseconds)
    now = b.select(b.icmp_signed("==", failed, ir.Constant(ir.IntType(32), 0)), now, zero)
    last = b.load_atomic(stamp, "monotonic", 8, typ=T.I64)
    fresh = b.and_(b.and_(b.icmp_signed("!=", now, zero), b.icmp_signed("!=", last, zero)),
                   b.icmp_unsigned("<", b.sub(now, last), ir.Constant(T.I64, LOAD_PERIOD_NS)))
    reuse, read = fn.append_basic_block("load_reuse"), fn.append_basic_block("load_read")
    known = fn.append_basic_block("load_known")
    b.cbranch(fresh, reuse, read)
    b.position_at_end(reuse)
    kept = b.load_atomic(count, "monotonic", 8, typ=T.I64)
    b.branch(known)
    b.position_at_end(read)
    value = _read_running_tasks(cg, b, fn)
    b.store_atomic(value, count, "monotonic", 8)
    b.store_atomic(now, stamp, "monotonic", 8)
    read_end = b.block
    b.branch(known)
    b.position_at_end(known)
    running = b.phi(T.I64)
    running.add_incoming(kept, reuse)
    running.add_incoming(value, read_end)
    return running


def _entry_alloca(fn, ty, name):
    """A slot of ``ty`` allocated at the start of ``fn``'s entry block, typed as an
    opaque pointer as elsewhere in codegen (llvmlite types allocas as typed ones)."""
    entry = ir.IRBuilder(fn.entry_basic_block)
    entry.position_at_start(fn.entry_basic_block)
    slot = entry.alloca(ty, name=name)
    slot.type = T.PTR
    return slot


def _global(cg, name):
    """An internal ``i64`` module global, 0 at load time."""
    g = ir.GlobalVariable(cg.module, T.I64, name)
    g.linkage = "internal"
    g.initializer = ir.Constant(T.I64, 0)
    return g


def _read_running_tasks(cg, b, fn):
    """The runnable tasks of the machine read from ``/proc/loadavg`` now, 1 if
    unreadable."""
    path = _constant_string(cg, "__tecomp_loadavg_path", b"/proc/loadavg\0")
    fmt = _constant_string(cg, "__tecomp_loadavg_format", _FORMAT)
    running = _entry_alloca(fn, ir.IntType(32), "running")
    text = _entry_alloca(fn, ir.ArrayType(T.I8, 128), "loadavg")
    b.store(ir.Constant(ir.IntType(32), 1), running)
    fd = b.call(cg.declare("open", ir.IntType(32), [T.PTR, ir.IntType(32)], var_arg=True),
                [path, ir.Constant(ir.IntType(32), 0)])
    opened, done = fn.append_basic_block("opened"), fn.append_basic_block("done")
    b.cbranch(b.icmp_signed(">=", fd, ir.Constant(ir.IntType(32), 0)), opened, done)
    b.position_at_end(opened)
    count = b.call(cg.declare("read", T.I64, [ir.IntType(32), T.PTR, T.I64]),
                   [fd, text, ir.Constant(T.I64, 127)])
    b.call(cg.declare("close", ir.IntType(32), [ir.IntType(32)]), [fd])
    got = fn.append_basic_block("got")
    b.cbranch(b.icmp_signed(">", count, ir.Constant(T.I64, 0)), got, done)
    b.position_at_end(got)
    end = b.gep(text, [ir.Constant(T.I64, 0), count], inbounds=True,
                source_etype=ir.ArrayType(T.I8, 128))
    b.store(ir.Constant(T.I8, 0), end)
    b.call(cg.declare("sscanf", ir.IntType(32), [T.PTR, T.PTR], var_arg=True),
           [text, fmt, running])
    b.branch(done)
    b.position_at_end(done)
    value = b.sext(b.load(running, typ=ir.IntType(32)), T.I64)
    return b.select(b.icmp_signed("<", value, ir.Constant(T.I64, 1)), ir.Constant(T.I64, 1),
                    value)
