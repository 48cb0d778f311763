"""Per-day size and time of requests that can wait on the serving model (greenllm.serving.deferrable).

    python benchmarks/bench_deferrable.py [--scenario data/processed/world_2024_year] [--days 2] [--first 0]
        [--shares 0.1 0.25 0.5] [--gap-day 14]

For ``--days`` consecutive days: the interactive serving LP (columns, rows, non-zeros; build and solve seconds of
``min_emissions`` with its tie-break stage, continuous replicas), then per share the deferred placement of the run
(receding 48-hour windows; seconds per day); with ``--gap-day`` the joint LP of that day per share, solved whole
and by ``joint_optimum`` (CPU seconds, both optima). A year is (interactive seconds + shares x placement seconds)
x 366; the pipeline's ``serving_deferrable.days_per_month`` keeps it to a subset. Build the year folder first:
``greenllm data build world_2024 --option day=2024-01-01 --option days=366 --as world_2024_year``. Timings, not
assertions: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(REPO / "data" / "processed" / "world_2024_year"))
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--shares", type=float, nargs="+", default=[0.1, 0.25, 0.5])
    parser.add_argument("--gap-day", type=int, default=None,
                        help="also time the joint LP of this day per share: one whole solve against joint_optimum")
    args = parser.parse_args(argv)
    import pandas as pd

    from greenllm import year
    from greenllm.serving import deferrable as dx
    from greenllm.serving.catalogue import load_serving
    from greenllm.serving.experiments import scheme_order
    from greenllm.serving.fleet import FleetOptions
    from greenllm.serving.lp import FleetSolver, build_lp

    s, catalogue = year.load_year(args.scenario), load_serving()
    days = range(args.first, args.first + args.days)
    rows, fleets, plans = [], [], []
    for day in days:
        fleet = dx.day_fleet(s, day, FleetOptions(), catalogue)
        started = time.perf_counter()
        lp = build_lp(fleet)
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        plans.append(FleetSolver(fleet, lp, relax=True).solve(scheme_order(dx.SCHEME)))
        rows.append({"day": day, "columns": lp.matrix.shape[1], "rows": lp.matrix.shape[0], "nonzeros": lp.matrix.nnz,
                     "build_s": build_s, "interactive_solve_s": time.perf_counter() - started})
        fleets.append(fleet)
    work = dx.batch_work(fleets[0])
    for share in args.shares:
        rooms = [dx.room(f, (1 - share) * q, share, work) for f, q in zip(fleets, plans, strict=True)]
        started = time.perf_counter()
        dx.run_days(rooms)
        per_day = (time.perf_counter() - started) / len(rooms)
        for row in rows:
            row[f"placement_s_d{share:g}"] = per_day
    print(pd.DataFrame(rows).round(3).to_string(index=False))
    if args.gap_day is not None:
        print(joint_gap_times(s, args.gap_day, args.shares, catalogue).to_string(index=False))
    return 0


def joint_gap_times(s, day: int, shares, catalogue):
    """Per share, the joint LP of day ``day`` (deferrable_gap rows) solved whole in one solve and by
    deferrable.joint_optimum (without the dominated pairs, then whole from that basis): optima [kg], CPU seconds."""
    import dataclasses
    import time

    import pandas as pd

    from greenllm.serving import deferrable as dx
    from greenllm.serving.daily import dominated_pairs
    from greenllm.serving.fleet import FleetOptions
    from greenllm.serving.lp import FleetSolver, build_lp

    fleet = dx.day_fleet(s, day, FleetOptions(), catalogue)
    work, dominated = dx.batch_work(fleet), dominated_pairs(fleet)
    rows = []
    for share in shares:
        inter = dataclasses.replace(fleet, queries_ikt=(1 - share) * fleet.queries_ikt)
        lp = dx.joint_lp(inter, build_lp(inter), share * fleet.queries_ikt.sum(axis=(0, 1)), work)
        started = time.process_time()
        whole = FleetSolver(inter, lp, relax=True)
        whole.solve(("emissions_kg",))
        whole_s, started = time.process_time() - started, time.process_time()
        two_step = dx.joint_optimum(inter, lp, dominated)
        rows.append({"day": day, "share": share, "whole_kg": whole.stages["emissions_kg"], "two_step_kg": two_step,
                     "whole_cpu_s": whole_s, "two_step_cpu_s": time.process_time() - started})
    return pd.DataFrame(rows).round(3)


if __name__ == "__main__":
    raise SystemExit(main())
