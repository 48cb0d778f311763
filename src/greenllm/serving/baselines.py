"""Baseline allocations on a :class:`~greenllm.serving.fleet.Fleet`: pure functions, queries per pair and hour [p, t].

Each baseline routes every (area, class, hour)'s queries to sites by a fixed rule, only over pairs that meet the
SLO, filling sites up to their capacity (:meth:`~greenllm.serving.fleet.Fleet.busy_capacity_s`: installed accelerators
and power cap, less a reserve for whole replicas); at a site it runs the operating point its rule names. They are
accounted for with :func:`greenllm.serving.fleet.account`, exactly as the optimised allocations.

* ``nearest``: latency-greedy; each area's nearest site first, at the fastest operating point.
* ``lowest_carbon``: sites by grid carbon intensity x PUE that hour, at the most energy-efficient operating point.
* ``lowest_price``: sites by electricity price x PUE that hour, most efficient operating point.
* ``demand_proportional``: every load split over the sites in proportion to their installed accelerators, most
  efficient operating point.
* ``follow_renewables``: sites by on-site renewable energy that hour (most first; ties by carbon), most efficient
  operating point.

Loads are placed largest first; a load that no site can take is left unserved and the account says so.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from greenllm.serving.fleet import Fleet

BASELINES = ("nearest", "lowest_carbon", "lowest_price", "demand_proportional", "follow_renewables")


def pair_energy_j(fleet: Fleet) -> np.ndarray:
    """Facility-independent energy per query of each pair [J]: busy GPU and host energy plus the idle draw of the
    provisioning headroom its busy time needs (peak_to_mean - 1 idle accelerator-seconds per busy second)."""
    headroom = fleet.catalogue.peak_to_mean - 1.0
    return (fleet.active_j * (1 + fleet.catalogue.host_j_per_accelerator_j)
            + fleet.idle_w_j[fleet.pair_j] * fleet.busy_s * headroom)


def choose_points(fleet: Fleet, rule: str) -> np.ndarray:
    """Pair index per (area, class, site) of the operating point a rule picks there, -1 where none meets the SLO.

    rule ``fastest``: the lowest latency; ``efficient``: the lowest energy per query (:func:`pair_energy_j`).
    """
    s = fleet.scenario
    key = fleet.latency_s if rule == "fastest" else pair_energy_j(fleet)
    choice = np.full((s.n_areas, len(fleet.class_names), s.n_dcs), -1)
    best = np.full(choice.shape, np.inf)
    for p in np.flatnonzero(fleet.slo_ok):
        i, j, k = fleet.pair_i[p], fleet.pair_j[p], fleet.pair_k[p]
        if key[p] < best[i, k, j]:
            best[i, k, j], choice[i, k, j] = key[p], p
    return choice


def _capacity_s(fleet: Fleet) -> np.ndarray:
    """Busy accelerator-seconds each site can take in an hour [j] (installed accelerators and power cap, less the
    reserve for whole replicas and the availability minimum: Fleet.busy_capacity_s)."""
    return fleet.busy_capacity_s()


def _greedy(fleet: Fleet, rule: str, site_order: Callable[[int, int], np.ndarray]) -> np.ndarray:
    """Fill sites in ``site_order(area, hour)`` order, loads largest first, at the operating point of ``rule``."""
    s = fleet.scenario
    choice = choose_points(fleet, rule)
    q = np.zeros((fleet.n_pairs, s.n_hours))
    for t in range(s.n_hours):
        left_s = _capacity_s(fleet).copy()
        loads = fleet.queries_ikt[:, :, t]
        for flat in np.argsort(-loads, axis=None, kind="stable"):
            i, k = np.unravel_index(flat, loads.shape)
            todo = loads[i, k]
            for j in site_order(i, t):
                p = choice[i, k, j]
                if todo <= 0:
                    break
                if p < 0 or left_s[j] <= 0:
                    continue
                take = min(todo, left_s[j] / fleet.busy_s[p])
                q[p, t] += take
                left_s[j] -= take * fleet.busy_s[p]
                todo -= take
    return q


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
}
