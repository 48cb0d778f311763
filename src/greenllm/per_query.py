"""Analyses of the per-query formulation: its latency table, costing any allocation under its physics, paper vs
per-query on the same scenario, hardware mixes, and provisioning (docs/per_query.md lists the tables).

The formulation itself is :class:`greenllm.formulations.per_query.PerQueryFormulation`; its inputs are read by
:mod:`greenllm.per_query_inputs`; the latency and energy of a query come from :mod:`greenllm.accounting`. Those
names are re-exported here for the notebooks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from greenllm.accounting import (
    S_PER_HOUR,
    account_per_query,
    per_query_latency_s,
    realised_per_query,
    weighted_mean,
    weighted_quantile,
)
from greenllm.errors import InfeasibleError
from greenllm.formulations.per_query import PerQueryFormulation, route_mask
from greenllm.inputs import OPTIONAL_FILES, Scenario
from greenllm.options import ModelOptions
from greenllm.per_query_inputs import PerQueryInputs, load_inputs, with_hardware
from greenllm.solve import solve

route_latency_s = per_query_latency_s  # the name the notebooks and tests use

__all__ = ["OPTIONAL_FILES", "PerQueryFormulation", "PerQueryInputs", "compare_formulations", "hardware_mix",
           "latency_table", "load_inputs", "physical_costs", "provisioning", "route_latency_s", "route_mask",
           "with_hardware"]


# --------------------------------------------------------------------------------------------------------------------
# Tidy tables for figures
# --------------------------------------------------------------------------------------------------------------------


def latency_table(s: Scenario, x: np.ndarray, inputs: PerQueryInputs, threshold: float = 1e-9) -> pd.DataFrame:
    """Per-query latency [s] of every route in use under allocation ``x`` (any formulation), with its SLO [s] and the
    queries it carries (weights for a distribution)."""
    latency = per_query_latency_s(s, inputs)
    served = x * s.queries[:, None, :, :]
    i, j, k, t = np.nonzero(served > threshold)
    slo = inputs.slo_s_ik[i, k]
    return pd.DataFrame({
        "hour": t, "area": i, "dc": j, "type": k, "type_name": np.asarray(s.type_names, dtype=object)[k],
        "accelerator": np.asarray(inputs.accelerator_j, dtype=object)[j],
        "queries": served[i, j, k, t], "latency_s": latency[i, j, k, t], "slo_s": slo,
        "within_slo": latency[i, j, k, t] <= slo,
    })


def physical_costs(s: Scenario, x: np.ndarray, inputs: PerQueryInputs) -> dict:
    """Cost an allocation ``x`` (of either formulation) under the per-query physics; see
    :func:`greenllm.accounting.realised_per_query`."""
    return realised_per_query(s, inputs, x)


def _summary_row(s: Scenario, x: np.ndarray, inputs: PerQueryInputs, **labels) -> dict:
    lat = latency_table(s, x, inputs)
    row = dict(labels)
    row.update(physical_costs(s, x, inputs))
    w = lat["queries"].to_numpy()
    v = lat["latency_s"].to_numpy()
    row["latency_mean_s"] = weighted_mean(v, w)
    row["latency_p95_s"] = weighted_quantile(v, w, 0.95)
    row["share_within_slo"] = float(w[lat["within_slo"].to_numpy()].sum() / w.sum()) if w.sum() else np.nan
    return row


def compare_formulations(s: Scenario, scheme: str = "weighted", *, weights=(1 / 3, 1 / 3, 1 / 3), order=None,
                         tolerance: float = 1e-3, solver: str = "highs", inputs: PerQueryInputs | None = None,
                         options: ModelOptions | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Paper vs per-query formulation on the same scenario and scheme.

    Returns (summary, latency): one summary row per formulation with its own optimum (``native_*_usd``) and both
    allocations costed under the per-query physics (``*_usd``, ``emissions_kg``, ``water_l``, latency statistics);
    and the per-route latency table of both (column ``formulation``) for a latency distribution figure.
    ``options``: the model options of both solves (None: what the folder asks for); the formulation is set here.
    """
    inputs = inputs or load_inputs(s, slo=options.per_query_slo if options is not None else None)
    kwargs = dict(weights=weights if scheme == "weighted" else None, order=order, tolerance=tolerance, solver=solver,
                  options=options)
    rows, tables = [], []
    for name, formulation in (("paper", None), ("per_query", PerQueryFormulation(inputs))):
        result = solve(s, scheme, formulation=formulation or "paper", **kwargs)
        row = _summary_row(s, result.x, inputs, formulation=name, scheme=scheme)
        row.update({f"native_{c}_usd": v for c, v in result.costs.items()})
        row["native_water_l"] = result.water_l
        row["native_emissions_kg"] = result.emissions_kg
        rows.append(row)
        tables.append(latency_table(s, result.x, inputs).assign(formulation=name, scheme=scheme))
    return pd.DataFrame(rows), pd.concat(tables, ignore_index=True)


def hardware_mix(s: Scenario, mixes: dict, scheme: str = "weighted", *, weights=(1 / 3, 1 / 3, 1 / 3), order=None,
                 tolerance: float = 1e-3, solver: str = "highs", integer: bool = False,
                 inputs: PerQueryInputs | None = None, options: ModelOptions | None = None) -> pd.DataFrame:
    """One per-query solve per hardware mix ``{label: accelerator name or list per dc}``; tidy rows with costs [$],
    emissions [kg], water [L], accelerator-hours and latency statistics, or ``status='infeasible'`` and the reason."""
    base = inputs or load_inputs(s, slo=options.per_query_slo if options is not None else None)
    rows = []
    for label, mix in mixes.items():
        inputs = with_hardware(base, mix)
        try:
            result = solve(s, scheme, weights=weights if scheme == "weighted" else None, order=order,
                           tolerance=tolerance, solver=solver, options=options,
                           formulation=PerQueryFormulation(inputs, integer=integer))
        except InfeasibleError as err:
            rows.append({"mix": label, "status": "infeasible", "reason": str(err)})
            continue
        row = _summary_row(s, result.x, inputs, mix=label, status=result.status)
        row.update({f"native_{c}_usd": v for c, v in result.costs.items()})
        row["provisioned_accelerator_hours"] = float(result.provisioning.accelerators_jt.sum())
        rows.append(row)
    return pd.DataFrame(rows)


def provisioning(s: Scenario, result) -> pd.DataFrame:
    """Per (hour, dc): accelerators provisioned and installed, busy accelerator-seconds and utilisation [-]."""
    inputs = result.formulation_object.inputs
    prov = result.provisioning.accelerators_jt
    busy = account_per_query(s, inputs, result.x, result.grid_kw, prov).busy_accelerator_s_jt
    j, t = np.indices((s.n_dcs, s.n_hours))
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(prov > 0, busy / (prov * S_PER_HOUR), 0.0)
    return pd.DataFrame({
        "hour": t.ravel(), "dc": j.ravel(), "accelerator": np.asarray(inputs.accelerator_j, dtype=object)[j.ravel()],
        "installed": inputs.count_j[j.ravel()], "provisioned": prov.ravel(), "busy_accelerator_s": busy.ravel(),
        "utilisation": util.ravel(), "grid_kw": result.grid_kw.ravel(),
    }).sort_values(["hour", "dc"], ignore_index=True)
