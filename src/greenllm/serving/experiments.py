"""The serving experiment: baselines against optimised schemes, the latency Pareto fronts, what the SLO costs, and
per-query figures set against published ones (:mod:`greenllm.serving.validation`). Each function returns a table
(pandas) that a notebook writes out; :func:`experiment` runs them all on one solver, each solve once.

**Determinism.** A scheme's objectives leave other quantities open (minimum emissions fixes emissions and cost, not
latency, water or the batch mix), and an LP solver may return any point of the optimal face. Every optimised
allocation here is therefore solved with a declared tie-break stage after its scheme's order (:data:`TIE_BREAK`:
among the allocations within the stage slack of the optimum, the one with the lowest mean latency; ``min_latency``
needs none: after its second stage, emissions, both simplex variants of the solver return the same allocation), and
tables are written at :data:`SIGNIFICANT_DIGITS` significant digits, coarser than the stage slack (1e-6).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.inputs import load_scenario
from greenllm.serving import baselines, validation as vx
from greenllm.serving.catalogue import ServingCatalogue, load_serving
from greenllm.serving.fleet import Fleet, FleetOptions, account, build_fleet, size_renewables
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


def policy_row(fleet: Fleet, policy: str, kind: str, q_pt: np.ndarray) -> dict:
    """One row of the policies table: the account of allocation ``q_pt``, its per-query figures, GPU energy per output
    token and mean batch limit."""
    acc = account(fleet, q_pt)
    batch = np.average(fleet.pair_batch, weights=q_pt.sum(axis=1))
    return {"policy": policy, "kind": kind, **acc.row(), **acc.per_query(),
            "gpu_j_per_output_token": gpu_j_per_output_token(fleet, q_pt), "mean_batch_limit": float(batch)}


def policies(fleet: Fleet, solver: FleetSolver | None = None) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """One row per baseline and optimised scheme (same fleet, SLO and accounting), and the allocations by name."""
    solver = solver or FleetSolver(fleet)
    allocations = {name: fn(fleet) for name, fn in baselines.POLICIES.items()}
    rows = [policy_row(fleet, name, "baseline", q) for name, q in allocations.items()]
    for name in SCHEMES:
        allocations[name] = solver.solve(scheme_order(name))
        rows.append(policy_row(fleet, name, "optimised", allocations[name]))
    table = pd.DataFrame(rows)
    table.attrs["first_objective"] = {name: order[0] for name, order in SCHEMES.items()}
    return table, allocations


def best_baseline_margin(table: pd.DataFrame) -> pd.DataFrame:
    """Per optimised scheme: its first objective, its value, the best baseline on that objective (named) and its
    value, the relative saving against it [-], and the share of the gain over the naive split
    (:data:`NAIVE_BASELINE`) that the best baseline already captures [-]."""
    rows = []
    base = table[table["kind"] == "baseline"]
    naive = table.set_index("policy").loc[NAIVE_BASELINE] if NAIVE_BASELINE in set(base["policy"]) else None
    for name, order in SCHEMES.items():
        metric = order[0]
        ours = float(table.loc[table["policy"] == name, metric].iloc[0])
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
    allocation is returned; :func:`front_table` keeps those the objectives determine."""
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
                row = policy_row(fleet, f"min_{objective}", "front", solver.solve(order))
                rows.append({"objective": objective, "measure": measure, "epsilon_s": float(eps), **row})
            solver.latency_limits()
    return pd.DataFrame(rows)


def front_table(front: pd.DataFrame) -> pd.DataFrame:
    """The fronts as written: per point its objective and latency measure, the limit, and the values its two
    lexicographic stages determine (the objective and its secondary); the others (the third metric, the realised
    latencies, energy per query, the batch mix) are left empty, since another optimal allocation may change them."""
    out = front[["objective", "measure", "epsilon_s", *FRONT_OBJECTIVES]].copy()
    for objective in FRONT_OBJECTIVES:
        open_ = ~front["objective"].isin([objective, *(o for o, s in SECONDARY.items() if s == objective)])
        out[objective] = out[objective].where(~open_)
    return out.reset_index(drop=True)


def slo_cost(fleet: Fleet, scheme: str = "min_emissions", q_slo: np.ndarray | None = None) -> dict:
    """What the SLO costs: the scheme solved on the same fleet with every pair allowed. Returns pairs kept and
    pruned, the first objective with and without the SLO, and the share of queries the free solution would put on
    pairs that break the SLO. ``q_slo``: the scheme's allocation with the SLO if already solved."""
    metric = SCHEMES[scheme][0]
    free_fleet = build_fleet(fleet.scenario, fleet.catalogue, dataclasses.replace(fleet.options, slo=False))
    free_fleet.renewable_kwh_jt = fleet.renewable_kwh_jt
    q_free = FleetSolver(free_fleet).solve(scheme_order(scheme))
    q_slo = FleetSolver(fleet).solve(scheme_order(scheme)) if q_slo is None else q_slo
    with_slo, without = account(fleet, q_slo), account(free_fleet, q_free)
    served = q_free.sum(axis=1)
    return {"scheme": scheme, "objective": metric, "pairs_kept": fleet.n_pairs,
            "pairs_pruned": fleet.n_pairs_total - fleet.n_pairs,
            "with_slo": getattr(with_slo, metric), "without_slo": getattr(without, metric),
            "share_breaking_slo_without": float(served[~free_fleet.slo_ok].sum() / served.sum()),
            "latency_p95_without_s": without.latency_p95_s}


@dataclass
class ServingResults:
    """Every table of the serving experiment (one run of :func:`experiment`)."""

    policies: pd.DataFrame
    allocations: dict[str, np.ndarray]
    margin: pd.DataFrame
    fronts: pd.DataFrame
    slo: pd.DataFrame
    per_query: pd.DataFrame
    validation: pd.DataFrame
    spatial_shifting: pd.DataFrame


def experiment(fleet: Fleet, front_points: int = 7, slo_schemes=("min_emissions", "min_cost")) -> ServingResults:
    """The serving experiment on ``fleet``: policies, margins, fronts, SLO cost, validation and spatial shifting, each
    optimised allocation solved once on one solver."""
    solver = FleetSolver(fleet)
    table, allocations = policies(fleet, solver)
    kinds = dict(zip(table["policy"], table["kind"], strict=True))
    return ServingResults(
        policies=table, allocations=allocations, margin=best_baseline_margin(table),
        fronts=fronts(fleet, solver, table, points=front_points),
        slo=pd.DataFrame([slo_cost(fleet, scheme, allocations[scheme]) for scheme in slo_schemes]),
        per_query=vx.per_query_table(fleet, allocations, kinds),
        validation=vx.validation(fleet, allocations, kinds),
        spatial_shifting=vx.spatial_shifting(fleet))
