"""The serving model at realistic scale (the committed world_2024 folder: twelve sites on six continents, 10^9 queries
a day, a subset of batch limits to keep the tests quick): plausibility, the SLO, the optimiser against the
baselines, the LP against the accounting, and the committed tables."""

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from greenllm.serving import baselines
from greenllm.errors import InputError
from greenllm.serving.fleet import FleetOptions, account
from greenllm.serving.experiments import best_baseline_margin, fleet_for, fronts, policies, slo_cost, validation
from greenllm.serving.lp import SCHEMES, FleetSolver

REPO = Path(__file__).resolve().parents[1]
WORLD = REPO / "data" / "processed" / "world_2024"
TABLES = REPO / "tables" / "world_2024"
OPTIONS = FleetOptions(queries_per_day=1e9, batch_limits=(8, 32, 128, 512))


@pytest.fixture(scope="module")
def fleet():
    return fleet_for(WORLD, OPTIONS)


@pytest.fixture(scope="module")
def solver(fleet):
    return FleetSolver(fleet)


@pytest.fixture(scope="module")
def table(fleet, solver):
    return policies(fleet, solver)[0]


def test_sites_are_sized_for_demand_with_a_stated_headroom(fleet):
    # installed = headroom x peak-hour busy accelerators when each area is served nearby: sub-MW to MW sites
    assert (fleet.site_mw() > 0.1).all() and (fleet.installed_j >= 100).all()
    assert (fleet.power_cap_mw() < fleet.site_mw()).all()


def test_capacity_binds_and_utilisation_is_realistic_at_the_headline_scale(fleet, solver):
    q = solver.solve(SCHEMES["min_emissions"])
    acc = account(fleet, q, solver.replicas)
    assert 0.3 <= acc.utilisation_peak <= 0.7, acc.utilisation_peak
    assert acc.capacity_binding_site_hours + acc.power_binding_site_hours > 0
    assert acc.capacity_ok and acc.power_ok


def test_energy_per_query_is_plausible_at_scale(table):
    # published per-prompt figures span 0.05-0.3 Wh (docs/serving.md); outside 0.01-10 Wh means a unit error
    assert table["energy_wh_per_query"].between(0.01, 10).all(), table[["policy", "energy_wh_per_query"]]


def test_emissions_are_not_zero_while_the_grid_supplies_power(table):
    grid = table["grid_kwh"] > 0
    assert grid.all()
    assert (table.loc[grid, "emissions_kg"] > 0).all()


def test_the_slo_binds(fleet):
    cost = slo_cost(fleet, "min_emissions")
    assert cost["pairs_pruned"] > 0
    assert cost["without_slo"] < cost["with_slo"] * (1 - 1e-3)  # the SLO costs emissions
    assert cost["share_breaking_slo_without"] > 0  # the free optimum uses pairs the SLO forbids


def test_every_policy_stays_within_capacity_and_the_optimised_serve_all_demand(fleet, table):
    assert table["capacity_ok"].all()
    optimised = table[table["kind"] == "optimised"]
    assert optimised["slo_met"].all() and optimised["power_ok"].all()


def test_the_fastest_rule_runs_out_of_capacity_at_small_batches(table):
    # batch 8 needs several times the accelerators of the efficient points the fleet is sized for
    nearest = table.set_index("policy").loc["nearest"]
    assert not nearest["slo_met"]


def test_optimised_schemes_beat_every_baseline_on_their_first_objective(table):
    margin = best_baseline_margin(table)
    assert (margin["optimised"] <= margin["baseline_value"] * (1 + 1e-6)).all(), margin


def test_lp_objective_equals_the_account_of_its_allocation(fleet, solver):
    for name, order in SCHEMES.items():
        q = solver.solve(order)
        acc = account(fleet, q, solver.replicas)
        for metric in order:
            assert getattr(acc, metric) == pytest.approx(solver.stages[metric], rel=1e-5, abs=1e-6), (name, metric)
        facility = float(solver.lp.costs["facility_kwh"] @ solver.values) + solver.lp.constants["facility_kwh"]
        assert acc.facility_kwh == pytest.approx(facility, rel=1e-6)
        # the rule baselines are accounted with (whole replicas for the within-hour peak) never needs more
        assert account(fleet, q).facility_kwh <= acc.facility_kwh * (1 + 1e-9)


def test_latency_limits_hold_in_the_account(fleet, solver, table):
    fastest = table.set_index("policy").loc["min_latency"]
    free = table.set_index("policy").loc["min_emissions"]
    mean_limit = 0.5 * (fastest["latency_mean_s"] + free["latency_mean_s"])
    solver.latency_limits(mean_s=mean_limit)
    q = solver.solve(SCHEMES["min_emissions"])
    solver.latency_limits()
    acc = account(fleet, q, solver.replicas)
    assert acc.latency_mean_s <= mean_limit * (1 + 1e-6)
    assert free["emissions_kg"] < acc.emissions_kg  # faster costs emissions: the front is not flat

    p95_limit = 0.5 * (fastest["latency_p95_s"] + free["latency_p95_s"])
    solver.latency_limits(p95_s=p95_limit)
    q = solver.solve(SCHEMES["min_emissions"])
    solver.latency_limits()
    assert account(fleet, q, solver.replicas).latency_p95_s <= p95_limit * (1 + 1e-6)


def test_baselines_are_feasible_points_of_the_same_capacity(fleet):
    for name, policy in baselines.POLICIES.items():
        acc = account(fleet, policy(fleet))
        assert acc.capacity_ok, name
        if name != "demand_proportional":  # splits by installed accelerators, blind to the power cap
            assert acc.power_ok, name
        if name != "nearest":  # at its fastest (batch 8) points the fleet cannot carry all demand
            assert acc.served_share == pytest.approx(1.0), name


def test_bad_options_are_one_error():
    with pytest.raises(InputError, match="queries_per_day"):
        dataclasses.replace(OPTIONS, queries_per_day=-1)
    with pytest.raises(InputError, match="tpot_statistic"):
        dataclasses.replace(OPTIONS, tpot_statistic="mean")


def test_fronts_respect_their_limits_and_trade_latency_for_emissions(fleet, solver, table):
    front = fronts(fleet, FleetSolver(fleet, relax=True), table, points=3, objectives=("emissions_kg",))
    for measure, part in front.groupby("measure"):
        assert (part[measure] <= part["epsilon_s"] * (1 + 1e-6)).all(), part[[measure, "epsilon_s"]]
        emissions = part.sort_values("epsilon_s")["emissions_kg"].to_numpy()
        assert (np.diff(emissions) <= 1e-6 * emissions[:-1]).all()  # a looser limit never costs more
        assert emissions[0] > emissions[-1]  # and the fastest point costs more than the free one


def test_validation_compares_like_with_like(table):
    from greenllm.serving.catalogue import load_serving

    rows = validation(table, load_serving())
    google_water = rows[(rows["reference"].str.startswith("Google")) & (rows["metric"] == "water_ml_per_query")]
    assert (google_water["compared_with"] == "water_onsite_ml_per_query").all()
    assert (rows["ratio_low"] <= rows["ratio_high"]).all() and (rows["ratio_low"] > 0).all()


def test_figures_draw_the_tables(fleet, solver, table):
    from greenllm.serving import plots as fleet_plots
    from greenllm.serving.catalogue import load_serving

    fig, data = fleet_plots.policies(table)
    assert len(data) == len(table) and len(fig.axes) == 4
    rows = validation(table, load_serving())
    fig, data = fleet_plots.validation(rows, ["min_emissions", "nearest"])
    assert set(data["scheme"]) == {"min_emissions", "nearest"}


def test_the_serving_formulation_solves_through_the_common_driver(fleet):
    from greenllm.formulations import ServingFormulation
    from greenllm.inputs import load_scenario
    from greenllm.solve import solve

    s = load_scenario(WORLD)
    formulation = ServingFormulation.for_scenario(s, fleet_options=OPTIONS)
    result = solve(s, "energy", formulation=formulation, solver="highs")  # verified against its accounting
    own = FleetSolver(formulation.fleet)
    own.solve(("energy_usd",))
    assert result.costs["energy"] == pytest.approx(own.stages["energy_usd"], rel=1e-6)
    assert result.x.shape == (s.n_areas, s.n_dcs, len(fleet.class_names), s.n_hours)
    assert result.x.sum(axis=1) == pytest.approx(np.ones((s.n_areas, len(fleet.class_names), s.n_hours)))
    assert result.to_dict()["routes_kept"] == fleet.n_pairs


def test_the_committed_tables_keep_their_promises():
    table = pd.read_csv(TABLES / "baselines.csv")
    assert set(table["kind"]) == {"baseline", "optimised"} and table.loc[table["kind"] == "optimised", "slo_met"].all()
    margin = best_baseline_margin(table).dropna()  # a scheme without a feasible baseline has no margin
    assert (margin["optimised"] <= margin["baseline_value"] * (1 + 1e-6)).all(), margin
    per_query = pd.read_csv(TABLES / "validation_per_query.csv")
    assert per_query["energy_wh_per_query"].between(0.01, 10).all()
    assert (table.loc[table["grid_kwh"] > 0, "emissions_kg"] > 0).all()
    slo = pd.read_csv(TABLES / "serving_slo.csv")
    assert (slo["pairs_pruned"] > 0).all() and (slo["without_slo"] < slo["with_slo"]).all()
