"""The serving model over days (greenllm.serving.daily) on a small three-day fleet: what ran serves every query within
every limit in every mode, perfect foresight is never beaten on its own objective, the recourse fixes a plan that
demand above its forecast would break, and dropping dominated operating points leaves the relaxation's optimum."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from greenllm import year
from greenllm.experiments.points import point_table
from greenllm.inputs import load_scenario
from greenllm.serving import daily
from greenllm.serving.catalogue import TokenClass, load_serving
from greenllm.serving.fleet import FleetOptions, account
from greenllm.serving import lp
from greenllm.serving.lp import SCHEMES, FleetSolver
from greenllm.synthetic import write_random_scenario

MODES = ("perfect", "persistence", "blend", "demand_only", "carbon_persistence", "price_persistence",
         "weather_persistence")
DAYS_COLUMNS = ["day", "date", "month", "mode", "policy", "kind", "status", "redispatched_hours", "queries",
                "emissions_kg", "total_usd", "energy_usd", "water_l", "facility_kwh", "latency_mean_s",
                "latency_p95_s", "slo_met", "capacity_ok", "power_ok", "solve_s"]
SITES_COLUMNS = ["day", "mode", "policy", "site", "queries", "emissions_kg", "facility_kwh"]


def _catalogue():
    """Every measured H100 operating point of the 70B model (dominated ones included), two workload classes."""
    cat = load_serving()
    points = tuple(p for p in cat.operating_points if (p.accelerator, p.model) == ("H100", "llama-3.1-70b"))
    classes = (TokenClass("short", "conversation", 0.6, 500.0, 150.0, "llama-3.1-70b", "server"),
               TokenClass("long", "code", 0.4, 2000.0, 300.0, "llama-3.1-70b", "server"))
    return dataclasses.replace(cat, operating_points=points, classes=classes)


def _scenario(tmp_path, n_days: int = 3):
    folder = write_random_scenario(tmp_path / "days", n_areas=2, n_dcs=3, n_types=1, n_hours=24 * n_days, seed=5)
    sites = pd.read_csv(folder / "datacenters.csv")
    sites.assign(longitude=[-120.0, 10.0, 140.0]).to_csv(folder / "datacenters.csv", index=False)  # follow_the_sun
    s = load_scenario(folder)
    scalars = {**s.scalars, "start_date": "2024-03-01", "start_utc": "2024-03-01T00:00:00+00:00"}
    return dataclasses.replace(s, rtt_s=np.full_like(s.rtt_s, 0.02), scalars=scalars)


OPTIONS = FleetOptions(queries_per_day=2e6, accelerators=("H100",), accelerators_per_site=48, min_replicas=1)


@pytest.fixture(scope="module")
def year_fleet(tmp_path_factory):
    return daily.year_fleet(_scenario(tmp_path_factory.mktemp("serving_year")), _catalogue(), OPTIONS,
                            sizing_stride_days=1)


@pytest.fixture(scope="module")
def tables(year_fleet):
    return daily.run_days(year_fleet, range(year_fleet.n_days), MODES, list(SCHEMES)[:2])


def test_tables_have_the_fixed_schema(tables):
    days, sites = tables
    assert set(DAYS_COLUMNS) <= set(days.columns)
    assert set(SITES_COLUMNS) <= set(sites.columns)
    assert set(days["kind"]) == {"baseline", "optimised"}
    assert set(days.loc[days["kind"] == "baseline", "mode"]) == {daily.RULE_MODE}


def test_what_ran_serves_every_query_within_every_limit_in_every_mode(year_fleet, tables):
    days, sites = tables
    optimised = days[days["kind"] == "optimised"]
    assert set(optimised["mode"]) == set(MODES)
    assert (optimised["status"] == "optimal").all()
    demand = {d: float(year_fleet.day(d).queries.sum()) for d in range(year_fleet.n_days)}
    np.testing.assert_allclose(optimised["queries"], optimised["day"].map(demand), rtol=1e-6)
    assert optimised["capacity_ok"].all() and optimised["power_ok"].all() and optimised["slo_met"].all()
    per_site = sites.groupby(["day", "mode", "policy"])["queries"].sum()
    np.testing.assert_allclose(per_site.loc[[(d, m, p) for d, m, p in
                                             optimised[["day", "mode", "policy"]].itertuples(index=False)]],
                               optimised["queries"], rtol=1e-9)


def test_single_signal_modes_run_only_the_scheme_their_signal_moves(tables):
    days, _ = tables
    runs = days[days["kind"] == "optimised"].groupby("mode")["policy"].unique()
    assert list(runs["carbon_persistence"]) == ["min_emissions"]
    assert list(runs["price_persistence"]) == ["min_cost"]
    assert sorted(runs["weather_persistence"]) == ["min_cost", "min_emissions"]


def test_perfect_foresight_is_never_worse_on_its_own_objective(tables):
    days, _ = tables
    optimised = days[days["kind"] == "optimised"]
    for scheme, (objective, *_) in list(SCHEMES.items())[:2]:
        mine = optimised[optimised["policy"] == scheme].pivot_table(index="day", columns="mode", values=objective)
        for mode in mine.columns.drop("perfect"):
            assert (mine["perfect"] <= mine[mode] * (1 + 1e-3) + 1e-6).all(), (scheme, mode)


def _busy_accelerators(year_fleet, s) -> float:
    """Busy accelerators of the peak hour of ``s`` with every query on its least busy pair (within-hour peak)."""
    fleet = year_fleet.fleet(s)
    per_query_s = sum(fleet.busy_s[fleet.pair_k == k].min() * c.share for k, c in enumerate(fleet.catalogue.classes))
    return float(s.queries.sum(axis=(0, 1)).max() * per_query_s * fleet.catalogue.peak_to_mean / 3600)


def test_demand_above_the_forecast_is_redispatched_and_then_fits(year_fleet):
    day = year_fleet.day(1)
    # the actual peak hour needs 1.6 sites of accelerators, the forecast (40 % of it) fits one
    scale = 1.6 * OPTIONS.accelerators_per_site / _busy_accelerators(year_fleet, day)
    actual = dataclasses.replace(day, queries=day.queries * scale)
    low = dataclasses.replace(actual, queries=actual.queries * 0.4)
    planner = daily.Planner(year_fleet, "min_emissions")
    plan, _ = planner.plan(low)
    assert daily.breaks_limit(year_fleet, actual, plan)  # run unchanged, the plan would break a limit
    formulation = daily.ServingDays(year_fleet.fleet(actual), year_fleet=year_fleet)
    ran = year.operate(actual, low, plan, planner.hours, formulation)
    assert ran["redispatched"] and ran["infeasible_hour"] is None
    fleet = year_fleet.fleet(actual)
    acc = account(fleet, ran["x"] * fleet.pair_queries())
    assert acc.capacity_ok and acc.power_ok and acc.slo_met
    assert acc.queries == pytest.approx(actual.queries.sum(), rel=1e-6)


def test_a_forecast_within_the_limits_is_not_redispatched(year_fleet):
    actual = year_fleet.day(2)
    planner = daily.Planner(year_fleet, "min_cost")
    plan, _ = planner.plan(actual)
    formulation = daily.ServingDays(year_fleet.fleet(actual), year_fleet=year_fleet)
    ran = year.operate(actual, actual, plan, planner.hours, formulation)
    assert ran["redispatched"] == []
    np.testing.assert_allclose(ran["x"], plan)


def test_dominated_operating_points_leave_the_relaxation_optimum(year_fleet):
    full = year_fleet.fleet(year_fleet.day(0), rules=True)
    pruned = year_fleet.fleet(year_fleet.day(0))
    assert pruned.n_pairs < full.n_pairs  # the small fleet has dominated points to drop
    for order in list(SCHEMES.values())[:3]:
        a, b = FleetSolver(full, relax=True), FleetSolver(pruned, relax=True)
        a.solve(order), b.solve(order)
        assert b.stages[order[0]] == pytest.approx(a.stages[order[0]], rel=1e-7)


def test_the_year_fleet_is_sized_on_the_peak_day(year_fleet):
    hourly = year_fleet.scaled.queries.sum(axis=(0, 1)).reshape(-1, 24)
    assert year_fleet.peak_day == int(hourly.max(axis=1).argmax())
    assert hourly.sum() == pytest.approx(OPTIONS.queries_per_day * year_fleet.n_days)
    np.testing.assert_array_equal(year_fleet.template.installed_j, 48)


def test_point_table_has_a_perfect_row_per_scheme_and_a_forecast_row_per_month():
    section = {"schemes": ["min_emissions"], "modes": ["perfect", "persistence"],
               "forecast_days": {"first": 7, "stride": 11}, "fleet": {"queries_per_day": 1e9}}
    rows = point_table({"serving_year": section}, "serving_year", "x", months=[1, 2])
    section["schemes"] = ["min_emissions", "min_cost"]
    rows = point_table({"serving_year": section}, "serving_year", "x", months=[1, 2])
    assert [(r["month"], r["modes"], r["schemes"], r["baselines"]) for r in rows] == [
        (1, ["perfect"], ["min_emissions"], True), (1, ["perfect"], ["min_cost"], False),
        (1, ["persistence"], ["min_emissions", "min_cost"], False),
        (2, ["perfect"], ["min_emissions"], True), (2, ["perfect"], ["min_cost"], False),
        (2, ["persistence"], ["min_emissions", "min_cost"], False)]
    assert rows[2]["days_first"] == 7 and rows[2]["days_stride"] == 11


def test_the_whole_replica_gap_is_bounded_below_by_the_relaxation(year_fleet):
    row = daily.whole_replica_gap(year_fleet, 1, "min_emissions")
    assert row["objective"] == "emissions_kg"
    # the relaxation on every operating point bounds every whole-replica allocation within the limits from below
    assert row["relaxation"] <= row["whole_replicas"] * (1 + 1e-6)
    assert row["relaxation"] <= row["year_engine"] * (1 + 1e-6)
    assert row["gap"] == pytest.approx(row["year_engine"] / row["whole_replicas"] - 1)


@pytest.mark.parametrize("scheme", ["min_emissions", "min_cost"])
def test_the_hour_by_hour_plan_has_the_day_lps_stage_optima(year_fleet, scheme):
    # the plan solves each hour alone; one LP over the day's 24 hours (same derated fleet, same stages) has the same
    # optimum at every stage, the tie-break's included
    day = year_fleet.day(1)
    planner = daily.Planner(year_fleet, scheme)
    planner.plan(day)
    whole_day = FleetSolver(daily.planning_fleet(year_fleet.fleet(day)), relax=True)
    whole_day.add_objective(daily.CANONICAL_STAGE, daily.canonical_cost(whole_day.lp, planner.weights_p))
    whole_day.solve(planner.order)
    assert list(planner.stages) == [*daily.scheme_order(scheme), daily.CANONICAL_STAGE]
    for name, optimum in whole_day.stages.items():
        assert planner.stages[name] == pytest.approx(optimum, rel=1e-8), name


def _plan_by(year_fleet, scheme, monkeypatch, *, strategy=1, warm_after=None, canonical=True):
    """Shares of hours 11-12 of day 1 planned by one solver path: HiGHS ``simplex_strategy`` (1 dual, 4 primal),
    cold or warm started from the basis of planning ``warm_after`` first."""
    monkeypatch.setitem(lp.SOLVER_OPTIONS, "simplex_strategy", strategy)
    planner = daily.Planner(year_fleet, scheme, warm=warm_after is not None)
    if not canonical:
        planner.order = daily.scheme_order(scheme)
    if warm_after is not None:
        planner.plan(warm_after)
    y, _ = planner.plan(year.hours_scenario(year_fleet.day(1), 11, 13))
    return y


@pytest.mark.parametrize("scheme", ["min_emissions", "min_cost"])
def test_the_plan_is_the_same_on_every_solver_path(year_fleet, scheme, monkeypatch):
    # the canonical allocation's generic weights leave one allocation on the optimal face of the declared stages
    cold_dual = _plan_by(year_fleet, scheme, monkeypatch)
    cold_primal = _plan_by(year_fleet, scheme, monkeypatch, strategy=4)
    warm_dual = _plan_by(year_fleet, scheme, monkeypatch, warm_after=year.hours_scenario(year_fleet.day(0), 5, 7))
    np.testing.assert_allclose(cold_primal, cold_dual, rtol=0, atol=1e-9)
    np.testing.assert_allclose(warm_dual, cold_dual, rtol=0, atol=1e-9)


def test_the_declared_stages_alone_leave_the_plan_to_the_solver_path(year_fleet, monkeypatch):
    # why the canonical stage exists (and the test above can fail): the declared stages leave ties on this fleet
    cold_dual = _plan_by(year_fleet, "min_emissions", monkeypatch, canonical=False)
    cold_primal = _plan_by(year_fleet, "min_emissions", monkeypatch, strategy=4, canonical=False)
    assert np.abs(cold_primal - cold_dual).max() > 1e-3


def test_canonical_weights_follow_the_pairs_names_not_their_columns(year_fleet):
    # the plans' fleet drops the dominated pairs, so its columns shift; each pair keeps its weight
    every, kept = year_fleet.template, year_fleet.optimised
    weights = daily.canonical_weights(every)
    assert ((weights >= 1) & (weights < 2)).all() and len(np.unique(weights)) == every.n_pairs
    assert kept.n_pairs < every.n_pairs
    np.testing.assert_array_equal(daily.canonical_weights(kept), weights[~daily.dominated_pairs(every)])
