"""Requests that can wait on the serving model: a deferrable class (like a batch API: no interactive SLO, a deadline).

A share d of each hour's queries is deferrable: it has no latency limit and must run by its deadline (24 h after it
arrives), at any site in any hour before then. The other (1 - d) are interactive and served as the serving model
serves them. Deferred work runs at the most efficient measured operating point of the site's accelerator for each
class (least busy GPU energy per query; no latency limit, so every measured batch limit qualifies), in the class mix
of the demand, and fills whole accelerators for the hour (a batch queue has no within-hour peak).

**Design: interactive plan first, deferred work in what it leaves (a decomposition).** Per day the interactive load
is planned once: the serving LP's ``min_emissions`` optimum at d = 0 (continuous replicas, with its tie-break stage),
whose allocation scaled by (1 - d) serves the interactive share (replicas re-derived by the account's rule). What it
leaves per site and hour -- accelerators, power under the cap, on-site renewables -- is the room of the deferred
work, placed by a small LP (:func:`place`) over z[o, j, t], the deferred queries of origin hour o run at site j in
hour t:

    served    sum_jt z[o, j, t] = D_o                               D_o = d x the queries of hour o      per origin o
    window    z[o, j, t] = 0 unless first_o <= t < deadline_o
    room      sum_o z[o, j, t] <= Z_jt = min(free accelerators x 3600 / a_j,
                                            free power x 3600 / (PUE_j (1 + host) e_j))                    per (j, t)
    grid      PUE_j (1 + host) e_j / 3.6e6 sum_o z[o, j, t] - g[j, t] <= leftover renewables [kWh]          per (j, t)
    e_j: busy GPU J per deferred query, a_j: busy accelerator-s per query (site j's most efficient points)

minimising emissions (grid x CI), then total cost (grid x max(price, 0) + carbon tax x emissions), then water
(IT kWh x (WUE + PUE EWIF)), lexicographically. Renewables left over by the interactive load are used first (they
cost nothing), as in the serving account. The interactive plan is feasible for the joint problem and the deferred
placement is optimal in its residual, so the result is a feasible point of the joint model (interactive and deferred
co-optimised in one LP): its emissions are an **upper bound** of the joint optimum, and the saving of d > 0 over
d = 0 a lower bound of what joint planning would find. :func:`joint_gap` measures the gap on single days.

**Across days: a receding 48-hour window.** Day k places its own work (deadlines up to 47 h into the window) and
the backlog carried into it on the residual of days k and k + 1 (perfect foresight of both); only day k's hours run,
and work placed in day k + 1 becomes day k + 1's backlog, with its deadline, placed anew there. The last day of a
run plans on itself alone: work whose deadline lies beyond it runs in it. Every day's run is checked: all of the
day's and the backlog's work is run or carried, inside its window, within the room (:func:`run_days`).

The carried work is a list of query batches (:class:`QueryBacklog`), not :class:`greenllm.deferrable.Backlog`: that
type carries IT energy, which here depends on the site the work will run at.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from greenllm.errors import InfeasibleError, InputError, SolverError
from greenllm.serving.fleet import (J_PER_KWH, S_PER_HOUR, Fleet, billed_price, build_fleet, on_demand, site_hours,
                                   size_renewables)

HOURS_PER_DAY = 24
DEADLINE_H = 24
SHARES = (0.0, 0.1, 0.25, 0.5)
ORDER = ("emissions_kg", "total_usd", "water_l")  # lexicographic order of the placement
STAGE_REL, STAGE_ABS = 1e-9, 1e-9  # slack that keeps an earlier stage at its optimum
ROOM_TOLERANCE = 1e-6  # relative: what ran may exceed the room by the solver's feasibility tolerance


@dataclass(frozen=True)
class Room:
    """What the interactive plan leaves for deferred work, per site j and hour t, and the prices of using it.

    own_queries_t: deferred queries arriving in each hour [t]; max_queries_jt: room Z_jt [queries];
    renewable_kwh_jt: on-site renewables the interactive load leaves [kWh]; facility_kwh_per_query_j: PUE (1 + host)
    e_j / 3.6e6 [kWh]; water_l_per_query_jt: IT energy per query x (WUE + PUE EWIF) [L]; carbon_kg_per_kwh_jt,
    price_usd_per_kwh_jt (billed, >= 0); carbon_tax_usd_per_kg_j."""

    own_queries_t: np.ndarray
    max_queries_jt: np.ndarray
    renewable_kwh_jt: np.ndarray
    facility_kwh_per_query_j: np.ndarray
    water_l_per_query_jt: np.ndarray
    carbon_kg_per_kwh_jt: np.ndarray
    price_usd_per_kwh_jt: np.ndarray
    carbon_tax_usd_per_kg_j: np.ndarray

    @property
    def n_hours(self) -> int:
        return self.max_queries_jt.shape[1]

    def then(self, other: Room) -> Room:
        """This room followed by ``other``'s hours (a window of two days)."""
        hourly = {f.name: np.concatenate([getattr(self, f.name), getattr(other, f.name)], axis=-1)
                  for f in dataclasses.fields(self) if f.name.endswith("_t") or f.name.endswith("_jt")}
        return dataclasses.replace(self, **hourly)


@dataclass(frozen=True)
class QueryBacklog:
    """Deferred queries carried into a day: per item the queries, the deadline (hour of the day, exclusive) and the
    origin (day, hour) it arrived in."""

    queries: tuple[float, ...] = ()
    deadline_h: tuple[int, ...] = ()
    origin: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class BatchWork:
    """A deferred query at each site [j]: busy GPU energy [J] and busy accelerator-seconds [s], at the most efficient
    measured operating point of the site's accelerator per class, weighted by the class mix of the demand."""

    gpu_j: np.ndarray
    accelerator_s: np.ndarray


def batch_work(fleet: Fleet) -> BatchWork:
    """:class:`BatchWork` of ``fleet``'s sites: per (site, class) the pair of least busy GPU energy among all measured
    operating points (the SLO does not apply), then the demand's class mix."""
    free = build_fleet(fleet.scenario, fleet.catalogue, dataclasses.replace(fleet.options, slo=False))
    mix_k = fleet.queries_ikt.sum(axis=(0, 2)) / fleet.total_queries
    n_j = fleet.scenario.n_dcs
    gpu_j, acc_s = np.zeros(n_j), np.zeros(n_j)
    for j in range(n_j):
        for k, share in enumerate(mix_k):
            cand = np.flatnonzero((free.pair_j == j) & (free.pair_k == k))
            best = cand[np.argmin(free.active_j[cand])]
            gpu_j[j] += share * free.active_j[best]
            acc_s[j] += share * free.busy_s[best]
    return BatchWork(gpu_j, acc_s)


def room(fleet: Fleet, q_pt: np.ndarray, share: float, work: BatchWork) -> Room:
    """The :class:`Room` that interactive queries ``q_pt`` [p, t] leave on ``fleet`` (replicas by the account's
    rule), with deferred queries ``share`` x the fleet's demand per hour."""
    s = fleet.scenario
    h = site_hours(fleet, q_pt)
    free_acc = np.maximum(fleet.installed_j[:, None] - h.accelerators_jt, 0.0)
    free_w = np.maximum(fleet.power_cap_w_j[:, None] - h.peak_facility_w_jt, 0.0)
    facility_factor = s.pue * (1 + fleet.host)  # facility W per GPU W
    max_q = np.minimum(free_acc * S_PER_HOUR / work.accelerator_s[:, None],
                       free_w * S_PER_HOUR / (facility_factor * work.gpu_j)[:, None])
    facility_jt = s.pue[:, None] * h.it_kwh_jt
    it_per_query = (1 + fleet.host) * work.gpu_j / J_PER_KWH
    return Room(own_queries_t=share * fleet.queries_ikt.sum(axis=(0, 1)), max_queries_jt=max_q,
                renewable_kwh_jt=np.maximum(fleet.renewable_kwh_jt - facility_jt, 0.0),
                facility_kwh_per_query_j=s.pue * it_per_query,
                water_l_per_query_jt=it_per_query[:, None] * (s.wue_l_per_kwh + s.pue[:, None] * s.ewif_l_per_kwh),
                carbon_kg_per_kwh_jt=s.carbon_kg_per_kwh, price_usd_per_kwh_jt=billed_price(s),
                carbon_tax_usd_per_kg_j=s.carbon_tax_usd_per_kg)


def place(r: Room, queries: np.ndarray, first_h: np.ndarray, deadline_h: np.ndarray) -> np.ndarray:
    """The placement z[o, j, t] [queries] of origins with ``queries`` [o], runnable in hours first_h[o] ..
    deadline_h[o] - 1 of room ``r``, by the LP of the module doc (emissions, then cost, then water)."""
    from scipy.optimize import linprog

    n_j, n_t = r.max_queries_jt.shape
    queries = np.asarray(queries, float)
    first_h, deadline_h = np.asarray(first_h, int), np.minimum(np.asarray(deadline_h, int), n_t)
    if (deadline_h <= first_h).any() and (queries[deadline_h <= first_h] > 0).any():
        raise InputError("deferrable placement: an origin with queries has no hour to run in")
    if not (queries > 0).any():  # nothing waits (d = 0): nothing runs, no LP to solve
        return np.zeros((len(queries), n_j, n_t))
    cols = [(o, j, t) for o in range(len(queries)) if queries[o] > 0
            for t in range(first_h[o], deadline_h[o]) for j in range(n_j)]
    z_o, z_j, z_t = (np.array(c, dtype=np.int64) for c in zip(*cols, strict=True)) if cols else ([],) * 3
    n_z, n_jt = len(cols), n_j * n_t
    jt = np.asarray(z_j) * n_t + np.asarray(z_t)
    n_cols = n_z + n_jt  # z, then extra grid g[j, t] [kWh]
    # served (equality), room and grid rows (<=)
    a_eq = sp.csr_matrix((np.ones(n_z), (np.searchsorted(np.flatnonzero(queries > 0), z_o), np.arange(n_z))),
                         shape=(int((queries > 0).sum()), n_cols))
    fac = r.facility_kwh_per_query_j[np.asarray(z_j, dtype=np.int64)] if n_z else np.zeros(0)
    a_ub = sp.vstack([
        sp.csr_matrix((np.ones(n_z), (jt, np.arange(n_z))), shape=(n_jt, n_cols)),
        sp.csr_matrix((np.concatenate([fac, -np.ones(n_jt)]),
                       (np.concatenate([jt, np.arange(n_jt)]), np.arange(n_cols))), shape=(n_jt, n_cols)),
    ]).tocsr()
    b_ub = np.concatenate([r.max_queries_jt.ravel(), r.renewable_kwh_jt.ravel()])
    emissions = np.concatenate([np.zeros(n_z), r.carbon_kg_per_kwh_jt.ravel()])
    total = np.concatenate([np.zeros(n_z), (r.price_usd_per_kwh_jt + r.carbon_tax_usd_per_kg_j[:, None]
                                            * r.carbon_kg_per_kwh_jt).ravel()])
    water = np.concatenate([r.water_l_per_query_jt.ravel()[jt] if n_z else np.zeros(0), np.zeros(n_jt)])
    costs = {"emissions_kg": emissions, "total_usd": total, "water_l": water}
    stage_rows, stage_bounds = [], []
    x = None
    for name in ORDER:
        result = linprog(costs[name], A_ub=sp.vstack([a_ub, *stage_rows]) if stage_rows else a_ub,
                         b_ub=np.concatenate([b_ub, stage_bounds]), A_eq=a_eq, b_eq=queries[queries > 0],
                         bounds=(0, None), method="highs")
        if result.status == 2:
            raise InfeasibleError("deferrable placement: the room the interactive load leaves before the deadlines "
                                  f"cannot take {queries.sum():.6g} deferred queries")
        if result.status != 0:
            raise SolverError(f"deferrable placement: HiGHS stopped: {result.message}")
        x = result.x
        optimum = float(costs[name] @ x)
        stage_rows.append(sp.csr_matrix(costs[name][None, :]))
        stage_bounds.append(optimum + STAGE_REL * abs(optimum) + STAGE_ABS)
    z = np.zeros((len(queries), n_j, n_t))
    if n_z:
        np.add.at(z, (z_o, z_j, z_t), np.maximum(x[:n_z], 0.0))
    return z


def account(r: Room, z_jt: np.ndarray) -> dict[str, np.ndarray]:
    """What deferred queries z_jt [j, t] run in room ``r`` add, per site [j]: facility and grid energy [kWh]
    (renewables left over first), emissions [kg], energy and carbon cost [$], water [L]."""
    facility = r.facility_kwh_per_query_j[:, None] * z_jt
    grid = np.maximum(facility - r.renewable_kwh_jt, 0.0)
    emissions = (grid * r.carbon_kg_per_kwh_jt).sum(axis=1)
    energy_usd = (grid * r.price_usd_per_kwh_jt).sum(axis=1)
    return {"queries": z_jt.sum(axis=1), "facility_kwh": facility.sum(axis=1), "grid_kwh": grid.sum(axis=1),
            "emissions_kg": emissions, "energy_usd": energy_usd, "carbon_usd": emissions * r.carbon_tax_usd_per_kg_j,
            "water_l": (r.water_l_per_query_jt * z_jt).sum(axis=1)}


def run_days(rooms: list[Room], deadline_h: int = DEADLINE_H, *, carry: bool = True
             ) -> tuple[list[np.ndarray], list[QueryBacklog]]:
    """Consecutive days' rooms -> the deferred queries run each day [j, t] and the backlog carried into each day,
    by the receding 48-hour window of the module doc (``carry=False``: each day alone, deadlines cut at midnight).
    Raises :class:`SolverError` if what ran breaks a rule (all work run or carried, inside its window, in the
    room)."""
    if not 1 <= int(deadline_h) <= HOURS_PER_DAY:
        raise InputError(f"deferrable deadline {deadline_h!r} h: must lie in 1..{HOURS_PER_DAY}")
    for n, r in enumerate(rooms):
        if r.n_hours != HOURS_PER_DAY:
            raise InputError(f"deferrable run: day {n} has {r.n_hours} hours, not {HOURS_PER_DAY}")
    backlog, ran_days, backlogs = QueryBacklog(), [], []
    for n, r in enumerate(rooms):
        ahead = carry and n < len(rooms) - 1
        window = r.then(rooms[n + 1]) if ahead else r
        hours = np.arange(HOURS_PER_DAY)
        queries = np.concatenate([r.own_queries_t, backlog.queries])
        first = np.concatenate([hours, np.zeros(len(backlog.queries), int)])
        deadline = np.concatenate([hours + int(deadline_h), np.asarray(backlog.deadline_h, int)])
        if not ahead:
            deadline = np.minimum(deadline, HOURS_PER_DAY)
        z = place(window, queries, first, deadline)
        ran, carried = z[:, :, :HOURS_PER_DAY], z[:, :, HOURS_PER_DAY:]
        _check_day(n, r, queries, first, deadline, ran, carried)
        carried_o = carried.sum(axis=(1, 2))
        keep = [o for o in range(len(queries)) if carried_o[o] > 1e-9 * max(1.0, queries[o])]
        backlogs.append(backlog)
        backlog = QueryBacklog(tuple(float(carried_o[o]) for o in keep),
                               tuple(int(deadline[o]) - HOURS_PER_DAY for o in keep),
                               tuple((n, o) if o < HOURS_PER_DAY else backlog.origin[o - HOURS_PER_DAY]
                                     for o in keep))
        ran_days.append(ran.sum(axis=0))
    return ran_days, backlogs


def _check_day(day: int, r: Room, queries, first, deadline, ran, carried) -> None:
    """What ran on ``day`` keeps every rule: each origin's queries run or carried, no query outside its window,
    the room of every site-hour respected."""
    done = ran.sum(axis=(1, 2)) + carried.sum(axis=(1, 2))
    scale = np.maximum(queries, 1.0)
    if (np.abs(done - queries) > 1e-6 * scale).any():
        o = int(np.argmax(np.abs(done - queries) / scale))
        raise SolverError(f"deferrable day {day}: origin {o} ran or carried {done[o]:.6g} of {queries[o]:.6g} queries")
    hours = np.arange(ran.shape[2] + carried.shape[2])
    outside = (hours[None, :] < first[:, None]) | (hours[None, :] >= deadline[:, None])
    z = np.concatenate([ran, carried], axis=2)
    late = (z * outside[:, None, :]).sum()
    if late > 1e-6 * max(1.0, queries.sum()):
        raise SolverError(f"deferrable day {day}: {late:.6g} queries run outside their window (after the deadline)")
    over = ran.sum(axis=0) - r.max_queries_jt * (1 + ROOM_TOLERANCE) - ROOM_TOLERANCE
    if (over > 0).any():
        j, t = np.unravel_index(int(np.argmax(over)), over.shape)
        raise SolverError(f"deferrable day {day}: site {j}, hour {t} runs {ran.sum(axis=0)[j, t]:.6g} deferred "
                          f"queries, above its room of {r.max_queries_jt[j, t]:.6g}")


def site_rows(fleet: Fleet, q_pt: np.ndarray) -> pd.DataFrame:
    """Per site of ``fleet``: the interactive allocation's grid energy [kWh], emissions [kg], cost [$] and water [L]
    by the serving account's rules (continuous replicas as the account derives them)."""
    s = fleet.scenario
    h = site_hours(fleet, q_pt)
    grid = np.maximum(s.pue[:, None] * h.it_kwh_jt - fleet.renewable_kwh_jt, 0.0)
    emissions = (grid * s.carbon_kg_per_kwh).sum(axis=1)
    return pd.DataFrame({"site": list(s.dc_names), "grid_kwh": grid.sum(axis=1), "emissions_kg": emissions,
                         "energy_usd": (grid * billed_price(s)).sum(axis=1),
                         "carbon_usd": emissions * s.carbon_tax_usd_per_kg,
                         "water_l": (h.it_kwh_jt * (s.wue_l_per_kwh + s.pue[:, None] * s.ewif_l_per_kwh)).sum(axis=1)})


# --------------------------------------------------------------------------------------------------------------------
# Serving days: the interactive plan per day, the deferred work per share, and the joint model for the gap
# --------------------------------------------------------------------------------------------------------------------

SCHEME = "min_emissions"


def study_options(options):
    """The fleet options of the study: continuous replicas (the serving LP's relaxation), so that the interactive
    plan scaled by (1 - d) and the joint model are accounted on the same replicas rule as the LP."""
    return dataclasses.replace(options, integer_replicas=False)


def day_fleet(s, day: int, options, catalogue) -> Fleet:
    """The serving fleet of day ``day`` of multi-day scenario ``s`` (sized for that day's full demand, renewables on
    its demand-proportional split, as the one-day serving model does)."""
    return day_fleets(s, [day], options, catalogue)[0]


def day_fleets(s, days, options, catalogue) -> list[Fleet]:
    """:func:`day_fleet` of each of ``days``: pools and operating points are built once, on the first day, and each
    day's demand, installed accelerators, power caps and renewables derived on them (:func:`on_demand`; every day
    of ``s`` has the same areas, sites and round trips)."""
    from greenllm import year
    from greenllm.serving import baselines

    fleets = []
    for day in days:
        s_day = year.day_scenario(s, day)
        fleet = on_demand(fleets[0], s_day) if fleets else build_fleet(s_day, catalogue, study_options(options))
        fleets.append(size_renewables(fleet, baselines.demand_proportional(fleet)))
    return fleets


def interactive_plan(fleet: Fleet) -> np.ndarray:
    """The day's interactive plan at d = 0 [p, t]: ``min_emissions`` with its tie-break stage, continuous replicas,
    solved as the serving year solves its plans, on the operating points no other point of the same (area, site,
    class) dominates (:func:`greenllm.serving.daily.dominated_pairs`: the same emissions optimum on an LP about a
    seventh of the size); dominated pairs carry no queries."""
    from greenllm.serving.daily import dominated_pairs, keep_pairs
    from greenllm.serving.experiments import scheme_order
    from greenllm.serving.lp import FleetSolver

    keep = ~dominated_pairs(fleet)
    q_pt = np.zeros((fleet.n_pairs, fleet.scenario.n_hours))
    q_pt[keep] = FleetSolver(keep_pairs(fleet, keep), relax=True).solve(scheme_order(SCHEME))
    return q_pt


def serving_days(scenario, days, shares=SHARES, *, options, catalogue=None, deadline_h: int = DEADLINE_H
                 ) -> tuple[pd.DataFrame, dict]:
    """Consecutive ``days`` of a multi-day scenario with deferrable shares ``shares``: per (share, day, site) the
    interactive and deferred emissions [kg], cost [$], water [L], deferred queries run and carried in; and the
    seconds spent (interactive LPs, placements)."""
    import time

    from greenllm import year
    from greenllm.serving.catalogue import load_serving

    if any(not 0 <= d < 1 for d in shares):
        raise InputError(f"deferrable shares {list(shares)}: each must lie in [0, 1)")
    days = list(days)
    if any(b != a + 1 for a, b in zip(days, days[1:])):
        raise InputError(f"deferrable run: days must be consecutive (the backlog runs the next day), got {days}")
    s, catalogue = year.load_year(scenario), catalogue or load_serving()
    started = time.perf_counter()
    fleets = day_fleets(s, days, options, catalogue)
    plans = [interactive_plan(f) for f in fleets]
    seconds = {"interactive_s": time.perf_counter() - started}
    work = batch_work(fleets[0])
    frames, started = [], time.perf_counter()
    for share in shares:
        served = [(1.0 - share) * q for q in plans]
        rooms = [room(f, q, share, work) for f, q in zip(fleets, served, strict=True)]
        ran, backlogs = run_days(rooms, deadline_h)
        for n, day in enumerate(days):
            frame = site_rows(fleets[n], served[n]).add_prefix("interactive_").rename(
                columns={"interactive_site": "site"})
            for key, value in account(rooms[n], ran[n]).items():
                frame[f"deferred_{key}"] = value
            frame.insert(0, "day", day)
            frame.insert(0, "share", float(share))
            frame["backlog_in_queries"] = float(sum(backlogs[n].queries))
            frames.append(frame)
    seconds["placement_s"] = time.perf_counter() - started
    rows = pd.concat(frames, ignore_index=True)
    for metric in ("emissions_kg", "energy_usd", "carbon_usd", "water_l", "grid_kwh"):
        rows[metric] = rows[f"interactive_{metric}"] + rows[f"deferred_{metric}"]
    rows["total_usd"] = rows["energy_usd"] + rows["carbon_usd"]
    return rows, seconds


def joint_gap(fleet: Fleet, q0_pt: np.ndarray, share: float, work: BatchWork | None = None) -> dict:
    """One day alone (deadlines cut at midnight): the decomposition's emissions [kg] (interactive plan ``q0_pt`` x
    (1 - d), deferred work placed in its room) against the joint LP's optimum (interactive shares, replicas and
    deferred queries z[o, j, t] in one serving LP, continuous replicas). The joint optimum is the lower of the two."""
    from greenllm.serving.daily import dominated_pairs
    from greenllm.serving.lp import build_lp

    work = work or batch_work(fleet)
    q = (1.0 - share) * q0_pt
    r = room(fleet, q, share, work)
    ran, _ = run_days([r])
    decomposed = float(site_rows(fleet, q)["emissions_kg"].sum() + account(r, ran[0])["emissions_kg"].sum())
    inter = dataclasses.replace(fleet, queries_ikt=(1.0 - share) * fleet.queries_ikt)
    lp = joint_lp(inter, build_lp(inter), share * fleet.queries_ikt.sum(axis=(0, 1)), work)
    joint = joint_optimum(inter, lp, dominated_pairs(fleet))
    return {"share": float(share), "decomposed_kg": decomposed, "joint_kg": joint,
            "gap": 1 - joint / decomposed if decomposed else 0.0}


def joint_optimum(fleet: Fleet, lp, dominated_p: np.ndarray) -> float:
    """The emissions optimum [kg] of the joint LP ``lp`` of ``fleet``, in two solves of one HiGHS model: first with
    the shares of the ``dominated_p`` pairs [p] held at 0 (an LP about a seventh of the size; close to the optimum,
    not at it: a dominated point's pool can use replicas that the availability minimum keeps on anyway; up to 5 parts
    in 10^5 above on world_2024_year's 15 January), then with them free again, from that optimal basis. The second is
    the whole LP's optimum, as one solve of it finds, in about a quarter of the time."""
    from greenllm.serving.lp import FleetSolver

    held = np.flatnonzero(np.repeat(dominated_p, lp.lam.shape[1])).astype(np.int32)  # y[p, t] at column p n_t + t
    upper = lp.col_upper.copy()
    upper[held] = 0.0
    solver = FleetSolver(fleet, dataclasses.replace(lp, col_upper=upper), relax=True)
    solver.solve(("emissions_kg",))
    solver.h.changeColsBounds(len(held), held, lp.col_lower[held], lp.col_upper[held])
    solver.solve(("emissions_kg",))
    return solver.stages["emissions_kg"]


def joint_lp(fleet: Fleet, lp, deferred_queries_t: np.ndarray, work: BatchWork):
    """The serving LP ``lp`` of ``fleet`` (interactive demand) with deferred columns z[o, j, t], o <= t < 24:
    served rows sum_jt z = D_o; in the capacity rows a_j / 3600 accelerators, in the power-cap rows e_j / 3.6e6
    GPU kW, in the power-balance rows PUE_j (1 + host) e_j / 3.6e6 facility kWh per query; water on z."""
    s = fleet.scenario
    n_j, n_t = lp.shape_jt
    cols = [(o, j, t) for o in range(n_t) if deferred_queries_t[o] > 0 for t in range(o, n_t) for j in range(n_j)]
    z_o, z_j, z_t = (np.array(c, dtype=np.int64) for c in zip(*cols, strict=True))
    n_z, n_rows, n_old = len(cols), lp.matrix.shape[0], lp.matrix.shape[1]
    jt = z_j * n_t + z_t
    factor_j = s.pue * (1 + fleet.host)
    entries = [(lp.families["capacity"][0] + jt, work.accelerator_s[z_j] / S_PER_HOUR),
               (lp.families["power_cap"][0] + jt, work.gpu_j[z_j] / J_PER_KWH),
               (lp.families["power_balance"][0] + jt, factor_j[z_j] * work.gpu_j[z_j] / J_PER_KWH)]
    origins = np.flatnonzero(deferred_queries_t > 0)
    entries.append((n_rows + np.searchsorted(origins, z_o), np.ones(n_z)))
    rows = np.concatenate([e[0] for e in entries])
    vals = np.concatenate([e[1] for e in entries])
    z_cols = np.tile(np.arange(n_z), len(entries))
    extra = sp.csr_matrix((vals, (rows, z_cols)), shape=(n_rows + len(origins), n_z))
    matrix = sp.hstack([sp.vstack([lp.matrix, sp.csr_matrix((len(origins), n_old))]), extra]).tocsr()
    water_per_query = (1 + fleet.host) * work.gpu_j[z_j] / J_PER_KWH * (
        s.wue_l_per_kwh + s.pue[:, None] * s.ewif_l_per_kwh)[z_j, z_t]
    costs = {name: np.concatenate([c, water_per_query if name == "water_l" else
                                   (factor_j[z_j] * work.gpu_j[z_j] / J_PER_KWH if name == "facility_kwh"
                                    else np.zeros(n_z))]) for name, c in lp.costs.items()}
    demand = deferred_queries_t[origins]
    return dataclasses.replace(
        lp, matrix=matrix, row_lower=np.concatenate([lp.row_lower, demand]),
        row_upper=np.concatenate([lp.row_upper, demand]), col_lower=np.concatenate([lp.col_lower, np.zeros(n_z)]),
        col_upper=np.concatenate([lp.col_upper, np.full(n_z, np.inf)]), costs=costs,
        families={**lp.families, "deferrable_served": (n_rows, n_rows + len(origins))},
        integer=np.concatenate([lp.integer, np.zeros(n_z, bool)]))


# --------------------------------------------------------------------------------------------------------------------
# Pipeline points (greenllm.experiments.points) and the tables drawn from their side tables
# --------------------------------------------------------------------------------------------------------------------

METRICS = ("emissions_kg", "total_usd", "water_l")


def fleet_options(serving: dict):
    """FleetOptions from a point row's ``serving`` dict (the configuration's ``serving`` section)."""
    from greenllm.serving.fleet import FleetOptions

    return FleetOptions.from_mapping(serving)


def month_days(s, month: int, n: int) -> list[int]:
    """Day indices of the first ``n`` days of calendar ``month`` in multi-day scenario ``s``."""
    from greenllm import year

    days = year.days_in_month(s, month)[:int(n)]
    if not days:
        raise InputError(f"{s.path}: no day of month {month} in the scenario")
    return days


def run_point(scenario, point: dict) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """One pipeline point: ``deferrable`` (the first days of a month, every share: one record row per share,
    side table ``deferrable_days`` per share, day and site) or ``deferrable_gap`` (one day alone: the
    decomposition against the joint LP per share, and both savings against d = 0 on that day, side table
    ``deferrable_joint_gap``)."""
    import time

    from greenllm import year
    from greenllm.serving.catalogue import load_serving

    s, options = year.load_year(scenario), fleet_options(point["serving"])
    if point["kind"] == "deferrable_gap":
        started = time.perf_counter()
        fleet = day_fleet(s, int(point["day"]), options, load_serving())
        q0, work = interactive_plan(fleet), batch_work(fleet)
        d0_kg = float(site_rows(fleet, q0)["emissions_kg"].sum())
        gap = pd.DataFrame([{"day": int(point["day"]), **joint_gap(fleet, q0, float(d), work), "d0_kg": d0_kg}
                            for d in point["shares"]])
        gap["decomposed_saving"] = 1 - gap["decomposed_kg"] / d0_kg
        gap["joint_saving"] = 1 - gap["joint_kg"] / d0_kg
        frame = gap.rename(columns={"decomposed_kg": "emissions_kg"}).assign(
            solve_seconds=time.perf_counter() - started)
        return frame, {"deferrable_joint_gap": gap}
    days = month_days(s, point["month"], point["days_per_month"])
    rows, seconds = serving_days(s, days, point["shares"], options=options, deadline_h=int(point["deadline_h"]))
    rows.insert(0, "month", int(point["month"]))
    totals = rows.groupby(["month", "share"], as_index=False)[
        ["emissions_kg", "total_usd", "energy_usd", "carbon_usd", "water_l", "deferred_queries"]].sum()
    totals["days"] = len(days)
    totals["solve_seconds"] = seconds["interactive_s"] + seconds["placement_s"]
    totals["interactive_s_per_day"] = seconds["interactive_s"] / len(days)
    totals["placement_s_per_day_and_share"] = seconds["placement_s"] / len(days) / len(point["shares"])
    return totals, {"deferrable_days": rows}


def _saving(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``frame`` with saving_<metric> = 1 - metric / metric at share 0 of the same ``keys`` [-]."""
    base = frame.loc[frame["share"] == 0, [*keys, *METRICS]].rename(columns={m: f"{m}_d0" for m in METRICS})
    joined = frame.merge(base, on=keys, how="left")
    for metric in METRICS:
        joined[f"saving_{metric}"] = 1 - joined[metric] / joined[f"{metric}_d0"]
    return joined.drop(columns=[f"{m}_d0" for m in METRICS])


def shares_table(days: pd.DataFrame) -> pd.DataFrame:
    """Per share and month (and ``all`` months): days, emissions [kg], cost [$], water [L], deferred queries, those
    carried across midnight into the next day, and the saving against d = 0 over the same days [-]."""
    columns = [*METRICS, "deferred_queries", "carried_queries"]
    carried = days.groupby(["share", "month", "day"])["backlog_in_queries"].first()  # one value per day
    per_month = days.groupby(["share", "month"], as_index=False).agg(
        days=("day", "nunique"), **{c: (c, "sum") for c in columns[:-1]})
    per_month["carried_queries"] = carried.groupby(["share", "month"]).sum().to_numpy()
    overall = per_month.groupby("share", as_index=False)[["days", *columns]].sum().assign(month="all")
    both = pd.concat([per_month.assign(month=per_month["month"].astype(str)), overall], ignore_index=True)
    return _saving(both, ["month"])[["share", "month", "days", *columns, *(f"saving_{m}" for m in METRICS)]]


def sites_table(days: pd.DataFrame) -> pd.DataFrame:
    """Per share, month and site: emissions [kg] (interactive and deferred), deferred queries run there, and the
    change of the site's emissions against d = 0 [kg] (load moves between sites, so a site can gain)."""
    per = days.groupby(["share", "month", "site"], as_index=False)[
        ["emissions_kg", "interactive_emissions_kg", "deferred_emissions_kg", "deferred_queries"]].sum()
    base = per.loc[per["share"] == 0, ["month", "site", "emissions_kg"]].rename(columns={"emissions_kg": "d0_kg"})
    per = per.merge(base, on=["month", "site"], how="left")
    per["change_vs_d0_kg"] = per["emissions_kg"] - per.pop("d0_kg")
    return per
