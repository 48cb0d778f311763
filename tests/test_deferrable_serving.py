"""Requests that can wait on the serving model: the deferred work's placement and the backlog across days, on a
hand-checkable instance (two sites, two days, one clean hour), and on a real serving day."""

import numpy as np
import pytest

from greenllm.errors import InfeasibleError, InputError
from greenllm.serving import deferrable as dx

CLEAN_HOUR = 6  # hour 6 of day 2 at site 1: the one clean hour of the instance


def two_days(clean_room: float = 1e6):
    """Two sites, two days, one deferred query per hour, 1 kWh per query, no renewables, free power, no tax: site 0
    at 0.5 kg/kWh on day 1 and 1.0 on day 2; site 1 at 1.0 except 0.1 kg/kWh in hour 6 of day 2."""
    rooms = []
    for day in range(2):
        carbon = np.ones((2, 24))
        if day == 0:
            carbon[0] = 0.5
        else:
            carbon[1, CLEAN_HOUR] = 0.1
        room = np.full((2, 24), 1e6)
        if day == 1:
            room[1, CLEAN_HOUR] = clean_room
        rooms.append(dx.Room(own_queries_t=np.ones(24), max_queries_jt=room, renewable_kwh_jt=np.zeros((2, 24)),
                             facility_kwh_per_query_j=np.ones(2), water_l_per_query_jt=np.ones((2, 24)),
                             carbon_kg_per_kwh_jt=carbon, price_usd_per_kwh_jt=np.zeros((2, 24)),
                             carbon_tax_usd_per_kg_j=np.zeros(2)))
    return rooms


def emissions(room, z_jt):
    return float(dx.account(room, z_jt)["emissions_kg"].sum())


def test_work_that_can_reach_the_clean_hour_waits_for_it_across_midnight():
    rooms = two_days()
    ran, backlogs = dx.run_days(rooms)
    # day 1: hours 7..23 arrive within 24 h of the clean hour (30 h into the window) and are carried to it;
    # hours 0..6 cannot reach it and run on day 1 at site 0 (0.5 kg/kWh), in or after their hour
    assert ran[0][0].sum() == pytest.approx(7) and ran[0][1].sum() == pytest.approx(0)
    carried = backlogs[1]
    assert sum(carried.queries) == pytest.approx(17)
    assert sorted(carried.deadline_h) == list(range(7, 24))  # deadline: 24 h after arrival, in day 2's hours
    assert sorted(carried.origin) == [(0, h) for h in range(7, 24)]
    # day 2: the carried work and day 2's hours 0..6 run in the clean hour; the rest before midnight
    assert ran[1][1, CLEAN_HOUR] == pytest.approx(17 + 7)
    assert ran[1].sum() == pytest.approx(17 + 24)
    assert emissions(rooms[0], ran[0]) == pytest.approx(7 * 0.5)
    assert emissions(rooms[1], ran[1]) == pytest.approx(24 * 0.1 + 17 * 1.0)


def test_no_query_runs_before_it_arrives_or_after_its_deadline():
    rooms = two_days()
    z = dx.place(rooms[0].then(rooms[1]), np.ones(24), np.arange(24), np.arange(24) + 24)
    hours = np.arange(48)
    outside = (hours[None, :] < np.arange(24)[:, None]) | (hours[None, :] >= np.arange(24)[:, None] + 24)
    assert z[:, :, :][np.broadcast_to(outside[:, None, :], z.shape)].sum() == pytest.approx(0, abs=1e-9)
    assert z.sum(axis=(1, 2)) == pytest.approx(np.ones(24))


def test_a_full_clean_hour_takes_only_its_room_and_the_rest_runs_on_time_elsewhere():
    rooms = two_days(clean_room=10)
    ran, backlogs = dx.run_days(rooms)
    assert sum(backlogs[1].queries) == pytest.approx(10)  # only what fits is carried
    assert ran[1][1, CLEAN_HOUR] == pytest.approx(10)
    assert ran[0].sum() + ran[1].sum() == pytest.approx(48)  # every query ran
    assert emissions(rooms[0], ran[0]) == pytest.approx(14 * 0.5)


def test_without_carrying_every_day_runs_its_own_work():
    rooms = two_days()
    ran, backlogs = dx.run_days(rooms, carry=False)
    assert all(not b.queries for b in backlogs)
    assert ran[0].sum() == pytest.approx(24) and emissions(rooms[0], ran[0]) == pytest.approx(12)
    carried_total = emissions(rooms[0], dx.run_days(rooms)[0][0]) + emissions(rooms[1], dx.run_days(rooms)[0][1])
    assert carried_total < 12 + emissions(rooms[1], ran[1])  # carrying across midnight pays on this instance


def test_renewables_left_over_are_used_before_the_grid():
    rooms = two_days()
    day = rooms[0]
    renewable = np.zeros((2, 24))
    renewable[1, 20] = 30.0  # site 1, hour 20 of day 1: enough for every query of the day, free of carbon
    day = type(day)(**{**day.__dict__, "renewable_kwh_jt": renewable})
    ran, _ = dx.run_days([day])
    assert ran[0][1, 20] == pytest.approx(21)  # all work arrived by hour 20 waits for the renewables
    assert emissions(day, ran[0]) == pytest.approx(3 * 0.5)


def test_work_that_cannot_fit_before_its_deadline_is_one_clear_error():
    rooms = two_days()
    tight = type(rooms[0])(**{**rooms[0].__dict__, "max_queries_jt": np.zeros((2, 24))})
    with pytest.raises(InfeasibleError, match="cannot take"):
        dx.run_days([tight])
    with pytest.raises(InputError, match="deadline"):
        dx.run_days(rooms, deadline_h=30)


@pytest.fixture(scope="module")
def small_day(tmp_path_factory):
    """A random one-day scenario (2 areas, 3 sites, 24 hours) at 10^6 queries a day, continuous replicas, with its
    interactive plan at d = 0."""
    from greenllm.inputs import load_scenario
    from greenllm.serving import baselines
    from greenllm.serving.catalogue import load_serving
    from greenllm.serving.fleet import FleetOptions, build_fleet, size_renewables
    from greenllm.synthetic import write_random_scenario

    folder = write_random_scenario(tmp_path_factory.mktemp("day") / "s", n_areas=2, n_dcs=3, n_types=1, n_hours=24)
    options = dx.study_options(FleetOptions(queries_per_day=1e6, accelerators=("H100",)))
    fleet = build_fleet(load_scenario(folder), load_serving(), options)
    fleet = size_renewables(fleet, baselines.demand_proportional(fleet))
    return fleet, dx.interactive_plan(fleet)


def test_deferred_work_stays_within_the_accelerators_and_power_cap_the_interactive_load_leaves(small_day):
    from greenllm.serving.fleet import site_hours

    fleet, q0 = small_day
    work = dx.batch_work(fleet)
    q = 0.75 * q0
    ran, _ = dx.run_days([dx.room(fleet, q, 0.25, work)])
    h = site_hours(fleet, q)
    accelerators = h.accelerators_jt + ran[0] * work.accelerator_s[:, None] / 3600
    assert (accelerators <= fleet.installed_j[:, None] * (1 + 1e-6)).all()
    facility_w = h.peak_facility_w_jt + (fleet.scenario.pue * (1 + fleet.host) * work.gpu_j)[:, None] * ran[0] / 3600
    assert (facility_w <= fleet.power_cap_w_j[:, None] * (1 + 1e-6)).all()
    assert ran[0].sum() == pytest.approx(0.25 * fleet.total_queries, rel=1e-6)


def test_deferred_queries_run_at_the_least_energy_point_of_any_batch_limit(small_day):
    fleet, _ = small_day
    work = dx.batch_work(fleet)
    mix_k = fleet.queries_ikt.sum(axis=(0, 2)) / fleet.total_queries
    within_slo = [sum(share * fleet.active_j[(fleet.pair_j == j) & (fleet.pair_k == k)].min()
                      for k, share in enumerate(mix_k)) for j in range(fleet.scenario.n_dcs)]
    assert (work.gpu_j <= np.array(within_slo) * (1 + 1e-9)).all()  # no latency limit: never worse than the SLO's
    assert (work.gpu_j < np.array(within_slo)).any()  # and the SLO rules out the largest batches somewhere


def test_the_joint_lp_is_never_above_the_decomposition(small_day):
    fleet, q0 = small_day
    gap = dx.joint_gap(fleet, q0, 0.25)
    assert gap["joint_kg"] <= gap["decomposed_kg"] * (1 + 1e-6)
    assert gap["gap"] >= -1e-6


def test_shares_table_sums_days_and_sites_and_measures_savings_against_d0():
    import pandas as pd

    rows = []
    for share, kg in ((0.0, 10.0), (0.5, 8.0)):
        for day in (0, 1):
            for site in ("a", "b"):
                rows.append({"share": share, "month": 1, "day": day, "site": site, "emissions_kg": kg,
                             "total_usd": 2.0, "water_l": 1.0, "deferred_queries": share * 10,
                             "backlog_in_queries": 3.0 * share * day, "interactive_emissions_kg": kg,
                             "deferred_emissions_kg": 0.0})
    table = dx.shares_table(pd.DataFrame(rows)).set_index(["share", "month"])
    row = table.loc[(0.5, "1")]
    assert row["emissions_kg"] == 32.0 and row["days"] == 2
    assert row["saving_emissions_kg"] == pytest.approx(1 - 32 / 40)
    assert row["carried_queries"] == pytest.approx(1.5)  # once per day, not once per site
    assert table.loc[(0.5, "all"), "saving_total_usd"] == pytest.approx(0.0)
    sites = dx.sites_table(pd.DataFrame(rows))
    assert sites.loc[(sites.share == 0.5) & (sites.site == "a"), "change_vs_d0_kg"].item() == pytest.approx(-4.0)


def test_the_joint_optimum_is_the_whole_lps_from_the_undominated_basis(small_day):
    """joint_optimum solves the joint LP without the dominated pairs first, then with them from that basis: the
    optimum of one solve of the whole LP (and never above the undominated LP's)."""
    import dataclasses

    from greenllm.serving.daily import dominated_pairs
    from greenllm.serving.lp import FleetSolver, build_lp

    fleet, _ = small_day
    share = 0.25
    inter = dataclasses.replace(fleet, queries_ikt=(1 - share) * fleet.queries_ikt)
    lp = dx.joint_lp(inter, build_lp(inter), share * fleet.queries_ikt.sum(axis=(0, 1)), dx.batch_work(fleet))
    dominated = dominated_pairs(fleet)
    assert dominated.any()  # the instance has dominated points to hold back
    whole = FleetSolver(inter, lp, relax=True)
    whole.solve(("emissions_kg",))
    upper = lp.col_upper.copy()
    upper[:lp.n_y][np.repeat(dominated, lp.lam.shape[1])] = 0.0  # y[p, t] at column p n_t + t
    undominated = FleetSolver(inter, dataclasses.replace(lp, col_upper=upper), relax=True)
    undominated.solve(("emissions_kg",))
    joint = dx.joint_optimum(inter, lp, dominated)
    assert joint == pytest.approx(whole.stages["emissions_kg"], rel=1e-9)
    assert joint <= undominated.stages["emissions_kg"] * (1 + 1e-9)


def test_day_fleets_built_once_equal_fleets_built_per_day(tmp_path):
    """day_fleets builds pools and pairs on the first day and moves them to the next days: every array equals the
    fleet build_fleet makes for that day on its own."""
    import dataclasses

    from greenllm import year
    from greenllm.inputs import load_scenario
    from greenllm.serving import baselines
    from greenllm.serving.catalogue import load_serving
    from greenllm.serving.fleet import FleetOptions, build_fleet, size_renewables
    from greenllm.synthetic import write_random_scenario

    s = load_scenario(write_random_scenario(tmp_path / "s", n_areas=2, n_dcs=3, n_types=1, n_hours=72, seed=3))
    options, catalogue = FleetOptions(queries_per_day=1e6, accelerators=("H100",)), load_serving()
    moved = dx.day_fleets(s, [0, 1, 2], options, catalogue)
    for day, fleet in enumerate(moved):
        alone = build_fleet(year.day_scenario(s, day), catalogue, dx.study_options(options))
        alone = size_renewables(alone, baselines.demand_proportional(alone))
        for f in dataclasses.fields(alone):
            a, b = getattr(alone, f.name), getattr(fleet, f.name)
            if f.name == "load_up":
                assert (a != b).nnz == 0
            elif isinstance(a, np.ndarray):
                np.testing.assert_array_equal(a, b, err_msg=f.name)
            elif f.name != "scenario":
                assert a == b, f.name
    assert not np.array_equal(moved[0].installed_j, moved[1].installed_j) or not np.array_equal(
        moved[0].queries_ikt, moved[1].queries_ikt)  # the days differ: the test compares derived values


def test_a_fleet_moves_only_to_a_scenario_of_the_same_sites_and_round_trips(small_day):
    import dataclasses

    from greenllm.serving.fleet import on_demand

    fleet, _ = small_day
    with pytest.raises(InputError, match="same areas, sites and round trips"):
        on_demand(fleet, dataclasses.replace(fleet.scenario, rtt_s=2 * fleet.scenario.rtt_s))


def test_with_nothing_waiting_nothing_runs_and_nothing_is_carried():
    import dataclasses

    rooms = [dataclasses.replace(r, own_queries_t=np.zeros(24)) for r in two_days()]
    ran, backlogs = dx.run_days(rooms)
    assert all((z == 0).all() and z.shape == (2, 24) for z in ran)
    assert all(b.queries == () for b in backlogs)
