"""Long fuzzing campaigns::

    python -m tests.fuzz --cases 10000 --seed 1            # collect every failure
    python -m tests.fuzz --cases 2000 --seed 7 --shrink    # stop at the first, shrink it
    python -m tests.fuzz --gpu --cases 3000 --seed 1       # GPU schedules on OpenCL
    python -m tests.fuzz --cases 500 --seed 3 --target opencl   # on the OpenCL device

Without ``--shrink`` every failing case is kept (unshrunk) and its ready-to-paste
regression test is written to ``--out`` (default ``fuzz_failures.py``); with it,
hypothesis minimizes the first failure and prints the regression test of the
minimal case. Paste it into ``tests/fuzz/test_regressions.py``.
"""

import argparse
import collections
import sys
import time

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from .gpu_schedules import draw_gpu_case
from .gradient import check_gradient_case, gradient_case
from .harness import FuzzFailure, case_id, check_case, draw_case, regression_test_source
from .schedules import SCHEDULE_DRAWERS


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--target", default="llvm", choices=sorted(SCHEDULE_DRAWERS),
                        help="backend to build for (opencl: GPU-bound schedules)")
    parser.add_argument("--shrink", action="store_true",
                        help="stop at the first failure and let hypothesis minimize it")
    parser.add_argument("--gradient", action="store_true",
                        help="check te.gradient of the random programs (tests/fuzz/gradient.py)")
    parser.add_argument("--gpu", action="store_true",
                        help="GPU schedules (gpu_schedules.py) built for OpenCL; refusals "
                             "count apart, as correct outcomes")
    parser.add_argument("--out", default="fuzz_failures.py",
                        help="where to write the regression tests of failing cases")
    options = parser.parse_args(argv)
    stats = collections.Counter()
    failures = {}
    start = time.time()

    phases = list(Phase) if options.shrink else [Phase.explicit, Phase.generate]

    @seed(options.seed)
    @settings(max_examples=options.cases, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), print_blob=False, phases=phases)
    @given(st.data())
    def campaign(data):
        case = draw_gpu_case(data) if options.gpu else draw_case(data, options.target)
        if options.gradient:
            case = gradient_case(case)
            if case is None:
                stats["no float path"] += 1
                return
        try:
            (check_gradient_case if options.gradient else check_case)(case)
        except FuzzFailure as exc:
            if options.gpu and exc.kind == "refused":
                stats["refused"] += 1
                return
            stats[exc.kind] += 1
            if options.shrink:
                raise
            failures.setdefault(case_id(case), (exc.kind, exc.detail, case))
            return
        except Exception as exc:  # noqa: BLE001  (an invalid generated program: keep going)
            if options.shrink:
                raise
            stats["harness"] += 1
            failures.setdefault(case_id(case), ("harness", f"{type(exc).__name__}: {exc}", case))
            return
        stats["ok"] += 1
        done = sum(stats.values())
        if done % 500 == 0:
            print(f"{done} cases, {time.time() - start:.0f} s: {dict(stats)}", flush=True)

    failed = False
    try:
        campaign()
    except FuzzFailure as exc:
        failed = True
        print(f"minimal failing case ({exc.kind}): {exc.detail}\n")
        print(regression_test_source(exc.case, f"{exc.kind}: {exc.detail.splitlines()[0]}"))
    total = sum(stats.values())
    print(f"{total} cases in {time.time() - start:.0f} s: {dict(stats)}")
    if failures:
        with open(options.out, "w") as out:
            out.write("# Failing fuzz cases; paste into tests/fuzz/test_regressions.py\n\n")
            for kind, detail, case in failures.values():
                out.write(f"# {kind}: {detail.splitlines()[0]}\n")
                out.write(regression_test_source(case, f"{kind}: {detail.splitlines()[0]}"))
                out.write("\n\n")
        print(f"{len(failures)} failing cases written to {options.out}")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
