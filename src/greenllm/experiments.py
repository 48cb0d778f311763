"""The compendium's experiments: which solves each figure and table needs, as library calls.

Every experiment has two spellings that give the same tidy rows:

* in-process, for a notebook run on its own in JupyterLab: ``sweep(scenario, "renewable", factors)``;
* one solve job per point, for the Snakemake pipeline: ``python -m greenllm.experiments solve ...`` writes a JSON
  file ``{"records": [...]}`` (and optionally per-hour, per-query and per-route CSVs), and the notebook reads those
  files back with :func:`read_records`.

A *record* is one solved (or infeasible) point, flat: the scheme's name and label, the scale factors and other
labels of the point, ``status``, ``total_usd``, ``energy_usd``, ``carbon_usd``, ``delay_usd`` [$ per day],
``emissions_kg`` [kg CO2e per day], ``water_l`` [L per day], ``objective`` and, for lexicographic schemes, the
``stages`` (objective and optimum of each stage).

Schemes are named (``M0``, ``M1`` ...) and specified by dicts such as ``{"scheme": "weighted", "weights": [...]}``;
:data:`PAPER_SCHEMES` holds the paper's and ``config/config.yaml`` may redefine or add others.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.errors import GreenLLMError, InfeasibleError, InputError
from greenllm.inputs import SCALABLE_FIELDS, Scenario
from greenllm.scenario_cache import load_cached
from greenllm.solve import solve
from greenllm.year import MODES as YEAR_MODES

OBJECTIVES = ("energy", "carbon", "delay")
"""The three cost components, in the order of the weight vectors (E, C, D)."""

PAPER_SCHEMES: dict[str, dict] = {
    "M0": {"scheme": "weighted", "weights": [1 / 3, 1 / 3, 1 / 3], "label": "M0 Green-LLM (equal weights)"},
    "M1": {"scheme": "energy", "label": "M1 Energy-LLM (energy only)"},
    "M2": {"scheme": "carbon", "label": "M2 Carbon-LLM (carbon only)"},
    "M3": {"scheme": "weighted", "weights": [0.25, 0.5, 0.25], "label": "M3 weights (1/4, 1/2, 1/4)"},
    "LEX": {"scheme": "lexicographic", "order": ["energy", "carbon", "delay"],
            "label": "Lexicographic energy > carbon > delay"},
}
"""The schemes of the paper (arXiv 2507.09942 v1, and the authors' notebook ``model/Experiment.ipynb``, as described
in ``shared/reference/paper_v1/README.md`` section "Schemes"): M0 is the paper's "Green-LLM" with equal weights,
M1 "Energy-LLM", M2 "Carbon-LLM", M3 the weights (1/4, 1/2, 1/4) of its base-case table; LEX is the lexicographic
method of paper v2 (energy cost first, then carbon, then delay)."""

PAPER_WEIGHTS: list[list[float]] = [
    [1 / 3, 1 / 3, 1 / 3], [0.6, 0.2, 0.2], [0.2, 0.6, 0.2], [0.2, 0.2, 0.6], [0.45, 0.45, 0.1], [0.45, 0.1, 0.45],
]
"""The weight vectors (E, C, D) of the paper's weighted-sum sensitivity table (same source as PAPER_SCHEMES)."""

ALL_ORDERS: list[tuple[str, ...]] = list(itertools.permutations(OBJECTIVES))
"""All six lexicographic priority orders."""

METRICS: dict[str, str] = {
    "total_usd": "Total cost [$/day]",
    "energy_usd": "Energy cost [$/day]",
    "carbon_usd": "Carbon cost [$/day]",
    "delay_usd": "Delay penalty [$/day]",
    "emissions_kg": "Emissions [kg CO2e/day]",
    "water_l": "Water use [L/day]",
}
"""Record columns that hold a result, with the axis label (and unit) a plot gives them."""

_SCENARIO_CACHE: dict[Path, Scenario] = {}


# ------------------------------------------------------------------------------------------------------------------
# Scenarios and schemes
# ------------------------------------------------------------------------------------------------------------------


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


def scheme_specs(names: Iterable[str], specs: Mapping[str, Mapping] | None = None) -> dict[str, dict]:
    """{name: spec} for the named schemes, looked up in ``specs`` first and then in :data:`PAPER_SCHEMES`."""
    known = {**PAPER_SCHEMES, **(specs or {})}
    out = {}
    for name in names:
        if name not in known:
            raise InputError(f"scheme {name!r} is not defined; known schemes: {', '.join(known)}")
        spec = dict(known[name])
        spec.setdefault("label", name)
        out[name] = spec
    return out


def weights_key(weights: Sequence[float]) -> str:
    """A short, file-name-safe key of a weight vector: (1/3, 1/3, 1/3) -> '0.333-0.333-0.333'."""
    return "-".join(f"{w:.3g}" for w in weights)


def order_key(order: Sequence[str]) -> str:
    """'energy-carbon-delay' for the order (energy, carbon, delay)."""
    return "-".join(order)


def scaled(scenario: Scenario, scale: Mapping[str, float] | None) -> Scenario:
    """The scenario with each field of ``scale`` multiplied by its factor (see greenllm.inputs.SCALABLE_FIELDS)."""
    for field_name, factor in (scale or {}).items():
        scenario = scenario.scaled(field_name, float(factor))
    return scenario


def solve_spec(scenario: Scenario, spec: Mapping, *, solver: str = "highs", tolerance: float = 1e-3,
               bounds: Mapping[str, float] | None = None):
    """Solve one scheme spec; a lexicographic spec's own ``tolerance`` wins over the argument."""
    kwargs: dict = {}
    if spec["scheme"] == "weighted":
        kwargs["weights"] = tuple(float(w) for w in spec["weights"])
    if spec["scheme"] == "lexicographic":
        kwargs["order"] = tuple(spec.get("order", OBJECTIVES))
        kwargs["tolerance"] = float(spec.get("tolerance", tolerance))
    return solve(scenario, spec["scheme"], solver=solver, bounds=dict(bounds) if bounds else None, **kwargs)


def record(summary: Mapping, **labels) -> dict:
    """A flat record from ``Result.to_dict()`` (or the JSON of ``greenllm solve --json``) plus labels."""
    costs = summary.get("costs", {})
    row = dict(labels)
    row.update({
        "status": summary.get("status"),
        "total_usd": costs.get("total", np.nan),
        "energy_usd": costs.get("energy", np.nan),
        "carbon_usd": costs.get("carbon", np.nan),
        "delay_usd": costs.get("delay", np.nan),
        "emissions_kg": summary.get("emissions_kg", np.nan),
        "water_l": summary.get("water_l", np.nan),
        "objective": summary.get("objective", np.nan),
        "solver": summary.get("solver"),
        "solve_seconds": summary.get("solve_seconds", np.nan),
    })
    if summary.get("stages") and len(summary["stages"]) > 1:
        row["stages"] = [dict(s) for s in summary["stages"]]
    if summary.get("weights") is not None and "w_energy" not in row:
        row.update(zip(("w_energy", "w_carbon", "w_delay"), (float(w) for w in summary["weights"])))
    if summary.get("order") is not None:
        row.setdefault("order", order_key(summary["order"]))
        row.setdefault("tolerance", summary.get("tolerance"))
    return row


def _infeasible(err: InfeasibleError, **labels) -> dict:
    row = dict(labels)
    row.update({"status": "infeasible", "message": str(err)})
    row.update({metric: np.nan for metric in METRICS})
    return row


def solve_point(scenario: Scenario | str | os.PathLike, schemes: Mapping[str, Mapping], *,
                scale: Mapping[str, float] | None = None, bounds: Mapping[str, float] | None = None,
                solver: str = "highs", tolerance: float = 1e-3, labels: Mapping | None = None,
                keep_results: bool = False):
    """Solve every scheme of ``schemes`` ({name: spec}) on the scaled scenario; one record per scheme.

    An infeasible point is a record with ``status == "infeasible"`` and the solver's diagnosis in ``message``,
    not an error: sweeps cross feasibility boundaries on purpose (e.g. a tight water budget).
    With ``keep_results`` the return value is ``(records, {name: Result}, scaled scenario)``.
    """
    base = scaled(as_scenario(scenario), scale)
    scale_labels = {f"scale_{name}": float(factor) for name, factor in (scale or {}).items()}
    records, results = [], {}
    for name, spec in schemes.items():
        point_labels = {"scheme": name, "scheme_kind": spec["scheme"], "label": spec.get("label", name),
                        **scale_labels, **(labels or {})}
        try:
            result = solve_spec(base, spec, solver=solver, tolerance=tolerance, bounds=bounds)
        except InfeasibleError as err:
            records.append(_infeasible(err, **point_labels))
            continue
        results[name] = result
        records.append(record(result.to_dict(), **point_labels))
    if keep_results:
        return records, results, base
    return records


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
    rows = []
    for factor in factors:
        scale = {**(extra_scale or {}), field: float(factor)}
        rows += solve_point(scenario, chosen, scale=scale, solver=solver, tolerance=tolerance,
                            labels={"field": field, "factor": float(factor)})
    return pd.DataFrame(rows)


def scheme_table(scenario, schemes: Iterable[str] = ("M0", "M1", "M2", "M3"), *,
                 specs: Mapping[str, Mapping] | None = None, solver: str = "highs",
                 tolerance: float = 1e-3) -> pd.DataFrame:
    """One record per named scheme on the unscaled scenario (the base-case table)."""
    return pd.DataFrame(solve_point(scenario, scheme_specs(schemes, specs), solver=solver, tolerance=tolerance))


def weighted_table(scenario, weights: Iterable[Sequence[float]] = PAPER_WEIGHTS, *,
                   solver: str = "highs") -> pd.DataFrame:
    """The weighted-sum sensitivity table: one record per weight vector (E, C, D)."""
    rows = []
    for w in weights:
        spec = {"scheme": "weighted", "weights": [float(v) for v in w], "label": f"weights {weights_key(w)}"}
        rows += solve_point(scenario, {weights_key(w): spec}, solver=solver,
                            labels={"w_energy": float(w[0]), "w_carbon": float(w[1]), "w_delay": float(w[2])})
    return pd.DataFrame(rows)


def lexicographic_table(scenario, orders: Iterable[Sequence[str]] = ALL_ORDERS, *, tolerance: float = 1e-3,
                        solver: str = "highs") -> pd.DataFrame:
    """One record per priority order, with each stage's optimum (see :func:`stage_columns`)."""
    rows = []
    for order in orders:
        spec = {"scheme": "lexicographic", "order": list(order), "label": " > ".join(order)}
        rows += solve_point(scenario, {order_key(order): spec}, solver=solver, tolerance=tolerance,
                            labels={"order": order_key(order), "tolerance": float(tolerance)})
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
        rows += solve_point(scenario, {"LEX": spec}, solver=solver, tolerance=float(tol),
                            labels={"order": order_key(order), "tolerance": float(tol)})
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


def pareto_point(scenario, anchors: pd.DataFrame, index: int, n_points: int, *, solver: str = "highs") -> dict:
    """Epsilon-constraint point: minimise energy cost subject to carbon cost <= the index-th bound."""
    eps = carbon_bound(anchors, index, n_points)
    spec = {"scheme": "energy", "label": "min energy s.t. carbon <= eps"}
    (row,) = solve_point(scenario, {"pareto": spec}, bounds={"carbon": eps}, solver=solver,
                         labels={"index": int(index), "carbon_bound_usd": eps})
    return row


def pareto_front(scenario, n_points: int = 9, *, solver: str = "highs") -> pd.DataFrame:
    """The energy-vs-carbon Pareto frontier by the epsilon-constraint method (n_points points)."""
    anchors = pd.DataFrame(solve_point(scenario, {"energy": {"scheme": "energy"}, "carbon": {"scheme": "carbon"}},
                                       solver=solver))
    return pd.DataFrame([pareto_point(scenario, anchors, k, n_points, solver=solver) for k in range(n_points)])


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


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The q-quantile of ``values`` when each value counts ``weights`` times (inverse of the weighted ECDF)."""
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    position = np.searchsorted(cumulative, q * cumulative[-1], side="left")
    return float(values[order][min(position, len(values) - 1)])


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
    return pd.DataFrame(records), pd.concat(frames, ignore_index=True)


def served_per_dc_hour(scenario: Scenario, routes: pd.DataFrame) -> pd.DataFrame:
    """Queries served per (hour, data centre), summed over areas and types, with data-centre names."""
    grid = pd.MultiIndex.from_product([range(scenario.n_hours), range(scenario.n_dcs)], names=["hour", "dc"])
    served = routes.groupby(["hour", "dc"])["queries"].sum().reindex(grid, fill_value=0.0).reset_index()
    served["dc_name"] = [scenario.dc_names[j] for j in served["dc"]]
    return served


# ------------------------------------------------------------------------------------------------------------------
# Beyond the paper (docs/per_query.md): formulations, hardware mixes, a year of operation, scale
# ------------------------------------------------------------------------------------------------------------------


def solve_arguments(spec: Mapping, tolerance: float = 1e-3) -> tuple[str, dict]:
    """(scheme kind, keyword arguments of greenllm.solve.solve) of a scheme spec; a spec's own tolerance wins."""
    kind = spec["scheme"]
    kwargs: dict = {"tolerance": float(spec.get("tolerance", tolerance))}
    if kind == "weighted":
        kwargs["weights"] = tuple(float(w) for w in spec["weights"])
    if kind == "lexicographic":
        kwargs["order"] = tuple(spec.get("order", OBJECTIVES))
    return kind, kwargs


def formulation_comparison(scenario, schemes: Iterable[str] = ("M0", "M1", "M2", "LEX"), *,
                           specs: Mapping[str, Mapping] | None = None, solver: str = "highs",
                           tolerance: float = 1e-3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Paper vs per-query formulation on the same scenario, for each scheme: (records, latency).

    ``records``: one row per (scheme, formulation) from :func:`greenllm.per_query.compare_formulations`: the
    allocation each formulation chooses, costed under the per-query physics (``total_usd``, ``energy_usd``,
    ``carbon_usd``, ``delay_usd`` [$/day], ``emissions_kg``, ``water_l``, ``accelerator_hours`` [accelerator-h/day],
    ``latency_mean_s``, ``latency_p95_s`` [s], ``share_within_slo`` [-] and limit excesses), and the optimum each
    formulation reports itself (``native_*``). ``latency``: the per-query latency [s] and SLO of every route in use,
    with the queries it carries (weights of the distribution), per scheme and formulation.
    """
    from greenllm.per_query import compare_formulations, load_inputs

    s = as_scenario(scenario)
    inputs = load_inputs(s)
    chosen = scheme_specs(schemes, specs)
    rows, tables = [], []
    for name, spec in chosen.items():
        kind, kwargs = solve_arguments(spec, tolerance)
        labels = {"scheme": name, "scheme_kind": kind, "label": spec["label"]}
        try:
            summary, latency = compare_formulations(s, kind, solver=solver, inputs=inputs, **kwargs)
        except InfeasibleError as err:
            rows.append(_infeasible(err, **labels))
            continue
        rows += [{**labels, "status": "optimal", **{k: v for k, v in r.items() if k != "scheme"}}
                 for r in summary.to_dict("records")]
        tables.append(latency.drop(columns="scheme").assign(**labels))
    return pd.DataFrame(rows), (pd.concat(tables, ignore_index=True) if tables else pd.DataFrame())


def mix_per_dc(accelerators: Sequence[str], n_dcs: int) -> list[str]:
    """A hardware mix as one accelerator name per data centre: data centre j gets ``accelerators[j % len]``."""
    if isinstance(accelerators, str):
        accelerators = [accelerators]
    if not accelerators:
        raise InputError("hardware mix: give at least one accelerator name")
    return [str(accelerators[j % len(accelerators)]) for j in range(n_dcs)]


def hardware_mixes(scenario, mixes: Mapping[str, Sequence[str]], schemes: Iterable[str] = ("M0", "M1", "M2", "LEX"),
                   *, specs: Mapping[str, Mapping] | None = None, labels: Mapping[str, str] | None = None,
                   solver: str = "highs", tolerance: float = 1e-3) -> pd.DataFrame:
    """Per-query solves for each hardware mix {name: accelerator names assigned to the data centres in turn} and
    each scheme: one record per (mix, scheme), from :func:`greenllm.per_query.hardware_mix` (costs [$/day],
    emissions [kg/day], water [L/day], accelerator-hours, latency [s]; ``status='infeasible'`` with the reason)."""
    from greenllm.per_query import hardware_mix, load_inputs

    s = as_scenario(scenario)
    inputs = load_inputs(s)
    chosen = scheme_specs(schemes, specs)
    rows = []
    for mix, accelerators in mixes.items():
        per_dc = mix_per_dc(accelerators, s.n_dcs)
        counts = pd.Series(per_dc).value_counts(sort=False)
        described = ", ".join(f"{n} x {name}" for name, n in counts.items())
        for name, spec in chosen.items():
            kind, kwargs = solve_arguments(spec, tolerance)
            frame = hardware_mix(s, {mix: per_dc}, kind, solver=solver, inputs=inputs, **kwargs)
            for row in frame.to_dict("records"):
                rows.append({"mix": mix, "mix_label": (labels or {}).get(mix, mix), "accelerators": described,
                             "scheme": name, "scheme_kind": kind, "label": spec["label"],
                             **{k: v for k, v in row.items() if k != "mix"}})
    return pd.DataFrame(rows)


def year_days(scenario, month: int | None = None) -> list[int]:
    """The whole days of a multi-day scenario folder (greenllm.year windows), or those in calendar ``month``
    (1-12, by the folder's ``start_date``)."""
    from greenllm import year

    s = as_scenario(scenario)
    days = list(range(year.n_days(s)))
    if month is None:
        return days
    dates = year.start_date(s) + pd.to_timedelta(days, unit="D")
    return [d for d, date in zip(days, dates, strict=True) if date.month == int(month)]


def year_months(scenario) -> list[int]:
    """The calendar months (1-12) a multi-day scenario folder covers, in order."""
    from greenllm import year

    s = as_scenario(scenario)
    dates = year.start_date(s) + pd.to_timedelta(range(year.n_days(s)), unit="D")
    return list(dict.fromkeys(int(m) for m in dates.month))


def year_windows(scenario, scheme: str = "M0", *, specs: Mapping[str, Mapping] | None = None,
                 modes: Iterable[str] | None = None, days: Iterable[int] | None = None,
                 month: int | None = None, formulation: str = "paper", solver: str = "highs",
                 tolerance: float = 1e-3) -> list[dict]:
    """Solve the daily windows of a multi-day folder (:func:`greenllm.year.solve_window`), one row per (day, mode).

    ``days``: day indices (default: all, or those of ``month``). Rows carry the realised costs [$/day], emissions
    [kg/day], water [L/day] and limit excesses of each day, ``scheme`` (the name), ``scheme_kind`` and ``label``.
    """
    from greenllm import year

    s = as_scenario(scenario)
    (name, spec), = scheme_specs([scheme], specs).items()
    kind, kwargs = solve_arguments(spec, tolerance)
    days = list(days) if days is not None else year_days(s, month)
    rows = []
    for day in days:
        for mode in modes or year.MODES:
            row = year.solve_window(s, day, mode=mode, scheme=kind, formulation=formulation, solver=solver,
                                    **kwargs)
            rows.append({**row, "scheme": name, "scheme_kind": kind, "label": spec["label"]})
    return rows


EXCESS_COLUMNS: dict[str, str] = {
    "grid_excess_kw": "days_over_grid_cap",
    "water_excess_l": "days_over_water_budget",
    "resource_excess": "days_over_capacity",
    "capacity_excess_accelerators": "days_over_capacity",
    "delay_cap_excess_s": "days_over_delay_cap",
    "slo_violating_queries": "days_over_slo",
}
"""Limit-excess columns of year windows (greenllm.year.evaluate) -> the count of days with an excess."""


def year_summary(frame: pd.DataFrame, tolerance: float = 1e-6) -> pd.DataFrame:
    """One row per mode over the days solved in every mode: totals [$, kg, L], days solved and infeasible, days on
    which the realised allocation breaks a limit (excess above ``tolerance`` relative to 1), and the extra cost of
    the mode over perfect foresight (``extra_usd``, ``extra_pct``; the cost of imperfect forecasts)."""
    from greenllm import year

    ok = frame[frame["status"] == "optimal"]
    present = list(dict.fromkeys(frame["mode"]))
    modes = sorted(present, key=lambda m: (year.MODES.index(m) if m in year.MODES else len(year.MODES), m))
    common_days = set.intersection(*(set(ok.loc[ok["mode"] == m, "day"]) for m in modes)) if modes else set()
    rows = []
    for mode in modes:
        part = frame[frame["mode"] == mode]
        solved = part[(part["status"] == "optimal") & part["day"].isin(common_days)]
        row = {"mode": mode, "days": int(len(part)), "infeasible_days": int((part["status"] != "optimal").sum()),
               "days_compared": int(len(solved))}
        row.update({column: float(solved[column].sum()) for column in year.VALUE_COLUMNS})
        for column, name in EXCESS_COLUMNS.items():
            if column in solved.columns:
                row[name] = row.get(name, 0) + int((solved[column].fillna(0.0) > tolerance).sum())
        rows.append(row)
    out = pd.DataFrame(rows)
    if "perfect" in modes:
        perfect = float(out.loc[out["mode"] == "perfect", "total_usd"].iloc[0])
        out["extra_usd"] = out["total_usd"] - perfect
        out["extra_pct"] = 100.0 * out["extra_usd"] / abs(perfect) if perfect else np.nan
    return out


def read_year_rows(files: Iterable[str | os.PathLike]) -> pd.DataFrame:
    """The window rows of the pipeline's year jobs (``{"rows": [...]}`` per file) as one frame by mode and day."""
    from greenllm import year

    rows = []
    for path in files:
        rows += json.loads(Path(path).read_text())["rows"]
    return year.aggregate(rows)


BENCH_SCALE = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_scale.py"
"""The scale benchmark of the repository (issue 5): instances and one measured point per child process."""


def _bench_module():
    import importlib.util

    if not BENCH_SCALE.is_file():
        raise InputError(f"{BENCH_SCALE}: the scale benchmark is missing (run from a checkout of the repository)")
    spec = importlib.util.spec_from_file_location("bench_scale", BENCH_SCALE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def scaling(runs: Mapping[str, Iterable[int]], scheme: str = "weighted") -> pd.DataFrame:
    """Build and solve benchmarks/bench_scale.py instances: ``runs`` = {formulation: sizes} (N areas = N data
    centres, 5 types, 24 hours). One fresh process per point (so peak memory is the point's own); one row per
    point with routes, kept routes, variables, constraints, nonzeros, ``build_s``, ``solve_s`` [s] and ``peak_mb``
    [MB]. Timings depend on the machine and its load."""
    import subprocess
    import tempfile

    bench = _bench_module()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for formulation, sizes in runs.items():
            model = "per_query" if formulation.startswith("per_query") else formulation
            for n in sizes:
                folder = bench.write_instance(Path(tmp) / f"{formulation}_{n}", int(n), formulation)
                done = subprocess.run([sys.executable, str(BENCH_SCALE), "--scheme", scheme, "--child", str(folder),
                                       model], capture_output=True, text=True)
                if done.returncode != 0:
                    raise GreenLLMError(f"scaling: {formulation} at size {n} failed: {done.stderr.strip()[-500:]}")
                point = json.loads(done.stdout.strip().splitlines()[-1])
                rows.append({"formulation": formulation, "n": int(n), "scheme": scheme, **point})
    return pd.DataFrame(rows)


def growth_exponent(x, y) -> float:
    """Least-squares slope of log y on log x (y ~ x^a); NaN with fewer than two points."""
    x, y = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    return float(np.polyfit(x, y, 1)[0]) if len(x) >= 2 else float("nan")


def scaling_exponents(frame: pd.DataFrame) -> pd.DataFrame:
    """Per formulation: growth exponents of solve and build seconds and peak memory in the number of variables,
    and the largest size's solve seconds, peak MB and build share of solve time."""
    rows = []
    for formulation, part in frame.groupby("formulation", sort=False):
        part = part.sort_values("variables")
        largest = part.iloc[-1]
        rows.append({
            "formulation": formulation, "points": int(len(part)),
            "solve_s_exponent": growth_exponent(part["variables"], part["solve_s"]),
            "build_s_exponent": growth_exponent(part["variables"], part["build_s"]),
            "peak_mb_exponent": growth_exponent(part["variables"], part["peak_mb"]),
            "largest_n": int(largest["n"]), "largest_variables": int(largest["variables"]),
            "largest_solve_s": float(largest["solve_s"]), "largest_peak_mb": float(largest["peak_mb"]),
            "largest_build_share": float(largest["build_s"] / largest["solve_s"]),
        })
    return pd.DataFrame(rows)


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


# ------------------------------------------------------------------------------------------------------------------
# Reading the pipeline's result files
# ------------------------------------------------------------------------------------------------------------------


def read_records(files: Iterable[str | os.PathLike] | Mapping[str, str | os.PathLike]) -> pd.DataFrame:
    """Concatenate result files into one frame of records.

    Each file is either ``{"records": [...]}`` (written by ``python -m greenllm.experiments solve``) or the bare
    summary printed by ``greenllm solve --json``; a bare summary gets ``scheme`` from the mapping's key (or the file
    stem when ``files`` is a list).
    """
    items = files.items() if isinstance(files, Mapping) else ((Path(f).stem, f) for f in files)
    rows = []
    for name, path in items:
        data = json.loads(Path(path).read_text())
        if "records" in data:
            rows += data["records"]
        else:
            rows.append(record(data, scheme=name, scheme_kind=data.get("scheme")))
    return pd.DataFrame(rows)


def read_tables(files: Iterable[str | os.PathLike]) -> pd.DataFrame:
    """Concatenate CSV files written by the pipeline's solve jobs (hourly, latency, allocation)."""
    return pd.concat([pd.read_csv(f) for f in files], ignore_index=True)


# ------------------------------------------------------------------------------------------------------------------
# Command line for the pipeline's solve jobs: python -m greenllm.experiments {solve,pareto-point}
# ------------------------------------------------------------------------------------------------------------------


def _key_value(text: str) -> tuple[str, float | str]:
    if "=" not in text:
        raise InputError(f"expected KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    try:
        return key, float(value)
    except ValueError:
        return key, value


def _write_json(path: str | os.PathLike, payload) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(payload, indent=1, default=_json_default) + "\n")
    os.replace(tmp, path)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON-serialisable: {value!r}")


def _write_csv(path: str | os.PathLike, frame: pd.DataFrame) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)


def _clean(records: list[dict]) -> list[dict]:
    """NaN -> None, so the JSON is standard."""
    return [{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()} for r in records]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m greenllm.experiments",
                                     description="Solve jobs of the compendium pipeline (one point per call).")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("solve", help="solve named schemes at one point; write records (and per-hour/query CSVs)")
    p.add_argument("scenario", help="scenario folder")
    p.add_argument("--schemes", required=True, help='JSON {name: spec}, e.g. {"M1": {"scheme": "energy"}}')
    p.add_argument("--scale", action="append", default=[], metavar="FIELD=FACTOR")
    p.add_argument("--bound", action="append", default=[], metavar="COMPONENT=VALUE")
    p.add_argument("--label", action="append", default=[], metavar="KEY=VALUE", help="extra columns of the records")
    p.add_argument("--solver", default="highs")
    p.add_argument("--tolerance", type=float, default=1e-3, help="relative lexicographic tolerance")
    p.add_argument("--out", required=True, help="records JSON")
    p.add_argument("--hourly", help="CSV of greenllm.results.hourly per scheme")
    p.add_argument("--latency", help="CSV of greenllm.results.query_latency per scheme")
    p.add_argument("--allocation", help="CSV of queries served per data centre and hour per scheme")
    q = sub.add_parser("pareto-point", help="one epsilon-constraint point of the energy-carbon frontier")
    q.add_argument("scenario")
    q.add_argument("--anchors", nargs="+", required=True, help="record files of the energy- and carbon-only solves")
    q.add_argument("--index", type=int, required=True)
    q.add_argument("--points", type=int, required=True)
    q.add_argument("--solver", default="highs")
    q.add_argument("--out", required=True)
    f = sub.add_parser("formulations", help="paper vs per-query formulation per scheme: records and latency CSV")
    f.add_argument("scenario")
    f.add_argument("--schemes", required=True, help="JSON {name: spec}")
    f.add_argument("--solver", default="highs")
    f.add_argument("--tolerance", type=float, default=1e-3)
    f.add_argument("--out", required=True, help="records JSON")
    f.add_argument("--latency", required=True, help="CSV of per-route latency per scheme and formulation")
    h = sub.add_parser("hardware-mix", help="per-query solves of one hardware mix for several schemes")
    h.add_argument("scenario")
    h.add_argument("--mix", required=True, metavar="NAME=ACCELERATOR[,ACCELERATOR...]",
                   help="accelerator names assigned to the data centres in turn")
    h.add_argument("--mix-label", default=None)
    h.add_argument("--schemes", required=True, help="JSON {name: spec}")
    h.add_argument("--solver", default="highs")
    h.add_argument("--tolerance", type=float, default=1e-3)
    h.add_argument("--out", required=True)
    y = sub.add_parser("year-windows", help="solve the daily windows of one month of a multi-day folder")
    y.add_argument("scenario")
    y.add_argument("--schemes", required=True, help="JSON {name: spec} with exactly one scheme")
    y.add_argument("--month", type=int, default=None, help="calendar month 1-12 (default: every day)")
    y.add_argument("--mode", action="append", choices=YEAR_MODES, required=True)
    y.add_argument("--formulation", choices=("paper", "per_query"), default="paper")
    y.add_argument("--solver", default="highs")
    y.add_argument("--tolerance", type=float, default=1e-3)
    y.add_argument("--out", required=True, help='JSON {"rows": [...]}')
    b = sub.add_parser("scaling", help="benchmarks/bench_scale.py points: one CSV row per (formulation, size)")
    b.add_argument("--run", action="append", required=True, metavar="FORMULATION=N[,N...]")
    b.add_argument("--scheme", default="weighted")
    b.add_argument("--out", required=True, help="CSV")
    return parser


def _schemes_argument(text: str) -> dict:
    try:
        schemes = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"--schemes: not valid JSON ({err})") from None
    if not isinstance(schemes, dict) or not schemes:
        raise InputError("--schemes: expected a JSON object {name: spec}")
    return schemes


def _list_argument(option: str, text: str) -> tuple[str, list[str]]:
    name, sep, values = text.partition("=")
    parts = [v.strip() for v in values.split(",") if v.strip()]
    if not sep or not name or not parts:
        raise InputError(f"{option} {text!r}: expected NAME=VALUE[,VALUE...]")
    return name, parts


def _run_issue5(args) -> int:
    """The subcommands of the experiments beyond the paper (formulations, hardware-mix, year-windows, scaling)."""
    if args.command == "scaling":
        runs = {}
        for text in args.run:
            name, sizes = _list_argument("--run", text)
            try:
                runs[name] = [int(v) for v in sizes]
            except ValueError:
                raise InputError(f"--run {text!r}: sizes must be whole numbers") from None
        _write_csv(args.out, scaling(runs, args.scheme))
        return 0
    schemes = _schemes_argument(args.schemes)
    if args.command == "formulations":
        records, latency = formulation_comparison(args.scenario, list(schemes), specs=schemes, solver=args.solver,
                                                  tolerance=args.tolerance)
        _write_json(args.out, {"records": _clean(records.to_dict("records"))})
        _write_csv(args.latency, latency)
    elif args.command == "hardware-mix":
        name, accelerators = _list_argument("--mix", args.mix)
        records = hardware_mixes(args.scenario, {name: accelerators}, list(schemes), specs=schemes,
                                 labels={name: args.mix_label or name}, solver=args.solver, tolerance=args.tolerance)
        _write_json(args.out, {"records": _clean(records.to_dict("records"))})
    else:
        if len(schemes) != 1:
            raise InputError(f"--schemes: year-windows solves one scheme, got {len(schemes)}")
        rows = year_windows(args.scenario, next(iter(schemes)), specs=schemes, modes=args.mode, month=args.month,
                            formulation=args.formulation, solver=args.solver, tolerance=args.tolerance)
        _write_json(args.out, {"rows": _clean(rows)})
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command in ("formulations", "hardware-mix", "year-windows", "scaling"):
            return _run_issue5(args)
        if args.command == "pareto-point":
            row = pareto_point(args.scenario, read_records(args.anchors), args.index, args.points, solver=args.solver)
            _write_json(args.out, {"records": _clean([row])})
            return 0
        try:
            schemes = json.loads(args.schemes)
        except json.JSONDecodeError as err:
            raise InputError(f"--schemes: not valid JSON ({err})") from None
        scale = dict(_key_value(s) for s in args.scale)
        bounds = dict(_key_value(b) for b in args.bound)
        labels = dict(_key_value(lab) for lab in args.label)
        records, results, base = solve_point(args.scenario, schemes, scale=scale, bounds=bounds or None,
                                             solver=args.solver, tolerance=args.tolerance, labels=labels,
                                             keep_results=True)
        _write_json(args.out, {"records": _clean(records)})
        extras = {"hourly": args.hourly, "latency": args.latency, "allocation": args.allocation}
        if any(extras.values()):
            from greenllm import results as tables

            makers = {
                "hourly": tables.hourly,
                "latency": tables.query_latency,
                "allocation": lambda s, r: served_per_dc_hour(s, tables.allocation(s, r)),
            }
            for kind, path in extras.items():
                if path:
                    frames = [makers[kind](base, r).assign(scheme=name, label=schemes[name].get("label", name),
                                                           **labels) for name, r in results.items()]
                    _write_csv(path, pd.concat(frames, ignore_index=True) if frames else pd.DataFrame())
        return 0
    except GreenLLMError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code


if __name__ == "__main__":
    sys.exit(main())
