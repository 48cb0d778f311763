"""EIA-930 (Hourly Electric Grid Monitor): net generation by fuel per balancing authority -> hourly carbon intensity
and EWIF through greenllm.data.fuel_factors.

Publisher: U.S. Energy Information Administration, Form EIA-930; public domain (U.S. government work).
Three formats, all parsed into one shape (a "mix": index ``time_utc`` = hour START in UTC, one column per EIA fuel code
COL NG OIL NUC WAT SUN WND OTH ..., values in MW = MWh in that hour):

- API v2 ``electricity/rto/fuel-type-data`` JSON (``response.data`` records: period, respondent, fueltype, value,
  value-units; values are strings). ``period`` ("YYYY-MM-DDTHH", UTC) is the hour END: EIA publishes hourly data
  "using the hour ending time reporting convention" (www.eia.gov/electricity/gridmonitor/about). Needs an API key.
- The keyless six-month BALANCE files,
  https://www.eia.gov/electricity/gridmonitor/sixMonthFiles/EIA930_BALANCE_<YEAR>_<Jan_Jun|Jul_Dec>.csv: one row per
  BA and hour, columns "Balancing Authority", "Data Date", "Hour Number", "Local Time at End of Hour", "UTC Time at End
  of Hour" (like "07/01/2024 5:00:00 AM"), "Demand (MW)", ..., "Net Generation (MW) from Coal", ... and from about
  2022 the same with " (Adjusted)" (EIA's cleaned values, preferred here). From 2024 H2 hydro, solar and wind are split
  (pumped storage, integrated batteries) and geothermal and storage have their own columns. Numbers may carry
  thousands separators. Generation by fuel exists from 2018-07-01.
- HewlettPackard/dc-rl ``<BA>_NG_&_avgCI.csv`` (derived from EIA's EBA.zip; MIT): ``timestamp`` (UTC, hour start as
  written by dc-rl) and WND SUN WAT OIL NG COL NUC OTH in MW, plus dc-rl's own ``avg_CI`` [g/kWh], which we drop.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.data import cache
from greenllm.data.fuel_factors import (
    BALANCE_PREFIX,
    EIA_BALANCE_FUELS,
    EIA_FUEL_CODES,
    ewif_l_per_kwh,
    fuel_of,
    intensity_kg_per_kwh,
)
from greenllm.data.sources.prices import MAX_FILL_GAP_H, as_utc, fill_short_gaps, hours_utc
from greenllm.errors import DataSourceError, InputError

SOURCE = "U.S. EIA, Form EIA-930 Hourly Electric Grid Monitor"
LICENCE = "public domain (U.S. government work)"
RAW_SUBDIR = "eia930"

API_URL = "https://api.eia.gov/v2/electricity/rto/fuel-type-data/data/"
API_KEY_ENV = "EIA_API_KEY"
API_PAGE_LENGTH = 5000
"""Rows per API v2 request (the API's maximum for JSON)."""

BALANCE_URL = "https://www.eia.gov/electricity/gridmonitor/sixMonthFiles/EIA930_BALANCE_{year}_{half}.csv"
BALANCE_HALVES = ("Jan_Jun", "Jul_Dec")
BALANCE_TIME = "UTC Time at End of Hour"
BALANCE_BA = "Balancing Authority"
_BALANCE_TIME_FORMAT = "%m/%d/%Y %I:%M:%S %p"
FIRST_FUEL_MIX_HOUR = pd.Timestamp("2018-07-01", tz="UTC")
"""EIA-930 collects net generation by energy source from 1 July 2018."""

HOUR_END_TO_START = pd.Timedelta(hours=1)
"""EIA stamps an hour with its end; subtract this to get the hour start used everywhere in the project."""

DCRL_FUELS = ("WND", "SUN", "WAT", "OIL", "NG", "COL", "NUC", "OTH")


def _first(mask, values, limit: int = 3) -> str:
    rows = np.flatnonzero(np.asarray(mask))
    return ", ".join(f"row {i}: {values.iloc[i]!r}" for i in rows[:limit])


def _wide(records: pd.DataFrame, where: str) -> pd.DataFrame:
    """Long (time_utc, fuel, mw) -> wide mix; repeated (hour, fuel) pairs are an error."""
    dup = records.duplicated(["time_utc", "fuel"])
    if dup.any():
        row = records[dup].iloc[0]
        raise DataSourceError(f"{where}: fuel {row['fuel']} appears twice for the hour starting {row['time_utc']}")
    mix = records.pivot(index="time_utc", columns="fuel", values="mw").sort_index()
    mix.columns.name = None
    mix.index.name = "time_utc"
    return mix.astype(float)


# --------------------------------------------------------------------------------------------------------------
# API v2 JSON
# --------------------------------------------------------------------------------------------------------------
def read_fuel_type_json(source, *, respondent: str | None = None) -> pd.DataFrame:
    """Parse an EIA API v2 fuel-type-data response (path or already-loaded dict) into a mix (see module docstring).

    respondent: keep one BA (required when the response holds several). Values must be MWh ("megawatthours").
    """
    where = str(source) if not isinstance(source, dict) else "EIA API v2 response"
    if isinstance(source, dict):
        body = source
    else:
        try:
            body = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise DataSourceError(f"{where}: not a readable EIA API v2 JSON file ({exc})") from None
    data = body.get("response", {}).get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        raise DataSourceError(f'{where}: no "response.data" list (is this an EIA API v2 response?)')
    frame = pd.DataFrame(data)
    for column in ("period", "respondent", "fueltype", "value"):
        if column not in frame.columns and len(frame):
            raise DataSourceError(f'{where}: records lack field "{column}"')
    if frame.empty:
        raise DataSourceError(f"{where}: the response holds no records")
    found = sorted(frame["respondent"].astype(str).unique())
    if respondent is None and len(found) > 1:
        raise InputError(f"{where}: holds several balancing authorities ({', '.join(found)}); pass respondent=")
    if respondent is not None:
        frame = frame[frame["respondent"].astype(str) == respondent]
        if frame.empty:
            raise DataSourceError(f"{where}: no records for respondent {respondent!r} (found {', '.join(found)})")
    frame = frame.reset_index(drop=True)
    if "value-units" in frame.columns:
        units = frame["value-units"].astype(str).str.lower()
        bad = ~units.isin(["megawatthours", "mwh"])
        if bad.any():
            raise DataSourceError(f'{where}, field "value-units": {int(bad.sum())} records are not in megawatthours '
                                  f"(first: {_first(bad, frame['value-units'])})")
    end = pd.to_datetime(frame["period"].astype(str), format="%Y-%m-%dT%H", utc=True, errors="coerce")
    bad = end.isna()
    if bad.any():
        raise DataSourceError(f'{where}, field "period": {int(bad.sum())} records are not "YYYY-MM-DDTHH" '
                              f"(first: {_first(bad, frame['period'])})")
    values = pd.to_numeric(frame["value"], errors="coerce")
    bad = values.isna() & frame["value"].notna()
    if bad.any():
        raise DataSourceError(f'{where}, field "value": {int(bad.sum())} records are not numbers '
                              f"(first: {_first(bad, frame['value'])})")
    codes = frame["fueltype"].astype(str).str.upper()
    for code in codes.unique():
        fuel_of(code)  # InputError for an unknown fuel code
    mix = _wide(pd.DataFrame({"time_utc": end - HOUR_END_TO_START, "fuel": codes, "mw": values}), where)
    mix.attrs.update(source_file=where, respondent=respondent or found[0])
    return mix


def fetch_fuel_type_json(respondent: str, start, end, *, api_key: str | None = None, offline: bool = False,
                         refresh: bool = False, raw_root: str | os.PathLike | None = None, url: str = API_URL,
                         timeout_s: float = 60, retries: int = 3, backoff_s: float = 1.0) -> pd.DataFrame:
    """Download (or reuse) the API v2 hourly fuel mix of one BA for the UTC hours [start, end); returns the mix.

    Pages of API_PAGE_LENGTH records are cached as ``<raw root>/eia930/api_fuel-type_<BA>_<start>_<end>_<offset>.json``.
    api_key: default $EIA_API_KEY (free at https://www.eia.gov/opendata/register.php); stored masked in the manifest.
    The request's start/end are hour-END stamps (EIA's convention), so the window's hours are asked for exactly.
    """
    first, stop = as_utc(start), as_utc(end)
    hours = hours_utc(first, stop)
    api_key = api_key or os.environ.get(API_KEY_ENV)
    if not api_key and not offline:
        raise InputError(f"EIA API v2 needs a key: set {API_KEY_ENV} (free registration at "
                         "https://www.eia.gov/opendata/register.php) or use the keyless BALANCE files "
                         "(fetch_balance_file)")
    params = {
        "frequency": "hourly",
        "data[0]": "value",
        "facets[respondent][]": respondent,
        "start": (first + HOUR_END_TO_START).strftime("%Y-%m-%dT%H"),
        "end": stop.strftime("%Y-%m-%dT%H"),
        "sort[0][column]": "period",
        "sort[0][direction]": "asc",
        "length": API_PAGE_LENGTH,
        "api_key": api_key or "",
    }
    records: list[dict] = []
    offset = 0
    while True:
        name = f"api_fuel-type_{respondent}_{first:%Y%m%dT%H}_{stop:%Y%m%dT%H}_{offset}.json"
        where = f"{url} ({name})"
        path = cache.fetch(url, Path(RAW_SUBDIR) / name, source=SOURCE, licence=LICENCE,
                           params={**params, "offset": offset}, timeout_s=timeout_s, retries=retries,
                           backoff_s=backoff_s, offline=offline, refresh=refresh, raw_root=raw_root,
                           validate=lambda tmp, where=where: _check_api_page(tmp, where))
        body = json.loads(Path(path).read_text(encoding="utf-8"))
        page = body["response"]["data"]
        records.extend(page)
        total = int(body["response"].get("total", len(records)))
        offset += len(page)
        if not page or offset >= total:
            break
    mix = read_fuel_type_json({"response": {"data": records}}, respondent=respondent)
    mix = mix.reindex(hours)
    mix.attrs.update(source_file=f"{url} respondent={respondent}", respondent=respondent)
    return mix


def _check_api_page(path: Path, where: str) -> None:
    try:
        body = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataSourceError(f"{where}: not JSON ({exc})") from None
    response = body.get("response") if isinstance(body, dict) else None
    if not isinstance(response, dict) or not isinstance(response.get("data"), list):
        error = body.get("error") if isinstance(body, dict) else None
        raise DataSourceError(f'{where}: no "response.data" list' + (f" (EIA says: {error})" if error else ""))
    for field in ("period", "respondent", "fueltype", "value"):
        if response["data"] and field not in response["data"][0]:
            raise DataSourceError(f'{where}: records lack field "{field}"')


# --------------------------------------------------------------------------------------------------------------
# six-month BALANCE files
# --------------------------------------------------------------------------------------------------------------
def balance_file_name(year: int, half: str) -> str:
    if half not in BALANCE_HALVES:
        raise InputError(f"half {half!r}: must be one of {BALANCE_HALVES}")
    return f"EIA930_BALANCE_{int(year)}_{half}.csv"


def check_balance_header(path: str | os.PathLike, *, name: str | None = None) -> None:
    """Schema check of a BALANCE file: the BA and time columns and at least one generation-by-fuel column."""
    where = name or str(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            header = [" ".join(h.split()) for h in next(csv.reader(handle), [])]
    except (OSError, UnicodeDecodeError) as exc:
        raise DataSourceError(f"{where}: cannot read EIA-930 BALANCE file ({exc})") from None
    for column in (BALANCE_BA, BALANCE_TIME):
        if column not in header:
            raise DataSourceError(f'{where}: EIA-930 BALANCE file lacks column "{column}" '
                                  f'(header: {", ".join(header[:8])}...)')
    if not any(h.startswith(BALANCE_PREFIX) for h in header):
        raise DataSourceError(f'{where}: EIA-930 BALANCE file has no "{BALANCE_PREFIX}<fuel>" column '
                              f"(generation by fuel exists from {FIRST_FUEL_MIX_HOUR:%Y-%m-%d})")


def fetch_balance_file(year: int, half: str, *, offline: bool = False, refresh: bool = False,
                       raw_root: str | os.PathLike | None = None, url: str | None = None,
                       timeout_s: float = 300, retries: int = 3, backoff_s: float = 2.0) -> Path:
    """Download (or reuse) ``<raw root>/eia930/EIA930_BALANCE_<YEAR>_<half>.csv`` (tens of MB; no key needed)."""
    name = balance_file_name(year, half)
    url = url or BALANCE_URL.format(year=int(year), half=half)
    return cache.fetch(url, Path(RAW_SUBDIR) / name, source=SOURCE, licence=LICENCE, timeout_s=timeout_s,
                       retries=retries, backoff_s=backoff_s, offline=offline, refresh=refresh, raw_root=raw_root,
                       validate=lambda tmp: check_balance_header(tmp, name=f"{url} ({name})"))


def _balance_fuel_columns(header: list[str], adjusted: bool) -> dict[str, list[str]]:
    """EIA fuel code -> the raw BALANCE columns to sum, preferring "(Adjusted)" when asked and present."""
    clean = {" ".join(h.split()): h for h in header}
    chosen: dict[str, list[str]] = {}
    for source_name, code in EIA_BALANCE_FUELS.items():
        raw_name = BALANCE_PREFIX + source_name
        adjusted_name = f"{raw_name} (Adjusted)"
        pick = adjusted_name if adjusted and adjusted_name in clean else raw_name if raw_name in clean else None
        if pick is None and adjusted_name in clean:
            pick = adjusted_name
        if pick is not None:
            chosen.setdefault(code, []).append(clean[pick])
    return chosen


def read_balance_csv(path: str | os.PathLike, ba: str, *, adjusted: bool = True) -> pd.DataFrame:
    """One BA's hourly mix from an EIA-930 BALANCE file (see the module docstring for the format).

    adjusted: use EIA's "(Adjusted)" columns where the file has them (else the reported values).
    Pumped storage, battery and other storage columns become their own codes (PS, BAT, OES, UES) and weigh as the mix
    average; an empty cell is missing (NaN), not zero.
    """
    path = Path(path)
    check_balance_header(path)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle))
    fuel_columns = _balance_fuel_columns(header, adjusted)
    ba_column = next(h for h in header if " ".join(h.split()) == BALANCE_BA)
    time_column = next(h for h in header if " ".join(h.split()) == BALANCE_TIME)
    wanted = {ba_column, time_column} | {c for cols in fuel_columns.values() for c in cols}
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=lambda c: c in wanted, encoding="utf-8-sig")
    bas = raw[ba_column].str.strip()
    rows = raw[(bas == ba).to_numpy()].reset_index(drop=True)
    if rows.empty:
        raise DataSourceError(f'{path}, column "{BALANCE_BA}": no rows for {ba!r} '
                              f"(found e.g. {', '.join(sorted(bas.unique())[:8])})")
    text = rows[time_column].str.strip()
    end = pd.to_datetime(text, format=_BALANCE_TIME_FORMAT, errors="coerce")
    if end.isna().any():  # some vintages write ISO-like stamps
        end = end.fillna(pd.to_datetime(text.where(end.isna()), errors="coerce", format="mixed"))
    bad = end.isna()
    if bad.any():
        raise DataSourceError(f'{path}, column "{BALANCE_TIME}": {int(bad.sum())} rows for {ba} are not times '
                              f"(first: {_first(bad, text)})")
    end = end.dt.tz_localize("UTC")
    mix = pd.DataFrame(index=pd.DatetimeIndex(end - HOUR_END_TO_START, name="time_utc"))
    for code, columns in fuel_columns.items():
        parts = []
        for column in columns:
            cell = rows[column].str.replace(",", "", regex=False).str.strip()
            numbers = pd.to_numeric(cell.replace({"": None}), errors="coerce")
            bad = numbers.isna() & (cell != "")
            if bad.any():
                raise DataSourceError(f'{path}, column "{column}": {int(bad.sum())} rows for {ba} are not numbers '
                                      f"(first: {_first(bad, cell)})")
            parts.append(numbers.to_numpy())
        stacked = np.vstack(parts)
        mix[code] = np.where(np.isnan(stacked).all(axis=0), np.nan, np.nansum(stacked, axis=0))
    if mix.index.duplicated().any():
        raise DataSourceError(f'{path}, column "{BALANCE_TIME}": hour {mix.index[mix.index.duplicated()][0]} (start) '
                              f"appears twice for {ba}")
    mix = mix.sort_index()
    mix.attrs.update(source_file=str(path), respondent=ba, adjusted=adjusted)
    return mix


# --------------------------------------------------------------------------------------------------------------
# dc-rl derived files
# --------------------------------------------------------------------------------------------------------------
def read_dcrl_fuel_mix_csv(path: str | os.PathLike) -> pd.DataFrame:
    """HewlettPackard/dc-rl ``<BA>_NG_&_avgCI.csv`` -> mix (their avg_CI column is dropped; a row with every fuel
    empty stays a missing hour)."""
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataSourceError(f"{path}: cannot read dc-rl fuel-mix file ({exc})") from None
    for column in ("timestamp",) + DCRL_FUELS:
        if column not in raw.columns:
            raise DataSourceError(f'{path}: dc-rl fuel-mix file lacks column "{column}" '
                                  f'(columns: {", ".join(raw.columns)})')
    text = raw["timestamp"].str.strip()
    stamps = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
    bad = stamps.isna()
    if bad.any():
        raise DataSourceError(f'{path}, column "timestamp": {int(bad.sum())} rows are not timestamps '
                              f"(first: {_first(bad, text)})")
    mix = pd.DataFrame(index=pd.DatetimeIndex(stamps, name="time_utc"))
    for code in DCRL_FUELS:
        cell = raw[code].str.strip()
        numbers = pd.to_numeric(cell.replace({"": None}), errors="coerce")
        bad = numbers.isna() & (cell != "")
        if bad.any():
            raise DataSourceError(f'{path}, column "{code}": {int(bad.sum())} rows are not numbers '
                                  f"(first: {_first(bad, cell)})")
        mix[code] = numbers.to_numpy(dtype=float)
    if mix.index.duplicated().any():
        raise DataSourceError(f'{path}, column "timestamp": {mix.index[mix.index.duplicated()][0]} appears twice')
    mix.attrs["source_file"] = str(path)
    return mix.sort_index()


# --------------------------------------------------------------------------------------------------------------
# mix -> hourly factors
# --------------------------------------------------------------------------------------------------------------
def hourly_grid_factors(mix_mw: pd.DataFrame, *, start=None, end=None, max_gap_h: int = MAX_FILL_GAP_H,
                        carbon_factors=None, water_factors=None) -> pd.DataFrame:
    """Hourly carbon intensity and EWIF from a mix, on every UTC hour of [start, end) (default: the mix's span).

    An hour is missing when it is absent or every fuel is empty; missing runs of at most ``max_gap_h`` hours are
    interpolated and flagged ``filled``, longer ones raise DataSourceError. An hour where only some fuels are empty
    is computed from the others (those fuels weigh as the mix average) and flagged ``incomplete_mix``.
    carbon_factors, water_factors: per-fuel overrides passed to fuel_factors.
    Returns carbon_kg_per_kwh, ewif_l_per_kwh, filled, incomplete_mix, indexed by ``time_utc``.
    """
    where = mix_mw.attrs.get("source_file", "EIA-930 mix")
    for column in mix_mw.columns:
        fuel_of(column)
    if mix_mw.empty and (start is None or end is None):
        raise DataSourceError(f"{where}: no hours")
    first = as_utc(start) if start is not None else mix_mw.index.min()
    stop = as_utc(end) if end is not None else mix_mw.index.max() + pd.Timedelta(hours=1)
    hours = hours_utc(first, stop)
    mix = mix_mw.reindex(hours)
    missing_hour = mix.isna().all(axis=1)
    carbon = intensity_kg_per_kwh(mix, carbon_factors).where(~missing_hour)
    water = ewif_l_per_kwh(mix, water_factors).where(~missing_hour)
    label = f"{where} ({mix_mw.attrs.get('respondent', 'mix')})"
    carbon, filled = fill_short_gaps(carbon, max_gap_h=max_gap_h, where=f"{label}: carbon intensity")
    water, _ = fill_short_gaps(water, max_gap_h=max_gap_h, where=f"{label}: EWIF")
    out = pd.DataFrame({"carbon_kg_per_kwh": carbon, "ewif_l_per_kwh": water, "filled": filled,
                        "incomplete_mix": mix.isna().any(axis=1) & ~missing_hour}, index=hours)
    out.attrs.update(source_file=where, respondent=mix_mw.attrs.get("respondent"), n_filled=int(filled.sum()))
    return out


def known_fuel_codes() -> list[str]:
    """EIA fuel codes this module understands."""
    return sorted(EIA_FUEL_CODES)
