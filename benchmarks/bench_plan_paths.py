"""Does the serving year's day-ahead plan depend on the solver's path? (greenllm.serving.daily.Planner)

    python benchmarks/bench_plan_paths.py [SCENARIO_DIR] [--days 7 18 84 205] [--mode persistence]
        [--schemes min_emissions min_cost] [--stages declared canonical] [--realised]

SCENARIO_DIR defaults to data/processed/world_2024_year (build it first: `greenllm data build world_2024 --option
day=2024-01-01 --option days=366 --as world_2024_year`); the fleet is the pipeline's (config/config.yaml,
``serving_year``). For each day, scheme and set of stages it solves the day-ahead plan [p, 24] of the mode's
forecast by several paths and prints, per path against the first (cold, dual simplex), the largest difference of a
pair-hour's queries relative to that (area, class, hour)'s queries (= the largest difference of a share), the
largest relative difference of a stage optimum, and the plan's CPU seconds:

* ``cold dual``: each hour from scratch, HiGHS dual simplex (``simplex_strategy`` 1, the default);
* ``warm dual``: each hour warm started from the previous hour's basis, after planning the previous day (the year's
  path, greenllm.serving.daily.run_days);
* ``cold primal``: primal simplex (``simplex_strategy`` 4);
* ``cold no presolve``: dual simplex without HiGHS's presolve.

``--stages declared`` solves the scheme's stages and the latency tie-break only (the year before the canonical
allocation); ``canonical`` adds the canonical allocation (greenllm.serving.daily.CANONICAL_STAGE). With
``--realised`` it also runs the days as the year does (greenllm.serving.daily.run_day: the plan, then hourly recourse
on the actual day, one planner per scheme over the days in turn) by each path and prints the largest relative
difference of a day's realised emissions, cost and water against the first path. Timings are the process's CPU on
whatever machine it runs; the differences are what to read.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
PATHS = {  # name -> (warm, HiGHS options over greenllm.serving.lp.SOLVER_OPTIONS)
    "cold dual": (False, {"simplex_strategy": 1}),
    "warm dual": (True, {"simplex_strategy": 1}),
    "cold primal": (False, {"simplex_strategy": 4}),
    "cold no presolve": (False, {"simplex_strategy": 1, "presolve": "off"}),
}


@contextlib.contextmanager
def solver_options(options: dict):
    """greenllm.serving.lp.SOLVER_OPTIONS with ``options`` added while the block runs (every FleetSolver reads it)."""
    from greenllm.serving import lp

    saved = dict(lp.SOLVER_OPTIONS)
    lp.SOLVER_OPTIONS.update(options)
    try:
        yield
    finally:
        lp.SOLVER_OPTIONS.clear()
        lp.SOLVER_OPTIONS.update(saved)


def plan(yf, scheme: str, day: int, mode: str, path: str, canonical: bool) -> tuple[np.ndarray, dict, float]:
    """Shares [p, 24] of ``day``'s plan as ``mode`` forecasts it by ``path`` (0 where a pair-hour has no queries), its
    stage optima and its CPU seconds."""
    from greenllm import year
    from greenllm.serving import daily

    warm, options = PATHS[path]
    with solver_options(options):
        planner = daily.Planner(yf, scheme, warm=warm)
        if not canonical:
            planner.order = daily.scheme_order(scheme)
        if warm and day > 0:
            planner.plan(year.forecast_scenario(yf.scaled, day - 1, mode)[0])
        decided_on = year.forecast_scenario(yf.scaled, day, mode)[0]
        started = time.process_time()
        y, _ = planner.plan(decided_on)
        cpu_s = time.process_time() - started
    y[yf.fleet(decided_on).pair_queries() <= 0] = 0.0  # the share of no queries is no decision
    return y, dict(planner.stages), cpu_s


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(REPO / "data" / "processed" / "world_2024_year"))
    parser.add_argument("--days", type=int, nargs="+", default=[7, 18, 84, 205])
    parser.add_argument("--mode", default="persistence")
    parser.add_argument("--schemes", nargs="+", default=["min_emissions", "min_cost"])
    parser.add_argument("--stages", nargs="+", default=["declared", "canonical"], choices=["declared", "canonical"])
    parser.add_argument("--paths", nargs="+", default=list(PATHS), choices=list(PATHS))
    parser.add_argument("--realised", action="store_true", help="also run the days with recourse by each path")
    args = parser.parse_args(argv)
    import yaml

    from greenllm import year
    from greenllm.serving import daily
    from greenllm.serving.catalogue import load_serving
    from greenllm.serving.fleet import FleetOptions

    section = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["serving_year"]
    yf = daily.year_fleet(year.load_year(args.scenario), load_serving(), FleetOptions.from_mapping(section["fleet"]),
                          int(section.get("sizing_stride_days", daily.SIZING_STRIDE_DAYS)))
    print(f"{yf.optimised.n_pairs} pairs per hour; mode {args.mode}; reference path: {args.paths[0]}")
    print(f"{'stages':9s} {'scheme':13s} {'day':>4s} {'path':17s} {'max |d share|':>13s} {'stage rel diff':>14s}"
          f" {'plan cpu s':>10s}")
    worst = {}
    for stages in args.stages:
        for scheme in args.schemes:
            for day in args.days:
                reference = None
                for path in args.paths:
                    y, optima, cpu_s = plan(yf, scheme, day, args.mode, path, stages == "canonical")
                    if reference is None:
                        reference = y, optima
                    d_share = float(np.abs(y - reference[0]).max())
                    d_stage = max(abs(v - reference[1][k]) / max(abs(reference[1][k]), 1e-12)
                                  for k, v in optima.items())
                    worst[stages] = max(worst.get(stages, 0.0), d_share)
                    print(f"{stages:9s} {scheme:13s} {day:4d} {path:17s} {d_share:13.3e} {d_stage:14.3e} {cpu_s:10.2f}")
    for stages, value in worst.items():
        print(f"largest share difference between paths, {stages} stages: {value:.3e}")
    if args.realised:
        for stages in args.stages:
            reference = None
            for path in args.paths:
                frame, fallbacks = realised(yf, args.schemes, args.days, args.mode, path, stages == "canonical")
                reference = frame if reference is None else reference
                diff = ((frame - reference).abs() / reference.abs()).max()
                print(f"realised, {stages} stages, {path}: largest relative difference of a day's "
                      + ", ".join(f"{name} {value:.2e}" for name, value in diff.items())
                      + f"; {fallbacks} re-dispatches with whole replicas")
    return 0


def realised(yf, schemes, days, mode: str, path: str, canonical: bool):
    """Emissions, cost and water of each (scheme, day) run by greenllm.serving.daily.run_day on ``path``, and how many
    re-dispatches were solved with whole replicas (Planner.whole_fallbacks: those round a path-dependent vertex)."""
    import pandas as pd

    from greenllm.serving import daily

    warm, options = PATHS[path]
    rows, fallbacks = [], 0
    with solver_options(options):
        for scheme in schemes:
            planner = daily.Planner(yf, scheme, warm=warm)
            if not canonical:
                planner.order = daily.scheme_order(scheme)
            rows += [daily.run_day(yf, day, mode, planner)[0] for day in days]
            fallbacks += planner.whole_fallbacks
    return pd.DataFrame(rows).set_index(["policy", "day"])[["emissions_kg", "total_usd", "water_l"]], fallbacks


if __name__ == "__main__":
    raise SystemExit(main())
