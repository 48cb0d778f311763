"""world_2024: one day of 2024 at twelve Google Cloud regions on six continents, every hourly series real data.

Window: 2024-03-24 (the paper's carbon day), 24 UTC hours; ``day`` chooses another 2024 date and ``days`` = N builds
N consecutive days (recipe.DAILY_RECIPE), e.g. for greenllm.year.

Sites (config/regions.yaml; Google Cloud "Cloud locations", cloud.google.com/about/locations): the Google Cloud
regions inside the grid zones for which green-dcc publishes hourly 2024 carbon intensity, price and weather
(github.com/HewlettPackard/green-dcc at 3f6ea95cb835b89ba50b0ef76d66d14b8037643e, data/), one per zone (REGION_IDS):
Sydney, Melbourne, Sao Paulo, Santiago, Toronto, Dallas, Frankfurt, Mumbai, Tokyo, Seoul, Singapore, Johannesburg.
What the build reads per site comes from the registry entry (site_of): the green-dcc zone folder
(grid.green_dcc_zone, default grid.electricitymaps_zone), the continent (continent, default from the time zone) and
the EWIF country (ewif_country, default null: the hourly mix).
Three of green-dcc's 15 zones have no default site: US-NY-NYIS (no Google Cloud region in New York State),
US-CAL-CISO and US-MIDA-PJM (green-dcc's weather points, Fremont and Philadelphia, lie 480 km and 200 km from the
regions us-west2 Los Angeles and us-east4 Ashburn, beyond onsite.WEATHER_MAX_DISTANCE_KM; ``weather_rule="nearest"``
accepts them and records the distance, WEATHER_RULES; they stay out of the defaults because the United States is
one user area, docs/world_2024.md). ``region_ids`` chooses any registry regions whose zones green-dcc publishes (a second site in
AU-NSW or JP-TK is one registry entry).

User area i is the population its site j = i serves first: the country, or the state for the two Australian
regions, on its own local clock (greenllm.data.workload.demand_from_regions), weighted by its internet users
(population x WDI IT.NET.USER.ZS, ``demand_weight="internet_users"``, the default) or by its population (the
paper's recipe, ``demand_weight="paper"``), DEMAND_WEIGHTS (WDI_2023; ABS_2023 for the states; figures in
config/regions.yaml). The registry holds these figures; for us-south1 and europe-west3,
whose registry areas are Texas 2020 and Germany 2018, USER_AREAS replaces them with the United States and Germany
in 2023, so that every weight has the same source and year.

Per site and UTC hour (raw files read from the raw cache through the source registry, config/sources.yaml, datasets
DATASETS: green_dcc_carbon, green_dcc_prices, green_dcc_weather, gcp_latency; each pinned by sha256 on its mirror):

- carbon intensity: the Electricity Maps hourly zone export (green-dcc's copy: the data portal's 2024 file with
  both columns), ``carbon_signal="lifecycle"`` (default, column "Carbon Intensity gCO2eq/kWh (LCA)") or
  ``"direct"`` (column "(direct)"), g -> kg. Both are consumption-based (flow-traced imports) hourly AVERAGE
  intensities, not marginal ones; life-cycle adds construction, fuel chain and methane leakage to combustion.
- price: green-dcc's standardized hourly price (USD/MWh as published there, converted by green-dcc at fixed exchange
  rates and smoothed with a 2-hour centred rolling mean; market per zone in its electricity_prices README: AEMO, ONS,
  CDEC, IESO HOEP, ERCOT DAM HB_HUBAVG, ENTSO-E DE-LU, POSOCO/IEX, JEPX Tokyo, KPX SMP, USEP, Eskom). Mumbai's file
  is stamped on India's half hours (hh:30 UTC = local hour start): UTC slot [t, t+1) takes the mean of the two
  published hours it overlaps by half each.
- EWIF: a per-country constant [L/kWh], the ``wue`` column of EcoLogits 0.9.0's electricity_mixes.csv (EWIF_SOURCE;
  per-country averages after the WRI method of Reig et al. 2020). Singapore and South Africa are not in that table:
  their EWIF is the hour's generation shares in the same Electricity Maps file (fossil = 100 - "Low Carbon
  Percentage", nuclear = low-carbon - renewable, renewable) x the Macknick et al. (2012) medians of the zone's
  fossil fuel (FOSSIL_FUEL: natural gas in Singapore, coal in South Africa), nuclear and its renewables (solar for
  Singapore; wind for South Africa), see greenllm.data.fuel_factors.
- solar, wind, WUE: green-dcc's Open-Meteo 2024 archive file of the zone (CC BY 4.0; temperature, humidity, cloud
  cover, 10 m wind, one point per zone, within onsite.WEATHER_MAX_DISTANCE_KM of the site):
  solar = pvlib clear-sky (Ineichen) GHI attenuated by cloud cover with the linear model GHI = (0.35 + 0.65 (1 -
  cloud/100)) GHI_clear (greenllm.data.renewables.LARSON_CLOUD_OFFSET; pvlib.forecast's cloud_cover_to_ghi_linear,
  offset 35 %, which cites Larson, Nonnenmacher and Coimbra 2016, "Day-ahead forecasting of solar power output from
  photovoltaic plants in the American Southwest", Renewable Energy 91, 11-20), Erbs
  decomposition, PVWatts; wind = windpowerlib power curve of the registry turbine at hub height, the 10 m speed
  corrected with the power law v_hub = v_10 (h_hub / 10 m)^(1/7) (windpowerlib's Hellman default; the 1/7 exponent of
  neutral flow over open terrain, Peterson and Hennessey 1978, J. Appl. Meteor. 17, 390-394); WUE = Li et al.'s
  cooling-tower fit of the wet-bulb temperature (Stull 2011 from temperature and humidity), greenllm.data.water.
- round-trip time: the measured median RTTs between Google Cloud regions published with Sukprasert et al.
  (EuroSys 2024), github.com/umassos/decarbonization-potential at 3493a63016bd2aaa71cae1f33809576786b331d4,
  shared_data/raw_gcp_latency.csv (Apache-2.0). Rule (``rtt_matrix_s``): a measured directed pair as published; a
  missing direction takes the measured reverse (a round trip is symmetric); an area's own region takes
  recipe.RTT_OVERHEAD_S (11.7 ms, the zero-distance intercept of the Green-LLM authors' pings: access, routing and
  queueing); a pair measured in neither direction (africa-south1 opened in January 2024, after the data) takes
  a + b x great-circle distance, least-squares fitted on every measured pair between registry regions.
- carbon tax: the paper's base carbon price, 50 $/t (paper_v1.CARBON_TAX_BASE_USD_PER_T), at every site: one
  carbon price for all, so the carbon objective weighs tonnes equally everywhere (the paper's regional factors are
  for US states only).

Everything else (workload recipe, bandwidth, synthetic inputs, water budget) is the shared recipe of
greenllm.data.scenarios.recipe, assembled by greenllm.data.scenarios.assembly.
Where the raw cache lacks files, the committed site series (greenllm.data.scenarios.world_2024_sites: every value
the raw files give, per default site and hour of 2024) stands for them, same values (``site_series``, SITE_SERIES).
No network: the files come from the raw cache (``greenllm data build world_2024 --offline``) under the registry's
cache paths (registry.cached: a present but bad file is an error naming it, never "missing"); a missing file stops
the build with one message listing every missing file, its cache path and pinned address. provenance.json records per
file its dataset, sha256, the address that served it (registry.served_by; "placed by hand" for a primed cache) and
whether it matches the mirror's pinned sha256.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.data import cache, timeseries
from greenllm.data import regions as registry
from greenllm.data.fuel_factors import MACKNICK
from greenllm.data.regions import UserArea
from greenllm.data.scenarios import assembly, onsite, paper_v1, provenance_records, recipe, world_2024_sites
from greenllm.data.scenarios.world_2024_ewif import (EWIF_L_PER_KWH, EWIF_SOURCE, FOSSIL_FUEL, RENEWABLE_FUEL,
                                                     mix_ewif)
from greenllm.data.scenarios.world_2024_network import read_rtt_ms, rtt_matrix_s
from greenllm.data.sources import electricitymaps, openmeteo, prices
from greenllm.data.sources import registry as sources
from greenllm.errors import DataSourceError, InputError

NAME = "world_2024"
YEAR = 2024
DEFAULT_DAY = paper_v1.CARBON_DAY_UTC
CARBON_SIGNALS = ("lifecycle", "direct")

GREEN_DCC = "HewlettPackard/green-dcc"
GREEN_DCC_COMMIT = "3f6ea95cb835b89ba50b0ef76d66d14b8037643e"
GREEN_DCC_URL = f"https://github.com/{GREEN_DCC}/tree/{GREEN_DCC_COMMIT}/data"
GREEN_DCC_LICENCE = "MIT (green-dcc redistribution)"
GCP_LATENCY_REPO = "umassos/decarbonization-potential"
GCP_LATENCY_COMMIT = "3493a63016bd2aaa71cae1f33809576786b331d4"
GCP_LATENCY_URL = (f"https://github.com/{GCP_LATENCY_REPO}/blob/{GCP_LATENCY_COMMIT}/shared_data/raw_gcp_latency.csv")
GCP_LATENCY_SOURCE = ("measured median round-trip times between Google Cloud regions (Google Cloud inter-region "
                      "latency dashboard), data of Sukprasert et al., 'On the Limitations of Carbon-Aware Temporal "
                      "and Spatial Workload Shifting in the Cloud', EuroSys 2024")
GCP_LATENCY_LICENCE = "Apache-2.0"

DATASETS = {"carbon": "green_dcc_carbon", "price": "green_dcc_prices", "weather": "green_dcc_weather",
            "rtt": "gcp_latency"}
"""Kind of raw file -> its dataset in the source registry (config/sources.yaml), which names its cache path, its
pinned mirror and the sha256 of every file there. Carbon is green-dcc's Electricity Maps export (``green_dcc_carbon``),
not the Green-LLM authors' export of the same zones (``electricitymaps_hourly``, paper_v1): the two differ."""


@dataclass(frozen=True)
class Site:
    """A data centre of world_2024, from its registry entry (site_of): green-dcc zone folder, continent, EWIF
    country."""

    region_id: str
    zone: str  # green-dcc's folder (and file) name; the Electricity Maps zone id inside may differ (DE-LU -> DE)
    continent: str
    ewif_country: str  # ISO 3166-1 alpha-3 key of EWIF_L_PER_KWH ("" where computed from the hourly mix)


REGION_IDS = ("australia-southeast1", "australia-southeast2", "southamerica-east1", "southamerica-west1",
              "northamerica-northeast2", "us-south1", "europe-west3", "asia-south1", "asia-northeast1",
              "asia-northeast3", "asia-southeast1", "africa-south1")
"""The default sites: one Google Cloud region per green-dcc zone (module doc)."""

WDI_2023 = ('World Bank, World Development Indicators, indicator SP.POP.TOTL ("Population, total", midyear), 2023 '
            "values, WDI database update of July 2024 (data.worldbank.org/indicator/SP.POP.TOTL; CC BY 4.0)")
ABS_2023 = ('Australian Bureau of Statistics, "National, state and territory population, June 2023" (released 14 '
            "December 2023): estimated resident population on 30 June 2023")
"""The population sources of the user areas (config/regions.yaml cites the same, with every figure in persons)."""
WDI_INTERNET = ('World Bank, World Development Indicators, indicator IT.NET.USER.ZS ("Individuals using the '
                "Internet (% of population)\", from the ITU World Telecommunication/ICT Indicators Database; "
                "data.worldbank.org/indicator/IT.NET.USER.ZS; CC BY 4.0); transcribed by hand, see config/regions.yaml "
                "sources.worldbank_wdi_internet")
USER_AREAS = {
    "us-south1": UserArea("United States", 334.91, 2023, f"{WDI_2023}: 334,914,895", internet_users_pct=97.1,
                          internet_users_year=2022, internet_users_source=f"{WDI_INTERNET}: USA 2022"),
    "europe-west3": UserArea("Germany", 84.48, 2023, f"{WDI_2023}: 84,482,267", internet_users_pct=91.6,
                             internet_users_year=2022, internet_users_source=f"{WDI_INTERNET}: DEU 2022"),
}
"""User areas that replace the registry's for this scenario (same sources and years as the other ten)."""
DEMAND_WEIGHTS = {
    "internet_users": ("internet users = population x WDI IT.NET.USER.ZS / 100 [millions] in place of the population "
                       "in the paper's weight 0.3 + normalised size"),
    "paper": "the paper's recipe: 0.3 + normalised population",
}
"""Builder option ``demand_weight``: what sizes an area in its demand weight (default internet_users)."""
WEATHER_RULES = {
    "within_50km": (f"the zone's green-dcc weather point only within {onsite.WEATHER_MAX_DISTANCE_KM:g} km of the site "
                    "(else the site is refused)"),
    "nearest": ("the zone's green-dcc weather point (its only one) at any distance, recorded per site in "
                "provenance (weather.per_dc.<site>.distance_km): weather drives only on-site solar, wind and WUE"),
}
"""Builder option ``weather_rule`` (default within_50km)."""
SITE_SERIES = ("auto", "raw", "committed")
SITE_SERIES_TEXT = {
    "raw": "read from the raw files of the raw cache listed per series",
    "committed": ("read from the committed site series data/processed/world_2024_sites (every value as read from "
                  "the raw files listed per series, with their sha256; greenllm.data.scenarios.world_2024_sites)"),
}
"""Builder option ``site_series``: ``auto`` (default) reads the raw cache when it holds every file, else the
committed site series when it covers the sites; ``raw`` and ``committed`` insist on one."""



def site_of(region, regions_path=None) -> Site:
    """The world_2024 facts of a registry region; InputError naming the registry field when one cannot be had
    (no continent, an EWIF country outside EWIF_L_PER_KWH, or no country and no fuel table for the zone's mix)."""
    where = f"{registry.DEFAULT_REGIONS_PATH if regions_path is None else regions_path}: region {region.id!r}"
    reason = region.unsupported_reason(NAME)
    if reason:
        raise InputError(f"{where}: {NAME} cannot build it: {reason}")
    zone = region.green_dcc_zone()
    continent = region.continent_name()
    if continent is None:
        raise InputError(f"{where}, field 'continent': required by {NAME} (the time zone {region.timezone} does not "
                         "name one continent)")
    country = region.ewif_country or ""
    if country and country not in EWIF_L_PER_KWH:
        raise InputError(f"{where}, field 'ewif_country': {country!r} is not in {NAME}'s EWIF table (known: "
                         f"{', '.join(sorted(EWIF_L_PER_KWH))})")
    if not country and zone not in FOSSIL_FUEL:
        raise InputError(f"{where}, field 'ewif_country': required by {NAME} for zone {zone} (the hourly-mix EWIF "
                         f"knows the fuels of {', '.join(sorted(FOSSIL_FUEL))} only; known countries: "
                         f"{', '.join(sorted(EWIF_L_PER_KWH))})")
    return Site(region.id, zone, continent, country)


def supports(region) -> str | None:
    """None if world_2024 can build ``region`` (its registry facts are complete and the pinned green-dcc mirror
    holds carbon, price and weather files of its zone for YEAR), else why not."""
    zone = region.green_dcc_zone()
    absent = [kind for kind in ("carbon", "price", "weather")
              if not sources.dataset(DATASETS[kind]).mirror_addresses(**_keys(kind, zone, YEAR))]
    if absent:
        return f"{GREEN_DCC} publishes no {' or '.join(absent)} file for zone {zone} {YEAR} (grid.green_dcc_zone)"
    try:
        site_of(region)
    except InputError as exc:
        return str(exc).split(": ", 1)[-1]
    return None


def regions_of(region_ids: Sequence[str] = REGION_IDS, regions_path=None) -> list:
    """The registry regions of ``region_ids`` with this scenario's user areas (USER_AREAS replace the registry's)."""
    regions = registry.select(registry.load_regions(regions_path), region_ids)
    return [dataclasses.replace(r, user_area=USER_AREAS[r.id]) if r.id in USER_AREAS else r for r in regions]


def sites(region_ids: Sequence[str] = REGION_IDS, regions_path=None) -> list[Site]:
    """The world_2024 facts (site_of) of these registry regions, in order."""
    return [site_of(r, regions_path) for r in registry.select(registry.load_regions(regions_path), region_ids)]

CARBON_COLUMNS = {"lifecycle": "carbon_lifecycle_kg_per_kwh", "direct": "carbon_direct_kg_per_kwh"}
CARBON_LABELS = {"lifecycle": "Carbon Intensity gCO2eq/kWh (LCA)", "direct": "Carbon Intensity gCO2eq/kWh (direct)"}
SIGNAL_TEXT = {
    "lifecycle": ("life-cycle (LCA: combustion plus construction, fuel chain and methane leakage), consumption-based "
                  "(flow-traced imports), hourly average (not marginal); Electricity Maps"),
    "direct": ("direct (combustion only), consumption-based (flow-traced imports), hourly average (not marginal); "
               "Electricity Maps"),
}
"""The carbon signal, as provenance.json states it (``carbon_signal``)."""


def _keys(kind: str, zone: str, year: int) -> dict:
    return {} if kind == "rtt" else {"zone": zone, "year": int(year)}


def cache_name(kind: str, zone: str = "", year: int = YEAR) -> str:
    """The registry cache path (relative to the raw root) of a raw file of ``kind`` (carbon, price, weather, rtt)."""
    return sources.dataset(DATASETS[kind]).cache_name(**_keys(kind, zone, year))


def raw_path(kind: str, zone: str = "", raw_root=None, year: int = YEAR) -> Path:
    """Where a raw file of ``kind`` is in the raw cache."""
    return cache.resolve_raw_root(raw_root) / cache_name(kind, zone, year)


def pinned(kind: str, zone: str = "", year: int = YEAR) -> tuple[str, str]:
    """(URL, sha256) of a raw file on the registry's pinned mirror (green-dcc or decarbonization-potential at a
    commit); InputError if no mirror holds it."""
    addresses = sources.dataset(DATASETS[kind]).mirror_addresses(**_keys(kind, zone, year))
    if not addresses:
        raise InputError(f"{NAME}: source registry dataset {DATASETS[kind]!r} pins no file for "
                         f"{zone or 'it'} {year}")
    return addresses[0]


def raw_url(kind: str, zone: str = "", year: int = YEAR) -> str:
    """The immutable public address of a raw file (its pinned mirror in the source registry)."""
    return pinned(kind, zone, year)[0]


# --------------------------------------------------------------------------------------------------------------------
# Readers
# --------------------------------------------------------------------------------------------------------------------
def read_price(path: str | os.PathLike, hours: pd.DatetimeIndex) -> tuple[pd.Series, str]:
    """Hourly price [$/kWh] on the UTC slots ``hours`` from a green-dcc standardized file, and how it was read.

    Whole-hour files: prices.read_standardized_price_csv. Files stamped at hh:30 UTC (India, UTC+5:30): the slot
    [t, t+1) overlaps the published hours starting t-0:30 and t+0:30 by half each and takes their mean.
    """
    path = Path(path)
    values = prices.read_standardized_price_file(path)
    if isinstance(values, pd.DataFrame):
        return timeseries.window(values, hours, where=str(path))["price_usd_per_kwh"], "as published (whole hours)"
    half = pd.Timedelta(minutes=30)
    before = values.reindex(hours - half).to_numpy()
    after = values.reindex(hours + half).to_numpy()
    # At the file's two ends one overlapping hour is outside it: the slot takes the one it has.
    edge = (np.isnan(before) & (hours - half < values.index[0])) | (np.isnan(after) & (hours + half > values.index[-1]))
    slot = pd.Series(np.where(edge, np.where(np.isnan(before), after, before), (before + after) / 2.0), index=hours,
                     name="price_usd_per_kwh")
    if slot.isna().any():
        raise DataSourceError(f"{path}: no price for UTC slots {', '.join(map(str, slot.index[slot.isna()][:3]))}")
    slot.attrs["edge_slots"] = [str(h) for h in hours[edge]]
    return slot, world_2024_sites.half_hour_price_method(slot.attrs["edge_slots"])


# --------------------------------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------------------------------
VALIDATORS = {"carbon": electricitymaps.check_header, "price": prices.read_standardized_price_file,
              "weather": lambda path: openmeteo.read_archive_json(path), "rtt": read_rtt_ms}
"""What a raw file of each kind must pass to be accepted into the cache (a file placed by hand)."""


def _cached_files(regions, raw_root) -> dict[tuple[str, str], Path]:
    """{(kind, zone): path} of every raw file the build reads, through the source registry's cache (registry.cached):
    a present but bad file is a CorruptCacheError naming it; the missing ones are one DataSourceError listing each
    with its cache path and pinned address."""
    wanted = [(kind, r.green_dcc_zone(), r.id) for r in regions for kind in ("carbon", "price", "weather")]
    wanted.append(("rtt", "", ""))
    found, missing, seen = {}, [], set()
    for kind, zone, region in wanted:
        if (kind, zone) in seen:
            continue  # a zone shared by two sites is read once
        seen.add((kind, zone))
        path = sources.cached(DATASETS[kind], raw_root=raw_root, validate=VALIDATORS[kind], **_keys(kind, zone, YEAR))
        if path is not None:
            found[(kind, zone)] = path
            continue
        what = "round-trip times" if kind == "rtt" else f"{kind} of {region} ({zone})"
        addresses = sources.dataset(DATASETS[kind]).mirror_addresses(**_keys(kind, zone, YEAR))
        origin = (f"from {addresses[0][0]}" if addresses else
                  f"its pinned mirror has no such file: {GREEN_DCC} publishes no {kind} for {zone} {YEAR}")
        missing.append(f"{what}: {raw_path(kind, zone, raw_root)} (registry dataset {DATASETS[kind]}; {origin})")
    if missing:
        raise DataSourceError(f"{NAME}: {len(missing)} raw file(s) missing from the raw cache "
                              f"{cache.resolve_raw_root(raw_root).absolute()}:\n  - " + "\n  - ".join(missing))
    return found


def _file_record(path: Path, raw_root, kind: str, zone: str = "") -> dict:
    """Provenance of a raw file: registry dataset, cache path, sha256, bytes, the address that served it (the cache
    manifest's, via registry.served_by: a URL, or "placed by hand") and its pinned mirror address and sha256."""
    entry = cache.manifest_entry(path, raw_root=raw_root)
    url, sha256 = pinned(kind, zone)
    return {"dataset": DATASETS[kind], "path": entry["path"], "sha256": entry["sha256"], "bytes": entry["bytes"],
            "served_by": sources.served_by(path, raw_root=raw_root), "pinned_url": url,
            "matches_pinned_sha256": entry["sha256"] == sha256}


def _site_series(region, site: Site, hours, files, *, raw_root, carbon_signal: str,
                 weather_rule: str = "within_50km") -> tuple[pd.DataFrame, dict]:
    zone = site.zone
    carbon_path = files[("carbon", zone)]
    raw = electricitymaps.read_zone_csv(carbon_path)
    zone_ids = sorted(set(raw["zone_id"].dropna()) - {""})
    day = electricitymaps.clean(raw, start=hours[0], end=hours[-1] + pd.Timedelta(hours=1))
    carbon = day[CARBON_COLUMNS[carbon_signal]]
    mix = raw.set_index("time_utc").reindex(hours)
    if site.ewif_country:
        ewif = pd.Series(EWIF_L_PER_KWH[site.ewif_country], index=hours)
        ewif_info = {"country": site.ewif_country, "value_l_per_kwh": EWIF_L_PER_KWH[site.ewif_country],
                     "method": "country constant (EWIF_SOURCE)"}
    else:
        ewif = mix_ewif(mix, zone, str(carbon_path))
        ewif_info = {"method": "hourly shares of the Electricity Maps file x Macknick medians",
                     "fossil_fuel": FOSSIL_FUEL[zone][1], "renewable_fuel": RENEWABLE_FUEL[zone][1],
                     "mean_l_per_kwh": float(ewif.mean())}

    price_path = files[("price", zone)]
    price, price_method = read_price(price_path, hours)

    weather_path = files[("weather", zone)]
    max_km = None if weather_rule == "nearest" else onsite.WEATHER_MAX_DISTANCE_KM
    weather, weather_info = onsite.site_weather(region, weather_path, hours, max_distance_km=max_km, edge_fill=True)
    frame = pd.DataFrame({
        "price_usd_per_kwh": price.to_numpy(float),
        "carbon_kg_per_kwh": carbon.to_numpy(float),
        "carbon_direct_kg_per_kwh": day["carbon_direct_kg_per_kwh"].to_numpy(float),
        "carbon_lifecycle_kg_per_kwh": day["carbon_lifecycle_kg_per_kwh"].to_numpy(float),
        "ewif_l_per_kwh": ewif.to_numpy(float),
    }, index=hours).join(weather[["solar_kw", "wind_kw", "wue_l_per_kwh", "wet_bulb_c"]])
    frame["carbon_estimated"] = day["estimated"].to_numpy(bool)
    record = {
        "carbon": {"zone": zone, "electricitymaps_zone_id": zone_ids, "signal": carbon_signal,
                   "filled_hours": [str(h) for h in day.index[day["filled"]]],
                   "estimated_hours": int(day["estimated"].sum()),
                   "file": _file_record(carbon_path, raw_root, "carbon", zone)},
        "ewif": {**ewif_info, "stand_in": False},
        "price": {"zone": zone, "method": price_method, "stand_in": False,
                  "edge_slots": price.attrs.get("edge_slots", []),
                  "file": _file_record(price_path, raw_root, "price", zone)},
        "weather": {"file": _file_record(weather_path, raw_root, "weather", zone), **weather_info,
                    "distance_km": round(float(recipe.great_circle_km(region.latitude, region.longitude,
                                                                      *weather_info["grid_point"])), 1),
                    "rule": weather_rule, "stand_in": False},
    }
    return frame, record


def build(out_dir: str | os.PathLike, *, raw_root: str | os.PathLike | None = None, offline: bool = False,
          day: str = DEFAULT_DAY, days: int = 1, carbon_signal: str = "lifecycle",
          region_ids: Sequence[str] = REGION_IDS, regions_path: str | os.PathLike | None = None,
          seed: int = recipe.SEED, demand_weight: str = "internet_users", weather_rule: str = "within_50km",
          site_series: str = "auto") -> Path:
    """Write the world_2024 scenario folder (with provenance.json) to ``out_dir``; returns it.

    day: the first 2024 date (UTC); days: consecutive days; carbon_signal: "lifecycle" (default) or "direct";
    region_ids: registry regions (default REGION_IDS) whose green-dcc zones have files in the raw cache;
    demand_weight: DEMAND_WEIGHTS key; weather_rule: WEATHER_RULES key; site_series: SITE_SERIES key (where the
    sites' hourly series come from). Reads the raw cache, or the committed site series (``offline`` changes
    nothing: no download).
    """
    from greenllm.inputs import write_scenario

    if carbon_signal not in CARBON_SIGNALS:
        raise InputError(f"{NAME}: carbon_signal={carbon_signal!r}: choose one of {', '.join(CARBON_SIGNALS)}")
    if demand_weight not in DEMAND_WEIGHTS:
        raise InputError(f"{NAME}: demand_weight={demand_weight!r}: choose one of {', '.join(DEMAND_WEIGHTS)}")
    if weather_rule not in WEATHER_RULES:
        raise InputError(f"{NAME}: weather_rule={weather_rule!r}: choose one of {', '.join(WEATHER_RULES)}")
    hours, days = recipe.window_hours(NAME, day, days, YEAR, why=" (the green-dcc files used here cover 2024)")
    known = registry.load_regions(regions_path)
    regions = regions_of(region_ids, regions_path)
    if site_series not in SITE_SERIES:
        raise InputError(f"{NAME}: site_series={site_series!r}: choose one of {', '.join(SITE_SERIES)}")
    committed = None
    try:
        files = _cached_files(regions, raw_root)  # first: a zone green-dcc does not publish is named with its paths
    except DataSourceError:
        if site_series == "raw" or not world_2024_sites.covers(regions, weather_rule):
            raise
        committed = world_2024_sites.load()
    if site_series == "committed" and committed is None:
        if not world_2024_sites.covers(regions, weather_rule):
            raise InputError(f"{NAME}: site_series=committed: {world_2024_sites.SITES_DIR} holds "
                             f"{', '.join(world_2024_sites.load().region_ids)} with weather_rule=within_50km only")
        committed = world_2024_sites.load()
    site_by_region = {r.id: site_of(r, regions_path) for r in regions}

    site_hourly, records = {}, {}
    for region in regions:
        if committed is None:
            site_hourly[region.id], records[region.id] = _site_series(
                region, site_by_region[region.id], hours, files, raw_root=raw_root, carbon_signal=carbon_signal,
                weather_rule=weather_rule)
        else:
            site_hourly[region.id], records[region.id] = committed.window(region.id, hours, carbon_signal)
    if committed is None:
        rtt_path = files[("rtt", "")]
        rtt, rule, fit = rtt_matrix_s(regions, read_rtt_ms(rtt_path), fit_regions=list(known.values()))
        rtt_file = _file_record(rtt_path, raw_root, "rtt")
    else:
        rtt, rule, fit, rtt_file = committed.rtt([r.id for r in regions])

    tax_usd_per_kg = paper_v1.CARBON_TAX_BASE_USD_PER_T / paper_v1.KG_PER_T
    sites = [site_by_region[r.id] for r in regions]
    dc_info = {
        "continent": [s.continent for s in sites],
        "zone": [s.zone for s in sites],
        "carbon_signal": [carbon_signal] * len(regions),
    }
    types = recipe.token_lengths()
    sizes = demand_sizes(regions, demand_weight, regions_path)
    tables, scalars = assembly.assemble(regions, hours, site_hourly,
                                      carbon_tax_usd_per_kg=[tax_usd_per_kg] * len(regions), dc_info=dc_info,
                                      types=types, seed=seed, days=days, demand_size_millions=sizes)
    if sizes is not None:
        tables["areas"]["internet_users_millions"] = sizes
    tables["areas"]["continent"] = [s.continent for s in sites]
    area_dc = tables["area_dc"]
    area_dc["rtt_s"] = rtt[area_dc["area"].to_numpy(), area_dc["dc"].to_numpy()]
    area_dc["rtt_rule"] = rule[area_dc["area"].to_numpy(), area_dc["dc"].to_numpy()]
    dc_hour = tables["dc_hour"]
    for column in CARBON_COLUMNS.values():  # both signals, whichever carbon_kg_per_kwh holds
        values = np.vstack([site_hourly[r.id][column].to_numpy(float) for r in regions])  # [j, t]
        dc_hour[column] = values[dc_hour["dc"].to_numpy(), dc_hour["hour"].to_numpy()]
    scalars.update({"scenario": NAME, "demand_weight": demand_weight, "carbon_signal": carbon_signal, "carbon_signal_text": SIGNAL_TEXT[carbon_signal],
                    "rtt_model": ("measured Google Cloud inter-region RTT (own region: "
                                  f"{recipe.RTT_OVERHEAD_S} s; unmeasured pairs: distance fit)")})
    provenance = _provenance(regions, site_by_region, hours, records, types, scalars, seed, carbon_signal,
                             tax_usd_per_kg, rtt_file, rule, fit)
    provenance["site_series"] = SITE_SERIES_TEXT["raw" if committed is None else "committed"]
    provenance["demand_weight"] = {"option": demand_weight, "text": DEMAND_WEIGHTS[demand_weight],
                                   "builder_option": f"demand_weight={'|'.join(DEMAND_WEIGHTS)}"}
    provenance["weather_rule"] = {"option": weather_rule, "text": WEATHER_RULES[weather_rule],
                                  "builder_option": f"weather_rule={'|'.join(WEATHER_RULES)}"}
    if sizes is not None:
        provenance["series"]["demand.queries"]["internet_users"] = {
            r.id: {"internet_users_pct": r.user_area.internet_users_pct, "year": r.user_area.internet_users_year,
                   "internet_users_millions": size, "source": r.user_area.internet_users_source}
            for r, size in zip(regions, sizes, strict=True)}
    return write_scenario(out_dir, tables, scalars, provenance=provenance)


def demand_sizes(regions, demand_weight: str, regions_path=None) -> list[float] | None:
    """Each area's size in its demand weight [millions]: internet users (population x IT.NET.USER.ZS / 100), or
    None for the paper's population; InputError naming the registry field where a region has no share."""
    if demand_weight == "paper":
        return None
    where = registry.DEFAULT_REGIONS_PATH if regions_path is None else regions_path
    absent = [r.id for r in regions if r.user_area.internet_users_pct is None]
    if absent:
        raise InputError(f"{where}: region(s) {', '.join(absent)}, field 'user_area.internet_users_pct': required by "
                         f"{NAME} with demand_weight=internet_users (or build with --option demand_weight=paper)")
    return [float(r.user_area.internet_users_millions) for r in regions]


def _provenance(regions, site_by_region, hours, records, types, scalars, seed, carbon_signal, tax_usd_per_kg,
                rtt_file, rule, fit) -> dict:
    def files(kind):
        return provenance_records.record_files(regions, records, kind)

    def per_dc(kind):
        return {r.id: {k: v for k, v in records[r.id][kind].items() if k != "file"} for r in regions}

    carbon_filled = {r.id: records[r.id]["carbon"]["filled_hours"] for r in regions
                     if records[r.id]["carbon"]["filled_hours"]}
    carbon = {
        "source": f"{electricitymaps.SOURCE} hourly zone exports 2024, as redistributed by {GREEN_DCC} at "
                  f"{GREEN_DCC_COMMIT}",
        "licence": f"{electricitymaps.LICENCE} (Electricity Maps data; this folder's carbon series is a derived "
                   "database under ODbL-1.0, see data/ATTRIBUTION.md)",
        "url": GREEN_DCC_URL + "/carbon_intensity",
        "column": CARBON_LABELS[carbon_signal], "signal": carbon_signal, "signal_text": SIGNAL_TEXT[carbon_signal],
        "method": ("the window's UTC hours / 1000 (g -> kg); gaps of at most 3 h interpolated; the other signal is "
                   "kept in dc_hour.carbon_{direct,lifecycle}_kg_per_kwh"),
        "files": files("carbon"), "per_dc": per_dc("carbon"),
        "filled": bool(carbon_filled), "filled_hours": carbon_filled, "synthetic": False, "stand_in": False,
    }
    ewif = {
        "source": f"{EWIF_SOURCE}; Singapore and South Africa: {MACKNICK} x the hourly shares of their Electricity "
                  "Maps file",
        "licence": "MPL-2.0 (EcoLogits table); ODbL-1.0 (Electricity Maps shares)",
        "method": "per_dc", "per_dc": per_dc("ewif"), "files": files("carbon"),
        "filled": False, "synthetic": False, "stand_in": False,
    }
    price = {
        "source": f"{GREEN_DCC} standardized hourly electricity prices 2024 (publisher per zone in its "
                  "electricity_prices README)",
        "licence": f"{GREEN_DCC_LICENCE}; underlying market data under the publishers' terms",
        "url": GREEN_DCC_URL + "/electricity_prices/standardized",
        "method": ("USD/MWh as published (green-dcc converted local currencies at fixed rates and smoothed with a "
                   "2-hour centred rolling mean) / 1000; per_dc says how each file was read"),
        "files": files("price"), "per_dc": per_dc("price"), "filled": False, "synthetic": False, "stand_in": False,
    }
    renewable, wue = provenance_records.weather_provenance(
        regions, records,
        renewable_source=(f"{openmeteo.SOURCE} 2024 archive files as redistributed by {GREEN_DCC} -> pvlib clear-sky "
                          "x cloud cover (Larson et al. 2016) + PVWatts, and windpowerlib"),
        renewable_licence=openmeteo.LICENCE,
        renewable_method=(f"registry PV + turbine output scaled to {recipe.ONSITE_CAPACITY_KW} kW nameplate per site; "
                          "solar: Ineichen clear-sky GHI x (0.35 + 0.65 (1 - cloud cover)) (Larson, Nonnenmacher and "
                          "Coimbra 2016, Renewable Energy 91, 11-20), Erbs, Hay-Davies, PVWatts; wind: 10 m speed x "
                          "(hub height / 10 m)^(1/7) (power law, Peterson and Hennessey 1978), turbine power curve"),
        wue_source=provenance_records.WUE_SOURCE, wue_stand_in_method="none")
    rtt_counts = {name: int((rule == name).sum()) for name in ("measured", "reverse", "own_region", "distance_fit")}
    tax = {"source": f"the Green-LLM paper's base carbon price {paper_v1.CARBON_TAX_BASE_USD_PER_T} $/t "
                     f"({paper_v1.RECIPE})",
           "method": f"{paper_v1.CARBON_TAX_BASE_USD_PER_T} $/t / 1000 = {tax_usd_per_kg} $/kg at every site",
           "synthetic": False, "filled": False, "stand_in": False, "constant": True}
    provenance = provenance_records.scenario_provenance(
        NAME, __name__, hours, regions, types, scalars, seed, [], carbon=carbon, ewif=ewif, price=price,
        renewable=renewable, wue=wue, tax=tax,
        extra={"window": f"{hours[0]:%Y-%m-%d %H:%M} to {hours[-1] + pd.Timedelta(hours=1):%Y-%m-%d %H:%M} UTC",
               "carbon_signal": {"signal": carbon_signal, "text": SIGNAL_TEXT[carbon_signal],
                                 "builder_option": "carbon_signal=lifecycle|direct"},
               "sites": {r.id: {"zone": site_by_region[r.id].zone, "continent": site_by_region[r.id].continent}
                         for r in regions}})
    provenance["series"]["area_dc.rtt_s"] = {
        "source": GCP_LATENCY_SOURCE, "licence": GCP_LATENCY_LICENCE, "url": GCP_LATENCY_URL,
        "method": ("measured directed pair; else the measured reverse; own region: recipe.RTT_OVERHEAD_S "
                   f"({recipe.RTT_OVERHEAD_S} s, the zero-distance intercept of the Green-LLM authors' pings); "
                   "neither direction measured: least-squares line on great-circle distance (distance_fit)"),
        "pairs": rtt_counts, "distance_fit": fit, "files": [rtt_file],
        "synthetic": False, "filled": False, "stand_in": False,
    }
    provenance["series"]["demand.queries"]["populations"] = {
        r.id: {"area": r.user_area.name, "population_millions": r.user_area.population_millions,
               "year": r.user_area.population_year, "source": r.user_area.population_source} for r in regions}
    if days := scalars.get("days"):
        provenance.update(days=days, daily_recipe=scalars["daily_recipe"])
    return provenance


def write_site_series(out_dir: str | os.PathLike = world_2024_sites.SITES_DIR, *,
                      raw_root: str | os.PathLike | None = None, region_ids: Sequence[str] = REGION_IDS,
                      regions_path: str | os.PathLike | None = None) -> Path:
    """Write the committed site series (greenllm.data.scenarios.world_2024_sites) of ``region_ids`` for the whole of
    YEAR from the raw cache: the per-site frames and records of a raw build of every UTC hour of the year."""
    hours, _ = recipe.window_hours(NAME, f"{YEAR}-01-01", 366, YEAR)
    known = registry.load_regions(regions_path)
    regions = registry.select(known, region_ids)
    files = _cached_files(regions, raw_root)
    frames, sites = {}, {}
    for region in regions:
        frames[region.id], sites[region.id] = _site_series(region, site_of(region, regions_path), hours, files,
                                                           raw_root=raw_root, carbon_signal="lifecycle")
    rtt_path = files[("rtt", "")]
    rtt, rule, fit = rtt_matrix_s(regions, read_rtt_ms(rtt_path), fit_regions=list(known.values()))
    records = {"window": f"{hours[0]:%Y-%m-%d %H:%M} to {hours[-1] + pd.Timedelta(hours=1):%Y-%m-%d %H:%M} UTC",
               "written_by": f"{__name__}.write_site_series", "sites": sites,
               "rtt": {"region_ids": [r.id for r in regions], "rtt_s": rtt.tolist(), "rule": rule.tolist(),
                       "distance_fit": fit, "file": _file_record(rtt_path, raw_root, "rtt")}}
    return world_2024_sites.write(out_dir, frames, records)
