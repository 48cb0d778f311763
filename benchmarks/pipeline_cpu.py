"""Where a pipeline run spent its time: CPU and wall seconds per rule, from Snakemake's benchmark files.

    python benchmarks/pipeline_cpu.py [BENCHMARKS_DIR]     # default: benchmarks/ of this checkout

Every rule writes ``benchmarks/RULE/....tsv`` (one row per run: ``s`` wall seconds, ``cpu_time`` CPU seconds of the
job's processes as Snakemake sampled them). On a machine shared with other work the wall seconds mostly measure the
load; the CPU seconds are what the run costs, and CPU / cores is the least wall time it can take.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def rule_times(folder: Path) -> pd.DataFrame:
    """One row per rule: jobs, CPU seconds, wall seconds, and the largest job's CPU seconds, most CPU first."""
    rows = []
    for path in sorted(folder.rglob("*.tsv")):
        last = pd.read_csv(path, sep="\t").iloc[-1]
        rows.append({"rule": path.relative_to(folder).parts[0], "job": path.stem,
                     "cpu_s": float(last["cpu_time"]), "wall_s": float(last["s"])})
    if not rows:
        raise SystemExit(f"error: no benchmark files under {folder} (run the pipeline first)")
    jobs = pd.DataFrame(rows)
    table = jobs.groupby("rule").agg(jobs=("job", "size"), cpu_s=("cpu_s", "sum"), wall_s=("wall_s", "sum"),
                                     largest_job_cpu_s=("cpu_s", "max"))
    return table.sort_values("cpu_s", ascending=False).reset_index()


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    table = rule_times(folder)
    print(table.round(1).to_string(index=False))
    print(f"total: {len(table)} rules, {int(table['jobs'].sum())} jobs, {table['cpu_s'].sum():.0f} s CPU, "
          f"{table['wall_s'].sum():.0f} s of job wall time")
