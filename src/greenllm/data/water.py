"""On-site water: WUE of evaporative cooling from the wet-bulb temperature, and wet-bulb from temperature and humidity.

On-site WUE [L/kWh of IT energy] follows Li, Yang, Islam and Ren, "Making AI Less 'Thirsty': Uncovering and
Addressing the Secret Water Footprint of AI Models" (arXiv 2304.03271). Their public implementation
(github.com/Ren-Research/Making-AI-Less-Thirsty, MIT licence, ``utils/dataloader.py::load_direct_WUE`` at commit
cb619b9cdb0d844aafba1a44c8e8738fc5583446) evaluates the cooling-tower fit

    WUE = N / (N - 1) * (6e-5 Tw^3 - 0.01 Tw^2 + 0.61 Tw - 10.4),   Tw = wet-bulb temperature [deg F],

with N = 6 cycles of concentration, clipped below at 0.05 L/kWh ("even when the temperature is low, we still need a
little bit of water"). The cubic is the evaporation per unit of heat rejected; N/(N-1) adds the blowdown
(blowdown = evaporation / (N - 1)). Tw is in Fahrenheit there: their wet-bulb series comes from psychrolib in IP
units (``utils/data_preprocess.py::convert_to_TWetBulb``, "wet bulb temperature array in deg F [IP]"), and their
plots label the result "On-site WUE (L/kWh)". Sites without evaporative cooling (``dry``, ``seawater``) evaporate
no freshwater on site: WUE 0.

Wet-bulb temperature, when a source lacks it, comes from Stull (2011), "Wet-Bulb Temperature from Relative Humidity
and Air Temperature", J. Appl. Meteor. Climatol. 50, 2267-2269, doi:10.1175/JAMC-D-11-0143.1 (valid for
RH 5-99 % and T -20..50 deg C at sea-level pressure; error -1 to +0.65 deg C).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from greenllm.errors import DataSourceError

FAHRENHEIT_PER_CELSIUS = 9.0 / 5.0
"""Size of one degree Celsius in degrees Fahrenheit (exact)."""
FAHRENHEIT_AT_ZERO_CELSIUS = 32.0
"""Water's freezing point in deg F (exact)."""

LI_WUE_POLY_F = (6e-5, -0.01, 0.61, -10.4)
"""Li et al. cooling-tower evaporation fit in wet-bulb deg F, highest power first [L/kWh] (source: module doc)."""
LI_CYCLES_OF_CONCENTRATION = 6
"""Cycles of concentration N of the cooling tower water (Li et al. code default ``wCycle = 6``)."""
LI_WUE_FLOOR_L_PER_KWH = 0.05
"""Minimum on-site WUE [L/kWh] (Li et al. code: ``np.clip(directWue, 0.05, None)``)."""

STULL_COEFFS = (0.151977, 8.313659, 1.676331, 0.00391838, 0.023101, 4.686035)
"""Stull (2011) eq. 1 constants, in order of appearance."""

WATERLESS_COOLING = ("dry", "seawater")
"""Cooling types that evaporate no freshwater on site (WUE 0)."""
COOLING_TYPES = ("evaporative", *WATERLESS_COOLING)


def celsius_to_fahrenheit(temperature_c):
    """deg C -> deg F."""
    return temperature_c * FAHRENHEIT_PER_CELSIUS + FAHRENHEIT_AT_ZERO_CELSIUS


def fahrenheit_to_celsius(temperature_f):
    """deg F -> deg C."""
    return (temperature_f - FAHRENHEIT_AT_ZERO_CELSIUS) / FAHRENHEIT_PER_CELSIUS


def stull_wet_bulb_c(temperature_c, relative_humidity_pct):
    """Wet-bulb temperature [deg C] from air temperature [deg C] and relative humidity [%] (Stull 2011, eq. 1).

    Tw = T atan(0.151977 (RH + 8.313659)^0.5) + atan(T + RH) - atan(RH - 1.676331)
         + 0.00391838 RH^1.5 atan(0.023101 RH) - 4.686035
    Works element-wise on scalars, numpy arrays and pandas Series (the index is kept).
    """
    a, b, c, d, e, f = STULL_COEFFS
    t = temperature_c
    rh = relative_humidity_pct
    return (t * np.arctan(a * np.sqrt(rh + b)) + np.arctan(t + rh) - np.arctan(rh - c)
            + d * rh ** 1.5 * np.arctan(e * rh) - f)


def onsite_wue_l_per_kwh(wet_bulb_c, cooling: str = "evaporative", *,
                         cycles_of_concentration: float = LI_CYCLES_OF_CONCENTRATION,
                         floor_l_per_kwh: float = LI_WUE_FLOOR_L_PER_KWH):
    """On-site water usage effectiveness [L per kWh of IT energy] from the wet-bulb temperature [deg C].

    evaporative: Li et al. (arXiv 2304.03271) fit, N/(N-1) * cubic(Tw in deg F), at least ``floor_l_per_kwh``;
    dry, seawater: 0. Element-wise; a pandas Series keeps its index and is named ``wue_l_per_kwh``.
    """
    if cooling not in COOLING_TYPES:
        raise ValueError(f"cooling must be one of {', '.join(COOLING_TYPES)}, not {cooling!r}")
    if cycles_of_concentration <= 1:
        raise ValueError(f"cycles_of_concentration must exceed 1, not {cycles_of_concentration}")
    wet_bulb = wet_bulb_c.astype(float) if isinstance(wet_bulb_c, pd.Series) else np.asarray(wet_bulb_c, float)
    if cooling in WATERLESS_COOLING:
        wue = wet_bulb * 0.0
    else:
        evaporation_l_per_kwh = np.polyval(LI_WUE_POLY_F, celsius_to_fahrenheit(wet_bulb))
        blowdown_factor = cycles_of_concentration / (cycles_of_concentration - 1)
        wue = np.maximum(blowdown_factor * evaporation_l_per_kwh, floor_l_per_kwh)
        wue = np.where(np.isnan(wet_bulb), np.nan, wue)
    if isinstance(wet_bulb_c, pd.Series):
        return pd.Series(np.asarray(wue, float), index=wet_bulb_c.index, name="wue_l_per_kwh")
    return wue


def wet_bulb_from_weather(weather: pd.DataFrame) -> pd.Series:
    """Wet-bulb temperature [deg C] per row: the source's ``wet_bulb_c`` where given, else Stull (2011) from
    ``temperature_c`` and ``relative_humidity_pct``. Raises DataSourceError if neither is available."""
    stull = None
    if {"temperature_c", "relative_humidity_pct"} <= set(weather.columns):
        stull = stull_wet_bulb_c(weather["temperature_c"].astype(float),
                                 weather["relative_humidity_pct"].astype(float))
    if "wet_bulb_c" in weather.columns:
        given = weather["wet_bulb_c"].astype(float)
        result = given if stull is None else given.fillna(stull)
    elif stull is not None:
        result = stull
    else:
        raise DataSourceError(
            "weather: on-site WUE needs column 'wet_bulb_c' or both 'temperature_c' and 'relative_humidity_pct' "
            f"(columns: {', '.join(map(str, weather.columns))})"
        )
    return result.rename("wet_bulb_c")


def wue_from_weather(weather: pd.DataFrame, cooling: str = "evaporative", **kwargs) -> pd.Series:
    """Hourly on-site WUE [L/kWh] for a weather frame (see wet_bulb_from_weather and onsite_wue_l_per_kwh)."""
    return onsite_wue_l_per_kwh(wet_bulb_from_weather(weather), cooling, **kwargs)
