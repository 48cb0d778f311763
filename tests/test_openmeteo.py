"""Open-Meteo archive: parsing real responses, time-zone handling, units, schema changes, and a cached fetch."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.httpserver import http_server  # noqa: F401 (fixture)

from greenllm.data.sources import openmeteo
from greenllm.data.sources.openmeteo import KMH_TO_M_PER_S, fetch_archive, read_archive_json
from greenllm.errors import DataSourceError

ZONES = ["DE-LU", "US-CAL-CISO", "US-MIDA-PJM", "US-NY-NYIS", "US-TEX-ERCO"]


@pytest.fixture(scope="module")
def weather_dir(real_fixtures):
    return real_fixtures / "green_dcc" / "weather"


@pytest.fixture(scope="module")
def adelaide(real_fixtures):
    return next((real_fixtures / "weather_api").glob("open_meteo_archive_adelaide_*.json"))


def _raw(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


@pytest.mark.parametrize("zone", ZONES)
def test_green_dcc_file_becomes_continuous_utc_hours_shifted_by_its_offset(weather_dir, zone):
    path = weather_dir / zone / "2024.json"
    raw = _raw(path)
    frame = read_archive_json(path, required=["temperature_2m", "windspeed_10m"])
    assert len(frame) == len(raw["hourly"]["time"]) == 8784
    first_utc = pd.Timestamp(raw["hourly"]["time"][0]) - pd.Timedelta(seconds=raw["utc_offset_seconds"])
    assert frame.index[0] == first_utc.tz_localize("UTC")
    assert ((frame.index[1:] - frame.index[:-1]) == pd.Timedelta(hours=1)).all()
    assert frame.attrs["filled_utc_hours"] == [] and frame.attrs["dropped_local_stamps"] == []


def test_values_and_units_follow_the_raw_rows(weather_dir):
    raw = _raw(weather_dir / "US-TEX-ERCO" / "2024.json")
    assert raw["hourly_units"]["windspeed_10m"] == "km/h"
    frame = read_archive_json(weather_dir / "US-TEX-ERCO" / "2024.json")
    assert set(frame.columns) == {"temperature_c", "relative_humidity_pct", "cloud_cover_pct",
                                  "wind_speed_10m_m_per_s"}
    np.testing.assert_array_equal(frame["temperature_c"], raw["hourly"]["temperature_2m"])
    np.testing.assert_array_equal(frame["cloud_cover_pct"], raw["hourly"]["cloudcover"])
    # km/h -> m/s: 1 km/h = 1000 m / 3600 s
    np.testing.assert_allclose(frame["wind_speed_10m_m_per_s"], np.array(raw["hourly"]["windspeed_10m"]) / 3.6)
    assert KMH_TO_M_PER_S == pytest.approx(1 / 3.6)


def _diurnal_phase_h(frame, longitude, start, end):
    """Local-solar hour of the temperature's first diurnal harmonic between two UTC instants."""
    window = frame.loc[start:end]
    solar_hour = (window.index.hour + window.index.minute / 60 + longitude / 15.0) % 24
    angle = 2 * np.pi * solar_hour / 24
    anomaly = window["temperature_c"] - window["temperature_c"].mean()
    return np.degrees(np.arctan2((anomaly * np.sin(angle)).sum(), (anomaly * np.cos(angle)).sum())) / 15 % 24


def _phase_jumps(path, local_time):
    frame = read_archive_json(path, local_time=local_time)
    raw = _raw(path)
    local = pd.date_range("2024-01-01", "2025-01-01", freq="h", tz=raw["timezone"], inclusive="left")
    offsets = np.array([stamp.utcoffset().total_seconds() for stamp in local])
    jumps = []
    for i in np.flatnonzero(np.diff(offsets)):
        change = local[i + 1].tz_convert("UTC")
        window = pd.Timedelta(days=21)
        jumps.append(_diurnal_phase_h(frame, raw["longitude"], change, change + window)
                     - _diurnal_phase_h(frame, raw["longitude"], change - window, change))
    return np.abs(jumps)


def test_single_api_offset_is_the_physical_reading_of_the_stamps(weather_dir):
    """Open-Meteo applies one offset to the whole series. Read that way, the daily temperature cycle keeps its
    place in solar time across each DST change; read as DST-aware wall-clock time it jumps by about an hour."""
    api, wall = [], []
    for zone in ZONES:
        api.extend(_phase_jumps(weather_dir / zone / "2024.json", "api_offset"))
        wall.extend(_phase_jumps(weather_dir / zone / "2024.json", "wall_clock"))
    assert len(api) == len(wall) == 10
    assert np.mean(api) < 0.6
    assert np.mean(wall) > 0.9
    assert np.mean(wall) > np.mean(api) + 0.4


def test_wall_clock_mode_handles_the_dst_gap_and_the_repeated_hour_explicitly(weather_dir):
    path = weather_dir / "US-CAL-CISO" / "2024.json"
    raw = _raw(path)
    frame = read_archive_json(path, local_time="wall_clock")
    # 2024-03-10 02:00 does not exist in Los Angeles: dropped
    assert frame.attrs["dropped_local_stamps"] == ["2024-03-10T02:00"]
    # 2024-11-03 01:00 happens twice but the file has it once (read as PDT, 08:00Z): 09:00Z is filled
    assert frame.attrs["filled_utc_hours"] == ["2024-11-03T09:00:00+00:00"]
    assert not frame.index.duplicated().any()
    assert ((frame.index[1:] - frame.index[:-1]) == pd.Timedelta(hours=1)).all()
    times = raw["hourly"]["time"]
    temps = raw["hourly"]["temperature_2m"]
    before, after = temps[times.index("2024-11-03T01:00")], temps[times.index("2024-11-03T01:00") + 1]
    assert frame.loc["2024-11-03 09:00Z", "temperature_c"] == pytest.approx((before + after) / 2)
    # winter stamps are PST (UTC-8) in this mode, not the file's single -7 h
    assert frame.index[0] == pd.Timestamp("2024-01-01 08:00Z")


def test_adelaide_response_current_names_and_half_hour_offset(adelaide):
    raw = _raw(adelaide)
    frame = read_archive_json(adelaide, required=["wind_speed_10m", "wet_bulb_temperature_2m"])
    assert raw["utc_offset_seconds"] == 34200 and raw["hourly_units"]["wind_speed_10m"] == "m/s"
    assert frame.index[0] == pd.Timestamp(raw["hourly"]["time"][0]).tz_localize("UTC") - pd.Timedelta(hours=9.5)
    np.testing.assert_array_equal(frame["wind_speed_10m_m_per_s"], raw["hourly"]["wind_speed_10m"])
    np.testing.assert_array_equal(frame["wet_bulb_c"], raw["hourly"]["wet_bulb_temperature_2m"])
    assert "precipitation" not in frame.columns  # variables we do not use are not read


def _derived(adelaide, tmp_path, edit):
    payload = _raw(adelaide)
    edit(payload)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def test_missing_variable_is_a_data_source_error_naming_source_and_column(adelaide, tmp_path):
    def drop(payload):
        del payload["hourly"]["wet_bulb_temperature_2m"]
    path = _derived(adelaide, tmp_path, drop)
    with pytest.raises(DataSourceError) as caught:
        read_archive_json(path, required=["temperature_2m", "wet_bulb_temperature_2m"])
    message = str(caught.value)
    assert "Open-Meteo" in message and str(path) in message and "'wet_bulb_temperature_2m'" in message


def test_unknown_unit_and_ragged_columns_are_rejected(adelaide, tmp_path):
    def knots_typo(payload):
        payload["hourly_units"]["wind_speed_10m"] = "furlong/fortnight"
    with pytest.raises(DataSourceError, match="'wind_speed_10m' has unit 'furlong/fortnight'"):
        read_archive_json(_derived(adelaide, tmp_path, knots_typo))

    def ragged(payload):
        payload["hourly"]["temperature_2m"] = payload["hourly"]["temperature_2m"][:-1]
    with pytest.raises(DataSourceError, match="'temperature_2m' has 71 values for 72"):
        read_archive_json(_derived(adelaide, tmp_path, ragged))


def test_api_error_body_is_reported(tmp_path):
    path = tmp_path / "error.json"
    path.write_text(json.dumps({"error": True, "reason": "Cannot initialize WeatherVariable"}), encoding="utf-8")
    with pytest.raises(DataSourceError, match="Cannot initialize WeatherVariable"):
        read_archive_json(path)


def _utc_response(weather_dir, zone, drop=()):
    """What the archive API returns for timezone=UTC, wind in m/s, derived from a real 2024 response."""
    raw = _raw(weather_dir / zone / "2024.json")
    utc = pd.to_datetime(raw["hourly"]["time"]) - pd.Timedelta(seconds=raw["utc_offset_seconds"])
    hourly = {
        "time": [stamp.strftime("%Y-%m-%dT%H:%M") for stamp in utc],
        "temperature_2m": raw["hourly"]["temperature_2m"],
        "relative_humidity_2m": raw["hourly"]["relative_humidity_2m"],
        "wind_speed_10m": [round(v / 3.6, 2) for v in raw["hourly"]["windspeed_10m"]],
    }
    units = {"time": "iso8601", "temperature_2m": "°C", "relative_humidity_2m": "%", "wind_speed_10m": "m/s"}
    for name in drop:
        del hourly[name], units[name]
    body = {key: raw[key] for key in ("latitude", "longitude", "generationtime_ms", "elevation")}
    body.update(utc_offset_seconds=0, timezone="GMT", timezone_abbreviation="GMT", hourly_units=units, hourly=hourly)
    return json.dumps(body), hourly


VARIABLES = ("temperature_2m", "relative_humidity_2m", "wind_speed_10m")


def test_fetch_caches_the_archive_and_reads_it_back(http_server, weather_dir, tmp_path):  # noqa: F811
    body, hourly = _utc_response(weather_dir, "DE-LU")
    url = http_server.route("/v1/archive", body)
    path = fetch_archive("europe-west3", 50.1109, 8.6821, 2024, variables=VARIABLES, url=url, raw_root=tmp_path,
                         retries=0)
    assert path == tmp_path / "openmeteo" / "europe-west3_2024.json"
    (_, query, _), = http_server.requests
    assert query["timezone"] == ["UTC"] and query["wind_speed_unit"] == ["ms"]
    assert query["start_date"] == ["2024-01-01"] and query["end_date"] == ["2024-12-31"]
    assert query["hourly"] == [",".join(VARIABLES)] and query["latitude"] == ["50.1109"]
    frame = read_archive_json(path, required=VARIABLES)
    assert frame.index[0] == pd.Timestamp(hourly["time"][0]).tz_localize("UTC")
    np.testing.assert_array_equal(frame["wind_speed_10m_m_per_s"], hourly["wind_speed_10m"])
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["openmeteo/europe-west3_2024.json"]["licence"].startswith("CC-BY-4.0")
    # a second call, even offline, is served from the cache
    assert fetch_archive("europe-west3", 50.1109, 8.6821, 2024, variables=VARIABLES, url=url, raw_root=tmp_path,
                         offline=True) == path
    assert http_server.hits("/v1/archive") == 1


def test_fetch_rejects_a_response_missing_a_variable(http_server, weather_dir, tmp_path):  # noqa: F811
    body, _ = _utc_response(weather_dir, "DE-LU", drop=("wind_speed_10m",))
    url = http_server.route("/v1/archive", body)
    with pytest.raises(DataSourceError, match="'wind_speed_10m' is missing"):
        fetch_archive("europe-west3", 50.1, 8.7, 2024, variables=VARIABLES, url=url, raw_root=tmp_path, retries=0)
    assert not (tmp_path / "openmeteo" / "europe-west3_2024.json").exists()


def test_offline_without_cache_names_url_and_destination(tmp_path):
    with pytest.raises(DataSourceError) as caught:
        fetch_archive("us-east4", 39.04, -77.49, 2024, raw_root=tmp_path, offline=True)
    message = str(caught.value)
    assert openmeteo.ARCHIVE_URL in message and "us-east4_2024.json" in message
