"""The source registry (config/sources.yaml): every raw dataset with its publisher, release, licence, attribution,
primary address and pinned mirrors, and the one way to retrieve a file of it.

``load_registry()`` validates the file against ``greenllm/schemas/sources.schema.yaml`` and returns the datasets.
``fetch(dataset, **keys)`` downloads (or reuses) one file through greenllm.data.cache: the primary first, then the
mirrors that hold the file (a mirror's ``sha256`` map says which files it holds and what their bytes must hash to).
``cached(dataset, **keys)`` is the offline read: the validated cached file, None when absent, CorruptCacheError when
present but bad. ``served_by(path)`` names the address that served a cached file, for provenance records.
"""

from __future__ import annotations

import importlib.util
import os
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jsonschema
import yaml

from greenllm.data import cache
from greenllm.errors import InputError

REPO_ROOT = Path(__file__).resolve().parents[4]
DEFAULT_SOURCES_PATH = REPO_ROOT / "config" / "sources.yaml"
"""config/sources.yaml of this checkout."""
SCHEMA_NAME = "sources.schema.yaml"

served_by = cache.served_by
"""served_by(path, raw_root=None) -> the URL (primary or mirror), gridstatus call or "placed by hand" that served a
cached raw file (from the manifest)."""


@dataclass(frozen=True)
class Mirror:
    """A copy of a dataset at an immutable address (a git commit); ``sha256`` maps file key -> sha256 (empty: any)."""

    repository: str
    commit: str
    url: str
    sha256: dict = field(default_factory=dict)
    note: str = ""

    def holds(self, file_key: str) -> bool:
        return not self.sha256 or file_key in self.sha256


@dataclass(frozen=True)
class Dataset:
    """One registry entry (see config/sources.yaml for the meaning of each field)."""

    name: str
    title: str
    source: str
    release: str
    licence: str
    attribution: str
    keys: tuple[str, ...]
    cache_path: str | None
    primary: str
    mirrors: tuple[Mirror, ...] = ()
    file_key: str = ""
    key_env: str | None = None
    key_url: str | None = None
    sha256: str | None = None
    note: str = ""

    # -- names -------------------------------------------------------------------------------------------------
    def _fill(self, template: str, keys: dict) -> str:
        missing = [k for k in self.keys if k not in keys]
        extra = [k for k in keys if k not in self.keys]
        if missing or extra:
            raise InputError(f"source registry, dataset {self.name!r}: needs keys {', '.join(self.keys) or 'none'}"
                             + (f"; missing {', '.join(missing)}" if missing else "")
                             + (f"; unknown {', '.join(extra)}" if extra else ""))
        return template.format(**{k: str(v) for k, v in keys.items()})

    def cache_name(self, **keys) -> str:
        """The file's path relative to the raw root (InputError for a dataset shipped in a package)."""
        if self.cache_path is None:
            raise InputError(f"source registry, dataset {self.name!r}: shipped in a package, not cached")
        return self._fill(self.cache_path, keys)

    def key_of(self, **keys) -> str:
        return self._fill(self.file_key, keys) if self.file_key else ""

    def primary_url(self, **keys) -> str:
        return self._fill(self.primary, keys)

    def mirror_addresses(self, **keys) -> list[tuple[str, str | None]]:
        """(url, pinned sha256 or None) of the mirrors that hold this file, in registry order."""
        file_key = self.key_of(**keys)
        return [(self._fill(m.url, keys), m.sha256.get(file_key)) for m in self.mirrors if m.holds(file_key)]

    def mirror_repositories(self, **keys) -> list[str]:
        file_key = self.key_of(**keys)
        return [f"{m.repository}@{m.commit[:12]}" for m in self.mirrors if m.holds(file_key)]

    @property
    def kind(self) -> str:
        """"url" (downloaded), "gridstatus" (a gridstatus call) or "package" (shipped in an installed package)."""
        return self.primary.split(":", 1)[0] if self.primary.startswith(("gridstatus:", "package:")) else "url"

    def package_file(self, **keys) -> Path | None:
        """For a "package:" dataset, the file inside the installed package (None if the package is absent)."""
        if self.kind != "package":
            return None
        package, _, inner = self._fill(self.primary, keys)[len("package:"):].partition("/")
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            return None
        return Path(next(iter(spec.submodule_search_locations))) / inner


def load_schema() -> dict:
    return yaml.safe_load((Path(__file__).resolve().parents[2] / "schemas" / SCHEMA_NAME).read_text(encoding="utf-8"))


def load_registry(path: str | os.PathLike | None = None) -> dict[str, Dataset]:
    """The datasets of the source registry (default config/sources.yaml), validated; InputError names the field."""
    path = Path(path) if path is not None else DEFAULT_SOURCES_PATH
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise InputError(f"{path}: cannot read the source registry ({exc.strerror})") from None
    return _load(str(path), stamp)


@lru_cache(maxsize=4)
def _load(name: str, _mtime_ns: int) -> dict[str, Dataset]:
    path = Path(name)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: not readable YAML ({exc})") from None
    errors = sorted(jsonschema.Draft202012Validator(load_schema()).iter_errors(data),
                    key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        where = ".".join(str(p) for p in errors[0].absolute_path) or "(top level)"
        raise InputError(f"{path}, field '{where}': {errors[0].message}")
    datasets = {}
    for name_, entry in data["datasets"].items():
        mirrors = tuple(Mirror(m["repository"], m["commit"], m["url"], dict(m.get("sha256") or {}), m.get("note", ""))
                        for m in entry["mirrors"])
        dataset = Dataset(name=name_, title=entry["title"], source=entry["source"], release=str(entry["release"]),
                          licence=entry["licence"], attribution=entry["attribution"], keys=tuple(entry["keys"]),
                          cache_path=entry["cache_path"], primary=entry["primary"], mirrors=mirrors,
                          file_key=entry.get("file_key", ""), key_env=entry.get("key_env"),
                          key_url=entry.get("key_url"), sha256=entry.get("sha256"), note=entry.get("note", ""))
        _check(path, dataset)
        datasets[name_] = dataset
    return datasets


def _check(path: Path, dataset: Dataset) -> None:
    """What the schema cannot say: templates use only declared keys; a mirror URL contains its own commit."""
    templates = {"primary": dataset.primary, "cache_path": dataset.cache_path or "", "file_key": dataset.file_key}
    templates |= {f"mirrors.{n}.url": m.url for n, m in enumerate(dataset.mirrors)}
    for field_, template in templates.items():
        used = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        unknown = used - set(dataset.keys)
        if unknown:
            raise InputError(f"{path}, field 'datasets.{dataset.name}.{field_}': uses {', '.join(sorted(unknown))}, "
                             f"not among keys [{', '.join(dataset.keys)}]")
    for n, mirror in enumerate(dataset.mirrors):
        if f"/{mirror.commit}/" not in mirror.url:
            raise InputError(f"{path}, field 'datasets.{dataset.name}.mirrors.{n}.url': not pinned to its commit "
                             f"{mirror.commit}")


def dataset(name: str, *, registry: dict[str, Dataset] | None = None) -> Dataset:
    registry = registry if registry is not None else load_registry()
    if name not in registry:
        raise InputError(f"source registry: no dataset {name!r} (known: {', '.join(sorted(registry))})")
    return registry[name]


def fetch(name: str, *, offline: bool = False, refresh: bool = False, raw_root: str | os.PathLike | None = None,
          validate: Callable[[Path], None] | None = None, primary: str | None = None, use_mirrors: bool = True,
          params: dict | None = None, registry: dict[str, Dataset] | None = None, timeout_s: float = 60,
          retries: int = 3, backoff_s: float = 1.0, **keys) -> Path:
    """Download (or reuse) one file of a URL dataset: the primary, then the mirrors holding it; returns its path.

    primary: another primary URL (e.g. a local test server); use_mirrors=False tries the primary only.
    The manifest records the address that served the file (`served_by`).
    """
    entry = dataset(name, registry=registry)
    if entry.kind != "url":
        raise InputError(f"source registry, dataset {name!r}: retrieved with {entry.kind}, not by URL")
    return cache.fetch(primary or entry.primary_url(**keys), entry.cache_name(**keys), source=entry.source,
                       licence=entry.licence, params=params, offline=offline, refresh=refresh, raw_root=raw_root,
                       validate=validate, sha256=entry.sha256 if primary is None else None,
                       mirrors=entry.mirror_addresses(**keys) if use_mirrors else (), timeout_s=timeout_s,
                       retries=retries, backoff_s=backoff_s)


def cached(name: str, *, raw_root: str | os.PathLike | None = None, validate: Callable[[Path], None] | None = None,
           registry: dict[str, Dataset] | None = None, **keys) -> Path | None:
    """The validated cached file of a dataset (None when absent; CorruptCacheError when present but bad)."""
    entry = dataset(name, registry=registry)
    return cache.cached_file(entry.cache_name(**keys), validate=validate, source=entry.source, licence=entry.licence,
                             raw_root=raw_root)


def availability(name: str, *, raw_root: str | os.PathLike | None = None,
                 registry: dict[str, Dataset] | None = None, **keys) -> dict:
    """Where a file of a dataset can come from: offline (cached now, or shipped by an installed package) and online
    (primary address, mirrors holding it). Only looks at the file system."""
    entry = dataset(name, registry=registry)
    out = {"dataset": name, "offline": "", "primary": entry.primary_url(**keys),
           "mirrors": entry.mirror_repositories(**keys)}
    if entry.kind == "package":
        shipped = entry.package_file(**keys)
        out["offline"] = "package" if shipped is not None and shipped.exists() else ""
        out["primary"] = ""
        return out
    if entry.cache_path is not None:
        path = cache.resolve_raw_root(raw_root) / entry.cache_name(**keys)
        out["offline"] = "cached" if path.exists() else ""
    return out
