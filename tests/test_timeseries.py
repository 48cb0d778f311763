"""The shared hourly UTC helpers: windows, gap filling and its limit, local time to UTC, and their single home."""

import numpy as np
import pandas as pd
import pytest

from greenllm.data import timeseries
from greenllm.data.sources import eia930, electricitymaps, entsoe_offline, prices
from greenllm.errors import DataSourceError, InputError


def hourly(values, start="2024-03-24"):
    index = pd.date_range(start, periods=len(values), freq="h", tz="UTC", name="time_utc")
    return pd.Series(values, index=index, dtype=float)


def test_hours_utc_is_half_open_and_takes_naive_times_as_utc():
    hours = timeseries.hours_utc("2024-03-24 22:00", "2024-03-25 02:00")
    assert [h.hour for h in hours] == [22, 23, 0, 1]
    assert str(hours.tz) == "UTC" and hours.name == "time_utc"


def test_hours_utc_converts_aware_times_and_rejects_bad_windows():
    hours = timeseries.hours_utc(pd.Timestamp("2024-03-24 01:00", tz="Europe/Berlin"),
                                 pd.Timestamp("2024-03-24 03:00", tz="Europe/Berlin"))
    assert hours[0] == pd.Timestamp("2024-03-24 00:00", tz="UTC") and len(hours) == 2
    with pytest.raises(InputError, match="empty time window"):
        timeseries.hours_utc("2024-03-24 03:00", "2024-03-24 03:00")
    with pytest.raises(InputError, match="on the hour"):
        timeseries.hours_utc("2024-03-24 03:30", "2024-03-24 05:00")


def test_a_scenario_day_is_24_utc_hours_even_on_a_dst_change():
    # 2018-03-25 is the spring-forward day in Europe: still 24 UTC hours, none missing or repeated.
    hours = timeseries.day_hours_utc("2018-03-25")
    assert len(hours) == 24 and hours.is_unique
    assert (hours[1:] - hours[:-1] == pd.Timedelta(hours=1)).all()
    assert hours[0] == pd.Timestamp("2018-03-25", tz="UTC")
    with pytest.raises(InputError, match="calendar date"):
        timeseries.day_hours_utc("2018-03-25 06:00")
    with pytest.raises(InputError, match="not a date"):
        timeseries.day_hours_utc("the 25th")


def test_gap_runs_lists_each_run_with_its_first_hour_and_length():
    missing = hourly([0, 1, 1, 0, 1, 0, 1, 1, 1]).astype(bool)
    runs = timeseries.gap_runs(missing)
    assert [(t.hour, n) for t, n in runs] == [(1, 2), (4, 1), (6, 3)]
    assert timeseries.gap_runs(hourly([0, 0]).astype(bool)) == []


def test_short_gaps_are_interpolated_linearly_and_flagged():
    values = hourly([10.0, np.nan, np.nan, 40.0, 50.0])
    filled, flag = timeseries.fill_short_gaps(values, max_gap_h=2)
    np.testing.assert_allclose(filled.to_numpy(), [10, 20, 30, 40, 50])
    assert flag.tolist() == [False, True, True, False, False]


def test_gaps_at_the_edges_take_the_nearest_value():
    filled, flag = timeseries.fill_short_gaps(hourly([np.nan, 5.0, 7.0, np.nan]))
    assert filled.tolist() == [5.0, 5.0, 7.0, 7.0] and flag.sum() == 2


def test_a_gap_longer_than_the_limit_raises_naming_the_series_and_the_gap():
    values = hourly([1.0, np.nan, np.nan, np.nan, np.nan, 2.0])
    with pytest.raises(DataSourceError, match=r"my file, column x: 4 consecutive hours missing from "
                                              r"2024-03-24 01:00 UTC.*limit of 3 h"):
        timeseries.fill_short_gaps(values, max_gap_h=3, where="my file, column x")


def test_keep_mode_fills_short_gaps_and_leaves_long_ones_missing():
    values = hourly([1.0, np.nan, 3.0, np.nan, np.nan, np.nan, np.nan, 8.0])
    filled, flag = timeseries.fill_short_gaps(values, max_gap_h=2, on_long_gap="keep")
    assert filled.iloc[1] == 2.0 and flag.iloc[1]
    assert filled.iloc[3:7].isna().all() and not flag.iloc[3:7].any()


def test_local_times_map_to_utc_with_the_repeated_fall_back_hour_in_order():
    # Europe/Berlin, 28 Oct 2018: 02:00 local happens twice (CEST, then CET).
    local = pd.Series(pd.to_datetime(["2018-10-28 01:00", "2018-10-28 02:00", "2018-10-28 02:00",
                                      "2018-10-28 03:00"]))
    utc = timeseries.local_to_utc(local, "Europe/Berlin", where="test")
    assert [t.strftime("%H:%M") for t in utc] == ["23:00", "00:00", "01:00", "02:00"]


def test_a_local_time_that_does_not_exist_is_an_error():
    local = pd.Series(pd.to_datetime(["2018-03-25 01:00", "2018-03-25 02:00", "2018-03-25 03:00"]))
    with pytest.raises(DataSourceError, match="test file: local times in Europe/Berlin cannot be mapped"):
        timeseries.local_to_utc(local, "Europe/Berlin", where="test file")


def test_window_selects_exact_hours_and_names_the_first_missing_one():
    series = hourly([1.0, 2.0, 3.0])
    hours = timeseries.hours_utc("2024-03-24 01:00", "2024-03-24 03:00")
    assert timeseries.window(series, hours, where="s").tolist() == [2.0, 3.0]
    with pytest.raises(DataSourceError, match="s: no data for 1 of the 2 hours asked for .first: 2024-03-24 03:00"):
        timeseries.window(series, timeseries.hours_utc("2024-03-24 02:00", "2024-03-24 04:00"), where="s")


def test_the_sources_use_the_one_home_of_the_helpers():
    for name in ("as_utc", "hours_utc", "gap_runs", "fill_short_gaps", "local_to_utc"):
        assert getattr(prices, name) is getattr(timeseries, name), name
    assert eia930.fill_short_gaps is timeseries.fill_short_gaps
    assert entsoe_offline.gap_runs is timeseries.gap_runs
    assert electricitymaps.check_gaps is timeseries.check_gaps
    assert not hasattr(electricitymaps, "_check_gaps") and not hasattr(electricitymaps, "_as_utc")
    assert prices.MAX_FILL_GAP_H == electricitymaps.MAX_FILL_GAP_H == timeseries.MAX_FILL_GAP_H


def test_electricitymaps_clean_reports_a_long_gap_with_the_shared_message():
    raw = pd.DataFrame({
        "time_utc": pd.date_range("2024-03-24", periods=2, freq="5h", tz="UTC"),
        "zone_id": "X", "carbon_direct_g_per_kwh": [100.0, 200.0], "carbon_lifecycle_g_per_kwh": [150.0, 250.0],
        "estimated": pd.array([False, False], dtype="boolean"),
    })
    raw.attrs["source_file"] = "zone.csv"
    with pytest.raises(DataSourceError, match="zone.csv.*4 consecutive hours missing from 2024-03-24 01:00 UTC"):
        electricitymaps.clean(raw)
