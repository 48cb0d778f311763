"""Hourly UTC time series: the one home of the conventions every data source and scenario builder shares.

- Time is a tz-aware UTC ``DatetimeIndex`` of hour STARTS named ``time_utc``; naive input is taken as UTC.
- A window is half-open, ``[start, end)``, and starts and ends on the hour.
- Missing hours are NaN. Runs of at most ``max_gap_h`` missing hours may be filled by linear interpolation in time
  (the nearest value at a window's edge) and are then flagged; a longer run is a DataSourceError naming the series and
  the gap, never a guess.
- Local wall-clock stamps are mapped to UTC with the IANA zone; the repeated fall-back hour is resolved by file order
  and a stamp that does not exist locally (spring forward) is an error.

Used by greenllm.data.sources.{prices, electricitymaps, eia930, entsoe_offline} (which re-export the names they used
before this module existed) and by the scenario builders.
"""

from __future__ import annotations

import pandas as pd

from greenllm.errors import DataSourceError, InputError

MAX_FILL_GAP_H = 3
"""Longest run of missing hours that is filled by linear interpolation in time (flagged ``filled``); a project
choice (EIA-930-based US zones have scattered 1-3 h holes, e.g. US-SE-SEPA 2024). Longer gaps raise DataSourceError
unless the caller raises the limit."""

TIME_INDEX_NAME = "time_utc"


def as_utc(value) -> pd.Timestamp:
    """A timestamp in UTC; naive input is taken as UTC."""
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def hours_utc(start, end) -> pd.DatetimeIndex:
    """Hour starts of the window [start, end) in UTC, named ``time_utc``."""
    first, stop = as_utc(start), as_utc(end)
    if stop <= first:
        raise InputError(f"empty time window [{first}, {stop})")
    if first != first.floor("h") or stop != stop.floor("h"):
        raise InputError(f"time window [{first}, {stop}) must start and end on the hour")
    return pd.date_range(first, stop, freq="h", inclusive="left", name=TIME_INDEX_NAME)


def day_hours_utc(day, n_hours: int = 24) -> pd.DatetimeIndex:
    """The ``n_hours`` UTC hour starts from midnight UTC of ``day`` (a date or "YYYY-MM-DD"; a time part must be 0)."""
    try:
        first = as_utc(day)
    except (ValueError, TypeError) as exc:
        raise InputError(f"day {day!r} is not a date ({exc})") from None
    if first != first.normalize():
        raise InputError(f"day {day!r} must be a calendar date (midnight UTC), not {first}")
    if n_hours < 1:
        raise InputError(f"a scenario needs at least one hour, not {n_hours}")
    return hours_utc(first, first + pd.Timedelta(hours=n_hours))


def gap_runs(missing: pd.Series) -> list[tuple[pd.Timestamp, int]]:
    """(first hour, length) of each run of True in a boolean Series indexed by hour."""
    missing = missing.astype(bool)
    if not missing.any():
        return []
    run_id = (missing != missing.shift()).cumsum()[missing]
    return [(group.index[0], len(group)) for _, group in run_id.groupby(run_id, sort=False)]


def check_gaps(missing: pd.Series, max_gap_h: int, where: str) -> None:
    """DataSourceError naming ``where`` and the longest gap if a run of missing hours exceeds ``max_gap_h``."""
    long_runs = [(begin, length) for begin, length in gap_runs(missing) if length > max_gap_h]
    if not long_runs:
        return
    begin, length = max(long_runs, key=lambda run: run[1])
    raise DataSourceError(
        f"{where}: {length} consecutive hours missing from {begin:%Y-%m-%d %H:%M} UTC, longer than the fill "
        f"limit of {max_gap_h} h ({int(missing.astype(bool).sum())} missing hours in all); "
        "choose another window or raise max_gap_h"
    )


def fill_short_gaps(values: pd.Series, *, max_gap_h: int = MAX_FILL_GAP_H, where: str = "series",
                    on_long_gap: str = "raise") -> tuple[pd.Series, pd.Series]:
    """Fill runs of at most ``max_gap_h`` missing hours by linear interpolation in time (nearest value at the edges).

    values: float Series on a complete hourly index (NaN = missing).
    on_long_gap: "raise" (DataSourceError naming ``where`` and the longest gap) or "keep" (leave those hours NaN).
    Returns (filled values, filled mask). A run longer than the limit is never partly filled.
    """
    if on_long_gap not in ("raise", "keep"):
        raise ValueError(f"on_long_gap must be 'raise' or 'keep', not {on_long_gap!r}")
    missing = values.isna()
    runs = gap_runs(missing)
    if not runs:
        return values.copy(), pd.Series(False, index=values.index)
    if on_long_gap == "raise":
        check_gaps(missing, max_gap_h, where)
    if values.notna().sum() == 0:
        return values.copy(), pd.Series(False, index=values.index)
    fillable = missing.copy()
    for begin, length in runs:
        if length > max_gap_h:
            fillable.loc[begin: begin + pd.Timedelta(hours=length - 1)] = False
    interpolated = values.interpolate(method="time", limit_direction="both")
    filled = values.where(~fillable, interpolated)
    return filled, fillable


def local_to_utc(local: pd.Series, tz: str, *, where: str) -> pd.Series:
    """Naive local wall-clock times (in file order) -> UTC, resolving the repeated fall-back hour by order.

    A time that does not exist locally (spring forward) or an ambiguous hour that cannot be resolved from the order
    is a DataSourceError naming ``where``.
    """
    try:
        stamps = pd.DatetimeIndex(local).tz_localize(tz, ambiguous="infer", nonexistent="raise")
    except Exception as exc:  # pytz/zoneinfo raise several types (AmbiguousTimeError, NonExistentTimeError, ValueError)
        raise DataSourceError(f"{where}: local times in {tz} cannot be mapped to UTC ({exc})") from None
    return pd.Series(stamps.tz_convert("UTC"), index=local.index)


def window(frame: pd.DataFrame | pd.Series, hours: pd.DatetimeIndex, *, where: str):
    """The rows of an hourly UTC frame at exactly ``hours``; DataSourceError naming the first hour it lacks."""
    index = pd.DatetimeIndex(frame.index)
    if index.tz is None:
        raise InputError(f"{where}: the index must be tz-aware UTC hours")
    absent = hours.difference(index.tz_convert("UTC"))
    if len(absent):
        raise DataSourceError(f"{where}: no data for {len(absent)} of the {len(hours)} hours asked for "
                              f"(first: {absent[0]:%Y-%m-%d %H:%M} UTC)")
    out = frame.copy()
    out.index = index.tz_convert("UTC")
    return out.reindex(hours)
