"""The committed hourly site series of world_2024: every real signal its builder reads from green-dcc's 2024 files,
per default site and UTC hour of 2024, so that a clone without those raw files builds world_2024 (any day) and
world_2024_year offline, with the same values and no stand-in.

``data/processed/world_2024_sites/`` (written by ``greenllm.data.scenarios.world_2024.write_site_series`` from a
primed raw cache; about 4 MB):

- ``site_hour.csv.gz``: region, hour (0 = 2024-01-01 00:00 UTC, ..., 8783), price_usd_per_kwh,
  carbon_lifecycle_kg_per_kwh, carbon_direct_kg_per_kwh, ewif_l_per_kwh, solar_kw and wind_kw (at the registry's
  nameplate), wue_l_per_kwh, carbon_estimated (Electricity Maps' own estimate, 0/1): the builder's per-site frames
  for the whole year, floats written in full (shortest round-trip) precision, so every value reads back exactly;
  gzip with a zero time stamp, so a rewrite from the same files is byte-identical.
- ``records.json``: per site the builder's provenance records for the whole year (raw files with dataset, cache
  path, sha256, pinned address and whether they match it; filled hours; weather point, distance and rule), and the
  round-trip-time matrix between the sites with the rule per pair and the distance fit.

:meth:`SiteSeries.window` cuts a window out of the year and its records (filled hours inside the window, estimated
hours counted in it, the mix-based EWIF mean over it), as the raw build of that window writes them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.errors import InputError
from greenllm.outputs import atomic_write_bytes, write_json

SITES_DIR = Path(__file__).resolve().parents[4] / "data" / "processed" / "world_2024_sites"
SERIES_FILE = "site_hour.csv.gz"
RECORDS_FILE = "records.json"
YEAR_START_UTC = pd.Timestamp("2024-01-01", tz="UTC")
SERIES_COLUMNS = ("price_usd_per_kwh", "carbon_lifecycle_kg_per_kwh", "carbon_direct_kg_per_kwh", "ewif_l_per_kwh",
                  "solar_kw", "wind_kw", "wue_l_per_kwh", "carbon_estimated")
CARBON_COLUMNS = {"lifecycle": "carbon_lifecycle_kg_per_kwh", "direct": "carbon_direct_kg_per_kwh"}


HALF_HOUR_PRICE_METHOD = "mean of the two published half-hour-offset hours overlapping each UTC slot"


def half_hour_price_method(edge_slots: Sequence[str]) -> str:
    """How world_2024.read_price reads a file stamped on half hours, naming the slots at the file's ends that
    overlap one published hour only (and take it)."""
    method = HALF_HOUR_PRICE_METHOD
    if edge_slots:
        method += (f"; {len(edge_slots)} slot(s) at the file's ends overlap one published hour only and take it: "
                   f"{', '.join(edge_slots)}")
    return method


@dataclass(frozen=True)
class SiteSeries:
    """The committed year: hourly frames per region id (UTC index) and the builder's records."""

    frames: dict[str, pd.DataFrame]
    records: dict

    @property
    def region_ids(self) -> list[str]:
        return list(self.frames)

    def window(self, region_id: str, hours: pd.DatetimeIndex, carbon_signal: str) -> tuple[pd.DataFrame, dict]:
        """(frame on ``hours`` with the builder's site columns, the site's records for that window)."""
        frame = self.frames[region_id]
        missing = hours.difference(frame.index)
        if len(missing):
            raise InputError(f"{SITES_DIR / SERIES_FILE}: no series of {region_id} for {missing[0]} UTC")
        part = frame.reindex(hours).copy()
        part["carbon_kg_per_kwh"] = part[CARBON_COLUMNS[carbon_signal]]
        part["carbon_estimated"] = part["carbon_estimated"].astype(bool)
        year = self.records["sites"][region_id]
        first, last = hours[0], hours[-1]
        after = last + pd.Timedelta(hours=1)

        def inside(stamps, stop):
            return [h for h in stamps if first <= pd.Timestamp(h) <= stop]

        carbon = {**year["carbon"], "signal": carbon_signal,
                  "filled_hours": inside(year["carbon"]["filled_hours"], last),
                  "estimated_hours": int(part["carbon_estimated"].sum())}
        ewif = dict(year["ewif"])
        if "mean_l_per_kwh" in ewif:
            ewif["mean_l_per_kwh"] = float(part["ewif_l_per_kwh"].mean())
        price = dict(year["price"])
        if price["method"].startswith(HALF_HOUR_PRICE_METHOD):
            price["edge_slots"] = inside(price["edge_slots"], last)
            price["method"] = half_hour_price_method(price["edge_slots"])
        weather = {**year["weather"], "filled_utc_hours": inside(year["weather"]["filled_utc_hours"], after)}
        if "edge_filled_utc_hours" in weather:
            weather["edge_filled_utc_hours"] = inside(weather["edge_filled_utc_hours"], after)
        return part, {"carbon": carbon, "ewif": ewif, "price": price, "weather": weather}

    def rtt(self, region_ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray, dict, dict]:
        """(RTT [s] [i, j], rule per pair, distance fit, file record) between these sites."""
        rtt = self.records["rtt"]
        where = [rtt["region_ids"].index(r) for r in region_ids]
        matrix = np.asarray(rtt["rtt_s"], float)[np.ix_(where, where)]
        rule = np.asarray(rtt["rule"], dtype=object)[np.ix_(where, where)]
        return matrix, rule, rtt["distance_fit"] if (rule == "distance_fit").any() else {}, rtt["file"]


def covers(regions: Sequence, weather_rule: str) -> bool:
    """True if the committed series holds every one of ``regions`` under this weather rule."""
    path = SITES_DIR / RECORDS_FILE
    if not path.is_file():
        return False
    records = json.loads(path.read_text(encoding="utf-8"))
    return (all(r.id in records["sites"] for r in regions)
            and all(records["sites"][r.id]["weather"].get("rule") == weather_rule for r in regions))


@functools.lru_cache(maxsize=1)
def load(folder: str | Path = SITES_DIR) -> SiteSeries:
    """The committed site series; InputError naming the file when it is absent or lacks a column."""
    folder = Path(folder)
    try:
        table = pd.read_csv(folder / SERIES_FILE)  # pandas >= 3 parses floats exactly (round trip)
        records = json.loads((folder / RECORDS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{folder}: cannot read the committed world_2024 site series ({exc})") from None
    missing = [c for c in ("region", "hour", *SERIES_COLUMNS) if c not in table.columns]
    if missing:
        raise InputError(f"{folder / SERIES_FILE}: column {missing[0]!r} missing")
    frames = {}
    for region_id, part in table.groupby("region", sort=False):
        index = YEAR_START_UTC + pd.to_timedelta(part["hour"].to_numpy(), unit="h")
        frames[str(region_id)] = part[list(SERIES_COLUMNS)].set_index(pd.DatetimeIndex(index, name="time_utc"))
    return SiteSeries(frames, records)


def write(folder: str | Path, frames: dict[str, pd.DataFrame], records: dict) -> Path:
    """Write the year's per-site frames and records (deterministic bytes: zero gzip time stamp, sorted keys)."""
    import gzip
    import io

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    parts = []
    for region_id, frame in frames.items():
        hour = ((frame.index - YEAR_START_UTC) / pd.Timedelta(hours=1)).astype(int)
        part = frame[list(SERIES_COLUMNS)].copy()
        part["carbon_estimated"] = part["carbon_estimated"].astype(int)
        part.insert(0, "hour", np.asarray(hour))
        part.insert(0, "region", region_id)
        parts.append(part)
    text = pd.concat(parts, ignore_index=True).to_csv(index=False, lineterminator="\n")
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as out:
        out.write(text.encode("utf-8"))
    atomic_write_bytes(folder / SERIES_FILE, buffer.getvalue())
    write_json(folder / RECORDS_FILE, records, indent=1, sort_keys=True)
    load.cache_clear()
    return folder
