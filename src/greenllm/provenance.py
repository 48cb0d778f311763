"""What a scenario folder's ``provenance.json`` says about how it was built, read in one place.

The builders write ``provenance.json`` beside the data files (``docs/inputs.md``). This module answers the questions
the rest of the code asks of it; today: which flagged stand-ins (replacements for missing real data) the folder was
built with, so that solves, notebooks and figures can say so.
"""

from __future__ import annotations

import json
from pathlib import Path

PROVENANCE_FILE = "provenance.json"
MARKER_FILE = ".greenllm_scenario"
"""Empty file that :func:`greenllm.inputs.write_scenario` puts in every folder it writes."""


def read_provenance(folder: str | Path) -> dict:
    """The parsed ``provenance.json`` of a scenario folder, or ``{}`` when the folder has none or it is unreadable."""
    path = Path(folder) / PROVENANCE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def is_written_scenario(folder: str | Path) -> bool:
    """Whether ``folder`` is a scenario folder this package wrote (its marker file, or a ``provenance.json`` naming a
    builder): the only kind of existing folder a build may replace."""
    folder = Path(folder)
    return folder.is_dir() and ((folder / MARKER_FILE).is_file() or bool(read_provenance(folder).get("builder")))


def stand_ins(folder: str | Path) -> list[str]:
    """The flagged stand-ins a scenario folder was built with, one short description each ([] when none).

    Reads the top-level ``stand_ins`` list when the builder wrote one, else names every ``series`` entry flagged
    ``stand_in``; a folder flagged ``stand_in`` without either says so in one generic entry.
    """
    prov = read_provenance(folder)
    listed = prov.get("stand_ins")
    if isinstance(listed, list) and listed:
        return [str(item) for item in listed]
    series = prov.get("series")
    found = []
    if isinstance(series, dict):
        found = [f"{name}: {entry.get('stand_in_method') or entry.get('method') or 'stand-in'}"
                 for name, entry in series.items() if isinstance(entry, dict) and entry.get("stand_in")]
    if not found and prov.get("stand_in") is True:
        found = ["built with an unspecified flagged stand-in (see provenance.json)"]
    return found


SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"
"""The reproducible-builds variable (reproducible-builds.org/specs/source-date-epoch): seconds since 1970 UTC."""


def build_time_utc(provenance: dict, environ=None) -> str | None:
    """The ``built_utc`` a folder with this provenance gets: a date that a rebuild from the same inputs repeats.

    ``SOURCE_DATE_EPOCH`` when it is set; otherwise the newest ``retrieved_utc`` of the raw-cache files the
    provenance records (the inputs' own date: a rebuild from the same cache writes the same date, a newer download a
    newer one); ``None`` when the folder was built from the recipe and installed packages alone.
    """
    import datetime as dt
    import os

    epoch = (os.environ if environ is None else environ).get(SOURCE_DATE_EPOCH, "").strip()
    if epoch:
        try:
            moment = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise ValueError(f"{SOURCE_DATE_EPOCH}={epoch!r} is not a whole number of seconds since 1970") from None
        return moment.isoformat().replace("+00:00", "Z")
    dates = []

    def collect(value) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("retrieved_utc"), str):
                dates.append(value["retrieved_utc"])
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect({k: v for k, v in provenance.items() if k != "built_utc"})
    return max(dates) if dates else None  # ISO 8601 UTC strings of one format sort as dates
