"""Time input loading, model build and solve, for the paper case and for scaled random instances.

    python benchmarks/bench_solve.py [--sizes 25 50 100] [--repeat 3] [--scenario DIR]

Prints two tables: (1) load / build / solve seconds per size with build as a share of solve (goal: < 10 %);
(2) the whole `greenllm solve` process against the bare highspy script of bench_cli_overhead.py (goal: ratio <= 1.5).
Timings, not assertions: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def _timed(fn, *args, **kwargs):
    started = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - started


def stage_times(folder: Path, repeat: int) -> dict:
    from greenllm.inputs import load_scenario
    from greenllm.model import build
    from greenllm.solve import solve

    loads, builds, solves = [], [], []
    for _ in range(repeat):
        scenario, seconds = _timed(load_scenario, folder)
        loads.append(seconds)
        lp, seconds = _timed(build, scenario)
        builds.append(seconds)
        result = solve(scenario, "weighted", weights=(1 / 3, 1 / 3, 1 / 3), solver="highs", verify=False)
        solves.append(result.solve_seconds)
    return {"variables": lp.n_cols, "constraints": lp.n_rows, "nonzeros": len(lp.row_value),
            "load_s": min(loads), "build_s": min(builds), "solve_s": min(solves), "objective": result.objective}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[25, 50, 100],
                        help="areas = data centres for the random instances (5 types, 24 hours)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scenario", type=Path, default=REPO.parent / "shared" / "reference" / "paper_v1",
                        help="the paper case folder (default ../shared/reference/paper_v1)")
    args = parser.parse_args()
    from greenllm.synthetic import write_random_scenario

    rows = []
    if args.scenario.is_dir():
        rows.append(("paper_v1 (9x9x5x24)", stage_times(args.scenario, args.repeat)))
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            folder = write_random_scenario(Path(tmp) / f"n{n}", n_areas=n, n_dcs=n, n_types=5, n_hours=24, seed=n)
            rows.append((f"random {n}x{n}x5x24", stage_times(folder, 1 if n >= 50 else args.repeat)))

    print("| instance | variables | constraints | nonzeros | load s | build s | solve s | build / solve |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in rows:
        print(f"| {name} | {r['variables']:,} | {r['constraints']:,} | {r['nonzeros']:,} | {r['load_s']:.3f} | "
              f"{r['build_s']:.3f} | {r['solve_s']:.3f} | {r['build_s'] / r['solve_s']:.1%} |")

    if args.scenario.is_dir():
        from bench_cli_overhead import compare

        r = compare(args.scenario, args.repeat)
        print()
        print("| whole process (median) | seconds | objective |")
        print("|---|---:|---:|")
        print(f"| greenllm solve (validation, verification) | {r['greenllm_s']:.2f} | {r['greenllm_objective']:.10f} |")
        print(f"| bare highspy script | {r['bare_s']:.2f} | {r['bare_objective']:.10f} |")
        print(f"| ratio (goal <= 1.5) | {r['ratio']:.2f} | |")

if __name__ == "__main__":
    main()
