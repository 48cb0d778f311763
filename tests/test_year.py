"""A year of operation as daily windows, on a small synthetic three-day folder (facts checked against its CSVs)."""

import dataclasses
import json
from pathlib import Path

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


def test_day_zero_has_no_signal_forecast_and_costs_the_same(frame):
    day0 = frame[frame["day"] == 0].set_index("mode")
    assert not day0.loc["price_persistence", "forecast_available"]
    assert day0.loc["price_persistence", "total_usd"] == pytest.approx(day0.loc["perfect", "total_usd"], rel=1e-9)


def test_what_ran_breaks_no_limit_and_cannot_beat_perfect_foresight(frame):
    # recourse re-dispatches every hour whose plan would break a limit, so every served day fits the actual day;
    # weighted (1/3, 1/3, 1/3) minimises the total, so no feasible allocation beats the perfect optimum
    served = frame[frame["status"] == "optimal"]
    assert len(served) > 0
    assert all(year.broken_limits(row) == [] for row in served.to_dict("records"))
    wide = served.pivot_table(index="day", columns="mode", values="total_usd").dropna()
    for mode in set(year.MODES) - {"perfect"}:
        assert (wide[mode] >= wide["perfect"] - 1e-7).all(), mode


def test_a_plan_that_breaks_capacity_is_redispatched_not_costed(folder):
    s = load_scenario(folder)
    actual = year.day_scenario(s, 1)
    tight = dataclasses.replace(actual, capacity=actual.capacity * 0.6)
    from greenllm.solve import solve

    loose_plan = solve(actual, "energy").x  # planned without the tighter capacity
    assert year.broken_limits(year.evaluate(tight, loose_plan))
    ran = year.operate(tight, tight, loose_plan, lambda part: solve(part, "energy").x)
    assert ran["infeasible_hour"] is None and ran["redispatched"]
    assert year.broken_limits(year.evaluate(tight, ran["x"])) == []


def test_a_forecast_day_without_a_plan_is_dispatched_hour_by_hour(folder):
    s = load_scenario(folder)
    actual = year.day_scenario(s, 1)
    from greenllm.solve import solve

    ran = year.operate(actual, actual, None, lambda part: solve(part, "energy").x)
    assert ran["redispatched"][0] == 0 and ran["infeasible_hour"] is None  # hour 0 re-plans the day
    assert year.broken_limits(year.evaluate(actual, ran["x"])) == []
    assert np.allclose(ran["x"].sum(axis=1), 1.0)  # every query served


def test_a_day_no_allocation_can_serve_is_infeasible_without_costs(folder):
    s = load_scenario(folder)
    starved = dataclasses.replace(s, capacity=s.capacity * 1e-6)
    row = year.solve_window(starved, 1, mode="perfect")
    assert row["status"] == "infeasible" and "total_usd" not in row


def test_demand_forecast_error_is_the_same_draw_in_every_mode_and_has_the_configured_spread(folder):
    s = load_scenario(folder)
    a, _ = year.forecast_scenario(s, 1, "persistence")
    b, _ = year.forecast_scenario(s, 1, "demand_only")
    assert np.array_equal(a.queries, b.queries) and not np.array_equal(a.queries, year.day_scenario(s, 1).queries)
    eps = year.demand_error((4000, 24), day=5)
    settings = year.forecast_settings()["demand_error"]
    assert eps.std() == pytest.approx(settings["log_sd"], rel=0.05)
    lag1 = np.corrcoef(eps[:, :-1].ravel(), eps[:, 1:].ravel())[0, 1]
    assert lag1 == pytest.approx(settings["hour_corr"], abs=0.03)


def test_blend_mixes_yesterday_and_last_week(tmp_path):
    s = load_scenario(write_random_scenario(tmp_path / "nine_days", n_areas=2, n_dcs=2, n_types=2, n_hours=216,
                                            seed=4))
    w = year.forecast_settings()["blend"]["yesterday_weight"]
    values, ok = year.signal_forecast(s, "price_usd_per_kwh", 8, "blend")
    expected = w * s.price_usd_per_kwh[:, 7 * 24:8 * 24] + (1 - w) * s.price_usd_per_kwh[:, 24:48]
    assert ok and np.allclose(values, expected)
    early, _ = year.signal_forecast(s, "price_usd_per_kwh", 3, "blend")  # no week of history: persistence
    assert np.array_equal(early, s.price_usd_per_kwh[:, 48:72])
    errors = year.forecast_errors(s)
    assert set(errors["model"]) == {"persistence", "blend", "trace_error"} and (errors["mae"] > 0).all()
    assert (errors["days"] == 9 - 7).all()  # days 7 and 8, when the blend has last week


def test_forecast_errors_of_a_short_scenario_start_on_day_one(folder):
    errors = year.forecast_errors(load_scenario(folder))  # three days: no week of history
    assert (errors["days"] == 2).all()
    blend = errors[errors["model"] == "blend"].set_index("field")["mae"]
    persistence = errors[errors["model"] == "persistence"].set_index("field")["mae"]
    assert np.allclose(blend, persistence)


def test_demand_error_parameters_are_recomputed_from_the_azure_traces(real_fixtures):
    """config/forecast.yaml holds summary numbers only; recompute them from the Azure LLM traces 2023."""
    settings = year.forecast_settings()["demand_error"]
    sds, corrs = [], []
    for name in ("code", "conv"):
        trace = pd.read_csv(real_fixtures / "azure_llm" / f"AzureLLMInferenceTrace_{name}.csv",
                            parse_dates=["TIMESTAMP"])
        counts = trace.set_index("TIMESTAMP").resample(f"{settings['bin_minutes']}min").size().iloc[1:-1]
        log_rate = np.log(counts.to_numpy(float))
        sds.append(np.diff(log_rate).std(ddof=1))
        corrs.append(pd.Series(log_rate).autocorr(1))
    assert np.mean(sds) == pytest.approx(settings["log_sd"], abs=0.005)
    assert np.mean(corrs) == pytest.approx(settings["hour_corr"], abs=0.005)


def test_value_of_information_is_each_mode_over_perfect(frame):
    table = year.value_of_information(frame).set_index("mode")
    assert list(table.index) == list(year.MODES)
    assert table.loc["perfect", "extra_usd"] == 0.0
    persistence = frame[(frame["mode"] == "persistence") & (frame["status"] == "optimal")]
    assert table.loc["persistence", "redispatched_hours"] == persistence["redispatched_hours"].sum()
    assert (table["extra_usd"] >= -1e-7).all()


def test_value_of_information_counts_the_days_without_a_day_ahead_plan(frame):
    edited = frame.copy()
    edited.loc[(edited["mode"] == "demand_only") & (edited["day"] == edited["day"].min()), "day_ahead"] = "infeasible"
    table = year.value_of_information(edited).set_index("mode")
    assert table.loc["demand_only", "day_ahead_infeasible_days"] == 1
    assert table.loc["perfect", "day_ahead_infeasible_days"] == 0
    assert table.loc["demand_only", "infeasible_days"] == 0  # recourse still served that day


def test_forecast_cost_is_forecast_minus_perfect(frame):
    per_day = year.forecast_cost(frame)
    summary = year.forecast_summary(frame)
    perfect = frame[frame["mode"] == "perfect"]["total_usd"].sum()
    forecast = frame[frame["mode"] == "persistence"]["total_usd"].sum()
    assert summary["extra_usd"] == pytest.approx(forecast - perfect, rel=1e-12)
    assert per_day["extra_usd"].sum() == pytest.approx(forecast - perfect, rel=1e-9)


def test_months_follow_the_start_date_and_sum_the_days(frame):
    month = year.monthly(frame)
    assert set(month["month"]) == {1}  # default start 2024-01-01
    perfect = month[month["mode"] == "perfect"]
    assert perfect["total_usd"].sum() == pytest.approx(frame[frame["mode"] == "perfect"]["total_usd"].sum())
    assert perfect["days"].sum() == 3


def test_window_command_writes_a_row_that_aggregates(folder, tmp_path):
    out = tmp_path / "w" / "day1_persistence.json"
    assert main(["year", "window", str(folder), "--day", "1", "--mode", "persistence", "--out", str(out)]) == 0
    (record,) = json.loads(out.read_text())["records"]
    row = record["values"]
    assert row["day"] == 1 and row["mode"] == "persistence" and row["status"] == "optimal"
    assert record["costs"]["total"] == row["total_usd"] and record["stand_ins"] == []
    days_csv = tmp_path / "days.csv"
    assert main(["year", "aggregate", str(out), "--days-csv", str(days_csv)]) == 0
    assert pd.read_csv(days_csv)["total_usd"].item() == pytest.approx(row["total_usd"])
    assert record["model"] == {"formulation": "paper", "grid_within_load": False, "per_query_slo": "mlperf"}


def test_aggregate_without_perfect_days_writes_valid_json(folder, tmp_path):
    """No perfect-foresight day to compare with: extra_pct is null, never NaN (which no JSON reader accepts)."""
    out = tmp_path / "day1_persistence.json"
    assert main(["year", "window", str(folder), "--day", "1", "--mode", "persistence", "--out", str(out)]) == 0
    summary = tmp_path / "summary.json"
    assert main(["year", "aggregate", str(out), "--days-csv", str(tmp_path / "days.csv"),
                 "--summary-json", str(summary)]) == 0

    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    data = json.loads(summary.read_text(), parse_constant=refuse)
    assert data["days"] == 0 and data["extra_pct"] is None


def test_window_command_takes_the_model_options_and_records_them(folder, tmp_path):
    import jsonschema

    schema = json.loads((Path(__file__).resolve().parents[1] / "docs" / "record.schema.json").read_text())
    out = tmp_path / "day1.json"
    assert main(["year", "window", str(folder), "--day", "1", "--formulation", "per_query", "--grid-within-load",
                 "--slo", "delay_max_s", "--out", str(out)]) == 0
    (record,) = json.loads(out.read_text())["records"]
    jsonschema.validate(record, schema)
    assert record["model"] == {"formulation": "per_query", "grid_within_load": True, "per_query_slo": "delay_max_s"}
    assert record["values"]["formulation"] == "per_query"


def test_per_query_windows_cost_with_the_per_query_physics(folder):
    row = year.solve_window(folder, 1, mode="perfect", formulation="per_query")
    assert row["status"] == "optimal" and row["formulation"] == "per_query"
    assert row["total_usd"] == pytest.approx(row["planned_total_usd"], rel=1e-6)
    assert np.isfinite(row["accelerator_hours"])


def test_warm_started_days_reach_the_cold_optimum(folder, frame):
    """The day-ahead LP has the same structure every day: day d starts from day d-1's basis and reaches the same
    optimum as a cold start (a realised total can differ only between alternative optima, which these days lack)."""
    from greenllm.solve import WarmStart, solve

    start = WarmStart()
    s = load_scenario(folder)
    for day in range(year.n_days(s)):
        d = year.day_scenario(s, day)
        cold = solve(d, "weighted", weights=(1 / 3, 1 / 3, 1 / 3), solver="highs")
        warm = solve(d, "weighted", weights=(1 / 3, 1 / 3, 1 / 3), solver="highs", warm_start=start)
        assert warm.objective == pytest.approx(cold.objective, rel=1e-9)
    assert start.used == year.n_days(s) - 1  # every day after the first started warm
    warm_frame = year.run_year(folder, modes=["perfect", "persistence"], warm_start=True)
    cold = frame[frame["mode"].isin(["perfect", "persistence"])].reset_index(drop=True)
    np.testing.assert_allclose(warm_frame["planned_total_usd"], cold["planned_total_usd"], rtol=1e-9)
