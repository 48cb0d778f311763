"""The scenario folder: the one interface between the data code and the model.

A scenario folder holds ten CSV files and ``scalars.json`` (see ``docs/inputs.md``). :func:`load_scenario` reads and
validates it into a :class:`Scenario` of numpy arrays whose names carry their units; :func:`write_scenario` is the
only way data code writes one (it validates first and replaces the folder atomically).

Axes, all 0-based: ``i`` area, ``j`` data centre (dc), ``k`` query type, ``t`` hour, ``r`` resource.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.errors import InputError, OutputError
from greenllm.fields import (FIELDS, SCALABLE_FIELDS, check_arrays, check_number, count_is, out_of_range, plural,
                             violations)
from greenllm.hardware import Catalogue, load_catalogue
from greenllm.options import deprecated_scalars
from greenllm.folders import build_lock, staging_folder, swap_in
from greenllm.outputs import csv_text, json_text
from greenllm.provenance import MARKER_FILE, build_time_utc, is_written_scenario

# --------------------------------------------------------------------------------------------------------------------
# The format: for every file, its key columns (ids) and its required numeric value columns with their lower bounds.
# Extra (informational) columns are allowed and ignored by the model.
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileSpec:
    """One CSV file of a scenario folder: its key columns and the value columns the model reads, whose units and
    ranges are declared once, in :data:`greenllm.fields.FIELDS`."""

    keys: tuple[str, ...]
    values: tuple[str, ...]
    doc: str = ""


FILES: dict[str, FileSpec] = {
    "areas": FileSpec(("area",), (), doc="user areas"),
    "datacenters": FileSpec(("dc",), ("pue", "carbon_tax_usd_per_kg"), doc="data centres: PUE and carbon tax"),
    "query_types": FileSpec(
        ("type",),
        ("tokens_in", "tokens_out", "energy_in_kwh_per_token", "energy_out_kwh_per_token", "delay_penalty_usd_per_s"),
        doc="query types: tokens, energy per token, delay penalty",
    ),
    "dc_type": FileSpec(("dc", "type"), ("proc_delay_s_per_token",), doc="processing delay per token"),
    "dc_resource": FileSpec(("dc", "resource"), ("capacity",), doc="resource capacity per slot"),
    "type_resource": FileSpec(("type", "resource"), ("use_per_token",), doc="resource use per token"),
    "area_dc": FileSpec(("area", "dc"), ("rtt_s", "bandwidth_mbps"), doc="network: round-trip time and bandwidth"),
    "area_type": FileSpec(("area", "type"), ("delay_max_s",), doc="delay cap"),
    "demand": FileSpec(("hour", "area", "type"), ("queries", "token_size_kb"), doc="queries per slot and token size"),
    "dc_hour": FileSpec(
        ("hour", "dc"),
        ("price_usd_per_kwh", "carbon_kg_per_kwh", "renewable_kw", "grid_cap_kw", "wue_l_per_kwh", "ewif_l_per_kwh"),
        doc="hourly signals per data centre",
    ),
}
# Optional files of the per-query formulation (docs/per_query.md): stem -> (format, column naming a catalogue entry).
OPTIONAL_FILES = {
    "dc_hardware": (FileSpec(("dc",), ("count",), doc="accelerator type and number installed per data centre"),
                    "accelerator"),
    "type_slo": (FileSpec(("type",), ("slo_s",), doc="model size class and per-query latency SLO per query type"),
                 "model"),
}
MAX_ID = 2**31 - 1  # ids are row numbers of the LP's index sets
SCALARS_FILE = "scalars.json"
REQUIRED_SCALARS = ("water_budget_l",)  # ranges in greenllm.fields.FIELDS
PROVENANCE_FILE = "provenance.json"
SET_FILES = {"area": "areas", "dc": "datacenters", "type": "query_types"}
NAME_COLUMNS = {"areas": ("city", "name"), "datacenters": ("name",), "query_types": ("name",)}



@dataclass(frozen=True)
class Scenario:
    """A validated scenario: every array is float64 and indexed by the axes in its docstring line."""

    area_names: list[str]
    dc_names: list[str]
    type_names: list[str]
    resource_names: list[str]
    # per data centre and hour [j, t]
    price_usd_per_kwh: np.ndarray
    carbon_kg_per_kwh: np.ndarray
    renewable_kw: np.ndarray
    grid_cap_kw: np.ndarray
    wue_l_per_kwh: np.ndarray
    ewif_l_per_kwh: np.ndarray
    # per data centre [j]
    pue: np.ndarray
    carbon_tax_usd_per_kg: np.ndarray
    # per query type [k]
    tokens_in: np.ndarray
    tokens_out: np.ndarray
    energy_in_kwh_per_token: np.ndarray
    energy_out_kwh_per_token: np.ndarray
    delay_penalty_usd_per_s: np.ndarray
    # pairs
    proc_delay_s_per_token: np.ndarray  # [j, k]
    capacity: np.ndarray  # [j, r] resource units per slot
    use_per_token: np.ndarray  # [k, r] resource units per token
    rtt_s: np.ndarray  # [i, j]
    bandwidth_mbps: np.ndarray  # [i, j]
    delay_max_s: np.ndarray  # [i, k]
    # demand [i, k, t]
    queries: np.ndarray
    token_size_kb: np.ndarray
    water_budget_l: float
    scalars: dict = field(default_factory=dict, compare=False)
    scale: dict = field(default_factory=dict, compare=False)  # {--scale field: factor} applied by scaled()
    path: Path | None = field(default=None, compare=False)

    @property
    def n_areas(self) -> int:
        return len(self.area_names)

    @property
    def n_dcs(self) -> int:
        return len(self.dc_names)

    @property
    def n_types(self) -> int:
        return len(self.type_names)

    @property
    def n_hours(self) -> int:
        return self.price_usd_per_kwh.shape[1]

    @property
    def n_resources(self) -> int:
        return len(self.resource_names)

    @property
    def tokens_per_query(self) -> np.ndarray:
        """h_k + f_k [tokens/query], per type."""
        return self.tokens_in + self.tokens_out

    @property
    def energy_per_query_kwh(self) -> np.ndarray:
        """e_k = tau_in_k h_k + tau_out_k f_k [kWh/query], per type."""
        return self.energy_in_kwh_per_token * self.tokens_in + self.energy_out_kwh_per_token * self.tokens_out

    def scaled(self, field_name: str, factor: float) -> Scenario:
        """A copy with one field multiplied by ``factor`` (see ``SCALABLE_FIELDS``)."""
        if field_name not in SCALABLE_FIELDS:
            raise InputError(
                f"--scale: unknown field {field_name!r}; choose one of {', '.join(SCALABLE_FIELDS)}"
            )
        if not np.isfinite(factor) or factor < 0:
            raise InputError(f"--scale {field_name}={factor}: the factor must be a finite number >= 0")
        changes = {name: getattr(self, name) * factor for name in SCALABLE_FIELDS[field_name]}
        scale = {**self.scale, field_name: self.scale.get(field_name, 1.0) * factor}  # formulations read what the
        scaled = dataclasses.replace(self, **changes, scale=scale)  # arrays cannot tell (greenllm.formulations)
        check_arrays(scaled, f"--scale {field_name}={factor:g}")  # the ranges of greenllm.fields hold after scaling
        return scaled


# --------------------------------------------------------------------------------------------------------------------
# Reading and validation
# --------------------------------------------------------------------------------------------------------------------


def _plain(value) -> str:
    """A cell as the file spells it: text quoted, numbers plain (never ``np.int64(3)``)."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (np.integer, int)):
        return str(int(value))
    if isinstance(value, (np.floating, float)):
        return repr(float(value))
    return str(value)


def _describe_rows(frame: pd.DataFrame, positions, keys: tuple[str, ...], column: str | None, limit: int = 3) -> str:
    """'line 9 (hour 7, area 2, type 1): -40.0' for the first few offending rows (line numbers count the header)."""
    parts = []
    for pos in list(positions)[:limit]:
        where = ", ".join(f"{k} {_plain(frame[k].iloc[int(pos)]).strip(chr(39))}" for k in keys if k in frame.columns)
        value = f": {_plain(frame[column].iloc[int(pos)])}" if column is not None and column in frame.columns else ""
        parts.append(f"line {int(pos) + 2}" + (f" ({where})" if where else "") + value)
    return "; ".join(parts)


def _schema(spec: FileSpec):
    """The pandera schema of one file: integer keys in [0, MAX_ID], unique; values finite and within their range in
    :data:`greenllm.fields.FIELDS`."""
    import pandera.pandas as pa

    columns = {key: pa.Column(int, [pa.Check.ge(0), pa.Check.le(MAX_ID)], coerce=True, nullable=False)
               for key in spec.keys}
    for name in spec.values:
        field = FIELDS[name]
        checks = [pa.Check(lambda s: np.isfinite(s), element_wise=False, error="not finite"),
                  pa.Check.gt(field.minimum) if field.exclusive else pa.Check.ge(field.minimum),
                  pa.Check.le(field.maximum)]
        columns[name] = pa.Column(float, checks, coerce=True, nullable=False)
    return pa.DataFrameSchema(columns, unique=list(spec.keys) if spec.keys else None, strict=False)


def _check_present_and_numeric(path: Path, frame: pd.DataFrame, spec: FileSpec) -> None:
    """Missing columns, empty cells and non-numbers, reported with the file, column and first rows."""
    missing = [c for c in (*spec.keys, *spec.values) if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path}: missing column{'s' if len(missing) > 1 else ''} {', '.join(repr(c) for c in missing)}"
            f" (found: {', '.join(map(str, frame.columns))})"
        )
    if len(frame) == 0:
        raise InputError(f"{path}: no rows (only a header); see docs/inputs.md")
    for column in (*spec.keys, *spec.values):
        raw = frame[column]
        empty = raw.isna() | (raw.astype(str).str.strip() == "")
        if empty.any():
            rows = np.flatnonzero(empty.to_numpy())
            raise InputError(
                f"{path}, column {column!r}: {plural(len(rows), 'empty value')}"
                f" (first: {_describe_rows(frame, rows, spec.keys, None)})"
            )
        numeric = pd.to_numeric(raw, errors="coerce")
        bad = numeric.isna().to_numpy()
        if bad.any():
            rows = np.flatnonzero(bad)
            raise InputError(
                f"{path}, column {column!r}: {plural(len(rows), 'non-numeric value')}"
                f" (first: {_describe_rows(frame, rows, spec.keys, column)})"
            )
        if column in spec.keys:
            with np.errstate(invalid="ignore"):
                wrong = ((numeric % 1 != 0) | (numeric < 0) | (numeric > MAX_ID)).to_numpy()
            if wrong.any():
                rows = np.flatnonzero(wrong)
                raise InputError(
                    f"{path}, column {column!r}: ids must be whole numbers from 0 to {MAX_ID}"
                    f" (first: {_describe_rows(frame, rows, spec.keys, column)})"
                )


def _coerce(frame: pd.DataFrame, spec: FileSpec) -> pd.DataFrame:
    """Keys as int64, values as float64 (after :func:`_check_present_and_numeric`, so every cell is a number)."""
    columns = {key: pd.to_numeric(frame[key]).astype(np.int64) for key in spec.keys}
    columns.update({name: pd.to_numeric(frame[name]).astype(np.float64) for name in spec.values})
    return frame.assign(**columns)


def _coerce_if_valid(frame: pd.DataFrame, spec: FileSpec) -> pd.DataFrame | None:
    """The frame with keys as int64 and values as float64 when every check of :func:`_schema` holds, else None.

    The same coercion and checks as the pandera schema, in plain numpy: valid files skip importing pandera (a third
    of a second per process); an invalid one is described by :func:`_validate`.
    """
    try:
        coerced = _coerce(frame, spec)
    except (ValueError, TypeError, OverflowError):
        return None
    for key in spec.keys:
        ids = coerced[key].to_numpy()
        if (ids < 0).any() or (ids > MAX_ID).any():
            return None
    for name in spec.values:
        if out_of_range(name, coerced[name].to_numpy()).any():
            return None
    if spec.keys and coerced[list(spec.keys)].duplicated().any():
        return None
    return coerced


def _validate(path: Path, frame: pd.DataFrame, spec: FileSpec) -> pd.DataFrame:
    """The coerced frame if the file is valid, else InputError naming the file, column, rule and first rows."""
    valid = _coerce_if_valid(frame, spec)
    if valid is not None:
        return valid
    coerced = _coerce(frame, spec)
    for name in spec.values:
        for bad, why in violations(name, coerced[name].to_numpy()):
            rows = np.flatnonzero(bad)
            raise InputError(f"{path}, column {name!r}: {count_is(len(rows), why)}"
                             f" (first: {_describe_rows(coerced, rows, spec.keys, name)})")
    duplicated = coerced.duplicated(list(spec.keys), keep=False).to_numpy()
    if duplicated.any():
        rows = np.flatnonzero(duplicated)
        raise InputError(
            f"{path}: duplicate key ({', '.join(spec.keys)}) in {plural(len(rows), 'row')}"
            f" (first: {_describe_rows(coerced, rows, spec.keys, None)})"
        )
    import pandera.errors  # anything the checks above missed: the schema has the last word

    try:
        return _schema(spec).validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as err:
        first = err.failure_cases.iloc[0]
        raise InputError(f"{path}, column {first['column']!r}: fails {first['check']}") from None


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: not a readable CSV file ({err})") from None
    except OSError as err:
        raise InputError(f"{path}: cannot be read ({err.strerror or err})") from None


def _read_table(folder: Path, stem: str) -> pd.DataFrame:
    path = folder / f"{stem}.csv"
    if (path.exists() or path.is_symlink()) and not path.is_file():
        raise InputError(f"{path}: not a regular file (a folder, a broken or looping link, or a device)")
    if not path.is_file():
        raise InputError(f"{path}: file missing (a scenario folder needs {', '.join(f + '.csv' for f in FILES)}"
                         f" and {SCALARS_FILE}; see docs/inputs.md)")
    frame = _read_csv(path)
    spec = FILES[stem]
    _check_present_and_numeric(path, frame, spec)
    return _validate(path, frame, spec)


def _read_scalars(folder: Path) -> dict:
    path = folder / SCALARS_FILE
    if not path.is_file():
        raise InputError(f"{path}: file missing (it holds water_budget_l; see docs/inputs.md)")
    try:
        scalars = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: not valid JSON ({err})") from None
    except (OSError, RecursionError, ValueError) as err:
        raise InputError(f"{path}: cannot be read ({err})") from None
    if not isinstance(scalars, dict):
        raise InputError(f"{path}: expected a JSON object with field 'water_budget_l'")
    for name in REQUIRED_SCALARS:
        if name not in scalars:
            raise InputError(f"{path}, field {name!r}: missing")
        check_number(str(path), name, scalars[name])
    deprecated_scalars(scalars, str(path))  # model options once stored here: type-checked (greenllm.options)
    return scalars


def _ids(folder: Path, frame: pd.DataFrame, column: str, stem: str) -> np.ndarray:
    """The ids of a set file, which must be exactly 0..n-1."""
    ids = np.sort(frame[column].to_numpy())
    if len(ids) == 0:
        raise InputError(f"{folder / (stem + '.csv')}: no rows")
    if not np.array_equal(ids, np.arange(len(ids))):
        gaps = sorted(set(range(len(ids))) - set(ids.tolist()))
        raise InputError(
            f"{folder / (stem + '.csv')}, column {column!r}: ids must be 0..{len(ids) - 1} with none missing"
            f" (missing: {gaps[:5]}, found up to {ids.max()})"
        )
    return ids


def _names(frame: pd.DataFrame, stem: str, key: str) -> list[str]:
    ordered = frame.sort_values(key)
    for column in NAME_COLUMNS.get(stem, ()):
        if column in ordered.columns:
            return [str(v) for v in ordered[column]]
    return [f"{key} {v}" for v in ordered[key]]


def _dense(folder: Path, stem: str, frame: pd.DataFrame, sizes: dict[str, int], columns: list[str]) -> list[np.ndarray]:
    """Arrays indexed by the file's keys in order, after checking every key exists and every combination is present."""
    spec = FILES[stem]
    path = folder / f"{stem}.csv"
    for key in spec.keys:
        values = frame[key].to_numpy()
        outside = np.flatnonzero((values < 0) | (values >= sizes[key]))
        if outside.size:
            where = {"hour": "the hours of demand.csv", "resource": "the resource ids of dc_resource.csv"}.get(
                key, f"{SET_FILES.get(key, key)}.csv")
            raise InputError(
                f"{path}, column {key!r}: {plural(len(outside), 'row')} name{'s' if len(outside) == 1 else ''} a"
                f" {key} that does not exist in {where}"
                f" (valid: 0..{sizes[key] - 1}; first: {_describe_rows(frame, outside, spec.keys, key)})"
            )
    shape = tuple(sizes[key] for key in spec.keys)
    expected = int(np.prod(shape))
    if len(frame) != expected:
        flat = np.ravel_multi_index(tuple(frame[key].to_numpy() for key in spec.keys), shape)
        missing = np.setdiff1d(np.arange(expected), flat)[:3]
        examples = "; ".join(
            ", ".join(f"{k} {v}" for k, v in zip(spec.keys, np.unravel_index(m, shape), strict=True)) for m in missing
        )
        raise InputError(
            f"{path}: incomplete coverage: {len(frame)} rows for {expected} combinations of"
            f" {' x '.join(spec.keys)} ({' x '.join(map(str, shape))}); missing e.g. {examples}"
        )
    order = np.ravel_multi_index(tuple(frame[key].to_numpy() for key in spec.keys), shape)
    result = []
    for column in columns:
        out = np.empty(expected)
        out[order] = frame[column].to_numpy(dtype=float)
        result.append(out.reshape(shape))
    return result


def load_scenario(folder: str | os.PathLike) -> Scenario:
    """Read and validate a scenario folder (see ``docs/inputs.md``); raise :class:`InputError` on any problem."""
    folder = Path(folder)
    if not folder.is_dir():
        why = "not a folder" if folder.exists() else "no such directory"
        raise InputError(f"{folder}: not a scenario folder ({why})")
    tables = {stem: _read_table(folder, stem) for stem in FILES}
    scalars = _read_scalars(folder)

    sizes = {key: len(_ids(folder, tables[stem], key, stem)) for key, stem in SET_FILES.items()}
    hours = np.sort(tables["demand"]["hour"].unique())
    if not np.array_equal(hours, np.arange(len(hours))):
        raise InputError(f"{folder / 'demand.csv'}, column 'hour': hours must be 0..T-1 with none missing"
                         f" (found {hours[:5].tolist()}...{hours[-1]})")
    sizes["hour"] = len(hours)
    resources = np.sort(tables["dc_resource"]["resource"].unique())
    if not np.array_equal(resources, np.arange(len(resources))):
        raise InputError(f"{folder / 'dc_resource.csv'}, column 'resource': ids must be 0..R-1 with none missing")
    sizes["resource"] = len(resources)
    resource_names = [f"resource {r}" for r in resources]
    if "resource_name" in tables["dc_resource"].columns:
        by_id = tables["dc_resource"].drop_duplicates("resource").set_index("resource")["resource_name"]
        resource_names = [str(by_id[r]) for r in resources]

    (pue, tax) = _dense(folder, "datacenters", tables["datacenters"], sizes, ["pue", "carbon_tax_usd_per_kg"])
    qt = _dense(folder, "query_types", tables["query_types"], sizes, list(FILES["query_types"].values))
    (proc,) = _dense(folder, "dc_type", tables["dc_type"], sizes, ["proc_delay_s_per_token"])
    (capacity,) = _dense(folder, "dc_resource", tables["dc_resource"], sizes, ["capacity"])
    (use,) = _dense(folder, "type_resource", tables["type_resource"], sizes, ["use_per_token"])
    (rtt, bandwidth) = _dense(folder, "area_dc", tables["area_dc"], sizes, ["rtt_s", "bandwidth_mbps"])
    (delay_max,) = _dense(folder, "area_type", tables["area_type"], sizes, ["delay_max_s"])
    queries_tik, token_kb_tik = _dense(folder, "demand", tables["demand"], sizes, ["queries", "token_size_kb"])
    hourly_tj = _dense(folder, "dc_hour", tables["dc_hour"], sizes, list(FILES["dc_hour"].values))
    price, carbon, renewable, grid_cap, wue, ewif = (a.T.copy() for a in hourly_tj)

    return Scenario(
        area_names=_names(tables["areas"], "areas", "area"),
        dc_names=_names(tables["datacenters"], "datacenters", "dc"),
        type_names=_names(tables["query_types"], "query_types", "type"),
        resource_names=resource_names,
        price_usd_per_kwh=price,
        carbon_kg_per_kwh=carbon,
        renewable_kw=renewable,
        grid_cap_kw=grid_cap,
        wue_l_per_kwh=wue,
        ewif_l_per_kwh=ewif,
        pue=pue,
        carbon_tax_usd_per_kg=tax,
        tokens_in=qt[0],
        tokens_out=qt[1],
        energy_in_kwh_per_token=qt[2],
        energy_out_kwh_per_token=qt[3],
        delay_penalty_usd_per_s=qt[4],
        proc_delay_s_per_token=proc,
        capacity=capacity,
        use_per_token=use,
        rtt_s=rtt,
        bandwidth_mbps=bandwidth,
        delay_max_s=delay_max,
        queries=np.ascontiguousarray(queries_tik.transpose(1, 2, 0)),
        token_size_kb=np.ascontiguousarray(token_kb_tik.transpose(1, 2, 0)),
        water_budget_l=float(scalars["water_budget_l"]),
        scalars=scalars,
        path=folder,
    )


def read_optional_table(folder: Path, stem: str, n_ids: int, catalogue: Catalogue) -> pd.DataFrame | None:
    """An optional per-query file (``OPTIONAL_FILES``) of ``folder``, validated, sorted by id; None when absent.

    Names of accelerators and models must be in ``catalogue`` (config/hardware.yaml; see docs/per_query.md).
    """
    path = folder / f"{stem}.csv"
    if not path.is_file():
        return None
    spec, name_column = OPTIONAL_FILES[stem]
    frame = _read_csv(path)
    if stem == "dc_hardware" and "utilisation_cap" in frame.columns:
        spec = FileSpec(spec.keys, (*spec.values, "utilisation_cap"), spec.doc)
    _check_present_and_numeric(path, frame, spec)
    if name_column not in frame.columns:
        raise InputError(f"{path}: missing column {name_column!r} (found: {', '.join(map(str, frame.columns))})")
    frame = _validate(path, frame, spec)
    key = spec.keys[0]
    ids = frame[key].to_numpy()
    outside = np.flatnonzero(ids >= n_ids)
    if outside.size:
        verb = "names" if len(outside) == 1 else "name"
        raise InputError(f"{path}, column {key!r}: {plural(len(outside), 'row')} {verb} a {key} that does not exist"
                         f" (valid: 0..{n_ids - 1};"
                         f" first: {_describe_rows(frame, outside, spec.keys, key)})")
    if len(frame) != n_ids:
        missing = sorted(set(range(n_ids)) - set(ids.tolist()))
        raise InputError(f"{path}: incomplete coverage: {len(frame)} rows for {n_ids} {key}s;"
                         f" missing e.g. {missing[:3]}")
    known = catalogue.accelerators if name_column == "accelerator" else catalogue.models
    names = frame[name_column].astype(str).str.strip()
    unknown = np.flatnonzero(~names.isin(list(known)).to_numpy())
    if unknown.size:
        verb = "names" if len(unknown) == 1 else "name"
        raise InputError(f"{path}, column {name_column!r}: {plural(len(unknown), 'row')} {verb} an {name_column}"
                         " that is not in"
                         f" {catalogue.path} (known: {', '.join(known)}; first:"
                         f" {_describe_rows(frame, unknown, spec.keys, name_column)})")
    frame = frame.assign(**{name_column: names}).sort_values(key, ignore_index=True)
    return frame


# --------------------------------------------------------------------------------------------------------------------
# Writing (for the data code)
# --------------------------------------------------------------------------------------------------------------------


def write_scenario(
    folder: str | os.PathLike,
    tables: dict[str, pd.DataFrame],
    scalars: dict,
    provenance: dict | None = None,
    *,
    full_precision: bool = False,
) -> Path:
    """Write a scenario folder atomically: validate a complete copy beside it, then swap it into place.

    ``tables`` maps each file stem of ``FILES`` to a DataFrame with at least that file's columns (extra columns are
    kept), plus optionally the per-query files of ``OPTIONAL_FILES``. Written like the committed tables
    (:func:`greenllm.outputs.csv_text`): floats in the CSVs and ``scalars.json`` with 10 significant digits, so a
    last-digit difference of another machine's maths library does not change a file; ``full_precision=True`` writes
    shortest round-trip floats instead (paper_v1: the authors' files, whose recipe uses only correctly rounded
    arithmetic). A ``built_utc`` in ``provenance`` is set by :func:`greenllm.provenance.build_time_utc`, so a rebuild
    from unchanged inputs writes the same bytes. A scenario that fails validation raises :class:`InputError` and
    leaves any existing folder untouched.
    """
    folder = Path(folder)
    missing = [stem for stem in FILES if stem not in tables]
    if missing:
        raise InputError(f"write_scenario({folder}): tables missing for {', '.join(missing)}")
    unknown = [stem for stem in tables if stem not in FILES and stem not in OPTIONAL_FILES]
    if unknown:
        raise InputError(f"write_scenario({folder}): unknown tables {', '.join(unknown)} (the format's files are"
                         f" {', '.join(FILES)}; optional: {', '.join(OPTIONAL_FILES)})")
    if folder.name in ("", ".", "..") or folder.name.startswith("."):
        raise InputError(f"write_scenario({folder}): the folder name must be a plain name (not empty, '.', '..' or"
                         " hidden)")
    if folder.exists() and not is_written_scenario(folder):
        raise InputError(f"write_scenario({folder}): {folder} exists and is not a scenario folder written by"
                         f" greenllm (no {MARKER_FILE} or provenance.json with a builder); not replacing it")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:  # e.g. --out-dir /dev/null, a read-only or missing mount
        why = "exists and is not a folder" if folder.parent.exists() and not folder.parent.is_dir() else (
            f"cannot create the output folder ({err.strerror or err})")
        raise InputError(f"{folder.parent}: {why}") from None
    try:
        with build_lock(folder):  # one build of the folder at a time; undoes what a killed build left
            _stage_and_swap(folder, tables, scalars, provenance, full_precision)
    except OSError as err:  # a full disk, a quota, no permission: one message; an existing folder is untouched
        kept = "the existing folder is unchanged" if folder.exists() else "nothing was written"
        raise OutputError(f"{folder}: cannot write the scenario folder ({err.strerror or err}); {kept}") from None
    return folder


def _stage_and_swap(folder: Path, tables: dict[str, pd.DataFrame], scalars: dict, provenance: dict | None,
                    full_precision: bool = False) -> None:
    """Write the files into a staging folder beside ``folder``, validate them as a scenario, swap it in
    (greenllm.folders); the staging folder never outlives the call."""
    staging = staging_folder(folder)  # the umask's mode, not mkdtemp's 0700
    try:
        (staging / MARKER_FILE).touch()
        for stem, frame in tables.items():
            text = frame.to_csv(index=False, lineterminator="\n") if full_precision else csv_text(frame)
            (staging / f"{stem}.csv").write_text(text, encoding="utf-8")
        (staging / SCALARS_FILE).write_text(json_text(scalars, rounded=not full_precision), encoding="utf-8")
        if provenance is not None:
            if "built_utc" in provenance:
                provenance = {**provenance, "built_utc": build_time_utc(provenance)}
            (staging / PROVENANCE_FILE).write_text(json_text(provenance, rounded=False), encoding="utf-8")
        try:
            scenario = load_scenario(staging)  # validate the complete folder before it replaces anything
            sizes = {"dc_hardware": scenario.n_dcs, "type_slo": scenario.n_types}
            for stem in OPTIONAL_FILES:
                if stem in tables:  # the optional per-query files (docs/per_query.md)
                    read_optional_table(staging, stem, sizes[stem], load_catalogue())
        except InputError as err:
            raise InputError(str(err).replace(str(staging), str(folder))) from None
        swap_in(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
