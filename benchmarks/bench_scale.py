"""Scaling of both formulations: variables, build seconds, solve seconds and peak memory per size, growth exponents.

    python benchmarks/bench_scale.py [--sizes 10 25 50 100] [--formulations paper per_query] [--scheme weighted]

Instances: ``greenllm.synthetic.random_tables`` with N areas = N data centres, 5 types, 24 hours (seed N). The
per-query instance places areas and sites at random in a 4000 km x 2000 km box, sets RTT from the distance
(fibre at 200,000 km/s, x2 for the round trip, +2 ms), gives half the sites A100s and half H100s (64 each,
dc_hardware.csv) and sets each (area, type) SLO (area_type.csv delay_max_s, read per query: model option
``per_query_slo="delay_max_s"``) to its fastest route's
latency + 5 ms: routes to sites more than ~500 km farther than the best one are pruned. The paper instance keeps the
synthetic table as it is (no pruning exists in the paper's model). ``per_query_loose`` is the per-query instance
with the synthetic table's loose SLOs (50-100 s): nothing is pruned, which shows what pruning buys.

Each (size, formulation) runs in a fresh subprocess, so the peak resident memory (ru_maxrss) is that point's own.
Goal: the largest per-query size solves in < 2 min and < 4 GB; build < 10 % of solve.
Timings, not assertions: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
BOX_KM = (4000.0, 2000.0)  # a continental-US-sized box
FIBRE_KM_PER_S = 2.0e5  # light in optical fibre, about c / 1.47
RTT_OVERHEAD_S = 0.002  # switching and last mile
SLO_MARGIN_S = 0.005  # SLO = fastest route + 5 ms
ACCELERATORS = ("A100", "H100-SXM-80GB")
ACCELERATORS_PER_DC = 64

SLO_RULE = "delay_max_s"  # per-(area, type) SLOs from area_type.csv, read as seconds per query


def write_instance(folder: Path, n: int, formulation: str) -> Path:
    import pandas as pd

    from greenllm.inputs import write_scenario
    from greenllm.synthetic import random_tables

    tables, scalars = random_tables(n_areas=n, n_dcs=n, n_types=5, n_hours=24, seed=n)
    per_query = formulation.startswith("per_query")
    if per_query:
        from greenllm.inputs import load_scenario
        from greenllm.per_query import load_inputs, route_latency_s

        rng = np.random.default_rng(1000 + n)
        areas = rng.uniform(0, 1, (n, 2)) * BOX_KM
        sites = rng.uniform(0, 1, (n, 2)) * BOX_KM
        distance_km = np.linalg.norm(areas[:, None, :] - sites[None, :, :], axis=2)
        tables["area_dc"]["rtt_s"] = (2 * distance_km / FIBRE_KM_PER_S + RTT_OVERHEAD_S).ravel()
        write_scenario(folder, tables, scalars)
        hardware = pd.DataFrame({"dc": range(n), "accelerator": [ACCELERATORS[j % 2] for j in range(n)],
                                 "count": ACCELERATORS_PER_DC})
        hardware.to_csv(folder / "dc_hardware.csv", index=False)
        s = load_scenario(folder)
        latency = route_latency_s(s, load_inputs(s, slo=SLO_RULE))
        fastest_ik = latency.min(axis=(1, 3))  # over sites and hours
        if formulation == "per_query":
            tables["area_type"]["delay_max_s"] = (fastest_ik + SLO_MARGIN_S).ravel()  # rows are (area, type)
    write_scenario(folder, tables, scalars)
    if per_query:
        hardware.to_csv(folder / "dc_hardware.csv", index=False)
    return folder


def one_point(folder: Path, formulation: str, scheme: str) -> dict:
    """Runs in the child: load, build (timed), solve (timed by the driver, build excluded)."""
    from greenllm.inputs import load_scenario
    from greenllm.model import build, resolve_formulation
    from greenllm.options import ModelOptions
    from greenllm.solve import solve

    s = load_scenario(folder)
    options = ModelOptions(formulation=formulation.removesuffix("_loose"), per_query_slo=SLO_RULE)
    f = resolve_formulation(None, s, options)
    started = time.perf_counter()
    lp = build(s, f, options)
    build_s = time.perf_counter() - started
    weights = (1 / 3, 1 / 3, 1 / 3) if scheme == "weighted" else None
    result = solve(s, scheme, weights=weights, solver="highs", formulation=f, options=options, verify=False)
    return {"routes": int(np.prod(lp.shape_x)), "kept": int(lp.n_x), "variables": int(lp.n_cols),
            "constraints": int(lp.n_rows), "nonzeros": int(len(lp.row_value)), "build_s": build_s,
            "solve_s": result.solve_seconds, "objective": result.objective,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}


def exponent(x, y) -> float:
    """Slope of log y against log x (least squares)."""
    x, y = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    return float(np.polyfit(x, y, 1)[0]) if len(x) >= 2 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10, 25, 50, 100])
    parser.add_argument("--formulations", nargs="*", default=["paper", "per_query"],
                        choices=("paper", "per_query", "per_query_loose"))
    parser.add_argument("--scheme", default="weighted", choices=("weighted", "energy", "carbon", "delay",
                                                                 "lexicographic"))
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "FORMULATION"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_point(Path(args.child[0]), args.child[1], args.scheme)))
        return

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for formulation in args.formulations:
            for n in args.sizes:
                folder = write_instance(Path(tmp) / f"{formulation}_{n}", n, formulation)
                model = "per_query" if formulation.startswith("per_query") else formulation
                proc = subprocess.run([sys.executable, __file__, "--scheme", args.scheme, "--child", str(folder),
                                       model], capture_output=True, text=True)
                if proc.returncode != 0:
                    print(f"{formulation} n={n} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
                    continue
                point = json.loads(proc.stdout.strip().splitlines()[-1])
                rows.append({"formulation": formulation, "n": n, **point})
                print(f"done {formulation} n={n}: {point['solve_s']:.1f} s", file=sys.stderr, flush=True)

    print(f"| formulation | areas = dcs | routes | kept | variables | constraints | nonzeros | build s | solve s |"
          f" build / solve | peak MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['formulation']} | {r['n']} | {r['routes']:,} | {r['kept']:,} | {r['variables']:,} |"
              f" {r['constraints']:,} | {r['nonzeros']:,} | {r['build_s']:.2f} | {r['solve_s']:.2f} |"
              f" {r['build_s'] / r['solve_s']:.1%} | {r['peak_mb']:,.0f} |")
    print()
    print("| formulation | solve s ~ variables^a | build s ~ variables^a | peak MB ~ variables^a |")
    print("|---|---:|---:|---:|")
    for formulation in args.formulations:
        sub = [r for r in rows if r["formulation"] == formulation]
        if len(sub) >= 2:
            v = [r["variables"] for r in sub]
            print(f"| {formulation} | {exponent(v, [r['solve_s'] for r in sub]):.2f} |"
                  f" {exponent(v, [r['build_s'] for r in sub]):.2f} | {exponent(v, [r['peak_mb'] for r in sub]):.2f} |")


if __name__ == "__main__":
    main()
