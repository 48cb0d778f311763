"""Per-day size, build and solve time of the year's day-ahead LP, cold and warm-started from the previous day.

    python benchmarks/bench_year.py [--scenario data/processed/world_2024_year] [--days 14] [--first 0]
        [--formulation paper]

The day-ahead LP of a year (greenllm.year) has the same rows, columns and sparsity pattern every day; only its
coefficients, costs and bounds change with the day's data. This solves ``--days`` consecutive days of perfect
foresight (scheme M0, HiGHS) three times: cold (a fresh solver per day, as the pipeline does for the day-ahead plans),
cold without presolve (as the pipeline does for the recourse re-solves, ``greenllm.year.RECOURSE_PRESOLVE``) and warm
(each day starts from the previous day's optimal basis, ``greenllm.solve.WarmStart``), and prints one row per day:
columns, rows, non-zeros, build seconds, solve seconds cold, cold without presolve and warm, and whether all three
reach the same objective. Build a year
folder first, e.g. ``greenllm data build world_2024 --offline --option day=2024-01-01 --option days=366 --as
world_2024_year``. Timings, not assertions: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WEIGHTS = (1 / 3, 1 / 3, 1 / 3)


def day_rows(folder: Path, days: range, formulation: str) -> list[dict]:
    from greenllm import year
    from greenllm.formulations import build, resolve
    from greenllm.options import default_options_for
    from greenllm.solve import WarmStart, solve

    scenario = year.load_year(folder)
    warm = WarmStart()
    rows = []
    for day in days:
        s = year.day_scenario(scenario, day)
        options = default_options_for(s)
        started = time.perf_counter()
        lp = build(s, resolve(formulation, s, options), options)
        build_s = time.perf_counter() - started
        cold = solve(s, "weighted", weights=WEIGHTS, solver="highs", formulation=formulation, verify=False)
        bare = solve(s, "weighted", weights=WEIGHTS, solver="highs", formulation=formulation, verify=False,
                     presolve=False)
        used = warm.used
        hot = solve(s, "weighted", weights=WEIGHTS, solver="highs", formulation=formulation, verify=False,
                    warm_start=warm)
        rows.append({"day": day, "columns": lp.n_cols, "rows": lp.n_rows, "nonzeros": len(lp.row_value),
                     "build_s": build_s, "solve_cold_s": cold.solve_seconds,
                     "solve_no_presolve_s": bare.solve_seconds, "solve_warm_s": hot.solve_seconds,
                     "warm_started": warm.used > used,
                     "same_objective": all(abs(cold.objective - other.objective) <= 1e-7 * max(1.0, abs(cold.objective))
                                           for other in (bare, hot))})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(REPO / "data" / "processed" / "world_2024_year"))
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--formulation", default="paper")
    args = parser.parse_args(argv)
    import pandas as pd

    rows = pd.DataFrame(day_rows(Path(args.scenario), range(args.first, args.first + args.days), args.formulation))
    print(rows.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    later = rows.iloc[1:]  # day 0 has no previous basis
    print(f"\nmedian per day: build {rows['build_s'].median():.3f} s, solve cold {later['solve_cold_s'].median():.3f}"
          f" s, without presolve {rows['solve_no_presolve_s'].median():.3f} s,"
          f" warm {later['solve_warm_s'].median():.3f} s (days {args.first + 1}..{args.first + args.days - 1});"
          f" same objective on {int(rows['same_objective'].sum())} of {len(rows)} days")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
