"""Scaling of both formulations: variables, build seconds, solve seconds and peak memory per size, growth exponents.

    python benchmarks/bench_scale.py [--sizes 10 25 50 100] [--formulations paper per_query] [--scheme weighted]

Instances and the measured point: ``greenllm.experiments.scale`` (the pipeline's scaling experiment uses the same).

Each (size, formulation) runs in a fresh subprocess, so the peak resident memory (ru_maxrss) is that point's own.
Goal: the largest per-query size solves in < 2 min and < 4 GB; build < 10 % of solve.
Timings, not assertions: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from greenllm.experiments.extensions import growth_exponent
from greenllm.experiments.scale import FORMULATIONS, one_point, write_instance



exponent = growth_exponent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10, 25, 50, 100])
    parser.add_argument("--formulations", nargs="*", default=["paper", "per_query"],
                        choices=FORMULATIONS)
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
