"""On-site renewable output per hour: PV with pvlib (PVWatts), wind with windpowerlib (real turbine power curves).

Weather comes as an hourly frame indexed by UTC time with the columns of
greenllm.data.sources.openmeteo.read_archive_json (ghi_w_per_m2, dhi_w_per_m2, cloud_cover_pct, temperature_c,
wind_speed_10m_m_per_s, wind_speed_100m_m_per_s). Outputs are average power over the hour [kW], so one hourly slot
gives kWh numerically equal to kW.

Solar chain (pvlib): solar position at the middle of each averaging interval -> DNI/DHI (measured DHI, or the Erbs
decomposition of GHI, or GHI estimated from cloud cover) -> plane-of-array irradiance (Hay-Davies) -> SAPM cell
temperature -> PVWatts DC with PVWatts' default system losses -> PVWatts inverter. Without weather the clear-sky
(Ineichen) output is returned and flagged as an upper bound: ``attrs["upper_bound"] is True``.

Wind chain (windpowerlib): wind speed at the measurement height -> hub height (Hellman power law, or logarithmic
profile) -> the turbine's power curve from windpowerlib's offline library (zero below cut-in and above the last
curve point) x number of turbines.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pandas as pd
import pvlib
from windpowerlib import WindTurbine, power_output
from windpowerlib import wind_speed as wind_profile

from greenllm.errors import DataSourceError, InputError

W_PER_KW = 1000.0
"""Watts per kilowatt."""

PVWATTS_GAMMA_PDC_PER_C = -0.0047
"""PVWatts v5 "standard" module temperature coefficient of power [1/deg C] (Dobos 2014, PVWatts Version 5 Manual,
NREL/TP-6A20-62641)."""
PVWATTS_INVERTER_EFFICIENCY = 0.96
"""PVWatts v5 nominal inverter efficiency [-] (Dobos 2014; pvlib.inverter.pvwatts default)."""
DC_AC_RATIO = 1.0
"""Array DC rating / inverter AC rating [-]. 1.0 (no inverter clipping) is our assumption, stated here."""
PVWATTS_LOSSES_PCT = pvlib.pvsystem.pvwatts_losses()
"""PVWatts v5 default system losses, about 14.08 % (soiling, shading, mismatch, wiring, LID, availability...)."""
SAPM_TEMPERATURE_PARAMS = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_polymer"]
"""SAPM cell-temperature parameters for open-rack glass/polymer modules (King et al. 2004, via pvlib)."""
LARSON_CLOUD_OFFSET = 0.35
"""GHI under full overcast as a fraction of clear-sky GHI, in the linear cloud-cover model
GHI = (offset + (1 - offset) (1 - cloud/100)) GHI_clear of Larson, Nonnenmacher and Coimbra (2016), Renewable
Energy 91, 11-20 (as once implemented in pvlib.forecast, removed in pvlib 0.11)."""
STILL_AIR_WIND_M_PER_S = 1.0
"""Wind speed [m/s] assumed for the cell temperature when the weather has none."""
REFERENCE_CELL_TEMPERATURE_C = 25.0
"""PVWatts reference cell temperature [deg C]; used as the cell temperature of the clear-sky upper bound."""
DEFAULT_ROUGHNESS_LENGTH_M = 0.15
"""Surface roughness length [m] for the logarithmic wind profile (windpowerlib's example weather data uses 0.15)."""

INTERVAL_MIDPOINT_SHIFT = {"end": -pd.Timedelta(minutes=30), "center": pd.Timedelta(0),
                           "start": pd.Timedelta(minutes=30)}
"""Stamp -> middle of the hour the values average over. Open-Meteo radiation is the mean of the hour ending at the
stamp ("end")."""


def solar_kw(weather_utc: pd.DataFrame | None, latitude: float, longitude: float, capacity_kwp: float, *,
             times: pd.DatetimeIndex | None = None, tilt_deg: float | None = None, azimuth_deg: float | None = None,
             altitude_m: float | None = None, interval_label: str = "end", dc_ac_ratio: float = DC_AC_RATIO,
             gamma_pdc_per_c: float = PVWATTS_GAMMA_PDC_PER_C, losses_pct: float = PVWATTS_LOSSES_PCT,
             albedo: float = 0.25) -> pd.Series:
    """Hourly AC output [kW] of a fixed-tilt PV array of ``capacity_kwp`` [kWp DC] at a site.

    weather_utc: hourly frame indexed by UTC time with ``ghi_w_per_m2`` (and ``dhi_w_per_m2`` if measured), or only
        ``cloud_cover_pct``; optional ``temperature_c`` and ``wind_speed_10m_m_per_s`` for the cell temperature.
        None: clear sky at ``times`` (UTC), flagged as an upper bound.
    tilt_deg, azimuth_deg: default |latitude| facing the equator (180 deg north of the equator, 0 south of it).
    altitude_m: site elevation [m] for the clear-sky model; None looks it up in pvlib's built-in elevation map.
    interval_label: whether a stamp marks the "end" (Open-Meteo), "center" or "start" of the averaged hour.
    Returns a Series named ``solar_kw`` on the weather's (or ``times``') index, never above capacity_kwp;
    ``attrs["method"]`` is "ghi_dhi", "ghi_erbs", "cloud_cover" or "clearsky_upper_bound".
    """
    if capacity_kwp < 0:
        raise InputError(f"solar capacity must be >= 0 kWp, not {capacity_kwp}")
    if interval_label not in INTERVAL_MIDPOINT_SHIFT:
        raise ValueError(f"interval_label must be one of {list(INTERVAL_MIDPOINT_SHIFT)}, not {interval_label!r}")
    if weather_utc is None:
        if times is None:
            raise InputError("solar_kw without weather needs `times` (the UTC hours of the clear-sky estimate)")
        index = _utc_index(pd.DatetimeIndex(times), "times")
    else:
        index = _utc_index(pd.DatetimeIndex(weather_utc.index), "weather index")
    tilt = abs(latitude) if tilt_deg is None else tilt_deg
    azimuth = (180.0 if latitude >= 0 else 0.0) if azimuth_deg is None else azimuth_deg

    midpoints = index + INTERVAL_MIDPOINT_SHIFT[interval_label]
    site = pvlib.location.Location(latitude, longitude, altitude=altitude_m)
    position = site.get_solarposition(midpoints)
    zenith = position["apparent_zenith"].to_numpy()
    true_zenith = position["zenith"].to_numpy()
    dni_extra = pvlib.irradiance.get_extra_radiation(midpoints).to_numpy()

    temp_air = wind = None
    if weather_utc is None:
        clear = site.get_clearsky(midpoints, solar_position=position)
        ghi, dni, dhi = (clear[name].to_numpy() for name in ("ghi", "dni", "dhi"))
        method = "clearsky_upper_bound"
    else:
        columns = weather_utc.columns
        if "ghi_w_per_m2" in columns:
            ghi = weather_utc["ghi_w_per_m2"].to_numpy(float)
            if "dhi_w_per_m2" in columns:
                dhi = weather_utc["dhi_w_per_m2"].to_numpy(float)
                clear = site.get_clearsky(midpoints, solar_position=position)
                # pvlib marks implausible values (negative, or non-zero with the sun at the horizon) as NaN: no beam
                dni = pvlib.irradiance.dni(pd.Series(ghi, index=midpoints), pd.Series(dhi, index=midpoints),
                                           pd.Series(true_zenith, index=midpoints), dni_clear=clear["dni"])
                dni = dni.to_numpy(float)
                dni = np.where(np.isfinite(ghi) & np.isfinite(dhi), np.nan_to_num(dni, nan=0.0), np.nan)
                method = "ghi_dhi"
            else:
                dni, dhi = _erbs(ghi, true_zenith, midpoints)
                method = "ghi_erbs"
        elif "cloud_cover_pct" in columns:
            clear = site.get_clearsky(midpoints, solar_position=position)
            cloud = weather_utc["cloud_cover_pct"].to_numpy(float) / 100.0
            ghi = (LARSON_CLOUD_OFFSET + (1 - LARSON_CLOUD_OFFSET) * (1 - cloud)) * clear["ghi"].to_numpy()
            dni, dhi = _erbs(ghi, true_zenith, midpoints)
            method = "cloud_cover"
        else:
            raise DataSourceError(
                "weather: solar output needs column 'ghi_w_per_m2' (with or without 'dhi_w_per_m2') or "
                f"'cloud_cover_pct' (columns: {', '.join(map(str, columns))})"
            )
        if "temperature_c" in columns:
            temp_air = weather_utc["temperature_c"].to_numpy(float)
        if "wind_speed_10m_m_per_s" in columns:
            wind = weather_utc["wind_speed_10m_m_per_s"].to_numpy(float)

    poa = pvlib.irradiance.get_total_irradiance(
        tilt, azimuth, zenith, position["azimuth"].to_numpy(), dni, ghi, dhi, dni_extra=dni_extra,
        albedo=albedo, model="haydavies",
    )["poa_global"]
    poa = np.clip(np.asarray(poa, float), 0.0, None)
    if temp_air is None:
        temp_cell = np.full(len(index), REFERENCE_CELL_TEMPERATURE_C)
    else:
        temp_cell = pvlib.temperature.sapm_cell(
            poa, temp_air, STILL_AIR_WIND_M_PER_S if wind is None else wind, **SAPM_TEMPERATURE_PARAMS)
    pdc_kw = pvlib.pvsystem.pvwatts_dc(poa, temp_cell, capacity_kwp, gamma_pdc_per_c) * (1 - losses_pct / 100)
    inverter_dc_limit_kw = capacity_kwp / dc_ac_ratio
    if capacity_kwp == 0:
        pac_kw = np.zeros(len(index))
    else:
        pac_kw = pvlib.inverter.pvwatts(np.asarray(pdc_kw, float), inverter_dc_limit_kw,
                                        eta_inv_nom=PVWATTS_INVERTER_EFFICIENCY)
        pac_kw = np.where(np.isnan(poa) | np.isnan(np.asarray(pdc_kw, float)), np.nan, pac_kw)
    result = pd.Series(np.asarray(pac_kw, float), index=index, name="solar_kw")
    result.attrs.update({"method": method, "upper_bound": method == "clearsky_upper_bound",
                         "capacity_kwp": capacity_kwp, "tilt_deg": tilt, "azimuth_deg": azimuth})
    return result


def clearsky_solar_kw(times: pd.DatetimeIndex, latitude: float, longitude: float, capacity_kwp: float,
                      **kwargs) -> pd.Series:
    """Clear-sky PV output [kW] at UTC ``times``: an UPPER BOUND, not weather (``attrs["upper_bound"] is True``)."""
    return solar_kw(None, latitude, longitude, capacity_kwp, times=times, **kwargs)


@functools.lru_cache(maxsize=64)
def turbine_power_curve(turbine_type: str) -> pd.DataFrame:
    """windpowerlib's power curve of a turbine type: columns wind_speed [m/s] and value [W]."""
    try:
        with warnings.catch_warnings():  # windpowerlib warns about unknown types (we raise) and pandas deprecations
            warnings.filterwarnings("ignore", module="windpowerlib")
            turbine = WindTurbine(hub_height=100.0, turbine_type=turbine_type)
    except Exception as exc:  # windpowerlib raises KeyError/ValueError for unknown types
        raise InputError(f"wind turbine type {turbine_type!r} is not in windpowerlib's library ({exc})") from None
    if turbine.power_curve is None:
        raise InputError(f"wind turbine type {turbine_type!r} has no power curve in windpowerlib's library")
    return turbine.power_curve[["wind_speed", "value"]].astype(float).reset_index(drop=True)


def hub_wind_speed_m_s(wind_speed_m_s, measurement_height_m: float, hub_height_m: float, *,
                       height_correction: str = "hellman", roughness_length_m: float | None = None,
                       hellman_exponent: float | None = None):
    """Wind speed at hub height [m/s] from a measurement at another height (windpowerlib.wind_speed).

    hellman: v_hub = v (h_hub / h)^alpha, alpha = hellman_exponent, or 1/ln(h_hub / z0) with a roughness length,
        or 1/7 with neither. logarithmic: v_hub = v ln(h_hub / z0) / ln(h / z0), z0 default 0.15 m.
    """
    if height_correction == "hellman":
        return wind_profile.hellman(wind_speed_m_s, measurement_height_m, hub_height_m,
                                    roughness_length=roughness_length_m, hellman_exponent=hellman_exponent)
    if height_correction == "logarithmic":
        z0 = DEFAULT_ROUGHNESS_LENGTH_M if roughness_length_m is None else roughness_length_m
        return wind_profile.logarithmic_profile(wind_speed_m_s, measurement_height_m, hub_height_m, z0)
    raise ValueError(f"height_correction must be 'hellman' or 'logarithmic', not {height_correction!r}")


def wind_kw(wind_speed_m_s: pd.Series, hub_height_m: float, turbine_type: str, count: int = 1, *,
            measurement_height_m: float = 100.0, height_correction: str = "hellman",
            roughness_length_m: float | None = None, hellman_exponent: float | None = None) -> pd.Series:
    """Hourly output [kW] of ``count`` turbines of ``turbine_type`` (windpowerlib library) at ``hub_height_m``.

    wind_speed_m_s: wind speed [m/s] measured at ``measurement_height_m`` (Open-Meteo: 10 m or 100 m), corrected to
    hub height (see hub_wind_speed_m_s). No air-density correction. Returns a Series named ``wind_kw``.
    """
    if count < 0:
        raise InputError(f"turbine count must be >= 0, not {count}")
    curve = turbine_power_curve(turbine_type)
    speeds = pd.Series(wind_speed_m_s, dtype=float)
    hub = hub_wind_speed_m_s(speeds, measurement_height_m, hub_height_m, height_correction=height_correction,
                             roughness_length_m=roughness_length_m, hellman_exponent=hellman_exponent)
    power_w = power_output.power_curve(hub, curve["wind_speed"], curve["value"])
    power_kw = np.asarray(power_w, float) * count / W_PER_KW
    power_kw = np.where(np.isnan(speeds.to_numpy()), np.nan, power_kw)
    result = pd.Series(power_kw, index=speeds.index, name="wind_kw")
    result.attrs.update({"turbine_type": turbine_type, "count": count, "hub_height_m": hub_height_m,
                         "nominal_kw": float(curve["value"].max()) * count / W_PER_KW})
    return result


def renewable_kw(region, weather_utc: pd.DataFrame, **solar_kwargs) -> pd.DataFrame:
    """Solar, wind and total on-site output [kW] of a registry region (greenllm.data.regions.Region).

    Wind uses ``wind_speed_100m_m_per_s`` when present, else ``wind_speed_10m_m_per_s``.
    """
    solar = solar_kw(weather_utc, region.latitude, region.longitude, region.solar_kwp, **solar_kwargs)
    if region.wind is None:
        wind = pd.Series(0.0, index=solar.index, name="wind_kw")
    else:
        for column, height_m in (("wind_speed_100m_m_per_s", 100.0), ("wind_speed_10m_m_per_s", 10.0)):
            if column in weather_utc.columns:
                break
        else:
            raise DataSourceError(f"weather for region {region.id!r}: wind output needs 'wind_speed_100m_m_per_s' "
                                  f"or 'wind_speed_10m_m_per_s' (columns: {', '.join(weather_utc.columns)})")
        wind = wind_kw(weather_utc[column], region.wind.hub_height_m, region.wind.turbine_type, region.wind.count,
                       measurement_height_m=height_m)
        wind.index = solar.index
    frame = pd.DataFrame({"solar_kw": solar, "wind_kw": wind})
    frame["renewable_kw"] = frame["solar_kw"] + frame["wind_kw"]
    frame.attrs.update({"region": region.id, "solar_method": solar.attrs["method"],
                        "upper_bound": solar.attrs["upper_bound"]})
    return frame


def capacity_factor(power_kw: pd.Series, capacity_kw: float) -> float:
    """Mean output / capacity [-], ignoring missing hours."""
    return float(np.nanmean(np.asarray(power_kw, float)) / capacity_kw)


def _erbs(ghi, zenith, times) -> tuple[np.ndarray, np.ndarray]:
    """(DNI, DHI) [W/m2] from GHI with the Erbs et al. (1982) decomposition (pvlib.irradiance.erbs)."""
    parts = pvlib.irradiance.erbs(np.asarray(ghi, float), np.asarray(zenith, float), times)
    return np.asarray(parts["dni"], float), np.asarray(parts["dhi"], float)


def _utc_index(index: pd.DatetimeIndex, what: str) -> pd.DatetimeIndex:
    if index.tz is None:
        raise InputError(f"{what} must be time-zone aware (UTC); localise naive UTC stamps with tz_localize('UTC')")
    return index.tz_convert("UTC")
