"""A year of operation: rolling 24-hour windows, with perfect foresight and with a persistence forecast.

A scenario folder with more than 24 hours (e.g. 8760) is cut into days; each day is solved on its own with the
daily water budget of ``scalars.json`` (the paper's Z is per day). Two modes:

* ``perfect``: decide on the day's actual signals and demand;
* ``forecast``: decide on the *previous* day's signals (prices, carbon intensity, renewables, WUE, EWIF) and
  demand (a persistence forecast), then apply the decided shares x to the actual day: the grid buys whatever the
  actual renewables do not cover, and the day is costed with the actual prices and intensities. Limits the plan
  did not foresee (grid cap, water budget, capacity, delay cap / SLO) are reported as excesses, not enforced.
  Day 0 has no previous day and is decided on its own signals (``forecast_available`` is False).

The cost of imperfect forecasts is the realised total of ``forecast`` minus that of ``perfect``, day by day
(:func:`forecast_cost`). Windows are independent: :func:`solve_window` is one Snakemake job
(``greenllm year window FOLDER --day D --mode M --out FILE.json``); :func:`aggregate` and
:func:`monthly` read the results back as tidy tables. A folder given by path is read through the validated binary
cache of :mod:`greenllm.scenario_cache`, so the many jobs on one large folder validate its CSV files only once.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.errors import InfeasibleError, InputError
from greenllm.inputs import Scenario
from greenllm.model import resolve_formulation
from greenllm.scenario_cache import input_files, load_cached
from greenllm.solve import solve

HOURS_PER_DAY = 24
MODES = ("perfect", "forecast")
HOURLY_FIELDS = ("price_usd_per_kwh", "carbon_kg_per_kwh", "renewable_kw", "grid_cap_kw", "wue_l_per_kwh",
                 "ewif_l_per_kwh")  # [j, t]
DEMAND_FIELDS = ("queries", "token_size_kb")  # [i, k, t]
FORECAST_FIELDS = ("price_usd_per_kwh", "carbon_kg_per_kwh", "renewable_kw", "wue_l_per_kwh", "ewif_l_per_kwh",
                   "queries", "token_size_kb")  # what the persistence forecast takes from the previous day
START_KEYS = ("start_date", "start_utc", "start")
DEFAULT_START = "2024-01-01"


def n_days(s: Scenario) -> int:
    """Whole days in the scenario (a trailing partial day is ignored)."""
    return s.n_hours // HOURS_PER_DAY


def day_scenario(s: Scenario, day: int) -> Scenario:
    """Hours 24 day .. 24 day + 23 of ``s`` as a one-day scenario (same water budget per day)."""
    if not 0 <= day < n_days(s):
        raise InputError(f"day {day}: the scenario has {n_days(s)} whole days of {HOURS_PER_DAY} hours"
                         f" ({s.n_hours} hours)")
    window = slice(day * HOURS_PER_DAY, (day + 1) * HOURS_PER_DAY)
    changes = {name: np.ascontiguousarray(getattr(s, name)[:, window]) for name in HOURLY_FIELDS}
    changes.update({name: np.ascontiguousarray(getattr(s, name)[:, :, window]) for name in DEMAND_FIELDS})
    return dataclasses.replace(s, **changes)


def forecast_scenario(s: Scenario, day: int) -> tuple[Scenario, bool]:
    """The day as a persistence forecast sees it: the previous day's signals and demand. (scenario, available)."""
    actual = day_scenario(s, day)
    if day == 0:
        return actual, False
    previous = day_scenario(s, day - 1)
    return dataclasses.replace(actual, **{name: getattr(previous, name) for name in FORECAST_FIELDS}), True


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


def solve_window(scenario, day: int, *, mode: str = "perfect", scheme: str = "weighted",
                 weights=(1 / 3, 1 / 3, 1 / 3), order=None, tolerance: float = 1e-3, formulation="paper",
                 solver: str = "highs") -> dict:
    """Solve one day (a window) and cost the decision on the actual day; one flat JSON-able row.

    Columns: day, date, month, mode, status, forecast_available, the realised ``total_usd``, ``energy_usd``,
    ``carbon_usd``, ``delay_usd``, ``emissions_kg``, ``water_l`` and limit excesses (see :func:`evaluate`), the
    planned ``planned_total_usd`` (the optimum on the signals decided on) and ``solve_seconds``.
    """
    if mode not in MODES:
        raise InputError(f"--mode: unknown mode {mode!r}; choose {' or '.join(MODES)}")
    s = _scenario(scenario)
    actual = day_scenario(s, day)
    decide_on, available = (actual, True) if mode == "perfect" else forecast_scenario(s, day)
    date = start_date(s) + pd.Timedelta(days=day)
    row = {"day": day, "date": date.date().isoformat(), "month": int(date.month), "mode": mode, "scheme": scheme,
           "formulation": formulation if isinstance(formulation, str) else getattr(formulation, "name", "paper"),
           "forecast_available": available}
    try:
        result = solve(decide_on, scheme, weights=weights if scheme == "weighted" else None, order=order,
                       tolerance=tolerance, solver=solver, formulation=formulation)
    except InfeasibleError as err:
        row.update(status="infeasible", reason=str(err))
        return row
    row.update(status=result.status, planned_total_usd=result.costs["total"],
               planned_energy_usd=result.costs["energy"], solve_seconds=result.solve_seconds)
    row.update(result.formulation_object.realised(actual, result.x))
    return row


def run_year(scenario, days=None, modes=MODES, **kwargs) -> pd.DataFrame:
    """In-process loop over days and modes (a notebook's spelling of the Snakemake rule); tidy rows per window."""
    s = _scenario(scenario)
    days = range(n_days(s)) if days is None else days
    return aggregate([solve_window(s, day, mode=mode, **kwargs) for day in days for mode in modes])


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
    """Sums per (mode, month) of the realised costs [$], emissions [kg] and water [L], with days solved and
    infeasible."""
    solved = frame[frame["status"] == "optimal"]
    sums = solved.groupby(["mode", "month"])[list(VALUE_COLUMNS)].sum()
    counts = frame.groupby(["mode", "month"]).agg(days=("day", "size"),
                                                  infeasible_days=("status", lambda v: int((v != "optimal").sum())))
    return counts.join(sums).reset_index()


def forecast_cost(frame: pd.DataFrame) -> pd.DataFrame:
    """Per day: realised totals of perfect and forecast, ``extra_usd`` = forecast - perfect and ``extra_pct``;
    only days solved in both modes."""
    ok = frame[frame["status"] == "optimal"]
    wide = ok.pivot_table(index=["day", "month"], columns="mode", values="total_usd").dropna()
    if wide.empty:
        return pd.DataFrame(columns=["day", "month", "perfect_usd", "forecast_usd", "extra_usd", "extra_pct"])
    out = pd.DataFrame({"perfect_usd": wide["perfect"], "forecast_usd": wide["forecast"]})
    out["extra_usd"] = out["forecast_usd"] - out["perfect_usd"]
    out["extra_pct"] = 100.0 * out["extra_usd"] / out["perfect_usd"].abs()
    return out.reset_index()


def forecast_summary(frame: pd.DataFrame) -> dict:
    """The cost of imperfect forecasts over all days solved in both modes [$ and %]."""
    per_day = forecast_cost(frame)
    perfect, forecast = float(per_day["perfect_usd"].sum()), float(per_day["forecast_usd"].sum())
    return {"days": len(per_day), "perfect_usd": perfect, "forecast_usd": forecast, "extra_usd": forecast - perfect,
            "extra_pct": 100.0 * (forecast - perfect) / abs(perfect) if perfect else float("nan")}
