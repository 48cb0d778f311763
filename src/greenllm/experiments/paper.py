"""The paper's experiments, in-process: which solves each figure and table of arXiv 2507.09942 needs.

Each function solves its points and returns tidy rows (one per scheme and point, the flat form of a record, see
:mod:`greenllm.experiments.records`); the pipeline runs the same points as jobs (:mod:`greenllm.experiments.points`)
and the notebooks read the records back. Also: the input frames of the input figures.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.accounting import weighted_quantile
from greenllm.errors import InfeasibleError, InputError
from greenllm.experiments.records import flatten, infeasible_record, solve_record
from greenllm.experiments.spec import (ALL_ORDERS, OBJECTIVES, PAPER_WEIGHTS, order_key, scheme_specs,
                                       solve_arguments, weights_key)
from greenllm.inputs import SCALABLE_FIELDS, Scenario
from greenllm.options import ModelOptions, default_options_for
from greenllm.provenance import stand_ins
from greenllm.scenario_cache import load_cached
from greenllm.solve import solve

_SCENARIO_CACHE: dict[Path, Scenario] = {}


def as_scenario(scenario: Scenario | str | os.PathLike) -> Scenario:
    """A Scenario from a Scenario or a scenario folder (loaded once per process, through the validated cache of
    :mod:`greenllm.scenario_cache`)."""
    if isinstance(scenario, Scenario):
        return scenario
    path = Path(scenario).resolve()
    if not path.is_dir():
        raise InputError(f"{scenario}: no such scenario folder; build it first, e.g. `greenllm data build paper_v1`"
                         " (or run the pipeline: `snakemake --cores 2`)")
    if path not in _SCENARIO_CACHE:
        _SCENARIO_CACHE[path] = load_cached(path)
    return _SCENARIO_CACHE[path]



def scenario_stand_ins(scenario) -> list[str]:
    """The flagged stand-ins of a scenario folder (``greenllm.provenance.stand_ins``), also of a Scenario loaded from
    one (its ``path``); [] for a Scenario made in memory."""
    if isinstance(scenario, Scenario):
        return stand_ins(scenario.path) if scenario.path is not None else []
    return stand_ins(scenario)


def scaled(scenario: Scenario, scale: Mapping[str, float] | None) -> Scenario:
    """The scenario with each field of ``scale`` multiplied by its factor (see greenllm.inputs.SCALABLE_FIELDS)."""
    for field_name, factor in (scale or {}).items():
        scenario = scenario.scaled(field_name, float(factor))
    return scenario



def solve_spec(scenario: Scenario, spec: Mapping, *, solver: str = "highs", tolerance: float = 1e-3,
               bounds: Mapping[str, float] | None = None, options: ModelOptions | None = None):
    """Solve one scheme spec (:func:`greenllm.experiments.spec.solve_arguments`) with the model ``options`` (None:
    what the scenario folder asks for)."""
    kind, kwargs = solve_arguments(spec, tolerance)
    if kind != "lexicographic":
        kwargs.pop("tolerance")
    return solve(scenario, kind, solver=solver, bounds=dict(bounds) if bounds else None, options=options, **kwargs)


def solve_point(scenario: Scenario | str | os.PathLike, schemes: Mapping[str, Mapping], *,
                scale: Mapping[str, float] | None = None, bounds: Mapping[str, float] | None = None,
                solver: str = "highs", tolerance: float = 1e-3, labels: Mapping | None = None,
                keep_results: bool = False, options: ModelOptions | None = None):
    """Solve every scheme of ``schemes`` ({name: spec}) on the scaled scenario; one record per scheme.

    An infeasible point is a record with ``status == "infeasible"`` and the solver's diagnosis in ``message``,
    not an error: sweeps cross feasibility boundaries on purpose (e.g. a tight water budget).
    With ``keep_results`` the return value is ``(records, {name: Result}, scaled scenario)``. ``options``: the model
    options (None: what the scenario folder asks for).
    """
    flagged = scenario_stand_ins(scenario)
    base = scaled(as_scenario(scenario), scale)
    options = default_options_for(base) if options is None else options
    records, results = [], {}
    for name, spec in schemes.items():
        point = {"name": name, "label": spec.get("label", name), "scale": scale, "labels": labels,
                 "stand_ins": flagged}
        try:
            result = solve_spec(base, spec, solver=solver, tolerance=tolerance, bounds=bounds, options=options)
        except InfeasibleError as err:
            records.append(infeasible_record(str(err), scheme=spec["scheme"], model=options.to_dict(), **point))
            continue
        results[name] = result
        records.append(solve_record(result.to_dict(), **point))
    if keep_results:
        return records, results, base
    return records


def flat_rows(records: Iterable[Mapping]) -> list[dict]:
    """The flat rows of records (:func:`greenllm.experiments.records.flatten`)."""
    return [flatten(r) for r in records]


# ------------------------------------------------------------------------------------------------------------------
# Experiments, in-process (each returns tidy rows; the pipeline runs the same points as separate jobs)
# ------------------------------------------------------------------------------------------------------------------


def sweep(scenario, field: str, factors: Iterable[float], schemes: Iterable[str] = ("M0", "M1", "M2"), *,
          specs: Mapping[str, Mapping] | None = None, extra_scale: Mapping[str, float] | None = None,
          solver: str = "highs", tolerance: float = 1e-3) -> pd.DataFrame:
    """Scale one input ``field`` by each factor and solve each scheme: columns scheme, field, factor, metrics."""
    if field not in SCALABLE_FIELDS:
        raise InputError(f"sweep: unknown field {field!r}; choose one of {', '.join(SCALABLE_FIELDS)}")
    chosen = scheme_specs(schemes, specs)
    out = []
    for factor in factors:
        scale = {**(extra_scale or {}), field: float(factor)}
        out += flat_rows(solve_point(scenario, chosen, scale=scale, solver=solver, tolerance=tolerance,
                                labels={"field": field, "factor": float(factor)}))
    return pd.DataFrame(out)


def scheme_table(scenario, schemes: Iterable[str] = ("M0", "M1", "M2", "M3"), *,
                 specs: Mapping[str, Mapping] | None = None, solver: str = "highs",
                 tolerance: float = 1e-3) -> pd.DataFrame:
    """One record per named scheme on the unscaled scenario (the base-case table)."""
    return pd.DataFrame(flat_rows(solve_point(scenario, scheme_specs(schemes, specs), solver=solver,
                                              tolerance=tolerance)))


def weighted_table(scenario, weights: Iterable[Sequence[float]] = PAPER_WEIGHTS, *,
                   solver: str = "highs") -> pd.DataFrame:
    """The weighted-sum sensitivity table: one record per weight vector (E, C, D)."""
    rows = []
    for w in weights:
        spec = {"scheme": "weighted", "weights": [float(v) for v in w], "label": f"weights {weights_key(w)}"}
        rows += flat_rows(solve_point(scenario, {weights_key(w): spec}, solver=solver,
                                      labels={"w_energy": float(w[0]), "w_carbon": float(w[1]),
                                              "w_delay": float(w[2])}))
    return pd.DataFrame(rows)


def lexicographic_table(scenario, orders: Iterable[Sequence[str]] = ALL_ORDERS, *, tolerance: float = 1e-3,
                        solver: str = "highs") -> pd.DataFrame:
    """One record per priority order, with each stage's optimum (see :func:`stage_columns`)."""
    rows = []
    for order in orders:
        spec = {"scheme": "lexicographic", "order": list(order), "label": " > ".join(order)}
        rows += flat_rows(solve_point(scenario, {order_key(order): spec}, solver=solver, tolerance=tolerance,
                                      labels={"order": order_key(order), "tolerance": float(tolerance)}))
    return stage_columns(pd.DataFrame(rows))


def stage_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Spread the ``stages`` list of lexicographic records into stage{p}_objective / stage{p}_optimum_usd columns."""
    if "stages" not in frame.columns:
        return frame
    frame = frame.copy()
    for p in range(3):
        frame[f"stage{p + 1}_objective"] = [s[p]["objective"] if isinstance(s, list) and len(s) > p else None
                                            for s in frame["stages"]]
        frame[f"stage{p + 1}_optimum_usd"] = [s[p]["optimum"] if isinstance(s, list) and len(s) > p else np.nan
                                              for s in frame["stages"]]
    return frame.drop(columns="stages")


def tolerance_sweep(scenario, tolerances: Iterable[float], order: Sequence[str] = OBJECTIVES, *,
                    solver: str = "highs") -> pd.DataFrame:
    """The lexicographic order with its relative tolerance swept: one record per tolerance."""
    spec = {"scheme": "lexicographic", "order": list(order), "label": " > ".join(order)}
    rows = []
    for tol in tolerances:
        rows += flat_rows(solve_point(scenario, {"LEX": spec}, solver=solver, tolerance=float(tol),
                                      labels={"order": order_key(order), "tolerance": float(tol)}))
    return pd.DataFrame(rows)


def tolerance_tradeoff(frame: pd.DataFrame) -> pd.DataFrame:
    """Relative changes against the smallest tolerance: cost increase and carbon/emissions/water reductions [%].

    ``energy_increase_pct`` is the energy cost above its lexicographic minimum (the first stage's optimum, the
    "cost" the paper keeps "within 3% of the minimum"); reductions are relative to the tightest tolerance's point.
    """
    frame = frame.sort_values("tolerance").reset_index(drop=True)
    ref = frame.iloc[0]
    out = frame[["tolerance", "total_usd", "energy_usd", "carbon_usd", "delay_usd", "emissions_kg", "water_l"]].copy()
    out["tolerance_pct"] = 100 * out["tolerance"]
    energy_min = frame["stages"].iloc[0][0]["optimum"] if "stages" in frame.columns else ref["energy_usd"]
    out["energy_increase_pct"] = 100 * (out["energy_usd"] / energy_min - 1)
    for column, name in (("carbon_usd", "carbon_cost"), ("emissions_kg", "emissions"), ("water_l", "water")):
        out[f"{name}_reduction_pct"] = 100 * (1 - out[column] / ref[column])
    return out


def water_budget_sweep(scenario, factors: Iterable[float], schemes: Iterable[str] = ("M0",), *,
                       specs: Mapping[str, Mapping] | None = None, solver: str = "highs",
                       tolerance: float = 1e-3) -> pd.DataFrame:
    """Scale the daily water budget Z; a budget below what serving all demand needs gives infeasible records."""
    return sweep(scenario, "water_budget", factors, schemes, specs=specs, solver=solver, tolerance=tolerance)


def carbon_bound(anchors: pd.DataFrame, index: int, n_points: int) -> float:
    """The index-th of n_points carbon-cost bounds [$] spread evenly between the carbon-only minimum (index 0) and
    the carbon cost of the energy-only optimum (index n_points - 1).

    ``anchors`` holds the records of the schemes "energy" (M1) and "carbon" (M2) in columns scheme_kind or scheme.
    The carbon-minimum end gets a relative slack of 1e-6, so that solver round-off cannot make it infeasible.
    """
    lo, hi = _anchor_carbon(anchors)
    if n_points < 2 or not 0 <= index < n_points:
        raise InputError(f"pareto: point {index} of {n_points} is out of range (need n_points >= 2)")
    eps = lo + (hi - lo) * index / (n_points - 1)
    return max(eps, lo * (1 + 1e-6))


def _anchor_carbon(anchors: pd.DataFrame) -> tuple[float, float]:
    kinds = anchors.get("scheme_kind", anchors["scheme"])
    by_kind = dict(zip(kinds, anchors["carbon_usd"], strict=True))
    if "carbon" not in by_kind or "energy" not in by_kind:
        raise InputError("pareto: the anchors need an energy-only and a carbon-only record")
    return float(by_kind["carbon"]), float(by_kind["energy"])


def pareto_point(scenario, anchors: pd.DataFrame, index: int, n_points: int, *, solver: str = "highs",
                 options: ModelOptions | None = None) -> dict:
    """Epsilon-constraint point: minimise energy cost subject to carbon cost <= the index-th bound (a record)."""
    eps = carbon_bound(anchors, index, n_points)
    spec = {"scheme": "energy", "label": "min energy s.t. carbon <= eps"}
    (row,) = solve_point(scenario, {"pareto": spec}, bounds={"carbon": eps}, solver=solver, options=options,
                         labels={"index": int(index), "carbon_bound_usd": eps})
    return row


def pareto_front(scenario, n_points: int = 9, *, solver: str = "highs") -> pd.DataFrame:
    """The energy-vs-carbon Pareto frontier by the epsilon-constraint method (n_points points)."""
    anchors = pd.DataFrame(flat_rows(solve_point(scenario, {"energy": {"scheme": "energy"},
                                                            "carbon": {"scheme": "carbon"}}, solver=solver)))
    return pd.DataFrame(flat_rows(pareto_point(scenario, anchors, k, n_points, solver=solver)
                                  for k in range(n_points)))


def hourly_profiles(scenario, field: str, factors: Iterable[float], schemes: Iterable[str] = ("M0", "M1", "M2"),
                    *, specs: Mapping[str, Mapping] | None = None, solver: str = "highs",
                    tolerance: float = 1e-3) -> pd.DataFrame:
    """Per-hour costs [$], emissions [kg], water [L] and power [kW] for each scheme and factor of ``field``."""
    from greenllm.results import hourly

    chosen = scheme_specs(schemes, specs)
    frames = []
    for factor in factors:
        _, results, base = solve_point(scenario, chosen, scale={field: float(factor)}, solver=solver,
                                       tolerance=tolerance, keep_results=True)
        for name, result in results.items():
            frames.append(hourly(base, result).assign(scheme=name, label=chosen[name]["label"], field=field,
                                                      factor=float(factor)))
    return pd.concat(frames, ignore_index=True)


def latency_distribution(scenario, schemes: Iterable[str] = ("M0", "M1", "M2", "LEX"), *,
                         specs: Mapping[str, Mapping] | None = None, solver: str = "highs",
                         tolerance: float = 1e-3) -> pd.DataFrame:
    """Per-query latency [s] of every route in use, with the queries it carries, for each scheme."""
    from greenllm.results import query_latency

    base = as_scenario(scenario)
    chosen = scheme_specs(schemes, specs)
    _, results, _ = solve_point(base, chosen, solver=solver, tolerance=tolerance, keep_results=True)
    return pd.concat([query_latency(base, r).assign(scheme=name, label=chosen[name]["label"])
                      for name, r in results.items()], ignore_index=True)


def latency_summary(latency: pd.DataFrame, claim_s: float = 2.0) -> pd.DataFrame:
    """Per scheme: mean, median, 95th and 99th percentile and maximum per-query latency [s], weighted by queries,
    and the share of queries served within ``claim_s`` seconds [%]."""
    rows = []
    for scheme, group in latency.groupby("scheme", sort=False):
        values, weights = group["latency_s"].to_numpy(), group["queries"].to_numpy()
        rows.append({
            "scheme": scheme,
            "queries": float(weights.sum()),
            "mean_s": float(np.average(values, weights=weights)),
            "p50_s": weighted_quantile(values, weights, 0.50),
            "p95_s": weighted_quantile(values, weights, 0.95),
            "p99_s": weighted_quantile(values, weights, 0.99),
            "max_s": float(values.max()),
            f"share_within_{claim_s:g}s_pct": float(100 * weights[values <= claim_s].sum() / weights.sum()),
        })
    return pd.DataFrame(rows)


def allocation_by_dc(scenario, schemes: Iterable[str] = ("M0", "M1", "M2", "LEX"), *,
                     specs: Mapping[str, Mapping] | None = None, solver: str = "highs",
                     tolerance: float = 1e-3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(records, allocation): one record per scheme, and the queries each data centre serves per hour and scheme."""
    from greenllm.results import allocation

    base = as_scenario(scenario)
    chosen = scheme_specs(schemes, specs)
    records, results, _ = solve_point(base, chosen, solver=solver, tolerance=tolerance, keep_results=True)
    frames = [served_per_dc_hour(base, allocation(base, r)).assign(scheme=name, label=chosen[name]["label"])
              for name, r in results.items()]
    return pd.DataFrame(flat_rows(records)), pd.concat(frames, ignore_index=True)


def served_per_dc_hour(scenario: Scenario, routes: pd.DataFrame) -> pd.DataFrame:
    """Queries served per (hour, data centre), summed over areas and types, with data-centre names."""
    grid = pd.MultiIndex.from_product([range(scenario.n_hours), range(scenario.n_dcs)], names=["hour", "dc"])
    served = routes.groupby(["hour", "dc"])["queries"].sum().reindex(grid, fill_value=0.0).reset_index()
    served["dc_name"] = [scenario.dc_names[j] for j in served["dc"]]
    return served


# ------------------------------------------------------------------------------------------------------------------
# Inputs, as tidy frames for the input figures
# ------------------------------------------------------------------------------------------------------------------


def dc_hour_inputs(scenario) -> pd.DataFrame:
    """Per (data centre, hour): price [$/kWh], carbon intensity [kg/kWh], on-site renewables [kW]."""
    s = as_scenario(scenario)
    j, t = np.meshgrid(np.arange(s.n_dcs), np.arange(s.n_hours), indexing="ij")
    return pd.DataFrame({
        "dc": j.ravel(), "dc_name": [s.dc_names[v] for v in j.ravel()], "hour": t.ravel(),
        "price_usd_per_kwh": s.price_usd_per_kwh.ravel(), "carbon_kg_per_kwh": s.carbon_kg_per_kwh.ravel(),
        "renewable_kw": s.renewable_kw.ravel(),
    })


def demand_inputs(scenario) -> pd.DataFrame:
    """Per (area, type, hour): queries per hour."""
    s = as_scenario(scenario)
    i, k, t = np.meshgrid(np.arange(s.n_areas), np.arange(s.n_types), np.arange(s.n_hours), indexing="ij")
    return pd.DataFrame({
        "area": i.ravel(), "area_name": [s.area_names[v] for v in i.ravel()],
        "type": k.ravel(), "type_name": [s.type_names[v] for v in k.ravel()],
        "hour": t.ravel(), "queries": s.queries.ravel(),
    })

