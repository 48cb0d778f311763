"""Per-day size, build and solve time of the serving year's day-ahead LP (greenllm.serving.daily), lever by lever.

    python benchmarks/bench_serving_year.py [SCENARIO_DIR] [--days 83 84 85] [--scheme min_emissions] [--by-hour]

SCENARIO_DIR defaults to data/processed/world_2024_year (build it first: `greenllm data build world_2024 --option
day=2024-01-01 --option days=366 --as world_2024_year`). For each lever it solves the same consecutive days and
prints, per day, the LP's rows, columns and non-zeros, the build (fleet + LP + HiGHS model) and solve seconds of
the process's CPU and wall clock, and the first objective (the same on every lever):

* ``all pairs, cold``: every SLO-feasible operating point, each day solved from scratch (the one-day serving path);
* ``all pairs, warm``: the same LP warm started from the previous day's basis;
* ``efficient pairs, cold`` / ``warm``: without the dominated operating points;
* ``efficient pairs, by hour``: each hour's LP alone, warm started from the previous hour's basis (what the year runs,
  greenllm.serving.daily.Planner.plan, the latency tie-break and the canonical allocation included); build and solve
  are one number, the rows, columns and non-zeros are an hour's;
* ``by hour, declared``: the same without the canonical allocation (what that stage costs).

Timings, not assertions: the machine's other load moves them (run on a quiet machine); the objectives of a day must
agree across levers (dropping dominated pairs and warm starts leave the optimum).
"""

from __future__ import annotations

import argparse
import time

from greenllm import year
from greenllm.serving import daily
from greenllm.serving.catalogue import load_serving
from greenllm.serving.fleet import FleetOptions
from greenllm.serving.lp import SCHEMES, FleetSolver, build_lp


def _clock() -> tuple[float, float]:
    return time.process_time(), time.perf_counter()


def bench(yf: daily.YearFleet, days, scheme: str, *, rules: bool, warm: bool) -> list[dict]:
    rows, basis = [], None
    for day in days:
        cpu0, wall0 = _clock()
        fleet = daily.planning_fleet(yf.fleet(yf.day(day), rules=rules))
        lp = build_lp(fleet)
        solver = FleetSolver(fleet, lp, relax=True)
        if warm and basis is not None:
            solver.h.setBasis(basis)
        cpu1, wall1 = _clock()
        solver.solve(SCHEMES[scheme])
        cpu2, wall2 = _clock()
        basis = solver.h.getBasis()
        rows.append({"day": day, "rows": lp.matrix.shape[0], "cols": lp.matrix.shape[1], "nnz": lp.matrix.nnz,
                     "build_cpu_s": cpu1 - cpu0, "build_wall_s": wall1 - wall0, "solve_cpu_s": cpu2 - cpu1,
                     "solve_wall_s": wall2 - wall1, "objective": solver.stages[SCHEMES[scheme][0]]})
    return rows


def bench_by_hour(yf: daily.YearFleet, days, scheme: str, canonical: bool = True) -> list[dict]:
    planner, rows = daily.Planner(yf, scheme), []
    if not canonical:
        planner.order = daily.scheme_order(scheme)
    for day in days:
        cpu0, wall0 = _clock()
        _, objective = planner.plan(yf.day(day))
        cpu1, wall1 = _clock()
        lp = build_lp(daily.planning_fleet(yf.fleet(year.hours_scenario(yf.day(day), 0, 1))))
        rows.append({"day": day, "rows": lp.matrix.shape[0], "cols": lp.matrix.shape[1], "nnz": lp.matrix.nnz,
                     "build_cpu_s": 0.0, "build_wall_s": 0.0, "solve_cpu_s": cpu1 - cpu0, "solve_wall_s": wall1 - wall0,
                     "objective": objective})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="data/processed/world_2024_year")
    parser.add_argument("--days", type=int, nargs="+", default=[83, 84, 85])
    parser.add_argument("--scheme", default="min_emissions", choices=list(SCHEMES))
    parser.add_argument("--queries-per-day", type=float, default=1e9)
    parser.add_argument("--by-hour", action="store_true", help="only the hour-by-hour levers (what the year runs)")
    args = parser.parse_args()
    cpu0, wall0 = _clock()
    s = year.load_year(args.scenario)
    yf = daily.year_fleet(s, load_serving(), FleetOptions(queries_per_day=args.queries_per_day))
    cpu1, wall1 = _clock()
    print(f"load and size the year's fleet: {cpu1 - cpu0:.2f} s CPU, {wall1 - wall0:.2f} s wall; pairs "
          f"{yf.template.n_pairs} ({yf.optimised.n_pairs} efficient), pools {yf.template.n_pools}")
    print(f"{'lever':24s} {'day':>4s} {'rows':>7s} {'cols':>8s} {'nnz':>9s} {'build cpu':>9s} {'solve cpu':>9s}"
          f" {'solve wall':>10s} {'objective':>14s}")
    day_levers = (("all pairs, cold", True, False), ("all pairs, warm", True, True),
                  ("efficient pairs, cold", False, False), ("efficient pairs, warm", False, True))
    for label, rules, warm in () if args.by_hour else day_levers:
        for r in bench(yf, args.days, args.scheme, rules=rules, warm=warm):
            _print(label, r)
    for r in bench_by_hour(yf, args.days, args.scheme):
        _print("efficient pairs, by hour", r)
    for r in bench_by_hour(yf, args.days, args.scheme, canonical=False):
        _print("by hour, declared", r)


def _print(label: str, r: dict) -> None:
    print(f"{label:24s} {r['day']:4d} {r['rows']:7d} {r['cols']:8d} {r['nnz']:9d} {r['build_cpu_s']:9.2f}"
          f" {r['solve_cpu_s']:9.2f} {r['solve_wall_s']:10.2f} {r['objective']:14.6f}")


if __name__ == "__main__":
    main()
