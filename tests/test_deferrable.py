"""Requests that can wait (greenllm.deferrable) on a hand-checkable three-day instance where the optimal shift is
known: site 0 is cheap (0.01 $/kWh) at hour 5 of every day and 0.10 otherwise, sites 1 and 2 cost 0.20; no
renewables, no carbon price, grid and water unlimited, scheme energy. Deferrable work of hours 0..5 then runs at
site 0, hour 5 the same day; work of hours 6..23 (deadline 24 h) waits for hour 5 of the next day, carried across
the day boundary, except on the last day, which carries nothing and runs it at site 0 before midnight."""

import dataclasses

import numpy as np
import pytest

from greenllm import deferrable, year
from greenllm.errors import InputError
from greenllm.inputs import load_scenario
from greenllm.solve import solve
from greenllm.synthetic import write_random_scenario

CHEAP_HOUR = 5
SHARE = 0.5


@pytest.fixture(scope="module")
def cheap_hour_scenario(tmp_path_factory):
    folder = write_random_scenario(tmp_path_factory.mktemp("deferrable") / "three_days", n_areas=3, n_dcs=3,
                                   n_types=2, n_hours=72, seed=3)
    s = load_scenario(folder)
    price = np.full((s.n_dcs, s.n_hours), 0.20)
    price[0] = 0.10
    price[0, CHEAP_HOUR::24] = 0.01
    return dataclasses.replace(s, price_usd_per_kwh=price, renewable_kw=np.zeros_like(price),
                               grid_cap_kw=np.full_like(price, 1e7), carbon_tax_usd_per_kg=np.zeros(s.n_dcs),
                               water_budget_l=1e12, capacity=s.capacity * 1e6)


@pytest.fixture(scope="module")
def ran(cheap_hour_scenario):
    return deferrable.run(cheap_hour_scenario, SHARE, 24, scheme="energy")


def _own_kwh(s, day):
    return deferrable.deferrable_kwh(year.day_scenario(s, day), SHARE)


def test_early_work_runs_at_the_cheap_hour_the_same_day(cheap_hour_scenario, ran):
    frame, solutions = ran
    for day, solution in enumerate(solutions):
        own = _own_kwh(cheap_hour_scenario, day)
        early = solution.z[:CHEAP_HOUR + 1]
        np.testing.assert_allclose(early[:, 0, CHEAP_HOUR], own[:CHEAP_HOUR + 1], rtol=1e-7)
        assert early.sum() == pytest.approx(own[:CHEAP_HOUR + 1].sum(), rel=1e-7)


def test_late_work_waits_for_the_next_days_cheap_hour(cheap_hour_scenario, ran):
    frame, solutions = ran
    for day in (0, 1):
        own = _own_kwh(cheap_hour_scenario, day)
        carried = solutions[day].carried
        np.testing.assert_allclose(carried[CHEAP_HOUR + 1:24, 0, CHEAP_HOUR], own[CHEAP_HOUR + 1:], rtol=1e-7)
        assert frame.loc[day, "carried_out_kwh"] == pytest.approx(own[CHEAP_HOUR + 1:].sum(), rel=1e-7)
        backlog = solutions[day + 1].z[24:]  # next day: the backlog runs at site 0, hour 5, before its deadline
        assert backlog.sum() == pytest.approx(own[CHEAP_HOUR + 1:].sum(), rel=1e-7)
        assert backlog[:, 0, CHEAP_HOUR].sum() == pytest.approx(backlog.sum(), rel=1e-7)


def test_last_day_carries_nothing_and_meets_every_deadline(cheap_hour_scenario, ran):
    frame, solutions = ran
    last = solutions[-1]
    own = _own_kwh(cheap_hour_scenario, 2)
    assert frame.loc[2, "carried_out_kwh"] == 0
    for o in range(CHEAP_HOUR + 1, 24):  # runs at site 0 in its own hours o..23
        assert last.z[o, 0, o:].sum() == pytest.approx(own[o], rel=1e-7)
        assert last.z[o, :, :o].sum() == 0 and last.z[o, 1:].sum() == pytest.approx(0, abs=1e-9)
    served = frame["run_kwh"].sum()
    assert served == pytest.approx(sum(_own_kwh(cheap_hour_scenario, d).sum() for d in range(3)), rel=1e-9)


def test_deferred_energy_costs_what_the_hand_count_says(cheap_hour_scenario, ran):
    """Energy cost with the deferrable class - the interactive load alone = PUE_0 x price x the deferred kWh where
    they ran: 0.01 $/kWh for everything except the last day's late work (0.10)."""
    frame, _ = ran
    s = cheap_hour_scenario
    pue = s.pue[0]
    hand = 0.0
    for day in range(3):
        own = _own_kwh(s, day)
        late = own[CHEAP_HOUR + 1:].sum()
        hand += pue * 0.01 * (own.sum() - late) + pue * (0.10 if day == 2 else 0.01) * late
    interactive = sum(
        solve(dataclasses.replace(year.day_scenario(s, d), queries=year.day_scenario(s, d).queries * (1 - SHARE)),
              "energy", solver="highs").costs["energy"] for d in range(3))
    assert frame["energy_usd"].sum() - interactive == pytest.approx(hand, rel=1e-6)


def test_no_deferrable_share_is_the_plain_day(cheap_hour_scenario):
    frame, _ = deferrable.run(cheap_hour_scenario, 0.0, 24, scheme="energy", days=[1])
    plain = solve(year.day_scenario(cheap_hour_scenario, 1), "energy", solver="highs")
    assert frame.loc[0, "energy_usd"] == pytest.approx(plain.costs["energy"], rel=1e-9)


def test_bad_share_or_deadline_is_one_message(cheap_hour_scenario):
    with pytest.raises(InputError, match="share"):
        deferrable.run(cheap_hour_scenario, 1.0)
    with pytest.raises(InputError, match="deadline"):
        deferrable.run(cheap_hour_scenario, 0.1, 48)


def test_deferred_work_uses_the_sites_resources(cheap_hour_scenario):
    """(D5): with the site's resources as they were drawn, the cheap hour cannot take a whole day's deferred work;
    what the resource row at (site 0, hour 5) leaves runs elsewhere, and the row holds."""
    from greenllm.formulations import PaperFormulation

    s = load_scenario(cheap_hour_scenario.path)
    s = dataclasses.replace(cheap_hour_scenario, capacity=s.capacity)
    frame, solutions = deferrable.run(s, SHARE, 24, scheme="energy", days=[0])
    z = solutions[0].z
    use_r = deferrable.resource_use_per_kwh(PaperFormulation(), dataclasses.replace(
        year.day_scenario(s, 0), queries=year.day_scenario(s, 0).queries * (1 - SHARE)))
    x = solutions[0].x
    interactive = PaperFormulation().account(dataclasses.replace(
        year.day_scenario(s, 0), queries=year.day_scenario(s, 0).queries * (1 - SHARE)), solutions[0])
    used = interactive.resource_use_jrt[0, :, CHEAP_HOUR] + use_r * z[:, 0, CHEAP_HOUR].sum()
    assert (used <= s.capacity[0] * (1 + 1e-7)).all() and x.shape[1] == s.n_dcs
    assert z[:, 0, CHEAP_HOUR].sum() < frame.loc[0, "deferrable_kwh"]  # the cheap hour is full


def test_without_carry_every_day_finishes_its_own_work(cheap_hour_scenario):
    frame, solutions = deferrable.run(cheap_hour_scenario, SHARE, 24, scheme="energy", days=[0, 1], carry=False)
    assert (frame["carried_out_kwh"] == 0).all() and (frame["backlog_run_kwh"] == 0).all()
    own = _own_kwh(cheap_hour_scenario, 0)
    for o in range(CHEAP_HOUR + 1, 24):
        assert solutions[0].z[o, 0, o:].sum() == pytest.approx(own[o], rel=1e-7)


def test_column_hours_follow_the_lp_layout(cheap_hour_scenario):
    """The 48-hour window splits the water budget by day with the hour of every column: shares x[i, j, k, t] and
    grid power [j, t] of the paper's LP."""
    from greenllm.formulations import PaperFormulation

    window = year.hours_scenario(cheap_hour_scenario, 0, 48)
    lp = PaperFormulation().build_lp(window)
    hours = deferrable.column_hours(lp, 48)
    x_hours = np.broadcast_to(np.arange(48), lp.shape_x).ravel()
    np.testing.assert_array_equal(hours[:lp.n_x], x_hours)
    np.testing.assert_array_equal(hours[lp.grid_cols], np.broadcast_to(np.arange(48), lp.shape_grid).ravel())


def test_a_binding_water_budget_holds_on_every_day_that_ran(cheap_hour_scenario):
    """With a budget that binds, the two-day plan may not borrow tomorrow's water: each day's run is within Z."""
    s = cheap_hour_scenario
    loose, _ = deferrable.run(s, SHARE, 24, scheme="energy", days=[0, 1])
    tight = dataclasses.replace(s, water_budget_l=0.9 * float(loose["water_l"].max()))
    frame, _ = deferrable.run(tight, SHARE, 24, scheme="energy", days=[0, 1])
    assert (frame["water_l"] <= tight.water_budget_l * (1 + 1e-7)).all()
    assert frame["water_l"].max() == pytest.approx(tight.water_budget_l, rel=1e-6)  # it binds
