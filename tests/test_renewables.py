"""On-site PV (pvlib) and wind (windpowerlib): physical facts checked against independent calculations."""

import csv
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from greenllm.data.cache import CorruptCacheError
from greenllm.data.regions import load_regions
from greenllm.data.renewables import (capacity_factor, clearsky_solar_kw, hub_wind_speed_m_s, renewable_kw, solar_kw,
                                      wind_kw)
from greenllm.data.sources.openmeteo import read_archive_json
from greenllm.data.sources.pvgis import fetch_pvgis_hourly, pvgis_solar_kw, read_pvgis_hourly, seriescalc_params
from greenllm.errors import DataSourceError, InputError

ZONES = ["DE-LU", "US-CAL-CISO", "US-MIDA-PJM", "US-NY-NYIS", "US-TEX-ERCO"]


@pytest.fixture(scope="module")
def weather(real_fixtures):
    return {zone: read_archive_json(real_fixtures / "green_dcc" / "weather" / zone / "2024.json") for zone in ZONES}


def _sun_elevation_deg(times_utc, latitude, longitude):
    """Solar elevation from the NOAA / Spencer (1971) series: independent of pvlib, accurate to ~0.2 deg."""
    doy = times_utc.day_of_year.to_numpy()
    hour = times_utc.hour.to_numpy() + times_utc.minute.to_numpy() / 60
    g = 2 * np.pi / 365 * (doy - 1 + (hour - 12) / 24)
    eqtime_min = 229.18 * (0.000075 + 0.001868 * np.cos(g) - 0.032077 * np.sin(g) - 0.014615 * np.cos(2 * g)
                           - 0.040849 * np.sin(2 * g))
    decl = (0.006918 - 0.399912 * np.cos(g) + 0.070257 * np.sin(g) - 0.006758 * np.cos(2 * g)
            + 0.000907 * np.sin(2 * g) - 0.002697 * np.cos(3 * g) + 0.00148 * np.sin(3 * g))
    hour_angle = np.radians((hour * 60 + eqtime_min + 4 * longitude) / 4 - 180)
    lat = np.radians(latitude)
    cos_zenith = np.sin(lat) * np.sin(decl) + np.cos(lat) * np.cos(decl) * np.cos(hour_angle)
    return 90 - np.degrees(np.arccos(np.clip(cos_zenith, -1, 1)))


def _library_power_curve_w(turbine_type):
    """The turbine's curve read straight from windpowerlib's bundled oedb CSV (not through our code)."""
    folder = Path(importlib.util.find_spec("windpowerlib").origin).parent / "oedb"
    with open(folder / "power_curves.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    speeds = [float(s) for s in rows[0][1:]]
    values = next(row[1:] for row in rows[1:] if row[0] == turbine_type)
    points = [(s, float(v)) for s, v in zip(speeds, values) if v != ""]
    return np.array([p[0] for p in points]), np.array([p[1] for p in points])


@pytest.mark.parametrize("zone", ["DE-LU", "US-TEX-ERCO"])
def test_solar_is_zero_when_the_sun_is_down_for_the_whole_hour(weather, zone):
    frame = weather[zone]
    lat, lon = frame.attrs["latitude"], frame.attrs["longitude"]
    power = solar_kw(frame, lat, lon, 100.0)
    # Open-Meteo values average the hour ending at the stamp: the sun is down all hour if down at both ends
    down = (_sun_elevation_deg(frame.index, lat, lon) < -1) & (
        _sun_elevation_deg(frame.index - pd.Timedelta(hours=1), lat, lon) < -1)
    assert down.sum() > 3000
    assert (power[down] == 0).all()
    assert (power[_sun_elevation_deg(frame.index - pd.Timedelta(minutes=30), lat, lon) > 30] > 0).all()


@pytest.mark.parametrize("zone", ZONES)
def test_solar_never_exceeds_capacity_and_clearsky_is_an_upper_bound(weather, zone):
    frame = weather[zone]
    lat, lon = frame.attrs["latitude"], frame.attrs["longitude"]
    actual = solar_kw(frame, lat, lon, 250.0)
    clear = clearsky_solar_kw(frame.index, lat, lon, 250.0)
    assert actual.attrs["method"] == "cloud_cover" and actual.attrs["upper_bound"] is False
    assert clear.attrs["upper_bound"] is True and clear.name == "solar_kw"
    assert actual.min() >= 0 and actual.max() <= 250.0 and clear.max() <= 250.0
    assert clear.sum() > actual.sum()


@pytest.mark.parametrize("zone", ZONES)
def test_annual_capacity_factors_are_plausible_for_real_2024_weather(weather, zone):
    frame = weather[zone]
    lat, lon = frame.attrs["latitude"], frame.attrs["longitude"]
    solar_cf = capacity_factor(solar_kw(frame, lat, lon, 100.0), 100.0)
    wind = wind_kw(frame["wind_speed_10m_m_per_s"], 73.0, "E-53/800", 1, measurement_height_m=10.0)
    wind_cf = capacity_factor(wind, 800.0)
    # fixed-tilt PV: ~0.10 in Germany to ~0.25 in sunny US sites; a 10 m reanalysis wind extrapolated to hub height
    # at urban/inland sites: well below the 0.35-0.45 of good wind farms, above zero
    assert 0.05 < solar_cf < 0.25
    assert 0.03 < wind_cf < 0.40


def test_southern_sites_make_more_solar_than_frankfurt(weather):
    cf = {zone: capacity_factor(solar_kw(weather[zone], weather[zone].attrs["latitude"],
                                         weather[zone].attrs["longitude"], 1.0), 1.0) for zone in ZONES}
    assert cf["US-CAL-CISO"] > cf["DE-LU"] and cf["US-TEX-ERCO"] > cf["DE-LU"]


def test_measured_ghi_and_dhi_reproduce_the_clearsky_chain():
    """Clear-sky DNI/DHI closed into a GHI 'measurement' (GHI = DNI cos z + DHI, no temperature) must give the
    clear-sky output back: the measured path recovers DNI = (GHI - DHI) / cos z."""
    import pvlib

    times = pd.date_range("2024-06-01", periods=72, freq="h", tz="UTC")
    lat, lon = 40.76, -111.89
    midpoints = times - pd.Timedelta(minutes=30)
    clear = pvlib.location.Location(lat, lon).get_clearsky(midpoints)
    cos_zenith = np.clip(np.sin(np.radians(_sun_elevation_deg(midpoints, lat, lon))), 0, None)
    frame = pd.DataFrame({"ghi_w_per_m2": clear["dni"].to_numpy() * cos_zenith + clear["dhi"].to_numpy(),
                          "dhi_w_per_m2": clear["dhi"].to_numpy()}, index=times)
    measured = solar_kw(frame, lat, lon, 10.0)
    assert measured.attrs["method"] == "ghi_dhi"
    upper = clearsky_solar_kw(times, lat, lon, 10.0)
    np.testing.assert_allclose(measured.to_numpy(), upper.to_numpy(), atol=0.05)
    decomposed = solar_kw(frame.drop(columns="dhi_w_per_m2"), lat, lon, 10.0)
    assert decomposed.attrs["method"] == "ghi_erbs"
    assert decomposed.sum() == pytest.approx(measured.sum(), rel=0.15)


def test_solar_needs_irradiance_or_times():
    index = pd.date_range("2024-01-01", periods=3, freq="h", tz="UTC")
    with pytest.raises(DataSourceError, match="ghi_w_per_m2"):
        solar_kw(pd.DataFrame({"temperature_c": [1.0, 2.0, 3.0]}, index=index), 50, 8, 10)
    with pytest.raises(InputError, match="times"):
        solar_kw(None, 50, 8, 10)
    with pytest.raises(InputError, match="time-zone aware"):
        clearsky_solar_kw(pd.date_range("2024-01-01", periods=3, freq="h"), 50, 8, 10)


@pytest.mark.parametrize("turbine_type", ["E-126/4200", "V126/3300", "E-53/800"])
def test_wind_equals_the_library_power_curve_at_its_points(turbine_type):
    speeds, values_w = _library_power_curve_w(turbine_type)
    power = wind_kw(pd.Series(speeds), 100.0, turbine_type, 3, measurement_height_m=100.0)
    np.testing.assert_allclose(power.to_numpy(), 3 * values_w / 1000.0)


@pytest.mark.parametrize("turbine_type", ["E-126/4200", "V126/3300"])
def test_wind_is_zero_below_cut_in_and_above_cut_out(turbine_type):
    speeds, values_w = _library_power_curve_w(turbine_type)
    last_zero = speeds[np.flatnonzero(values_w > 0)[0] - 1]  # the curve rises linearly from its last zero point
    below = pd.Series(np.linspace(0, last_zero, 20))
    assert (wind_kw(below, 120.0, turbine_type, 2, measurement_height_m=120.0) == 0).all()
    assert (wind_kw(pd.Series([speeds[-1] + 1, 40.0]), 120.0, turbine_type, 2, measurement_height_m=120.0) == 0).all()
    assert wind_kw(pd.Series([14.0]), 120.0, turbine_type, 2, measurement_height_m=120.0).max() <= 2 * values_w.max()


def test_hellman_and_log_law_height_corrections():
    v10 = pd.Series([2.0, 5.0, 8.0])
    np.testing.assert_allclose(hub_wind_speed_m_s(v10, 10.0, 100.0), v10 * 10 ** (1 / 7))
    np.testing.assert_allclose(hub_wind_speed_m_s(v10, 10.0, 100.0, height_correction="logarithmic",
                                                  roughness_length_m=0.1),
                               v10 * np.log(100 / 0.1) / np.log(10 / 0.1))
    speeds, values_w = _library_power_curve_w("E-126/4200")
    power = wind_kw(v10, 135.0, "E-126/4200", 1, measurement_height_m=10.0)
    expected_kw = np.interp(v10 * (135 / 10) ** (1 / 7), speeds, values_w, left=0, right=0) / 1000
    np.testing.assert_allclose(power.to_numpy(), expected_kw)


def test_unknown_turbine_is_an_input_error():
    with pytest.raises(InputError, match="X-9/1"):
        wind_kw(pd.Series([5.0]), 100.0, "X-9/1", 1)


def test_renewable_kw_for_a_registry_region(weather):
    region = load_regions()["europe-west3"]
    frame = renewable_kw(region, weather["DE-LU"])
    assert list(frame.columns) == ["solar_kw", "wind_kw", "renewable_kw"]
    np.testing.assert_allclose(frame["renewable_kw"], frame["solar_kw"] + frame["wind_kw"])
    assert frame["solar_kw"].max() <= region.solar_kwp
    assert frame["wind_kw"].max() <= _library_power_curve_w("E-53/800")[1].max() / 1000 * region.wind.count
    assert frame.attrs["solar_method"] == "cloud_cover" and not frame.attrs["upper_bound"]


def test_pvgis_json_output_rescales_and_matches_raw_rows(real_fixtures):
    import json

    path = next((real_fixtures / "weather_api").glob("pvgis_hourly_*.json"))
    raw = json.loads(path.read_text(encoding="utf-8"))
    frame, inputs, _ = read_pvgis_hourly(path)
    rows = raw["outputs"]["hourly"]
    assert len(frame) == len(rows)
    np.testing.assert_allclose(frame["pv_kw"], [row["P"] / 1000 for row in rows])
    np.testing.assert_allclose(frame["poa_global_w_per_m2"], [row["G(i)"] for row in rows])
    assert frame.index[0] == pd.Timestamp("2013-01-01 00:10Z")
    peak = raw["inputs"]["pv_module"]["peak_power"]
    np.testing.assert_allclose(pvgis_solar_kw(frame, inputs, 100.0), [row["P"] / 1000 * 100 / peak for row in rows])
    assert (frame.loc[frame["solar_elevation_deg"] <= 0, "pv_kw"] == 0).all()


def test_pvgis_csv_sums_poa_components(real_fixtures):
    path = next((real_fixtures / "weather_api").glob("pvgis_hourly_*.csv"))
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("time,"))
    header = lines[start].split(",")
    rows = []
    for line in lines[start + 1:]:
        if not line[:1].isdigit():
            break
        rows.append(dict(zip(header, line.split(","))))
    frame, inputs, _ = read_pvgis_hourly(path, hour_start=True)
    assert len(frame) == len(rows) == 14
    expected = [float(r["Gb(i)"]) + float(r["Gd(i)"]) + float(r["Gr(i)"]) for r in rows]
    np.testing.assert_allclose(frame["poa_global_w_per_m2"], expected)
    assert frame.index[0] == pd.Timestamp("2016-01-01 00:00Z")
    assert inputs["latitude"] == 45.0
    assert frame["reconstructed"].sum() == sum(float(r["Int"]) == 1 for r in rows) == 5


def test_pvgis_reader_rejects_foreign_files(real_fixtures):
    other = next((real_fixtures / "weather_api").glob("open_meteo_archive_*.json"))
    with pytest.raises(DataSourceError, match="not a PVGIS hourly JSON"):
        read_pvgis_hourly(other)


def test_pvgis_file_placed_by_hand_is_validated_and_used_offline(real_fixtures, tmp_path):
    source = next((real_fixtures / "weather_api").glob("pvgis_hourly_*.json"))
    placed = tmp_path / "pvgis" / "test-site_2013.json"
    placed.parent.mkdir()
    placed.write_bytes(source.read_bytes())
    path = fetch_pvgis_hourly("test-site", 45.0, 8.0, 2013, offline=True, raw_root=tmp_path)
    assert path == placed and len(read_pvgis_hourly(path)[0]) == 10
    foreign = next((real_fixtures / "weather_api").glob("open_meteo_archive_*.json"))
    (tmp_path / "pvgis" / "other_2013.json").write_bytes(foreign.read_bytes())
    with pytest.raises(CorruptCacheError, match="not a PVGIS hourly JSON"):  # present but bad: never "missing"
        fetch_pvgis_hourly("other", 45.0, 8.0, 2013, offline=True, raw_root=tmp_path)


def test_pvgis_query_follows_pvlib_conventions():
    params = seriescalc_params(45.0, 8.0, 2016, surface_tilt_deg=30.0, surface_azimuth_deg=180.0, peakpower_kw=10)
    # pvlib's azimuth 180 (south) is PVGIS aspect 0; one calendar year of PV output with irradiance components
    assert params["aspect"] == 0 and params["angle"] == 30.0 and params["peakpower"] == 10
    assert params["startyear"] == params["endyear"] == 2016
    assert params["pvcalculation"] == 1 and params["components"] == 1 and params["outputformat"] == "json"
