"""On-site inputs of a real-data scenario's sites from weather: solar and wind output, wet-bulb temperature and WUE
(Open-Meteo archive files, pvlib, windpowerlib), and their stand-ins when a site has no weather (clear-sky solar,
constant WUE)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.data import cache, renewables, timeseries, water
from greenllm.data.scenarios.recipe import WUE_STAND_IN_L_PER_KWH, great_circle_km
from greenllm.data.sources import openmeteo
from greenllm.errors import DataSourceError

WEATHER_MAX_DISTANCE_KM = 50.0
"""A weather file whose grid point lies farther than this from the site is refused (it is for another place)."""
EDGE_FILL_MAX_HOURS = 24
"""At most this many hours at either end of a scenario window may lie outside a weather file and be filled from
the same hours one day later (start) or earlier (end) (``site_weather(edge_fill=True)``)."""
MINIMAL_WEATHER = ("temperature_2m",)
"""Variables a cached or hand-placed Open-Meteo file must have to be accepted; the rest is checked by use."""


def weather_file(region, year: int, *, raw_root, offline: bool) -> Path:
    """The Open-Meteo archive file of a region-year: cached (or placed by hand), else downloaded unless offline."""
    cached = cache.resolve_raw_root(raw_root) / openmeteo.cache_name(region.id, year)
    variables = MINIMAL_WEATHER if cached.exists() else openmeteo.HOURLY_VARIABLES
    return openmeteo.fetch_archive(region.id, region.latitude, region.longitude, year, variables=variables,
                                   offline=offline or cached.exists(), raw_root=raw_root)


def fill_edges(weather: pd.DataFrame, stamps: pd.DatetimeIndex, *, where: str) -> tuple[pd.DataFrame, list[str]]:
    """``weather`` extended to every stamp of ``stamps`` that lies before its first or after its last hour: a stamp
    before takes the values one day (24 h) later, one after the values one day earlier, repeated where needed (a file
    on its local clock misses up to its UTC offset of a UTC year). Returns the frame and the filled UTC stamps;
    DataSourceError when more than EDGE_FILL_MAX_HOURS are missing at one end."""
    first, last = weather.index[0], weather.index[-1]
    before, after = stamps[stamps < first], stamps[stamps > last]
    day = pd.Timedelta(hours=24)
    for side, missing in (("start", before), ("end", after)):
        if len(missing) > EDGE_FILL_MAX_HOURS:
            raise DataSourceError(f"{where}: {len(missing)} hours at the {side} of the window lie outside the weather "
                                  f"file ({first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC); at most "
                                  f"{EDGE_FILL_MAX_HOURS} are filled")
    rows = {}
    for stamp in before[::-1]:
        rows[stamp] = weather.loc[stamp + day] if stamp + day in weather.index else rows[stamp + day]
    for stamp in after:
        rows[stamp] = weather.loc[stamp - day] if stamp - day in weather.index else rows[stamp - day]
    if not rows:
        return weather, []
    attrs = dict(weather.attrs)
    extended = pd.concat([weather, pd.DataFrame(list(rows.values()), index=pd.DatetimeIndex(list(rows)))]).sort_index()
    extended.index.name = weather.index.name
    extended.attrs.update(attrs)
    return extended, [str(h) for h in sorted(rows)]


def site_weather(region, path: Path, hours: pd.DatetimeIndex, *, max_distance_km: float | None = WEATHER_MAX_DISTANCE_KM,
                 edge_fill: bool = False) -> tuple[pd.DataFrame, dict]:
    """Solar, wind [kW at registry nameplate], wet-bulb [deg C] and WUE [L/kWh] of a site on the UTC hour slots.

    Radiation is the mean of the hour ENDING at Open-Meteo's stamp, so slot [t, t+1) takes the solar output computed
    at stamp t+1; wind, temperature and humidity are instantaneous and are taken at the slot's start t.
    max_distance_km: a file whose grid point lies farther from the site is refused (None: any distance, the caller
    records it). edge_fill: hours of the window outside the file's span are filled by :func:`fill_edges` and listed in
    ``edge_filled_utc_hours``.
    """
    weather = openmeteo.read_archive_json(path)
    if (weather.index.minute != 0).any():  # a half-hour time zone (e.g. Asia/Kolkata): linear in time to UTC hours
        attrs = dict(weather.attrs)
        whole = pd.date_range(weather.index[0].ceil("h"), weather.index[-1].floor("h"), freq="h", name="time_utc")
        weather = weather.reindex(weather.index.union(whole)).interpolate(method="time").reindex(whole)
        weather.attrs.update(attrs, interpolated_to_utc_hours=True)
    edge_filled = []
    if edge_fill:
        stamps = pd.date_range(hours[0], hours[-1] + pd.Timedelta(hours=1), freq="h")
        weather, edge_filled = fill_edges(weather, stamps, where=f"{path} ({region.id})")
    lat, lon = weather.attrs.get("latitude"), weather.attrs.get("longitude")
    if lat is not None and lon is not None:
        distance = float(great_circle_km(region.latitude, region.longitude, lat, lon))
        if max_distance_km is not None and distance > max_distance_km:
            raise DataSourceError(f"{path}: the weather is for {lat:.2f}, {lon:.2f}, {distance:.0f} km from "
                                  f"{region.id} ({region.latitude}, {region.longitude}); place the file for the site")
    where = f"{path} ({region.id})"
    solar = renewables.solar_kw(weather, region.latitude, region.longitude, region.solar_kwp, interval_label="end")
    solar_slot = timeseries.window(solar.shift(-1, freq="h"), hours, where=where)
    instant = timeseries.window(weather, hours, where=where)
    if region.wind is None:
        wind = pd.Series(0.0, index=hours)
        wind_column = None
    else:
        for wind_column, height_m in (("wind_speed_100m_m_per_s", 100.0), ("wind_speed_10m_m_per_s", 10.0)):
            if wind_column in instant.columns:
                break
        else:
            raise DataSourceError(f"{where}: wind output needs 'wind_speed_100m' or 'wind_speed_10m' "
                                  f"(columns: {', '.join(instant.columns)})")
        wind = renewables.wind_kw(instant[wind_column], region.wind.hub_height_m, region.wind.turbine_type,
                                  region.wind.count, measurement_height_m=height_m)
    wet_bulb = water.wet_bulb_from_weather(instant)
    wue = water.onsite_wue_l_per_kwh(wet_bulb, region.cooling)
    frame = pd.DataFrame({"solar_kw": solar_slot.to_numpy(), "wind_kw": np.asarray(wind, float),
                          "wet_bulb_c": wet_bulb.to_numpy(), "wue_l_per_kwh": np.asarray(wue, float)}, index=hours)
    if frame.isna().any().any():
        bad = frame.columns[frame.isna().any()].tolist()
        raise DataSourceError(f"{where}: missing weather values in the scenario's hours for {', '.join(bad)}")
    filled = [h for h in weather.attrs.get("filled_utc_hours", [])
              if pd.Timestamp(h) >= hours[0] and pd.Timestamp(h) <= hours[-1] + pd.Timedelta(hours=1)]
    info = {"solar_method": solar.attrs["method"], "upper_bound": bool(solar.attrs["upper_bound"]),
            "wind_column": wind_column, "wet_bulb": "wet_bulb_c" if "wet_bulb_c" in instant.columns
            else "Stull (2011) from temperature_c and relative_humidity_pct", "filled_utc_hours": filled,
            "grid_point": [lat, lon], "elevation_m": weather.attrs.get("elevation_m")}
    if edge_fill:
        info["edge_filled_utc_hours"] = edge_filled
    return frame, info


def clearsky_solar_kw(region, hours: pd.DatetimeIndex) -> pd.Series:
    """Clear-sky PV output [kW at registry nameplate] per UTC slot (pvlib Ineichen + PVWatts): an UPPER BOUND."""
    solar = renewables.clearsky_solar_kw(hours, region.latitude, region.longitude, region.solar_kwp,
                                         interval_label="start")
    return pd.Series(solar.to_numpy(), index=hours, name="solar_kw")


def stand_in_wue(region, hours: pd.DatetimeIndex) -> pd.Series:
    """WUE_STAND_IN_L_PER_KWH for evaporative cooling, 0 for dry or seawater cooling."""
    value = 0.0 if region.cooling in water.WATERLESS_COOLING else WUE_STAND_IN_L_PER_KWH
    return pd.Series(value, index=hours, name="wue_l_per_kwh")
