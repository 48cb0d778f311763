"""greenllm.experiments: the experiments behind every figure and table, in-process and as pipeline solve jobs."""

import json

import numpy as np
import pandas as pd
import pytest

from greenllm import experiments as ex
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
    row = ex.record(summary, scheme="LEX")
    assert (row["total_usd"], row["energy_usd"], row["carbon_usd"], row["delay_usd"]) == (6.0, 1.0, 2.0, 3.0)
    assert (row["emissions_kg"], row["water_l"], row["scheme"]) == (7.0, 8.0, "LEX")
    assert row["order"] == "energy-carbon-delay" and row["tolerance"] == 0.001
    assert [s["optimum"] for s in row["stages"]] == [1.0, 2.0]


def test_record_keeps_the_weights_of_a_weighted_summary():
    row = ex.record({"status": "optimal", "costs": {}, "weights": [0.6, 0.2, 0.2]})
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


def test_solve_job_writes_records_and_per_hour_table(paper_v1_dir, tmp_path):
    out, hourly = tmp_path / "point.json", tmp_path / "hourly.csv"
    code = ex.main(["solve", str(paper_v1_dir), "--schemes", json.dumps({"A": {"scheme": "carbon"}}),
                    "--scale", "renewable=0.5", "--label", "factor=0.5", "--out", str(out), "--hourly", str(hourly)])
    assert code == 0
    (row,) = json.loads(out.read_text())["records"]
    assert (row["scheme"], row["scheme_kind"], row["factor"], row["scale_renewable"]) == ("A", "carbon", 0.5, 0.5)
    table = pd.read_csv(hourly)
    assert len(table) == 24 and set(table["scheme"]) == {"A"}
    assert table["carbon_usd"].sum() == pytest.approx(row["carbon_usd"], rel=1e-9)


def test_solve_job_reports_bad_input_as_one_line(paper_v1_dir, tmp_path, capsys):
    code = ex.main(["solve", str(paper_v1_dir), "--schemes", "{not json", "--out", str(tmp_path / "x.json")])
    assert code == 2
    assert capsys.readouterr().err.startswith("error: --schemes: not valid JSON")


def test_read_records_reads_both_result_formats(paper_v1, tmp_path):
    summary = solve(paper_v1, "weighted", weights=(0.2, 0.6, 0.2), solver="highs").to_dict()
    (tmp_path / "cli.json").write_text(json.dumps(summary))
    (tmp_path / "job.json").write_text(json.dumps({"records": [{"scheme": "M9", "total_usd": 1.5}]}))
    frame = ex.read_records({"w": tmp_path / "cli.json", "other": tmp_path / "job.json"})
    assert frame["scheme"].tolist() == ["w", "M9"]
    assert frame["total_usd"].iloc[0] == pytest.approx(summary["costs"]["total"])
    assert frame["w_carbon"].iloc[0] == 0.6


def test_pareto_point_job_uses_the_anchor_records(paper_v1_dir, tmp_path):
    anchors = []
    for name, kind in (("M1", "energy"), ("M2", "carbon")):
        path = tmp_path / f"{name}.json"
        assert ex.main(["solve", str(paper_v1_dir), "--schemes", json.dumps({name: {"scheme": kind}}),
                        "--out", str(path)]) == 0
        anchors.append(str(path))
    out = tmp_path / "p.json"
    assert ex.main(["pareto-point", str(paper_v1_dir), "--anchors", *anchors, "--index", "1", "--points", "3",
                    "--out", str(out)]) == 0
    (row,) = json.loads(out.read_text())["records"]
    carbon = [json.loads(open(a).read())["records"][0]["carbon_usd"] for a in anchors]
    assert row["carbon_bound_usd"] == pytest.approx((carbon[0] + carbon[1]) / 2)
    assert row["carbon_usd"] <= row["carbon_bound_usd"] + 1e-6
