"""The raw-data retrieval layer against real failure modes: the source registry and its pinned mirrors, a descriptive
User-Agent, Retry-After, missing keys, the real gridstatus clients, and present-but-bad cached files."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.httpserver import http_server  # noqa: F401 (fixture)

from greenllm.data import cache
from greenllm.data.regions import load_regions
from greenllm.data.sources import electricitymaps as em
from greenllm.data.sources import plan, prices, registry
from greenllm.errors import DataSourceError, InputError

GOOD = b"time,value\n2024-01-01 00:00:00,1.5\n"
OTHER = b"time,value\n2024-01-01 00:00:00,9.5\n"
FAST = {"backoff_s": 0.01, "timeout_s": 2, "retries": 1}
META = {"source": "Test source", "licence": "CC0-1.0"}
REPO = Path(__file__).resolve().parents[1]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest(raw):
    return json.loads((raw / "manifest.json").read_text())


# ---------------------------------------------------------------------------------------------------------------
# primary, mirrors, sha256
# ---------------------------------------------------------------------------------------------------------------
def test_primary_down_then_the_mirror_serves_and_the_manifest_names_the_mirror(http_server, tmp_path):
    primary = http_server.route("/primary.csv", b"down", status=503)
    mirror = http_server.route("/mirror.csv", GOOD)
    path = cache.fetch(primary, "src/file.csv", raw_root=tmp_path, mirrors=[(mirror, sha(GOOD))], **META, **FAST)
    assert path.read_bytes() == GOOD
    entry = manifest(tmp_path)["src/file.csv"]
    assert entry["url"] == mirror and entry["mirror"] == "mirror 1"
    assert "503" in entry["failed"][0] and primary in entry["failed"][0]
    assert registry.served_by(path, raw_root=tmp_path) == mirror
    assert http_server.hits("/primary.csv") == 2  # retried once, then the mirror


def test_mirror_serving_other_bytes_than_pinned_is_refused_and_the_cache_is_untouched(http_server, tmp_path):
    good = http_server.route("/good.csv", GOOD)
    cache.fetch(good, "src/file.csv", raw_root=tmp_path, **META, **FAST)
    before = (tmp_path / "manifest.json").read_bytes()
    primary = http_server.route("/primary.csv", b"gone", status=404)
    tampered = http_server.route("/mirror.csv", OTHER)
    with pytest.raises(DataSourceError, match=r"mirror\.csv served content with sha256 .* not the pinned"):
        cache.fetch(primary, "src/file.csv", raw_root=tmp_path, refresh=True, mirrors=[(tampered, sha(GOOD))],
                    **META, **FAST)
    assert (tmp_path / "src" / "file.csv").read_bytes() == GOOD
    assert (tmp_path / "manifest.json").read_bytes() == before
    assert not [p for p in (tmp_path / "src").iterdir() if p.name.startswith(".")]


def test_mirrors_are_tried_in_order_and_the_first_good_one_wins(http_server, tmp_path):
    primary = http_server.route("/p.csv", b"nope", status=404)
    bad = http_server.route("/m1.csv", OTHER)
    good = http_server.route("/m2.csv", GOOD)
    cache.fetch(primary, "f.csv", raw_root=tmp_path, mirrors=[(bad, sha(GOOD)), (good, sha(GOOD))], **META, **FAST)
    entry = manifest(tmp_path)["f.csv"]
    assert entry["url"] == good and entry["mirror"] == "mirror 2" and len(entry["failed"]) == 2


def test_every_address_failing_names_each_address(http_server, tmp_path):
    primary = http_server.route("/p.csv", b"nope", status=404)
    mirror = http_server.route("/m.csv", b"nope", status=410)
    with pytest.raises(DataSourceError) as err:
        cache.fetch(primary, "f.csv", raw_root=tmp_path, mirrors=[(mirror, None)], **META, **FAST)
    assert primary in str(err.value) and mirror in str(err.value) and "all 2 addresses failed" in str(err.value)
    assert not (tmp_path / "f.csv").exists() and not (tmp_path / "manifest.json").exists()


def test_unreachable_hosts_are_skipped_without_a_request(http_server, tmp_path, monkeypatch):
    primary = http_server.route("/p.csv", GOOD)
    monkeypatch.setenv(cache.UNREACHABLE_HOSTS_ENV, "127.0.0.1")
    with pytest.raises(DataSourceError, match="unreachable"):
        cache.fetch(primary, "f.csv", raw_root=tmp_path, **META, **FAST)
    assert http_server.hits("/p.csv") == 0


# ---------------------------------------------------------------------------------------------------------------
# User-Agent, Retry-After
# ---------------------------------------------------------------------------------------------------------------
def refuse_default_agent(query, headers):
    """Like EIA's CDN: 403 for the default python-requests agent."""
    agent = headers.get("User-Agent", "")
    return (403, b"Forbidden") if agent.startswith("python-requests") else (200, GOOD)


def test_default_requests_agent_is_refused_by_the_fake_cdn(http_server):
    import requests

    url = http_server.route("/cdn.csv", respond=refuse_default_agent)
    assert requests.get(url, timeout=5).status_code == 403


def test_downloads_send_a_descriptive_user_agent(http_server, tmp_path):
    url = http_server.route("/cdn.csv", respond=refuse_default_agent)
    path = cache.fetch(url, "f.csv", raw_root=tmp_path, **META, **FAST)
    assert path.read_bytes() == GOOD
    agent = http_server.requests[-1][2]["User-Agent"]
    assert agent == cache.USER_AGENT and agent.startswith("greenllm/")


def test_403_is_reported_with_the_url_at_once(http_server, tmp_path):
    url = http_server.route("/x.csv", b"Forbidden", status=403)
    with pytest.raises(DataSourceError, match=r"HTTP 403 .*x\.csv.*refused"):
        cache.fetch(url, "f.csv", raw_root=tmp_path, **META, **FAST)
    assert http_server.hits("/x.csv") == 1


def test_429_waits_for_retry_after_then_retries(http_server, tmp_path, monkeypatch):
    answers = iter([(429, b"slow down", {"Retry-After": "0.05"}), (200, GOOD)])
    url = http_server.route("/limited.csv", respond=lambda q, h: next(answers))
    waits = []
    real_sleep = cache.time.sleep
    monkeypatch.setattr(cache.time, "sleep", lambda s: (waits.append(s), real_sleep(s)))
    path = cache.fetch(url, "f.csv", raw_root=tmp_path, backoff_s=7.0, timeout_s=2, retries=2, **META)
    assert path.read_bytes() == GOOD
    assert http_server.hits("/limited.csv") == 2
    assert waits == [0.05]  # the server's Retry-After, not the 7 s backoff


def test_429_asking_for_a_long_wait_fails_naming_it(http_server, tmp_path, monkeypatch):
    url = http_server.route("/limited.csv", b"later", status=429, headers={"Retry-After": "86400"})
    monkeypatch.setattr(cache.time, "sleep", lambda s: pytest.fail(f"slept {s} s"))
    with pytest.raises(DataSourceError, match="retry after 86400 s"):
        cache.fetch(url, "f.csv", raw_root=tmp_path, **META, **FAST)


def test_retry_after_reads_seconds_and_http_dates():
    assert cache.retry_after_s("3") == 3.0
    assert cache.retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert cache.retry_after_s(None) is None and cache.retry_after_s("soon") is None


# ---------------------------------------------------------------------------------------------------------------
# gridstatus: real clients, ids, PJM
# ---------------------------------------------------------------------------------------------------------------
def test_real_gridstatus_clients_are_built_for_every_registry_iso(monkeypatch):
    import gridstatus

    monkeypatch.setenv(prices.PJM_KEY_ENV, "test-key")
    isos = sorted({r.grid.iso for r in load_regions().values() if r.grid.iso})
    assert isos
    for iso in isos:
        client = prices._iso_client(iso)
        assert isinstance(client, gridstatus.base.ISOBase)
        assert client.iso_id == prices.gridstatus_iso_id(iso) == iso.lower()


def test_gridstatus_ids_are_lower_case_and_upper_case_is_mapped():
    import gridstatus

    with pytest.raises(KeyError):
        gridstatus.get_iso("MISO")  # why the mapping exists
    assert prices.gridstatus_iso_id("MISO") == "miso" and prices.gridstatus_iso_id("Ercot") == "ercot"


def test_wrong_iso_id_is_an_input_error_listing_the_known_ids():
    with pytest.raises(InputError, match=r"'MIS0'.*miso.*pjm"):
        prices._iso_client("MIS0")


def test_missing_pjm_key_is_one_line_naming_the_variable_and_where_to_get_it(monkeypatch, tmp_path):
    monkeypatch.delenv(prices.PJM_KEY_ENV, raising=False)
    with pytest.raises(InputError) as err:
        prices.fetch_iso_lmp("PJM", "34964545", "2024-07-01", "2024-07-02", raw_root=tmp_path)
    message = str(err.value)
    assert "PJM_API_KEY" in message and prices.PJM_KEY_URL in message and "\n" not in message
    assert not (tmp_path / "gridstatus").exists()


def test_pjm_node_names_are_refused_in_favour_of_pnode_ids(tmp_path):
    with pytest.raises(InputError, match=r"'DOM'.*numeric pnode id.*34964545"):
        prices.fetch_iso_lmp("PJM", "DOM", "2024-07-01", "2024-07-02", client=object(), raw_root=tmp_path)


def test_pjm_answer_with_location_id_and_name_columns_is_read(tmp_path):
    import pandas as pd

    class FakePJM:
        def get_lmp(self, date, end=None, market=None, locations=None):
            starts = pd.date_range(date, end, freq="h", inclusive="left").tz_convert("US/Eastern")
            return pd.DataFrame({"Interval Start": starts, "Market": market, "Location Id": int(locations[0]),
                                 "Location Name": "DOMINION", "Location Short Name": "DOM", "LMP": 30.0})

    hourly = prices.fetch_iso_lmp("PJM", "34964545", "2024-07-01", "2024-07-01 03:00", market="REAL_TIME_HOURLY",
                                  client=FakePJM(), raw_root=tmp_path)
    assert hourly["price_usd_per_kwh"].tolist() == [0.03] * 3


def test_ercot_past_days_come_from_the_yearly_archive(tmp_path):
    import pandas as pd

    class FakeErcot:
        def __init__(self):
            self.years = []

        def get_lmp(self, **kwargs):
            raise AssertionError("the document list holds only recent days")

        def get_rtm_spp(self, year):
            self.years.append(year)
            starts = pd.date_range("2024-07-01", periods=8, freq="15min", tz="UTC").tz_convert("US/Central")
            return pd.DataFrame({"Interval Start": list(starts) * 2, "Location": ["LZ_NORTH"] * 8 + ["HB_WEST"] * 8,
                                 "SPP": [20.0] * 4 + [40.0] * 4 + [99.0] * 8})

    client = FakeErcot()
    hourly = prices.fetch_iso_lmp("ERCOT", "LZ_NORTH", "2024-07-01", "2024-07-01 02:00", client=client,
                                  raw_root=tmp_path)
    assert client.years == [2024]
    assert hourly["price_usd_per_kwh"].tolist() == [0.02, 0.04]


# ---------------------------------------------------------------------------------------------------------------
# present but bad cached files, offline
# ---------------------------------------------------------------------------------------------------------------
CORRUPT = {
    "html": b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>\n",
    "header": b"Datetime (UTC),Zone name,Zone id,value\n2024-01-01 00:00:00,x,y,1\n",
    "empty": b"",
}


@pytest.mark.parametrize("kind", sorted(CORRUPT))
def test_corrupted_zone_file_offline_is_an_error_naming_it_not_missing(tmp_path, kind):
    path = tmp_path / "electricitymaps" / "US-NY-NYIS_2024_hourly.csv"
    path.parent.mkdir()
    path.write_bytes(CORRUPT[kind])
    with pytest.raises(cache.CorruptCacheError) as err:
        em.fetch_zone("US-NY-NYIS", 2024, raw_root=tmp_path, offline=True)
    assert str(path) in str(err.value) and "not cached" not in str(err.value)
    assert not isinstance(err.value, DataSourceError)  # builders fall back to stand-ins on DataSourceError only
    assert path.read_bytes() == CORRUPT[kind]


def test_paper_v1_offline_with_a_corrupted_zone_file_stops_instead_of_using_a_stand_in(tmp_path):
    from greenllm.data.scenarios import paper_v1

    zone = paper_v1.SITES[0].zone_id
    path = tmp_path / "electricitymaps" / f"{zone}_{paper_v1.CARBON_YEAR}_hourly.csv"
    path.parent.mkdir()
    path.write_bytes(CORRUPT["html"])
    with pytest.raises(cache.CorruptCacheError, match="HTML"):
        paper_v1.carbon_intensity(raw_root=tmp_path, offline=True)


def test_file_changed_since_download_is_refused_offline_and_its_entry_kept(http_server, tmp_path):
    url = http_server.route("/a.csv", GOOD)
    path = cache.fetch(url, "src/file.csv", raw_root=tmp_path, **META, **FAST)
    before = manifest(tmp_path)
    path.write_bytes(OTHER)
    with pytest.raises(cache.CorruptCacheError, match=r"sha256 .* differs from the manifest"):
        cache.fetch(url, "src/file.csv", raw_root=tmp_path, offline=True, **META, **FAST)
    with pytest.raises(cache.CorruptCacheError):
        cache.cached_file("src/file.csv", raw_root=tmp_path)
    assert manifest(tmp_path) == before and before["src/file.csv"]["url"] == url


@pytest.mark.parametrize("text", ["{not json", "[1, 2]"])
def test_unreadable_manifest_is_an_error_naming_it(tmp_path, text):
    (tmp_path / "manifest.json").write_text(text)
    (tmp_path / "f.csv").write_bytes(GOOD)
    with pytest.raises(cache.CorruptCacheError, match="manifest"):
        cache.fetch("http://127.0.0.1:9/f.csv", "f.csv", raw_root=tmp_path, offline=True, **META)


def test_manifest_entry_that_is_a_string_is_an_error_naming_the_entry(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"f.csv": "placed by hand"}))
    (tmp_path / "f.csv").write_bytes(GOOD)
    with pytest.raises(cache.CorruptCacheError, match=r"entry 'f\.csv'.*must be an object"):
        cache.cached_file("f.csv", raw_root=tmp_path)
    with pytest.raises(cache.CorruptCacheError):
        cache.manifest_entry("f.csv", raw_root=tmp_path)


def test_hand_placed_file_without_entry_is_accepted_and_recorded(tmp_path):
    (tmp_path / "f.csv").write_bytes(GOOD)
    assert cache.cached_file("f.csv", raw_root=tmp_path, **META) == tmp_path / "f.csv"
    assert manifest(tmp_path)["f.csv"]["url"] == cache.PLACED_BY_HAND
    assert cache.served_by("f.csv", raw_root=tmp_path) == cache.PLACED_BY_HAND


def test_cached_file_is_none_only_when_absent(tmp_path):
    assert cache.cached_file("nothing.csv", raw_root=tmp_path) is None
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(cache.CorruptCacheError, match="empty"):
        cache.cached_file("empty.csv", raw_root=tmp_path)


# ---------------------------------------------------------------------------------------------------------------
# the registry
# ---------------------------------------------------------------------------------------------------------------
def test_registry_mirrors_are_pinned_to_commits_with_sha256():
    reg = registry.load_registry()
    pinned = [m for d in reg.values() for m in d.mirrors]
    assert {m.repository for m in pinned} == {"HewlettPackard/green-dcc", "JJmingcc/Green_LLM",
                                               "umassos/decarbonization-potential"}
    for mirror in pinned:
        assert f"raw.githubusercontent.com/{mirror.repository}/{mirror.commit}/" in mirror.url
        assert mirror.sha256


def test_registry_sha256_match_the_real_files(real_fixtures):
    reg = registry.load_registry()
    checks = [("electricitymaps_hourly", 0, real_fixtures / "green_llm" / "Carbon" / "US-CAL-CISO_2024_hourly.csv",
               {"zone": "US-CAL-CISO", "year": 2024}),
              ("green_dcc_carbon", 0, real_fixtures / "green_dcc" / "carbon_intensity" / "KR" / "2024"
               / "KR_2024_hourly.csv", {"zone": "KR", "year": 2024}),
              ("green_dcc_carbon", 0, real_fixtures / "green_dcc" / "carbon_intensity" / "US-TEX-ERCO" / "2024"
               / "US-TEX-ERCO_2024_hourly.csv", {"zone": "US-TEX-ERCO", "year": 2024}),
              ("electricitymaps_hourly", 0, real_fixtures / "green_llm" / "Carbon" / "US-TEX-ERCO_2024_hourly.csv",
               {"zone": "US-TEX-ERCO", "year": 2024}),
              ("green_dcc_prices", 0, real_fixtures / "green_dcc" / "electricity_prices" / "standardized" / "SG"
               / "2024" / "SG_electricity_prices_2024.csv", {"zone": "SG", "year": 2024}),
              ("green_dcc_weather", 0, real_fixtures / "green_dcc" / "weather" / "ZA" / "2024.json",
               {"zone": "ZA", "year": 2024}),
              ("gcp_latency", 0, real_fixtures / "gcp_latency" / "raw_gcp_latency.csv", {})]
    for name, mirror, path, keys in checks:
        if not path.exists():
            pytest.skip(f"{path} absent")
        dataset = reg[name]
        assert dataset.mirrors[mirror].sha256[dataset.key_of(**keys)] == sha(path.read_bytes()), path


def test_mirror_that_does_not_hold_a_file_is_not_offered():
    dataset = registry.dataset("green_dcc_carbon")
    assert [u for u, _ in dataset.mirror_addresses(zone="KR", year=2021)] == [
        dataset.mirrors[0].url.format(zone="KR", year=2021)]
    assert dataset.mirror_addresses(zone="US-NW-BPAT", year=2024) == []
    assert registry.dataset("electricitymaps_hourly").mirror_addresses(zone="KR", year=2021) == []


def test_price_check_accepts_the_half_hour_file_and_refuses_an_html_page(real_fixtures, tmp_path):
    """green-dcc's India file is stamped at hh:30 UTC: the registry's check must not refuse the pinned bytes."""
    india = real_fixtures / "green_dcc" / "electricity_prices" / "standardized" / "IN-WE" / "2024" / \
        "IN-WE_electricity_prices_2024.csv"
    if not india.exists():
        pytest.skip(f"{india} absent")
    with pytest.raises(DataSourceError, match="whole-hour"):
        prices.read_standardized_price_csv(india)
    series = plan._validator("green_dcc_prices")(india)
    assert len(series) == 8784 and (series.index.minute == 30).all()
    page = tmp_path / "IN-WE_electricity_prices_2024.csv"
    page.write_text("<html><body>rate limited</body></html>\n")
    with pytest.raises(DataSourceError):
        plan._validator("green_dcc_prices")(page)


def test_two_exports_of_a_zone_year_have_two_cache_paths():
    """Green_LLM's and green-dcc's Electricity Maps exports differ (US-TEX-ERCO 2024): never one cache name."""
    authors, green_dcc = registry.dataset("electricitymaps_hourly"), registry.dataset("green_dcc_carbon")
    keys = {"zone": "US-TEX-ERCO", "year": 2024}
    assert authors.cache_name(**keys) != green_dcc.cache_name(**keys)
    assert {s for _, s in authors.mirror_addresses(**keys)}.isdisjoint(s for _, s in green_dcc.mirror_addresses(**keys))


def test_registry_with_an_unpinned_mirror_is_rejected(tmp_path):
    text = (REPO / "config" / "sources.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "sources.yaml"
    bad.write_text(text.replace("/JJmingcc/Green_LLM/35f7607534f1cd747faff742f33a0d0ac6e835bd/",
                                "/JJmingcc/Green_LLM/main/", 1), encoding="utf-8")
    with pytest.raises(InputError, match=r"sources\.yaml, field 'datasets\.electricitymaps_hourly\.mirrors\.0\.url'"):
        registry.load_registry(bad)


def test_fetch_zone_offers_the_registry_mirrors(monkeypatch, tmp_path):
    seen = {}
    monkeypatch.setattr(em.cache, "fetch", lambda url, dest, **kw: seen.update(url=url, **kw) or dest)
    em.fetch_zone("US-NW-PGE", 2024, raw_root=tmp_path)
    assert seen["mirrors"] == registry.dataset("electricitymaps_hourly").mirror_addresses(zone="US-NW-PGE", year=2024)
    assert seen["mirrors"] and all(s for _, s in seen["mirrors"])


# ---------------------------------------------------------------------------------------------------------------
# the commands
# ---------------------------------------------------------------------------------------------------------------
def greenllm(*args, raw):
    return subprocess.run([sys.executable, "-m", "greenllm", "data", *args, "--raw-dir", str(raw)],
                          capture_output=True, text=True, cwd=REPO)


def test_sources_lists_each_region_with_offline_and_online_addresses(tmp_path):
    (tmp_path / "electricitymaps").mkdir()
    (tmp_path / "electricitymaps" / "US-MIDA-PJM_2024_hourly.csv").write_bytes(b"x")
    done = greenllm("sources", "--region", "us-east4", raw=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    carbon = next(line for line in lines if "electricitymaps_hourly(zone=US-MIDA-PJM" in line)
    assert " cached " in carbon and "primary" in carbon and "mirror JJmingcc/Green_LLM@35f7607534f1" in carbon
    green_dcc = next(line for line in lines if "green_dcc_carbon(zone=US-MIDA-PJM" in line)
    assert " - " in green_dcc and "mirror HewlettPackard/green-dcc@3f6ea95cb835" in green_dcc
    assert any("gridstatus_lmp" in line and "PJM_API_KEY" in line for line in lines)
    assert all(line.startswith(("region", "us-east4")) for line in lines)


def test_multi_region_fetch_failure_exits_2_naming_region_source_and_url(tmp_path):
    done = greenllm("fetch", "regions", "--region", "us-central1", "--region", "us-east4", "--year", "2024",
                    "--offline", raw=tmp_path)
    assert done.returncode == 2
    line = done.stderr.strip()
    assert line.startswith("error: region us-central1, carbon (Electricity Maps") and "\n" not in line
    assert "https://data.electricitymaps.com/2025-01-27/US-MIDW-MISO_2024_hourly.csv" in line
    assert not any(tmp_path.rglob("*.csv"))


def test_region_items_cover_carbon_price_weather_and_fuel_mix():
    regions = load_regions()
    items = plan.region_items(regions["us-east4"], 2024)
    assert {i.what for i in items} == {"carbon", "price", "weather", "fuel mix"}
    assert [(i.dataset, i.keys["zone"]) for i in items if i.what == "carbon"] == [
        ("electricitymaps_hourly", "US-MIDA-PJM"), ("electricitymaps_hourly", "US-NY-NYIS"),
        ("green_dcc_carbon", "US-MIDA-PJM")]


def test_changed_gridstatus_export_is_refused_not_reread(tmp_path):
    import pandas as pd

    class Fake:
        def get_lmp(self, date, end=None, market=None, locations=None):
            starts = pd.date_range(date, end, freq="h", inclusive="left", tz="UTC")
            return pd.DataFrame({"Interval Start": starts, "Location": locations[0], "LMP": 10.0})

    window = ("2024-07-01", "2024-07-01 02:00")
    prices.fetch_iso_lmp("CAISO", "TH_NP15_GEN-APND", *window, market="DAY_AHEAD_HOURLY", client=Fake(),
                         raw_root=tmp_path)
    path = prices.lmp_cache_path("CAISO", "TH_NP15_GEN-APND", "DAY_AHEAD_HOURLY", *window, tmp_path)
    path.write_text(path.read_text().replace("10.0", "99.0"))
    with pytest.raises(cache.CorruptCacheError, match="sha256"):
        prices.fetch_iso_lmp("CAISO", "TH_NP15_GEN-APND", *window, market="DAY_AHEAD_HOURLY", offline=True,
                             raw_root=tmp_path)


def test_open_meteo_requests_pin_the_era5_reanalysis(http_server, tmp_path):
    from greenllm.data.sources import openmeteo

    url = http_server.route("/v1/archive", b"{}", status=404)
    with pytest.raises(DataSourceError):
        openmeteo.fetch_archive("x", 50.0, 8.0, 2024, url=url, raw_root=tmp_path, **FAST)
    assert http_server.requests[0][1]["models"] == ["era5"]
