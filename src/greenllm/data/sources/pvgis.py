"""PVGIS hourly radiation and PV output (EU Joint Research Centre, ``seriescalc``), read with pvlib.iotools.

Source: https://re.jrc.ec.europa.eu/api/ (PVGIS (c) European Union; reuse authorised with attribution). Downloads go
through the cache as ``<raw root>/pvgis/<region>_<year>.json``, with the query parameters pvlib's
``get_pvgis_hourly`` sends; files are parsed with ``pvlib.iotools.read_pvgis_hourly`` (JSON or CSV output format).

``read_pvgis_hourly`` returns a frame indexed by UTC time with unit-named columns (those present in the file):

    pv_kw (P, PV system output for the file's peak power), poa_global_w_per_m2 (G(i), or Gb(i)+Gd(i)+Gr(i)),
    poa_direct_w_per_m2, poa_sky_diffuse_w_per_m2, poa_ground_diffuse_w_per_m2, ghi_w_per_m2, dni_w_per_m2,
    dhi_w_per_m2, solar_elevation_deg (H_sun), temperature_c (T2m), wind_speed_10m_m_per_s (WS10m),
    reconstructed (Int == 1: radiation reconstructed by PVGIS)

PVGIS stamps carry minutes (e.g. 00:10): the values are hourly averages (the file's own description), labelled at the
satellite observation minute; ``hour_start=True`` floors the stamps to the hour.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pvlib

from greenllm.data import cache
from greenllm.errors import DataSourceError

SOURCE = "PVGIS (EU JRC) seriescalc"
LICENCE = "PVGIS (c) European Union, reuse authorised with attribution"
SERIESCALC_URL = "https://re.jrc.ec.europa.eu/api/v5_2/seriescalc"
CACHE_FOLDER = "pvgis"
W_PER_KW = 1000.0
"""Watts per kilowatt."""

COLUMN_NAMES = {
    "poa_global": "poa_global_w_per_m2",
    "poa_direct": "poa_direct_w_per_m2",
    "poa_sky_diffuse": "poa_sky_diffuse_w_per_m2",
    "poa_ground_diffuse": "poa_ground_diffuse_w_per_m2",
    "ghi": "ghi_w_per_m2",
    "dni": "dni_w_per_m2",
    "dhi": "dhi_w_per_m2",
    "solar_elevation": "solar_elevation_deg",
    "temp_air": "temperature_c",
    "wind_speed": "wind_speed_10m_m_per_s",
}
"""pvlib's mapped variable names -> our columns (all in the units PVGIS documents: W/m2, deg, deg C, m/s)."""
POA_COMPONENTS = ("poa_direct_w_per_m2", "poa_sky_diffuse_w_per_m2", "poa_ground_diffuse_w_per_m2")


def cache_name(region_id: str, year: int) -> str:
    """Cache path of one region-year, relative to the raw root."""
    return f"{CACHE_FOLDER}/{region_id}_{year}.json"


def seriescalc_params(latitude: float, longitude: float, year: int, *, peakpower_kw: float = 1.0,
                      loss_pct: float = 14.0, surface_tilt_deg: float | None = None,
                      surface_azimuth_deg: float = 180.0, raddatabase: str | None = None) -> dict:
    """Query parameters for one year of hourly PV output and irradiance components (as pvlib's get_pvgis_hourly).

    surface_azimuth_deg uses pvlib's convention (180 = south); PVGIS's ``aspect`` is that minus 180.
    surface_tilt_deg None asks PVGIS for the optimal inclination.
    """
    params = {
        "lat": latitude, "lon": longitude, "outputformat": "json", "startyear": year, "endyear": year,
        "pvcalculation": 1, "peakpower": peakpower_kw, "loss": loss_pct, "pvtechchoice": "crystSi",
        "mountingplace": "free", "trackingtype": 0, "components": 1, "usehorizon": 1,
        "aspect": surface_azimuth_deg - 180.0,
    }
    if surface_tilt_deg is None:
        params["optimalinclination"] = 1
    else:
        params["angle"] = surface_tilt_deg
    if raddatabase is not None:
        params["raddatabase"] = raddatabase
    return params


def fetch_pvgis_hourly(region_id: str, latitude: float, longitude: float, year: int, *,
                       url: str = SERIESCALC_URL, offline: bool = False, refresh: bool = False, raw_root=None,
                       timeout_s: float = 60, retries: int = 3, backoff_s: float = 1.0, **param_kwargs) -> Path:
    """Download (or reuse) one year of PVGIS hourly data for a site; returns the cached JSON file.

    param_kwargs go to seriescalc_params (peakpower_kw, loss_pct, surface_tilt_deg, ...). The body is parsed before
    it enters the cache, so a changed format is a DataSourceError and never a cached file.
    """
    return cache.fetch(
        url, cache_name(region_id, year), source=SOURCE, licence=LICENCE,
        params=seriescalc_params(latitude, longitude, year, **param_kwargs), timeout_s=timeout_s, retries=retries,
        backoff_s=backoff_s, offline=offline, validate=lambda path: read_pvgis_hourly(path), refresh=refresh,
        raw_root=raw_root,
    )


def read_pvgis_hourly(path: str | Path, *, hour_start: bool = False) -> tuple[pd.DataFrame, dict, dict]:
    """(hourly frame, inputs, metadata) from a PVGIS seriescalc file (JSON or CSV), via pvlib.iotools.

    Raises DataSourceError naming the file when pvlib cannot parse it or it holds neither PV output nor
    plane-of-array irradiance.
    """
    path = Path(path)
    where = f"{SOURCE} file {path}"
    fmt = "csv" if path.suffix.lower() == ".csv" else "json"
    try:
        parsed = pvlib.iotools.read_pvgis_hourly(str(path), pvgis_format=fmt, map_variables=True)
    except Exception as exc:  # pvlib raises KeyError/ValueError/JSONDecodeError... on a foreign format
        raise DataSourceError(f"{where}: not a PVGIS hourly {fmt.upper()} response "
                              f"({type(exc).__name__}: {exc})") from None
    if len(parsed) == 3:  # pvlib < 0.13: (data, inputs, metadata)
        data, inputs, metadata = parsed
    else:  # pvlib >= 0.13: (data, metadata) with the inputs inside the metadata
        data, metadata = parsed
        inputs = metadata.get("inputs", {})
    frame = pd.DataFrame(index=pd.DatetimeIndex(data.index))
    if "P" in data.columns:
        frame["pv_kw"] = data["P"].astype(float) / W_PER_KW
    for name, column in COLUMN_NAMES.items():
        if name in data.columns:
            frame[column] = data[name].astype(float)
    if "poa_global_w_per_m2" not in frame.columns and set(POA_COMPONENTS) <= set(frame.columns):
        frame["poa_global_w_per_m2"] = frame[list(POA_COMPONENTS)].sum(axis=1)
    if "Int" in data.columns:
        frame["reconstructed"] = data["Int"].astype(int) == 1
    if "pv_kw" not in frame.columns and "poa_global_w_per_m2" not in frame.columns:
        raise DataSourceError(f"{where}: column 'P' (PV output) or 'G(i)' (plane-of-array irradiance) is missing "
                              f"(has: {', '.join(map(str, data.columns))})")
    if frame.index.tz is None:
        frame.index = frame.index.tz_localize("UTC")
    else:
        frame.index = frame.index.tz_convert("UTC")
    if hour_start:
        frame.index = frame.index.floor("h")
    frame.index.name = "time_utc"
    frame.attrs.update({"source": SOURCE, "licence": LICENCE, "path": str(path)})
    return frame, inputs, metadata


def peak_power_kw(inputs: dict) -> float | None:
    """The PV peak power [kWp] a PVGIS response was computed for (JSON inputs), or None if absent."""
    try:
        return float(inputs["pv_module"]["peak_power"])
    except (KeyError, TypeError, ValueError):
        return None


def pvgis_solar_kw(frame: pd.DataFrame, inputs: dict, capacity_kwp: float) -> pd.Series:
    """PVGIS PV output rescaled to ``capacity_kwp`` [kWp]: pv_kw * capacity_kwp / the file's peak power [kW]."""
    peak = peak_power_kw(inputs)
    if "pv_kw" not in frame.columns or not peak:
        raise DataSourceError(f"{frame.attrs.get('path', 'PVGIS data')}: no PV output ('P') and peak power "
                              "(inputs.pv_module.peak_power); request it with pvcalculation=1")
    return (frame["pv_kw"] * (capacity_kwp / peak)).rename("solar_kw")
