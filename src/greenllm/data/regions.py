"""The region registry (config/regions.yaml): data-centre sites, their grid zones per data source, and user areas.

``load_regions()`` validates the file against ``greenllm/schemas/regions.schema.yaml`` (jsonschema) and then checks
what a schema cannot: unique ids, IANA time zones, turbine types in windpowerlib's offline library and citation keys.
Any problem is one InputError naming the file, the region and the field. Fields an entry leaves out take the
``default`` the schema documents for them (``schema_defaults``), so the schema is the one place defaults live.
"""

from __future__ import annotations

import copy
import functools
import math
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

from greenllm import bounded_yaml
from greenllm.errors import InputError

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_REGIONS_PATH = REPO_ROOT / "config" / "regions.yaml"
"""config/regions.yaml of this checkout (src/greenllm/data/regions.py -> repository root)."""

SCHEMA_NAME = "regions.schema.yaml"
TIMEZONE_CONTINENTS = {"Africa": "Africa", "Asia": "Asia", "Europe": "Europe", "Australia": "Oceania"}
"""IANA time-zone area -> continent, for the areas that lie on one continent (America/ spans two)."""


@dataclass(frozen=True)
class Grid:
    """Identifiers of a site's grid zone in each data source (None where a source does not cover it)."""

    electricitymaps_zone: str
    eia_ba: str | None
    iso: str | None
    price_node: str | None
    entsoe_bidding_zone: str | None
    entsoe_country: str | None
    paper_electricitymaps_zone: str | None = None
    paper_eia_ba: str | None = None
    green_dcc_zone: str | None = None
    """green-dcc's folder name of the zone where it differs from electricitymaps_zone (Region.green_dcc_zone)."""


@dataclass(frozen=True)
class Wind:
    """On-site wind: ``count`` turbines of windpowerlib type ``turbine_type`` at ``hub_height_m`` [m]."""

    turbine_type: str
    count: int
    hub_height_m: float


@dataclass(frozen=True)
class UserArea:
    """The user area a region serves first; ``population_millions`` [millions] weights its demand."""

    name: str
    population_millions: float
    population_year: int
    population_source: str
    """The full citation (resolved from the registry's ``sources``)."""
    demand_factor: float = 1.0
    internet_users_pct: float | None = None
    """Individuals using the Internet [% of population] (WDI IT.NET.USER.ZS); None where the registry has none."""
    internet_users_year: int | None = None
    internet_users_source: str = ""
    """The full citation of internet_users_pct (resolved from the registry's ``sources``)."""

    @property
    def internet_users_millions(self) -> float | None:
        """Internet users [millions] = population x IT.NET.USER.ZS / 100; None without the share."""
        if self.internet_users_pct is None:
            return None
        return self.population_millions * self.internet_users_pct / 100.0


@dataclass(frozen=True)
class Region:
    """One registry entry. Units: degrees, kWp, m; ``pue`` [-]."""

    id: str
    name: str
    latitude: float
    longitude: float
    timezone: str
    grid: Grid
    pue: float
    pue_source: str
    cooling: str
    solar_kwp: float
    wind: Wind | None
    hardware: tuple[dict, ...]
    user_area: UserArea
    provider: str = ""
    country: str = ""
    notes: str = ""
    carbon_tax_factor: float = 1.0
    """Factor [-] on a builder's base carbon price where the site has none (us_2024: 50 $/t x factor)."""
    retail_price_cents_per_kwh: float | None = None
    """Retail price [US cents/kWh], the base of the paper's time-of-use price stand-in; None if not known."""
    retail_price_source: str | None = None
    """The full citation of the retail price (resolved from the registry's ``sources``)."""
    unsupported: tuple[tuple[str, str], ...] = ()
    """(builder, reason) pairs: builders that cannot build this site, and why."""
    continent: str | None = None
    """One of the six inhabited continents, or None (Region.continent_name derives it from the time zone)."""
    ewif_country: str | None = None
    """ISO 3166-1 alpha-3 country of the site's per-country EWIF, or None (computed from the hourly mix)."""

    def unsupported_reason(self, builder: str) -> str | None:
        """Why ``builder`` cannot build this site according to the registry, or None."""
        return dict(self.unsupported).get(builder)

    def continent_name(self) -> str | None:
        """The ``continent`` field, else the continent of the time zone's area (TIMEZONE_CONTINENTS), else None."""
        return self.continent or TIMEZONE_CONTINENTS.get(self.timezone.split("/")[0])

    def green_dcc_zone(self) -> str:
        """green-dcc's zone folder of the site: grid.green_dcc_zone, else the Electricity Maps zone."""
        return self.grid.green_dcc_zone or self.grid.electricitymaps_zone

    def electricitymaps_zone(self, *, paper: bool = False) -> str:
        """The Electricity Maps zone: the physical one, or the paper's where it differs and ``paper`` is set."""
        if paper and self.grid.paper_electricitymaps_zone:
            return self.grid.paper_electricitymaps_zone
        return self.grid.electricitymaps_zone

    def eia_ba(self, *, paper: bool = False) -> str | None:
        """The EIA-930 balancing authority: the physical one, or the paper's where it differs and ``paper`` is set."""
        if paper and self.grid.paper_eia_ba:
            return self.grid.paper_eia_ba
        return self.grid.eia_ba


@functools.lru_cache(maxsize=1)
def load_schema() -> dict:
    """The registry's JSON Schema (shipped as package data)."""
    text = resources.files("greenllm").joinpath("schemas", SCHEMA_NAME).read_text(encoding="utf-8")
    return yaml.safe_load(text)


@functools.lru_cache(maxsize=1)
def schema_defaults() -> dict[str, dict]:
    """{"region": {field: default}, "grid": {field: default}}: the ``default`` of every optional field in the
    schema (the documented defaults a registry entry may leave out)."""
    defs = load_schema()["$defs"]
    return {name: {field: spec["default"] for field, spec in defs[name]["properties"].items() if "default" in spec}
            for name in ("region", "grid")}


def with_defaults(entry: dict) -> dict:
    """A registry entry (as read from YAML) with every documented default filled in (a new dict)."""
    defaults = schema_defaults()
    out = {**defaults["region"], **entry}
    out["grid"] = {**defaults["grid"], **entry.get("grid", {})}
    return out


def entry_record(region_id: str, path: str | Path | None = None) -> dict:
    """The registry entry of one region with defaults filled in and citation keys resolved, as plain data: what
    a build of that region depends on (the pipeline makes it a parameter of the build job)."""
    path = Path(path) if path is not None else DEFAULT_REGIONS_PATH
    load_regions(path)  # validated first, so errors read as everywhere else
    data = copy.deepcopy(_registry(str(path), path.read_text(encoding="utf-8")))
    entry = with_defaults(next(e for e in data["regions"] if e["id"] == region_id))
    sources = data["sources"]
    for key in ("pue_source", "retail_price_source"):
        if entry.get(key):
            entry[key] = sources[entry[key]]
    area = dict(entry["user_area"])
    area["population_source"] = sources[area["population_source"]]
    entry["user_area"] = area
    return entry


@functools.lru_cache(maxsize=1)
def windpowerlib_turbine_types() -> frozenset[str]:
    """Turbine types with a power curve in windpowerlib's offline library (its bundled oedb CSV)."""
    from windpowerlib import get_turbine_types

    table = get_turbine_types(turbine_library="local", print_out=False, filter_=True)
    return frozenset(table.loc[table["has_power_curve"].astype(bool), "turbine_type"])


def load_regions(path: str | Path | None = None) -> dict[str, Region]:
    """Read and validate the registry; returns {region id: Region} in file order.

    path: the YAML file (default config/regions.yaml of this checkout).
    Raises InputError naming the file, the region (id and entry number) and the field on any bad entry.
    """
    path = Path(path) if path is not None else DEFAULT_REGIONS_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the region registry ({exc.strerror or exc})") from None
    return dict(_validated_regions(str(path), text))


@functools.lru_cache(maxsize=4)
def _registry(where: str, text: str) -> dict:
    """The registry ``text`` (read from ``where``) parsed, bounds checked first; cached by its text, so the many
    look-ups of one pipeline run (every build job, every evaluation of the workflow) parse it once. Callers copy
    before they change anything."""
    try:
        return bounded_yaml.safe_load(text, where)  # depth and alias expansion bounded before any walk
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise InputError(f"{where}: not valid YAML{at}: {getattr(exc, 'problem', exc)}") from None


@functools.lru_cache(maxsize=4)
def _validated_regions(where: str, text: str) -> dict[str, Region]:
    """:func:`load_regions` of the registry ``text`` read from ``where`` (cached by its text; the Regions are
    frozen, the caller gets a copy of the dict)."""
    path = Path(where)
    data = copy.deepcopy(_registry(where, text))
    _validate_schema(path, data)
    sources = data["sources"]
    regions: dict[str, Region] = {}
    for index, entry in enumerate(data["regions"]):
        where = _where(path, data, index)
        default_pue = schema_defaults()["region"]["pue"]
        if isinstance(entry, dict) and "pue" in entry and "pue_source" not in entry and entry["pue"] != default_pue:
            raise InputError(f"{where}, field 'pue_source': required when pue ({entry['pue']}) is not the default "
                             f"{default_pue} (the default source cites Google's fleet-wide {default_pue}); give a key "
                             "of 'sources' citing this value")
        entry = with_defaults(entry)
        if entry["id"] in regions:
            raise InputError(f"{where}, field 'id': duplicate region id {entry['id']!r}")
        try:
            zoneinfo.ZoneInfo(entry["timezone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise InputError(f"{where}, field 'timezone': {entry['timezone']!r} is not an IANA time zone") from None
        if entry["retail_price_cents_per_kwh"] is not None and not entry["retail_price_source"]:
            raise InputError(f"{where}, field 'retail_price_source': required when retail_price_cents_per_kwh is "
                             "set (a key of 'sources' citing the price)")
        area = entry["user_area"]
        if area.get("internet_users_pct") is not None and not (area.get("internet_users_year")
                                                               and area.get("internet_users_source")):
            raise InputError(f"{where}, field 'user_area.internet_users_year': internet_users_year and "
                             "internet_users_source are required when internet_users_pct is set")
        for field, key in (("pue_source", entry["pue_source"]),
                           ("user_area.population_source", entry["user_area"]["population_source"]),
                           ("user_area.internet_users_source", area.get("internet_users_source")),
                           ("retail_price_source", entry["retail_price_source"])):
            if key is not None and key not in sources:
                raise InputError(f"{where}, field '{field}': {key!r} is not a key of 'sources' "
                                 f"(known: {', '.join(sorted(sources))})")
        wind = entry["wind"]
        if wind is not None and wind["turbine_type"] not in windpowerlib_turbine_types():
            raise InputError(f"{where}, field 'wind.turbine_type': {wind['turbine_type']!r} has no power curve in "
                             f"windpowerlib's library (e.g. E-126/4200, V126/3300, E-53/800)")
        regions[entry["id"]] = _region(entry, sources)
    return regions


def select(regions: Mapping[str, Region], ids: Iterable[str]) -> list[Region]:
    """The regions with these ids, in the given order; InputError naming unknown ids."""
    ids = list(ids)
    twice = sorted({region_id for region_id in ids if ids.count(region_id) > 1})
    if twice:
        raise InputError(f"region id(s) {', '.join(map(repr, twice))} listed more than once (a site is one data "
                         "centre; list each once)")
    unknown = [region_id for region_id in ids if region_id not in regions]
    if unknown:
        raise InputError(f"unknown region id(s) {', '.join(map(repr, unknown))}; known: {', '.join(regions)}")
    return [regions[region_id] for region_id in ids]


def _region(entry: dict, sources: dict) -> Region:
    grid = entry["grid"]
    wind = entry["wind"]
    area = entry["user_area"]
    return Region(
        id=entry["id"],
        name=entry["name"],
        latitude=float(entry["latitude"]),
        longitude=float(entry["longitude"]),
        timezone=entry["timezone"],
        grid=Grid(**grid),
        pue=float(entry["pue"]),
        pue_source=sources[entry["pue_source"]],
        cooling=entry["cooling"],
        solar_kwp=float(entry["solar_kwp"]),
        wind=None if wind is None else Wind(wind["turbine_type"], int(wind["count"]), float(wind["hub_height_m"])),
        hardware=tuple(dict(item) for item in entry["hardware"]),
        user_area=UserArea(
            name=area["name"],
            population_millions=float(area["population_millions"]),
            population_year=int(area["population_year"]),
            population_source=sources[area["population_source"]],
            demand_factor=float(area.get("demand_factor", 1.0)),
            internet_users_pct=None if area.get("internet_users_pct") is None else float(area["internet_users_pct"]),
            internet_users_year=area.get("internet_users_year"),
            internet_users_source=sources.get(area.get("internet_users_source") or "", ""),
        ),
        provider=entry.get("provider", ""),
        country=entry.get("country", ""),
        notes=entry.get("notes", ""),
        carbon_tax_factor=float(entry["carbon_tax_factor"]),
        retail_price_cents_per_kwh=(None if entry["retail_price_cents_per_kwh"] is None
                                    else float(entry["retail_price_cents_per_kwh"])),
        retail_price_source=sources[entry["retail_price_source"]] if entry["retail_price_source"] else None,
        unsupported=tuple(sorted(entry["unsupported"].items())),
        continent=entry["continent"],
        ewif_country=entry["ewif_country"],
    )


def _where(path: Path, data, index: int) -> str:
    """'<file>: region '<id>' (entry n)' for the n-th (0-based index) entry of data['regions']."""
    entry = data["regions"][index] if isinstance(data, dict) and isinstance(data.get("regions"), list) else None
    region_id = entry.get("id") if isinstance(entry, dict) else None
    label = f"region {region_id!r}" if isinstance(region_id, str) else "region"
    return f"{path}: {label} (entry {index + 1})"


def _non_finite(node, location=()):
    """The location of the first NaN or infinite number in the parsed YAML (``.nan``/``.inf`` pass a JSON schema's
    minimum/maximum, so they are looked for first), else None."""
    if isinstance(node, float) and not math.isfinite(node):
        return location
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        if (found := _non_finite(child, (*location, key))) is not None:
            return found
    return None


def _validate_schema(path: Path, data) -> None:
    if (location := _non_finite(data)) is not None:
        if len(location) >= 2 and location[0] == "regions" and isinstance(location[1], int):
            field = ".".join(str(part) for part in location[2:])
            raise InputError(f"{_where(path, data, location[1])}, field '{field}': must be a finite number")
        raise InputError(f"{path}, field '{'.'.join(str(p) for p in location)}': must be a finite number")
    validator = jsonschema.Draft202012Validator(load_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        return
    error = errors[0]
    while error.context:  # oneOf / anyOf: report the deepest branch failure instead of "not valid under any"
        error = max(error.context, key=lambda e: len(e.absolute_path))
    location = list(error.absolute_path)
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in (error.instance or {})]
        location += missing[:1]
        detail = "is required but missing"
    else:
        detail = error.message
    if len(location) >= 2 and location[0] == "regions" and isinstance(location[1], int):
        where = _where(path, data, location[1])
        field = ".".join(str(part) for part in location[2:]) or "(entry)"
        message = f"{where}, field '{field}': {detail}"
    else:
        field = ".".join(str(part) for part in location) or "(top level)"
        message = f"{path}, field '{field}': {detail}"
    more = len(errors) - 1
    if more:
        message += f" ({more} more problem{'s' if more > 1 else ''} after this one)"
    raise InputError(message)
