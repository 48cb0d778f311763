"""The serving experiment: baselines against optimised schemes, the latency Pareto fronts, what the SLO costs, and
per-query figures set against published ones (:mod:`greenllm.serving.validation`). Each function returns a table
(pandas); the pipeline runs them as solve points, each solve once (:mod:`greenllm.serving.jobs`), and a notebook
writes the tables out.

**Determinism.** A scheme's objectives leave other quantities open (minimum emissions fixes emissions and cost, not
latency, water or the batch mix), and an LP solver may return any point of the optimal face. Every optimised
allocation here is therefore solved with a declared tie-break stage after its scheme's order (:data:`TIE_BREAK`:
among the allocations within the stage slack of the optimum, the one with the lowest mean latency; ``min_latency``
needs none: after its second stage, emissions, both simplex variants of the solver return the same allocation), and
tables are written at :data:`SIGNIFICANT_DIGITS` significant digits, coarser than the stage slack (1e-6).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.inputs import load_scenario
from greenllm.serving import baselines
from greenllm.serving.catalogue import ServingCatalogue, load_serving
from greenllm.serving.fleet import (S_PER_HOUR, Fleet, FleetOptions, account, build_fleet, site_hours,
                                   size_renewables)
from greenllm.serving.lp import SCHEMES, FleetSolver

FRONT_OBJECTIVES = ("emissions_kg", "total_usd", "water_l")
LATENCY_MEASURES = ("latency_mean_s", "latency_p95_s")
SECONDARY = {"emissions_kg": "total_usd", "total_usd": "emissions_kg", "water_l": "emissions_kg"}
NAIVE_BASELINE = "demand_proportional"  # the carbon-, price- and water-blind split a gain is measured from
SIGNIFICANT_DIGITS = 6  # of every serving table: coarser than the lexicographic stage slack (1e-6 relative)


TIE_BREAK = ("latency_mean_s",)


def scheme_order(name: str) -> tuple[str, ...]:
    """The lexicographic order of an optimised scheme with its declared tie-break stage (:data:`TIE_BREAK`, the
    lowest mean latency among the allocations that keep the earlier stages; none after ``min_latency``)."""
    order = SCHEMES[name]
    return order if order[0] in TIE_BREAK else order + TIE_BREAK


def fixed_precision(frame: pd.DataFrame, digits: int = SIGNIFICANT_DIGITS) -> pd.DataFrame:
    """``frame`` with every float column rounded to ``digits`` significant digits (digits beyond what the objective
    and its tie-break determine are not written)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            values = out[column].to_numpy(dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                exponent = np.where(np.isfinite(values) & (values != 0),
                                    np.floor(np.log10(np.abs(values))), 0.0)
            scale = 10.0 ** (digits - 1 - exponent)
            out[column] = np.where(np.isfinite(values), np.round(values * scale) / scale, values)
    return out


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


def policy_row(fleet: Fleet, policy: str, kind: str, q_pt: np.ndarray,
               replicas: np.ndarray | None = None) -> dict:
    """One row of the policies table: the account of allocation ``q_pt`` (on ``replicas`` if given), its per-query
    figures, GPU energy per output token and mean batch limit."""
    acc = account(fleet, q_pt, replicas)
    batch = np.average(fleet.pair_batch, weights=q_pt.sum(axis=1))
    return {"policy": policy, "kind": kind, **acc.row(), **acc.per_query(),
            "gpu_j_per_output_token": gpu_j_per_output_token(fleet, q_pt), "mean_batch_limit": float(batch)}


def policies(fleet: Fleet, solver: FleetSolver | None = None,
             replicas: dict[str, np.ndarray] | None = None) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """One row per baseline and optimised scheme (same fleet, SLO and accounting), and the allocations by name; each
    optimised scheme's whole replicas go into ``replicas`` if given (baselines run on the replicas the account's rule
    derives)."""
    solver = solver or FleetSolver(fleet)
    allocations = {name: fn(fleet) for name, fn in baselines.POLICIES.items()}
    rows = [policy_row(fleet, name, "baseline", q) for name, q in allocations.items()]
    for name in SCHEMES:
        allocations[name] = solver.solve(scheme_order(name))
        if replicas is not None:
            replicas[name] = solver.replicas.copy()
        rows.append({**policy_row(fleet, name, "optimised", allocations[name], solver.replicas),
                     "relaxation": solver.relaxed[SCHEMES[name][0]],
                     "relaxation_gap": solver.mip_gaps.get(SCHEMES[name][0], 0.0)})
    table = pd.DataFrame(rows)
    table.attrs["first_objective"] = {name: order[0] for name, order in SCHEMES.items()}
    return table, allocations


def feasible(table: pd.DataFrame) -> pd.Series:
    """Rows that serve all demand within the SLO, installed accelerators and power cap (where the table says)."""
    ok = pd.Series(True, index=table.index)
    for column in ("slo_met", "capacity_ok", "power_ok"):
        if column in table:
            ok &= table[column].astype(bool)
    return ok


def best_baseline_margin(table: pd.DataFrame) -> pd.DataFrame:
    """Per optimised scheme: its first objective, its value, the best baseline on that objective (named) and its
    value, the relative saving against it [-], and the share of the gain over the naive split
    (:data:`NAIVE_BASELINE`) that the best baseline already captures [-]. Only baselines that serve all demand
    within the SLO, capacity and power cap count (a rule that drops queries is not faster or cleaner)."""
    rows = []
    base = table[(table["kind"] == "baseline") & feasible(table)]
    naive = table.set_index("policy").loc[NAIVE_BASELINE] if NAIVE_BASELINE in set(table["policy"]) else None
    for name, order in SCHEMES.items():
        metric = order[0]
        ours = float(table.loc[table["policy"] == name, metric].iloc[0])
        if base.empty:  # no baseline serves all demand within the limits
            rows.append({"scheme": name, "objective": metric, "optimised": ours, "best_baseline": "none",
                         "baseline_value": float("nan"), "saving": float("nan")})
            continue
        best = base.loc[base[metric].idxmin()]
        value = float(best[metric])
        row = {"scheme": name, "objective": metric, "optimised": ours, "best_baseline": best["policy"],
               "baseline_value": value, "saving": 1 - ours / value if value else 0.0}
        if naive is not None:
            gain = float(naive[metric]) - ours
            row.update({"naive_baseline": NAIVE_BASELINE, "naive_value": float(naive[metric]),
                        "captured_by_best_baseline": (float(naive[metric]) - value) / gain if gain > 0 else np.nan})
        rows.append(row)
    return pd.DataFrame(rows)


def fronts(fleet: Fleet, solver: FleetSolver, table: pd.DataFrame, points: int = 7,
           objectives=FRONT_OBJECTIVES, measures=LATENCY_MEASURES) -> pd.DataFrame:
    """Epsilon-constraint fronts: for each objective and latency measure, the objective minimised (then its
    secondary) with the latency measure held at ``points`` limits from the fastest allocation's value (``min_latency``
    in ``table``) to that of the objective's own optimum (its scheme's row, tie-break included). Every column of the
    allocation is returned; :func:`front_table` keeps those the objectives determine. Pass a
    ``FleetSolver(fleet, relax=True)`` to draw them on the LP relaxation (continuous replicas; each point is still
    accounted with whole replicas)."""
    rows_by_policy = table.set_index("policy")
    fastest = rows_by_policy.loc["min_latency"]
    rows = []
    for objective in objectives:
        order = (objective, SECONDARY[objective])
        free = rows_by_policy.loc[next(name for name, o in SCHEMES.items() if o[0] == objective)]
        for measure in measures:
            for eps in np.linspace(fastest[measure], free[measure], points):
                kwargs = {"mean_s": eps} if measure == "latency_mean_s" else {"p95_s": eps}
                solver.latency_limits(**kwargs)
                row = policy_row(fleet, f"min_{objective}", "front", solver.solve(order), _whole(solver))
                row.update({name: solver.stages[name] for name in order})  # the stage optima the front determines
                rows.append({"objective": objective, "measure": measure, "epsilon_s": float(eps), **row})
            solver.latency_limits()
    return pd.DataFrame(rows)


def front_table(front: pd.DataFrame) -> pd.DataFrame:
    """The fronts as written: per point its objective and latency measure, the limit, and the values its two
    lexicographic stages determine (the stage optima of the objective and its secondary); the others (the third metric, the realised
    latencies, energy per query, the batch mix) are left empty, since another optimal allocation may change them."""
    out = front[["objective", "measure", "epsilon_s", *FRONT_OBJECTIVES]].copy()
    for objective in FRONT_OBJECTIVES:
        open_ = ~front["objective"].isin([objective, *(o for o, s in SECONDARY.items() if s == objective)])
        out[objective] = out[objective].where(~open_)
    return out.reset_index(drop=True)


def _whole(solver: FleetSolver) -> np.ndarray | None:
    """The solver's replicas if they are whole (else None: the account derives them by its rule)."""
    return solver.replicas if solver.integer or not solver.fleet.options.integer_replicas else None


def slo_cost(fleet: Fleet, scheme: str = "min_emissions", q_slo: np.ndarray | None = None,
             replicas: np.ndarray | None = None) -> dict:
    """What the SLO costs: the scheme solved on the same fleet with every pair allowed. Returns pairs kept and
    pruned, the first objective with and without the SLO, and the share of queries the free solution would put on
    pairs that break the SLO. ``q_slo``, ``replicas``: the scheme's allocation with the SLO if already solved."""
    if q_slo is None:
        slo_solver = FleetSolver(fleet)
        q_slo, replicas = slo_solver.solve(scheme_order(scheme)), slo_solver.replicas
    with_slo = getattr(account(fleet, q_slo, replicas), SCHEMES[scheme][0])
    return slo_row(slo_free(fleet, scheme), with_slo)


def slo_free(fleet: Fleet, scheme: str = "min_emissions") -> dict:
    """The SLO-free half of :func:`slo_cost`: the scheme (with its tie-break) on ``fleet`` with every pair allowed
    (same sites, installed accelerators sized by the same rule, same on-site renewables)."""
    metric = SCHEMES[scheme][0]
    free_fleet = build_fleet(fleet.scenario, fleet.catalogue, dataclasses.replace(fleet.options, slo=False))
    free_fleet.renewable_kwh_jt = fleet.renewable_kwh_jt
    free_solver = FleetSolver(free_fleet)
    q_free = free_solver.solve(scheme_order(scheme))
    without = account(free_fleet, q_free, free_solver.replicas)
    served = q_free.sum(axis=1)
    return {"scheme": scheme, "objective": metric, "pairs_kept": fleet.n_pairs,
            "pairs_pruned": fleet.n_pairs_total - fleet.n_pairs, "without_slo": getattr(without, metric),
            "share_breaking_slo_without": float(served[~free_fleet.slo_ok].sum() / served.sum()),
            "latency_p95_without_s": without.latency_p95_s}


def slo_row(free: dict, with_slo: float) -> dict:
    """A row of the SLO table: the SLO-free solve (:func:`slo_free`) beside the first objective with the SLO."""
    keys = ("scheme", "objective", "pairs_kept", "pairs_pruned")
    return {**{k: free[k] for k in keys}, "with_slo": float(with_slo),
            **{k: v for k, v in free.items() if k not in keys}}


SCALES = (1e6, 1e7, 1e8, 1e9, 1e10)
SCALE_SCHEME = "min_emissions"  # the scheme of the scale sweep


def scale_sweep(scenario_dir: str | Path, options: FleetOptions, scales=SCALES,
                scheme: str = SCALE_SCHEME, catalogue: ServingCatalogue | None = None) -> pd.DataFrame:
    """The scheme (with its tie-break) at each demand [queries/day], the fleet sized for it by the same rule: one
    :func:`scale_row` each. Small demand pays for the availability minimum and whole replicas; large demand approaches
    the measured operating points."""
    rows = []
    for scale in scales:
        fleet = fleet_for(scenario_dir, dataclasses.replace(options, queries_per_day=float(scale)), catalogue)
        solver = FleetSolver(fleet)
        rows.append(scale_row(fleet, scheme, solver.solve(scheme_order(scheme)), solver))
    return pd.DataFrame(rows)


def scale_row(fleet: Fleet, scheme: str, q_pt: np.ndarray, solver: FleetSolver) -> dict:
    """One row of the scale sweep: the scheme's allocation ``q_pt`` (just solved by ``solver``) at the fleet's demand:
    energy, emissions and cost per query, utilisation, where capacity binds, GPU energy per output token against the
    measured J/token of the operating points used, and the relaxation gap."""
    acc = account(fleet, q_pt, solver.replicas)
    return {"queries_per_day": float(fleet.options.queries_per_day), "scheme": scheme, **acc.per_query(),
            "usd_per_million_queries": acc.total_usd / acc.queries * 1e6,
            "installed_accelerators": float(fleet.installed_j.sum()),
            "utilisation_peak": acc.utilisation_peak, "utilisation_mean": acc.utilisation_mean,
            "capacity_binding_site_hours": acc.capacity_binding_site_hours,
            "power_binding_site_hours": acc.power_binding_site_hours,
            "gpu_decode_j_per_output_token": decode_j_per_output_token(fleet, q_pt, solver.replicas),
            "measured_j_per_output_token": measured_j_per_output_token(fleet, q_pt),
            "idle_share_of_gpu": acc.gpu_idle_kwh / (acc.gpu_idle_kwh + acc.gpu_busy_kwh),
            "relaxation_gap": solver.mip_gaps.get(SCHEMES[scheme][0], 0.0)}


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
    """The headline rows (every policy and each optimised scheme's saving against the best baseline) at each prefill
    model FLOP utilisation (:func:`prefill_rows`): how much the assumed prefill utilisation moves emissions, cost,
    water and energy per query."""
    rows = []
    for mfu in utilisations:
        fleet = fleet_for(scenario_dir, dataclasses.replace(options, prefill_utilisation=float(mfu)), catalogue)
        rows += prefill_rows(float(mfu), policies(fleet)[0])
    return pd.DataFrame(rows)


PREFILL_COLUMNS = ("emissions_kg", "total_usd", "water_l", "energy_wh_per_query", "latency_mean_s")


def prefill_rows(utilisation: float, table: pd.DataFrame) -> list[dict]:
    """The rows of the prefill sensitivity at one prefill utilisation [-] from that fleet's :func:`policies` table:
    each policy's headline numbers, then each optimised scheme's saving against the best baseline."""
    rows = [{"prefill_utilisation": utilisation, "policy": r["policy"], "kind": r["kind"],
             **{m: float(r[m]) for m in PREFILL_COLUMNS}} for _, r in table.iterrows()]
    rows += [{"prefill_utilisation": utilisation, "policy": f"saving:{m['scheme']}", "kind": "margin",
              m["objective"]: float(m["saving"])} for _, m in best_baseline_margin(table).iterrows()]
    return rows
