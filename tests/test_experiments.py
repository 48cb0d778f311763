"""greenllm.experiments: the experiments behind every figure and table, in-process and as pipeline solve jobs."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from greenllm import experiments as ex
from greenllm.cli import main
from greenllm import year
from greenllm.errors import InputError
from greenllm.inputs import load_scenario
from greenllm.solve import solve

# Reference optima of the paper's base case (shared/reference/paper_v1/README.md, "Verification" and the core brief).
M0_TOTAL_USD = 392.0825457533
M1_ENERGY_USD = 193.9356764325
M2_CARBON_USD = 2.0896638904


@pytest.fixture(scope="module")
def paper_v1(paper_v1_dir):
    return load_scenario(paper_v1_dir)


# --- pure helpers -------------------------------------------------------------------------------------------------


def test_record_flattens_a_solve_summary_into_metric_columns():
    summary = {"status": "optimal", "solver": "highs", "scheme": "lexicographic", "objective": 3.0,
               "costs": {"energy": 1.0, "carbon": 2.0, "delay": 3.0, "total": 6.0}, "emissions_kg": 7.0,
               "water_l": 8.0, "stages": [{"objective": "energy", "optimum": 1.0},
                                          {"objective": "carbon", "optimum": 2.0}],
               "solve_seconds": 0.1, "order": ["energy", "carbon", "delay"], "tolerance": 0.001}
    row = ex.flatten(ex.solve_record(summary, name="LEX"))
    assert (row["total_usd"], row["energy_usd"], row["carbon_usd"], row["delay_usd"]) == (6.0, 1.0, 2.0, 3.0)
    assert (row["emissions_kg"], row["water_l"], row["scheme"]) == (7.0, 8.0, "LEX")
    assert row["order"] == "energy-carbon-delay" and row["tolerance"] == 0.001
    assert [s["optimum"] for s in row["stages"]] == [1.0, 2.0]


def test_record_keeps_the_weights_of_a_weighted_summary():
    row = ex.flatten({"status": "optimal", "scheme": "weighted", "costs": {}, "weights": [0.6, 0.2, 0.2]})
    assert (row["w_energy"], row["w_carbon"], row["w_delay"]) == (0.6, 0.2, 0.2)


def test_keys_are_short_and_file_name_safe():
    assert ex.weights_key([1 / 3, 1 / 3, 1 / 3]) == "0.333-0.333-0.333"
    assert ex.weights_key([0.45, 0.1, 0.45]) == "0.45-0.1-0.45"
    assert ex.order_key(("carbon", "delay", "energy")) == "carbon-delay-energy"
    assert len({ex.order_key(o) for o in ex.ALL_ORDERS}) == 6


def test_scheme_specs_fill_labels_and_reject_unknown_names():
    specs = ex.scheme_specs(["M1", "mine"], {"mine": {"scheme": "delay"}})
    assert specs["M1"]["scheme"] == "energy" and specs["mine"]["label"] == "mine"
    with pytest.raises(InputError, match="'M9' is not defined"):
        ex.scheme_specs(["M9"])


def test_carbon_bounds_spread_evenly_between_the_anchor_optima():
    anchors = pd.DataFrame({"scheme": ["M1", "M2"], "scheme_kind": ["energy", "carbon"], "carbon_usd": [9.0, 1.0]})
    bounds = [ex.carbon_bound(anchors, k, 5) for k in range(5)]
    assert bounds[1:] == pytest.approx([3.0, 5.0, 7.0, 9.0])
    assert bounds[0] == pytest.approx(1.0, rel=1e-5) and bounds[0] > 1.0  # slack against round-off
    with pytest.raises(InputError, match="out of range"):
        ex.carbon_bound(anchors, 5, 5)


def test_weighted_quantile_counts_each_value_by_its_weight():
    values, weights = np.array([3.0, 1.0, 2.0]), np.array([98.0, 1.0, 1.0])
    assert ex.weighted_quantile(values, weights, 0.01) == 1.0
    assert ex.weighted_quantile(values, weights, 0.02) == 2.0
    assert ex.weighted_quantile(values, weights, 0.5) == 3.0


def test_latency_summary_is_weighted_by_queries():
    latency = pd.DataFrame({"scheme": ["A", "A", "A", "B"], "latency_s": [1.0, 2.0, 3.0, 0.5],
                            "queries": [1.0, 1.0, 98.0, 10.0]})
    summary = ex.latency_summary(latency, claim_s=2.0).set_index("scheme")
    assert summary.loc["A", "mean_s"] == pytest.approx((1 + 2 + 3 * 98) / 100)
    assert summary.loc["A", "share_within_2s_pct"] == pytest.approx(2.0)
    assert summary.loc["A", "max_s"] == 3.0 and summary.loc["B", "share_within_2s_pct"] == 100.0


def test_tolerance_tradeoff_is_relative_to_the_tightest_tolerance():
    points = pd.DataFrame({"tolerance": [0.02, 0.0], "total_usd": [10.0, 11.0], "energy_usd": [102.0, 100.0],
                           "carbon_usd": [5.0, 10.0], "delay_usd": [1.0, 1.0], "emissions_kg": [40.0, 50.0],
                           "water_l": [110.0, 100.0],
                           "stages": [[{"objective": "energy", "optimum": 100.0}]] * 2})
    out = ex.tolerance_tradeoff(points)
    assert out["tolerance_pct"].tolist() == [0.0, 2.0]
    assert out["energy_increase_pct"].tolist() == pytest.approx([0.0, 2.0])
    assert out["carbon_cost_reduction_pct"].tolist() == pytest.approx([0.0, 50.0])
    assert out["emissions_reduction_pct"].tolist() == pytest.approx([0.0, 20.0])
    assert out["water_reduction_pct"].tolist() == pytest.approx([0.0, -10.0])


# --- experiments on the paper's base case -------------------------------------------------------------------------


def test_sweep_at_factor_one_reproduces_the_paper_base_case(paper_v1):
    points = ex.sweep(paper_v1, "renewable", [1.0], ["M0", "M1", "M2"])
    assert points["scheme"].tolist() == ["M0", "M1", "M2"]
    assert set(points["field"]) == {"renewable"} and set(points["factor"]) == {1.0}
    by = points.set_index("scheme")
    assert by.loc["M0", "total_usd"] == pytest.approx(M0_TOTAL_USD, rel=1e-6)
    assert by.loc["M1", "energy_usd"] == pytest.approx(M1_ENERGY_USD, rel=1e-6)
    assert by.loc["M2", "carbon_usd"] == pytest.approx(M2_CARBON_USD, rel=1e-6)


def test_sweep_scales_the_named_input(paper_v1):
    point = ex.sweep(paper_v1, "price", [0.5], ["M1"]).iloc[0]
    direct = solve(paper_v1.scaled("price", 0.5), "energy", solver="highs")
    assert point["energy_usd"] == pytest.approx(direct.costs["energy"], rel=1e-9)
    assert point["energy_usd"] < M1_ENERGY_USD * 0.6  # half the price cannot cost more than half (plus rounding)
    assert point["scale_price"] == 0.5


def test_equal_weights_give_the_lowest_total_at_every_factor(paper_v1):
    """M0 minimises (E + C + D) / 3, so no other scheme can have a lower total at the same input."""
    points = ex.sweep(paper_v1, "carbon", [0.4, 1.6], ["M0", "M1", "M2"])
    for _, group in points.groupby("factor"):
        by = group.set_index("scheme")["total_usd"]
        assert by["M0"] <= by["M1"] + 1e-6 and by["M0"] <= by["M2"] + 1e-6


def test_pareto_front_runs_from_the_carbon_minimum_to_the_energy_minimum(paper_v1):
    front = ex.pareto_front(paper_v1, 4).sort_values("index")
    assert front["carbon_usd"].iloc[0] == pytest.approx(M2_CARBON_USD, rel=1e-5)
    assert front["energy_usd"].iloc[-1] == pytest.approx(M1_ENERGY_USD, rel=1e-6)
    assert np.all(np.diff(front["energy_usd"]) <= 1e-7)  # more carbon allowed -> never more energy cost
    assert np.all(front["carbon_usd"] <= front["carbon_bound_usd"] + 1e-6)


def test_a_water_budget_below_the_minimum_gives_an_infeasible_record(paper_v1):
    points = ex.water_budget_sweep(paper_v1, [0.5, 1.0], ["M0"]).set_index("factor")
    assert points.loc[0.5, "status"] == "infeasible"
    assert "water" in points.loc[0.5, "message"] and np.isnan(points.loc[0.5, "total_usd"])
    assert points.loc[1.0, "total_usd"] == pytest.approx(M0_TOTAL_USD, rel=1e-6)


def test_lexicographic_table_has_every_stage_optimum(paper_v1):
    table = ex.lexicographic_table(paper_v1, [("energy", "carbon", "delay")]).iloc[0]
    assert table["stage1_objective"] == "energy" and table["stage3_objective"] == "delay"
    assert table["stage1_optimum_usd"] == pytest.approx(M1_ENERGY_USD, rel=1e-6)
    assert table["energy_usd"] <= table["stage1_optimum_usd"] * 1.001 + 1e-6  # within the 0.1 % tolerance


def test_hourly_profiles_add_up_to_the_daily_costs(paper_v1):
    profiles = ex.hourly_profiles(paper_v1, "renewable", [0.0], ["M2"])
    daily = ex.sweep(paper_v1, "renewable", [0.0], ["M2"]).iloc[0]
    assert len(profiles) == 24
    assert profiles["total_usd"].sum() == pytest.approx(daily["total_usd"], rel=1e-9)
    assert profiles["emissions_kg"].sum() == pytest.approx(daily["emissions_kg"], rel=1e-9)


def test_allocation_serves_every_query_of_the_day(paper_v1_dir, paper_v1):
    records, served = ex.allocation_by_dc(paper_v1, ["M1"])
    demand = pd.read_csv(paper_v1_dir / "demand.csv")
    per_hour = demand.groupby("hour")["queries"].sum()
    got = served.groupby("hour")["queries"].sum()
    assert np.allclose(got.to_numpy(), per_hour.to_numpy(), rtol=1e-7)
    assert len(served) == 24 * paper_v1.n_dcs and records["status"].tolist() == ["optimal"]


def test_input_frames_match_the_scenario_files(paper_v1_dir, paper_v1):
    raw = pd.read_csv(paper_v1_dir / "dc_hour.csv").sort_values(["dc", "hour"], ignore_index=True)
    frame = ex.dc_hour_inputs(paper_v1)
    for column in ("price_usd_per_kwh", "carbon_kg_per_kwh", "renewable_kw"):
        assert np.array_equal(frame[column].to_numpy(), raw[column].to_numpy())
    demand = ex.demand_inputs(paper_v1)
    assert demand["queries"].sum() == pd.read_csv(paper_v1_dir / "demand.csv")["queries"].sum()


# --- the pipeline's solve jobs ------------------------------------------------------------------------------------


def run_points(scenario, points, out, *extra):
    args = ["experiment", "run", "--points", json.dumps(points), "--out", str(out), *map(str, extra)]
    return main(args if scenario is None else [*args[:2], "--scenario", str(scenario), *args[2:]])


def test_solve_job_writes_records_and_per_hour_table(paper_v1_dir, tmp_path):
    out, tables = tmp_path / "point.json", tmp_path / "tables"
    point = {"kind": "solve", "schemes": {"A": {"scheme": "carbon"}}, "scale": {"renewable": 0.5},
             "labels": {"factor": 0.5}, "tables": ["hourly"]}
    assert run_points(paper_v1_dir, [point], out, "--tables", tables) == 0
    (record,) = json.loads(out.read_text())["records"]
    assert (record["name"], record["scheme"], record["scale"], record["labels"]) == (
        "A", "carbon", {"renewable": 0.5}, {"factor": 0.5})
    row = ex.read_records([out]).iloc[0]
    assert (row["scheme"], row["scheme_kind"], row["factor"], row["scale_renewable"]) == ("A", "carbon", 0.5, 0.5)
    table = pd.read_csv(tables / "hourly.csv")
    assert len(table) == 24 and set(table["scheme"]) == {"A"}
    assert table["carbon_usd"].sum() == pytest.approx(row["carbon_usd"], rel=1e-9)


def test_solve_job_reports_bad_input_as_one_line(paper_v1_dir, tmp_path, capsys):
    code = main(["experiment", "run", "--scenario", str(paper_v1_dir), "--points", "{not json",
                 "--out", str(tmp_path / "x.json")])
    assert code == 2
    assert capsys.readouterr().err.startswith("error: --points: not valid JSON")


def test_read_records_flattens_records_in_file_order_and_filters_schemes(paper_v1, tmp_path):
    summary = solve(paper_v1, "weighted", weights=(0.2, 0.6, 0.2), solver="highs").to_dict()
    ex.write_records(tmp_path / "a.json", [ex.solve_record(summary, name="w")])
    model = {"formulation": "paper", "grid_within_load": False, "per_query_slo": "mlperf"}
    ex.write_records(tmp_path / "b.json", [ex.infeasible_record("no water", scheme="energy", name="M9", model=model),
                                           ex.row_record({"scheme": "X", "total_usd": 1.5}, scheme="energy",
                                                         model=model)])
    frame = ex.read_records([tmp_path / "a.json", tmp_path / "b.json"])
    assert frame["scheme"].tolist() == ["w", "M9", "X"]
    assert frame["total_usd"].iloc[0] == pytest.approx(summary["costs"]["total"])
    assert frame["w_carbon"].iloc[0] == 0.6
    assert frame["status"].iloc[1] == "infeasible" and np.isnan(frame["total_usd"].iloc[1])
    assert frame["total_usd"].iloc[2] == 1.5
    assert ex.read_records([tmp_path / "b.json"], schemes=["X"])["scheme"].tolist() == ["X"]


def test_pareto_point_job_uses_the_anchor_records(paper_v1_dir, tmp_path):
    anchors = tmp_path / "anchors.json"
    point = {"kind": "solve", "schemes": {"M1": {"scheme": "energy"}, "M2": {"scheme": "carbon"}}}
    assert run_points(paper_v1_dir, [point], anchors) == 0
    out = tmp_path / "p.json"
    pareto = {"kind": "pareto", "index": 1, "points": 3, "anchors": [str(anchors)]}
    assert run_points(paper_v1_dir, [pareto], out) == 0
    row = ex.read_records([out]).iloc[0]
    carbon = [r["costs"]["carbon"] for r in json.loads(anchors.read_text())["records"]]
    assert row["carbon_bound_usd"] == pytest.approx((carbon[0] + carbon[1]) / 2)
    assert row["carbon_usd"] <= row["carbon_bound_usd"] + 1e-6


# --- beyond the paper: formulations, hardware mixes, a year of operation, scale ---------------------------------------


def test_solve_arguments_map_a_scheme_spec_to_solve_keywords():
    kind, kwargs = ex.solve_arguments({"scheme": "weighted", "weights": [1, 2, 3]}, tolerance=0.01)
    assert kind == "weighted" and kwargs == {"weights": (1.0, 2.0, 3.0), "tolerance": 0.01}
    kind, kwargs = ex.solve_arguments({"scheme": "lexicographic", "order": ["carbon", "energy", "delay"],
                                       "tolerance": 0.05})
    assert kwargs == {"order": ("carbon", "energy", "delay"), "tolerance": 0.05}


def test_formulation_comparison_keeps_the_paper_optimum_and_costs_both_under_the_same_physics(paper_v1):
    records, latency = ex.formulation_comparison(paper_v1, ["M0"])
    assert records["formulation"].tolist() == ["paper", "per_query"]
    paper, per_query = records.iloc[0], records.iloc[1]
    assert paper["native_total_usd"] == pytest.approx(M0_TOTAL_USD, rel=1e-6)  # the paper's own optimum
    # Costed under the per-query physics, the per-query optimum cannot lose to the paper's allocation when the
    # latter is feasible there (every query within its SLO, nothing over capacity).
    assert paper["slo_violating_queries"] == 0 and paper["capacity_excess_accelerators"] == 0
    assert per_query["total_usd"] <= paper["total_usd"] * (1 + 1e-6)
    for formulation, part in latency.groupby("formulation"):
        assert part["queries"].sum() == pytest.approx(paper_v1.queries.sum(), rel=1e-9), formulation
    assert set(latency["scheme"]) == {"M0"} and (latency["latency_s"] > 0).all()


def test_a_hardware_mix_is_assigned_to_the_data_centres_in_turn():
    assert ex.mix_per_dc(["A", "B"], 5) == ["A", "B", "A", "B", "A"]
    assert ex.mix_per_dc("A", 2) == ["A", "A"]
    with pytest.raises(InputError, match="at least one accelerator"):
        ex.mix_per_dc([], 3)


def test_hardware_mixes_give_one_record_per_mix_and_scheme(paper_v1):
    from greenllm.hardware import load_catalogue

    records = ex.hardware_mixes(paper_v1, {"a100": ["A100"], "both": ["A100", "H100-SXM-80GB"]}, ["M0"],
                                labels={"both": "A100 / H100"})
    assert records[["mix", "scheme"]].values.tolist() == [["a100", "M0"], ["both", "M0"]]
    assert records["accelerators"].tolist() == ["9 x A100", "5 x A100, 4 x H100-SXM-80GB"]
    assert records["mix_label"].tolist() == ["a100", "A100 / H100"]
    # The H100 profile serves the default model far faster than the batch-1 A100 one (config/hardware.yaml), so a
    # fleet with H100s needs fewer busy accelerator-hours for the same demand.
    catalogue = load_catalogue()
    a100 = catalogue.profile("A100", "llama-7b-8b").decode_tokens_per_s
    h100 = catalogue.profile("H100-SXM-80GB", "llama-7b-8b").decode_tokens_per_s
    assert h100 > a100
    assert records["accelerator_hours"].iloc[1] < records["accelerator_hours"].iloc[0]


@pytest.fixture(scope="module")
def three_days(tmp_path_factory):
    """A random 72-hour scenario folder starting on 30 January: days 0, 1 in January, day 2 in February."""
    from greenllm.inputs import write_scenario
    from greenllm.synthetic import random_tables

    tables, scalars = random_tables(n_areas=3, n_dcs=3, n_types=2, n_hours=72, seed=5)
    scalars["start_date"] = "2018-01-30"
    return write_scenario(tmp_path_factory.mktemp("year") / "three_days", tables, scalars)


def test_year_days_and_months_follow_the_start_date(three_days):
    assert ex.year_days(three_days) == [0, 1, 2]
    assert ex.year_days(three_days, month=1) == [0, 1] and ex.year_days(three_days, month=2) == [2]
    assert ex.year_months(three_days) == [1, 2]


def test_year_windows_and_summary(three_days):
    rows = ex.year_windows(three_days, "M0", month=1, modes=("perfect", "price_persistence"))
    assert [(r["day"], r["mode"]) for r in rows] == [(0, "perfect"), (0, "price_persistence"), (1, "perfect"),
                                                     (1, "price_persistence")]
    assert all(r["scheme"] == "M0" and r["scheme_kind"] == "weighted" for r in rows)
    frame = pd.DataFrame(rows)
    summary = ex.year_summary(frame).set_index("mode")
    assert summary.index.tolist() == ["perfect", "price_persistence"]
    perfect = sum(r["total_usd"] for r in rows if r["mode"] == "perfect")
    forecast = sum(r["total_usd"] for r in rows if r["mode"] == "price_persistence")
    assert summary.loc["perfect", "total_usd"] == pytest.approx(perfect)
    assert summary.loc["price_persistence", "extra_usd"] == pytest.approx(forecast - perfect)
    # day 0 has no previous day: the price forecast decides on the day itself, as perfect foresight does
    assert rows[1]["forecast_available"] is False and rows[1]["total_usd"] == pytest.approx(rows[0]["total_usd"])
    assert len(ex.year_windows(three_days, "M0", days=[1])) == len(year.MODES)  # every mode by default


def test_year_summary_counts_days_over_each_limit_and_leaves_infeasible_days_out():
    frame = pd.DataFrame({
        "day": [0, 0, 1, 1, 2, 2], "mode": ["perfect", "forecast"] * 3,
        "status": ["optimal", "optimal", "optimal", "optimal", "infeasible", "optimal"],
        "total_usd": [10.0, 12.0, 20.0, 21.0, np.nan, 99.0], "energy_usd": 1.0, "carbon_usd": 1.0,
        "delay_usd": 1.0, "emissions_kg": 1.0, "water_l": 1.0,
        "resource_excess": [0.0, 5.0, 0.0, 1e-9, np.nan, 7.0], "water_excess_l": [0.0, 0.0, 0.0, 2.0, np.nan, 0.0]})
    summary = ex.year_summary(frame).set_index("mode")
    assert summary.loc["perfect", "infeasible_days"] == 1 and summary.loc["forecast", "days_compared"] == 2
    assert summary.loc["forecast", "total_usd"] == 33.0  # day 2 is not solved in both modes
    assert summary.loc["forecast", "extra_usd"] == 3.0 and summary.loc["forecast", "extra_pct"] == 10.0
    assert summary.loc["forecast", "days_over_capacity"] == 1  # 1e-9 is round-off
    assert summary.loc["forecast", "days_over_water_budget"] == 1


def test_year_windows_job_writes_one_row_per_day_and_mode(three_days, tmp_path):
    out = tmp_path / "02.json"
    point = {"kind": "year", "schemes": {"M1": {"scheme": "energy"}}, "mode": "persistence", "month": 2,
             "formulation": "paper"}
    assert run_points(three_days, [point], out) == 0
    rows = [r["values"] for r in json.loads(out.read_text())["records"]]
    assert [(r["day"], r["mode"], r["scheme"], r["date"]) for r in rows] == [(2, "persistence", "M1", "2018-02-01")]
    assert ex.read_year_rows([out])["total_usd"].iloc[0] == rows[0]["total_usd"]


def test_growth_exponent_and_scaling_exponents():
    variables = np.array([100.0, 1000.0, 10000.0])
    frame = pd.DataFrame({"formulation": "f", "n": [1, 2, 3], "variables": variables, "solve_s": 2e-3 * variables,
                          "build_s": 1e-6 * variables ** 1.5, "peak_mb": np.full(3, 150.0)})
    (row,) = ex.scaling_exponents(frame).to_dict("records")
    assert row["solve_s_exponent"] == pytest.approx(1.0) and row["build_s_exponent"] == pytest.approx(1.5)
    assert row["peak_mb_exponent"] == pytest.approx(0.0, abs=1e-12)
    assert row["largest_n"] == 3 and row["largest_build_share"] == pytest.approx(1e-6 * 1e6 / 20.0)


@pytest.mark.slow
def test_scaling_job_measures_every_point(tmp_path):
    out = tmp_path / "scaling.json"
    points = [{"kind": "scaling", "formulation": f, "n": n, "scheme": "weighted"}
              for f, n in (("paper", 4), ("per_query", 4), ("per_query", 6))]
    assert run_points(None, points, out) == 0
    frame = ex.read_records([out])
    assert frame[["formulation", "n"]].values.tolist() == [["paper", 4], ["per_query", 4], ["per_query", 6]]
    paper = frame.iloc[0]
    assert paper["routes"] == 4 * 4 * 5 * 24 and paper["kept"] == paper["routes"]  # the paper prunes nothing
    assert (frame["kept"] <= frame["routes"]).all() and (frame["solve_s"] > 0).all() and (frame["peak_mb"] > 0).all()


def test_bad_job_arguments_are_one_line_errors(paper_v1_dir, tmp_path, capsys):
    assert main(["experiment", "run", "--scenario", str(paper_v1_dir), "--points", "[{}]",
                 "--out", str(tmp_path / "x.json")]) == 2
    assert capsys.readouterr().err.startswith("error: --points: expected a JSON list of point rows")
    assert run_points(None, [{"kind": "solve", "schemes": {}}], tmp_path / "y.json") == 2
    assert "--scenario: the points need a scenario folder" in capsys.readouterr().err


# --- experiments as data: the point table ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def config():
    import yaml

    from tests.test_pipeline import CONFIG

    return yaml.safe_load(CONFIG.read_text())


def test_a_sweep_is_one_row_per_factor_with_the_configured_schemes(config):
    rows = ex.point_table(config, "sweep-renewable", "paper_v1")
    assert [r["scale"] for r in rows] == [{"renewable": f} for f in config["sweeps"]["factors"]]
    assert all(list(r["schemes"]) == config["sweeps"]["schemes"] for r in rows)
    assert rows[0]["schemes"]["M0"] == {"label": "M0 Green-LLM (equal weights)", **config["schemes"]["M0"]}


def test_deferrable_serving_is_one_row_per_month_and_one_per_day_of_the_joint_check(config):
    import yaml

    from tests.test_pipeline import REPO

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())  # the test config does not run it
    section = config["serving_deferrable"]
    rows = ex.point_table(config, "deferrable", "world_2024_year", months=[1, 2, 3])
    months = [r for r in rows if r["kind"] == "deferrable"]
    assert [r["month"] for r in months] == [1, 2, 3]
    assert all(r["shares"] == section["shares"] and r["serving"]["queries_per_day"] == config["serving"][
        "queries_per_day"] for r in months)
    gaps = [r for r in rows if r["kind"] == "deferrable_gap"]
    assert [r["day"] for r in gaps] == section["gap_days"] and all(0 not in r["shares"] for r in gaps)


def test_the_year_has_one_row_per_mode_and_month_and_the_scheme_set_follows_the_scenario(config):
    rows = ex.point_table(config, "year", "europe_2018_year", months=[1, 2])
    modes = config["year"]["modes"]
    assert [(r["mode"], r["month"]) for r in rows] == [(mode, month) for month in (1, 2) for mode in modes]
    # a batch of as many points as modes is one month: the modes that re-dispatch spread evenly over the jobs
    assert [{r["mode"] for r in batch} for batch in ex.batches(rows, len(modes))] == [set(modes)] * 2
    assert [list(r["schemes"]) for r in ex.point_table(config, "schemes", "paper_v1")] == [
        [n] for n in config["base_case"]]
    assert [list(r["schemes"]) for r in ex.point_table(config, "schemes", "europe_2018")] == [
        [n] for n in config["real_data"]["schemes"]]
    with pytest.raises(InputError, match="unknown point set"):
        ex.point_table(config, "nothing", "paper_v1")


def test_batches_keep_the_order_and_one_point_per_job_fans_out():
    points = [{"kind": "solve", "n": k} for k in range(7)]
    assert [len(b) for b in ex.batches(points, 3)] == [3, 3, 1]
    assert [p for b in ex.batches(points, 3) for p in b] == points
    assert len(ex.batches(points, 1)) == 7 and ex.batches([], 8) == []


def test_model_options_become_the_flags_of_every_solve_job(config):
    assert ex.model_options({**config, "solver": "gurobi", "tolerance": 0.01}) == [
        "--solver", "gurobi", "--tolerance", "0.01"]
    assert ex.model_options(config, "world_2024")[-1] == "--grid-within-load"
    assert ex.model_options(config, "paper_v1")[-1] == "--no-grid-within-load"
    scenarios = {"s": {"model": {"grid_within_load": True, "per_query_slo": "delay_max_s"}}, "t": {}}
    assert ex.model_options({**config, "scenarios": scenarios}, "s")[4:] == [
        "--grid-within-load", "--slo", "delay_max_s"]
    assert ex.model_options({**config, "scenarios": scenarios}, "t") == ex.model_options(config)


def test_the_real_data_scenarios_say_in_the_config_what_their_folders_ask_for(config):
    from greenllm.options import provenance_options

    for name in ("europe_2018", "europe_2018_year", "us_2024", "world_2024"):
        assert config["scenarios"][name]["model"] == {"grid_within_load": True}
    for name in ("europe_2018", "us_2024", "world_2024"):
        folder = Path(__file__).resolve().parents[1] / "data" / "processed" / name
        assert provenance_options(folder) == {"grid_within_load": True}


def test_the_configured_schemes_are_the_paper_schemes(config):
    assert dict(ex.PAPER_SCHEMES) == config["schemes"]
