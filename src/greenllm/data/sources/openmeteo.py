"""Open-Meteo Historical Weather API (archive): hourly weather per region and year, through the download cache.

Source: https://archive-api.open-meteo.com/v1/archive, data CC BY 4.0 ("Weather data by Open-Meteo.com").
Files are cached as ``<raw root>/openmeteo/<region>_<year>.json`` (greenllm.data.cache.fetch).

``read_archive_json`` returns hourly frames indexed by UTC hour with unit-named columns:

    temperature_c, relative_humidity_pct, ghi_w_per_m2 (shortwave_radiation), direct_horizontal_w_per_m2
    (direct_radiation), dhi_w_per_m2 (diffuse_radiation), wind_speed_10m_m_per_s, wind_speed_100m_m_per_s,
    wet_bulb_c (wet_bulb_temperature_2m), cloud_cover_pct (cloud_cover)

Only variables present in the file appear (``required`` names those that must). Radiation values are means over the
hour *ending* at the stamp (Open-Meteo docs: "Solar radiation is averaged over the past hour"); other variables are
instantaneous at the stamp.

Time stamps. Our downloads ask for ``timezone=UTC``. Files requested with a local ``timezone`` (such as the green-dcc
2024 files) carry naive local stamps and ONE ``utc_offset_seconds``. Open-Meteo applies that single offset - the one
valid on the day the request was made - to the whole series, with no daylight-saving changes (maintainer statements
in open-meteo/open-meteo#488 and #1255, and #1764). That is why those files hold 8784 continuous 2024 stamps with no
DST gap or repeat, and why the Frankfurt file says GMT+1 while the US files carry summer offsets. So the default
``local_time="api_offset"`` converts with ``utc = stamp - utc_offset_seconds``, which yields continuous UTC hours.
``local_time="wall_clock"`` instead reads the stamps as IANA wall-clock time in ``timezone`` (for files written by
tools that do apply DST). That mapping is not one-to-one, and it is handled explicitly:

- a stamp inside the spring-forward gap does not exist: it is dropped (listed in ``attrs["dropped_local_stamps"]``);
- a stamp in the repeated fall-back hour is taken as its first (daylight-time) occurrence;
- the UTC hours then missing (the second fall-back hour) are filled by linear interpolation in time and listed in
  ``attrs["filled_utc_hours"]``.

A duplicated UTC hour after conversion is a DataSourceError. In both modes, gaps inside the series are filled the
same way and listed in ``attrs["filled_utc_hours"]``; nulls in the data stay NaN.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.data import cache
from greenllm.data.water import fahrenheit_to_celsius
from greenllm.errors import DataSourceError

log = logging.getLogger(__name__)

SOURCE = "Open-Meteo Historical Weather API"
LICENCE = "CC-BY-4.0 (Weather data by Open-Meteo.com)"
ARCHIVE_URL = "https://archive-api.open-meteo.com/v1/archive"
CACHE_FOLDER = "openmeteo"
ARCHIVE_MODEL = "era5"
"""The reanalysis every archive request pins (``models=era5``). Without it the API answers with its "best match"
blend, whose member models change as new ones are added, so a second download could give other values. ERA5
(Copernicus Climate Change Service, 0.25 deg, from 1940) has every variable of HOURLY_VARIABLES."""

HOURLY_VARIABLES = (
    "temperature_2m",
    "relative_humidity_2m",
    "shortwave_radiation",
    "direct_radiation",
    "diffuse_radiation",
    "wind_speed_10m",
    "wind_speed_100m",
    "wet_bulb_temperature_2m",
)
"""Variables our downloads ask for (current API names)."""

COLUMN_NAMES = {
    "temperature_2m": "temperature_c",
    "relative_humidity_2m": "relative_humidity_pct",
    "shortwave_radiation": "ghi_w_per_m2",
    "direct_radiation": "direct_horizontal_w_per_m2",
    "diffuse_radiation": "dhi_w_per_m2",
    "wind_speed_10m": "wind_speed_10m_m_per_s",
    "wind_speed_100m": "wind_speed_100m_m_per_s",
    "wet_bulb_temperature_2m": "wet_bulb_c",
    "cloud_cover": "cloud_cover_pct",
}
"""API variable -> our column. Variables not listed are not read."""

LEGACY_NAMES = {
    "windspeed_10m": "wind_speed_10m",
    "windspeed_100m": "wind_speed_100m",
    "cloudcover": "cloud_cover",
    "relativehumidity_2m": "relative_humidity_2m",
}
"""Variable names of older API versions (e.g. the green-dcc 2024 files) -> current names."""

KMH_TO_M_PER_S = 1000.0 / 3600.0
"""km/h -> m/s (exact: 1000 m per km, 3600 s per h)."""
MPH_TO_M_PER_S = 0.44704
"""mph -> m/s (exact: international mile 1609.344 m / 3600 s)."""
KNOT_TO_M_PER_S = 1852.0 / 3600.0
"""kn -> m/s (exact: international nautical mile 1852 m / 3600 s)."""

_WIND_FACTORS = {"m/s": 1.0, "km/h": KMH_TO_M_PER_S, "mp/h": MPH_TO_M_PER_S, "mph": MPH_TO_M_PER_S,
                 "kn": KNOT_TO_M_PER_S}
_UNITS = {  # our column -> accepted units and the converter from each
    "temperature_c": {"°C": None, "°F": fahrenheit_to_celsius},
    "wet_bulb_c": {"°C": None, "°F": fahrenheit_to_celsius},
    "relative_humidity_pct": {"%": None},
    "cloud_cover_pct": {"%": None},
    "ghi_w_per_m2": {"W/m²": None, "W/m2": None},
    "direct_horizontal_w_per_m2": {"W/m²": None, "W/m2": None},
    "dhi_w_per_m2": {"W/m²": None, "W/m2": None},
    "wind_speed_10m_m_per_s": {unit: factor for unit, factor in _WIND_FACTORS.items()},
    "wind_speed_100m_m_per_s": {unit: factor for unit, factor in _WIND_FACTORS.items()},
}
LOCAL_TIME_MODES = ("api_offset", "wall_clock")


def cache_name(region_id: str, year: int) -> str:
    """Cache path of one region-year, relative to the raw root."""
    return f"{CACHE_FOLDER}/{region_id}_{year}.json"


def archive_params(latitude: float, longitude: float, year: int,
                   variables: Sequence[str] = HOURLY_VARIABLES) -> dict:
    """Query parameters for one calendar year of hourly data in UTC, wind in m/s, from the pinned ERA5 reanalysis."""
    return {
        "latitude": f"{latitude:.4f}",
        "longitude": f"{longitude:.4f}",
        "start_date": f"{year}-01-01",
        "end_date": f"{year}-12-31",
        "hourly": ",".join(variables),
        "timezone": "UTC",
        "wind_speed_unit": "ms",
        "models": ARCHIVE_MODEL,
    }


def fetch_archive(region_id: str, latitude: float, longitude: float, year: int, *,
                  variables: Sequence[str] = HOURLY_VARIABLES, url: str = ARCHIVE_URL, offline: bool = False,
                  refresh: bool = False, raw_root=None, timeout_s: float = 60, retries: int = 3,
                  backoff_s: float = 1.0) -> Path:
    """Download (or reuse) one year of hourly archive data for a site; returns the cached JSON file.

    The file is validated before it enters the cache: a response missing one of ``variables`` is a
    DataSourceError naming the variable. Offline and not cached: DataSourceError saying which URL to fetch and
    where to place the file.
    """
    variables = tuple(variables)

    def validate(path: Path) -> None:
        read_archive_json(path, required=variables)

    return cache.fetch(
        url, cache_name(region_id, year), source=SOURCE, licence=LICENCE,
        params=archive_params(latitude, longitude, year, variables), timeout_s=timeout_s, retries=retries,
        backoff_s=backoff_s, offline=offline, validate=validate, refresh=refresh, raw_root=raw_root,
    )


def load_weather(region, year: int, *, variables: Sequence[str] = HOURLY_VARIABLES, **fetch_kwargs) -> pd.DataFrame:
    """Hourly UTC weather of a registry region (greenllm.data.regions.Region) for one year (fetch + read)."""
    path = fetch_archive(region.id, region.latitude, region.longitude, year, variables=variables, **fetch_kwargs)
    return read_archive_json(path, required=variables)


def read_archive_json(path: str | Path, *, required: Sequence[str] = (), local_time: str = "api_offset"
                      ) -> pd.DataFrame:
    """Parse an Open-Meteo archive (or forecast) JSON response into an hourly frame indexed by UTC hour.

    required: API variable names (current or legacy) that must be present, else DataSourceError naming the file and
        the variable. local_time: "api_offset" (default) or "wall_clock", see the module docstring.
    ``attrs`` keep the source, file, site (latitude, longitude, elevation_m), timezone, utc_offset_seconds, the
    local-time mode, filled_utc_hours and dropped_local_stamps.
    """
    if local_time not in LOCAL_TIME_MODES:
        raise ValueError(f"local_time must be one of {LOCAL_TIME_MODES}, not {local_time!r}")
    path = Path(path)
    where = f"{SOURCE} file {path}"
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataSourceError(f"{where}: not readable JSON ({exc})") from None
    if not isinstance(payload, dict):
        raise DataSourceError(f"{where}: expected a JSON object, got {type(payload).__name__}")
    if payload.get("error"):
        raise DataSourceError(f"{where}: the API returned an error: {payload.get('reason', 'no reason given')}")
    hourly = payload.get("hourly")
    units = payload.get("hourly_units") or {}
    if not isinstance(hourly, dict) or "time" not in hourly:
        raise DataSourceError(f"{where}: no 'hourly.time' block (keys: {', '.join(map(str, payload))})")

    names = {LEGACY_NAMES.get(name, name): name for name in hourly if name != "time"}  # current -> as in file
    for variable in required:
        current = LEGACY_NAMES.get(variable, variable)
        if current not in names:
            raise DataSourceError(
                f"{where}: column {variable!r} is missing (has: {', '.join(hourly) or 'nothing'}); "
                "the API's schema changed or the request did not ask for it"
            )
    times = hourly["time"]
    n_rows = len(times)
    columns = {}
    for current, in_file in names.items():
        column = COLUMN_NAMES.get(current)
        if column is None:
            continue
        values = hourly[in_file]
        if not isinstance(values, list) or len(values) != n_rows:
            raise DataSourceError(f"{where}: column {in_file!r} has {len(values) if isinstance(values, list) else 0} "
                                  f"values for {n_rows} time stamps")
        series = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").astype(float)
        unit = units.get(in_file)
        accepted = _UNITS[column]
        if unit not in accepted:
            raise DataSourceError(f"{where}: column {in_file!r} has unit {unit!r}; expected one of "
                                  f"{', '.join(accepted)}")
        convert = accepted[unit]
        if callable(convert):
            series = convert(series)
        elif convert is not None:
            series = series * convert
        columns[column] = series.to_numpy()

    frame = pd.DataFrame(columns)
    index, dropped = _utc_index(payload, times, units.get("time", "iso8601"), local_time, where)
    keep = ~index.isna()
    frame = frame.loc[np.asarray(keep)].set_axis(index[keep]).rename_axis("time_utc")
    duplicated = frame.index.duplicated(keep=False)
    if duplicated.any():
        first = ", ".join(str(t) for t in frame.index[duplicated][:3])
        raise DataSourceError(f"{where}: {int(duplicated.sum())} rows share a UTC hour after time conversion "
                              f"(first: {first})")
    frame = frame.sort_index()
    frame, filled = _complete_hourly(frame)
    if filled:
        log.info("%s: filled %d missing UTC hour(s) by interpolation (first: %s)", where, len(filled), filled[0])
    frame.attrs.update({
        "source": SOURCE,
        "licence": LICENCE,
        "path": str(path),
        "latitude": payload.get("latitude"),
        "longitude": payload.get("longitude"),
        "elevation_m": payload.get("elevation"),
        "timezone": payload.get("timezone"),
        "utc_offset_seconds": payload.get("utc_offset_seconds"),
        "local_time": local_time,
        "radiation_interval": "hour ending at the stamp",
        "filled_utc_hours": filled,
        "dropped_local_stamps": dropped,
    })
    return frame


def _utc_index(payload: dict, times: list, time_format: str, local_time: str, where: str
               ) -> tuple[pd.DatetimeIndex, list[str]]:
    """UTC stamps for the file's time column (NaT for stamps that do not exist), and the dropped local stamps."""
    if time_format == "unixtime":  # unix seconds are UTC whatever the timezone parameter
        return pd.DatetimeIndex(pd.to_datetime(pd.Series(times), unit="s", utc=True)), []
    try:
        local = pd.DatetimeIndex(pd.to_datetime(pd.Series(times), format="%Y-%m-%dT%H:%M"))
    except (ValueError, TypeError) as exc:
        raise DataSourceError(f"{where}: column 'time' is not ISO 8601 'YYYY-MM-DDTHH:MM' ({exc})") from None
    offset_s = payload.get("utc_offset_seconds", 0)
    timezone = payload.get("timezone", "GMT")
    if not isinstance(offset_s, (int, float)):
        raise DataSourceError(f"{where}: field 'utc_offset_seconds' is not a number: {offset_s!r}")
    if local_time == "api_offset" or timezone in ("GMT", "UTC", "Etc/UTC", "Etc/GMT"):
        return (local - pd.Timedelta(seconds=offset_s)).tz_localize("UTC"), []
    try:
        localized = local.tz_localize(timezone, ambiguous=np.ones(len(local), dtype=bool), nonexistent="NaT")
    except Exception as exc:  # unknown zone names raise several exception types
        raise DataSourceError(f"{where}: field 'timezone' {timezone!r} is not usable: {exc}") from None
    dropped = [stamp.strftime("%Y-%m-%dT%H:%M") for stamp in local[localized.isna()]]
    return localized.tz_convert("UTC"), dropped


def _complete_hourly(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Reindex to every UTC hour between the first and last stamp; interpolate the added hours linearly in time."""
    if frame.empty:
        return frame, []
    full = pd.date_range(frame.index[0], frame.index[-1], freq="h", name="time_utc")
    if len(full) == len(frame) and full.equals(frame.index):
        return frame, []
    added = full.difference(frame.index)
    completed = frame.reindex(full.union(frame.index))
    filled_values = completed.interpolate(method="time", limit_area="inside")
    completed.loc[added] = filled_values.loc[added]
    completed = completed.reindex(full)
    return completed, [stamp.isoformat() for stamp in added]
