"""Greedy reduction of a failing case's schedule: drop schedule lines one at a
time while the case still fails the same way (a quick complement to hypothesis'
shrinking, which rebuilds the whole case many times).

    python -m tests.fuzz.reduce fuzz_failures.py   # reduces every case in the file
"""

import ast
import sys

from .harness import FuzzFailure, check_case, regression_test_source


def _fails(case, kind):
    try:
        check_case(case)
    except FuzzFailure as exc:
        return exc if exc.kind == kind else None
    except Exception:  # noqa: BLE001  (a line we dropped made the schedule invalid)
        return None
    return None


def reduce_schedule(case, kind):
    """``case`` with as few schedule lines as still fail with ``kind``."""
    lines = case["schedule"].strip("\n").splitlines()
    changed = True
    while changed:
        changed = False
        for k in range(len(lines) - 1, 0, -1):
            trial = dict(case, schedule="\n".join(lines[:k] + lines[k + 1:]) + "\n")
            if _fails(trial, kind):
                lines = lines[:k] + lines[k + 1:]
                case = trial
                changed = True
    return case


def _cases(path):
    tree = ast.parse(open(path).read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "check_case":
            yield ast.literal_eval(node.args[0])


def main(path):
    for case in _cases(path):
        try:
            check_case(case)
            continue
        except FuzzFailure as exc:
            kind = exc.kind
        small = reduce_schedule(case, kind)
        exc = _fails(small, kind)
        print(regression_test_source(small, f"{kind}: {exc.detail.splitlines()[0]}"))
        print()


if __name__ == "__main__":
    main(sys.argv[1])
