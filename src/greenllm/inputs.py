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

from greenllm.errors import InputError
from greenllm.hardware import Catalogue, load_catalogue
from greenllm.options import deprecated_scalars
from greenllm.outputs import make_temp_dir
from greenllm.provenance import MARKER_FILE, is_written_scenario

# --------------------------------------------------------------------------------------------------------------------
# The format: for every file, its key columns (ids) and its required numeric value columns with their lower bounds.
# Extra (informational) columns are allowed and ignored by the model.
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileSpec:
    """One CSV file of a scenario folder."""

    keys: tuple[str, ...]
    values: dict[str, float | None]  # column -> smallest allowed value (None: any finite number)
    strictly_positive: tuple[str, ...] = ()
    doc: str = ""


FILES: dict[str, FileSpec] = {
    "areas": FileSpec(("area",), {}, doc="user areas"),
    "datacenters": FileSpec(
        ("dc",), {"pue": 1.0, "carbon_tax_usd_per_kg": 0.0}, doc="data centres: PUE and carbon tax"
    ),
    "query_types": FileSpec(
        ("type",),
        {
            "tokens_in": 0.0,
            "tokens_out": 0.0,
            "energy_in_kwh_per_token": 0.0,
            "energy_out_kwh_per_token": 0.0,
            "delay_penalty_usd_per_s": 0.0,
        },
        doc="query types: tokens, energy per token, delay penalty",
    ),
    "dc_type": FileSpec(("dc", "type"), {"proc_delay_s_per_token": 0.0}, doc="processing delay per token"),
    "dc_resource": FileSpec(("dc", "resource"), {"capacity": 0.0}, doc="resource capacity per slot"),
    "type_resource": FileSpec(("type", "resource"), {"use_per_token": 0.0}, doc="resource use per token"),
    "area_dc": FileSpec(
        ("area", "dc"), {"rtt_s": 0.0, "bandwidth_mbps": 0.0}, strictly_positive=("bandwidth_mbps",),
        doc="network: round-trip time and bandwidth",
    ),
    "area_type": FileSpec(("area", "type"), {"delay_max_s": 0.0}, doc="delay cap"),
    "demand": FileSpec(
        ("hour", "area", "type"), {"queries": 0.0, "token_size_kb": 0.0}, doc="queries per slot and token size"
    ),
    "dc_hour": FileSpec(
        ("hour", "dc"),
        {
            "price_usd_per_kwh": None,  # real day-ahead prices can be negative
            "carbon_kg_per_kwh": 0.0,
            "renewable_kw": 0.0,
            "grid_cap_kw": 0.0,
            "wue_l_per_kwh": 0.0,
            "ewif_l_per_kwh": 0.0,
        },
        doc="hourly signals per data centre",
    ),
}
# Optional files of the per-query formulation (docs/per_query.md): stem -> (format, column naming a catalogue entry).
OPTIONAL_FILES = {
    "dc_hardware": (FileSpec(("dc",), {"count": 0.0}, strictly_positive=("count",),
                             doc="accelerator type and number installed per data centre"), "accelerator"),
    "type_slo": (FileSpec(("type",), {"slo_s": 0.0}, strictly_positive=("slo_s",),
                          doc="model size class and per-query latency SLO per query type"), "model"),
}
SCALARS_FILE = "scalars.json"
REQUIRED_SCALARS = {"water_budget_l": 0.0}
PROVENANCE_FILE = "provenance.json"
SET_FILES = {"area": "areas", "dc": "datacenters", "type": "query_types"}
NAME_COLUMNS = {"areas": ("city", "name"), "datacenters": ("name",), "query_types": ("name",)}

# Fields that `Scenario.scaled` (and `greenllm solve --scale FIELD=FACTOR`) can multiply.
SCALABLE_FIELDS = {
    "price": ("price_usd_per_kwh",),
    "carbon": ("carbon_kg_per_kwh",),  # intensity only; the carbon tax is unchanged
    "renewable": ("renewable_kw",),
    "demand": ("queries",),
    "energy_per_token": ("energy_in_kwh_per_token", "energy_out_kwh_per_token"),
    "delay_penalty": ("delay_penalty_usd_per_s",),
    "water_budget": ("water_budget_l",),
}


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
        return dataclasses.replace(self, **changes)


# --------------------------------------------------------------------------------------------------------------------
# Reading and validation
# --------------------------------------------------------------------------------------------------------------------


def _describe_rows(frame: pd.DataFrame, positions, keys: tuple[str, ...], column: str | None, limit: int = 3) -> str:
    """'line 9 (hour 7, area 2, type 1): -40' for the first few offending rows (line numbers count the header)."""
    parts = []
    for pos in list(positions)[:limit]:
        row = frame.iloc[pos]
        where = ", ".join(f"{k} {row[k]}" for k in keys if k in frame.columns)
        value = f": {row[column]!r}" if column is not None and column in frame.columns else ""
        parts.append(f"line {pos + 2}" + (f" ({where})" if where else "") + value)
    return "; ".join(parts)


def _schema(spec: FileSpec):
    """The pandera schema of one file: numeric, non-empty, finite, bounded values; unique integer keys."""
    import pandera.pandas as pa

    columns = {key: pa.Column(int, pa.Check.ge(0), coerce=True, nullable=False) for key in spec.keys}
    for name, lower in spec.values.items():
        checks = [pa.Check(lambda s: np.isfinite(s), element_wise=False, error="is not finite")]
        if lower is not None:
            checks.append(pa.Check.ge(lower))
        if name in spec.strictly_positive:
            checks.append(pa.Check.gt(0))
        columns[name] = pa.Column(float, checks, coerce=True, nullable=False)
    return pa.DataFrameSchema(columns, unique=list(spec.keys) if spec.keys else None, strict=False)


def _check_present_and_numeric(path: Path, frame: pd.DataFrame, spec: FileSpec) -> None:
    """Missing columns, empty cells and non-numbers, reported with the file, column and first rows."""
    missing = [c for c in (*spec.keys, *spec.values) if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path}: missing column{'s' if len(missing) > 1 else ''} {', '.join(repr(c) for c in missing)}"
            f" (found: {', '.join(frame.columns)})"
        )
    for column in (*spec.keys, *spec.values):
        raw = frame[column]
        empty = raw.isna() | (raw.astype(str).str.strip() == "")
        if empty.any():
            rows = np.flatnonzero(empty.to_numpy())
            raise InputError(
                f"{path}, column {column!r}: {len(rows)} empty value{'s' if len(rows) > 1 else ''}"
                f" (first: {_describe_rows(frame, rows, spec.keys, None)})"
            )
        numeric = pd.to_numeric(raw, errors="coerce")
        bad = numeric.isna().to_numpy()
        if bad.any():
            rows = np.flatnonzero(bad)
            raise InputError(
                f"{path}, column {column!r}: {len(rows)} non-numeric value{'s' if len(rows) > 1 else ''}"
                f" (first: {_describe_rows(frame, rows, spec.keys, column)})"
            )
        if column in spec.keys:
            fractional = (numeric % 1 != 0).to_numpy()
            if fractional.any():
                rows = np.flatnonzero(fractional)
                raise InputError(
                    f"{path}, column {column!r}: ids must be whole numbers"
                    f" (first: {_describe_rows(frame, rows, spec.keys, column)})"
                )


def _coerce_if_valid(frame: pd.DataFrame, spec: FileSpec) -> pd.DataFrame | None:
    """The frame with keys as int64 and values as float64 when every check of :func:`_schema` holds, else None.

    The same coercion (``astype``) and checks as the pandera schema, in plain numpy: valid files skip importing
    pandera (a third of a second per process); an invalid one goes to pandera for its failure cases.
    """
    try:
        columns = {key: frame[key].astype(np.int64) for key in spec.keys}
        columns.update({name: frame[name].astype(np.float64) for name in spec.values})
    except (ValueError, TypeError, OverflowError):
        return None
    for key in spec.keys:
        if (columns[key].to_numpy() < 0).any():
            return None
    for name, lower in spec.values.items():
        values = columns[name].to_numpy()
        if not np.isfinite(values).all() or (lower is not None and (values < lower).any()):
            return None
        if name in spec.strictly_positive and (values <= 0).any():
            return None
    if spec.keys and pd.DataFrame(columns)[list(spec.keys)].duplicated().any():
        return None
    return frame.assign(**columns)


def _validate_with_pandera(path: Path, frame: pd.DataFrame, spec: FileSpec) -> pd.DataFrame:
    valid = _coerce_if_valid(frame, spec)
    if valid is not None:
        return valid
    import pandera.errors

    try:
        return _schema(spec).validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as err:
        cases = err.failure_cases
        first = cases.iloc[0]
        column, check = first["column"], str(first["check"])
        same = cases[(cases["column"] == column) & (cases["check"].astype(str) == check)]
        if "uniqueness" in check or column is None or (isinstance(column, float) and np.isnan(column)):
            duplicated = frame.duplicated(list(spec.keys), keep=False).to_numpy()
            rows = np.flatnonzero(duplicated)
            raise InputError(
                f"{path}: duplicate key ({', '.join(spec.keys)}) in {len(rows)} rows"
                f" (first: {_describe_rows(frame, rows, spec.keys, None)})"
            ) from None
        index = [int(i) for i in same["index"].dropna()]
        plain = {
            "greater_than_or_equal_to": "below the minimum",
            "greater_than": "not above the minimum",
        }
        reason = next((text + " " + check.split("(")[-1].rstrip(")") for name, text in plain.items()
                       if check.startswith(name + "(")), check)
        if check.startswith("greater_than_or_equal_to(0") or check.startswith("greater_than_or_equal_to(0.0"):
            reason = "negative"
        raise InputError(
            f"{path}, column {column!r}: {len(index)} row{'s' if len(index) != 1 else ''} {'is' if len(index) == 1 else 'are'}"
            f" {reason} (first: {_describe_rows(frame, index, spec.keys, column)})"
        ) from None


def _read_table(folder: Path, stem: str) -> pd.DataFrame:
    path = folder / f"{stem}.csv"
    if not path.is_file():
        raise InputError(f"{path}: file missing (a scenario folder needs {', '.join(f + '.csv' for f in FILES)}"
                         f" and {SCALARS_FILE}; see docs/inputs.md)")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: not a readable CSV file ({err})") from None
    spec = FILES[stem]
    _check_present_and_numeric(path, frame, spec)
    frame = _validate_with_pandera(path, frame, spec)
    return frame


def _read_scalars(folder: Path) -> dict:
    path = folder / SCALARS_FILE
    if not path.is_file():
        raise InputError(f"{path}: file missing (it holds water_budget_l; see docs/inputs.md)")
    try:
        scalars = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(scalars, dict):
        raise InputError(f"{path}: expected a JSON object with field 'water_budget_l'")
    for name, lower in REQUIRED_SCALARS.items():
        if name not in scalars:
            raise InputError(f"{path}, field {name!r}: missing")
        value = scalars[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
            raise InputError(f"{path}, field {name!r}: {value!r} is not a finite number")
        if value < lower:
            raise InputError(f"{path}, field {name!r}: {value!r} is negative")
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
            where = f"{SET_FILES[key]}.csv" if key in SET_FILES else "the hours of demand.csv"
            raise InputError(
                f"{path}, column {key!r}: {len(outside)} rows name a {key} that does not exist in {where}"
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
        raise InputError(f"{folder}: not a scenario folder (no such directory)")
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
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: not a readable CSV file ({err})") from None
    extra = {"utilisation_cap": 0.0} if stem == "dc_hardware" and "utilisation_cap" in frame.columns else {}
    spec = FileSpec(spec.keys, {**spec.values, **extra}, spec.strictly_positive, spec.doc)
    _check_present_and_numeric(path, frame, spec)
    if name_column not in frame.columns:
        raise InputError(f"{path}: missing column {name_column!r} (found: {', '.join(frame.columns)})")
    frame = _validate_with_pandera(path, frame, spec)
    key = spec.keys[0]
    ids = frame[key].to_numpy()
    outside = np.flatnonzero(ids >= n_ids)
    if outside.size:
        raise InputError(f"{path}, column {key!r}: {len(outside)} rows name a {key} that does not exist"
                         f" (valid: 0..{n_ids - 1}; first: {_describe_rows(frame, outside, spec.keys, key)})")
    if len(frame) != n_ids:
        missing = sorted(set(range(n_ids)) - set(ids.tolist()))
        raise InputError(f"{path}: incomplete coverage: {len(frame)} rows for {n_ids} {key}s;"
                         f" missing e.g. {missing[:3]}")
    known = catalogue.accelerators if name_column == "accelerator" else catalogue.models
    names = frame[name_column].astype(str).str.strip()
    unknown = np.flatnonzero(~names.isin(list(known)).to_numpy())
    if unknown.size:
        raise InputError(f"{path}, column {name_column!r}: {len(unknown)} rows name an {name_column} that is not in"
                         f" {catalogue.path} (known: {', '.join(known)}; first:"
                         f" {_describe_rows(frame, unknown, spec.keys, name_column)})")
    if "utilisation_cap" in frame.columns:
        over = np.flatnonzero((frame["utilisation_cap"].to_numpy() > 1) | (frame["utilisation_cap"].to_numpy() <= 0))
        if over.size:
            raise InputError(f"{path}, column 'utilisation_cap': {len(over)} rows outside (0, 1]"
                             f" (first: {_describe_rows(frame, over, spec.keys, 'utilisation_cap')})")
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
) -> Path:
    """Write a scenario folder atomically: validate a complete copy beside it, then swap it into place.

    ``tables`` maps each file stem of ``FILES`` to a DataFrame with at least that file's columns (extra columns are
    kept), plus optionally the per-query files of ``OPTIONAL_FILES``. Floats are written with full precision, so they read back bit-identical. A scenario that fails validation
    raises :class:`InputError` and leaves any existing folder untouched.
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
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = make_temp_dir(folder.parent, prefix=f".{folder.name}.")  # the umask's mode, not mkdtemp's 0700
    try:
        (staging / MARKER_FILE).touch()
        for stem, frame in tables.items():
            frame.to_csv(staging / f"{stem}.csv", index=False, float_format=None)
        (staging / SCALARS_FILE).write_text(json.dumps(scalars, indent=2) + "\n")
        if provenance is not None:
            (staging / PROVENANCE_FILE).write_text(json.dumps(provenance, indent=2, default=str) + "\n")
        try:
            scenario = load_scenario(staging)  # validate the complete folder before it replaces anything
            sizes = {"dc_hardware": scenario.n_dcs, "type_slo": scenario.n_types}
            for stem in OPTIONAL_FILES:
                if stem in tables:  # the optional per-query files (docs/per_query.md)
                    read_optional_table(staging, stem, sizes[stem], load_catalogue())
        except InputError as err:
            raise InputError(str(err).replace(str(staging), str(folder))) from None
        if folder.exists():
            retired = make_temp_dir(folder.parent, prefix=f".{folder.name}.old.")
            os.replace(folder, retired / folder.name)
            os.replace(staging, folder)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder
