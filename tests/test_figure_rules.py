"""Every figure function of greenllm.plots, drawn from the committed numbers (or a small frame where the committed
CSV is not its input), passes the figure rules of tests/figure_rules.py: no overlapping text, no legend over data,
hour axes name their clock, log axes say log, the stand-in mark where the scenario has stand-ins. A new figure
function fails test_every_figure_function_has_a_case until it gets a case here."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from greenllm import experiments as ex  # noqa: E402
from greenllm import plots  # noqa: E402
from greenllm.provenance import stand_ins  # noqa: E402
from greenllm.serving import season_plots, seasons  # noqa: E402
from tests.figure_rules import (  # noqa: E402
    assert_hour_axes_name_their_clock, assert_legends_cover_no_data, assert_log_axes_say_log,
    assert_no_overlapping_text, check_figure,
)

REPO = Path(__file__).resolve().parents[1]
FIGURES, TABLES, PROCESSED = REPO / "figures", REPO / "tables", REPO / "data" / "processed"
REAL = ("europe_2018", "us_2024", "world_2024")


@pytest.fixture(autouse=True)
def _look():
    plots.setup()
    yield
    plt.close("all")


def csv(path: Path) -> pd.DataFrame:
    if not path.exists():
        pytest.skip(f"{path.relative_to(REPO)} is not committed")
    return pd.read_csv(path)


def folder(scenario: str) -> Path:
    path = PROCESSED / scenario
    if not (path / "provenance.json").exists():
        pytest.skip(f"data/processed/{scenario} is not committed")
    return path


# --- one case per figure function and scenario: (figure function, scenario or None, draw) --------------------------


def _inputs_dc_hour(s):
    peak = [14, 20] if s == "paper_v1" else None
    dc_hour = ex.dc_hour_inputs(folder(s))
    return plots.inputs_dc_hour(dc_hour, plots.peak_hours(dc_hour, peak) if peak else [],
                                plots.time_bases(folder(s)))


def _inputs_demand(s):
    return plots.inputs_demand(ex.demand_inputs(folder(s)), plots.time_bases(folder(s))["queries"])


def _sweep(s, field):
    frame = csv(FIGURES / s / f"sweep_{field}.csv")
    metrics = [c for c in frame.columns if c not in ("scheme", "label", "field", "factor", "status")]
    return plots.sweep(frame, metrics, field)


def _hourly(s, name):
    frame = csv(FIGURES / s / f"hourly_{name}.csv")
    metric = frame.columns[-1]
    return plots.hourly(frame, metric, panel_title=frame["field"].iloc[0] + " x {value:g}",
                        clock=plots.result_clock(folder(s)))


def _latency(_):
    rng = np.random.default_rng(3)
    latency = pd.DataFrame({"scheme": np.repeat(["M0", "M1", "M2", "LEX"], 50),
                            "latency_s": rng.lognormal(-2.5, 0.6, 200), "queries": rng.uniform(1, 5, 200)})
    labels = dict(zip(["M0", "M1", "M2", "LEX"], ["M0 Green-LLM (equal weights)", "M1 Energy-LLM (energy only)",
                                                  "M2 Carbon-LLM (carbon only)",
                                                  "Lexicographic energy > carbon > delay"], strict=True))
    return plots.latency_ecdf(latency, labels, 2.0, assumption="processing time v = 1e-06 s per token")


def _formulation_latency(_):
    rng = np.random.default_rng(4)
    n = 40
    latency = pd.DataFrame({"scheme": np.tile(np.repeat(["M0", "M1"], n), 2),
                            "label": np.tile(np.repeat(["M0", "M1"], n), 2),
                            "formulation": np.repeat(["paper", "per_query"], 2 * n),
                            "latency_s": rng.lognormal(2.0, 0.5, 4 * n), "queries": 1.0, "slo_s": 20.0})
    latency["within_slo"] = latency["latency_s"] <= latency["slo_s"]
    return plots.formulation_latency(latency, 2.0)


def _pareto(s):
    frame = csv(FIGURES / s / "pareto_energy_carbon.csv")
    return plots.pareto(frame[frame["kind"] == "frontier"], frame[frame["kind"] == "scheme"])


def _water_budget(s):
    frame = csv(FIGURES / s / "water_budget.csv")
    budget = float((frame["budget_l"] / frame["factor"]).iloc[0])
    return plots.water_budget(frame, budget)


def _allocation(s):
    served = csv(FIGURES / s / "real_allocation.csv")
    return plots.allocation(served, clock=plots.result_clock(folder(s)))


SITES = ("australia-southeast1", "southamerica-east1", "northamerica-northeast2", "us-south1", "europe-west3",
         "asia-south1", "asia-northeast1", "asia-southeast1", "africa-south1")
SEASON_MODES = ("perfect", "persistence", "blend", "demand_only", "carbon_persistence", "price_persistence",
                "weather_persistence", "carbon_blend", "price_blend")


def _serving_year():
    """A year of serving tables in the engine's schema (random but seeded): nine baselines, two schemes in every
    forecast mode, nine sites."""
    rng = np.random.default_rng(7)
    dates = pd.date_range("2024-01-01", periods=366)
    days, sites = [], []
    policies = [("rule", f"rule_{n}", "baseline") for n in range(8)] + [("rule", "demand_proportional", "baseline")]
    policies += [(m, s, "optimised") for m in SEASON_MODES for s in ("min_emissions", "min_cost")]
    for d, date in enumerate(dates):
        season = 1 + 0.3 * np.cos(2 * np.pi * d / 366)
        for mode, policy, kind in policies:
            level = (1.2 if kind == "baseline" else 1.0 + (0.02 if mode != "perfect" else 0)) * season
            days.append({"day": d, "date": f"{date:%Y-%m-%d}", "month": date.month, "mode": mode, "policy": policy,
                         "kind": kind, "status": "optimal", "queries": 1e9,
                         "emissions_kg": 2e4 * level * rng.uniform(0.9, 1.1),
                         "total_usd": 3e4 * level * rng.uniform(0.9, 1.1), "energy_usd": 2e4,
                         "water_l": 5e6 * level * rng.uniform(0.9, 1.1), "facility_kwh": 1e5,
                         "slo_met": bool(rng.uniform() > 0.05), "capacity_ok": True, "power_ok": True})
            if mode in ("perfect", "rule"):
                share = rng.dirichlet(np.ones(len(SITES)))
                sites += [{"day": d, "mode": mode, "policy": policy, "site": s, "queries": 1e9 * q}
                          for s, q in zip(SITES, share, strict=True)]
    return pd.DataFrame(days), pd.DataFrame(sites)


def _season_monthly(_):
    days, _sites = _serving_year()
    return season_plots.monthly(seasons.monthly_totals(days), year=2024)


def _season_margins(_):
    days, _sites = _serving_year()
    return season_plots.margins(seasons.monthly_margins(seasons.daily_margins(days)), year=2024)


def _season_value(_):
    days, _sites = _serving_year()
    return season_plots.value_of_information(seasons.value_of_information(days, samples=200))


def _season_heatmap(_):
    days, sites = _serving_year()
    panels = {f"{p} (perfect foresight)" if p.startswith("min") else f"{p} (best baseline)":
              seasons.site_day_shares(sites, m, p, days) for m, p in (("perfect", "min_emissions"),
                                                                      ("rule", "rule_3"))}
    labels = dict(zip(*seasons.site_regions(SITES)[["site", "label"]].to_numpy().T, strict=True))
    return season_plots.site_day_heatmap(panels, labels, year=2024)


def _committed_heatmap(s):
    data = csv(FIGURES / s / "serving_year_sites.csv")
    labels = dict(zip(*seasons.site_regions(data["site"])[["site", "label"]].to_numpy().T, strict=True))
    return season_plots.site_day_heatmap({p: part for p, part in data.groupby("panel", sort=False)}, labels, year=2024)


CASES = {
    "inputs_dc_hour": [(s, _inputs_dc_hour) for s in ("paper_v1", *REAL)],
    "inputs_demand": [(s, _inputs_demand) for s in ("paper_v1", *REAL)],
    "scheme_costs": [("paper_v1", lambda s: plots.scheme_costs(csv(TABLES / s / "base_case.csv")))],
    "sweep": [("paper_v1", lambda s, f=f: _sweep(s, f))
              for f in ("renewable", "carbon", "energy_per_token", "demand", "price", "delay_penalty")],
    "sweep_levels": [("paper_v1", lambda s: plots.sweep_levels(
        csv(FIGURES / s / "sweep_energy_per_token_delay_levels.csv")))],
    "hourly": [("paper_v1", lambda s, n=n: _hourly(s, n))
               for n in ("delay", "emissions_carbon", "emissions_renewable", "total_carbon")],
    "tolerance_tradeoff": [("paper_v1", lambda s: plots.tolerance_tradeoff(csv(TABLES / s / "tolerance_sweep.csv")))],
    "water_per_scheme": [("paper_v1", lambda s: plots.water_per_scheme(
        csv(FIGURES / s / "water_per_scheme.csv"), float(csv(FIGURES / s / "water_per_scheme.csv")["budget_l"][0])))],
    "water_budget": [("paper_v1", _water_budget)],
    "latency_ecdf": [(None, _latency)],
    "pareto": [("paper_v1", _pareto)],
    "scheme_bars": [(s, lambda s: plots.scheme_bars(csv(TABLES / s / "real_schemes.csv"))) for s in REAL],
    "allocation": [(s, _allocation) for s in REAL],
    "formulations": [(s, lambda s: plots.formulations(csv(TABLES / s / "formulations.csv")))
                     for s in ("paper_v1", "europe_2018")],
    "formulation_latency": [(None, _formulation_latency)],
    "hardware_mix": [("paper_v1", lambda s: plots.hardware_mix(csv(TABLES / s / "hardware_mix.csv")))],
    "year_monthly": [("europe_2018_year", lambda s: plots.year_monthly(csv(FIGURES / s / "year_monthly.csv"),
                                                                        year=2018))],
    "year_forecast_cost": [("europe_2018_year", lambda s: plots.year_forecast_cost(
        csv(TABLES / s / "year_forecast_summary.csv")))],
    "scaling": [(None, lambda s: plots.scaling(csv(TABLES / "scaling" / "scaling.csv")))],
    "monthly": [(None, _season_monthly), ("world_2024_year", lambda s: season_plots.monthly(
        csv(FIGURES / s / "serving_year_months.csv"), year=2024))],
    "margins": [(None, _season_margins), ("world_2024_year", lambda s: season_plots.margins(
        csv(FIGURES / s / "serving_year_margins_spread.csv"), year=2024))],
    "value_of_information": [(None, _season_value), ("world_2024_year", lambda s: season_plots.value_of_information(
        csv(FIGURES / s / "serving_year_information.csv")))],
    "site_day_heatmap": [(None, _season_heatmap), ("world_2024_year", _committed_heatmap)],
}


def test_every_figure_function_has_a_case():
    names = {f.__name__ for f in (*plots.FIGURE_FUNCTIONS, *season_plots.FIGURE_FUNCTIONS)}
    drawing = {name for name in plots.__all__ if callable(getattr(plots, name))
               and "Figure" in str(getattr(getattr(plots, name), "__annotations__", {}).get("return", ""))}
    assert drawing <= names, f"figure functions missing from plots.FIGURE_FUNCTIONS: {sorted(drawing - names)}"
    assert names == set(CASES), f"figure functions without a case: {sorted(names - set(CASES))}"


PARAMS = [pytest.param(name, scenario, draw, id=f"{name}-{scenario or 'synthetic'}-{n}")
          for name, cases in CASES.items() for n, (scenario, draw) in enumerate(cases)]


@pytest.mark.parametrize(("name", "scenario", "draw"), PARAMS)
def test_figure_follows_the_rules(name, scenario, draw):
    fig, data = draw(scenario)
    notes = stand_ins(PROCESSED / scenario) if scenario and (PROCESSED / scenario / "provenance.json").exists() else []
    plots.mark_stand_ins(fig, notes)  # as the notebooks do before saving
    assert isinstance(data, pd.DataFrame)
    check_figure(fig, notes)


# --- the rules can fail ----------------------------------------------------------------------------------------------


def test_the_rules_catch_the_defects():
    fig, ax = plt.subplots()
    ax.text(0.5, 0.5, "first label")
    ax.text(0.5, 0.5, "second label")
    with pytest.raises(AssertionError, match="overlapping"):
        assert_no_overlapping_text(fig)
    fig, ax = plt.subplots()
    ax.plot(np.linspace(0, 23, 200), np.linspace(0, 23, 200), label="a line")
    ax.set(xlabel="Hour of the day [h]", xscale="log")
    with pytest.raises(AssertionError, match="clock"):
        assert_hour_axes_name_their_clock(fig)
    with pytest.raises(AssertionError, match="log"):
        assert_log_axes_say_log(fig)
    fig, ax = plt.subplots()
    ax.plot(np.linspace(0, 23, 200), np.linspace(0, 23, 200), label="a line")
    ax.legend(loc="center")
    with pytest.raises(AssertionError, match="covers"):
        assert_legends_cover_no_data(fig)
    with pytest.raises(AssertionError, match="stand-in"):
        check_figure(fig, ["price of SE4 stands in for SE3"])
