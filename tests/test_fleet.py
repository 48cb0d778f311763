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
from greenllm.serving import validation as vx
from greenllm.serving.experiments import (best_baseline_margin, feasible, fixed_precision, fleet_for, front_table,
                                          fronts, policies, policy_row, scheme_order, slo_cost)
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
def solved(fleet, solver):
    return policies(fleet, solver)


@pytest.fixture(scope="module")
def table(solved):
    return solved[0]


@pytest.fixture(scope="module")
def allocations(solved):
    return solved[1]


@pytest.fixture(scope="module")
def kinds(table):
    return dict(zip(table["policy"], table["kind"], strict=True))


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


def test_validation_compares_like_with_like(fleet, allocations, kinds):
    rows = vx.validation(fleet, allocations, kinds)
    google = rows[rows["reference"].str.startswith("Google")]
    assert (google["statistic"] == "median").all()  # Google's figures are medians, so are ours
    assert set(google.loc[google["metric"] == "water_ml_per_query", "our_quantity"]) == {"water_onsite_ml"}
    co2 = rows[rows["metric"] == "co2_g_per_query"]
    assert not co2["compared"].any() and co2["ratio_low"].isna().all()  # market- against location-based: no ratio
    assert co2["not_compared_because"].str.contains("market-based").all()
    compared = rows[rows["compared"]]
    assert (compared["ratio_low"] <= compared["ratio_high"]).all() and (compared["ratio_low"] > 0).all()
    assert set(compared["policy"]) == set(allocations)  # every policy, not a chosen few


def test_samsi_is_compared_with_the_70b_decode_energy_alone(fleet, allocations, kinds):
    rows = vx.validation(fleet, allocations, kinds)
    samsi = rows[rows["reference"].str.startswith("Samsi")].set_index("policy")["ours"]
    points = [p for p in fleet.catalogue.operating_points if p.model == "llama-3.1-70b"]
    measured = [p.j_per_token for p in points]
    assert samsi.between(min(measured), max(measured)).all()  # decode-only 70B J/token, not diluted by prefill or 8B
    # the nearest rule runs the fastest (smallest) batch limit: its J/token is that of the batch-8 70B points
    small = [p.j_per_token for p in points if p.batch_limit == 8]
    assert min(small) * 0.99 <= samsi["nearest"] <= max(small) * 1.01


def test_per_query_numbers_add_up_to_the_account(fleet, allocations):
    for name in ("nearest", "renewables_first_emissions", "min_water"):
        q = allocations[name]
        numbers, acc = vx.per_query(fleet, q), account(fleet, q)
        assert (q * numbers["facility_wh"]).sum() / 1000 == pytest.approx(acc.facility_kwh, rel=1e-9), name
        assert (q * numbers["water_ml"]).sum() / 1000 == pytest.approx(acc.water_l, rel=1e-9), name
        assert (q * numbers["water_onsite_ml"]).sum() / 1000 == pytest.approx(acc.water_onsite_l, rel=1e-9), name
        assert (q * numbers["co2_g"]).sum() / 1000 == pytest.approx(acc.emissions_kg, rel=1e-9), name
        assert (numbers["gpu_active_wh"] < numbers["it_busy_wh"]).all()  # host counted on top of the GPU
        pue = fleet.scenario.pue[fleet.pair_j][:, None]
        assert (numbers["it_busy_wh"] * pue <= numbers["facility_wh"] * (1 + 1e-12)).all()
        assert (q * numbers["it_busy_wh"] * pue).sum() < (q * numbers["facility_wh"]).sum()  # idle replicas count


def test_renewables_first_greedy_is_feasible_and_never_beats_the_optimum(table):
    rows = table.set_index("policy")
    for objective, name in baselines.GREEDY_OBJECTIVES.items():
        assert rows.loc[name, "capacity_ok"] and rows.loc[name, "slo_met"], name
        scheme = next(s for s, order in SCHEMES.items() if order[0] == objective)
        assert rows.loc[scheme, objective] <= rows.loc[name, objective] * (1 + 1e-6), (scheme, name)
        # and it is the practitioner's best rule: no other baseline beats it on its own objective
        others = rows[(rows["kind"] == "baseline") & (rows.index != name)]
        assert rows.loc[name, objective] <= others[objective].min() * (1 + 1e-9), name


def test_renewables_first_uses_the_renewables_that_lowest_carbon_leaves(table, fleet):
    rows = table.set_index("policy")
    used = rows["facility_kwh"] - rows["grid_kwh"]  # on-site renewables consumed [kWh]
    assert used["renewables_first_emissions"] > 0.99 * fleet.renewable_kwh_jt.sum()
    baseline = table.set_index("policy")["kind"] == "baseline"
    assert used["renewables_first_emissions"] >= used[baseline].max() * (1 - 1e-9)  # more than any other rule


@pytest.mark.parametrize("rule", ["fastest", "efficient"])
def test_each_cell_runs_the_first_pair_of_least_key(fleet, rule):
    # the rule's choice per (area, class, site), as a plain loop over the SLO-feasible pairs would pick it
    key = fleet.latency_s if rule == "fastest" else baselines.pair_energy_j(fleet)
    expected = {}
    for p in np.flatnonzero(fleet.slo_ok):
        cell = (fleet.pair_i[p], fleet.pair_k[p], fleet.pair_j[p])
        if cell not in expected or key[p] < key[expected[cell]]:
            expected[cell] = p
    choice = baselines.choose_points(fleet, rule)
    assert (choice >= 0).sum() == len(expected)
    assert all(choice[cell] == p for cell, p in expected.items())


def test_greedy_fill_matches_site_by_site_placement(fleet):
    # one hour of nearest: every load fills its sites in order, so each site's busy seconds stay within capacity
    # and the queries placed per (area, class) are min(load, what the sites in reach had left)
    q = baselines.nearest(fleet)
    choice = baselines.choose_points(fleet, "fastest")
    cap = baselines.capacity_s(fleet, choice)
    busy = np.zeros((fleet.scenario.n_dcs, fleet.scenario.n_hours))
    np.add.at(busy, fleet.pair_j, q * fleet.busy_s[:, None])
    assert (busy <= cap[:, None] * (1 + 1e-9)).all()
    served = np.zeros_like(fleet.queries_ikt)
    np.add.at(served, (fleet.pair_i, fleet.pair_k), q)
    assert (served <= fleet.queries_ikt * (1 + 1e-9)).all()
    full = busy >= cap[:, None] * (1 - 1e-9)  # a load left unserved only when every site it can use is full
    short = np.argwhere(served < fleet.queries_ikt * (1 - 1e-9))
    for i, k, t in short:
        assert all(full[j, t] for j in range(fleet.scenario.n_dcs) if choice[i, k, j] >= 0)


def test_follow_the_sun_serves_where_the_sun_is_up(fleet, allocations):
    day = baselines.sun_up(fleet)
    assert (day.sum(axis=1) == 12).all()  # 06:00-18:00 local solar time: twelve hours at every site
    q = allocations["follow_the_sun"]
    assert q[day[fleet.pair_j, :]].sum() > 0.5 * q.sum()
    busy = np.zeros(day.shape)
    np.add.at(busy, fleet.pair_j, q * fleet.busy_s[:, None])
    capacity = baselines.capacity_s(fleet, baselines.choose_points(fleet, "efficient"))
    for t in range(day.shape[1]):
        if busy[~day[:, t], t].sum() > 0:  # load goes where the sun is down only once the sun-up sites are full
            assert (busy[day[:, t], t] >= capacity[day[:, t]] * (1 - 1e-6)).all(), t


def test_margin_is_against_the_best_baseline_on_the_same_objective(table):
    margin = best_baseline_margin(table).set_index("scheme")
    base = table[(table["kind"] == "baseline") & feasible(table)].set_index("policy")
    for scheme, order in SCHEMES.items():
        assert margin.loc[scheme, "best_baseline"] == base[order[0]].idxmin()
    assert margin.loc["min_emissions", "best_baseline"] == "renewables_first_emissions"
    assert (margin["captured_by_best_baseline"] <= 1 + 1e-6).all()


def test_spatial_shifting_limits_only_take_options_away(fleet):
    shift = vx.spatial_shifting(fleet)
    ideal, idle, far, far_half, near_half = shift["reduction_intensity"].to_numpy()
    assert ideal >= max(idle, far, far_half, near_half) - 1e-9
    assert far >= far_half - 1e-9 and idle >= far_half - 1e-9 and far_half >= near_half - 1e-9
    assert near_half >= 0  # the home site is always allowed
    assert shift["reported_reduction"].notna().all() and shift["reported_by"].str.contains("EuroSys 2024").all()


def test_the_tie_break_determines_every_written_number():
    # on the LP (continuous replicas), where an optimal face is what the tie-break acts on; whole replicas are
    # rounded from whichever vertex the relaxation stops at (their gap is reported, relaxation_gap)
    fleet = fleet_for(WORLD, dataclasses.replace(OPTIONS, integer_replicas=False, batch_limits=(8, 128)))
    policies_ = []
    for strategy in (1, 4):  # dual and primal simplex reach different vertices of an optimal face
        solver = FleetSolver(fleet)
        solver.h.setOptionValue("simplex_strategy", strategy)
        rows = pd.DataFrame([policy_row(fleet, name, "optimised", solver.solve(scheme_order(name)))
                             for name in ("min_emissions", "min_cost", "min_water", "min_latency")])
        policies_.append(fixed_precision(rows.select_dtypes("number")))
    pd.testing.assert_frame_equal(policies_[0], policies_[1])


def test_front_table_keeps_only_what_the_stages_determine(fleet, solver, table):
    front = front_table(fronts(fleet, solver, table, points=2, objectives=("emissions_kg", "water_l"),
                               measures=("latency_p95_s",)))
    emissions, water = front[front["objective"] == "emissions_kg"], front[front["objective"] == "water_l"]
    assert emissions["water_l"].isna().all() and emissions["total_usd"].notna().all()
    assert water["total_usd"].isna().all() and water["emissions_kg"].notna().all()


def test_fixed_precision_writes_six_significant_digits():
    frame = fixed_precision(pd.DataFrame({"x": [5790.028823, 0.000123456789, 0.0, np.nan], "name": list("abcd")}))
    assert frame["x"].iloc[:3].tolist() == [5790.03, 0.000123457, 0.0] and np.isnan(frame["x"].iloc[3])


def test_figures_draw_the_tables(fleet, table, allocations, kinds):
    from greenllm.serving import plots as fleet_plots

    fig, data = fleet_plots.policies(table)
    assert len(data) == len(table) and len(fig.axes) == 4
    fig, data = fleet_plots.validation(vx.validation(fleet, allocations, kinds))
    assert set(data["policy"]) == set(table["policy"]) and data["compared"].all()


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
    assert feasible(table).sum() > len(SCHEMES)
    margin = best_baseline_margin(table).dropna(subset=["saving"])  # a scheme without a feasible baseline has none
    assert (margin["optimised"] <= margin["baseline_value"] * (1 + 1e-6)).all(), margin
    committed = pd.read_csv(TABLES / "baselines_margin.csv")  # the one margin table the docs quote
    assert committed["best_baseline"].tolist() == margin["best_baseline"].tolist()
    assert committed["saving"].to_numpy() == pytest.approx(margin["saving"].to_numpy(), abs=1e-4)
    per_query = pd.read_csv(TABLES / "validation_per_query.csv")
    assert per_query[["facility_wh_mean", "facility_wh_median"]].stack().between(0.01, 10).all()
    shift = pd.read_csv(TABLES / "spatial_shifting.csv")
    assert shift["reported_reduction"].notna().all() and (shift["reduction_intensity"] > 0).all()
    assert (table.loc[table["grid_kwh"] > 0, "emissions_kg"] > 0).all()
    slo = pd.read_csv(TABLES / "serving_slo.csv")
    assert (slo["pairs_pruned"] > 0).all() and (slo["without_slo"] < slo["with_slo"]).all()
