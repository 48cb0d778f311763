"""Baseline allocations on a :class:`~greenllm.serving.fleet.Fleet`: pure functions, queries per pair and hour [p, t].

Each baseline routes every (area, class, hour)'s queries to sites by a fixed rule, only over pairs that meet the
SLO, filling sites up to their capacity (:func:`capacity_s`: installed accelerators and power cap, less a reserve for
whole replicas of the pools the rule runs and for the availability minimum); at a site it runs the operating point
its rule names. They are accounted for with :func:`greenllm.serving.fleet.account`, exactly as the optimised allocations.

* ``nearest``: latency-greedy; each area's nearest site first, at the fastest operating point.
* ``lowest_carbon``: sites by grid carbon intensity x PUE that hour, at the most energy-efficient operating point.
* ``lowest_price``: sites by electricity price x PUE that hour, most efficient operating point.
* ``demand_proportional``: every load split over the sites in proportion to their installed accelerators, most
  efficient operating point.
* ``follow_renewables``: sites by on-site renewable energy that hour (most first; ties by carbon), most efficient
  operating point.
* ``renewables_first_{emissions,cost,water}``: the rule an operator would try first for one objective. Each hour,
  each (area, class) load goes to the site with the lowest objective per query at that site's most energy-efficient
  SLO-feasible operating point, where a query is free while the site's on-site renewables last (emissions and cost)
  and otherwise costs

      emissions  CI_jt x facility Wh                       [kg per query]
      cost       (max(price_jt, 0) + tax_j x CI_jt) x facility Wh   [$ per query]
      water      (WUE_jt + PUE_j x EWIF_jt) x IT Wh        [L per query; renewables do not change it]

  filling a site to its capacity (or its renewables) before the next; loads are placed largest first.
* ``follow_the_sun``: forecast-free; sites where the sun is up (local solar time 06:00-18:00 from the site's
  longitude and the scenario's UTC clock) nearest first, then the others nearest first; most efficient operating
  point.

Loads are placed largest first; a load that no site can take is left unserved and the account says so.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from greenllm.errors import InputError
from greenllm.serving.fleet import J_PER_KWH, S_PER_HOUR, Fleet, billed_price

GREEDY_OBJECTIVES = {"emissions_kg": "renewables_first_emissions", "total_usd": "renewables_first_cost",
                     "water_l": "renewables_first_water"}
BASELINES = ("nearest", "lowest_carbon", "lowest_price", "demand_proportional", "follow_renewables",
             *GREEDY_OBJECTIVES.values(), "follow_the_sun")
DAYTIME_SOLAR_H = (6.0, 18.0)  # local solar hours counted as daytime by follow_the_sun [h]
DEG_PER_HOUR = 15.0  # the sun crosses 15 degrees of longitude per hour


def pair_energy_j(fleet: Fleet) -> np.ndarray:
    """Facility-independent energy per query of each pair [J]: busy GPU and host energy plus the idle draw of the
    provisioning headroom its busy time needs (peak_to_mean - 1 idle accelerator-seconds per busy second)."""
    headroom = fleet.catalogue.peak_to_mean - 1.0
    return (fleet.active_j * (1 + fleet.catalogue.host_j_per_accelerator_j)
            + fleet.idle_w_j[fleet.pair_j] * fleet.busy_s * headroom)


def choose_points(fleet: Fleet, rule: str) -> np.ndarray:
    """Pair index per (area, class, site) of the operating point a rule picks there, -1 where none meets the SLO.

    rule ``fastest``: the lowest latency; ``efficient``: the lowest energy per query (:func:`pair_energy_j`); of
    equal keys, the first pair.
    """
    s = fleet.scenario
    key = fleet.latency_s if rule == "fastest" else pair_energy_j(fleet)
    choice = np.full((s.n_areas, len(fleet.class_names), s.n_dcs), -1)
    p = np.flatnonzero(fleet.slo_ok & (key < np.inf))
    cell = np.ravel_multi_index((fleet.pair_i[p], fleet.pair_k[p], fleet.pair_j[p]), choice.shape)
    order = np.lexsort((p, key[p], cell))  # by cell, then key, then pair
    first = np.r_[True, cell[order][1:] != cell[order][:-1]]
    choice.flat[cell[order][first]] = p[order][first]
    return choice


def capacity_s(fleet: Fleet, choice: np.ndarray) -> np.ndarray:
    """Busy accelerator-seconds each site can take in an hour [j] for a rule that runs only the pairs in ``choice``
    (-1 entries ignored): :meth:`~greenllm.serving.fleet.Fleet.busy_capacity_s`, whose reserve for rounding up to
    whole replicas is one replica per (site, model, pool kind), with that reserve replaced by one replica of every
    pool the rule runs (a rule running two operating points of one model at a site rounds both up)."""
    pairs = np.unique(choice[choice >= 0])
    used = np.zeros(fleet.n_pools, bool)
    used[np.unique(fleet.load_up[:, pairs].nonzero()[0])] = True
    n_j = fleet.scenario.n_dcs
    group_r = np.zeros(fleet.n_groups)
    np.maximum.at(group_r, fleet.pool_group, fleet.pool_r)
    group_j = np.zeros(fleet.n_groups, int)
    group_j[fleet.pool_group] = fleet.pool_j
    reserved, needed = np.zeros(n_j), np.zeros(n_j)
    np.add.at(reserved, group_j, group_r)
    np.add.at(needed, fleet.pool_j[used], fleet.pool_r[used])
    base = fleet.busy_capacity_s()
    extra_s = (reserved - needed) * S_PER_HOUR / fleet.catalogue.peak_to_mean
    return np.where(base > 0, np.maximum(base + extra_s, 0.0), 0.0)


def _greedy(fleet: Fleet, rule: str, site_order: Callable[[int, int], np.ndarray]) -> np.ndarray:
    """Fill sites in ``site_order(area, hour)`` order, loads largest first, at the operating point of ``rule``."""
    s = fleet.scenario
    choice = choose_points(fleet, rule)
    pair_ikj = choice.tolist()
    busy_ikj = np.where(choice >= 0, fleet.busy_s[np.maximum(choice, 0)], np.inf).tolist()
    q = np.zeros((fleet.n_pairs, s.n_hours))
    hour_s = capacity_s(fleet, choice).tolist()  # the same every hour
    for t in range(s.n_hours):
        orders = [[int(j) for j in site_order(i, t)] for i in range(s.n_areas)]
        left_s, q_p = list(hour_s), {}
        loads = fleet.queries_ikt[:, :, t]
        for i, k in zip(*np.unravel_index(np.argsort(-loads, axis=None, kind="stable"), loads.shape)):
            _fill(q_p, float(loads[i, k]), orders[i], pair_ikj[i][k], busy_ikj[i][k], left_s)
        q[list(q_p), t] = list(q_p.values())
    return q


def _fill(q_p: dict, queries: float, sites: list, pair_at: list, busy_s_at: list, left_s: list) -> float:
    """:func:`fill` on Python lists: ``pair_at[j]`` and ``busy_s_at[j]`` [s per query] per site; adds to the
    queries per pair ``q_p`` {p: queries}, lowers ``left_s`` in place, returns the queries no site could take."""
    for j in sites:
        if queries <= 0:
            break
        p = pair_at[j]
        if p < 0 or left_s[j] <= 0:
            continue
        take = min(queries, left_s[j] / busy_s_at[j])
        q_p[p] = q_p.get(p, 0.0) + take
        left_s[j] -= take * busy_s_at[j]
        queries -= take
    return queries


def fill(fleet: Fleet, q_p: np.ndarray, queries: float, sites, pair_at: np.ndarray, left_s: np.ndarray) -> float:
    """Place ``queries`` of one (area, class) and hour on ``sites`` in that order, each at its pair ``pair_at[j]``
    (-1: none within the SLO), within the busy accelerator-seconds ``left_s`` [j] the sites have left; adds to
    ``q_p`` [p] and lowers ``left_s`` in place; returns the queries no site could take."""
    pairs = [int(p) for p in pair_at]
    busy_s_at = [float(fleet.busy_s[p]) if p >= 0 else np.inf for p in pairs]
    placed, left = {}, left_s.tolist()
    rest = _fill(placed, float(queries), [int(j) for j in sites], pairs, busy_s_at, left)
    q_p[list(placed)] += list(placed.values())  # one site per pair: each pair placed at most once
    left_s[:] = left
    return rest


def objective_per_facility_kwh(fleet: Fleet, objective: str) -> np.ndarray:
    """What one facility kWh drawn from the grid costs on ``objective`` per site and hour, [j, t]: kg CO2e
    (emissions_kg), $ (total_usd: billed price plus carbon tax), or L of water (water_l: (WUE + PUE x EWIF) / PUE per
    facility kWh, drawn whether or not renewables supply it)."""
    s = fleet.scenario
    if objective == "emissions_kg":
        return s.carbon_kg_per_kwh
    if objective == "total_usd":
        return billed_price(s) + s.carbon_tax_usd_per_kg[:, None] * s.carbon_kg_per_kwh
    if objective == "water_l":
        return (s.wue_l_per_kwh + s.pue[:, None] * s.ewif_l_per_kwh) / s.pue[:, None]
    raise InputError(f"serving baselines: objective {objective!r} is not one of {', '.join(GREEDY_OBJECTIVES)}")


def renewables_first(fleet: Fleet, objective: str) -> np.ndarray:
    """The renewables-first greedy for one objective (module docstring), queries per pair and hour [p, t].

    Each hour, on-site renewables go first to the loads that save the most per renewable kWh (the objective of the
    load's cheapest grid site per query over the facility kWh per query here); what is left is placed load by load,
    largest first, on the sites with the lowest objective per query, within capacity."""
    s = fleet.scenario
    choice = choose_points(fleet, "efficient")  # [i, k, j]
    ok = choice >= 0
    pair = np.where(ok, choice, 0)
    facility_kwh = np.where(ok, (s.pue[fleet.pair_j] * pair_energy_j(fleet) / J_PER_KWH)[pair], np.inf)  # per query
    busy_s = fleet.busy_s[pair]
    pair_ikj, busy_ikj, facility_ikj, ok_ikj = pair.tolist(), busy_s.tolist(), facility_kwh.tolist(), ok.tolist()
    per_kwh = objective_per_facility_kwh(fleet, objective)
    q = np.zeros((fleet.n_pairs, s.n_hours))
    hour_s = capacity_s(fleet, choice).tolist()  # the same every hour
    for t in range(s.n_hours):
        left_s, q_p = list(hour_s), {}
        todo = fleet.queries_ikt[:, :, t].tolist()
        grid_cost = per_kwh[None, None, :, t] * facility_kwh  # [i, k, j] per query

        def place(i, k, j, n):
            p = pair_ikj[i][k][j]
            q_p[p] = q_p.get(p, 0.0) + n
            left_s[j] -= n * busy_ikj[i][k][j]
            todo[i][k] -= n

        if objective != "water_l":
            renewable_left = fleet.renewable_kwh_jt[:, t].tolist()
            saving = np.where(ok, grid_cost.min(axis=2, keepdims=True) / facility_kwh, -np.inf)
            flat = np.argsort(-saving, axis=None, kind="stable")
            flat = flat[ok.ravel()[flat]]  # the pairs within the SLO, most saving first
            for i, k, j in zip(*(a.tolist() for a in np.unravel_index(flat, saving.shape))):
                if renewable_left[j] <= 0 or left_s[j] <= 0 or todo[i][k] <= 0:
                    continue
                n = min(todo[i][k], left_s[j] / busy_ikj[i][k][j], renewable_left[j] / facility_ikj[i][k][j])
                renewable_left[j] = max(renewable_left[j] - n * facility_ikj[i][k][j], 0.0)
                place(i, k, j, n)
        site_order = np.argsort(np.where(ok, grid_cost, np.inf), axis=2, kind="stable").tolist()  # cheapest first
        left_ik = np.array(todo)
        for i, k in zip(*(a.tolist() for a in np.unravel_index(np.argsort(-left_ik, axis=None, kind="stable"),
                                                               left_ik.shape))):
            for j in site_order[i][k]:
                if todo[i][k] <= 0 or not ok_ikj[i][k][j]:
                    break
                if left_s[j] > 0:
                    place(i, k, j, min(todo[i][k], left_s[j] / busy_ikj[i][k][j]))
        q[list(q_p), t] = list(q_p.values())
    return q


def sun_up(fleet: Fleet) -> np.ndarray:
    """Whether the sun is up at each site and hour [j, t] (local solar time within :data:`DAYTIME_SOLAR_H`), from the
    site longitudes (``datacenters.csv``) and the first hour's UTC time (``scalars.json``, start_utc) of the
    scenario folder: what an operator knows without a forecast."""
    s = fleet.scenario
    folder = s.path
    if folder is None:
        raise InputError("serving baselines, follow_the_sun: the scenario has no folder to read longitudes from")
    sites = pd.read_csv(folder / "datacenters.csv")
    if "longitude" not in sites:
        raise InputError(f"{folder / 'datacenters.csv'}, column \"longitude\": missing (follow_the_sun needs it)")
    start = s.scalars.get("start_utc")
    if start is None:
        raise InputError(f"{folder / 'scalars.json'}, start_utc: missing (follow_the_sun needs the UTC clock)")
    stamp = pd.Timestamp(start).tz_convert("UTC")
    utc_h = stamp.hour + stamp.minute / 60 + np.arange(s.n_hours) * float(s.scalars.get("slot_length_h", 1.0))
    solar_h = (utc_h[None, :] + sites["longitude"].to_numpy(float)[:, None] / DEG_PER_HOUR) % 24
    return (solar_h >= DAYTIME_SOLAR_H[0]) & (solar_h < DAYTIME_SOLAR_H[1])


def follow_the_sun(fleet: Fleet) -> np.ndarray:
    day = sun_up(fleet)
    nearest_first = np.argsort(fleet.scenario.rtt_s, axis=1, kind="stable")
    return _greedy(fleet, "efficient",
                   lambda i, t: np.concatenate([[j for j in nearest_first[i] if day[j, t]],
                                                [j for j in nearest_first[i] if not day[j, t]]]).astype(int))


def nearest(fleet: Fleet) -> np.ndarray:
    order = np.argsort(fleet.scenario.rtt_s, axis=1, kind="stable")
    return _greedy(fleet, "fastest", lambda i, t: order[i])


def lowest_carbon(fleet: Fleet) -> np.ndarray:
    s = fleet.scenario
    order = np.argsort(s.carbon_kg_per_kwh * s.pue[:, None], axis=0, kind="stable")
    return _greedy(fleet, "efficient", lambda i, t: order[:, t])


def lowest_price(fleet: Fleet) -> np.ndarray:
    s = fleet.scenario
    order = np.argsort(s.price_usd_per_kwh * s.pue[:, None], axis=0, kind="stable")
    return _greedy(fleet, "efficient", lambda i, t: order[:, t])


def follow_renewables(fleet: Fleet) -> np.ndarray:
    s = fleet.scenario
    order = np.lexsort((s.carbon_kg_per_kwh, -fleet.renewable_kwh_jt), axis=0)
    return _greedy(fleet, "efficient", lambda i, t: order[:, t])


def demand_proportional(fleet: Fleet) -> np.ndarray:
    """Each (area, class, hour)'s queries over the sites that can serve it, in proportion to installed accelerators."""
    s = fleet.scenario
    choice = choose_points(fleet, "efficient")
    q = np.zeros((fleet.n_pairs, s.n_hours))
    for i in range(s.n_areas):
        for k in range(len(fleet.class_names)):
            sites = np.flatnonzero(choice[i, k] >= 0)
            weights = fleet.installed_j[sites] / fleet.installed_j[sites].sum()
            q[choice[i, k, sites]] += weights[:, None] * fleet.queries_ikt[i, k][None, :]
    return q


POLICIES: dict[str, Callable[[Fleet], np.ndarray]] = {
    "nearest": nearest, "lowest_carbon": lowest_carbon, "lowest_price": lowest_price,
    "demand_proportional": demand_proportional, "follow_renewables": follow_renewables,
    **{name: (lambda fleet, objective=objective: renewables_first(fleet, objective))
       for objective, name in GREEDY_OBJECTIVES.items()},
    "follow_the_sun": follow_the_sun,
}
