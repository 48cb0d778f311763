"""The serving model over a year, in daily windows: one fleet sized for the year, a day-ahead plan per day on the
actual or forecast day, hourly recourse, and the account of what ran (docs/serving.md, "The year").

The windows, forecasts and recourse are :mod:`greenllm.year`'s (``day_scenario``, ``forecast_scenario``,
``operate``); this module gives them the serving formulation: a fleet per window, a solve of hours t..23 and the
realised account of one hour.

**The year's fleet** (:func:`year_fleet`). Demand is the scenario's hourly demand scaled so that the year averages
``queries_per_day`` (a busy day has more, a quiet day less). The installed accelerators and the power caps are
sized once, by the one-day rule of :func:`~greenllm.serving.fleet.build_fleet` (headroom x the busy accelerators of
the peak hour when every area is served nearby) on the year's peak day (the day with the busiest hour); on-site
renewables once, each site's renewable profile scaled so that its energy over the sizing days is
``renewable_share`` x the site's facility energy under the demand-proportional split on those days (every
``sizing_stride_days``-th day of the year).

**A day** (:func:`run_day`). A plan (:data:`~greenllm.serving.lp.SCHEMES` order, then the one-day experiment's
declared tie-break, :func:`~greenllm.serving.experiments.scheme_order`: the lowest mean latency among the allocations
that keep the earlier stages, then the canonical allocation, :data:`CANONICAL_STAGE`, so that which pair each query
runs on does not depend on the solver's path) is solved on the day as the mode sees it
(``greenllm.year.forecast_scenario``) with continuous replicas (the LP relaxation) on the fleet derated by
one replica of rounding per (site, model, pool kind) (:func:`planning_fleet`), so that rounding the replicas up to
whole ones seldom breaks a limit; hour by hour (the LP links no hours), each hour's LP warm started from the basis of
the last one solved for the same mode and scheme. The plan
is shares of each (area, class, hour)'s queries per pair; :func:`greenllm.year.operate` runs them hour by hour on the
actual demand and signals, costs each hour with whole replicas by the account's rule, and re-dispatches hours t..23
(hour t actual, the rest as forecast) when an hour would break the installed accelerators or the power cap. A
re-dispatch whose first hour would still break a limit is solved with whole replicas (FleetSolver's rounding), which
fit by construction. Baselines (:data:`~greenllm.serving.baselines.POLICIES`) are rules: they run on the actual day.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from greenllm import year
from greenllm.errors import InfeasibleError, InputError, SolverError
from greenllm.formulations.serving import ServingFormulation
from greenllm.inputs import Scenario
from greenllm.serving import baselines
from greenllm.serving.catalogue import ServingCatalogue, TokenClass
from greenllm.serving.fleet import Fleet, FleetOptions, account, build_fleet, site_hours
from greenllm.serving.experiments import scheme_order
from greenllm.serving.lp import SCHEMES, W_PER_KW, FleetLP, FleetSolver

PLAN_MODES = ("perfect", "persistence", "blend", "demand_only", "carbon_persistence", "price_persistence",
              "weather_persistence", "carbon_blend", "price_blend", "weather_blend")
"""Modes of a day-ahead plan (greenllm.year.RECIPES); baselines run in mode ``rule``."""
RULE_MODE = "rule"
SIGNAL_SCHEMES = {"carbon": ("min_emissions",), "price": ("min_cost",)}
"""The schemes whose objective a single-signal mode's signal moves (demand and weather move both)."""
MEAN_OBJECTIVES = ("latency_mean_s",)
"""Objectives that are means over the queries (the others are totals): a day's is its hours' weighted by queries."""
SIZING_STRIDE_DAYS = 6  # prime to 7: the sizing days fall on every weekday
CANONICAL_STAGE = "canonical_allocation"
"""The last stage of every plan and re-dispatch of the year: among the allocations with the declared stages' optima
(the scheme's objectives, then the latency tie-break), the one minimising fixed weights per unit share
(:func:`canonical_weights`). The declared stages leave ties (which pair serves a query is open wherever pairs have
the same signals, latency and pool), and an LP solver returns whichever optimal vertex its path reaches (warm or
cold start, dual or primal simplex); a generic linear function has one minimiser on that face of optimal
allocations, so the plan does not depend on the path (benchmarks/bench_plan_paths.py)."""


def mode_schemes(mode: str, schemes) -> list[str]:
    """The optimised schemes a mode is run on: all for perfect, full forecasts, demand and weather; only the scheme
    whose first objective the signal moves for carbon and price (:data:`SIGNAL_SCHEMES`)."""
    signal = mode.partition("_")[0]
    allowed = SIGNAL_SCHEMES.get(signal)
    return [s for s in schemes if allowed is None or s in allowed]


def canonical_weights(fleet: Fleet) -> np.ndarray:
    """[p] the canonical allocation's weight per unit share of each pair [-], in [1, 2): 1 + the first 8 bytes of
    BLAKE2b("area|site|class|operating point") / 2^64. A function of the pair's names only, so a pair weighs the same
    on every day, in every fleet that has it and in any column order. Moving a whole (area, class)'s share from one
    pair to another changes the objective by the difference of their weights, typically 1 / (pairs per (area,
    class)); the closest two of one (area, class) in the year's fleet on world_2024_year differ by 1.5e-5, five
    orders of magnitude above HiGHS's dual feasibility tolerance (1e-10, SOLVER_OPTIONS)."""
    s = fleet.scenario
    names = (f"{s.area_names[i]}|{s.dc_names[j]}|{fleet.class_names[k]}|{point}"
             for i, j, k, point in zip(fleet.pair_i, fleet.pair_j, fleet.pair_k, fleet.pair_point, strict=True))
    return np.array([1.0 + int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big") / 2.0**64
                     for name in names])


def canonical_cost(lp: FleetLP, weights_p: np.ndarray) -> np.ndarray:
    """The canonical stage's cost per column of ``lp``: each share column its pair's weight (``weights_p`` [p]) in
    every hour, the other columns 0 (the plan is the shares; grid energy and replicas follow from them)."""
    cost = np.zeros(lp.matrix.shape[1])
    cost[: lp.n_y] = np.repeat(weights_p, lp.lam.shape[1])  # share columns are pair-major: p * n_t + t
    return cost


def merge_input_bins(catalogue: ServingCatalogue) -> ServingCatalogue:
    """A coarser workload: each trace's output-token bin with its input-token bins merged into one class
    (``<trace>_o<k>``), share-weighted mean tokens (energy and busy time are linear in tokens, so the fleet's
    expected energy per query is kept; the SLO is checked on the mean prompt of the merged bin)."""
    groups: dict[str, list[TokenClass]] = {}
    for c in catalogue.classes:
        groups.setdefault(c.name.rsplit("_i", 1)[0], []).append(c)
    merged = []
    for name, members in groups.items():
        share = sum(c.share for c in members)
        merged.append(TokenClass(name, members[0].trace, share,
                                 sum(c.share * c.tokens_in for c in members) / share,
                                 sum(c.share * c.tokens_out for c in members) / share,
                                 members[0].model, members[0].slo_tier))
    return dataclasses.replace(catalogue, classes=tuple(merged))


def dominated_pairs(fleet: Fleet) -> np.ndarray:
    """[p] True where another operating point of the same (area, site, class) needs no more GPU energy per query,
    accelerator-seconds per query (installed accelerators, idle draw) and busy watt-seconds per query (power cap),
    and strictly less of one. Emissions, cost and water grow with each of them and no limit gets tighter, so the
    relaxation's optimum on these objectives never needs a dominated pair (latency is not an objective of the
    year's schemes; the SLO is already met by every pair)."""
    accelerator_s = np.asarray(fleet.load_up.T @ fleet.pool_r).ravel()
    busy_ws = np.asarray(fleet.load_up.T @ fleet.pool_busy_w).ravel()
    key = np.stack([fleet.active_j, accelerator_s, busy_ws], axis=1)
    out = np.zeros(fleet.n_pairs, bool)
    group = (fleet.pair_i * fleet.scenario.n_dcs + fleet.pair_j) * len(fleet.class_names) + fleet.pair_k
    for members in pd.Series(np.arange(fleet.n_pairs)).groupby(group).indices.values():
        k = key[members]
        no_worse = (k[None, :, :] <= k[:, None, :] * (1 + 1e-12)).all(axis=2)  # [a, b]: b no worse than a
        better = (k[None, :, :] < k[:, None, :]).any(axis=2)
        out[members] = (no_worse & better).any(axis=1)
    return out


def keep_pairs(fleet: Fleet, keep: np.ndarray) -> Fleet:
    """``fleet`` with only the pairs ``keep`` [p] (pools, groups and limits unchanged)."""
    idx = np.flatnonzero(keep)
    changes = {name: getattr(fleet, name)[idx] for name in
               ("pair_i", "pair_j", "pair_k", "pair_batch", "pair_o", "latency_s", "latency_tail_s", "ttft_s",
                "slo_ok", "busy_s", "active_j", "prefill_j")}
    changes["pair_point"] = [fleet.pair_point[p] for p in idx]
    changes["load_up"] = fleet.load_up[:, idx].tocsr()
    return dataclasses.replace(fleet, **changes)


@dataclass
class YearFleet:
    """The year's fleet: ``template`` holds pools, pairs, installed accelerators and power caps (sized once);
    ``scaled`` is the year scenario with demand in queries per hour; ``renewable_kwh_per_kw`` [j] turns the
    scenario's renewable profile into the sized on-site renewables [kWh per slot per kW of profile];
    ``optimised`` is ``template`` without dominated pairs (what the plans solve on; rules see every pair)."""

    template: Fleet
    scaled: Scenario
    renewable_kwh_per_kw: np.ndarray
    peak_day: int
    sizing_days: list[int]
    optimised: Fleet | None = None

    @property
    def n_days(self) -> int:
        return year.n_days(self.scaled)

    def fleet(self, s: Scenario, rules: bool = False) -> Fleet:
        """The fleet on scenario ``s`` (a day or hours of ``scaled``, actual or forecast): its demand, signals and
        renewables, the year's pools, pairs (``rules``: every pair, else ``optimised``'s) and installed limits."""
        share_k = np.array([c.share for c in self.template.catalogue.classes])
        queries_ikt = s.queries.sum(axis=1)[:, None, :] * share_k[None, :, None]
        base = self.template if rules or self.optimised is None else self.optimised
        return dataclasses.replace(base, scenario=s, queries_ikt=queries_ikt,
                                   renewable_kwh_jt=s.renewable_kw * self.renewable_kwh_per_kw[:, None],
                                   notes=list(self.template.notes))

    def day(self, day: int) -> Scenario:
        """Day ``day`` of ``scaled``, its UTC clock (scalars ``start_utc``) starting at the day's first hour."""
        s = year.day_scenario(self.scaled, day)
        start = s.scalars.get("start_utc") if s.scalars else None
        if start is None:
            return s
        first = pd.Timestamp(start) + pd.Timedelta(hours=year.HOURS_PER_DAY * day)
        return dataclasses.replace(s, scalars={**s.scalars, "start_utc": first.isoformat()})


def scaled_demand(s: Scenario, queries_per_day: float) -> Scenario:
    """``s`` with its demand scaled so that its whole days average ``queries_per_day`` [queries/day]."""
    hours = year.n_days(s) * year.HOURS_PER_DAY
    total = float(s.queries[..., :hours].sum())
    if total <= 0:
        raise InputError(f"{s.path}: the scenario has no demand to scale to {queries_per_day:g} queries/day")
    return dataclasses.replace(s, queries=s.queries * (queries_per_day * year.n_days(s) / total))


def year_fleet(s: Scenario, catalogue: ServingCatalogue, options: FleetOptions,
               sizing_stride_days: int = SIZING_STRIDE_DAYS, efficient_only: bool = True) -> YearFleet:
    """The year's fleet (module docstring): installed accelerators and power caps by the one-day rule on the peak
    day, renewables on the demand-proportional split over every ``sizing_stride_days``-th day; ``efficient_only``:
    without the dominated pairs (:func:`dominated_pairs`; sizing and baselines never pick them either)."""
    if year.n_days(s) < 1:
        raise InputError(f"{s.path}: the serving year needs at least one whole day ({s.n_hours} hours)")
    scaled = scaled_demand(s, options.queries_per_day)
    hourly = scaled.queries.sum(axis=(0, 1))[: year.n_days(s) * year.HOURS_PER_DAY].reshape(-1, year.HOURS_PER_DAY)
    peak_day = int(hourly.max(axis=1).argmax())
    peak = year.day_scenario(scaled, peak_day)
    template = build_fleet(peak, catalogue, dataclasses.replace(options, queries_per_day=float(hourly[peak_day].sum())))
    yf = YearFleet(template, scaled, np.zeros(s.n_dcs), peak_day, [],
                   keep_pairs(template, ~dominated_pairs(template)) if efficient_only else None)
    yf.sizing_days = list(range(0, yf.n_days, max(1, int(sizing_stride_days))))
    facility_kwh, profile_kw = np.zeros(s.n_dcs), np.zeros(s.n_dcs)
    for day in yf.sizing_days:
        fleet = yf.fleet(yf.day(day), rules=True)
        facility_kwh += (s.pue[:, None] * site_hours(fleet, baselines.demand_proportional(fleet)).it_kwh_jt).sum(1)
        profile_kw += fleet.scenario.renewable_kw.sum(axis=1)
    yf.renewable_kwh_per_kw = np.divide(options.renewable_share * facility_kwh, profile_kw,
                                        out=np.zeros(s.n_dcs), where=profile_kw > 0)
    return yf


_YEAR_FLEETS: dict[tuple, YearFleet] = {}


def cached_year_fleet(s: Scenario, catalogue: ServingCatalogue, options: FleetOptions,
                      sizing_stride_days: int = SIZING_STRIDE_DAYS) -> YearFleet:
    """:func:`year_fleet`, built once per process for the same folder, catalogue, options and sizing stride (the
    rows of one solve job share it)."""
    key = (str(s.path), s.n_hours, str(catalogue.path), options, int(sizing_stride_days))
    if key not in _YEAR_FLEETS:
        _YEAR_FLEETS.clear()
        _YEAR_FLEETS[key] = year_fleet(s, catalogue, options, sizing_stride_days)
    return _YEAR_FLEETS[key]


def planning_fleet(fleet: Fleet) -> Fleet:
    """``fleet`` with each site's installed accelerators and power cap lowered by one replica of its largest pool
    per (site, model, pool kind): the room that rounding a plan's continuous replicas up to whole ones takes."""
    group_r, group_w = np.zeros(fleet.n_groups), np.zeros(fleet.n_groups)
    np.maximum.at(group_r, fleet.pool_group, fleet.pool_r)
    np.maximum.at(group_w, fleet.pool_group, fleet.pool_busy_w)
    group_j = np.zeros(fleet.n_groups, int)
    group_j[fleet.pool_group] = fleet.pool_j
    reserve, reserve_w = np.zeros(fleet.scenario.n_dcs), np.zeros(fleet.scenario.n_dcs)
    np.add.at(reserve, group_j, group_r)
    np.add.at(reserve_w, group_j, group_w)
    facility_w = reserve_w * (1 + fleet.host) * fleet.scenario.pue
    return dataclasses.replace(fleet, installed_j=np.maximum(fleet.installed_j - reserve, 0.0),
                               power_cap_w_j=np.maximum(fleet.power_cap_w_j - facility_w, 0.0))


def limit_excess(fleet: Fleet, q_pt: np.ndarray) -> dict:
    """Excess of queries ``q_pt`` [p, t] over the installed accelerators and the power cap, each site-hour's
    whole replicas by the account's rule: ``capacity_excess_accelerators`` [accelerators], ``power_excess_kw``
    [kW] (0 when it fits), summed over site-hours."""
    h = site_hours(fleet, q_pt)
    return {"capacity_excess_accelerators": float(np.maximum(h.accelerators_jt - fleet.installed_j[:, None], 0).sum()),
            "power_excess_kw": float(np.maximum(h.peak_facility_w_jt - fleet.power_cap_w_j[:, None], 0).sum()
                                     / W_PER_KW)}


@dataclass
class ServingDays(ServingFormulation):
    """The serving formulation as :func:`greenllm.year.operate` sees it: shares ``x`` [p, t] per pair and hour of
    each (area, class, hour)'s queries, realised on any hours of the year's scaled scenario."""

    year_fleet: YearFleet | None = None

    def realised(self, s: Scenario, x: np.ndarray) -> dict:
        fleet = self.year_fleet.fleet(s)
        q = x * fleet.pair_queries()
        excess = limit_excess(fleet, q)
        it = site_hours(fleet, q).it_kwh_jt
        water = it * (s.wue_l_per_kwh + s.pue[:, None] * s.ewif_l_per_kwh)
        served = np.zeros_like(fleet.queries_ikt)
        np.add.at(served, (fleet.pair_i, fleet.pair_k), q)
        # the power-cap excess goes under the key greenllm.year checks for a resource limit [kW]
        return {"water_l": float(water.sum()), "capacity_excess_accelerators": excess["capacity_excess_accelerators"],
                "resource_excess": excess["power_excess_kw"],
                "unservable_queries": float(np.maximum(fleet.queries_ikt - served, 0.0).sum())}


class Planner:
    """Day-ahead plans and re-dispatches of one scheme on the year's fleet, one LP per hour, solved over ``order``:
    the scheme's stages, the latency tie-break and the canonical allocation (:data:`CANONICAL_STAGE`). The basis of
    the last hour solved (of a plan or a re-dispatch) warm starts the next (``warm`` False: cold).

    A re-dispatch of hours t..23 (hour t actual, the later hours as forecast) solves hour t alone and keeps the
    plan for the later hours: the serving LP has no constraint that links hours (no storage, no daily budget), so
    its optimum over hours t..23 is the optimum of each hour, and the later hours' inputs are the forecast the plan
    was solved on."""

    def __init__(self, yf: YearFleet, scheme: str, warm: bool = True):
        if scheme not in SCHEMES:
            raise InputError(f"serving_year, schemes: {scheme!r} is not one of {', '.join(SCHEMES)}")
        self.yf, self.scheme, self.warm = yf, scheme, warm
        self.order = scheme_order(scheme) + (CANONICAL_STAGE,)  # the stages of every hour's LP
        self.weights_p = canonical_weights(yf.optimised if yf.optimised is not None else yf.template)
        self.basis = None  # of the last one-hour LP solved
        self.stages: dict[str, float] = {}  # each stage's optimum over the last plan's hours
        self.seconds = 0.0
        self.whole_fallbacks = 0
        self.current: np.ndarray | None = None  # the day's plan as last re-dispatched [p, 24]

    def _solve(self, solver: FleetSolver) -> None:
        solver.add_objective(CANONICAL_STAGE, canonical_cost(solver.lp, self.weights_p))
        solver.solve(self.order)

    def _relaxed(self, fleet: Fleet) -> tuple[np.ndarray, FleetSolver]:
        solver = FleetSolver(planning_fleet(fleet), relax=True)
        if self.warm and self.basis is not None:
            solver.h.setBasis(self.basis)
        self._solve(solver)
        if self.warm:
            self.basis = solver.h.getBasis()
        return solver.values[: solver.lp.n_y].reshape(solver.lp.lam.shape), solver

    def plan(self, s: Scenario) -> tuple[np.ndarray, float]:
        """Shares [p, 24] of the day ``s`` (as decided on) and the plan's first objective (relaxation). Each hour is
        solved alone: the serving LP links no hours, so the day's optimum and the face every later stage picks from
        are those of its hours, and 24 LPs of one hour solve about 3.5 times faster than one LP of 24 (the same
        allocation, its account equal to 10^-14; benchmarks/bench_serving_year.py)."""
        started = time.perf_counter()
        try:
            hours = [self._relaxed(self.yf.fleet(year.hours_scenario(s, t, t + 1))) for t in range(s.n_hours)]
        finally:
            self.seconds += time.perf_counter() - started
        y = np.concatenate([y_t for y_t, _ in hours], axis=1)
        self.current = y.copy()
        queries_t = s.queries.sum(axis=(0, 1))
        weight_t = {name: queries_t / queries_t.sum() if name in MEAN_OBJECTIVES else np.ones(s.n_hours)
                    for name in hours[0][1].stages}  # a mean over the day weighs each hour by its queries
        self.stages = {name: float(sum(w * solver.stages[name] for w, (_, solver) in zip(weight, hours)))
                       for name, weight in weight_t.items()}
        return y, self.stages[SCHEMES[self.scheme][0]]

    def start(self, plan: np.ndarray) -> None:
        self.current = np.array(plan, copy=True)

    def hours(self, s: Scenario) -> np.ndarray:
        """Shares [p, t] of hours ``s`` = hours 24 - t .. 23 of the day, hour 0 actual (greenllm.year.operate's
        re-dispatch): hour 0 solved alone, by the relaxation on the derated fleet, or with whole replicas on the
        installed fleet when the relaxation would break a limit; the later hours as planned. InfeasibleError if
        neither serves hour 0."""
        started = time.perf_counter()
        first = year.hours_scenario(s, 0, 1)
        fleet = self.yf.fleet(first)
        try:
            try:
                y, _ = self._relaxed(fleet)
                if breaks_limit(self.yf, first, y):
                    raise InfeasibleError("rounding breaks a limit")
            except InfeasibleError:
                self.whole_fallbacks += 1
                solver = FleetSolver(fleet)
                try:
                    self._solve(solver)
                except SolverError as err:
                    raise InfeasibleError(str(err)) from None
                y = solver.values[: solver.lp.n_y].reshape(solver.lp.lam.shape)
        finally:
            self.seconds += time.perf_counter() - started
        t = self.current.shape[1] - s.n_hours
        self.current[:, t:t + 1] = y
        return self.current[:, t:]


def breaks_limit(yf: YearFleet, s: Scenario, x: np.ndarray) -> bool:
    """Shares ``x`` [p, t] on hours ``s`` break the installed accelerators or the power cap (whole replicas by the
    account's rule; tolerance of greenllm.year)."""
    fleet = yf.fleet(s)
    excess = limit_excess(fleet, x * fleet.pair_queries())
    return max(excess.values()) > year.BREAK_TOLERANCE


def _row(fleet: Fleet, q_pt: np.ndarray, **labels) -> dict:
    acc = account(fleet, q_pt)
    return {**labels, "status": "optimal", "queries": acc.queries, "emissions_kg": acc.emissions_kg,
            "total_usd": acc.total_usd, "energy_usd": acc.energy_usd, "carbon_usd": acc.carbon_usd,
            "water_l": acc.water_l, "facility_kwh": acc.facility_kwh, "grid_kwh": acc.grid_kwh,
            "latency_mean_s": acc.latency_mean_s, "latency_p95_s": acc.latency_p95_s, "slo_met": acc.slo_met,
            "capacity_ok": acc.capacity_ok, "power_ok": acc.power_ok}


def _sites(fleet: Fleet, q_pt: np.ndarray, labels: dict) -> list[dict]:
    s = fleet.scenario
    facility = s.pue[:, None] * site_hours(fleet, q_pt).it_kwh_jt
    grid = np.maximum(facility - fleet.renewable_kwh_jt, 0.0)
    queries = np.zeros(s.n_dcs)
    np.add.at(queries, fleet.pair_j, q_pt.sum(axis=1))
    return [{**labels, "site": s.dc_names[j], "queries": float(queries[j]),
             "emissions_kg": float((grid[j] * s.carbon_kg_per_kwh[j]).sum()), "facility_kwh": float(facility[j].sum())}
            for j in range(s.n_dcs)]


def day_labels(yf: YearFleet, day: int) -> dict:
    date = year.start_date(yf.scaled) + pd.Timedelta(days=day)
    return {"day": int(day), "date": date.date().isoformat(), "month": int(date.month)}


def run_baselines(yf: YearFleet, day: int, policies=None) -> tuple[list[dict], list[dict]]:
    """Every rule of :data:`~greenllm.serving.baselines.POLICIES` (or ``policies``) on the actual day."""
    fleet = yf.fleet(yf.day(day), rules=True)
    rows, sites = [], []
    for name in policies or baselines.POLICIES:
        started = time.perf_counter()
        q = baselines.POLICIES[name](fleet)
        labels = {**day_labels(yf, day), "mode": RULE_MODE, "policy": name, "kind": "baseline"}
        row = _row(fleet, q, **labels, redispatched_hours=0)
        row["solve_s"] = time.perf_counter() - started
        rows.append(row)
        sites += _sites(fleet, q, labels)
    return rows, sites


def run_day(yf: YearFleet, day: int, mode: str, planner: Planner) -> tuple[dict, list[dict]]:
    """One optimised scheme on one day: the plan on the mode's day, operated with recourse on the actual day."""
    if mode not in year.RECIPES:
        raise InputError(f"serving_year, modes: unknown mode {mode!r}; choose one of {', '.join(year.MODES)}")
    actual = yf.day(day)
    decided_on, available = (actual, True) if mode == "perfect" else year.forecast_scenario(yf.scaled, day, mode)
    labels = {**day_labels(yf, day), "mode": mode, "policy": planner.scheme, "kind": "optimised"}
    before = planner.seconds
    formulation = ServingDays(yf.fleet(actual), year_fleet=yf)
    try:
        plan, planned, day_ahead = *planner.plan(decided_on), "optimal"
    except InfeasibleError:  # no plan: an empty one, which every hour re-dispatches on the day
        plan, planned, day_ahead = np.zeros((formulation.fleet.n_pairs, actual.n_hours)), float("nan"), "infeasible"
        planner.start(plan)
    ran = year.operate(actual, decided_on, plan, planner.hours, formulation)
    extra = {"forecast_available": available, "day_ahead": day_ahead,
             "planned_objective": planned, "redispatched_hours": len(ran["redispatched"])}
    if ran["infeasible_hour"] is not None:
        return {**labels, **extra, "status": "infeasible", "solve_s": planner.seconds - before}, []
    fleet = formulation.fleet
    q = ran["x"] * fleet.pair_queries()
    row = _row(fleet, q, **labels, **extra)
    row["solve_s"] = planner.seconds - before
    return row, _sites(fleet, q, labels)


def whole_replica_gap(yf: YearFleet, day: int, scheme: str) -> dict:
    """The year's plan on one day (perfect foresight: the relaxation on the derated fleet without dominated pairs,
    accounted with whole replicas by the account's rule) against the one-day path on the same fleet and day
    (``FleetSolver`` with whole replicas on every operating point, its replicas in the account): the scheme's first
    objective of both, the whole-replica solve's relaxation bound, and ``gap`` = year / whole - 1 [-]."""
    objective = SCHEMES[scheme][0]
    actual = yf.day(day)
    started = time.perf_counter()
    y, _ = Planner(yf, scheme, warm=False).plan(actual)
    fleet = yf.fleet(actual)
    year_value = getattr(account(fleet, y * fleet.pair_queries()), objective)
    year_s = time.perf_counter() - started
    full = yf.fleet(actual, rules=True)
    solver = FleetSolver(full)
    started = time.perf_counter()
    q = solver.solve(SCHEMES[scheme])
    whole_s = time.perf_counter() - started
    whole = getattr(account(full, q, solver.replicas), objective)
    return {**day_labels(yf, day), "policy": scheme, "objective": objective, "year_engine": year_value,
            "whole_replicas": whole, "relaxation": solver.relaxed[objective], "gap": year_value / whole - 1,
            "year_engine_s": year_s, "whole_replicas_s": whole_s}


def run_days(yf: YearFleet, days, modes, schemes, *, with_baselines: bool = True,
             warm: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Days x (baselines, modes x schemes): the serving_days and serving_sites tables (docs/serving.md)."""
    rows, sites = [], []
    planners = {(m, s): Planner(yf, s, warm) for m in modes for s in mode_schemes(m, schemes)}
    for day in days:
        if with_baselines:
            new, where = run_baselines(yf, day)
            rows += new
            sites += where
        for (mode, _), planner in planners.items():
            row, where = run_day(yf, day, mode, planner)
            rows.append(row)
            sites += where
    return pd.DataFrame(rows), pd.DataFrame(sites)

