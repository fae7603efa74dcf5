"""Tuning logs: one JSON object per line, one line per measured configuration.

A line holds the workload, the target it ran on (as given and as resolved:
CPU name and features), the configuration, the measured seconds, and where and
how it was measured::

    {"input": ["llvm", "tutorial/matmul", [512, 512, 512, "float32"], {}],
     "config": {"index": 37, "code_hash": null, "entity": [["tile_y", "sp", [-1, 8]], ...]},
     "result": [[0.0123, 0.0121], 0, 0.42, 1700000000.0],
     "target_key": "llvm -mcpu=znver3 avx2 #5d2c...", "machine": {...},
     "seed": 0, "version": 0.2, "tecomp_version": "0.1.0"}

``input``, ``config`` and ``result`` follow AutoTVM's log format; the rest is
tecomp's, used to refuse applying a log made for another target.
"""

import hashlib
import json
import os
import platform

from ..target import Target
from ..version import __version__
from . import measure as _measure  # measure writes records: a cycle of two modules
from .space import ConfigEntity

LOG_VERSION = 0.2

#: Vector extensions that decide which schedules fit, widest first.
_VECTOR_ISAS = ("avx512f", "avx2", "sse4.2", "neon", "sve")


def target_key(target):
    """What a tuned configuration depends on: for ``llvm``, the CPU name and its
    enabled features (two hosts that both say ``llvm`` may differ); for GPUs the
    target string."""
    target = Target.create(target)
    if target.kind != "llvm":
        return str(target)
    enabled = sorted(f[1:] for f in target.features.split(",") if f.startswith("+"))
    isa = next((i for i in _VECTOR_ISAS if i in enabled), "scalar")
    digest = hashlib.sha1(",".join(enabled).encode()).hexdigest()[:10]
    return f"llvm -mcpu={target.cpu} {isa} #{digest}"


def machine_fingerprint():
    """Where a measurement ran: host name, CPU model, cores."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"host": platform.node(), "cpu": model, "cores": os.cpu_count()}


def encode(inp, result, seed=None):
    """One log line (a JSON string) for a measured input."""
    return json.dumps({
        "input": [str(inp.target), inp.task.name, list(inp.task.args), {}],
        "config": inp.config.to_json_dict(),
        "result": [list(result.costs) if result.error_no == 0 else [str(c) for c in result.costs],
                   result.error_no, result.all_cost, result.timestamp],
        "target_key": inp.target_key,
        "machine": result.machine or machine_fingerprint(),
        "seed": seed, "confirmed": result.confirmed,
        "version": LOG_VERSION, "tecomp_version": __version__,
    })


def decode(line):
    """``(MeasureInput, MeasureResult)`` of one log line; ``None`` for a blank line."""
    line = line.strip()
    if not line:
        return None
    row = json.loads(line)
    target, name, args, _ = row["input"]
    task = _RecordedTask(name, tuple(_tuple_args(args)))
    config = ConfigEntity.from_json_dict(row["config"])
    costs, error_no, all_cost, timestamp = row["result"]
    inp = _measure.MeasureInput(Target(target), task, config,
                                row.get("target_key") or target_key(target))
    return inp, _measure.MeasureResult(tuple(costs), error_no, all_cost, timestamp,
                                       row.get("machine"), bool(row.get("confirmed")))


def _tuple_args(args):
    return [tuple(_tuple_args(a)) if isinstance(a, list) else a for a in args]


class _RecordedTask:
    """The part of a task a record keeps: its template name and arguments."""

    def __init__(self, name, args):
        self.name, self.args = name, args

    @property
    def workload(self):
        return (self.name,) + self.args


def load_from_file(path):
    """Every ``(MeasureInput, MeasureResult)`` of a log file."""
    with open(path) as f:
        for number, line in enumerate(f, 1):
            try:
                pair = decode(line)
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}, line {number}: not a tuning record ({exc})") from None
            if pair is not None:
                yield pair


def load_records(records):
    """Records from a path, a list of paths, or an iterable of pairs."""
    if isinstance(records, (str, os.PathLike)):
        return list(load_from_file(records))
    out = []
    for item in records:
        if isinstance(item, (str, os.PathLike)):
            out += load_from_file(item)
        else:
            out.append(item)
    return out


def pick_best(in_file, out_file):
    """Write the best record of each workload and target of ``in_file`` to ``out_file``."""
    best = {}
    for inp, res in load_from_file(in_file):
        if res.error_no != 0:
            continue
        key = (inp.target_key, inp.task.workload)
        if key not in best or res.mean < best[key][1].mean:
            best[key] = (inp, res)
    with open(out_file, "w") as f:
        for inp, res in best.values():
            f.write(encode(inp, res) + "\n")
