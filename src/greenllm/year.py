"""A year of operation: rolling 24-hour windows, decided day-ahead on forecasts and operated with recourse.

A scenario folder with more than 24 hours (e.g. 8760) is cut into days; each day is solved on its own with the
daily water budget of ``scalars.json`` (the paper's Z is per day). A *mode* names what the day-ahead plan is decided
on (:data:`RECIPES`): ``perfect`` decides on the day's actual signals and demand; the others replace some of them by
a forecast (:func:`forecast_scenario`):

* demand (queries per area, type and hour): the actual demand times exp(eps), eps an AR(1) error over the hours whose
  spread and hour-to-hour correlation come from the Azure LLM inference traces (``config/forecast.yaml``, source
  named there); the same draw in every mode of a day, so modes differ only by what else they forecast;
* prices, carbon intensity and the weather-driven signals (renewables, WUE, EWIF): ``persistence`` (yesterday's
  values) or ``blend`` (a seasonal-naive blend of yesterday and the same day last week, ``config/forecast.yaml``).

``persistence`` and ``blend`` forecast everything; ``demand_only``, ``price_*``, ``carbon_*`` and ``weather_*`` forecast one input
and know the rest, so their extra realised cost over ``perfect`` is the value of perfect information about that
input (:func:`value_of_information`). Installed limits (grid cap, capacity, water budget, delay caps) are known.

**Recourse** (:func:`operate`). The plan is run hour by hour on the actual day. Before hour t runs, its shares are
checked against the actual hour: capacity, grid cap, delay cap (or the per-query SLOs) and the water left of the
day's budget. If the plan breaks one, hour t is re-dispatched: hours t..23 are re-solved with the past fixed (the water
already used is subtracted from the budget), hour t on its actual inputs and the later hours still on the forecast;
the new plan replaces the old one from hour t on. If that re-solve is infeasible, hour t alone is re-solved on its
actual inputs; if even that is infeasible the day cannot be served and is reported ``infeasible`` with no costs. A
plan that breaks a constraint is therefore never costed as if it ran: the realised costs, emissions and water are
those of the allocation that actually ran, and ``redispatched_hours`` counts the hours re-dispatched.

Windows are independent: :func:`solve_window` is one job; :func:`aggregate` and :func:`monthly` read the results
back as tidy tables. A folder given by path is read through the validated binary cache of
:mod:`greenllm.scenario_cache`, so the many jobs on one large folder validate its CSV files only once.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from greenllm.errors import InfeasibleError, InputError
from greenllm.inputs import Scenario
from greenllm.model import resolve_formulation
from greenllm.scenario_cache import input_files, load_cached
from greenllm.solve import WarmStart, solve

HOURS_PER_DAY = 24
DAYS_PER_WEEK = 7
HOURLY_FIELDS = ("price_usd_per_kwh", "carbon_kg_per_kwh", "renewable_kw", "grid_cap_kw", "wue_l_per_kwh",
                 "ewif_l_per_kwh")  # [j, t]
DEMAND_FIELDS = ("queries", "token_size_kb")  # [i, k, t]
SIGNAL_GROUPS: dict[str, tuple[str, ...]] = {
    "demand": ("queries",),
    "price": ("price_usd_per_kwh",),
    "carbon": ("carbon_kg_per_kwh",),
    "weather": ("renewable_kw", "wue_l_per_kwh", "ewif_l_per_kwh"),
}
"""The inputs a forecast replaces, by group. Token sizes, grid caps and capacities are known in advance."""
FORECAST_FIELDS = tuple(f for fields in SIGNAL_GROUPS.values() for f in fields)
SIGNAL_MODELS = ("persistence", "blend")
RECIPES: dict[str, dict[str, str]] = {
    "perfect": {},
    "persistence": {"demand": "trace_error", "price": "persistence", "carbon": "persistence",
                    "weather": "persistence"},
    "blend": {"demand": "trace_error", "price": "blend", "carbon": "blend", "weather": "blend"},
    "demand_only": {"demand": "trace_error"},
    "price_persistence": {"price": "persistence"},
    "price_blend": {"price": "blend"},
    "carbon_persistence": {"carbon": "persistence"},
    "carbon_blend": {"carbon": "blend"},
    "weather_persistence": {"weather": "persistence"},
    "weather_blend": {"weather": "blend"},
}
"""Mode -> {input group: forecast model}; groups not named are known (actual). ``perfect`` forecasts nothing."""
MODES = tuple(RECIPES)
FORECAST_CONFIG = Path(__file__).resolve().parents[2] / "config" / "forecast.yaml"
BREAK_TOLERANCE = 1e-4
"""An excess above this (kW, L, resource units, s or queries, summed over the hour) counts as a broken limit."""
EXCESS_KEYS = ("grid_excess_kw", "water_excess_l", "resource_excess", "delay_cap_excess_s",
               "capacity_excess_accelerators", "slo_violating_queries", "unservable_queries")
RECOURSE_PRESOLVE = False
"""Whether HiGHS presolves the recourse re-solves (hours t..23 of a day, thousands in a year): on these small LPs
presolving takes about as long as the simplex, and they reach the same allocations without it (to 10^-10 relative
over the 365 days of ``europe_2018_year``; ``tests/test_europe_2018.py``)."""
PLAN_PRESOLVE = False
"""Whether HiGHS presolves the day-ahead plans (one 24-hour LP per window): without it a plan takes about half the
time (10 against 21 ms on ``europe_2018_year``) and reaches the same stage optima (``tests/test_europe_2018.py``).
A forecast day's plan is not determined to the last digit (near-ties that HiGHS's tolerances settle either way), so
the solver's path can move a forecast row (docs/operations.md)."""
START_KEYS = ("start_date", "start_utc", "start")
DEFAULT_START = "2024-01-01"


@functools.lru_cache(maxsize=4)
def forecast_settings(path: str | os.PathLike = FORECAST_CONFIG) -> dict:
    """``config/forecast.yaml``: demand_error {log_sd, hour_corr, seed, bin_minutes} and blend {yesterday_weight}."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise InputError(f"{path}: cannot read the forecast settings ({err})") from None
    for section, keys in (("demand_error", ("log_sd", "hour_corr", "seed")), ("blend", ("yesterday_weight",))):
        for key in keys:
            value = (data or {}).get(section, {}).get(key)
            if not isinstance(value, int | float):
                raise InputError(f"{path}, {section}.{key}: expected a number, got {value!r}")
    if not 0 <= data["demand_error"]["hour_corr"] < 1 or data["demand_error"]["log_sd"] < 0:
        raise InputError(f"{path}, demand_error: need log_sd >= 0 and 0 <= hour_corr < 1")
    if not 0 <= data["blend"]["yesterday_weight"] <= 1:
        raise InputError(f"{path}, blend.yesterday_weight: must lie in [0, 1]")
    return data


def n_days(s: Scenario) -> int:
    """Whole days in the scenario (a trailing partial day is ignored)."""
    return s.n_hours // HOURS_PER_DAY


def days_in_month(s: Scenario, month: int) -> list[int]:
    """The whole days of ``s`` in calendar ``month`` (1-12), by its start date (:func:`start_date`)."""
    dates = start_date(s) + pd.to_timedelta(np.arange(n_days(s)), unit="D")
    return [int(d) for d in np.flatnonzero(dates.month == int(month))]


def hours_scenario(s: Scenario, first: int, stop: int, water_budget_l: float | None = None) -> Scenario:
    """Hours ``first`` .. ``stop - 1`` of ``s`` as a scenario of their own (optionally another water budget [L])."""
    window = slice(first, stop)
    changes = {name: np.ascontiguousarray(getattr(s, name)[:, window]) for name in HOURLY_FIELDS}
    changes.update({name: np.ascontiguousarray(getattr(s, name)[:, :, window]) for name in DEMAND_FIELDS})
    if water_budget_l is not None:
        changes["water_budget_l"] = float(water_budget_l)
    return dataclasses.replace(s, **changes)


def day_scenario(s: Scenario, day: int) -> Scenario:
    """Hours 24 day .. 24 day + 23 of ``s`` as a one-day scenario (same water budget per day)."""
    if not 0 <= day < n_days(s):
        raise InputError(f"day {day}: the scenario has {n_days(s)} whole days of {HOURS_PER_DAY} hours"
                         f" ({s.n_hours} hours)")
    return hours_scenario(s, day * HOURS_PER_DAY, (day + 1) * HOURS_PER_DAY)


def _day_values(s: Scenario, name: str, day: int) -> np.ndarray:
    window = slice(day * HOURS_PER_DAY, (day + 1) * HOURS_PER_DAY)
    return getattr(s, name)[..., window]


def signal_forecast(s: Scenario, name: str, day: int, model: str) -> tuple[np.ndarray, bool]:
    """Day-ahead forecast of an hourly input field for ``day``: (values [..., 24], forecast available).

    ``persistence``: the previous day's values at the same hours. ``blend``: w * previous day + (1 - w) * same day of
    the previous week (w = ``blend.yesterday_weight`` of ``config/forecast.yaml``; persistence in the first week).
    Day 0 has no history: the actual values, and ``False``.
    """
    if model not in SIGNAL_MODELS:
        raise InputError(f"forecast model {model!r}: choose one of {', '.join(SIGNAL_MODELS)}")
    if day == 0:
        return _day_values(s, name, day), False
    yesterday = _day_values(s, name, day - 1)
    if model == "persistence" or day < DAYS_PER_WEEK:
        return yesterday, True
    w = float(forecast_settings()["blend"]["yesterday_weight"])
    return w * yesterday + (1.0 - w) * _day_values(s, name, day - DAYS_PER_WEEK), True


def demand_error(shape: tuple[int, ...], day: int) -> np.ndarray:
    """The log forecast error eps of demand for one day, shape [..., 24]: AR(1) over the hours, stationary standard
    deviation ``log_sd`` and hour-to-hour correlation ``hour_corr`` (``config/forecast.yaml``, from the Azure LLM
    traces), one independent series per leading index; deterministic per day (seed, day)."""
    settings = forecast_settings()["demand_error"]
    sd, rho = float(settings["log_sd"]), float(settings["hour_corr"])
    rng = np.random.default_rng([int(settings["seed"]), int(day)])
    shocks = rng.standard_normal((*shape[:-1], shape[-1]))
    eps = np.empty_like(shocks)
    eps[..., 0] = sd * shocks[..., 0]
    for t in range(1, shape[-1]):
        eps[..., t] = rho * eps[..., t - 1] + np.sqrt(1.0 - rho**2) * sd * shocks[..., t]
    return eps


def forecast_scenario(s: Scenario, day: int, mode: str = "persistence") -> tuple[Scenario, bool]:
    """The day as the mode's day-ahead forecast sees it (:data:`RECIPES`): (scenario, every forecast available)."""
    if mode not in RECIPES:
        raise InputError(f"--mode: unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    actual = day_scenario(s, day)
    changes, available = {}, True
    for group, model in RECIPES[mode].items():
        for name in SIGNAL_GROUPS[group]:
            if model == "trace_error":
                values = getattr(actual, name)
                changes[name] = values * np.exp(demand_error(values.shape, day))
            else:
                changes[name], ok = signal_forecast(s, name, day, model)
                available &= ok
    return dataclasses.replace(actual, **changes), available


def forecast_errors(scenario, days=None) -> pd.DataFrame:
    """How far each forecast model is off over the days: mean absolute error and MAE relative to the mean actual
    value [%], per input field and model, over the days every model has a forecast for (from day 7 on; from day 1
    in a scenario of a week or less, where the blend is persistence). No rows for a one-day scenario."""
    s = _scenario(scenario)
    first = DAYS_PER_WEEK if n_days(s) > DAYS_PER_WEEK else 1
    days = list(range(first, n_days(s))) if days is None else list(days)
    rows = []
    if not days:
        return pd.DataFrame(columns=["group", "field", "model", "days", "mae", "mae_pct_of_mean"])
    for group, fields in SIGNAL_GROUPS.items():
        models = ("trace_error",) if group == "demand" else SIGNAL_MODELS
        for name in fields:
            actual = np.concatenate([_day_values(s, name, d) for d in days], axis=-1)
            for model in models:
                if model == "trace_error":
                    fc = np.concatenate([_day_values(s, name, d) * np.exp(demand_error(
                        _day_values(s, name, d).shape, d)) for d in days], axis=-1)
                else:
                    fc = np.concatenate([signal_forecast(s, name, d, model)[0] for d in days], axis=-1)
                mae = float(np.mean(np.abs(fc - actual)))
                scale = float(np.mean(np.abs(actual)))
                rows.append({"group": group, "field": name, "model": model, "days": len(days), "mae": mae,
                             "mae_pct_of_mean": 100.0 * mae / scale if scale else np.nan})
    return pd.DataFrame(rows)


def evaluate(actual: Scenario, x: np.ndarray, formulation="paper") -> dict:
    """Cost the shares ``x`` on the ``actual`` day: grid = max(0, facility power - renewables) per (dc, hour).

    Returns $ components, ``emissions_kg``, ``water_l`` and the excess over each limit the decision may break
    (0 when it fits), from :mod:`greenllm.accounting`. ``formulation``: a name or a formulation object.
    """
    return resolve_formulation(formulation, actual).realised(actual, x)


@functools.lru_cache(maxsize=2)
def _load(path: str, stamp: tuple) -> Scenario:
    return load_cached(path)


def _stamp(path: Path) -> tuple:
    """(name, mtime_ns, size) of every input file: a change reloads (the disk cache then checks the contents)."""
    out = []
    for file in input_files(path):
        try:
            info = file.stat()
            out.append((file.name, info.st_mtime_ns, info.st_size))
        except OSError:
            out.append((file.name, None, None))
    return tuple(out)


def load_year(scenario) -> Scenario:
    """A multi-day scenario from its folder (cached while its files are unchanged), or the Scenario itself."""
    return _scenario(scenario)


def _scenario(scenario) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    path = Path(scenario)
    if not path.is_dir():
        raise InputError(f"{path}: not a scenario folder (no such directory)")
    return _load(str(path.resolve()), _stamp(path))


def start_date(s: Scenario) -> pd.Timestamp:
    """First day of the scenario: ``scalars.json`` field start_date / start_utc / start, else 2024-01-01."""
    for key in START_KEYS:
        if key in (s.scalars or {}):
            try:
                return pd.Timestamp(s.scalars[key]).tz_localize(None).normalize()
            except (ValueError, TypeError):
                raise InputError(f"{s.path}/scalars.json, field {key!r}: {s.scalars[key]!r} is not a date") from None
    return pd.Timestamp(DEFAULT_START)


def broken_limits(costs: dict, tolerance: float = BREAK_TOLERANCE) -> list[str]:
    """The excess keys of an :func:`evaluate` result above ``tolerance``: the limits the allocation breaks."""
    return [key for key in EXCESS_KEYS if float(costs.get(key, 0.0) or 0.0) > tolerance]


def _with_hour(forecast: Scenario, actual: Scenario) -> Scenario:
    """``forecast`` (hours t..) with its first hour replaced by the ``actual`` hour t (one hour long)."""
    changes = {}
    for name in (*HOURLY_FIELDS, *DEMAND_FIELDS):
        values = np.array(getattr(forecast, name), copy=True)
        values[..., :1] = getattr(actual, name)
        changes[name] = values
    return dataclasses.replace(forecast, **changes)


def operate(actual: Scenario, decided_on: Scenario, x_plan: np.ndarray | None, solve_hours,
            formulation="paper") -> dict:
    """Run the day-ahead shares ``x_plan`` [i, j, k, t] hour by hour on the ``actual`` day, with recourse.

    Before hour t runs, its shares are checked on the actual hour against the water left of the day's budget; if
    they break a limit, or there is no plan for the hour (``x_plan`` None: the forecast day had no feasible plan),
    hours t..23 are re-solved (``solve_hours(scenario) -> x``) with the past fixed: hour t on its actual inputs,
    later hours on ``decided_on`` (the forecast), budget = Z - water used so far. If that is infeasible, hour t alone
    is re-solved on its actual inputs. Returns ``x`` (what ran), ``redispatched`` (hours), ``infeasible_hour``
    (None, or the first hour no allocation could serve; ``x`` is then incomplete).
    """
    shape = (actual.n_areas, actual.n_dcs, actual.n_types, actual.n_hours)
    plan = np.zeros(shape) if x_plan is None else np.array(x_plan, copy=True)
    planned = np.full(actual.n_hours, x_plan is not None)
    ran = np.zeros_like(plan)
    water_used_l, redispatched = 0.0, []
    for t in range(actual.n_hours):
        remaining_l = actual.water_budget_l - water_used_l
        hour = hours_scenario(actual, t, t + 1, water_budget_l=remaining_l)
        checked = evaluate(hour, plan[..., t:t + 1], formulation) if planned[t] else None
        if checked is None or broken_limits(checked):
            checked = None  # the hour runs another allocation: evaluated below
            redispatched.append(t)
            ahead = _with_hour(hours_scenario(decided_on, t, actual.n_hours, water_budget_l=remaining_l), hour)
            try:
                plan[..., t:] = solve_hours(ahead)
                planned[t:] = True
            except InfeasibleError:
                try:
                    plan[..., t:t + 1] = solve_hours(hour)
                except InfeasibleError:
                    return {"x": ran, "redispatched": redispatched, "infeasible_hour": t}
        ran[..., t] = plan[..., t]
        water_used_l += (checked or evaluate(hour, ran[..., t:t + 1], formulation))["water_l"]
    return {"x": ran, "redispatched": redispatched, "infeasible_hour": None}


def solve_window(scenario, day: int, *, mode: str = "perfect", scheme: str = "weighted",
                 weights=(1 / 3, 1 / 3, 1 / 3), order=None, tolerance: float = 1e-3, formulation="paper",
                 solver: str = "highs", options=None, warm_start: WarmStart | None = None) -> dict:
    """Plan one day (a window) on the mode's inputs, operate it on the actual day with recourse; one flat row.

    Columns: day, date, month, mode, ``day_ahead`` (``optimal``, or ``infeasible`` when the forecast day has no
    feasible plan: every hour is then dispatched on the day), status (``optimal``, or ``infeasible`` when even
    recourse cannot serve the day: no costs then), forecast_available, ``redispatched_hours``, the realised
    ``total_usd``, ``energy_usd``, ``carbon_usd``, ``delay_usd`` [$/day], ``emissions_kg`` [kg/day], ``water_l`` [L/day] and limit
    excesses of what ran (see :func:`evaluate`; 0 up to the solver tolerance), the planned ``planned_total_usd``
    (the optimum on the inputs decided on) and ``solve_seconds`` of the day-ahead solve. ``options``: the
    :class:`~greenllm.options.ModelOptions` of every solve (None: what the folder asks for); ``formulation`` overrides
    its formulation. ``warm_start``: a :class:`~greenllm.solve.WarmStart` carried from day to day (the day-ahead LP
    has the same structure every day, so the last day's basis starts the solve; see :func:`run_year`).
    A recourse re-solve that is infeasible is not diagnosed (its message is never shown: hour t alone is solved
    next, and only the hour is reported).
    """
    if mode not in MODES:
        raise InputError(f"--mode: unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    s = _scenario(scenario)
    actual = day_scenario(s, day)
    decide_on, available = (actual, True) if mode == "perfect" else forecast_scenario(s, day, mode)
    date = start_date(s) + pd.Timedelta(days=day)
    row = {"day": day, "date": date.date().isoformat(), "month": int(date.month), "mode": mode, "scheme": scheme,
           "formulation": formulation if isinstance(formulation, str) else getattr(formulation, "name", "paper"),
           "forecast_available": available}
    solve_kwargs = dict(weights=weights if scheme == "weighted" else None, order=order, tolerance=tolerance,
                        solver=solver, formulation=formulation, options=options)
    try:
        result = solve(decide_on, scheme, **solve_kwargs, warm_start=warm_start, presolve=PLAN_PRESOLVE)
        row.update(day_ahead="optimal", planned_total_usd=result.costs["total"],
                   planned_energy_usd=result.costs["energy"], solve_seconds=result.solve_seconds)
        x_plan, f = result.x, result.formulation_object
    except InfeasibleError as err:  # no plan on the forecast: every hour is dispatched on the day itself
        row.update(day_ahead="infeasible", reason=f"day-ahead plan: {err}")
        x_plan, f = None, None
    costing = formulation if f is None else f  # the plan's formulation (per-query: its hardware and SLO inputs)
    def solve_hours(part: Scenario) -> np.ndarray:
        return solve(part, scheme, **solve_kwargs, diagnose=False, presolve=RECOURSE_PRESOLVE).x

    ran = operate(actual, decide_on, x_plan, solve_hours, costing)
    row["redispatched_hours"] = len(ran["redispatched"])
    if ran["infeasible_hour"] is not None:
        row.update(status="infeasible",
                   reason=f"hour {ran['infeasible_hour']}: no allocation serves the actual demand within the limits")
        return row
    row["status"] = "optimal"
    row.update(evaluate(actual, ran["x"], costing))
    return row


def run_year(scenario, days=None, modes=MODES, *, warm_start: bool = False, **kwargs) -> pd.DataFrame:
    """In-process loop over days and modes (a notebook's spelling of the Snakemake rule); tidy rows per window.

    ``warm_start``: each mode's day-ahead solve starts from that mode's previous day's basis (one
    :class:`~greenllm.solve.WarmStart` per mode); off by default, so that rows equal the pipeline's cold solves also
    where a day's LP has several optima."""
    s = _scenario(scenario)
    days = range(n_days(s)) if days is None else days
    starts = {mode: WarmStart() if warm_start else None for mode in modes}
    return aggregate([solve_window(s, day, mode=mode, warm_start=starts[mode], **kwargs)
                      for day in days for mode in modes])


def aggregate(rows) -> pd.DataFrame:
    """Window rows (dicts, or JSON files written by ``window``) as one tidy table sorted by mode and day."""
    records = []
    for row in rows:
        if isinstance(row, (str, os.PathLike)):
            row = json.loads(Path(row).read_text())
        records.append(row)
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        return frame
    return frame.sort_values(["mode", "day"], ignore_index=True)


VALUE_COLUMNS = ("total_usd", "energy_usd", "carbon_usd", "delay_usd", "emissions_kg", "water_l")


def monthly(frame: pd.DataFrame) -> pd.DataFrame:
    """Per (mode, month): days, days infeasible, hours re-dispatched, sums of the realised costs [$], emissions [kg]
    and water [L] over the days solved, and the same per solved day (``*_per_day``; months differ in length)."""
    if "redispatched_hours" not in frame:
        frame = frame.assign(redispatched_hours=0)
    solved = frame[frame["status"] == "optimal"]
    sums = solved.groupby(["mode", "month"])[list(VALUE_COLUMNS)].sum()
    counts = frame.groupby(["mode", "month"]).agg(
        days=("day", "size"), infeasible_days=("status", lambda v: int((v != "optimal").sum())),
        redispatched_hours=("redispatched_hours", "sum"))
    out = counts.join(sums).reset_index()
    solved_days = (out["days"] - out["infeasible_days"]).where(lambda n: n > 0)
    for column in VALUE_COLUMNS:
        out[f"{column}_per_day"] = out[column] / solved_days
    return out


def forecast_cost(frame: pd.DataFrame, mode: str = "persistence") -> pd.DataFrame:
    """Per day: realised totals of perfect and ``mode``, ``extra_usd`` = mode - perfect and ``extra_pct``; only days
    solved in both modes."""
    ok = frame[(frame["status"] == "optimal") & frame["mode"].isin(["perfect", mode])]
    wide = ok.pivot_table(index=["day", "month"], columns="mode", values="total_usd").dropna()
    if wide.empty or mode not in wide or "perfect" not in wide:  # nothing to compare with
        return pd.DataFrame(columns=["day", "month", "perfect_usd", "forecast_usd", "extra_usd", "extra_pct"])
    out = pd.DataFrame({"perfect_usd": wide["perfect"], "forecast_usd": wide[mode]})
    out["extra_usd"] = out["forecast_usd"] - out["perfect_usd"]
    out["extra_pct"] = 100.0 * out["extra_usd"] / out["perfect_usd"].abs()
    return out.reset_index()


def forecast_summary(frame: pd.DataFrame, mode: str = "persistence") -> dict:
    """The cost of imperfect forecasts of ``mode`` over all days solved in it and in perfect [$ and %]; ``extra_pct``
    is None (JSON null, not the invalid NaN) when there is no perfect-foresight cost to compare with."""
    per_day = forecast_cost(frame, mode)
    perfect, forecast = float(per_day["perfect_usd"].sum()), float(per_day["forecast_usd"].sum())
    return {"mode": mode, "days": len(per_day), "perfect_usd": perfect, "forecast_usd": forecast,
            "extra_usd": forecast - perfect,
            "extra_pct": 100.0 * (forecast - perfect) / abs(perfect) if perfect else None}


def describe_mode(mode: str) -> str:
    """What a mode forecasts, e.g. ``demand: trace error; price: blend`` (``nothing (perfect foresight)``)."""
    recipe = RECIPES.get(mode, {})
    return "; ".join(f"{g}: {m.replace('_', ' ')}" for g, m in recipe.items()) or "nothing (perfect foresight)"


def value_of_information(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per mode over the days every mode served: realised totals [$, kg, L], hours and days re-dispatched,
    days infeasible, days whose forecast admitted no day-ahead plan (dispatched hour by hour on the day), days on which what ran breaks a limit (0 with recourse), and the extra over perfect foresight
    (``extra_usd``, ``extra_pct``, ``extra_emissions_kg``, ``extra_emissions_pct``, ``extra_water_l``,
    ``extra_water_pct``): the value of perfect information about what the mode forecasts."""
    present = [m for m in MODES if m in set(frame["mode"])] + sorted(set(frame["mode"]) - set(MODES))
    if "redispatched_hours" not in frame:
        frame = frame.assign(redispatched_hours=0)
    ok = frame[frame["status"] == "optimal"]
    common = set.intersection(*(set(ok.loc[ok["mode"] == m, "day"]) for m in present)) if present else set()
    rows = []
    for mode in present:
        part = frame[frame["mode"] == mode]
        solved = ok[(ok["mode"] == mode) & ok["day"].isin(common)]
        row = {"mode": mode, "forecasts": describe_mode(mode), "days": int(len(part)),
               "infeasible_days": int((part["status"] != "optimal").sum()),
               "day_ahead_infeasible_days": int((part["day_ahead"] == "infeasible").sum()) if "day_ahead" in part else 0,
               "days_compared": int(len(solved)),
               "redispatched_hours": int(part["redispatched_hours"].fillna(0).sum()),
               "redispatched_days": int((part["redispatched_hours"].fillna(0) > 0).sum())}
        row.update({column: float(solved[column].sum()) for column in VALUE_COLUMNS})
        row["days_breaking_a_limit"] = int(sum(bool(broken_limits(r)) for r in solved.to_dict("records")))
        rows.append(row)
    out = pd.DataFrame(rows)
    if "perfect" in present and not out.empty:
        base = out.set_index("mode").loc["perfect"]
        for column, name in (("total_usd", "extra_usd"), ("emissions_kg", "extra_emissions_kg"),
                             ("water_l", "extra_water_l")):
            out[name] = out[column] - base[column]
            out[name.replace("_usd", "_pct").replace("_kg", "_pct").replace("_l", "_pct")] = (
                100.0 * out[name] / abs(base[column]) if base[column] else np.nan)
    return out

