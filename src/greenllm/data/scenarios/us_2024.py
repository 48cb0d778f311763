"""us_2024: one day of 2024 at the paper's nine Google Cloud US regions, with real hourly grid data and weather.

Default day 2024-03-24 (the paper's carbon day), 24 UTC hours; ``day`` chooses another 2024 date. Per site:

- carbon intensity: the Electricity Maps data-portal zone file ``electricitymaps/<ZONE>_2024_hourly.csv``, column
  "Life cycle" (g -> kg). Zones: the registry's physically correct ones by default (``zones="physical"``: e.g. PJM for
  Northern Virginia and Columbus, BPA for The Dalles, Santee Cooper for Moncks Corner), or the paper's
  (``zones="paper"``: NYISO for Virginia, LG&E/KU for Columbus, PGE for Oregon, SEPA for South Carolina).
- EWIF: the EIA-930 hourly net generation by fuel of the zone's balancing authority (six-month BALANCE file
  ``eia930/EIA930_BALANCE_2024_<Jan_Jun|Jul_Dec>.csv``) x Macknick et al. (2012) water factors
  (greenllm.data.sources.eia930); the BA follows the same zone choice.
- price, first found of: a cached gridstatus LMP export of the registry's ISO node for the day
  (``gridstatus/<ISO>_<node>_<market>_<day>T00_<next day>T00.csv``, market per ISO in LMP_MARKETS: real-time),
  green-dcc's standardized hourly price file of the site's physical zone (``prices/<ZONE>_electricity_prices_2024.csv``,
  hourly, smoothed by green-dcc: PJM = real-time DOM zone, ERCOT = day-ahead HB_HUBAVG, ...), or, online, a gridstatus
  download. us-east1 (Santee Cooper, a vertically integrated utility) has no public wholesale price: the paper's
  time-of-use recipe on the state retail price, on local hours, is its flagged stand-in.
- solar, wind, WUE: Open-Meteo 2024 archive ``openmeteo/<region>_2024.json`` -> pvlib PVWatts (or the cloud-cover
  model when a file has no radiation), windpowerlib, Li et al. WUE from the wet-bulb temperature. Without that file,
  green-dcc's cached Open-Meteo file of the site's zone (WEATHER_DATASET) when its point is within
  onsite.WEATHER_MAX_DISTANCE_KM of the site (us-south1: Dallas, 2.5 km).
- carbon tax: the paper's 50 $/t x the registry's ``carbon_tax_factor`` of the site (synthetic; no US carbon price).

Sites: any registry region whose grid zone is a US Electricity Maps zone (``supports``); the paper's nine by default
(``region_ids`` chooses others). Everything site-specific comes from config/regions.yaml (zones, ISO price node,
carbon-tax factor, retail price of the time-of-use stand-in, PV, wind, cooling, hardware), so a new US site is one
registry entry.

Missing raw files: online they are downloaded; offline (``greenllm data build us_2024 --offline``) the build stops
with ONE DataSourceError listing every missing file, where to place it and where to get it. That is the default
because a us_2024 built from stand-ins would not be what its name promises. ``standins=True`` (Python API) builds
anyway: weather -> clear-sky solar (upper bound), no wind, constant WUE; price -> the time-of-use recipe; EWIF -> a
constant; each flagged on stderr and in provenance.json. Carbon intensity has no stand-in.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from greenllm.data import cache, timeseries
from greenllm.data import regions as registry
from greenllm.data.build import raw_root_path
from greenllm.data.fuel_factors import MACKNICK
from greenllm.data.scenarios import assembly, onsite, paper_v1, provenance_records, recipe
from greenllm.data.sources import eia930, electricitymaps, openmeteo, prices
from greenllm.data.sources import registry as sources
from greenllm.errors import DataSourceError, InputError

NAME = "us_2024"
YEAR = 2024
DEFAULT_DAY = paper_v1.CARBON_DAY_UTC
REGION_IDS = tuple(site.dc_name for site in paper_v1.SITES)
ZONE_CHOICES = ("physical", "paper")

LMP_MARKETS = {"PJM": "REAL_TIME_HOURLY", "MISO": "REAL_TIME_HOURLY_FINAL", "ERCOT": "REAL_TIME_5_MIN",
               "CAISO": "REAL_TIME_15_MIN"}
"""gridstatus market per ISO: real-time prices everywhere (WEIM load aggregation points have no day-ahead price;
gridstatus' ERCOT get_lmp returns SCED real-time LMPs and ignores the market, which only names the cache file)."""

STANDARDIZED_DATASET = "green_dcc_prices"
"""green-dcc's standardized prices in the source registry (config/sources.yaml): cache path, pinned mirror, sha256."""
STANDARDIZED_SOURCE = "HewlettPackard/green-dcc standardized hourly electricity prices (ISO/ENTSO-E data)"
STANDARDIZED_LICENCE = "MIT (green-dcc); underlying ISO data under the publishers' terms"
GREEN_DCC_NODES = {"US-CAL-CISO": ("CAISO", "TH_NP15_GEN-APND", "DAY_AHEAD_HOURLY"),
                   "US-MIDA-PJM": ("PJM", "DOM", "REAL_TIME_HOURLY"),
                   "US-NY-NYIS": ("NYISO", "CAPITL", "DAY_AHEAD_HOURLY"),
                   "US-TEX-ERCO": ("ERCOT", "HB_HUBAVG", "DAY_AHEAD_HOURLY")}
"""Zone -> (ISO, node, market) of green-dcc's standardized 2024 US price files (from its extract scripts, as listed
in the fixtures' README); a site whose registry node differs uses the file as a same-ISO stand-in (recorded)."""
GREEN_DCC_ZONES = tuple(GREEN_DCC_NODES)
WEATHER_DATASET = "green_dcc_weather"
"""green-dcc's Open-Meteo 2024 file of a zone (config/sources.yaml): a site without its own Open-Meteo file uses it
when its grid point lies within onsite.WEATHER_MAX_DISTANCE_KM (only us-south1, Dallas, among the nine)."""
STANDARDIZED_NOTE = ("green-dcc smoothed the prices (2-hour centred rolling mean) and interpolated gaps; its US files "
                     "are CAISO DA TH_NP15_GEN-APND, NYISO DA CAPITL, PJM RT DOM zone, ERCOT DAM HB_HUBAVG")
KG_PER_T = paper_v1.KG_PER_T
CENTS_PER_USD = paper_v1.CENTS_PER_USD
ZONE_PREFIX = "US-"
"""Electricity Maps zone ids of the US grid zones this builder covers start with this."""


def supports(region) -> str | None:
    """None if us_2024 can build ``region``, else why not (the registry's ``unsupported`` mark, or a zone outside
    the US)."""
    reason = region.unsupported_reason(NAME)
    if reason:
        return reason
    if not region.grid.electricitymaps_zone.startswith(ZONE_PREFIX):
        return (f"grid.electricitymaps_zone {region.grid.electricitymaps_zone} is not a US zone ({NAME} reads "
                f"2024 hourly data of US grid zones, {ZONE_PREFIX}*)")
    return None


def raw_files(raw_root=None, *, day: str = DEFAULT_DAY, zones: str = "physical",
              region_ids: Sequence[str] = REGION_IDS, regions_path=None, **_options) -> list[Path]:
    """Every raw-cache file a build with these options may read (absolute paths, present or not): the carbon zone
    files, the EIA-930 BALANCE half-year file, the Open-Meteo weather, and both price files of each priced site."""
    root = raw_root_path(raw_root)
    hours = timeseries.day_hours_utc(day, recipe.N_HOURS)
    start, end = hours[0], hours[-1] + pd.Timedelta(hours=1)
    regions = registry.select(registry.load_regions(regions_path), region_ids)
    paper = zones == "paper"
    paths = [root / eia930.RAW_SUBDIR / eia930.balance_file_name(YEAR, balance_half(start))]
    for region in regions:
        paths.append(electricitymaps.zone_path(region.electricitymaps_zone(paper=paper), YEAR, root))
        paths.append(root / openmeteo.cache_name(region.id, YEAR))
        paths.append(root / sources.dataset(WEATHER_DATASET).cache_name(zone=region.grid.electricitymaps_zone,
                                                                        year=YEAR))
        if region.grid.iso is not None and region.grid.price_node is not None:
            market = LMP_MARKETS.get(region.grid.iso.upper(), "REAL_TIME_5_MIN")
            paths.append(prices.lmp_cache_path(region.grid.iso, region.grid.price_node, market, start, end, root))
            paths.append(standardized_price_path(region.grid.electricitymaps_zone, YEAR, root))
    return list(dict.fromkeys(paths))


def retail_price_usd_per_kwh(region, regions_path=None, missing_price: str | None = None) -> float:
    """The registry's retail price of a site [$/kWh], the base of the time-of-use stand-in; InputError naming the
    field when the registry has none. ``missing_price``: why a site WITH grid.iso and grid.price_node has no
    wholesale price (the price file it lacks), named first in that error."""
    if region.retail_price_cents_per_kwh is None:
        where = (f"{Path(regions_path or registry.DEFAULT_REGIONS_PATH).absolute()}, region {region.id!r}, field "
                 "'retail_price_cents_per_kwh'")
        if missing_price:
            raise InputError(
                f"{missing_price}; without that file {NAME} falls back to the time-of-use stand-in, whose base is "
                f"{where}, unset (set it with retail_price_source, or place the price file)")
        raise InputError(
            f"{where}: {NAME} "
            "needs a retail price for the time-of-use stand-in of a site without a wholesale price; set it (with "
            "retail_price_source), or give the site grid.iso and grid.price_node")
    return region.retail_price_cents_per_kwh / CENTS_PER_USD


def standardized_price_path(zone: str, year: int = YEAR, raw_root=None) -> Path:
    name = sources.dataset(STANDARDIZED_DATASET).cache_name(zone=zone, year=int(year))
    return cache.resolve_raw_root(raw_root) / name


def balance_half(day: pd.Timestamp) -> str:
    return eia930.BALANCE_HALVES[0] if day.month <= 6 else eia930.BALANCE_HALVES[1]


@dataclass
class _Gathered:
    """Raw inputs found per region, and what is missing (one line each)."""

    carbon: dict = field(default_factory=dict)
    ewif: dict = field(default_factory=dict)
    price: dict = field(default_factory=dict)
    weather: dict = field(default_factory=dict)
    missing: list = field(default_factory=list)  # (kind, text)


def _try(gathered: _Gathered, kind: str, what: str, fetch):
    try:
        return fetch()
    except DataSourceError as err:
        gathered.missing.append((kind, f"{what}: {err}"))
        return None


def _price_source(region, hours, *, raw_root, offline: bool, gathered: _Gathered) -> dict | None:
    """Where the region's hourly price comes from, reading cached files first; None if nothing is available."""
    iso, node = region.grid.iso, region.grid.price_node
    start, end = hours[0], hours[-1] + pd.Timedelta(hours=1)
    if iso is None or node is None:
        return None
    market = LMP_MARKETS.get(iso.upper(), "REAL_TIME_5_MIN")
    lmp_path = prices.lmp_cache_path(iso, node, market, start, end, raw_root)
    if lmp_path.exists():
        hourly = prices.fetch_iso_lmp(iso, node, start, end, market=market, offline=True, raw_root=raw_root)
        return {"kind": "gridstatus", "path": lmp_path, "hourly": hourly, "iso": iso, "node": node, "market": market}
    zone = region.grid.electricitymaps_zone
    std_path = standardized_price_path(zone, YEAR, raw_root)
    path = sources.cached(STANDARDIZED_DATASET, raw_root=raw_root, validate=prices.read_standardized_price_csv,
                          zone=zone, year=YEAR)
    if path is not None:
        table = prices.read_standardized_price_csv(path)
        hourly = timeseries.window(table, hours, where=str(path))
        std_iso, std_node, std_market = GREEN_DCC_NODES.get(zone, (None, None, None))
        return {"kind": "standardized", "path": path, "hourly": hourly, "zone": zone, "iso": std_iso,
                "node": std_node, "market": std_market, "registry_node": node, "same_node": std_node == node}
    if offline:
        pinned = sources.dataset(STANDARDIZED_DATASET).mirror_addresses(zone=zone, year=YEAR)
        alternative = (f", or green-dcc's standardized hourly prices for {zone} at {std_path} (from "
                       f"{pinned[0][0]})" if zone in GREEN_DCC_ZONES and pinned else "")
        gathered.missing.append(("price", (
            f"price of {region.id}: place a gridstatus export of {iso} {market} LMPs at {node} for "
            f"[{start:%Y-%m-%d %H:%M}, {end:%Y-%m-%d %H:%M}) UTC at {lmp_path} (columns interval_start_utc, "
            f"location, lmp; `prices.fetch_iso_lmp` writes it online){alternative}")))
        return None
    hourly = _try(gathered, "price", f"price of {region.id}",
                  lambda: prices.fetch_iso_lmp(iso, node, start, end, market=market, raw_root=raw_root))
    if hourly is None:
        return None
    return {"kind": "gridstatus", "path": lmp_path, "hourly": hourly, "iso": iso, "node": node, "market": market}


def _nearby_green_dcc_weather(region, raw_root) -> Path | None:
    """green-dcc's cached Open-Meteo 2024 file of the site's zone (registry dataset WEATHER_DATASET) when the site has
    no Open-Meteo file of its own in the cache and green-dcc's grid point lies within onsite.WEATHER_MAX_DISTANCE_KM
    of the site (e.g. Dallas for us-south1); else None."""
    if (raw_root_path(raw_root) / openmeteo.cache_name(region.id, YEAR)).exists():
        return None
    path = sources.cached(WEATHER_DATASET, raw_root=raw_root, zone=region.grid.electricitymaps_zone, year=YEAR)
    if path is None:
        return None
    attrs = openmeteo.read_archive_json(path).attrs
    distance_km = float(recipe.great_circle_km(region.latitude, region.longitude, attrs["latitude"],
                                               attrs["longitude"]))
    return path if distance_km <= onsite.WEATHER_MAX_DISTANCE_KM else None


def _gather(regions, hours, *, zones: str, raw_root, offline: bool) -> _Gathered:
    gathered = _Gathered()
    paper = zones == "paper"
    for region in regions:
        zone = region.electricitymaps_zone(paper=paper)
        gathered.carbon[region.id] = _try(
            gathered, "carbon", f"carbon intensity (Electricity Maps zone {zone})",
            lambda zone=zone: electricitymaps.fetch_zone(zone, YEAR, raw_root=raw_root, offline=offline))
        gathered.weather[region.id] = _nearby_green_dcc_weather(region, raw_root) or _try(
            gathered, "weather", f"weather of {region.id} (Open-Meteo archive)",
            lambda region=region: onsite.weather_file(region, YEAR, raw_root=raw_root, offline=offline))
        gathered.price[region.id] = _price_source(region, hours, raw_root=raw_root, offline=offline,
                                                  gathered=gathered)
    half = balance_half(hours[0])
    balance = _try(gathered, "ewif", f"EWIF (EIA-930 fuel mix, {half})",
                   lambda: eia930.fetch_balance_file(YEAR, half, offline=offline, raw_root=raw_root))
    for region in regions:
        gathered.ewif[region.id] = balance
    return gathered


def _carbon(region, path: Path, zone: str, hours) -> tuple[pd.Series, dict]:
    raw = electricitymaps.read_zone_csv(path)
    ids = set(raw["zone_id"].dropna().unique()) - {""}
    if ids and ids != {zone}:
        raise DataSourceError(f'{path}, column "Zone id": expected {zone} for {region.id}, found {sorted(ids)}')
    day = electricitymaps.clean(raw, start=hours[0], end=hours[-1] + pd.Timedelta(hours=1))
    info = {"zone": zone, "filled_hours": [str(h) for h in day.index[day["filled"]]],
            "estimated_hours": int(day["estimated"].sum())}
    return day["carbon_lifecycle_kg_per_kwh"], info


@functools.lru_cache(maxsize=16)
def _balance_mix(path: str, _mtime_ns: int, _size: int, ba: str) -> pd.DataFrame:
    return eia930.read_balance_csv(path, ba)


def _ewif(path: Path, ba: str, hours) -> tuple[pd.Series, dict]:
    stat = Path(path).stat()
    mix = _balance_mix(str(path), stat.st_mtime_ns, stat.st_size, ba)
    factors = eia930.hourly_grid_factors(mix, start=hours[0], end=hours[-1] + pd.Timedelta(hours=1))
    info = {"ba": ba, "filled_hours": [str(h) for h in factors.index[factors["filled"]]],
            "incomplete_mix_hours": [str(h) for h in factors.index[factors["incomplete_mix"]]]}
    return factors["ewif_l_per_kwh"], info


def _missing_message(missing, raw_root, offline: bool) -> str:
    where = raw_root_path(raw_root)
    order = {kind: n for n, kind in enumerate(("carbon", "ewif", "price", "weather"))}
    ranked = sorted(missing, key=lambda item: order.get(item[0], len(order)))  # stable: site order within a kind
    lines = list(dict.fromkeys(text for _, text in ranked))  # a zone shared by two sites is listed once
    head = (f"{NAME}: {len(lines)} raw input{'s are' if len(lines) > 1 else ' is'} missing"
            + (" (offline)" if offline else "") + f"; place the files in the raw cache {where} "
            "(data/raw/README.md lists them) or build online")
    return head + ":\n  - " + "\n  - ".join(lines)


def build(out_dir: str | os.PathLike, *, raw_root: str | os.PathLike | None = None, offline: bool = False,
          day: str = DEFAULT_DAY, zones: str = "physical", standins: bool = False,
          region_ids: Sequence[str] = REGION_IDS, regions_path: str | os.PathLike | None = None,
          seed: int = recipe.SEED) -> Path:
    """Write the us_2024 scenario folder (with provenance.json) to ``out_dir``; returns it.

    zones: "physical" (default) or "paper" Electricity Maps zones and EIA BAs. standins: build with flagged
    stand-ins instead of failing when weather, price or fuel-mix files are missing (carbon files stay required).
    """
    from greenllm.inputs import write_scenario

    if zones not in ZONE_CHOICES:
        raise InputError(f"zones={zones!r}: choose one of {', '.join(ZONE_CHOICES)}")
    raw_root = raw_root_path(raw_root)
    hours = timeseries.day_hours_utc(day, recipe.N_HOURS)
    if hours[0].year != YEAR or hours[-1].year != YEAR:
        raise InputError(f"{NAME}: day {day} is not in {YEAR}")
    regions = registry.select(registry.load_regions(regions_path), region_ids)
    recipe.check_supported(NAME, regions, supports)
    for region in regions:
        if region.grid.iso is None or region.grid.price_node is None:
            retail_price_usd_per_kwh(region, regions_path)  # always the time-of-use stand-in: its base must be known up front

    gathered = _gather(regions, hours, zones=zones, raw_root=raw_root, offline=offline)
    fatal = [m for m in gathered.missing if m[0] == "carbon" or not standins]
    if fatal:
        raise DataSourceError(_missing_message(fatal, raw_root, offline))

    draws = recipe.paper_draws(len(regions), len(regions), len(paper_v1.QUERY_TYPES), len(hours), seed)
    paper = zones == "paper"
    site_hourly, records, stand_ins = {}, {}, []
    for j, region in enumerate(regions):
        zone = region.electricitymaps_zone(paper=paper)
        carbon, carbon_info = _carbon(region, gathered.carbon[region.id], zone, hours)
        carbon_info["file"] = provenance_records.raw_file_record(gathered.carbon[region.id], raw_root)
        record = {"carbon": carbon_info}
        frame = pd.DataFrame({"carbon_kg_per_kwh": carbon.to_numpy()}, index=hours)

        balance = gathered.ewif[region.id]
        ba = region.eia_ba(paper=paper)
        if balance is not None and ba is not None:
            ewif, ewif_info = _ewif(balance, ba, hours)
            frame["ewif_l_per_kwh"] = ewif.to_numpy()
            record["ewif"] = {**ewif_info, "stand_in": False,
                              "file": provenance_records.raw_file_record(balance, raw_root)}
        else:
            frame["ewif_l_per_kwh"] = recipe.EWIF_STAND_IN_L_PER_KWH
            record["ewif"] = {"ba": ba, "stand_in": True}
            stand_ins.append(f"{region.id}: EWIF = {recipe.EWIF_STAND_IN_L_PER_KWH} L/kWh (no EIA-930 fuel mix)")

        source = gathered.price[region.id]
        if source is not None:
            frame["price_usd_per_kwh"] = source["hourly"]["price_usd_per_kwh"].to_numpy()
            filled = source["hourly"]["filled"] if "filled" in source["hourly"].columns else None
            record["price"] = {k: (str(v) if isinstance(v, Path) else v) for k, v in source.items() if k != "hourly"}
            record["price"].update(stand_in=False, file=provenance_records.raw_file_record(source["path"], raw_root),
                                   filled_hours=[] if filled is None else [str(h) for h in hours[filled.to_numpy()]])
            record["price"]["path"] = record["price"]["file"]["path"]  # relative to the raw cache: the same anywhere
            if source["kind"] == "standardized":
                record["price"]["note"] = STANDARDIZED_NOTE
                if not source["same_node"]:
                    record["price"]["stand_in"] = True
                    record["price"]["stand_in_method"] = (
                        f"green-dcc's {source['iso']} {source['node']} price stands in for the registry node "
                        f"{source['registry_node']} (same zone file)")
                    stand_ins.append(f"{region.id}: price = {record['price']['stand_in_method']}")
        else:
            lacking = [text for kind, text in gathered.missing if kind == "price" and f"price of {region.id}:" in text]
            base = retail_price_usd_per_kwh(region, regions_path, lacking[0] if lacking else None)
            local_hours = hours.tz_convert(region.timezone).hour.to_numpy()
            frame["price_usd_per_kwh"] = recipe.time_of_use_price(base, local_hours, draws["price_r"][j])
            why = "no public wholesale price (no ISO node in the registry)" if region.grid.iso is None \
                else "no price file"
            record["price"] = {"kind": "time_of_use_stand_in", "stand_in": True, "base_usd_per_kwh": base,
                               "reason": why}
            stand_ins.append(f"{region.id}: price = the paper's time-of-use recipe on the {region.user_area.name} "
                             f"retail price {region.retail_price_cents_per_kwh:g} c/kWh ({why})")

        weather = gathered.weather[region.id]
        if weather is not None:
            site_frame, info = onsite.site_weather(region, weather, hours)
            frame = frame.join(site_frame[["solar_kw", "wind_kw", "wue_l_per_kwh"]])
            record["weather"] = {"file": provenance_records.raw_file_record(weather, raw_root), **info,
                                 "stand_in": False}
        else:
            frame["solar_kw"] = onsite.clearsky_solar_kw(region, hours).to_numpy()
            frame["wind_kw"] = 0.0
            frame["wue_l_per_kwh"] = onsite.stand_in_wue(region, hours).to_numpy()
            record["weather"] = {"file": None, "stand_in": True, "solar_method": "clearsky_upper_bound",
                                 "wind": "0 (no weather)"}
            stand_ins.append(f"{region.id}: no Open-Meteo weather: clear-sky solar (upper bound), no wind, "
                             f"WUE {onsite.stand_in_wue(region, hours).iloc[0]} L/kWh")
        site_hourly[region.id], records[region.id] = frame, record

    tax = [paper_v1.CARBON_TAX_BASE_USD_PER_T * r.carbon_tax_factor / KG_PER_T for r in regions]
    types = recipe.token_lengths()
    dc_info = {
        "carbon_zone": [records[r.id]["carbon"]["zone"] for r in regions],
        "eia_ba": [r.eia_ba(paper=paper) or "" for r in regions],
        "price_source": [_price_label(records[r.id]["price"]) for r in regions],
        "weather": ["stand-in" if records[r.id]["weather"]["stand_in"] else "Open-Meteo" for r in regions],
    }
    tables, scalars = assembly.assemble(regions, hours, site_hourly, carbon_tax_usd_per_kg=tax, dc_info=dc_info,
                                      types=types, seed=seed)
    scalars.update({"scenario": NAME, "zones": zones})
    provenance = _provenance(regions, hours, records, types, scalars, zones, stand_ins, seed)
    provenance_records.warn(NAME, stand_ins)
    return write_scenario(out_dir, tables, scalars, provenance=provenance)


def _price_label(record: dict) -> str:
    if record["kind"] == "gridstatus":
        return f"{record['iso']} {record['node']} {record['market']}"
    if record["kind"] == "standardized":
        return f"green-dcc {record['zone']} ({record['iso']} {record['node']} {record['market']})"
    return "time-of-use stand-in"


def _provenance(regions, hours, records, types, scalars, zones, stand_ins, seed) -> dict:
    def collect(kind: str) -> list[dict]:
        return provenance_records.record_files(regions, records, kind)

    def filled(kind: str) -> dict:
        return {r.id: records[r.id][kind]["filled_hours"] for r in regions
                if records[r.id][kind].get("filled_hours")}

    def stand_in_dcs(kind: str) -> list[str]:
        return [r.id for r in regions if records[r.id][kind].get("stand_in")]

    carbon = {
        "source": electricitymaps.SOURCE, "licence": electricitymaps.LICENCE,
        "url": electricitymaps.URL_TEMPLATE.format(base=electricitymaps.BASE_URL,
                                                   release=electricitymaps.DEFAULT_RELEASE, zone="<ZONE>", year=YEAR),
        "column": "Carbon intensity gCO2eq/kWh (Life cycle)", "zones": zones,
        "signal": "lifecycle", "signal_text": paper_v1.CARBON_SIGNAL,
        "method": "the day's UTC hours / 1000 (g -> kg); gaps of at most 3 h interpolated",
        "files": collect("carbon"), "per_dc": {r.id: {k: v for k, v in records[r.id]["carbon"].items() if k != "file"}
                                                for r in regions},
        "filled": bool(filled("carbon")), "filled_hours": filled("carbon"), "synthetic": False, "stand_in": False,
    }
    ewif_stand_in = stand_in_dcs("ewif")
    ewif = {
        "source": eia930.SOURCE, "licence": eia930.LICENCE, "url": eia930.BALANCE_URL,
        "method": (f"hourly net generation by fuel of the balancing authority x {MACKNICK} consumption factors "
                   "(greenllm.data.sources.eia930.hourly_grid_factors; reservoir hydro carries evaporation)"),
        "files": collect("ewif"), "per_dc": {r.id: {k: v for k, v in records[r.id]["ewif"].items() if k != "file"}
                                              for r in regions},
        "filled": bool(filled("ewif")), "filled_hours": filled("ewif"), "synthetic": False,
        "stand_in": bool(ewif_stand_in), "stand_in_dcs": ewif_stand_in,
        "note": ("real EWIF with hydro reservoir evaporation runs 1-14 L/kWh, far above the paper's synthetic "
                 "0.1-0.6 L/kWh; kept as is (Li et al., 'Making AI Less Thirsty', count hydro evaporation too)"),
    }
    if ewif_stand_in:
        ewif["stand_in_method"] = (f"{recipe.EWIF_STAND_IN_L_PER_KWH} L/kWh (the mean of the paper's U(0.1, 0.6)) "
                                   "where no EIA-930 BALANCE file was available")
    price_stand_in = stand_in_dcs("price")
    time_of_use = [r.id for r in regions if records[r.id]["price"]["kind"] == "time_of_use_stand_in"]
    price = {
        "source": f"{prices.GRIDSTATUS_SOURCE}; {STANDARDIZED_SOURCE}",
        "licence": f"{prices.GRIDSTATUS_LICENCE}; {STANDARDIZED_LICENCE}",
        "url": "per file (gridstatus call or green-dcc URL)",
        "method": "hourly mean of the node's LMP intervals [$/MWh] / 1000; see per_dc for each site's source",
        "files": collect("price"), "per_dc": {r.id: {k: v for k, v in records[r.id]["price"].items() if k != "file"}
                                               for r in regions},
        "filled": bool(filled("price")), "filled_hours": filled("price"), "synthetic": bool(time_of_use),
        "stand_in": bool(price_stand_in), "stand_in_dcs": price_stand_in,
    }
    if time_of_use:
        price["time_of_use_dcs"] = time_of_use
        price["stand_in_method"] = ("the paper's time-of-use recipe base x (1.8 | 1.2 | 0.7 + 0.2 r) on the site's "
                                    "LOCAL hour, base = the registry's retail_price_cents_per_kwh; r from RandomState(seed) "
                                    "(recipe.paper_draws 'price_r')")
    renewable, wue = provenance_records.weather_provenance(
        regions, records,
        renewable_source=f"{openmeteo.SOURCE} -> pvlib PVWatts (or cloud-cover model) and windpowerlib",
        renewable_licence=openmeteo.LICENCE,
        renewable_method=(f"registry PV + turbine output scaled to {recipe.ONSITE_CAPACITY_KW} kW nameplate per site "
                          "(the paper's mean on-site capacity); solar of slot [t, t+1) from radiation stamped t+1"),
        wue_source=provenance_records.WUE_SOURCE,
        wue_stand_in_method=f"{recipe.WUE_STAND_IN_L_PER_KWH} L/kWh (the mean of the paper's U(0.5, 1.0))")
    tax = {**provenance_records.synthetic_record("50 $/t x the registry's carbon_tax_factor of the site / 1000 (no US"
                                                 " carbon price; the paper's regional factors for its nine sites)"),
           "per_dc": {r.id: r.carbon_tax_factor for r in regions}, "synthetic": True}
    return provenance_records.scenario_provenance(NAME, __name__, hours, regions, types, scalars, seed, stand_ins,
                                      carbon=carbon, ewif=ewif, price=price, renewable=renewable, wue=wue, tax=tax,
                                      extra={"zones": zones, "carbon_signal": {"signal": "lifecycle",
                                                                                "text": paper_v1.CARBON_SIGNAL}})
