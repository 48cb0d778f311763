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
- A cached file that is present but bad is a `CorruptCacheError` naming the file and what is wrong, never "missing":
  an empty file, one that fails ``validate`` (an HTML error page under a zone file's name, a wrong header), an
  unreadable manifest, a manifest entry that is not an object, and, offline, a file whose sha256 no longer matches its
  manifest entry (the entry is left as it is: the file must be restored or deleted). Online, a mismatching file is
  downloaded again.
- Addresses are tried in order: the primary URL, then each mirror (``mirrors=``); an address with a pinned sha256
  must serve exactly that content, or it is refused and the next one is tried. The manifest records the address that
  served the file (``url``) and, when it was a mirror, ``mirror`` (its label); `served_by` reads it back.
- Every request carries a descriptive ``User-Agent`` (USER_AGENT); some CDNs (EIA's) refuse the default one.
- A download goes to a temporary file in the destination folder; it replaces the cached file (``os.replace``) only
  after the Content-Length check and ``validate`` passed. A failed, truncated or invalid download never damages a good
  cached file and leaves no temporary file behind.
- Timeouts, connection errors, truncated bodies and HTTP 5xx / 429 are retried with exponential backoff
  (``backoff_s * 2**attempt``), or after the server's ``Retry-After`` when it sends one (at most MAX_RETRY_AFTER_S);
  any other 4xx fails at once (and the next address, if any, is tried).
- Hosts listed in $GREENLLM_UNREACHABLE_HOSTS (comma-separated; the pipeline's retrieve step sets it after probing
  each host) are skipped without a request.
- ``offline=True`` never touches the network: a missing file is a DataSourceError saying which URL to download and
  where to place it.
- The manifest is rewritten atomically (temporary file + rename) under an advisory lock, so parallel fetches do not
  lose entries.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from importlib import metadata
from pathlib import Path
from urllib.parse import urlencode, urlsplit


from greenllm import __version__
from greenllm.errors import DataSourceError, InputError
from greenllm.outputs import chmod_from_umask, write_json

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

USER_AGENT = (f"greenllm/{__version__} (Green-LLM research compendium; raw-data download; "
              f"python-requests/{metadata.version('requests')} underneath)")
"""Sent with every request. Descriptive on purpose: EIA's CDN has refused the default ``python-requests/x.y``."""

MAX_RETRY_AFTER_S = 300.0
"""Longest ``Retry-After`` [s] honoured on HTTP 429/503; a longer one fails the address (try later or a mirror)."""

UNREACHABLE_HOSTS_ENV = "GREENLLM_UNREACHABLE_HOSTS"
"""Comma-separated host names not to contact (set by greenllm.pipeline.retrieve_job after its per-host
probe)."""


class CorruptCacheError(InputError):
    """A cached raw file (or the manifest) is present but bad. Exit code 2.

    Deliberately not a DataSourceError: builders that fall back to a stand-in when a file is *missing* must not do so
    when it is present but corrupted.
    """


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
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptCacheError(f"{path}: the download manifest is unreadable ({exc}); fix or delete it") from None
    if not isinstance(manifest, dict):
        raise CorruptCacheError(f"{path}: the download manifest must be a JSON object of path -> entry, "
                                f"not {type(manifest).__name__}; fix or delete it")
    return manifest


def _manifest_record(root: Path, key: str) -> dict | None:
    """The manifest entry of key (None if absent); CorruptCacheError if it is not an object with a sha256."""
    entry = _read_manifest(root).get(key)
    if entry is None:
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
        shown = json.dumps(entry, ensure_ascii=False)[:80]
        raise CorruptCacheError(f"{root / MANIFEST_NAME}, entry {key!r}: must be an object with url and sha256, "
                                f"found {shown}; fix or delete the entry")
    return entry


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
    write_json(path, payload, sort_keys=True, ensure_ascii=False)


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
    entry = _manifest_record(root, key)
    if entry is None:
        raise DataSourceError(f"{path}: not registered in {root / MANIFEST_NAME}; fetch it first")
    return {"path": key, **entry}


def served_by(dest: str | os.PathLike, *, raw_root: str | os.PathLike | None = None) -> str:
    """The address that served cached raw file ``dest`` (primary or mirror URL, a gridstatus call, or
    PLACED_BY_HAND), for provenance records. DataSourceError if the file has no manifest entry."""
    return manifest_entry(dest, raw_root=raw_root)["url"]


def cached_file(
    dest: str | os.PathLike,
    *,
    validate: Callable[[Path], None] | None = None,
    source: str = "unknown source",
    licence: str = "unknown licence",
    raw_root: str | os.PathLike | None = None,
) -> Path | None:
    """The validated cached file at ``dest``, or None when it is really absent. Never touches the network.

    Present but bad is a CorruptCacheError naming the file and the problem: empty, failing ``validate`` (a wrong
    header, an HTML error page), sha256 differing from its manifest entry, a manifest entry that is not an object,
    an unreadable manifest. A file without a manifest entry (placed by hand) is validated and registered as
    PLACED_BY_HAND with ``source`` and ``licence``.
    """
    root, path, key = _locate(dest, raw_root)
    entry = _manifest_record(root, key)
    if not path.exists():
        return None
    _check_present(root, path, key, entry, validate=validate, source=source, licence=licence)
    return path


def _check_present(root: Path, path: Path, key: str, entry: dict | None, *, validate, source: str,
                   licence: str) -> None:
    """Offline acceptance of a present file (see `cached_file`); registers a hand-placed file."""
    if not path.is_file():
        raise CorruptCacheError(f"{path}: expected a cached file, found a {'folder' if path.is_dir() else 'special file'}")
    if path.stat().st_size == 0:
        raise CorruptCacheError(f"{path}: the cached file is empty; delete it and download it again")
    if entry is not None:
        actual = sha256_file(path)
        if actual != entry["sha256"]:
            raise CorruptCacheError(
                f"{path}: sha256 {actual[:12]}... differs from the manifest's {entry['sha256'][:12]}... (downloaded "
                f"from {entry.get('url', 'an unknown address')}); the file changed after download: delete it to "
                "download it again, or restore it")
        return
    if validate is not None:
        try:
            validate(path)
        except (DataSourceError, InputError) as exc:
            raise CorruptCacheError(f"{path}: cached file is unusable: {exc}") from None
    _register(root, key, _entry(path, url=PLACED_BY_HAND, source=source, licence=licence))


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


Mirror = tuple[str, "str | None"]
"""A mirror address: (url, sha256 or None). Pinned mirrors (an immutable URL) carry the sha256 of their content."""


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
    sha256: str | None = None,
    mirrors: Sequence[Mirror] = (),
) -> Path:
    """Return the cached copy of ``url`` at ``dest``, downloading it if needed; see the module docstring.

    dest: relative to the raw root (e.g. ``electricitymaps/US-CAL-CISO_2024_hourly.csv``) or absolute inside it.
    source, licence: recorded in the manifest (publisher name and licence of the data).
    params, headers: query parameters and request headers of the primary URL; parameters whose name contains
        key/token/secret/password are stored as "***" in the manifest. USER_AGENT is sent unless headers set one.
    timeout_s: connect and read timeout per attempt [s]. retries: extra attempts after the first, per address.
    backoff_s: wait before retry n (0-based) is backoff_s * 2**n [s] (or the server's Retry-After).
    validate: called with the downloaded (temporary) file, or a hand-placed file; raises DataSourceError on a schema
        problem. A failing validation is not retried (the next address is tried).
    refresh: download again even if a good cached copy exists (ignored when offline).
    sha256: the content the primary must serve (None: not fixed). mirrors: (url, sha256 or None) tried in order
        after the primary; mirror URLs take no query parameters.
    """
    root, path, key = _locate(dest, raw_root)
    shown_url = display_url(url, params)
    entry = _manifest_record(root, key)

    if path.exists() and (offline or not refresh):
        if offline or entry is None:
            _check_present(root, path, key, entry, validate=validate, source=source, licence=licence)
            return path
        if path.is_file() and entry["sha256"] == sha256_file(path):
            return path
        log.warning("%s does not match its manifest sha256; downloading it again", path)

    if offline:
        where = " or ".join([shown_url, *(m for m, _ in mirrors)])
        raise DataSourceError(
            f"offline and {path} is not cached: download {where} ({source}) and place it at {path}"
        )

    addresses = [(url, params, shown_url, sha256, None)]
    addresses += [(m_url, None, m_url, m_sha, f"mirror {n + 1}") for n, (m_url, m_sha) in enumerate(mirrors)]
    failures = []
    for address, address_params, shown, pinned, label in addresses:
        try:
            new_entry = _fetch_one(address, path, params=address_params, headers=headers, timeout_s=timeout_s,
                                   retries=retries, backoff_s=backoff_s, shown_url=shown, source=source,
                                   licence=licence, validate=validate, sha256=pinned)
        except DataSourceError as exc:
            failures.append(str(exc))
            if len(addresses) > 1:
                log.warning("%s", exc)
            continue
        if label is not None:
            new_entry["mirror"] = label
        if failures:
            new_entry["failed"] = failures
        _register(root, key, new_entry)
        log.info("fetched %s -> %s (%d bytes)", shown, path, new_entry["bytes"])
        return path
    if len(failures) == 1:
        raise DataSourceError(failures[0])
    raise DataSourceError(f"{source}: all {len(addresses)} addresses failed for {path}: " + "; ".join(failures))


def _fetch_one(url, path: Path, *, params, headers, timeout_s, retries, backoff_s, shown_url, source, licence,
               validate, sha256) -> dict:
    """Download one address to a temporary file, check it, and move it over ``path``; returns its manifest entry.
    On any failure ``path`` is untouched and no temporary file remains."""
    host = urlsplit(url).hostname or ""
    if host in unreachable_hosts():
        raise DataSourceError(f"{source}: {shown_url} skipped: host {host} unreachable (${UNREACHABLE_HOSTS_ENV})")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _download(url, tmp, params=params, headers=headers, timeout_s=timeout_s, retries=retries,
                  backoff_s=backoff_s, shown_url=shown_url, source=source)
        if sha256 is not None:
            actual = sha256_file(tmp)
            if actual != sha256:
                raise DataSourceError(f"{source}: {shown_url} served content with sha256 {actual[:12]}..., not the "
                                      f"pinned {sha256[:12]}...; refused")
        if validate is not None:
            try:
                validate(tmp)
            except DataSourceError as exc:
                raise DataSourceError(f"{shown_url} served an unusable file: {exc}") from None
        new_entry = _entry(tmp, url=shown_url, source=source, licence=licence)
        chmod_from_umask(tmp, directory=False)  # mkstemp makes it 0600
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return new_entry


def unreachable_hosts() -> frozenset[str]:
    """Hosts named in $GREENLLM_UNREACHABLE_HOSTS (skipped by `fetch`)."""
    return frozenset(h.strip().lower() for h in os.environ.get(UNREACHABLE_HOSTS_ENV, "").split(",") if h.strip())


class _Retryable(Exception):
    """A transient failure of one attempt (timeout, connection, truncation, 5xx/429); wait_s from Retry-After."""

    def __init__(self, message: str, wait_s: float | None = None):
        super().__init__(message)
        self.wait_s = wait_s


def retry_after_s(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


def _download(url: str, tmp: Path, *, params, headers, timeout_s, retries, backoff_s, shown_url, source) -> None:
    """Download url into tmp (overwritten on every attempt), retrying transient failures."""
    import requests  # imported when downloading only: it costs a tenth of a second of every greenllm start

    attempts = retries + 1
    last: str = ""
    wait_s: float | None = None
    with requests.Session() as session:
        session.headers["User-Agent"] = USER_AGENT
        for attempt in range(attempts):
            if attempt:
                pause = backoff_s * 2 ** (attempt - 1) if wait_s is None else wait_s
                time.sleep(pause)
            try:
                _attempt(session, url, tmp, params=params, headers=headers, timeout_s=timeout_s, shown_url=shown_url,
                         source=source)
                return
            except _Retryable as exc:
                last, wait_s = str(exc), exc.wait_s
                log.warning("%s: attempt %d of %d failed: %s", shown_url, attempt + 1, attempts, last)
                if wait_s is not None and wait_s > MAX_RETRY_AFTER_S:
                    raise DataSourceError(f"{source}: {shown_url} asks to retry after {wait_s:.0f} s "
                                          f"(more than {MAX_RETRY_AFTER_S:.0f} s): {last}") from None
    raise DataSourceError(f"{source}: download of {shown_url} failed after {attempts} attempts: {last}")


def _attempt(session, url, tmp: Path, *, params, headers, timeout_s, shown_url, source) -> None:
    import requests

    try:
        with session.get(url, params=params, headers=headers, timeout=timeout_s, stream=True) as response:
            status = response.status_code
            if status in RETRY_STATUS:
                wait_s = retry_after_s(response.headers.get("Retry-After"))
                raise _Retryable(f"HTTP {status} {response.reason}"
                                 + (f" (Retry-After {wait_s:g} s)" if wait_s is not None else ""), wait_s)
            if status >= 400:
                hint = {404: " (check the URL, zone and year)",
                        403: " (refused: the server may block this client or need a key)"}.get(status, "")
                raise DataSourceError(f"{source}: HTTP {status} {response.reason} for {shown_url}{hint}")
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
