"""A year of operation as daily windows, on a small synthetic three-day folder (facts checked against its CSVs)."""

import json

import numpy as np
import pandas as pd
import pytest

from greenllm import year
from greenllm.cli import main
from greenllm.errors import InputError
from greenllm.inputs import load_scenario
from greenllm.synthetic import write_random_scenario


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_random_scenario(tmp_path_factory.mktemp("year") / "three_days", n_areas=3, n_dcs=3, n_types=2,
                                 n_hours=72, seed=3)


@pytest.fixture(scope="module")
def frame(folder):
    return year.run_year(folder)


def test_day_window_holds_that_days_demand(folder):
    day = year.day_scenario(load_scenario(folder), 1)
    demand = pd.read_csv(folder / "demand.csv")
    rows = demand[(demand["hour"] == 24 + 5) & (demand["area"] == 2) & (demand["type"] == 1)]
    assert day.n_hours == 24
    assert day.queries[2, 1, 5] == rows["queries"].item()


def test_forecast_decides_on_the_previous_days_prices(folder):
    seen, available = year.forecast_scenario(load_scenario(folder), 2)
    dc_hour = pd.read_csv(folder / "dc_hour.csv")
    yesterday = dc_hour[(dc_hour["hour"] == 24 + 7) & (dc_hour["dc"] == 1)]["price_usd_per_kwh"].item()
    today_cap = dc_hour[(dc_hour["hour"] == 48 + 7) & (dc_hour["dc"] == 1)]["grid_cap_kw"].item()
    assert available and seen.price_usd_per_kwh[1, 7] == yesterday
    assert seen.grid_cap_kw[1, 7] == today_cap  # installed limits are known, not forecast


def test_day_out_of_range_is_an_input_error(folder):
    with pytest.raises(InputError, match="3 whole days"):
        year.solve_window(folder, 3)


def test_perfect_foresight_realises_its_plan(frame):
    perfect = frame[frame["mode"] == "perfect"]
    assert (perfect["status"] == "optimal").all() and len(perfect) == 3
    assert perfect["total_usd"].to_numpy() == pytest.approx(perfect["planned_total_usd"].to_numpy(), rel=1e-7)


def test_day_zero_has_no_forecast_and_costs_the_same(frame):
    day0 = frame[frame["day"] == 0].set_index("mode")
    assert not day0.loc["forecast", "forecast_available"]
    assert day0.loc["forecast", "total_usd"] == pytest.approx(day0.loc["perfect", "total_usd"], rel=1e-9)


def test_a_forecast_that_fits_the_actual_day_cannot_beat_perfect_foresight(frame):
    # weighted (1/3, 1/3, 1/3) minimises the total; a forecast decision that breaks no limit is feasible on the
    # actual day, so its realised total is at least the perfect optimum
    wide = frame.pivot_table(index="day", columns="mode", values="total_usd")
    forecast = frame[frame["mode"] == "forecast"].set_index("day")
    excess = forecast[["grid_excess_kw", "water_excess_l", "resource_excess", "delay_cap_excess_s"]].sum(axis=1)
    fits = excess[excess <= 1e-6].index
    assert len(fits) > 0
    assert (wide.loc[fits, "forecast"] >= wide.loc[fits, "perfect"] - 1e-7).all()


def test_forecast_cost_is_forecast_minus_perfect(frame):
    per_day = year.forecast_cost(frame)
    summary = year.forecast_summary(frame)
    perfect = frame[frame["mode"] == "perfect"]["total_usd"].sum()
    forecast = frame[frame["mode"] == "forecast"]["total_usd"].sum()
    assert summary["extra_usd"] == pytest.approx(forecast - perfect, rel=1e-12)
    assert per_day["extra_usd"].sum() == pytest.approx(forecast - perfect, rel=1e-9)


def test_months_follow_the_start_date_and_sum_the_days(frame):
    month = year.monthly(frame)
    assert set(month["month"]) == {1}  # default start 2024-01-01
    perfect = month[month["mode"] == "perfect"]
    assert perfect["total_usd"].sum() == pytest.approx(frame[frame["mode"] == "perfect"]["total_usd"].sum())
    assert perfect["days"].sum() == 3


def test_window_command_writes_a_row_that_aggregates(folder, tmp_path):
    out = tmp_path / "w" / "day1_forecast.json"
    assert main(["year", "window", str(folder), "--day", "1", "--mode", "forecast", "--out", str(out)]) == 0
    (record,) = json.loads(out.read_text())["records"]
    row = record["values"]
    assert row["day"] == 1 and row["mode"] == "forecast" and row["status"] == "optimal"
    assert record["costs"]["total"] == row["total_usd"] and record["stand_ins"] == []
    days_csv = tmp_path / "days.csv"
    assert main(["year", "aggregate", str(out), "--days-csv", str(days_csv)]) == 0
    assert pd.read_csv(days_csv)["total_usd"].item() == pytest.approx(row["total_usd"])


def test_per_query_windows_cost_with_the_per_query_physics(folder):
    row = year.solve_window(folder, 1, mode="perfect", formulation="per_query")
    assert row["status"] == "optimal" and row["formulation"] == "per_query"
    assert row["total_usd"] == pytest.approx(row["planned_total_usd"], rel=1e-6)
    assert np.isfinite(row["accelerator_hours"])
