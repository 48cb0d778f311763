"""On-site WUE (Li et al. cooling-tower fit) and wet-bulb temperature (Stull 2011), on real weather."""

import json

import numpy as np
import pandas as pd
import pytest

from greenllm.data.sources.openmeteo import read_archive_json
from greenllm.data.water import (celsius_to_fahrenheit, onsite_wue_l_per_kwh, stull_wet_bulb_c, wet_bulb_from_weather,
                                 wue_from_weather)
from greenllm.errors import DataSourceError


def _li_wue(wet_bulb_f, cycles=6):
    """Li et al. (arXiv 2304.03271) as published in their code, written out term by term, Tw in deg F."""
    evaporation = 6e-5 * wet_bulb_f ** 3 - 0.01 * wet_bulb_f ** 2 + 0.61 * wet_bulb_f - 10.4
    return max(cycles / (cycles - 1) * evaporation, 0.05)


def test_stull_reproduces_the_papers_worked_example():
    # Stull (2011), abstract: T = 20 deg C and RH = 50 % give Tw = 13.7 deg C
    assert stull_wet_bulb_c(20.0, 50.0) == pytest.approx(13.7, abs=0.05)


def test_stull_agrees_with_open_meteo_wet_bulb_on_real_rows(real_fixtures):
    path = next((real_fixtures / "weather_api").glob("open_meteo_archive_adelaide_*.json"))
    hourly = json.loads(path.read_text(encoding="utf-8"))["hourly"]
    estimate = stull_wet_bulb_c(np.array(hourly["temperature_2m"]), np.array(hourly["relative_humidity_2m"]))
    difference = estimate - np.array(hourly["wet_bulb_temperature_2m"])
    # Stull's stated accuracy is -1 .. +0.65 deg C; these 72 hot, dry hours agree far better
    assert np.abs(difference).max() < 0.5
    # where humid, wet bulb approaches dry bulb; never above it
    assert (estimate <= np.array(hourly["temperature_2m"]) + 1e-9).all()


@pytest.mark.parametrize("wet_bulb_f", [30.0, 50.0, 60.0, 70.0, 80.0])
def test_wue_follows_the_li_et_al_fit_in_fahrenheit(wet_bulb_f):
    wet_bulb_c = (wet_bulb_f - 32) * 5 / 9
    assert onsite_wue_l_per_kwh(np.array([wet_bulb_c]))[0] == pytest.approx(_li_wue(wet_bulb_f), rel=1e-12)


def test_wue_has_a_floor_rises_with_wet_bulb_and_scales_with_cycles():
    wet_bulb = np.linspace(-30, 35, 300)
    wue = onsite_wue_l_per_kwh(wet_bulb)
    assert wue.min() == pytest.approx(0.05) and (wue[wet_bulb < -10] == 0.05).all()
    assert (np.diff(wue) >= 0).all() and wue[-1] > 5
    # more cycles of concentration -> less blowdown: N/(N-1) falls from 6/5 to 10/9
    hot = np.array([25.0])
    ratio = onsite_wue_l_per_kwh(hot, cycles_of_concentration=10)[0] / onsite_wue_l_per_kwh(hot)[0]
    assert ratio == pytest.approx((10 / 9) / (6 / 5))
    assert celsius_to_fahrenheit(100.0) == pytest.approx(212.0)


def test_waterless_cooling_uses_no_onsite_water():
    series = pd.Series([5.0, 25.0, np.nan], index=pd.date_range("2024-07-01", periods=3, freq="h", tz="UTC"))
    for cooling in ("dry", "seawater"):
        wue = onsite_wue_l_per_kwh(series, cooling)
        assert wue.name == "wue_l_per_kwh" and wue.index.equals(series.index)
        assert (wue.iloc[:2] == 0).all()
    with pytest.raises(ValueError, match="cooling"):
        onsite_wue_l_per_kwh(series, "liquid")


def test_real_weather_wue_is_seasonal_and_hotter_humid_sites_use_more(real_fixtures):
    folder = real_fixtures / "green_dcc" / "weather"
    frankfurt = read_archive_json(folder / "DE-LU" / "2024.json")
    dallas = read_archive_json(folder / "US-TEX-ERCO" / "2024.json")
    wue_frankfurt = wue_from_weather(frankfurt)
    wue_dallas = wue_from_weather(dallas)
    # the legacy files have no wet bulb: Stull from temperature and humidity, one value per hour
    assert wue_frankfurt.notna().all() and len(wue_frankfurt) == 8784
    month = wue_frankfurt.index.month
    assert wue_frankfurt[month == 7].mean() > 2 * wue_frankfurt[month == 1].mean()
    assert wue_dallas.mean() > wue_frankfurt.mean()
    assert 0.05 <= wue_frankfurt.min() and wue_dallas.max() < 10
    # the same numbers through the explicit chain
    wet_bulb = stull_wet_bulb_c(dallas["temperature_c"], dallas["relative_humidity_pct"])
    np.testing.assert_allclose(wue_dallas, [_li_wue(tw * 9 / 5 + 32) for tw in wet_bulb])


def test_given_wet_bulb_is_used_and_gaps_fall_back_to_stull(real_fixtures):
    path = next((real_fixtures / "weather_api").glob("open_meteo_archive_adelaide_*.json"))
    frame = read_archive_json(path)
    frame.loc[frame.index[:3], "wet_bulb_c"] = np.nan
    wet_bulb = wet_bulb_from_weather(frame)
    np.testing.assert_array_equal(wet_bulb.iloc[3:], frame["wet_bulb_c"].iloc[3:])
    np.testing.assert_allclose(wet_bulb.iloc[:3], stull_wet_bulb_c(frame["temperature_c"].iloc[:3],
                                                                   frame["relative_humidity_pct"].iloc[:3]))


def test_weather_without_humidity_is_a_data_source_error():
    frame = pd.DataFrame({"temperature_c": [20.0]}, index=pd.DatetimeIndex(["2024-01-01"], tz="UTC"))
    with pytest.raises(DataSourceError, match="relative_humidity_pct"):
        wue_from_weather(frame)
