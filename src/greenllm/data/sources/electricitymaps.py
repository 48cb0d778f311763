"""Electricity Maps data portal: hourly carbon intensity per grid zone and year (free CSV downloads, no API key).

Publisher: Electricity Maps (https://portal.electricitymaps.com/datasets). Licence: Open Database License (ODbL 1.0),
as stated on the data-portal pages ("The data is published under the Open Data Commons Open Database license").

Raw file: one CSV per zone and year, cached as ``data/raw/electricitymaps/<ZONE>_<YEAR>_hourly.csv`` (the portal's own
file name). Rows are hour-start timestamps in UTC; intensities are in gCO2eq/kWh, both "direct" (combustion only) and
"life cycle" (LCA: construction, fuel chain, ...). Two header spellings are in circulation and both are accepted:

- Green_LLM's 2024 exports (portal release 2025-01-27): ``Zone name``, ``Carbon intensity gCO₂eq/kWh (Life cycle)``,
  ``Carbon-free energy percentage (CFE%)``, ``Data estimated``...
- green-dcc's exports: ``Zone Name``, ``Carbon Intensity gCO₂eq/kWh (LCA)``, ``Low Carbon Percentage``,
  ``Data Estimated``...; the portal page itself documents ``Carbon Intensity gCO₂eq/kWh (life cycle assessment)``.

``read_zone_csv`` parses either into canonical columns (still g/kWh); ``clean`` gives the tidy hourly UTC table in
kg/kWh with an ``estimated`` flag (Electricity Maps' own estimate) and a ``filled`` flag (a short gap we interpolated).
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.data import cache, timeseries
from greenllm.data.sources import registry
from greenllm.data.timeseries import as_utc, check_gaps
from greenllm.errors import DataSourceError, InputError

SOURCE = "Electricity Maps data portal"
LICENCE = "ODbL-1.0"

BASE_URL = "https://data.electricitymaps.com"
DEFAULT_RELEASE = "2025-01-27"
"""Release folder of the portal's download server. Not documented by Electricity Maps: the pattern
``https://data.electricitymaps.com/<release>/<ZONE>_<YEAR>_<granularity>.csv`` is taken from public download scripts
(releases 2025-01-27 for 2024 data, 2025-04-03 for 2021-2024 data). If a download returns 404, look up the current
release on the portal and pass ``release=``."""
URL_TEMPLATE = "{base}/{release}/{zone}_{year}_hourly.csv"
RAW_SUBDIR = "electricitymaps"
REGISTRY_DATASET = "electricitymaps_hourly"
"""This source's entry in the source registry (config/sources.yaml), which lists its pinned mirrors."""

G_PER_KG = 1000.0
"""Grams per kilogram: converts the portal's gCO2eq/kWh to the model's kg CO2eq/kWh."""

MAX_FILL_GAP_H = timeseries.MAX_FILL_GAP_H
"""Longest run of missing hours that ``clean`` fills by linear interpolation in time (the project-wide limit of
greenllm.data.timeseries: EIA-930-based US zones have scattered 1-3 h holes, e.g. US-SE-SEPA 2024). Longer gaps are an
error unless the caller raises it."""

# canonical column -> accepted header spellings, as found in real files (matched ignoring case, blanks and ₂/2)
_COLUMNS: dict[str, tuple[str, ...]] = {
    "time_utc": ("Datetime (UTC)",),
    "country": ("Country",),
    "zone_name": ("Zone name", "Zone Name"),
    "zone_id": ("Zone id", "Zone Id"),
    "carbon_direct_g_per_kwh": ("Carbon intensity gCO₂eq/kWh (direct)", "Carbon Intensity gCO₂eq/kWh (direct)"),
    "carbon_lifecycle_g_per_kwh": (
        "Carbon intensity gCO₂eq/kWh (Life cycle)",
        "Carbon Intensity gCO₂eq/kWh (LCA)",
        "Carbon Intensity gCO₂eq/kWh (life cycle assessment)",
    ),
    "carbon_free_percent": ("Carbon-free energy percentage (CFE%)", "Low Carbon Percentage"),
    "renewable_percent": ("Renewable energy percentage (RE%)", "Renewable Percentage"),
    "data_source": ("Data source", "Data Source"),
    "estimated": ("Data estimated", "Data Estimated"),
    "estimation_method": ("Data estimation method", "Data Estimation Method"),
}
REQUIRED = ("time_utc", "zone_name", "zone_id", "carbon_direct_g_per_kwh", "carbon_lifecycle_g_per_kwh", "estimated")
_NUMERIC = ("carbon_direct_g_per_kwh", "carbon_lifecycle_g_per_kwh", "carbon_free_percent", "renewable_percent")


def _normalise(header: str) -> str:
    return re.sub(r"\s+", " ", header.replace("\ufeff", "").replace("₂", "2")).strip().casefold()


_LOOKUP = {_normalise(alias): name for name, aliases in _COLUMNS.items() for alias in aliases}


def zone_file_name(zone: str, year: int) -> str:
    """The portal's file name, also our cache name: ``<ZONE>_<YEAR>_hourly.csv``."""
    return f"{zone}_{int(year)}_hourly.csv"


def zone_url(zone: str, year: int, *, release: str = DEFAULT_RELEASE, base_url: str = BASE_URL) -> str:
    return URL_TEMPLATE.format(base=base_url.rstrip("/"), release=release, zone=zone, year=int(year))


def zone_path(zone: str, year: int, raw_root: str | os.PathLike | None = None) -> Path:
    """Where the zone file is cached: ``<raw root>/electricitymaps/<ZONE>_<YEAR>_hourly.csv``."""
    return cache.resolve_raw_root(raw_root) / RAW_SUBDIR / zone_file_name(zone, year)


def _header_map(header: list[str], where: str) -> dict[str, str]:
    """Raw header -> canonical name; DataSourceError naming the first missing required column."""
    mapping = {raw: _LOOKUP[_normalise(raw)] for raw in header if _normalise(raw) in _LOOKUP}
    missing = [name for name in REQUIRED if name not in mapping.values()]
    if missing:
        wanted = " or ".join(f'"{alias}"' for alias in dict.fromkeys(_COLUMNS[missing[0]]))
        raise DataSourceError(
            f"{where}: {SOURCE} file lacks column {wanted} (the header is: {', '.join(header)})"
        )
    return mapping


def check_header(path: str | os.PathLike, *, name: str | None = None) -> None:
    """Validate a zone file's header (used by the cache on download); ``name`` labels the file in messages.
    An empty file, a file that is not UTF-8 text or an HTML page (an error page saved under the zone file's name) is
    a DataSourceError saying so."""
    where = name or str(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), [])
    except UnicodeDecodeError:
        raise DataSourceError(f"{where}: not UTF-8 text, so not an {SOURCE} CSV") from None
    if not header:
        raise DataSourceError(f"{where}: empty file, not an {SOURCE} CSV")
    if header[0].lstrip().lower().startswith(("<!doctype", "<html", "<?xml", "{")):
        raise DataSourceError(f"{where}: an HTML/XML/JSON page (an error page?), not an {SOURCE} CSV")
    _header_map(header, where)


def _bad_rows(where: str, column: str, mask: pd.Series, values: pd.Series, problem: str) -> DataSourceError:
    rows = np.flatnonzero(mask.to_numpy())
    first = ", ".join(f"line {i + 2}: {values.iloc[i]!r}" for i in rows[:3])
    return DataSourceError(f'{where}, column "{column}": {len(rows)} rows {problem} (first: {first})')


def read_zone_csv(path: str | os.PathLike) -> pd.DataFrame:
    """Parse an Electricity Maps hourly zone CSV (either header spelling) into canonical columns.

    Returns one row per file row: time_utc (tz-aware UTC), country, zone_name, zone_id, carbon_direct_g_per_kwh,
    carbon_lifecycle_g_per_kwh [gCO2eq/kWh], carbon_free_percent, renewable_percent [%], data_source, estimated
    (nullable boolean; empty where the row has no data), estimation_method. Empty intensities stay NaN (``clean``
    deals with gaps). ``df.attrs["source_file"]`` holds the path. Floats are parsed exactly (round-trip).
    """
    path = Path(path)
    where = str(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), [])
    except OSError as exc:
        raise DataSourceError(f"{where}: cannot read {SOURCE} file ({exc.strerror})") from None
    mapping = _header_map(header, where)
    raw = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False, usecols=list(mapping))
    frame = pd.DataFrame(index=raw.index)
    originals = {canon: col for col, canon in mapping.items()}

    text = raw[originals["time_utc"]].str.strip()
    frame["time_utc"] = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
    bad = frame["time_utc"].isna()
    if bad.any():
        raise _bad_rows(where, originals["time_utc"], bad, text, "are not timestamps")

    for canon in ("country", "zone_name", "zone_id", "data_source", "estimation_method"):
        if canon in originals:
            frame[canon] = raw[originals[canon]].str.strip()
    for canon in _NUMERIC:
        if canon not in originals:
            continue
        text = raw[originals[canon]].str.strip()
        values = pd.Series([float(v) if _is_float(v) else np.nan for v in text], index=raw.index, dtype="float64")
        bad = values.isna() & (text != "")
        if bad.any():
            raise _bad_rows(where, originals[canon], bad, text, "are not numbers")
        frame[canon] = values
    for canon in ("carbon_direct_g_per_kwh", "carbon_lifecycle_g_per_kwh"):
        bad = frame[canon] < 0
        if bad.any():
            raise _bad_rows(where, originals[canon], bad, raw[originals[canon]], "are negative")

    text = raw[originals["estimated"]].str.strip().str.lower()
    bad = ~text.isin(["true", "false", ""])
    if bad.any():
        raise _bad_rows(where, originals["estimated"], bad, raw[originals["estimated"]], "are not true/false")
    frame["estimated"] = text.map({"true": True, "false": False, "": pd.NA}).astype("boolean")
    frame.attrs["source_file"] = where
    frame.attrs["columns"] = originals
    return frame


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text != ""


def clean(raw: pd.DataFrame, *, start=None, end=None, max_gap_h: int = MAX_FILL_GAP_H) -> pd.DataFrame:
    """Tidy hourly UTC table from ``read_zone_csv`` output.

    start, end: window [start, end) (naive times are UTC); default: the file's first to last hour.
    max_gap_h: runs of at most this many missing hours (absent rows or empty intensities) are filled by linear
        interpolation in time (at the window's edges: the nearest value) and flagged ``filled``; a longer run is a
        DataSourceError naming the file, the column and the gap.

    Returns a frame indexed by ``time_utc`` (tz-aware UTC, every hour of the window) with columns zone_id,
    carbon_direct_kg_per_kwh, carbon_lifecycle_kg_per_kwh [kg CO2eq/kWh = g/kWh / G_PER_KG], estimated (Electricity
    Maps' own estimate), filled (interpolated here). ``attrs``: source_file, n_filled.
    """
    where = raw.attrs.get("source_file", "Electricity Maps data")
    columns = {name: aliases[0] for name, aliases in _COLUMNS.items()} | raw.attrs.get("columns", {})
    duplicated = raw["time_utc"].duplicated()
    if duplicated.any():
        raise _bad_rows(where, columns["time_utc"], duplicated, raw["time_utc"].astype(str), "repeat an earlier hour")
    off_hour = raw["time_utc"] != raw["time_utc"].dt.floor("h")
    if off_hour.any():
        raise _bad_rows(where, columns["time_utc"], off_hour, raw["time_utc"].astype(str), "are not on the hour")
    if raw.empty and (start is None or end is None):
        raise DataSourceError(f"{where}: no rows")

    first = as_utc(start) if start is not None else raw["time_utc"].min()
    stop = as_utc(end) if end is not None else raw["time_utc"].max() + pd.Timedelta(hours=1)
    if stop <= first:
        raise InputError(f"{where}: empty window [{first}, {stop})")
    hours = pd.date_range(first, stop, freq="h", inclusive="left", name="time_utc")
    table = raw.set_index("time_utc").reindex(hours)
    if table["zone_id"].notna().sum() == 0:
        raise DataSourceError(f"{where}: no rows between {first} and {stop} UTC")

    out = pd.DataFrame(index=hours)
    out["zone_id"] = table["zone_id"].dropna().iloc[0]
    missing = table["carbon_direct_g_per_kwh"].isna() | table["carbon_lifecycle_g_per_kwh"].isna()
    check_gaps(missing, max_gap_h, f'{where}, column "{columns["carbon_lifecycle_g_per_kwh"]}"')
    for kind in ("direct", "lifecycle"):
        grams = table[f"carbon_{kind}_g_per_kwh"].where(~missing)
        if missing.any():
            grams = grams.interpolate(method="time", limit_direction="both")
        out[f"carbon_{kind}_kg_per_kwh"] = grams / G_PER_KG
    out["estimated"] = table["estimated"].fillna(False).astype(bool).where(~missing, False)
    out["filled"] = missing.to_numpy()
    out.attrs.update(source_file=where, n_filled=int(missing.sum()))
    return out


def fetch_zone(
    zone: str,
    year: int,
    *,
    raw_root: str | os.PathLike | None = None,
    offline: bool = False,
    refresh: bool = False,
    release: str = DEFAULT_RELEASE,
    base_url: str = BASE_URL,
    timeout_s: float = 60,
    retries: int = 3,
    backoff_s: float = 1.0,
    mirrors: bool | None = None,
) -> Path:
    """Download (or reuse) ``<raw root>/electricitymaps/<ZONE>_<YEAR>_hourly.csv``; the header is checked first.

    The portal is tried first, then the source registry's pinned mirrors that hold the zone-year (dataset
    ``electricitymaps_hourly`` of config/sources.yaml; each mirror file's sha256 is checked). mirrors: default True
    for the portal's default release and address, False when ``release`` or ``base_url`` is overridden.
    Offline, a cached file that is present but bad (empty, an HTML page, a wrong header, sha256 changed since
    download) is a CorruptCacheError, never "not cached".
    """
    if not re.fullmatch(r"[A-Za-z0-9-]+", zone):
        raise InputError(f'zone "{zone}" is not an Electricity Maps zone id (e.g. US-CAL-CISO)')
    url = zone_url(zone, year, release=release, base_url=base_url)
    if mirrors is None:
        mirrors = release == DEFAULT_RELEASE and base_url == BASE_URL
    addresses = (registry.dataset(REGISTRY_DATASET).mirror_addresses(zone=zone, year=int(year)) if mirrors else [])
    return cache.fetch(
        url,
        Path(RAW_SUBDIR) / zone_file_name(zone, year),
        source=SOURCE,
        licence=LICENCE,
        timeout_s=timeout_s,
        retries=retries,
        backoff_s=backoff_s,
        offline=offline,
        refresh=refresh,
        raw_root=raw_root,
        mirrors=addresses,
        validate=lambda tmp: check_header(tmp, name=zone_file_name(zone, year)),
    )


def load_zone(zone: str, year: int, *, start=None, end=None, max_gap_h: int = MAX_FILL_GAP_H, **fetch_kwargs):
    """fetch_zone + read_zone_csv + clean: the tidy hourly table of one zone-year (window defaults to the year)."""
    path = fetch_zone(zone, year, **fetch_kwargs)
    start = start if start is not None else f"{int(year)}-01-01"
    end = end if end is not None else f"{int(year) + 1}-01-01"
    return clean(read_zone_csv(path), start=start, end=end, max_gap_h=max_gap_h)
