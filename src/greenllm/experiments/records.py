"""Records: the one result format of every solve (``docs/records.md``, schema ``docs/record.schema.json``).

A *record* is one solved (or infeasible) point as a JSON object. Its core is what ``greenllm solve --json`` prints
(``status``, ``solver``, ``scheme``, ``objective``, ``costs.{energy,carbon,delay,total}`` [$ per day],
``emissions_kg`` [kg CO2e per day], ``water_l`` [L per day], ``stages``, ``solve_seconds``), plus ``stand_ins`` (the
flagged stand-ins of the scenario folder), ``model`` (the model options: formulation, grid_within_load,
per_query_slo) and, from the experiments, ``name``/``label`` of the named scheme,
``scale`` (input factors), ``labels`` (what identifies the point) and ``values`` (an experiment's own columns, in
order). A records file is ``{"records": [record, ...]}``. :func:`read_records` turns files into one flat frame.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.experiments.spec import METRICS, order_key
from greenllm.outputs import write_frame, write_json

COST_COLUMNS = {"total_usd": "total", "energy_usd": "energy", "carbon_usd": "carbon", "delay_usd": "delay"}
"""Flat column -> key of a record's ``costs``."""


def clean(value):
    """A JSON-safe copy: NaN -> None, numpy scalars -> Python numbers, tuples -> lists (recursively)."""
    if isinstance(value, Mapping):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def solve_record(summary: Mapping, *, name: str | None = None, label: str | None = None,
                 scale: Mapping[str, float] | None = None, labels: Mapping | None = None,
                 stand_ins: Iterable[str] = ()) -> dict:
    """A record from ``Result.to_dict()`` (the fields of ``greenllm solve --json``) and what names the point."""
    out = dict(summary)
    if name is not None:
        out["name"] = name
        out["label"] = label if label is not None else name
    if scale:
        out["scale"] = {str(k): float(v) for k, v in scale.items()}
    if labels:
        out["labels"] = dict(labels)
    out["stand_ins"] = list(stand_ins)
    return clean(out)


def infeasible_record(message: str, *, scheme: str, model: Mapping, name: str | None = None,
                      label: str | None = None, scale: Mapping[str, float] | None = None,
                      labels: Mapping | None = None, stand_ins: Iterable[str] = ()) -> dict:
    """A record of a point the solver proved infeasible, with its diagnosis in ``message``; ``model``: the model
    options it was solved with (``ModelOptions.to_dict()``)."""
    out = solve_record({"status": "infeasible", "scheme": scheme, "model": dict(model)}, name=name, label=label,
                       scale=scale, labels=labels, stand_ins=stand_ins)
    out["message"] = str(message)
    return out


def row_record(row: Mapping, *, scheme: str, model: Mapping, name: str | None = None, label: str | None = None,
               stand_ins: Iterable[str] = ()) -> dict:
    """A record from an experiment's flat row (per-query comparison, hardware mix, year window, scaling point):
    the row is kept as ``values`` (its columns, in order); its costs, emissions, water and status fill the core.
    ``model``: the model options (``ModelOptions.to_dict()``); the row's own ``formulation`` column, when it has
    one, names the formulation."""
    values = clean(dict(row))
    model = dict(model)
    if isinstance(values.get("formulation"), str):
        model["formulation"] = values["formulation"]
    out: dict = {"status": values.get("status") or "optimal", "scheme": scheme, "model": model}
    costs = {key: values[col] for col, key in COST_COLUMNS.items() if values.get(col) is not None}
    if costs:
        out["costs"] = costs
    for key in ("emissions_kg", "water_l", "objective", "solve_seconds", "solver"):
        if values.get(key) is not None:
            out[key] = values[key]
    if name is not None:
        out["name"], out["label"] = name, label if label is not None else name
    out["values"] = values
    out["stand_ins"] = list(stand_ins)
    return out


def flatten(rec: Mapping) -> dict:
    """One flat row of a record: the point's labels, then the metric columns (``total_usd`` ...); a record with
    ``values`` is those values."""
    if "values" in rec:
        return dict(rec["values"])
    costs = rec.get("costs") or {}
    row = {"scheme": rec.get("name", rec.get("scheme")), "scheme_kind": rec.get("scheme")}
    if "label" in rec:
        row["label"] = rec["label"]
    row.update({f"scale_{k}": v for k, v in (rec.get("scale") or {}).items()})
    row.update(rec.get("labels") or {})
    row["status"] = rec.get("status")
    if rec.get("status") == "infeasible":
        row["message"] = rec.get("message")
        row.update({metric: np.nan for metric in METRICS})
        return row
    row.update({col: costs.get(key, np.nan) for col, key in COST_COLUMNS.items()})
    row.update({
        "emissions_kg": rec.get("emissions_kg", np.nan), "water_l": rec.get("water_l", np.nan),
        "objective": rec.get("objective", np.nan), "solver": rec.get("solver"),
        "solve_seconds": rec.get("solve_seconds", np.nan),
    })
    if rec.get("determined_by"):  # the determining stages that fixed what the scheme's objective left open
        row["determined_by"] = " > ".join(s["objective"] for s in rec["determined_by"] if s["optimum"] is not None)
    if rec.get("stages") and len(rec["stages"]) > 1:
        row["stages"] = [dict(s) for s in rec["stages"]]
    if rec.get("weights") is not None and "w_energy" not in row:
        row.update(zip(("w_energy", "w_carbon", "w_delay"), (float(w) for w in rec["weights"])))
    if rec.get("order") is not None:
        row.setdefault("order", order_key(rec["order"]))
        row.setdefault("tolerance", rec.get("tolerance"))
    return row


def read_records(files: Iterable[str | os.PathLike] | Mapping[str, str | os.PathLike], *,
                 schemes: Iterable[str] | None = None) -> pd.DataFrame:
    """The records of records files (``{"records": [...]}``) as one flat frame (:func:`flatten`), in file order;
    ``schemes`` keeps only those scheme names."""
    paths = files.values() if isinstance(files, Mapping) else files
    rows = []
    for path in paths:
        rows += [flatten(r) for r in json.loads(Path(path).read_text())["records"]]
    frame = pd.DataFrame(rows)
    if schemes is not None and not frame.empty:
        frame = frame[frame["scheme"].isin(list(schemes))].reset_index(drop=True)
    return frame


def read_tables(files: Iterable[str | os.PathLike], *, schemes: Iterable[str] | None = None) -> pd.DataFrame:
    """Concatenate the CSV tables the pipeline's solve jobs write beside their records (hourly, latency,
    allocation); ``schemes`` keeps only those scheme names."""
    frame = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    if schemes is not None:
        frame = frame[frame["scheme"].isin(list(schemes))].reset_index(drop=True)
    return frame


def write_records(path: str | os.PathLike, records: Iterable[Mapping]) -> None:
    """Write a records file atomically (greenllm.outputs.atomic_write_bytes)."""
    write_json(path, {"records": [clean(r) for r in records]}, indent=1)


def write_table(path: str | os.PathLike, frame: pd.DataFrame) -> None:
    """Write a side table (CSV) of a solve job, atomically."""
    write_frame(frame, path)
