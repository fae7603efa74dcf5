"""Child processes that build and time candidates, so that a candidate which
crashes or hangs costs one child, never the tuner.

A :class:`Worker` is a fresh Python interpreter (``python -m
tecomp.autotvm.child``), not a fork: it inherits no thread-pool state and
does not re-run the user's script, so templates defined at a script's top
level work. Requests and replies are pickled over its stdin and a private
pipe; the child's own prints go to stderr. A request that outlives its timeout,
or a child that dies, restarts the child and raises :class:`WorkerError`.

Jobs run in the child: :func:`build_job` compiles a lowered function into a
shared library; :func:`run_job` loads one and times its entry.
"""

import os
import pickle
import struct
import subprocess
import sys
import time

import numpy as np

import tecomp

from ..build import build, load_module
from ..errors import WorkerError
from ..nd import time_evaluator


#: Seconds a child may take to start and import tecomp.
STARTUP_TIMEOUT = 120


def _send(stream, obj):
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(data)) + data)
    stream.flush()


def _recv(stream):
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError
    (size,) = struct.unpack("<Q", head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


class Worker:
    """One child interpreter serving jobs one at a time."""

    def __init__(self, env=None):
        self._env = env
        self._proc = None

    def _start(self):
        read_end, write_end = os.pipe()
        env = dict(os.environ, **(self._env or {}))
        # The child imports the same tecomp as this process, wherever that came from.
        root = os.path.dirname(os.path.dirname(os.path.abspath(tecomp.__file__)))
        env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in
                                                      env.get("PYTHONPATH", "").split(os.pathsep) if p])
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tecomp.autotvm.child", str(write_end)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, pass_fds=(write_end,), env=env)
        os.close(write_end)
        self._replies = os.fdopen(read_end, "rb")
        # Start-up (an interpreter importing tecomp) is not the candidate's time.
        if not _wait_readable(self._replies, STARTUP_TIMEOUT) or _recv(self._replies) != "ready":
            self.close()
            raise WorkerError(f"the measuring process did not start within {STARTUP_TIMEOUT} s")

    def call(self, job, args, timeout):
        """``job(*args)`` in the child; its return value, or its exception re-raised."""
        if self._proc is None or self._proc.poll() is not None:
            self._start()
        _send(self._proc.stdin, (job, args))
        if not _wait_readable(self._replies, timeout):
            self.close()
            raise WorkerError(f"no answer within {timeout:g} s", timed_out=True)
        try:
            ok, value = _recv(self._replies)
        except EOFError:
            code = self._proc.wait()
            self.close()
            raise WorkerError(f"the measuring process died (exit code {code})", exitcode=code) \
                from None
        if not ok:
            raise value
        return value

    def close(self):
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait()
            self._replies.close()
            self._proc.stdin.close()
            self._proc = None

    def __del__(self):
        try:
            self.close()
        except Exception:   # interpreter shutdown: best effort
            pass


def _wait_readable(stream, timeout):
    import select
    ready, _, _ = select.select([stream], [], [], timeout)
    return bool(ready)


# ------------------------------------------------------------------ jobs (run in the child)


def build_job(func, target, path):
    """Compile lowered ``func`` for ``target`` into the library ``path``; seconds taken."""
    start = time.perf_counter()
    build(func, target=target).export_library(path, header=False)
    return time.perf_counter() - start


def run_job(path, name, number, repeat, min_repeat_ms, seed):
    """Seconds per call of ``name`` in library ``path`` on random arguments, one per repeat."""
    module = load_module(path)
    function = module.get_function(name)
    rng = np.random.default_rng(seed)
    args = []
    for buf in function.signature.buffer_params:
        shape = tuple(getattr(e, "value", None) for e in buf.shape)
        if None in shape or function.signature.scalar_params:
            raise ValueError(f"{name}: tuning needs constant shapes, '{buf.name}' has "
                             f"shape {list(buf.shape)}")
        args.append(_random_array(rng, shape, buf.dtype))
    return list(time_evaluator(function, None, number, repeat, min_repeat_ms)(*args).results)


def _random_array(rng, shape, dtype):
    if np.dtype(dtype).kind == "f":
        return rng.random(shape).astype(dtype)
    if np.dtype(dtype).kind == "b":
        return rng.random(shape) < 0.5
    return rng.integers(0, 8, shape).astype(dtype)


def serve(reply_fd):
    """The child's loop: answer pickled ``(job, args)`` requests until stdin closes."""
    replies = os.fdopen(reply_fd, "wb")
    os.dup2(2, 1)            # stray prints must not reach the protocol
    requests = sys.stdin.buffer
    _send(replies, "ready")
    while True:
        try:
            job, args = _recv(requests)
        except EOFError:
            return
        try:
            reply = (True, job(*args))
        except BaseException as exc:   # noqa: BLE001 (any failure is the candidate's)
            try:
                pickle.dumps(exc)
            except Exception:
                exc = RuntimeError(f"{type(exc).__name__}: {exc}")
            reply = (False, exc)
        _send(replies, reply)

