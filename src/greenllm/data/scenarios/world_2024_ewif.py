"""world_2024's EWIF (water consumed per kWh of grid electricity): EcoLogits' per-country constants, and for the
zones it lacks the hour's generation shares x Macknick et al. (2012) medians (greenllm.data.scenarios.world_2024)."""

from __future__ import annotations

import pandas as pd

from greenllm.data.fuel_factors import FUEL_FACTORS
from greenllm.errors import DataSourceError

__all__ = ["EWIF_L_PER_KWH", "EWIF_SOURCE", "FOSSIL_FUEL", "PERCENT", "RENEWABLE_FUEL", "mix_ewif"]

EWIF_SOURCE = ("EcoLogits release 0.9.0 (github.com/genai-impact/ecologits, tag 0.9.0 = commit "
               "701c998470aa1b123b0dddca4dfbd2906b0785ad, 2025-11-13, MPL-2.0), file "
               "ecologits/data/electricity_mixes.csv, column wue: water consumed per kWh of the country's electricity "
               "[L/kWh], averaged per country after Reig, Luo, Christensen and Sinistore (2020), 'Guidance for "
               "calculating water use embedded in purchased electricity', WRI (EcoLogits methodology docs)")
EWIF_L_PER_KWH = {"AUS": 4.7293, "BRA": 18.6033, "CAN": 8.1662, "CHL": 10.5226, "DEU": 1.947, "IND": 3.4368,
                  "JPN": 2.3063, "KOR": 1.8877, "USA": 3.1321}
"""Country -> EWIF [L/kWh], from EWIF_SOURCE."""
FOSSIL_FUEL = {"SG": ("gas", "natural gas: about 95 % of Singapore's electricity (Energy Market Authority, "
                             "Singapore Energy Statistics 2023, chapter 2)"),
               "ZA": ("coal", "coal: about 80 % of South Africa's electricity (Eskom Integrated Report 2023)")}
RENEWABLE_FUEL = {"SG": ("solar", "Singapore's renewable generation is solar PV (EMA, Singapore Energy Statistics "
                                  "2023)"),
                  "ZA": ("wind", "South Africa's renewable generation is mostly wind and solar PV (Eskom), both at "
                                 "Macknick's ~0 L/kWh; wind's 0 is taken")}
"""Zones without a country EWIF: the fuel that stands for the hour's fossil and renewable shares (module doc)."""
PERCENT = 100.0


def mix_ewif(table: pd.DataFrame, zone: str, where: str) -> pd.Series:
    """EWIF [L/kWh] per hour from the zone file's low-carbon and renewable percentages (module doc)."""
    for column in ("carbon_free_percent", "renewable_percent"):
        if column not in table.columns or table[column].isna().any():
            raise DataSourceError(f"{where}: EWIF of {zone} needs column {column} on every hour of the window")
    low_carbon = table["carbon_free_percent"].clip(0.0, PERCENT) / PERCENT
    renewable = table["renewable_percent"].clip(0.0, PERCENT) / PERCENT
    fossil = 1.0 - low_carbon
    nuclear = (low_carbon - renewable).clip(lower=0.0)
    fossil_fuel, _ = FOSSIL_FUEL[zone]
    renewable_fuel, _ = RENEWABLE_FUEL[zone]
    return (fossil * FUEL_FACTORS[fossil_fuel].water_l_per_kwh + nuclear * FUEL_FACTORS["nuclear"].water_l_per_kwh
            + renewable * FUEL_FACTORS[renewable_fuel].water_l_per_kwh)
