"""A bare highspy script: read the scenario CSVs with pandas, build the paper's equal-weight LP, solve, print.

It imports nothing from greenllm: the baseline that `greenllm solve` is timed against (benchmarks/bench_solve.py),
and a second, independent statement of the LP.  Usage: python benchmarks/bare_highspy.py SCENARIO_DIR
"""

import json
import sys
from pathlib import Path

import highspy
import numpy as np
import pandas as pd

folder = Path(sys.argv[1])
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
