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
Three of green-dcc's 15 zones have no site: US-NY-NYIS (no Google Cloud region in New York State), US-CAL-CISO and
US-MIDA-PJM (green-dcc's weather points, Fremont and Philadelphia, lie 480 km and 200 km from the regions us-west2
Los Angeles and us-east4 Ashburn, beyond onsite.WEATHER_MAX_DISTANCE_KM: their WUE and on-site output would be
another place's). ``region_ids`` chooses any registry regions whose zones green-dcc publishes (a second site in
AU-NSW or JP-TK is one registry entry).

User area i is the population its site j = i serves first: the country, or the state for the two Australian
regions, weighted by population (WDI_2023; ABS_2023 for the states; figures in config/regions.yaml), on its own local
clock (greenllm.data.workload.demand_from_regions). The registry holds these figures; for us-south1 and europe-west3,
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
from greenllm.data.fuel_factors import FUEL_FACTORS, MACKNICK
from greenllm.data.regions import UserArea
from greenllm.data.scenarios import assembly, onsite, paper_v1, provenance_records, recipe
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
USER_AREAS = {
    "us-south1": UserArea("United States", 334.91, 2023, f"{WDI_2023}: 334,914,895"),
    "europe-west3": UserArea("Germany", 84.48, 2023, f"{WDI_2023}: 84,482,267"),
}
"""User areas that replace the registry's for this scenario (same source and year as the other ten)."""

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
MS_PER_S = 1000.0


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
    slot = pd.Series((before + after) / 2.0, index=hours, name="price_usd_per_kwh")
    if slot.isna().any():
        raise DataSourceError(f"{path}: no price for UTC slots {', '.join(map(str, slot.index[slot.isna()][:3]))}")
    return slot, "mean of the two published half-hour-offset hours overlapping each UTC slot"


def read_rtt_ms(path: str | os.PathLike) -> dict[tuple[str, str], float]:
    """{(sending region, receiving region): RTT [ms]} from raw_gcp_latency.csv (sending_region, receiving_region,
    milliseconds)."""
    path = Path(path)
    try:
        raw = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataSourceError(f"{path}: cannot read the latency file ({exc})") from None
    needed = ("sending_region", "receiving_region", "milliseconds")
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        raise DataSourceError(f"{path}: latency file lacks column {missing[0]!r} (columns: {', '.join(raw.columns)})")
    ms = pd.to_numeric(raw["milliseconds"], errors="coerce")
    if ms.isna().any() or (ms <= 0).any():
        raise DataSourceError(f'{path}, column "milliseconds": {int((ms.isna() | (ms <= 0)).sum())} rows are not '
                              "positive numbers")
    return {(s, r): float(v) for s, r, v in zip(raw["sending_region"], raw["receiving_region"], ms, strict=True)}


def distance_fit(regions: Sequence, measured_ms: dict[tuple[str, str], float]) -> dict:
    """Least-squares line RTT [s] = intercept + slope x great-circle distance [km] through every measured pair
    between two of ``regions`` (the registry's Google Cloud regions), for pairs measured in neither direction."""
    by_id = {r.id: r for r in regions}
    pairs = [(by_id[a], by_id[b], ms) for (a, b), ms in measured_ms.items() if a in by_id and b in by_id and a != b]
    if len(pairs) < 2:
        raise DataSourceError("gcp latency: fewer than two measured pairs between registry regions; cannot fit RTT "
                              "on distance for the unmeasured pairs")
    distance = np.array([float(recipe.great_circle_km(a.latitude, a.longitude, b.latitude, b.longitude))
                         for a, b, _ in pairs])
    rtt = np.array([ms / MS_PER_S for _, _, ms in pairs])
    slope, intercept = np.polyfit(distance, rtt, 1)
    return {"intercept_s": float(intercept), "slope_s_per_km": float(slope), "pairs_fitted": len(pairs),
            "method": ("least squares of the measured RTT on great-circle distance over every measured directed pair "
                       "between two registry regions (config/regions.yaml coordinates)")}


def rtt_matrix_s(regions: Sequence, measured_ms: dict[tuple[str, str], float], fit_regions: Sequence | None = None
                 ) -> tuple[np.ndarray, np.ndarray, dict]:
    """RTT [s] from user area i (at site i) to site j by the module's rule, the rule used per pair ([i, j] codes:
    "measured", "reverse", "own_region", "distance_fit"), and the distance fit (over ``fit_regions``, default
    ``regions``; {} when no pair needs it)."""
    ids = [r.id for r in regions]
    n = len(ids)
    distance = recipe.distance_matrix_km(regions)
    rtt = np.full((n, n), np.nan)
    rule = np.empty((n, n), dtype=object)
    for i, a in enumerate(ids):
        for j, b in enumerate(ids):
            if i == j:
                rtt[i, j], rule[i, j] = recipe.RTT_OVERHEAD_S, "own_region"
            elif (a, b) in measured_ms:
                rtt[i, j], rule[i, j] = measured_ms[(a, b)] / MS_PER_S, "measured"
            elif (b, a) in measured_ms:
                rtt[i, j], rule[i, j] = measured_ms[(b, a)] / MS_PER_S, "reverse"
    gap = np.isnan(rtt)
    fit = {}
    if gap.any():
        fit = distance_fit(regions if fit_regions is None else fit_regions, measured_ms)
        rtt[gap] = fit["intercept_s"] + fit["slope_s_per_km"] * distance[gap]
        rule[gap] = "distance_fit"
    return rtt, rule, fit


def _mix_ewif(table: pd.DataFrame, zone: str, where: str) -> pd.Series:
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


def _site_series(region, site: Site, hours, files, *, raw_root, carbon_signal: str) -> tuple[pd.DataFrame, dict]:
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
        ewif = _mix_ewif(mix, zone, str(carbon_path))
        ewif_info = {"method": "hourly shares of the Electricity Maps file x Macknick medians",
                     "fossil_fuel": FOSSIL_FUEL[zone][1], "renewable_fuel": RENEWABLE_FUEL[zone][1],
                     "mean_l_per_kwh": float(ewif.mean())}

    price_path = files[("price", zone)]
    price, price_method = read_price(price_path, hours)

    weather_path = files[("weather", zone)]
    weather, weather_info = onsite.site_weather(region, weather_path, hours)
    frame = pd.DataFrame({
        "price_usd_per_kwh": price.to_numpy(float),
        "carbon_kg_per_kwh": carbon.to_numpy(float),
        "carbon_direct_kg_per_kwh": day["carbon_direct_kg_per_kwh"].to_numpy(float),
        "carbon_lifecycle_kg_per_kwh": day["carbon_lifecycle_kg_per_kwh"].to_numpy(float),
        "ewif_l_per_kwh": ewif.to_numpy(float),
    }, index=hours).join(weather[["solar_kw", "wind_kw", "wue_l_per_kwh", "wet_bulb_c"]])
    record = {
        "carbon": {"zone": zone, "electricitymaps_zone_id": zone_ids, "signal": carbon_signal,
                   "filled_hours": [str(h) for h in day.index[day["filled"]]],
                   "estimated_hours": int(day["estimated"].sum()),
                   "file": _file_record(carbon_path, raw_root, "carbon", zone)},
        "ewif": {**ewif_info, "stand_in": False},
        "price": {"zone": zone, "method": price_method, "stand_in": False,
                  "file": _file_record(price_path, raw_root, "price", zone)},
        "weather": {"file": _file_record(weather_path, raw_root, "weather", zone), **weather_info,
                    "distance_km": round(float(recipe.great_circle_km(region.latitude, region.longitude,
                                                                      *weather_info["grid_point"])), 1),
                    "stand_in": False},
    }
    return frame, record


def build(out_dir: str | os.PathLike, *, raw_root: str | os.PathLike | None = None, offline: bool = False,
          day: str = DEFAULT_DAY, days: int = 1, carbon_signal: str = "lifecycle",
          region_ids: Sequence[str] = REGION_IDS, regions_path: str | os.PathLike | None = None,
          seed: int = recipe.SEED) -> Path:
    """Write the world_2024 scenario folder (with provenance.json) to ``out_dir``; returns it.

    day: the first 2024 date (UTC); days: consecutive days; carbon_signal: "lifecycle" (default) or "direct";
    region_ids: registry regions (default REGION_IDS) whose green-dcc zones have files in the raw cache. Reads the raw cache only (``offline`` changes nothing: no download).
    """
    from greenllm.inputs import write_scenario

    if carbon_signal not in CARBON_SIGNALS:
        raise InputError(f"{NAME}: carbon_signal={carbon_signal!r}: choose one of {', '.join(CARBON_SIGNALS)}")
    hours, days = recipe.window_hours(NAME, day, days, YEAR, why=" (the green-dcc files used here cover 2024)")
    known = registry.load_regions(regions_path)
    regions = registry.select(known, region_ids)
    regions = [dataclasses.replace(r, user_area=USER_AREAS[r.id]) if r.id in USER_AREAS else r for r in regions]
    files = _cached_files(regions, raw_root)  # first: a zone green-dcc does not publish is named with its paths
    site_by_region = {r.id: site_of(r, regions_path) for r in regions}

    site_hourly, records = {}, {}
    for region in regions:
        site_hourly[region.id], records[region.id] = _site_series(region, site_by_region[region.id], hours, files,
                                                                  raw_root=raw_root, carbon_signal=carbon_signal)
    rtt_path = files[("rtt", "")]
    rtt, rule, fit = rtt_matrix_s(regions, read_rtt_ms(rtt_path), fit_regions=list(known.values()))

    tax_usd_per_kg = paper_v1.CARBON_TAX_BASE_USD_PER_T / paper_v1.KG_PER_T
    sites = [site_by_region[r.id] for r in regions]
    dc_info = {
        "continent": [s.continent for s in sites],
        "zone": [s.zone for s in sites],
        "carbon_signal": [carbon_signal] * len(regions),
    }
    types = recipe.token_lengths()
    tables, scalars = assembly.assemble(regions, hours, site_hourly,
                                      carbon_tax_usd_per_kg=[tax_usd_per_kg] * len(regions), dc_info=dc_info,
                                      types=types, seed=seed, days=days)
    tables["areas"]["continent"] = [s.continent for s in sites]
    area_dc = tables["area_dc"]
    area_dc["rtt_s"] = rtt[area_dc["area"].to_numpy(), area_dc["dc"].to_numpy()]
    area_dc["rtt_rule"] = rule[area_dc["area"].to_numpy(), area_dc["dc"].to_numpy()]
    dc_hour = tables["dc_hour"]
    for column in CARBON_COLUMNS.values():  # both signals, whichever carbon_kg_per_kwh holds
        values = np.vstack([site_hourly[r.id][column].to_numpy(float) for r in regions])  # [j, t]
        dc_hour[column] = values[dc_hour["dc"].to_numpy(), dc_hour["hour"].to_numpy()]
    scalars.update({"scenario": NAME, "carbon_signal": carbon_signal, "carbon_signal_text": SIGNAL_TEXT[carbon_signal],
                    "rtt_model": ("measured Google Cloud inter-region RTT (own region: "
                                  f"{recipe.RTT_OVERHEAD_S} s; unmeasured pairs: distance fit)")})
    provenance = _provenance(regions, site_by_region, hours, records, types, scalars, seed, carbon_signal,
                             tax_usd_per_kg, rtt_path, raw_root, rule, fit)
    return write_scenario(out_dir, tables, scalars, provenance=provenance)


def _provenance(regions, site_by_region, hours, records, types, scalars, seed, carbon_signal, tax_usd_per_kg, rtt_path, raw_root,
                rule, fit) -> dict:
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
        "pairs": rtt_counts, "distance_fit": fit, "files": [_file_record(rtt_path, raw_root, "rtt")],
        "synthetic": False, "filled": False, "stand_in": False,
    }
    provenance["series"]["demand.queries"]["populations"] = {
        r.id: {"area": r.user_area.name, "population_millions": r.user_area.population_millions,
               "year": r.user_area.population_year, "source": r.user_area.population_source} for r in regions}
    if days := scalars.get("days"):
        provenance.update(days=days, daily_recipe=scalars["daily_recipe"])
    return provenance
