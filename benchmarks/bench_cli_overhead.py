"""Whole-process time of `greenllm solve` against a bare highspy script that builds the same LP from the same CSVs.

    python benchmarks/bench_cli_overhead.py [SCENARIO_DIR] [--repeat 5]

Without SCENARIO_DIR it builds paper_v1 offline into a temporary folder (`greenllm data build paper_v1 --offline`;
stand-in carbon where the raw cache lacks it: fine for timing). Both commands run as fresh processes, alternately;
it prints the median seconds of each, their ratio (goal: <= 1.5) and where `greenllm solve` spends its start-up
(`python -X importtime`). Timings, not assertions: run it on a quiet machine.

The bare script (`--bare DIR`, below) imports nothing from greenllm: pandas to read the CSVs, numpy to build the
paper's equal-weight LP column-wise, highspy to solve; a second, independent statement of the LP.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WEIGHTS = "1/3,1/3,1/3"


def bare_solve(folder: Path) -> None:
    """Read the scenario CSVs with pandas, build the paper's equal-weight LP, solve with highspy, print JSON."""
    import highspy
    import numpy as np
    import pandas as pd

    read = {name: pd.read_csv(folder / f"{name}.csv") for name in (
        "datacenters", "query_types", "dc_type", "dc_resource", "type_resource", "area_dc", "area_type", "demand",
        "dc_hour")}
    Z = json.loads((folder / "scalars.json").read_text())["water_budget_l"]
    dc = read["datacenters"].sort_values("dc")
    qt = read["query_types"].sort_values("type")
    J, K = len(dc), len(qt)
    dem = read["demand"].sort_values(["area", "type", "hour"])
    I, T = dem["area"].nunique(), dem["hour"].nunique()
    lam = dem["queries"].to_numpy(float).reshape(I, K, T)
    beta = dem["token_size_kb"].to_numpy(float).reshape(I, K, T)
    hour = read["dc_hour"].sort_values(["dc", "hour"])
    price, theta, pw, pmax, wue, ewif = (hour[c].to_numpy(float).reshape(J, T) for c in (
        "price_usd_per_kwh", "carbon_kg_per_kwh", "renewable_kw", "grid_cap_kw", "wue_l_per_kwh", "ewif_l_per_kwh"))
    pue, tax = dc["pue"].to_numpy(float), dc["carbon_tax_usd_per_kg"].to_numpy(float)
    h, f = qt["tokens_in"].to_numpy(float), qt["tokens_out"].to_numpy(float)
    e = qt["energy_in_kwh_per_token"].to_numpy(float) * h + qt["energy_out_kwh_per_token"].to_numpy(float) * f
    rho = qt["delay_penalty_usd_per_s"].to_numpy(float)
    R = read["dc_resource"]["resource"].nunique()
    cap = read["dc_resource"].sort_values(["dc", "resource"])["capacity"].to_numpy(float).reshape(J, R)
    alpha = read["type_resource"].sort_values(["type", "resource"])["use_per_token"].to_numpy(float).reshape(K, R)
    ad = read["area_dc"].sort_values(["area", "dc"])
    rtt, bw = ad["rtt_s"].to_numpy(float).reshape(I, J), ad["bandwidth_mbps"].to_numpy(float).reshape(I, J)
    v = read["dc_type"].sort_values(["dc", "type"])["proc_delay_s_per_token"].to_numpy(float).reshape(J, K)
    dmax = read["area_type"].sort_values(["area", "type"])["delay_max_s"].to_numpy(float).reshape(I, K)

    nx = I * J * K * T
    xi = np.arange(nx).reshape(I, J, K, T)
    gi = nx + np.arange(J * T).reshape(J, T)
    ii, jj, kk, tt = np.meshgrid(np.arange(I), np.arange(J), np.arange(K), np.arange(T), indexing="ij")
    comp = (e[None, :, None] * lam)[:, None, :, :] * np.ones((1, J, 1, 1))
    D = (beta * lam * (h + f)[None, :, None])[:, None] / np.maximum(0.001, bw)[:, :, None, None] \
        + rtt[:, :, None, None] + (v * (h + f)[None, :])[None, :, :, None] * lam[:, None]
    rows, cols, vals, lo, up = [], [], [], [], []
    n = 0
    rows += [(jj * T + tt).ravel(), np.arange(J * T)]; cols += [xi.ravel(), gi.ravel()]
    vals += [(pue[None, :, None, None] * comp).ravel(), -np.ones(J * T)]; lo.append(np.full(J * T, -np.inf)); up.append(pw.ravel()); n += J * T
    for r in range(R):
        use = alpha[:, r][None, None, :, None] * (h + f)[None, None, :, None] * lam[:, None]
        rows.append(n + (jj * T + tt).ravel()); cols.append(xi.ravel()); vals.append(np.broadcast_to(use, (I, J, K, T)).ravel())
        lo.append(np.full(J * T, -np.inf)); up.append(np.repeat(cap[:, r], T)); n += J * T
    rows.append(np.full(nx, n)); cols.append(xi.ravel()); vals.append((comp * (wue + ewif * pue[:, None])[None, :, None, :]).ravel())
    lo.append([-np.inf]); up.append([Z]); n += 1
    rows.append(n + ((ii * K + kk) * T + tt).ravel()); cols.append(xi.ravel()); vals.append(np.ones(nx))
    lo.append(np.ones(I * K * T)); up.append(np.ones(I * K * T)); n += I * K * T
    rows.append(n + ((ii * K + kk) * T + tt).ravel()); cols.append(xi.ravel()); vals.append(D.ravel())
    lo.append(np.full(I * K * T, -np.inf)); up.append(np.repeat(dmax.ravel(), T)); n += I * K * T
    r_, c_, v_ = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    order = np.argsort(c_, kind="stable")
    start = np.concatenate([[0], np.cumsum(np.bincount(c_, minlength=nx + J * T))])
    cost = np.concatenate([(rho[None, None, :, None] * D).ravel(), (price + tax[:, None] * theta).ravel()]) / 3

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = nx + J * T, n
    lp.col_cost_ = cost
    lp.col_lower_, lp.col_upper_ = np.zeros(nx + J * T), np.concatenate([np.ones(nx), pmax.ravel()])
    lp.row_lower_, lp.row_upper_ = np.concatenate(lo), np.concatenate(up)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = nx + J * T, n
    lp.a_matrix_.start_ = start.astype(np.int32)
    lp.a_matrix_.index_ = r_[order].astype(np.int32)
    lp.a_matrix_.value_ = v_[order]
    hs = highspy.Highs()
    hs.setOptionValue("output_flag", False)
    hs.passModel(lp)
    hs.run()
    print(json.dumps({"status": hs.modelStatusToString(hs.getModelStatus()),
                      "objective": hs.getInfo().objective_function_value}))


def greenllm_command(folder: Path) -> list[str]:
    return [sys.executable, "-m", "greenllm", "-q", "solve", str(folder), "--scheme", "weighted", "--weights", WEIGHTS,
            "--solver", "highs", "--json"]


def bare_command(folder: Path) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--bare", str(folder)]


def run(command: list[str]) -> tuple[float, dict]:
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, json.loads(proc.stdout.strip().splitlines()[-1])


def compare(folder: Path, repeat: int) -> dict:
    """Median whole-process seconds of both commands (run alternately), their objectives and the ratio."""
    ours, bare = [], []
    for _ in range(repeat):
        seconds, ours_out = run(greenllm_command(folder))
        ours.append(seconds)
        seconds, bare_out = run(bare_command(folder))
        bare.append(seconds)
    return {"greenllm_s": statistics.median(ours), "bare_s": statistics.median(bare),
            "greenllm_objective": ours_out["objective"], "bare_objective": bare_out["objective"],
            "ratio": statistics.median(ours) / statistics.median(bare)}


def import_times(folder: Path, top: int = 8) -> list[tuple[str, float]]:
    """The slowest top-level imports of one `greenllm solve` process [s] (``python -X importtime``)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", *greenllm_command(folder)[1:]], capture_output=True,
                          text=True, check=True)
    rows = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, raw = line[len("import time:"):].split("|")
            if cumulative.strip().isdigit() and not raw[1:].startswith(" "):  # nested imports are indented
                rows.append((raw.strip(), int(cumulative) / 1e6))
    return sorted(rows, key=lambda r: -r[1])[:top]


def paper_v1_folder(tmp: Path) -> Path:
    subprocess.run([sys.executable, "-m", "greenllm", "-q", "data", "build", "paper_v1", "--offline", "--out-dir",
                    str(tmp)], check=True, capture_output=True)
    return tmp / "paper_v1"


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--bare":
        bare_solve(Path(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", type=Path, help="scenario folder (default: build paper_v1 offline)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.scenario or paper_v1_folder(Path(tmp))
        r = compare(folder, args.repeat)
        imports = import_times(folder)
    print(f"scenario: {folder}")
    print("| whole process (median of %d) | seconds | objective |" % args.repeat)
    print("|---|---:|---:|")
    print(f"| greenllm solve (validation, verification) | {r['greenllm_s']:.2f} | {r['greenllm_objective']:.10f} |")
    print(f"| bare highspy script | {r['bare_s']:.2f} | {r['bare_objective']:.10f} |")
    print(f"| ratio (goal <= 1.5) | {r['ratio']:.2f} | |")
    print()
    print("| top-level import of greenllm solve | cumulative s |")
    print("|---|---:|")
    for name, seconds in imports:
        print(f"| {name} | {seconds:.3f} |")


if __name__ == "__main__":
    main()
