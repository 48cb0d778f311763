"""Per-fuel life-cycle carbon and consumptive water factors, and generation-weighted grid averages.

Carbon [kg CO2eq/kWh], life-cycle medians (the basis of Electricity Maps' "Life cycle" column the paper uses):
    IPCC (2014), AR5 WG3 Annex III "Technology-specific cost and performance parameters" (Schloemer et al.),
    Table A.III.2, median life-cycle emissions of commercially available technologies:
    https://www.ipcc.ch/site/assets/uploads/2018/02/ipcc_wg3_ar5_annex-iii.pdf#page=7
    Oil is not in that table; we use 650 g/kWh from UK POST (2006) "Carbon footprint of electricity generation",
    POSTnote 268, the value Electricity Maps uses as its default life-cycle factor for oil
    (electricitymaps-contrib config/defaults.yaml).

Water [L/kWh], operational consumption (evaporation; not withdrawal) medians:
    Macknick, Newmark, Heath & Hallett (2012), "Operational water consumption and withdrawal factors for electricity
    generating technologies: a review of existing literature", Environ. Res. Lett. 7 045802, Table 1 (NREL; the
    earlier report is NREL/TP-6A20-50900, 2011), in gal/MWh, converted with `L_PER_KWH_PER_GAL_PER_MWH`.
    The thermal fuels use the recirculating (cooling-tower) medians: the usual cooling of plants built in recent
    decades, and the conservative choice (once-through cooling consumes less water and withdraws far more).
    Hydropower carries Macknick's reservoir-evaporation median (4491 gal/MWh = 17 L/kWh), which dominates the EWIF of
    hydro-rich grids; pass ``{"hydro": 0.0}`` to `ewif_l_per_kwh` to leave it out.
    The medians below agree with an independent transcription of that table
    (github.com/Lucas-Doctorate-Project/env_research_scripts, intensity-factors/intensities.json); they were not
    re-read from the paper's PDF here. The carbon medians agree with Electricity Maps' defaults (config/defaults.yaml).

Fuel vocabulary. Each source speaks its own language; `fuel_of` maps every name we meet to one canonical fuel:
    - EIA-930 fuel codes (API v2 ``fueltype``, dc-rl files): COL NG OIL NUC WAT SUN WND OTH (+ GEO BAT PS UNK ...);
    - EIA-930 six-month BALANCE file columns ("Net Generation (MW) from Coal", ...), with or without " (Adjusted)";
    - ENTSO-E production types ("Fossil Hard coal", "Hydro Run-of-river and poundage", ...).

Two fuels take the hour's own average instead of a factor (`MIX_AVERAGE`; they are left out of the weighted mean):
    - ``storage`` (pumped-storage and battery discharge): the energy was generated earlier by the same grid, so it
      carries the grid's own intensity (counting it with a factor would double count it);
    - ``other`` (EIA "Other"/"Unknown", ENTSO-E "Other" and "Waste"): a heterogeneous bag (biomass, waste, small CHP,
      unreported fuels) with no defensible single factor; giving it the average of the identified mix neither raises
      nor lowers the hour's intensity. (elmada instead maps ENTSO-E "Other" to coal; Electricity Maps assumes
      700 g/kWh.)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from greenllm.errors import InputError

L_PER_GAL = 3.785411784
"""Litres per US liquid gallon (exact by definition: 231 cubic inches; NIST Handbook 44, Appendix C)."""

KWH_PER_MWH = 1000.0
"""kWh in one MWh."""

L_PER_KWH_PER_GAL_PER_MWH = L_PER_GAL / KWH_PER_MWH
"""Multiply a water factor in gal/MWh by this to get L/kWh."""

KG_PER_G = 1e-3
"""Multiply g/kWh by this to get kg/kWh."""

MIX_AVERAGE = None
"""Factor value meaning "this fuel takes the average of the rest of the hour's mix" (see the module docstring)."""

IPCC_AR5 = "IPCC AR5 WG3 Annex III (2014), Table A.III.2, median life-cycle"
UK_POST = "UK POST (2006) POSTnote 268, via Electricity Maps default life-cycle factors"
MACKNICK = "Macknick et al. (2012) Environ. Res. Lett. 7 045802, Table 1, median consumption"


@dataclass(frozen=True)
class FuelFactor:
    """Factors for one canonical fuel; None means MIX_AVERAGE."""

    carbon_kg_per_kwh: float | None
    carbon_source: str
    water_l_per_kwh: float | None
    water_source: str


def _factor(carbon_g_per_kwh: float, carbon_source: str, water_gal_per_mwh: float, water_source: str) -> FuelFactor:
    """A FuelFactor from the units the publications use (g/kWh, gal/MWh)."""
    return FuelFactor(carbon_g_per_kwh * KG_PER_G, carbon_source,
                      water_gal_per_mwh * L_PER_KWH_PER_GAL_PER_MWH, water_source)


FUEL_FACTORS: dict[str, FuelFactor] = {
    "coal": _factor(820, f"{IPCC_AR5}: coal PC 820 g/kWh",
                    687, f"{MACKNICK}: coal generic, cooling tower 687 gal/MWh"),
    "gas": _factor(490, f"{IPCC_AR5}: gas combined cycle 490 g/kWh",
                   205, f"{MACKNICK}: natural gas combined cycle, cooling tower 205 gal/MWh"),
    # Macknick has no oil row; oil-fired steam units run the same Rankine cycle as gas-fired steam units.
    "oil": _factor(650, f"{UK_POST}: oil 650 g/kWh",
                   826, f"{MACKNICK}: natural gas steam, cooling tower 826 gal/MWh (proxy: no oil row)"),
    "nuclear": _factor(12, f"{IPCC_AR5}: nuclear 12 g/kWh",
                       672, f"{MACKNICK}: nuclear, cooling tower 672 gal/MWh"),
    # Macknick's hydropower median is reservoir evaporation attributed to generation.
    "hydro": _factor(24, f"{IPCC_AR5}: hydropower 24 g/kWh",
                     4491, f"{MACKNICK}: hydropower (reservoir evaporation) 4491 gal/MWh"),
    # Run-of-river has no storage reservoir, hence no reservoir evaporation to attribute.
    "hydro_run_of_river": _factor(24, f"{IPCC_AR5}: hydropower 24 g/kWh",
                                  0, "no reservoir: Macknick's hydropower factor is reservoir evaporation"),
    "wind": _factor(11, f"{IPCC_AR5}: wind onshore 11 g/kWh", 0, f"{MACKNICK}: wind 0 gal/MWh"),
    "wind_offshore": _factor(12, f"{IPCC_AR5}: wind offshore 12 g/kWh", 0, f"{MACKNICK}: wind 0 gal/MWh"),
    # EIA-930 counts utility-scale plants only, hence the utility-scale PV median (rooftop: 41 g/kWh).
    "solar": _factor(48, f"{IPCC_AR5}: solar PV utility 48 g/kWh",
                     1, f"{MACKNICK}: PV utility scale (panel washing) 1 gal/MWh"),
    "biomass": _factor(230, f"{IPCC_AR5}: biomass dedicated 230 g/kWh",
                       553, f"{MACKNICK}: biopower steam, cooling tower 553 gal/MWh"),
    "geothermal": _factor(38, f"{IPCC_AR5}: geothermal 38 g/kWh",
                          15, f"{MACKNICK}: geothermal flash, cooling tower 15 gal/MWh"),
    "marine": _factor(17, f"{IPCC_AR5}: ocean (tidal and wave) 17 g/kWh", 0, "no thermal cycle, no cooling water"),
    "storage": FuelFactor(MIX_AVERAGE, "discharge of energy generated earlier by the same grid: mix average",
                          MIX_AVERAGE, "as carbon"),
    "other": FuelFactor(MIX_AVERAGE, "heterogeneous, no single factor: mix average", MIX_AVERAGE, "as carbon"),
}
"""Canonical fuel -> factors, each with its source."""

EIA_FUEL_CODES: dict[str, str] = {
    "COL": "coal", "NG": "gas", "OIL": "oil", "NUC": "nuclear", "WAT": "hydro", "SUN": "solar", "WND": "wind",
    "OTH": "other", "UNK": "other", "GEO": "geothermal", "BAT": "storage", "PS": "storage", "OES": "storage",
    "UES": "storage", "SNB": "solar", "WNB": "wind",
}
"""EIA-930 fuel codes (API v2 ``fueltype``; SNB/WNB = solar/wind with integrated battery, from mid-2024)."""

BALANCE_PREFIX = "Net Generation (MW) from "
"""EIA-930 BALANCE generation columns are named BALANCE_PREFIX + source name (+ " (Adjusted)" / " (Imputed)")."""
EIA_BALANCE_FUELS: dict[str, str] = {
    "Coal": "COL",
    "Natural Gas": "NG",
    "Nuclear": "NUC",
    "All Petroleum Products": "OIL",
    "Hydropower and Pumped Storage": "WAT",  # until 2024 H1: pumped storage is inside hydro and cannot be split off
    "Hydropower Excluding Pumped Storage": "WAT",  # from 2024 H2
    "Pumped Storage": "PS",
    "Solar": "SUN",
    "Solar without Integrated Battery Storage": "SUN",
    "Solar with Integrated Battery Storage": "SNB",
    "Solar witho Integrated Battery Storage": "SNB",  # sic: a typo in some EIA files' "(Adjusted)" header
    "Wind": "WND",
    "Wind without Integrated Battery Storage": "WND",
    "Wind with Integrated Battery Storage": "WNB",
    "Geothermal": "GEO",
    "Battery Storage": "BAT",
    "Other Energy Storage": "OES",
    "Unknown Energy Storage": "UES",
    "Other Fuel Sources": "OTH",
    "Unknown Fuel Sources": "UNK",
}
"""Source name in an EIA930_BALANCE column "Net Generation (MW) from <name>" -> EIA fuel code."""

ENTSOE_PRODUCTION_TYPES: dict[str, str] = {
    "Biomass": "biomass",
    "Fossil Brown coal/Lignite": "coal",  # IPCC gives one coal median; lignite's own life-cycle figure is higher
    "Fossil Coal-derived gas": "coal",
    "Fossil Gas": "gas",
    "Fossil Hard coal": "coal",
    "Fossil Oil": "oil",
    "Fossil Oil shale": "coal",  # solid fuel burnt in steam plants; closer to coal than to oil-fired units
    "Fossil Peat": "coal",
    "Geothermal": "geothermal",
    "Hydro Pumped Storage": "storage",
    "Hydro Run-of-river and poundage": "hydro_run_of_river",
    "Hydro Water Reservoir": "hydro",
    "Marine": "marine",
    "Nuclear": "nuclear",
    "Other": "other",
    "Other renewable": "biomass",  # mostly biogas and landfill gas
    "Solar": "solar",
    "Waste": "other",  # partly biogenic, partly fossil: no single factor
    "Wind Offshore": "wind_offshore",
    "Wind Onshore": "wind",
}
"""ENTSO-E production type (as in entsoe-py / elmada columns) -> canonical fuel."""


def fuel_of(name: str) -> str:
    """The canonical fuel for a source name (EIA code, BALANCE column, ENTSO-E type or canonical fuel).

    Raises InputError for a name none of the vocabularies knows.
    """
    key = " ".join(str(name).split())  # EIA headers sometimes carry double spaces ("Pumped Storage  (Adjusted)")
    if key in FUEL_FACTORS:
        return key
    if key.upper() in EIA_FUEL_CODES:
        return EIA_FUEL_CODES[key.upper()]
    if key in ENTSOE_PRODUCTION_TYPES:
        return ENTSOE_PRODUCTION_TYPES[key]
    stem = key.removesuffix(" (Adjusted)").removesuffix(" (Imputed)")
    if stem.startswith(BALANCE_PREFIX) and stem[len(BALANCE_PREFIX):] in EIA_BALANCE_FUELS:
        return EIA_FUEL_CODES[EIA_BALANCE_FUELS[stem[len(BALANCE_PREFIX):]]]
    raise InputError(
        f"generation mix column {name!r}: unknown fuel (expected an EIA fuel code such as COL or NG, an EIA-930 "
        f"BALANCE column, an ENTSO-E production type or one of {sorted(FUEL_FACTORS)})"
    )


def _weighted(mix_mw: pd.DataFrame, field: str, overrides: Mapping[str, float | None] | None) -> pd.Series:
    if not isinstance(mix_mw, pd.DataFrame):
        raise InputError(f"generation mix must be a DataFrame with one column per fuel, got {type(mix_mw).__name__}")
    overrides = dict(overrides or {})
    for fuel in overrides:
        if fuel not in FUEL_FACTORS:
            raise InputError(f"factor override {fuel!r}: not a canonical fuel (one of {sorted(FUEL_FACTORS)})")
    values = np.empty(len(mix_mw.columns))
    for position, column in enumerate(mix_mw.columns):
        fuel = fuel_of(column)
        factor = overrides[fuel] if fuel in overrides else getattr(FUEL_FACTORS[fuel], field)
        values[position] = math.nan if factor is None else float(factor)
    try:
        gen_mw = mix_mw.apply(pd.to_numeric, errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"generation mix: non-numeric value ({exc})") from None
    # Negative net generation (storage charging, station service) is consumption, not supply: it weighs nothing.
    gen_mw = np.where(np.isnan(gen_mw), 0.0, np.clip(gen_mw, 0.0, None))
    known = ~np.isnan(values)
    weight_mw = gen_mw[:, known].sum(axis=1)
    total = gen_mw[:, known] @ values[known]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(weight_mw > 0, total / weight_mw, np.nan)
    return pd.Series(mean, index=mix_mw.index)


def intensity_kg_per_kwh(mix_mw: pd.DataFrame, factors: Mapping[str, float | None] | None = None) -> pd.Series:
    """Generation-weighted life-cycle carbon intensity [kg CO2eq/kWh] per row (hour) of a generation mix.

    mix_mw: one column per source (any name `fuel_of` knows), one row per hour, generation in MW (= MWh per hour).
        Missing values count as no generation; negative values (charging, station load) are clipped to 0.
    factors: optional overrides {canonical fuel: kg/kWh or None (= mix average)}.
    Fuels with a MIX_AVERAGE factor (storage, other) are left out of the average. A row with no generation from
    fuels with a factor gives NaN.
    """
    return _weighted(mix_mw, "carbon_kg_per_kwh", factors).rename("carbon_kg_per_kwh")


def ewif_l_per_kwh(mix_mw: pd.DataFrame, factors: Mapping[str, float | None] | None = None) -> pd.Series:
    """Generation-weighted energy-water intensity factor EWIF [L/kWh] (operational consumption) per row (hour).

    Same conventions as `intensity_kg_per_kwh`; overrides are in L/kWh (e.g. ``{"hydro": 0.0}`` to leave reservoir
    evaporation out).
    """
    return _weighted(mix_mw, "water_l_per_kwh", factors).rename("ewif_l_per_kwh")


def factor_table() -> pd.DataFrame:
    """The factor table as a DataFrame (index fuel; carbon_kg_per_kwh, water_l_per_kwh and their sources)."""
    return pd.DataFrame(
        {fuel: vars(factor) for fuel, factor in FUEL_FACTORS.items()}
    ).T.rename_axis("fuel")
