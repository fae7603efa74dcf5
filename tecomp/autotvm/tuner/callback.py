"""Callbacks of :meth:`Tuner.tune`: each is called as ``callback(tuner, inputs, results)``
after every measured batch."""

import sys

from .. import record
from .tuner import si_value


def log_to_file(file_out, protocol="json", seed=None):
    """Append each measurement to ``file_out`` (a path or an open file) as a JSON line,
    with ``seed`` (default: the tuner's own seed)."""
    if protocol != "json":
        raise ValueError(f"log_to_file: only the 'json' protocol is written, got {protocol!r}")

    def _callback(tuner, inputs, results):
        used = seed if seed is not None else getattr(tuner, "seed", None)
        lines = "".join(record.encode(i, r, used) + "\n" for i, r in zip(inputs, results))
        if isinstance(file_out, str):
            with open(file_out, "a") as f:
                f.write(lines)
        else:
            file_out.write(lines)
            file_out.flush()

    return _callback


def progress_bar(total, prefix="", si_prefix="G"):
    """A progress bar of trials with the current and best GFLOP/s (tqdm when
    installed, else one updating line on stderr)."""
    state = {"done": 0, "bar": None}

    def _callback(tuner, inputs, results):
        if state["bar"] is None:
            state["bar"] = _make_bar(total, prefix)
        flops = max((tuner.score(r) for r in results), default=0.0)
        state["done"] += len(results)
        state["bar"].update(len(results), f"cur {si_value(flops, si_prefix):.2f} / best "
                                          f"{si_value(tuner.best_flops, si_prefix):.2f} "
                                          f"{si_prefix}FLOPS")
        if state["done"] >= total or (tuner.ttl is not None and tuner.ttl <= 0):
            state["bar"].close()

    return _callback


def _make_bar(total, prefix):
    try:
        import tqdm
    except ImportError:
        return _LineBar(total, prefix)
    return _TqdmBar(tqdm.tqdm(total=total, desc=prefix or "tuning", file=sys.stderr))


class _TqdmBar:
    def __init__(self, bar):
        self.bar = bar

    def update(self, n, text):
        self.bar.set_postfix_str(text, refresh=False)
        self.bar.update(n)

    def close(self):
        self.bar.close()


class _LineBar:
    def __init__(self, total, prefix):
        self.total, self.prefix, self.done = total, prefix, 0

    def update(self, n, text):
        self.done += n
        sys.stderr.write(f"\r{self.prefix}[{self.done}/{self.total}] {text}")
        sys.stderr.flush()

    def close(self):
        sys.stderr.write("\n")
