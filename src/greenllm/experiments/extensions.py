"""The experiments beyond the paper (docs/per_query.md), in-process: paper vs per-query formulation, hardware
mixes, a year of operation in daily windows, and how both formulations scale.

Each function returns tidy rows; the pipeline runs the same points as jobs (:mod:`greenllm.experiments.points`),
which keep each row as a record's ``values``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.errors import InfeasibleError, InputError
from greenllm.experiments.paper import as_scenario
from greenllm.experiments.records import flatten
from greenllm.experiments.spec import scheme_specs, solve_arguments


def formulation_comparison(scenario, schemes: Iterable[str] = ("M0", "M1", "M2", "LEX"), *,
                           specs: Mapping[str, Mapping] | None = None, solver: str = "highs",
                           tolerance: float = 1e-3, options=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Paper vs per-query formulation on the same scenario, for each scheme: (records, latency).

    ``records``: one row per (scheme, formulation) from :func:`greenllm.per_query.compare_formulations`: the
    allocation each formulation chooses, costed under the per-query physics (``total_usd``, ``energy_usd``,
    ``carbon_usd``, ``delay_usd`` [$/day], ``emissions_kg``, ``water_l``, ``accelerator_hours`` [accelerator-h/day],
    ``latency_mean_s``, ``latency_p95_s`` [s], ``share_within_slo`` [-] and limit excesses), and the optimum each
    formulation reports itself (``native_*``). ``latency``: the per-query latency [s] and SLO of every route in use,
    with the queries it carries (weights of the distribution), per scheme and formulation. ``options``: the model
    options (:class:`~greenllm.options.ModelOptions`; None: what the folder asks for).
    """
    from greenllm.per_query import compare_formulations, load_inputs

    s = as_scenario(scenario)
    inputs = load_inputs(s, slo=options.per_query_slo if options is not None else None)
    chosen = scheme_specs(schemes, specs)
    rows, tables = [], []
    for name, spec in chosen.items():
        kind, kwargs = solve_arguments(spec, tolerance)
        labels = {"scheme": name, "scheme_kind": kind, "label": spec["label"]}
        try:
            summary, latency = compare_formulations(s, kind, solver=solver, inputs=inputs, options=options,
                                                    **kwargs)
        except InfeasibleError as err:
            rows.append({**labels, "status": "infeasible", "message": str(err)})
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
                   solver: str = "highs", tolerance: float = 1e-3, options=None) -> pd.DataFrame:
    """Per-query solves for each hardware mix {name: accelerator names assigned to the data centres in turn} and
    each scheme: one record per (mix, scheme), from :func:`greenllm.per_query.hardware_mix` (costs [$/day],
    emissions [kg/day], water [L/day], accelerator-hours, latency [s]; ``status='infeasible'`` with the reason).
    ``options``: the model options (None: what the folder asks for)."""
    from greenllm.per_query import hardware_mix, load_inputs

    s = as_scenario(scenario)
    inputs = load_inputs(s, slo=options.per_query_slo if options is not None else None)
    chosen = scheme_specs(schemes, specs)
    rows = []
    for mix, accelerators in mixes.items():
        per_dc = mix_per_dc(accelerators, s.n_dcs)
        counts = pd.Series(per_dc).value_counts(sort=False)
        described = ", ".join(f"{n} x {name}" for name, n in counts.items())
        for name, spec in chosen.items():
            kind, kwargs = solve_arguments(spec, tolerance)
            frame = hardware_mix(s, {mix: per_dc}, kind, solver=solver, inputs=inputs, options=options, **kwargs)
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
    return list(range(year.n_days(s))) if month is None else year.days_in_month(s, month)


def year_months(scenario) -> list[int]:
    """The calendar months (1-12) a multi-day scenario folder covers, in order."""
    from greenllm import year

    s = as_scenario(scenario)
    dates = year.start_date(s) + pd.to_timedelta(range(year.n_days(s)), unit="D")
    return list(dict.fromkeys(int(m) for m in dates.month))


def year_windows(scenario, scheme: str = "M0", *, specs: Mapping[str, Mapping] | None = None,
                 modes: Iterable[str] | None = None, days: Iterable[int] | None = None,
                 month: int | None = None, formulation: str = "paper", solver: str = "highs",
                 tolerance: float = 1e-3, options=None) -> list[dict]:
    """Solve the daily windows of a multi-day folder (:func:`greenllm.year.solve_window`), one row per (day, mode).

    ``days``: day indices (default: all, or those of ``month``). Rows carry the realised costs [$/day], emissions
    [kg/day], water [L/day] and limit excesses of each day, ``scheme`` (the name), ``scheme_kind`` and ``label``.
    ``options``: the model options (None: what the folder asks for); ``formulation`` overrides its formulation.
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
                                    options=options, **kwargs)
            rows.append({**row, "scheme": name, "scheme_kind": kind, "label": spec["label"]})
    return rows


def serving_year_point(scenario, point: Mapping) -> tuple[list[dict], dict]:
    """One row of the serving year (greenllm.serving.daily): its days of ``month``, baselines if asked, each mode on
    its schemes. Returns the records (one per day, mode and policy) and the side tables ``serving_days`` and
    ``serving_sites`` (docs/serving.md, "The year")."""
    from greenllm import year
    from greenllm.experiments.records import row_record
    from greenllm.serving import daily
    from greenllm.serving.catalogue import load_serving
    from greenllm.serving.fleet import FleetOptions

    s = year.load_year(scenario)
    yf = daily.cached_year_fleet(s, load_serving(), FleetOptions.from_mapping(point.get("fleet") or {}),
                                 int(point.get("sizing_stride_days", daily.SIZING_STRIDE_DAYS)))
    days = year_days(s, point["month"])
    first, stride = int(point.get("days_first", 0)), max(1, int(point.get("days_stride", 1)))
    days = [d for d in days if d >= first and (d - first) % stride == 0]
    frame, sites = daily.run_days(yf, days, point["modes"], point["schemes"],
                                  with_baselines=bool(point.get("baselines", False)))
    model = {"formulation": "serving"}
    records = [row_record(r, scheme=r["policy"], model=model, name=f"{r['policy']}/{r['mode']}", label=r["policy"])
               for r in frame.to_dict("records")]
    tables = {"serving_days": frame, "serving_sites": sites}
    gap_days = [d for d in point.get("gap_days", []) if d in days]
    if gap_days:
        tables["serving_year_gap"] = pd.DataFrame([daily.whole_replica_gap(yf, d, scheme)
                                                   for d in gap_days for scheme in point["schemes"]])
    return records, tables


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
    """The window rows of the pipeline's year jobs (records files) as one frame by mode and day."""
    from greenllm import year

    rows = []
    for path in files:
        try:
            records = json.loads(Path(path).read_text())["records"]
        except OSError as err:
            raise InputError(f"{path}: cannot read this records file ({err.strerror})") from None
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise InputError(f"{path}: not a records file (a JSON object with `records`: {err})") from None
        rows += [flatten(r) for r in records]
    return year.aggregate(rows)



def scaling(runs: Mapping[str, Iterable[int]], scheme: str = "weighted") -> pd.DataFrame:
    """Build and solve scale instances (:mod:`greenllm.experiments.scale`): ``runs`` = {formulation: sizes} (N areas
    = N data centres, 5 types, 24 hours). One fresh process per point (so peak memory is the point's own); one row
    per point with routes, kept routes, variables, constraints, nonzeros, ``build_s``, ``solve_s`` [s] and
    ``peak_mb`` [MB]. Timings depend on the machine and its load."""
    from greenllm.experiments.scale import measure

    return pd.DataFrame([measure(formulation, int(n), scheme) for formulation, sizes in runs.items()
                         for n in sizes])


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

