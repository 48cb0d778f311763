"""greenllm.plots: every figure returns its Figure and the numbers it draws, with units on every axis."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import seaborn as sns

from greenllm import plots, year

SCHEMES = {"M0": "M0 Green-LLM", "M1": "M1 Energy-LLM", "M2": "M2 Carbon-LLM"}


@pytest.fixture(autouse=True)
def _close_figures():
    plots.setup()
    yield
    plt.close("all")


def _records(**metrics):
    rows = []
    for n, (scheme, label) in enumerate(SCHEMES.items()):
        rows.append({"scheme": scheme, "label": label, "status": "optimal",
                     **{k: float(v[n]) for k, v in metrics.items()}})
    return pd.DataFrame(rows)


def _sweep_frame():
    rng = np.random.default_rng(1)
    rows = []
    for factor in (0.5, 1.0, 1.5):
        for scheme, label in SCHEMES.items():
            rows.append({"scheme": scheme, "label": label, "field": "renewable", "factor": factor, "status": "optimal",
                         "total_usd": 400 / factor + rng.random(), "carbon_usd": 5 / factor})
    return pd.DataFrame(rows)


CATEGORICAL = ("Scheme", "Hardware mix")


def assert_units_on_every_axis(fig):
    """Every axis that shows data has a label ending in a unit in brackets."""
    for ax in fig.axes:
        if not ax.has_data():
            continue
        for label in (ax.get_xlabel(), ax.get_ylabel()):
            if label in CATEGORICAL:  # categorical axis: the names are the ticks
                continue
            assert label.endswith("]") and "[" in label, f"axis label without a unit: {label!r}"


def test_sweep_draws_one_line_per_scheme_and_returns_its_numbers():
    frame = _sweep_frame()
    fig, data = plots.sweep(frame, ["total_usd", "carbon_usd"], "renewable")
    assert len(fig.axes[:2]) == 2
    assert len(data) == 9 and {"scheme", "factor", "total_usd", "carbon_usd"} <= set(data.columns)
    line_counts = [len(ax.get_lines()) for ax in fig.axes[:2]]
    assert all(count >= 3 for count in line_counts)
    assert "renewables" in fig.axes[0].get_xlabel()
    assert_units_on_every_axis(fig)


def test_save_writes_the_png_with_the_csv_of_its_numbers(tmp_path):
    fig, data = plots.sweep(_sweep_frame(), ["total_usd"], "renewable")
    png, csv = plots.save(fig, data, tmp_path / "sub" / "sweep_renewable.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    back = pd.read_csv(csv)
    pd.testing.assert_frame_equal(back, data.reset_index(drop=True), check_dtype=False)


def test_save_table_writes_csv_and_markdown(tmp_path):
    frame = pd.DataFrame({"scheme": ["M0", "M1"], "total_usd": [392.08254575, np.nan]})
    csv, md = plots.save_table(frame, tmp_path / "t.csv")
    assert pd.read_csv(csv)["total_usd"].iloc[0] == 392.0825458  # 10 significant digits (greenllm.outputs)
    lines = md.read_text().splitlines()
    assert lines[0] == "| scheme | total_usd |" and lines[1] == "|---|---|"
    assert lines[2] == "| M0 | 392.0825 |" and lines[3] == "| M1 |  |"


def test_scheme_colours_are_fixed_per_scheme_and_colour_blind_safe():
    palette = sns.color_palette("colorblind", 10)
    first = plots.scheme_colors(["M2", "M0"])
    second = plots.scheme_colors(["M0", "X", "M2"])
    assert first["M0"] == second["M0"] == palette[0] and first["M2"] == second["M2"]
    assert all(color in palette for color in second.values())


def test_hour_runs_and_peak_band():
    assert plots.hour_runs([20, 14, 15, 16]) == [(14, 16), (20, 20)]
    prices = pd.DataFrame({"hour": np.arange(8), "price_usd_per_kwh": [1, 1, 1, 5, 6, 1, 1, 1.0]})
    assert plots.peak_hours(prices) == [3, 4]
    assert plots.peak_hours(prices, [14, 20]) == list(range(14, 21))


def test_input_figures_mark_the_peak_and_label_units():
    hours = np.arange(24)
    dc_hour = pd.DataFrame({"dc": np.repeat([0, 1], 24), "dc_name": np.repeat(["a", "b"], 24),
                            "hour": np.tile(hours, 2), "price_usd_per_kwh": 0.1, "carbon_kg_per_kwh": 0.4,
                            "renewable_kw": 10.0})
    fig, data = plots.inputs_dc_hour(dc_hour, [14, 15])
    assert data["price_peak"].sum() == 4  # two hours x two data centres
    assert_units_on_every_axis(fig)
    demand = pd.DataFrame({"area_name": "x", "type_name": np.repeat(["chat", "code"], 24),
                           "hour": np.tile(hours, 2), "queries": 100.0})
    fig, data = plots.inputs_demand(demand)
    assert set(data["by"]) == {"area", "type"}
    assert data.loc[data["by"] == "area", "queries"].sum() == 4800.0
    assert_units_on_every_axis(fig)


def test_result_figures_have_units_and_their_data():
    records = _records(total_usd=[392, 416, 427], energy_usd=[197, 193, 207], carbon_usd=[5, 8, 2],
                       delay_usd=[189, 214, 218], emissions_kg=[336, 417, 205], water_l=[4800, 4840, 4730])
    for fig, data in (plots.scheme_costs(records), plots.water_per_scheme(records, 5820.0),
                      plots.scheme_bars(records)):
        assert len(data) == 3
        assert_units_on_every_axis(fig)
    front = pd.DataFrame({"energy_usd": [207, 200, 194], "carbon_usd": [2, 4, 8], "emissions_kg": [200, 300, 400]})
    fig, data = plots.pareto(front, records)
    assert (data["kind"] == "frontier").sum() == 3 and (data["kind"] == "scheme").sum() == 3
    assert_units_on_every_axis(fig)


def test_latency_ecdf_reaches_one_and_marks_the_claim():
    latency = pd.DataFrame({"scheme": ["M0"] * 3 + ["M1"] * 2, "latency_s": [0.01, 0.02, 0.05, 0.03, 0.04],
                            "queries": [1.0, 1.0, 2.0, 1.0, 3.0]})
    fig, data = plots.latency_ecdf(latency, SCHEMES, claim_s=2.0, n_points=50)
    for _, group in data.groupby("scheme"):
        assert group["share_of_queries"].is_monotonic_increasing
        assert group["share_of_queries"].iloc[-1] == pytest.approx(1.0)
    m0 = data[data["scheme"] == "M0"]
    # half of M0's queries (weight 2 of 4) take 0.05 s: the share just below 0.05 s is 0.5
    assert m0.loc[m0["latency_s"] < 0.05, "share_of_queries"].max() == pytest.approx(0.5)
    assert_units_on_every_axis(fig)


def test_hourly_and_water_budget_figures():
    rows = [{"scheme": s, "label": label, "field": "carbon", "factor": f, "hour": h, "total_usd": 10.0 + h}
            for f in (0.6, 1.2) for s, label in SCHEMES.items() for h in range(24)]
    fig, data = plots.hourly(pd.DataFrame(rows), "total_usd")
    assert len([ax for ax in fig.axes if ax.has_data()]) == 2 and len(data) == 144
    assert fig.axes[0].get_ylabel() == "Total cost [$/h]"
    assert_units_on_every_axis(fig)
    sweep = pd.DataFrame({"scheme": "M0", "label": "M0", "factor": [0.5, 0.8, 1.0],
                          "status": ["infeasible", "optimal", "optimal"], "total_usd": [np.nan, 420.0, 392.0],
                          "carbon_usd": [np.nan, 6.0, 5.0], "water_l": [np.nan, 4000.0, 4800.0]})
    fig, data = plots.water_budget(sweep, 5000.0)
    assert data["budget_l"].tolist() == [2500.0, 4000.0, 5000.0]
    assert_units_on_every_axis(fig)


def test_allocation_stacks_every_data_centre():
    served = pd.DataFrame({"scheme": "M0", "hour": np.repeat(np.arange(3), 2), "dc": np.tile([0, 1], 3),
                           "dc_name": np.tile(["a", "b"], 3), "queries": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    fig, data = plots.allocation(served, {"M0": "M0 Green-LLM"})
    assert data["queries"].sum() == 21.0
    assert fig.axes[0].get_title() == "M0 Green-LLM"
    assert_units_on_every_axis(fig)


# --- beyond the paper: formulations, hardware mixes, a year, scale ---------------------------------------------------


def _formulation_records(energy_usd=0.0):
    rows = []
    for scheme, label in SCHEMES.items():
        for n, formulation in enumerate(("paper", "per_query")):
            rows.append({"scheme": scheme, "label": label, "formulation": formulation, "status": "optimal",
                         "energy_usd": energy_usd, "carbon_usd": 0.0, "delay_usd": 100.0 - n,
                         "total_usd": energy_usd + 100.0 - n, "emissions_kg": 3.0 - 2 * n, "water_l": 200.0 + n})
    return pd.DataFrame(rows)


SPECS = {"M0": {"scheme": "weighted", "weights": [1 / 3, 1 / 3, 1 / 3]}, "M1": {"scheme": "energy"},
         "M2": {"scheme": "carbon"}, "LEX": {"scheme": "lexicographic", "order": ["energy", "carbon", "delay"]}}


def test_formulations_draw_each_schemes_own_objective_and_leave_out_those_at_zero():
    records = pd.concat([_formulation_records(), _formulation_records().query("scheme == 'M0'").assign(
        scheme="LEX", label="LEX")], ignore_index=True)
    fig, data = plots.formulations(records, SPECS)
    assert data["scheme"].tolist() == ["M0", "LEX"]  # M1, M2: energy and carbon cost 0 for any allocation
    m0 = data.set_index("scheme").loc["M0"]
    assert m0["paper"] == pytest.approx(100 / 3) and m0["per_query"] == pytest.approx(99 / 3)
    assert m0["excess_pct"] == pytest.approx(100 * (100 - 99) / 99)
    assert data.set_index("scheme").loc["LEX", "objective"].startswith("delay cost, stage 3")
    assert "M1, M2: objective 0" in fig.axes[0].get_title()
    assert len(fig.axes[0].patches) == 2
    assert_units_on_every_axis(fig)


def test_formulations_draw_a_single_objective_scheme_whose_objective_is_not_zero():
    fig, data = plots.formulations(_formulation_records(energy_usd=5.0), SPECS)
    m1 = data.set_index("scheme").loc["M1"]
    assert m1["objective"] == "energy cost" and m1["excess_pct"] == pytest.approx(0.0)
    assert "M2" not in set(data["scheme"])


def test_formulation_latency_ecdf_per_formulation_reaches_one_and_reports_the_slo_share():
    latency = pd.DataFrame({
        "scheme": "M0", "label": "M0 Green-LLM", "formulation": ["paper"] * 3 + ["per_query"] * 2,
        "latency_s": [0.5, 2.5, 6.0, 0.4, 2.4], "queries": [1.0, 1.0, 2.0, 3.0, 1.0], "slo_s": 3.0,
        "within_slo": [True, True, False, True, True]})
    fig, data = plots.formulation_latency(latency, claim_s=2.0, n_points=60)
    for _, group in data.groupby("formulation"):
        assert group["share_of_queries"].is_monotonic_increasing
        assert group["share_of_queries"].iloc[-1] == pytest.approx(1.0)
    paper = data[data["formulation"] == "paper"]
    assert paper["share_within_slo"].iloc[0] == pytest.approx(0.5)  # 2 of 4 queries
    assert paper.loc[paper["latency_s"] < 2.5, "share_of_queries"].max() == pytest.approx(0.25)
    assert len(fig.axes) == 2
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("50 % within SLO" in text for text in legend) and any("2 s" in text for text in legend)
    assert any("SLO" in text and "3" in text for text in legend)
    assert_units_on_every_axis(fig)


def hardware_mix_rows(a100_hours: float, h100_hours: float, emissions_kg: float) -> list[dict]:
    """Optimal rows of two mixes (all A100, all H100) for every scheme of SCHEMES."""
    return [{"mix": m, "mix_label": label, "accelerators": "9 x A100", "scheme": s, "label": slabel,
             "status": "optimal", "total_usd": 3e5 * (1 + (m == "h") * 0.1 * n), "emissions_kg": emissions_kg,
             "water_l": 200.0, "accelerator_hours": hours, "latency_mean_s": 4.0}
            for m, label, hours in (("a", "all A100", a100_hours), ("h", "all H100", h100_hours))
            for n, (s, slabel) in enumerate(SCHEMES.items())]


def test_hardware_mix_figure_is_relative_to_the_first_mix():
    rows = hardware_mix_rows(1100.0, 2.4, emissions_kg=1.0)
    rows.append({"mix": "x", "mix_label": "broken", "scheme": "M0", "label": "M0", "status": "infeasible"})
    fig, data = plots.hardware_mix(pd.DataFrame(rows))
    assert "broken" not in set(data["mix_label"])  # infeasible rows have nothing to draw
    hours = data[(data["metric"] == "accelerator_hours") & (data["mix"] == "h")]
    assert hours["change_pct"].to_numpy() == pytest.approx(100 * (2.4 / 1100 - 1))
    cost = data[(data["metric"] == "total_usd") & (data["mix"] == "h")].set_index("scheme")["change_pct"]
    assert cost.tolist() == pytest.approx([0.0, 10.0, 20.0])
    assert_units_on_every_axis(fig)


def test_hardware_mix_figure_merges_identical_schemes_and_leaves_out_zero_metrics():
    fig, data = plots.hardware_mix(pd.DataFrame(hardware_mix_rows(39.6, 27.6, emissions_kg=0.0)))
    assert "emissions_kg" not in set(data["metric"]) and "0 for every mix" in fig._suptitle.get_text()
    hours = next(ax for ax in fig.axes if "Accelerator" in ax.get_ylabel())
    assert len(hours.containers) == 1  # every scheme needs the same accelerator-hours: one bar, not three
    assert [t.get_text() for t in hours.get_legend().get_texts()] == ["M0 = M1 = M2"]  # a legend per panel


def test_hardware_mix_merges_equal_changes_at_each_mix_even_when_they_differ_at_another():
    rows = hardware_mix_rows(40.0, 30.0, emissions_kg=1.0)
    rows += [{**r, "mix": "m", "mix_label": "mixed", "accelerator_hours": 35.0 - (r["scheme"] == "M0")}
             for r in rows if r["mix"] == "h"]
    fig, data = plots.hardware_mix(pd.DataFrame(rows))
    hours = next(ax for ax in fig.axes if "Accelerator" in ax.get_ylabel())
    # all H100: all three change by -25 % (one bar); mixed: M0 differs from M1 = M2 (two bars)
    assert len(hours.patches) == 3
    assert {t.get_text() for t in hours.get_legend().get_texts()} == {"M0 = M1 = M2", "M0", "M1 = M2"}


def _year_frame():
    rows = []
    for mode in ("persistence", "perfect"):
        for day in range(3):
            rows.append({"day": day, "month": day + 1, "mode": mode, "status": "optimal",
                         "redispatched_hours": 2 if mode == "persistence" else 0, "total_usd": 100.0 + day,
                         "energy_usd": 1.0, "carbon_usd": 1.0, "delay_usd": 1.0, "emissions_kg": 5.0,
                         "water_l": 7.0})
    return pd.DataFrame(rows)


def test_year_monthly_has_one_line_per_mode_per_day_units_and_redispatch():
    fig, data = plots.year_monthly(year.monthly(_year_frame()), year=2018)
    assert data["mode"].tolist()[:3] == ["perfect"] * 3  # perfect foresight first
    assert "[$/day, monthly mean]" in fig.axes[0].get_ylabel()
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["Jan", "Feb", "Mar"]
    assert data[data["mode"] == "persistence"]["redispatched_hours"].tolist() == [2, 2, 2]
    assert all(ax.get_ylim()[0] == 0 for ax in fig.axes)
    assert_units_on_every_axis(fig)


def test_year_forecast_cost_draws_each_mode_over_perfect():
    fig, data = plots.year_forecast_cost(year.value_of_information(_year_frame()))
    assert data["mode"].tolist() == ["persistence"] and data["redispatched_hours"].item() == 6
    assert data["extra_pct"].item() == 0.0
    assert len(fig.axes) == 4


def test_scaling_plot_is_log_log_with_the_exponent_in_the_legend():
    variables = np.array([1e3, 1e4, 1e5])
    frame = pd.DataFrame({"formulation": "paper", "n": [10, 25, 50], "routes": 0, "kept": 0,
                          "variables": variables, "constraints": 0, "nonzeros": 0, "build_s": 0.01 * variables / 1e3,
                          "solve_s": 0.1 * (variables / 1e3) ** 1.5, "peak_mb": 100.0 + variables / 1e3})
    fig, data = plots.scaling(frame)
    assert len(data) == 3
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert any("1.50" in t.get_text() for t in ax.get_legend().get_texts())
    assert_units_on_every_axis(fig)
