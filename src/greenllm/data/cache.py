"""The download cache under data/raw, with a provenance manifest.

Every raw file the project uses goes through `fetch`: it is downloaded once into the raw root (default `data/raw`,
overridable with the ``raw_root`` argument or the ``GREENLLM_RAW_DIR`` environment variable), checked, and recorded in
``<raw root>/manifest.json``::

    {"electricitymaps/US-CAL-CISO_2024_hourly.csv": {
        "url": "https://...", "retrieved_utc": "2025-01-01T00:00:00Z", "sha256": "...", "bytes": 1048576,
        "licence": "ODbL-1.0", "source": "Electricity Maps"}}

Guarantees:

- A cached file whose sha256 matches its manifest entry is returned without touching the network.
- A file placed by hand (no manifest entry) is accepted (after ``validate``) and registered with url "placed by hand".
- A download goes to a temporary file in the destination folder; it replaces the cached file (``os.replace``) only
  after the Content-Length check and ``validate`` passed. A failed, truncated or invalid download never damages a good
  cached file and leaves no temporary file behind.
- Timeouts, connection errors, truncated bodies and HTTP 5xx / 429 are retried with exponential backoff
  (``backoff_s * 2**attempt``); any other 4xx fails at once.
- ``offline=True`` never touches the network: a missing file is a DataSourceError saying which URL to download and
  where to place it.
- The manifest is rewritten atomically (temporary file + rename) under an advisory lock, so parallel fetches do not
  lose entries.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode


from greenllm.errors import DataSourceError, InputError

log = logging.getLogger(__name__)

RAW_DIR_ENV = "GREENLLM_RAW_DIR"
"""Environment variable that overrides the default raw root."""

DEFAULT_RAW_DIR = Path("data") / "raw"
"""Default raw root, relative to the current directory (the repository root when run from there)."""

MANIFEST_NAME = "manifest.json"
PLACED_BY_HAND = "placed by hand"
"""The url recorded for a file that was in the cache without a manifest entry."""

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
"""HTTP statuses worth retrying: server errors and "too many requests". Other 4xx fail at once."""

_SECRET_PARAM_WORDS = ("key", "token", "secret", "password")
_CHUNK_BYTES = 1 << 16


def resolve_raw_root(raw_root: str | os.PathLike | None = None) -> Path:
    """The raw root: the argument if given, else $GREENLLM_RAW_DIR, else ./data/raw."""
    if raw_root is not None:
        return Path(raw_root)
    env = os.environ.get(RAW_DIR_ENV)
    return Path(env) if env else DEFAULT_RAW_DIR


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def display_url(url: str, params: dict | None = None) -> str:
    """The URL with its query parameters, secrets (api_key, token, ...) replaced by "***" so it can be stored."""
    if not params:
        return url
    shown = {
        name: ("***" if any(word in name.lower() for word in _SECRET_PARAM_WORDS) else value)
        for name, value in params.items()
    }
    return f"{url}{'&' if '?' in url else '?'}{urlencode(shown, doseq=True)}"


def _locate(dest: str | os.PathLike, raw_root: str | os.PathLike | None) -> tuple[Path, Path, str]:
    """(raw root, absolute destination, manifest key) for dest, relative to the raw root or absolute inside it."""
    root = resolve_raw_root(raw_root).absolute()
    dest = Path(dest)
    path = dest if dest.is_absolute() else root / dest
    try:
        key = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise InputError(
            f"{path}: a cached file must lie inside the raw root {root} "
            f"(pass raw_root= or set {RAW_DIR_ENV})"
        ) from None
    return root, path, key


def _read_manifest(root: Path) -> dict:
    path = root / MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataSourceError(f"{path}: the download manifest is unreadable ({exc}); fix or delete it") from None
    if not isinstance(manifest, dict):
        raise DataSourceError(f"{path}: the download manifest must be a JSON object of path -> entry")
    return manifest


@contextlib.contextmanager
def _manifest_lock(root: Path) -> Iterator[None]:
    """An advisory lock around read-modify-write of the manifest (no-op where fcntl is unavailable)."""
    root.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with open(root / f".{MANIFEST_NAME}.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_json_atomic(path: Path, payload: dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=2, sort_keys=True, ensure_ascii=False)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _register(root: Path, key: str, entry: dict) -> dict:
    with _manifest_lock(root):
        manifest = _read_manifest(root)
        manifest[key] = entry
        _write_json_atomic(root / MANIFEST_NAME, manifest)
    return entry


def _utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _entry(path: Path, *, url: str, source: str, licence: str) -> dict:
    return {
        "url": url,
        "retrieved_utc": _utc_now(),
        "sha256": sha256_file(path),
        "bytes": path.stat().st_size,
        "licence": licence,
        "source": source,
    }


def manifest_entry(dest: str | os.PathLike, *, raw_root: str | os.PathLike | None = None) -> dict:
    """The manifest record of a cached file, with its manifest key under "path", for provenance records.

    Raises DataSourceError if the file has no entry (fetch it, or fetch it offline to register a hand-placed file).
    """
    root, path, key = _locate(dest, raw_root)
    entry = _read_manifest(root).get(key)
    if entry is None:
        raise DataSourceError(f"{path}: not registered in {root / MANIFEST_NAME}; fetch it first")
    return {"path": key, **entry}


def register(
    dest: str | os.PathLike,
    *,
    url: str,
    source: str,
    licence: str,
    raw_root: str | os.PathLike | None = None,
) -> dict:
    """Record in the manifest a file that another library wrote into the cache (e.g. a gridstatus export).

    dest: the file, relative to the raw root or absolute inside it; it must exist (write it atomically first).
    url: what was retrieved, as precisely as the writer can say (a URL, or a call such as
        ``gridstatus:PJM.get_lmp?...``); ``PLACED_BY_HAND`` for a file a user put there.
    Returns the manifest record with its key under "path" (as `manifest_entry`). The entry replaces any earlier one.
    """
    root, path, key = _locate(dest, raw_root)
    if not path.is_file():
        raise DataSourceError(f"{path}: cannot register a file that does not exist")
    entry = _register(root, key, _entry(path, url=url, source=source, licence=licence))
    return {"path": key, **entry}


def fetch(
    url: str,
    dest: str | os.PathLike,
    *,
    source: str,
    licence: str,
    params: dict | None = None,
    headers: dict | None = None,
    timeout_s: float = 30,
    retries: int = 3,
    backoff_s: float = 1.0,
    offline: bool = False,
    validate: Callable[[Path], None] | None = None,
    refresh: bool = False,
    raw_root: str | os.PathLike | None = None,
) -> Path:
    """Return the cached copy of ``url`` at ``dest``, downloading it if needed; see the module docstring.

    dest: relative to the raw root (e.g. ``electricitymaps/US-CAL-CISO_2024_hourly.csv``) or absolute inside it.
    source, licence: recorded in the manifest (publisher name and licence of the data).
    params, headers: query parameters and request headers; parameters whose name contains key/token/secret/password
        are stored as "***" in the manifest.
    timeout_s: connect and read timeout per attempt [s]. retries: extra attempts after the first.
    backoff_s: wait before retry n (0-based) is backoff_s * 2**n [s].
    validate: called with the downloaded (temporary) file, or a hand-placed file; raises DataSourceError on a schema
        problem. A failing validation is not retried.
    refresh: download again even if a good cached copy exists (ignored when offline).
    """
    root, path, key = _locate(dest, raw_root)
    shown_url = display_url(url, params)
    entry = _read_manifest(root).get(key)

    if path.exists() and (offline or not refresh):
        if entry is not None and entry.get("sha256") == sha256_file(path):
            return path
        if entry is None or offline:
            # Placed by hand (or replaced by hand since it was downloaded): accept it after validation.
            if entry is not None:
                log.warning("%s differs from the file downloaded from %s; keeping it as placed by hand",
                            path, entry.get("url"))
            if validate is not None:
                validate(path)
            _register(root, key, _entry(path, url=PLACED_BY_HAND, source=source, licence=licence))
            return path
        log.warning("%s does not match its manifest sha256; downloading it again", path)

    if offline:
        raise DataSourceError(
            f"offline and {path} is not cached: download {shown_url} ({source}) and place it at {path}"
        )

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _download(url, tmp, params=params, headers=headers, timeout_s=timeout_s, retries=retries,
                  backoff_s=backoff_s, shown_url=shown_url, source=source)
        if validate is not None:
            validate(tmp)
        new_entry = _entry(tmp, url=shown_url, source=source, licence=licence)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    _register(root, key, new_entry)
    log.info("fetched %s -> %s (%d bytes)", shown_url, path, new_entry["bytes"])
    return path


class _Retryable(Exception):
    """A transient failure of one attempt (timeout, connection, truncation, 5xx/429)."""


def _download(url: str, tmp: Path, *, params, headers, timeout_s, retries, backoff_s, shown_url, source) -> None:
    """Download url into tmp (overwritten on every attempt), retrying transient failures."""
    import requests  # imported when downloading only: it costs a tenth of a second of every greenllm start

    attempts = retries + 1
    last: str = ""
    with requests.Session() as session:
        for attempt in range(attempts):
            if attempt:
                time.sleep(backoff_s * 2 ** (attempt - 1))
            try:
                _attempt(session, url, tmp, params=params, headers=headers, timeout_s=timeout_s, shown_url=shown_url,
                         source=source)
                return
            except _Retryable as exc:
                last = str(exc)
                log.warning("%s: attempt %d of %d failed: %s", shown_url, attempt + 1, attempts, last)
    raise DataSourceError(f"{source}: download of {shown_url} failed after {attempts} attempts: {last}")


def _attempt(session, url, tmp: Path, *, params, headers, timeout_s, shown_url, source) -> None:
    import requests

    try:
        with session.get(url, params=params, headers=headers, timeout=timeout_s, stream=True) as response:
            status = response.status_code
            if status in RETRY_STATUS:
                raise _Retryable(f"HTTP {status} {response.reason}")
            if status >= 400:
                raise DataSourceError(
                    f"{source}: HTTP {status} {response.reason} for {shown_url}"
                    + (" (check the URL, zone and year)" if status == 404 else "")
                )
            expected = response.headers.get("Content-Length")
            encoded = response.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
            written = 0
            with open(tmp, "wb") as handle:
                for chunk in response.iter_content(_CHUNK_BYTES):
                    handle.write(chunk)
                    written += len(chunk)
            if expected is not None and not encoded and written != int(expected):
                raise _Retryable(f"truncated body: {written} of {expected} bytes (Content-Length)")
    except requests.exceptions.Timeout as exc:
        raise _Retryable(f"timed out after {timeout_s} s ({type(exc).__name__})") from None
    except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
        raise _Retryable(f"connection error or truncated body ({exc})") from None
    except requests.exceptions.RequestException as exc:
        raise DataSourceError(f"{source}: request for {shown_url} failed: {exc}") from None
