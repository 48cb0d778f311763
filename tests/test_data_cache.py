"""The download cache: cached files are reused, faults are retried or reported, a good file is never damaged."""

import hashlib
import json
import socket
import time

import pytest
from tests.httpserver import http_server  # noqa: F401 (fixture)

from greenllm.data import cache
from greenllm.errors import DataSourceError, InputError

GOOD = b"time,value\n2024-01-01 00:00:00,1.5\n2024-01-01 01:00:00,2.5\n"
NEW = b"time,value\n2024-01-01 00:00:00,9.5\n2024-01-01 01:00:00,8.5\n"
FAST = {"backoff_s": 0.01, "timeout_s": 2}
META = {"source": "Test source", "licence": "CC0-1.0"}


def require_value_column(path):
    header = path.read_bytes().split(b"\n", 1)[0].decode()
    if "value" not in header.split(","):
        raise DataSourceError(f"Test source: {path.name} lacks column 'value'")


def leftovers(folder):
    """Temporary files (download parts, manifest temps) left in a folder."""
    return sorted(p.name for p in folder.rglob(".*") if not p.name.endswith(".lock"))


def fetch(url, raw, name="src/file.csv", **kwargs):
    return cache.fetch(url, name, raw_root=raw, **META, **{**FAST, **kwargs})


def manifest(raw):
    return json.loads((raw / "manifest.json").read_text())


def test_download_writes_file_and_manifest_entry(http_server, tmp_path):
    url = http_server.route("/a.csv", GOOD)
    path = fetch(url, tmp_path)
    assert path == tmp_path / "src" / "file.csv"
    assert path.read_bytes() == GOOD
    entry = manifest(tmp_path)["src/file.csv"]
    assert entry["sha256"] == hashlib.sha256(GOOD).hexdigest()
    assert entry["bytes"] == len(GOOD)
    assert entry["url"] == url
    assert (entry["source"], entry["licence"]) == ("Test source", "CC0-1.0")
    assert entry["retrieved_utc"].endswith("Z")
    assert cache.manifest_entry("src/file.csv", raw_root=tmp_path) == {"path": "src/file.csv", **entry}
    assert leftovers(tmp_path) == []


def test_cached_file_is_returned_without_network(http_server, tmp_path):
    url = http_server.route("/a.csv", GOOD)
    fetch(url, tmp_path)
    fetch(url, tmp_path)
    fetch(url, tmp_path, offline=True)
    assert http_server.hits("/a.csv") == 1


def test_refresh_downloads_again(http_server, tmp_path):
    url = http_server.route("/a.csv", GOOD)
    fetch(url, tmp_path)
    http_server.route("/a.csv", NEW)
    path = fetch(url, tmp_path, refresh=True)
    assert path.read_bytes() == NEW
    assert manifest(tmp_path)["src/file.csv"]["sha256"] == hashlib.sha256(NEW).hexdigest()


def test_offline_without_cached_file_says_what_to_download_and_where(tmp_path):
    url = "http://127.0.0.1:9/never.csv"
    with pytest.raises(DataSourceError) as err:
        fetch(url, tmp_path, offline=True)
    assert url in str(err.value)
    assert str(tmp_path / "src" / "file.csv") in str(err.value)
    assert not (tmp_path / "src" / "file.csv").exists()


def test_hand_placed_file_is_registered_without_network(http_server, tmp_path):
    url = http_server.route("/a.csv", NEW)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "file.csv").write_bytes(GOOD)
    path = fetch(url, tmp_path, validate=require_value_column)
    assert path.read_bytes() == GOOD
    assert http_server.hits("/a.csv") == 0
    entry = manifest(tmp_path)["src/file.csv"]
    assert entry["url"] == cache.PLACED_BY_HAND
    assert entry["sha256"] == hashlib.sha256(GOOD).hexdigest()


def test_hand_placed_file_with_wrong_schema_is_rejected(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "file.csv").write_bytes(b"time,other\n1,2\n")
    with pytest.raises(cache.CorruptCacheError, match="value"):
        fetch("http://127.0.0.1:9/x.csv", tmp_path, offline=True, validate=require_value_column)
    assert not (tmp_path / "manifest.json").exists()


def test_server_errors_are_retried_until_success(http_server, tmp_path):
    url = http_server.route("/flaky.csv", GOOD, fail_times=2)
    path = fetch(url, tmp_path, retries=3)
    assert path.read_bytes() == GOOD
    assert http_server.hits("/flaky.csv") == 3


def test_persistent_server_error_fails_and_keeps_good_file(http_server, tmp_path):
    url = http_server.route("/a.csv", GOOD)
    fetch(url, tmp_path)
    before = (tmp_path / "manifest.json").read_bytes()
    http_server.route("/a.csv", NEW, fail_times=10)
    with pytest.raises(DataSourceError, match="after 3 attempts.*HTTP 500"):
        fetch(url, tmp_path, retries=2, refresh=True)
    assert http_server.hits("/a.csv") == 1 + 3
    assert (tmp_path / "src" / "file.csv").read_bytes() == GOOD
    assert (tmp_path / "manifest.json").read_bytes() == before
    assert leftovers(tmp_path) == []


def test_client_error_fails_at_once(http_server, tmp_path):
    url = http_server.route("/gone.csv", b"no such file", status=404)
    with pytest.raises(DataSourceError, match="HTTP 404"):
        fetch(url, tmp_path, retries=3)
    assert http_server.hits("/gone.csv") == 1
    assert not (tmp_path / "src" / "file.csv").exists()
    assert leftovers(tmp_path) == []


def test_timeout_is_retried_then_reported(http_server, tmp_path):
    url = http_server.route("/slow.csv", GOOD, delay_s=5)
    start = time.monotonic()
    with pytest.raises(DataSourceError, match="timed out"):
        fetch(url, tmp_path, retries=1, timeout_s=0.2)
    assert time.monotonic() - start < 3
    assert http_server.hits("/slow.csv") == 2
    assert not (tmp_path / "src" / "file.csv").exists()
    assert leftovers(tmp_path) == []


def test_truncated_body_never_replaces_good_file(http_server, tmp_path):
    url = http_server.route("/a.csv", GOOD)
    fetch(url, tmp_path)
    http_server.route("/a.csv", NEW, truncate_to=10)
    with pytest.raises(DataSourceError, match="truncated|IncompleteRead"):
        fetch(url, tmp_path, retries=1, refresh=True)
    assert http_server.hits("/a.csv") == 1 + 2
    assert (tmp_path / "src" / "file.csv").read_bytes() == GOOD
    assert leftovers(tmp_path) == []


def test_wrong_schema_download_is_rejected_and_good_file_kept(http_server, tmp_path):
    url = http_server.route("/a.csv", GOOD)
    fetch(url, tmp_path, validate=require_value_column)
    http_server.route("/a.csv", b"time,renamed\n1,2\n")
    with pytest.raises(DataSourceError, match="Test source.*'value'"):
        fetch(url, tmp_path, validate=require_value_column, refresh=True)
    assert http_server.hits("/a.csv") == 1 + 1  # a schema problem is not retried
    assert (tmp_path / "src" / "file.csv").read_bytes() == GOOD
    assert manifest(tmp_path)["src/file.csv"]["sha256"] == hashlib.sha256(GOOD).hexdigest()
    assert leftovers(tmp_path) == []


def test_connection_refused_is_retried_then_reported(tmp_path):
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DataSourceError, match="after 2 attempts"):
        fetch(f"http://127.0.0.1:{port}/x.csv", tmp_path, retries=1)
    assert leftovers(tmp_path) == []


def test_modified_cached_file_is_downloaded_again(http_server, tmp_path):
    url = http_server.route("/a.csv", GOOD)
    path = fetch(url, tmp_path)
    path.write_bytes(b"corrupted")
    assert fetch(url, tmp_path).read_bytes() == GOOD
    assert http_server.hits("/a.csv") == 2


def test_secret_params_are_sent_but_not_recorded(http_server, tmp_path):
    url = http_server.route("/api", GOOD)
    fetch(url, tmp_path, params={"api_key": "s3cret", "zone": "PACW"}, headers={"X-Test": "yes"})
    path, query, headers = http_server.requests[-1]
    assert query == {"api_key": ["s3cret"], "zone": ["PACW"]}
    assert headers["X-Test"] == "yes"
    recorded = manifest(tmp_path)["src/file.csv"]["url"]
    assert "s3cret" not in recorded and "zone=PACW" in recorded


def test_raw_root_comes_from_environment(http_server, tmp_path, monkeypatch):
    monkeypatch.setenv(cache.RAW_DIR_ENV, str(tmp_path / "env_raw"))
    url = http_server.route("/a.csv", GOOD)
    path = cache.fetch(url, "x/y.csv", **META, **FAST)
    assert path == tmp_path / "env_raw" / "x" / "y.csv"
    assert "x/y.csv" in manifest(tmp_path / "env_raw")


def test_destination_outside_raw_root_is_refused(tmp_path):
    with pytest.raises(InputError, match="inside the raw root"):
        cache.fetch("http://127.0.0.1:9/x", tmp_path / "elsewhere.csv", raw_root=tmp_path / "raw", **META)


def test_sha256_file_matches_hashlib(tmp_path):
    data = bytes(range(256)) * 1000
    (tmp_path / "f").write_bytes(data)
    assert cache.sha256_file(tmp_path / "f") == hashlib.sha256(data).hexdigest()
