"""A validated binary cache of scenario folders, so that many jobs on one large folder validate its CSVs once.

:func:`load_cached` returns what :func:`greenllm.inputs.load_scenario` returns. The scenario folder stays the only
interface (``docs/inputs.md``); the cache is a private copy of a folder that has *already passed* validation:

* it is keyed by the sha256 of every file ``load_scenario`` reads, of ``inputs.py`` and ``fields.py`` (the validation
  rules) and of the numpy / pandas / pandera versions, so any change of an input file or of the rules is a miss and
  a fresh, fully validated load;
* it is written only after ``load_scenario`` succeeded, to a temporary file that then replaces the cache file
  (``os.replace``), so parallel jobs never read a half-written cache;
* a cache file that cannot be read (corrupted, truncated, another format) is ignored: a fresh load replaces it;
* what it holds is checked again on every read (:func:`greenllm.fields.check_scenario`: shapes, and the ranges of
  :data:`greenllm.fields.FIELDS`), so a tampered file (e.g. negative demand under the right key) is refused and
  reloaded from the folder, never solved;
* it is an ``.npz`` file read with ``allow_pickle=False`` (no code is ever unpickled).

Where: ``$GREENLLM_SCENARIO_CACHE`` if set (a folder; ``off`` disables the cache), else ``.greenllm_cache/`` beside
the scenario folder (e.g. ``data/processed/.greenllm_cache/europe_2018_year.<hash>.npz``), never inside it, so the
folder's content is unchanged. ``.greenllm_cache/`` is git-ignored. Folders smaller than :data:`MIN_BYTES` are not
cached (their load is fast anyway). A folder that cannot be written to simply goes uncached.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import tempfile
from importlib import metadata
from pathlib import Path

import numpy as np

from greenllm import fields, inputs
from greenllm.fields import check_number, check_scenario
from greenllm.outputs import chmod_from_umask
from greenllm.inputs import FILES, SCALARS_FILE, Scenario, load_scenario

log = logging.getLogger(__name__)

CACHE_ENV = "GREENLLM_SCENARIO_CACHE"
"""Environment variable: the folder for the cache files, or ``off`` / ``0`` / ``no`` to disable the cache."""
CACHE_DIRNAME = ".greenllm_cache"
"""Default cache folder, created beside (not in) the scenario folder."""
MIN_BYTES = 1 << 20
"""Folders whose input files total fewer bytes are loaded directly (no cache)."""
FORMAT = 1
"""Bumped when the layout of a cache file changes."""

_CHUNK = 1 << 20
_NAME_FIELDS = ("area_names", "dc_names", "type_names", "resource_names")
_ARRAY_FIELDS = tuple(f.name for f in dataclasses.fields(Scenario)
                      if f.name not in (*_NAME_FIELDS, "water_budget_l", "scalars", "scale", "path"))
_META = "__meta__"


def input_files(folder: Path) -> list[Path]:
    """The files :func:`greenllm.inputs.load_scenario` reads, in a fixed order."""
    return [folder / f"{stem}.csv" for stem in FILES] + [folder / SCALARS_FILE]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def cache_key(folder: str | os.PathLike) -> str | None:
    """sha256 over the folder's input files, the validation code and library versions; None if a file is missing
    or unreadable (then only a fresh load can say what is wrong)."""
    folder = Path(folder)
    digest = hashlib.sha256()
    digest.update(f"greenllm-scenario-cache {FORMAT}\n".encode())
    digest.update(Path(inputs.__file__).read_bytes())
    digest.update(Path(fields.__file__).read_bytes())  # the ranges
    for package in ("numpy", "pandas", "pandera"):
        digest.update(f"{package} {_version(package)}\n".encode())
    try:
        for path in input_files(folder):
            digest.update(f"{path.name} {_sha256(path)}\n".encode())
    except OSError:
        return None
    return digest.hexdigest()


def cache_dir_for(folder: str | os.PathLike) -> Path | None:
    """The cache folder for a scenario folder, or None when the cache is disabled (``$GREENLLM_SCENARIO_CACHE``)."""
    setting = os.environ.get(CACHE_ENV, "").strip()
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    if setting:
        return Path(setting)
    return Path(folder).resolve().parent / CACHE_DIRNAME


def cache_file(folder: str | os.PathLike, cache_dir: str | os.PathLike) -> Path:
    """``CACHE_DIR/NAME.<hash of the folder's absolute path>.npz``: one file per folder, overwritten on change."""
    resolved = Path(folder).resolve()
    where = hashlib.sha256(str(resolved).encode()).hexdigest()[:12]
    return Path(cache_dir) / f"{resolved.name}.{where}.npz"


def _read(path: Path, key: str, folder: Path) -> Scenario | None:
    """The cached scenario if ``path`` holds one for ``key``, else None (missing, stale or unreadable)."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data[_META][()]))
            if meta.get("format") != FORMAT or meta.get("key") != key:
                log.info("scenario cache %s is stale; reloading %s", path, folder)
                return None
            arrays = {}
            for name in _ARRAY_FIELDS:
                array = np.array(data[name])  # reads (and CRC-checks) the whole member
                if array.dtype != np.float64:
                    raise ValueError(f"{name}: dtype {array.dtype}")
                arrays[name] = array
        water_budget_l = check_number(f"scenario cache {path}", "water_budget_l", meta["water_budget_l"])
        if not isinstance(meta["scalars"], dict):
            raise ValueError("scalars: not a JSON object")
        scenario = Scenario(**{name: [str(v) for v in meta[name]] for name in _NAME_FIELDS}, **arrays,
                            water_budget_l=water_budget_l, scalars=meta["scalars"], path=folder)
        check_scenario(scenario, f"scenario cache {path}")  # never trust a payload: the value rules of loading
        return scenario
    except Exception as err:  # noqa: BLE001 - any damage means: ignore the cache, load afresh
        log.warning("scenario cache %s is unreadable (%s: %s); reloading %s", path, type(err).__name__, err, folder)
        return None


def _write(path: Path, key: str, scenario: Scenario) -> None:
    """Write the cache file atomically; a failure (read-only folder, full disk) only logs."""
    meta = {"format": FORMAT, "key": key, "water_budget_l": scenario.water_budget_l, "scalars": scenario.scalars,
            **{name: list(getattr(scenario, name)) for name in _NAME_FIELDS}}
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **{_META: np.array(json.dumps(meta))},
                     **{name: np.ascontiguousarray(getattr(scenario, name), dtype=np.float64)
                        for name in _ARRAY_FIELDS})
        chmod_from_umask(tmp, directory=False)  # mkstemp makes it private; as readable as the folder beside it
        os.replace(tmp, path)
        tmp = None
    except OSError as err:
        log.info("scenario cache %s not written (%s)", path, err)
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def load_cached(folder: str | os.PathLike, *, cache_dir: str | os.PathLike | None = None,
                min_bytes: int | None = None) -> Scenario:
    """:func:`greenllm.inputs.load_scenario` through the cache (see the module docstring); same result, same errors.

    ``cache_dir``: where the cache files go (default: :func:`cache_dir_for`); ``min_bytes``: folders whose input
    files total less are loaded directly (default :data:`MIN_BYTES`).
    """
    folder = Path(folder)
    min_bytes = MIN_BYTES if min_bytes is None else min_bytes
    if cache_dir is None:
        cache_dir = cache_dir_for(folder) if folder.is_dir() else None
    if cache_dir is None:
        return load_scenario(folder)
    try:
        size = sum(path.stat().st_size for path in input_files(folder))
    except OSError:
        size = -1  # a file is missing: load_scenario says which
    key = cache_key(folder) if size >= min_bytes else None
    if key is None:
        return load_scenario(folder)
    path = cache_file(folder, cache_dir)
    cached = _read(path, key, folder)
    if cached is not None:
        return cached
    scenario = load_scenario(folder)  # full validation; raises InputError on any problem
    if cache_key(folder) == key:  # not changed while it was read
        _write(path, key, scenario)
    return scenario
