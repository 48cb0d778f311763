"""The serving experiment: baselines against optimised schemes, the latency Pareto fronts, what the SLO costs, and
per-query figures set against published ones. Each function returns a table (pandas) that a notebook writes out.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.serving import baselines
from greenllm.serving.fleet import S_PER_HOUR, Fleet, FleetOptions, account, build_fleet, site_hours, size_renewables
from greenllm.serving.lp import SCHEMES, FleetSolver
from greenllm.inputs import load_scenario
from greenllm.serving.catalogue import ServingCatalogue, load_serving

FRONT_OBJECTIVES = ("emissions_kg", "total_usd", "water_l")
LATENCY_MEASURES = ("latency_mean_s", "latency_p95_s")
SECONDARY = {"emissions_kg": "total_usd", "total_usd": "emissions_kg", "water_l": "emissions_kg"}
PER_QUERY = ("energy_wh_per_query", "water_ml_per_query", "co2_g_per_query")


def fleet_for(scenario_dir: str | Path, options: FleetOptions, catalogue: ServingCatalogue | None = None) -> Fleet:
    """The fleet of a scenario folder at the options' scale, with on-site renewables sized on the
    demand-proportional allocation."""
    fleet = build_fleet(load_scenario(scenario_dir), catalogue or load_serving(), options)
    return size_renewables(fleet, baselines.demand_proportional(fleet))


def gpu_j_per_output_token(fleet: Fleet, q_pt: np.ndarray) -> float:
    """GPU energy of the busy accelerators per output token of an allocation [J/token] (prompt processing included,
    host and idle excluded): the measurement boundary of GPU-only per-token figures."""
    tokens_out = np.array([c.tokens_out for c in fleet.catalogue.classes])[fleet.pair_k]
    queries = q_pt.sum(axis=1)
    return float((queries * fleet.active_j).sum() / (queries * tokens_out).sum())


def _row(fleet: Fleet, policy: str, kind: str, q_pt: np.ndarray, replicas: np.ndarray | None = None) -> dict:
    acc = account(fleet, q_pt, replicas)
    batch = np.average(fleet.pair_batch, weights=q_pt.sum(axis=1))
    return {"policy": policy, "kind": kind, **acc.row(), **acc.per_query(),
            "gpu_j_per_output_token": gpu_j_per_output_token(fleet, q_pt), "mean_batch_limit": float(batch)}


def policies(fleet: Fleet, solver: FleetSolver | None = None) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """One row per baseline and optimised scheme (same fleet, SLO and accounting), and the allocations by name."""
    solver = solver or FleetSolver(fleet)
    allocations = {name: fn(fleet) for name, fn in baselines.POLICIES.items()}
    rows = [_row(fleet, name, "baseline", q) for name, q in allocations.items()]
    for name, order in SCHEMES.items():
        allocations[name] = solver.solve(order)
        rows.append({**_row(fleet, name, "optimised", allocations[name], solver.replicas),
                     "relaxation": solver.relaxed[order[0]], "relaxation_gap": solver.mip_gaps.get(order[0], 0.0)})
    table = pd.DataFrame(rows)
    table.attrs["first_objective"] = {name: order[0] for name, order in SCHEMES.items()}
    return table, allocations


def best_baseline_margin(table: pd.DataFrame) -> pd.DataFrame:
    """Per optimised scheme: its first objective, its value, the best baseline's and the relative saving [-]. Only
    baselines that serve all demand within the SLO, capacity and power cap compete (a rule that leaves queries
    unserved is not a cheaper way to serve them)."""
    rows = []
    feasible = table["slo_met"].astype(bool)
    for column in ("capacity_ok", "power_ok"):
        if column in table:
            feasible &= table[column].astype(bool)
    base = table[(table["kind"] == "baseline") & feasible]
    for name, order in SCHEMES.items():
        metric = order[0]
        ours = float(table.loc[table["policy"] == name, metric].iloc[0])
        if base.empty:  # no baseline serves all demand within the limits
            rows.append({"scheme": name, "objective": metric, "optimised": ours, "best_baseline": "none",
                         "baseline_value": float("nan"), "saving": float("nan")})
            continue
        best = base.loc[base[metric].idxmin()]
        rows.append({"scheme": name, "objective": metric, "optimised": ours, "best_baseline": best["policy"],
                     "baseline_value": float(best[metric]),
                     "saving": 1 - ours / float(best[metric]) if best[metric] else 0.0})
    return pd.DataFrame(rows)


def fronts(fleet: Fleet, solver: FleetSolver, table: pd.DataFrame, points: int = 7,
           objectives=FRONT_OBJECTIVES, measures=LATENCY_MEASURES) -> pd.DataFrame:
    """Epsilon-constraint fronts: for each objective and latency measure, the objective minimised (then its
    secondary) with the latency measure held at ``points`` limits from the fastest allocation's value to that of the
    objective's own unconstrained optimum. Pass a ``FleetSolver(fleet, relax=True)`` to draw them on the LP
    relaxation (continuous replicas; each point is still accounted with whole replicas)."""
    fastest = table.set_index("policy").loc["min_latency"]
    rows = []
    for objective in objectives:
        order = (objective, SECONDARY[objective])
        free = _row(fleet, "free", "front", solver.solve(order), _whole(solver))
        for measure in measures:
            for eps in np.linspace(fastest[measure], free[measure], points):
                kwargs = {"mean_s": eps} if measure == "latency_mean_s" else {"p95_s": eps}
                solver.latency_limits(**kwargs)
                row = _row(fleet, f"min_{objective}", "front", solver.solve(order), _whole(solver))
                rows.append({"objective": objective, "measure": measure, "epsilon_s": float(eps), **row})
            solver.latency_limits()
    return pd.DataFrame(rows)


def _whole(solver: FleetSolver) -> np.ndarray | None:
    """The solver's replicas if they are whole (else None: the account derives them by its rule)."""
    return solver.replicas if solver.integer or not solver.fleet.options.integer_replicas else None


def slo_cost(fleet: Fleet, scheme: str = "min_emissions") -> dict:
    """What the SLO costs: the scheme solved on the same fleet with every pair allowed. Returns pairs kept and
    pruned, the first objective with and without the SLO, and the share of queries the free solution would put on
    pairs that break the SLO."""
    metric = SCHEMES[scheme][0]
    free_fleet = build_fleet(fleet.scenario, fleet.catalogue, dataclasses.replace(fleet.options, slo=False))
    free_fleet.renewable_kwh_jt = fleet.renewable_kwh_jt
    free_solver, slo_solver = FleetSolver(free_fleet), FleetSolver(fleet)
    q_free = free_solver.solve(SCHEMES[scheme])
    q_slo = slo_solver.solve(SCHEMES[scheme])
    with_slo = account(fleet, q_slo, slo_solver.replicas)
    without = account(free_fleet, q_free, free_solver.replicas)
    served = q_free.sum(axis=1)
    return {"scheme": scheme, "objective": metric, "pairs_kept": fleet.n_pairs,
            "pairs_pruned": fleet.n_pairs_total - fleet.n_pairs,
            "with_slo": getattr(with_slo, metric), "without_slo": getattr(without, metric),
            "share_breaking_slo_without": float(served[~free_fleet.slo_ok].sum() / served.sum()),
            "latency_p95_without_s": without.latency_p95_s}


def validation(table: pd.DataFrame, catalogue: ServingCatalogue) -> pd.DataFrame:
    """Each scheme's per-query figures against each published reference that gives the same quantity: ratio
    ours / published (low and high end of a published range). Samsi et al.'s J per output token is compared with
    the scheme's GPU energy per output token (their boundary)."""
    rows = []
    for _, r in table.iterrows():
        for ref in catalogue.references:
            pairs = [(m, getattr(ref, m)) for m in PER_QUERY if getattr(ref, m) is not None]
            if ref.j_per_output_token is not None:
                pairs.append(("gpu_j_per_output_token", ref.j_per_output_token))
            for metric, (low, high) in pairs:
                compared = ref.water_metric if metric == "water_ml_per_query" else metric
                ours = float(r[compared])
                rows.append({"scheme": r["policy"], "kind": r["kind"], "reference": ref.name,
                             "metric": metric, "compared_with": compared,
                             "ours": ours, "published_low": low, "published_high": high,
                             "ratio_low": ours / high, "ratio_high": ours / low, "boundary": ref.boundary})
    return pd.DataFrame(rows)


SCALES = (1e6, 1e7, 1e8, 1e9, 1e10)


def scale_sweep(scenario_dir: str | Path, options: FleetOptions, scales=SCALES,
                scheme: str = "min_emissions", catalogue: ServingCatalogue | None = None) -> pd.DataFrame:
    """The scheme at each demand [queries/day], the fleet sized for it by the same rule: energy, emissions and cost
    per query, utilisation, where capacity binds, GPU energy per output token against the measured J/token of the
    operating points used, and the relaxation gap. Small demand pays for the availability minimum and whole replicas;
    large demand approaches the measured operating points."""
    rows = []
    for scale in scales:
        fleet = fleet_for(scenario_dir, dataclasses.replace(options, queries_per_day=float(scale)), catalogue)
        solver = FleetSolver(fleet)
        q = solver.solve(SCHEMES[scheme])
        acc = account(fleet, q, solver.replicas)
        measured = measured_j_per_output_token(fleet, q)
        rows.append({"queries_per_day": float(scale), "scheme": scheme, **acc.per_query(),
                     "usd_per_million_queries": acc.total_usd / acc.queries * 1e6,
                     "installed_accelerators": float(fleet.installed_j.sum()),
                     "utilisation_peak": acc.utilisation_peak, "utilisation_mean": acc.utilisation_mean,
                     "capacity_binding_site_hours": acc.capacity_binding_site_hours,
                     "power_binding_site_hours": acc.power_binding_site_hours,
                     "gpu_decode_j_per_output_token": decode_j_per_output_token(fleet, q, solver.replicas),
                     "measured_j_per_output_token": measured,
                     "idle_share_of_gpu": acc.gpu_idle_kwh / (acc.gpu_idle_kwh + acc.gpu_busy_kwh),
                     "relaxation_gap": solver.mip_gaps.get(SCHEMES[scheme][0], 0.0)})
    return pd.DataFrame(rows)


def measured_j_per_output_token(fleet: Fleet, q_pt: np.ndarray) -> float:
    """The leaderboard's J per output token of the operating points an allocation uses, weighted by its output
    tokens [J/token]: what a fully busy decode pool draws."""
    j_o = {p.name: p.j_per_token for p in fleet.catalogue.operating_points}
    per_pair = np.array([j_o[name] for name in fleet.pair_point])
    tokens = q_pt.sum(axis=1) * fleet.tokens_out()
    return float((tokens * per_pair).sum() / tokens.sum())


def decode_j_per_output_token(fleet: Fleet, q_pt: np.ndarray, replicas: np.ndarray | None = None) -> float:
    """GPU energy of the decode pools per output token, busy and idle replica time [J/token] (prefill pools and
    unprovisioned accelerators left out): equals :func:`measured_j_per_output_token` when every decode replica is busy
    all the time."""
    h = site_hours(fleet, q_pt, replicas)
    decode = np.array([not name.endswith("/prefill") for name in fleet.pool_name])
    decode_busy_j = (q_pt.sum(axis=1) * (fleet.active_j - fleet.prefill_j)).sum()
    idle_j = (fleet.pool_idle_w[decode, None] * (S_PER_HOUR * h.replicas_ut[decode] - h.busy_ut[decode])).sum()
    return float((decode_busy_j + idle_j) / (q_pt.sum(axis=1) * fleet.tokens_out()).sum())


def relaxation_gaps(table: pd.DataFrame) -> pd.DataFrame:
    """Per optimised scheme of a :func:`policies` table: its first objective with whole replicas, the LP
    relaxation's (continuous replicas, a lower bound of the MILP) and the gap (whole - relaxation) / whole."""
    rows = []
    for _, r in table[table["kind"] == "optimised"].iterrows():
        metric = SCHEMES[r["policy"]][0]
        rows.append({"scheme": r["policy"], "objective": metric, "whole_replicas": float(r[metric]),
                     "relaxation": float(r["relaxation"]), "gap": float(r["relaxation_gap"])})
    return pd.DataFrame(rows)


def prefill_sensitivity(scenario_dir: str | Path, options: FleetOptions, utilisations=(0.3, 0.4, 0.5),
                        catalogue: ServingCatalogue | None = None) -> pd.DataFrame:
    """The headline rows (best baseline per objective and each optimised scheme) at each prefill model FLOP
    utilisation: how much the assumed prefill utilisation moves emissions, cost, water and energy per query."""
    rows = []
    for mfu in utilisations:
        fleet = fleet_for(scenario_dir, dataclasses.replace(options, prefill_utilisation=float(mfu)), catalogue)
        table, _ = policies(fleet)
        margin = best_baseline_margin(table)
        for _, r in table.iterrows():
            rows.append({"prefill_utilisation": float(mfu), "policy": r["policy"], "kind": r["kind"],
                         **{m: float(r[m]) for m in ("emissions_kg", "total_usd", "water_l", "energy_wh_per_query",
                                                     "latency_mean_s")}})
        for _, m in margin.iterrows():
            rows.append({"prefill_utilisation": float(mfu), "policy": f"saving:{m['scheme']}", "kind": "margin",
                         m["objective"]: float(m["saving"])})
    return pd.DataFrame(rows)
