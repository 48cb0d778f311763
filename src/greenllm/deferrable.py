"""Requests that can wait: a deferrable class (like a batch API: no interactive SLO, a deadline) on any formulation.

A share d of each hour's load is deferrable. Its IT energy E_o = d sum_ik lambda_iko e_k [kWh] (origin hour o; e_k
the query type's energy per query, ``Scenario.energy_per_query_kwh``) may run at any site j in any hour t with
o <= t < o + H (deadline H <= 24 hours); the other (1 - d) of the queries are served as usual by the formulation,
which sees a scenario with its demand scaled by (1 - d). :class:`DeferrableFormulation` wraps any formulation and
adds to its LP (the interface guarantees a ``power_balance`` family with one row per (site, hour), in (j, t) order):

    z[o, j, t] >= 0   IT energy of origin-o work run at site j in hour t of the window [kWh]
    (D1) by the deadline:  sum_jt z[o, j, t] = E_o over o's hours in the window              [kWh], rows o
    (D2) power:            + PUE_j sum_o z[o, j, t] in the power-balance row (j, t)              [kW]
    (D3) water:            + (WUE_jt + PUE_j EWIF_jt) z[o, j, t] in the water-budget row, if any  [L]
    (D4) headroom:         sum_o z[o, j, t] <= K_jt, when a cap K [kWh per slot] is given
    (D5) resources:        + u_r sum_o z[o, j, t] in the resource row (j, r, t) of a formulation with the paper's
                           resource rows (11b), u_r the day's resource use per kWh (:func:`resource_use_per_kwh`, the day's mix)

The deferred energy raises grid power through (D2), so the formulation's own energy and carbon costs price it.

**Across days: a receding 48-hour window.** Day k is planned on a window of days k and k+1 (perfect foresight of
both; the water budget Z holds per day, one row each), with day k's own work (deadlines up to 47 h into the window)
and the backlog carried into day k. Only day k runs: its allocation, and the deferred work placed in its hours;
work the plan places in day k+1 becomes the backlog of day k+1, with its deadline, and day k+1 is planned anew on
days k+1 and k+2. The window sees the next day's interactive load and limits, so work is carried only where it fits
and pays. The last day of a run plans on itself alone: work whose deadline lies beyond it runs in it.
:func:`run` checks every constraint on what ran each day.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from greenllm.errors import InputError, SolverError
from greenllm.formulations.base import Formulation, Solution
from greenllm.checks import Check, check_le
from greenllm.inputs import Scenario
from greenllm.lp import LinearProgram
from greenllm.options import ModelOptions

HOURS_PER_DAY = 24


@dataclass(frozen=True)
class Backlog:
    """Deferrable work carried into a window: energy [kWh] per item and its deadline (hour of the window, exclusive),
    with the origin (day, hour) for reporting."""

    kwh: tuple[float, ...] = ()
    deadline_h: tuple[int, ...] = ()
    origin: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class DeferredSolution(Solution):
    """A solution with the deferrable placement z[o, j, t] [kWh] in its hours and, for a day of a run, the work
    ``carried`` into the next day, c[o, j, u] at hour u of that day [kWh] (empty for a window's own solution)."""

    z: np.ndarray = field(default=None, repr=False)
    carried: np.ndarray = field(default=None, repr=False)


def resource_use_per_kwh(base: Formulation, s: Scenario) -> np.ndarray:
    """Resource units per kWh of deferred IT energy [units/kWh] for a formulation with the paper's resource rows
    (11b): the day's queries' resource use over their energy, sum_ikt alpha_kr (h_k + f_k) lambda_ikt /
    sum_ikt e_k lambda_ikt, i.e. deferred work has the day's mix of query types."""
    use = base.resource_use_per_share(s).sum(axis=(0, 1, 2))  # [r]
    return use / float(np.einsum("ikt,k->", s.queries, s.energy_per_query_kwh))


def column_hours(lp: LinearProgram, n_hours: int) -> np.ndarray:
    """The hour of every column of a formulation's LP (-1 where it has none): shares x (last axis t), grid power
    [j, t] and every further block whose last axis is the hour."""
    hours = np.full(lp.n_cols, -1, dtype=np.int64)
    flat = np.arange(int(np.prod(lp.shape_x))) if lp.x_index is None else np.asarray(lp.x_index)
    hours[:lp.n_x] = flat % n_hours
    hours[lp.grid_cols] = np.arange(len(lp.grid_cols)) % n_hours
    for start, shape in lp.extra_cols.values():
        if shape and shape[-1] == n_hours:
            size = int(np.prod(shape))
            hours[start:start + size] = np.arange(size) % n_hours
    return hours


def first_hours(value, n_hours: int, keep: int):
    """Arrays (and dataclass fields holding them) cut to their first ``keep`` hours where the last axis is the
    window's ``n_hours`` (a solution's shares, grid power and provisioning of one day of a window)."""
    if isinstance(value, np.ndarray):
        return value[..., :keep] if value.ndim and value.shape[-1] == n_hours else value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: first_hours(getattr(value, f.name), n_hours, keep)
                                             for f in dataclasses.fields(value) if f.init})
    return value


def deferrable_kwh(s: Scenario, share: float) -> np.ndarray:
    """E_o = share x sum_ik lambda_iko e_k [kWh] per hour o of ``s``."""
    return share * np.einsum("ikt,k->t", s.queries, s.energy_per_query_kwh)


@dataclass
class DeferrableFormulation(Formulation):
    """``base`` with the deferrable class of the module doc; origins are the window's hours then the backlog."""

    base: Formulation
    origin_kwh: np.ndarray  # E per origin [kWh]
    origin_deadline_h: np.ndarray  # first hour each origin may no longer run, counted from the window's start
    origin_first_h: np.ndarray  # first hour each origin may run
    day_hours: int | None = None  # set for a window of several days: the water budget holds per day
    capacity_kwh_jt: np.ndarray | None = None
    resource_per_kwh: np.ndarray | None = None  # u_r [units/kWh]; None: resource_use_per_kwh of the LP's scenario
    last_solution: DeferredSolution | None = None

    @property
    def name(self) -> str:
        """The base formulation's name: records and model options name the model that serves the requests."""
        return self.base.name

    @classmethod
    def for_scenario(cls, s: Scenario, options: ModelOptions) -> DeferrableFormulation:
        raise InputError("the deferrable class wraps a formulation: use greenllm.deferrable.run")

    def _columns(self, s: Scenario) -> np.ndarray:
        """(origin, site, hour) of every deferrable column."""
        cols = [(o, j, t) for o, (first, deadline) in enumerate(zip(self.origin_first_h, self.origin_deadline_h,
                                                                    strict=True))
                for t in range(int(first), min(int(deadline), s.n_hours)) for j in range(s.n_dcs)]
        return np.array(cols, dtype=np.int64).reshape(-1, 3)

    def build_lp(self, s: Scenario) -> LinearProgram:
        lp = self.base.build_lp(s)
        cols = self._columns(s)
        self._cols = cols
        n_new, n_old = len(cols), lp.n_cols
        o, j, t = cols[:, 0], cols[:, 1], cols[:, 2]
        run = np.ones(n_new, dtype=bool)
        rows, cols_, vals = [], [], []
        start, stop = lp.families["power_balance"]
        if stop - start != s.n_dcs * s.n_hours:
            raise InputError(f"formulation {self.base.name!r}: its power_balance family has {stop - start} rows, "
                             f"not one per (site, hour) ({s.n_dcs * s.n_hours}); the deferrable class needs them")
        # (D2) PUE_j z in the power-balance row (j, t)
        rows.append(start + j[run] * s.n_hours + t[run])
        cols_.append(n_old + np.flatnonzero(run))
        vals.append(s.pue[j[run]])
        water_per_kwh = s.wue_l_per_kwh + s.pue[:, None] * s.ewif_l_per_kwh  # [j, t] L per IT kWh
        water_z = np.zeros(n_new)
        water_z[run] = water_per_kwh[j[run], t[run]]
        if "resources" in lp.families and hasattr(self.base, "resource_use_per_share"):  # (D5)
            use_r = self._resource_per_kwh(s)
            start_r = lp.families["resources"][0]
            for r, use in enumerate(use_r):
                rows.append(start_r + (j[run] * s.n_resources + r) * s.n_hours + t[run])
                cols_.append(n_old + np.flatnonzero(run))
                vals.append(np.full(int(run.sum()), use))
        if "water_budget" in lp.families:  # (D3)
            row = lp.families["water_budget"][0]
            rows.append(np.full(int(run.sum()), row))
            cols_.append(n_old + np.flatnonzero(run))
            vals.append(water_z[run])
        # (D1) one row per origin: all of its energy, by its deadline
        n_rows = lp.n_rows
        rows.append(n_rows + o)
        cols_.append(n_old + np.arange(n_new))
        vals.append(np.ones(n_new))
        families = dict(lp.families)
        families["deferrable_served"] = (n_rows, n_rows + len(self.origin_kwh))
        lower = [lp.row_lower, self.origin_kwh, []]
        upper = [lp.row_upper, self.origin_kwh, []]
        if self.capacity_kwh_jt is not None:  # (D4)
            first = n_rows + len(self.origin_kwh)
            rows.append(first + j[run] * s.n_hours + t[run])
            cols_.append(n_old + np.flatnonzero(run))
            vals.append(np.ones(int(run.sum())))
            families["deferrable_headroom"] = (first, first + s.n_dcs * s.n_hours)
            lower[2] = np.full(s.n_dcs * s.n_hours, -np.inf)
            upper[2] = np.asarray(self.capacity_kwh_jt, float).ravel()
        water_all = np.concatenate([lp.water_l, water_z])
        if self.day_hours and s.n_hours > self.day_hours and "water_budget" in lp.families:  # Z per day
            hour = np.concatenate([column_hours(lp, s.n_hours), t])
            if (hour[water_all != 0] < 0).any():
                raise InputError(f"formulation {self.base.name!r}: a column with water has no hour; the water "
                                 "budget cannot be split by day")
            lp.row_upper[lp.families["water_budget"][0]] = np.inf
            n_days = -(-s.n_hours // self.day_hours)
            first = n_rows + len(self.origin_kwh) + (0 if self.capacity_kwh_jt is None else s.n_dcs * s.n_hours)
            for d in range(n_days):
                in_day = np.flatnonzero((hour // self.day_hours == d) & (water_all != 0))
                rows.append(np.full(len(in_day), first + d))
                cols_.append(in_day)
                vals.append(water_all[in_day])
            families["water_budget_per_day"] = (first, first + n_days)
            lower.append(np.full(n_days, -np.inf))
            upper.append(np.full(n_days, s.water_budget_l * self.day_hours / s.n_hours))
        row_lower = np.concatenate([np.asarray(v, float) for v in lower])
        row_upper = np.concatenate([np.asarray(v, float) for v in upper])
        # Old rows keep their entries; the new entries are merged in row order (CSR).
        old_rows = np.repeat(np.arange(n_rows), np.diff(lp.row_start))
        all_rows = np.concatenate([old_rows, *rows])
        all_cols = np.concatenate([lp.row_index.astype(np.int64), *cols_])
        all_vals = np.concatenate([lp.row_value, *vals])
        order = np.lexsort((all_cols, all_rows))
        row_start = np.zeros(len(row_lower) + 1, dtype=np.int64)
        np.cumsum(np.bincount(all_rows, minlength=len(row_lower)), out=row_start[1:])
        costs = {name: np.concatenate([vector, np.zeros(n_new)]) for name, vector in lp.costs.items()}
        extra = dict(lp.extra_cols)
        extra["deferrable"] = (n_old, (n_new,))
        return dataclasses.replace(
            lp, n_cols=n_old + n_new, col_lower=np.concatenate([lp.col_lower, np.zeros(n_new)]),
            col_upper=np.concatenate([lp.col_upper, np.full(n_new, np.inf)]), row_start=row_start,
            row_index=all_cols[order].astype(np.int32), row_value=all_vals[order], row_lower=row_lower,
            row_upper=row_upper, families=families, costs=costs, water_l=water_all,
            extra_cols=extra, tie_break=None if lp.tie_break is None else (
                lp.tie_break[0], np.concatenate([lp.tie_break[1], np.zeros(n_new)])))

    def solution(self, s: Scenario, lp: LinearProgram, values: np.ndarray) -> DeferredSolution:
        base = self.base.solution(s, lp, values)
        z = np.zeros((len(self.origin_kwh), s.n_dcs, s.n_hours))
        np.add.at(z, (self._cols[:, 0], self._cols[:, 1], self._cols[:, 2]), lp.block(values, "deferrable"))
        self.last_solution = DeferredSolution(base.x, base.grid_kw, base.provisioning, z=z,
                                              carried=np.zeros((len(self.origin_kwh), s.n_dcs, 0)))
        return self.last_solution

    def _resource_per_kwh(self, s: Scenario) -> np.ndarray:
        return resource_use_per_kwh(self.base, s) if self.resource_per_kwh is None else self.resource_per_kwh

    def _placed(self, solution: Solution) -> DeferredSolution:
        """``solution`` with its deferrable placement (a solve's Result keeps x, grid and provisioning only: the
        placement is the wrapper's last solution of the same solve)."""
        return solution if isinstance(solution, DeferredSolution) else self.last_solution

    def account(self, s: Scenario, solution: Solution):
        """The base account plus the deferred IT energy run (facility power, water, resources); costs follow grid
        power."""
        solution = self._placed(solution)
        acc = self.base.account(s, solution)
        it_kwh_jt = solution.z.sum(axis=0)
        water = float(((s.wue_l_per_kwh + s.pue[:, None] * s.ewif_l_per_kwh) * it_kwh_jt).sum())
        changes = {"computing_kwh_jt": acc.computing_kwh_jt + it_kwh_jt,
                   "facility_kw_jt": acc.facility_kw_jt + s.pue[:, None] * it_kwh_jt, "water_l": acc.water_l + water}
        if hasattr(acc, "resource_use_jrt") and hasattr(self.base, "resource_use_per_share"):  # (D5)
            use_r = self._resource_per_kwh(s)
            changes["resource_use_jrt"] = acc.resource_use_jrt + use_r[None, :, None] * it_kwh_jt[:, None, :]
        return dataclasses.replace(acc, **changes)

    def checks(self, s: Scenario, solution: Solution, account) -> list[Check]:
        solution = self._placed(solution)
        served = solution.z.sum(axis=(1, 2)) + solution.carried.sum(axis=(1, 2))
        hours = np.arange(s.n_hours)
        late = solution.z * ((hours[None, :] < self.origin_first_h[:, None])
                             | (hours[None, :] >= self.origin_deadline_h[:, None]))[:, None, :]
        return [*self.base.checks(s, solution, account),
                check_le("(D1) deferrable work run or carried (run <= E)", served, self.origin_kwh, "o"),
                check_le("(D1) deferrable work run or carried (E <= run)", self.origin_kwh, served, "o"),
                check_le("deferrable work runs inside its window of hours", np.abs(late).sum(), 0.0, ""),
                check_le("deferrable energy >= 0", -solution.z, 0.0, "ojt")]

    def realised(self, s: Scenario, x: np.ndarray) -> dict:
        raise InputError("the deferrable class is planned and run by greenllm.deferrable.run, not by recourse")


def run(scenario, share: float, deadline_h: int = HOURS_PER_DAY, *, days=None, scheme: str = "weighted",
        weights=(1 / 3, 1 / 3, 1 / 3), formulation="paper", solver: str = "highs",
        capacity_kwh_jt=None, options: ModelOptions | None = None, carry: bool = True
        ) -> tuple[pd.DataFrame, list[DeferredSolution]]:
    """Run consecutive days of a multi-day folder with a deferrable share ``share`` in [0, 1) and deadline
    ``deadline_h`` [h] (<= 24), perfect foresight, each day planned on a 48-hour window and the backlog carried
    from day to day (module doc).

    ``carry``: False plans each day alone and runs every item within its own day (deadlines cut at midnight), the
    reference against which carrying across midnight is measured.

    Returns one row per day (realised costs [$], emissions [kg], water [L] of what ran that day, deferrable energy of
    the day's hours, run in the day, carried out, backlog run in the day [kWh]) and each day's solution (its
    shares, grid power, the deferred work run, z[o, j, t], and carried, c[o, j, u]; origins are the day's hours,
    then the backlog's items)."""
    from greenllm import year
    from greenllm.formulations import resolve
    from greenllm.options import default_options_for
    from greenllm.solve import solve
    from greenllm.verify import all_checks

    if not 0 <= share < 1:
        raise InputError(f"deferrable share {share!r}: must lie in [0, 1)")
    if not 1 <= int(deadline_h) <= HOURS_PER_DAY:
        raise InputError(f"deferrable deadline {deadline_h!r} h: must lie in 1..{HOURS_PER_DAY}")
    s = year.load_year(scenario)
    days = list(range(year.n_days(s))) if days is None else list(days)
    if any(b != a + 1 for a, b in zip(days, days[1:])):
        raise InputError(f"deferrable run: days must be consecutive (the backlog runs the next day), got {days}")
    backlog, rows, solutions = Backlog(), [], []
    for n, day in enumerate(days):
        ahead = carry and n < len(days) - 1
        n_hours = HOURS_PER_DAY * (2 if ahead else 1)
        window = year.hours_scenario(s, day * HOURS_PER_DAY, day * HOURS_PER_DAY + n_hours,
                                     water_budget_l=s.water_budget_l * n_hours / HOURS_PER_DAY)
        window = dataclasses.replace(window, queries=window.queries * (1.0 - share))
        own = deferrable_kwh(year.day_scenario(s, day), share)
        deadline = np.concatenate([np.arange(HOURS_PER_DAY) + int(deadline_h), backlog.deadline_h]).astype(np.int64)
        origins = dict(origin_kwh=np.concatenate([own, backlog.kwh]).astype(float),
                       origin_deadline_h=deadline if ahead else np.minimum(deadline, HOURS_PER_DAY),
                       origin_first_h=np.concatenate([np.arange(HOURS_PER_DAY),
                                                      np.zeros(len(backlog.kwh))]).astype(np.int64))
        opts = default_options_for(window) if options is None else options
        base = resolve(formulation, window, opts)
        if hasattr(base, "resource_use_per_share"):  # the day's mix, the same in the plan and the check
            origins["resource_per_kwh"] = resource_use_per_kwh(base, year.day_scenario(s, day))
        wrapper = DeferrableFormulation(base, **origins, day_hours=HOURS_PER_DAY if ahead else None,
                                        capacity_kwh_jt=None if capacity_kwh_jt is None else np.tile(
                                            np.asarray(capacity_kwh_jt, float), (1, n_hours // HOURS_PER_DAY)))
        solve(window, scheme, weights=weights if scheme == "weighted" else None, solver=solver,
              formulation=wrapper, options=opts, verify=False)  # verified below on what runs today
        planned = wrapper.last_solution
        # What runs is the first day of the window; the deferred work the plan puts in the next day is carried.
        today = year.hours_scenario(window, 0, HOURS_PER_DAY, water_budget_l=s.water_budget_l)
        ran = DeferredSolution(*(first_hours(v, n_hours, HOURS_PER_DAY)
                                 for v in (planned.x, planned.grid_kw, planned.provisioning)),
                               z=planned.z[:, :, :HOURS_PER_DAY], carried=planned.z[:, :, HOURS_PER_DAY:])
        day_base = resolve(formulation, today, opts)
        checker = DeferrableFormulation(day_base, **origins, last_solution=ran)
        account = checker.account(today, ran)
        failures = [c for c in all_checks(today, checker, ran, account, opts) if not c.ok]
        if failures:
            raise SolverError(f"day {day}: what runs breaks {failures[0].name} by {failures[0].worst_excess:.3g} at "
                              f"{failures[0].where}")
        carried_kwh = ran.carried.sum(axis=(1, 2))
        items = [(float(carried_kwh[o]), int(deadline[o]) - HOURS_PER_DAY,
                  (day, o) if o < HOURS_PER_DAY else backlog.origin[o - HOURS_PER_DAY])
                 for o in range(len(carried_kwh)) if carried_kwh[o] > 1e-9]
        backlog = Backlog(tuple(k for k, _, _ in items), tuple(d for _, d, _ in items), tuple(g for _, _, g in items))
        rows.append({"day": day, "share": share, "deadline_h": int(deadline_h),
                     "total_usd": account.total_usd, "energy_usd": account.energy_usd,
                     "carbon_usd": account.carbon_usd, "delay_usd": account.delay_usd,
                     "emissions_kg": account.emissions_kg, "water_l": account.water_l,
                     "deferrable_kwh": float(own.sum()), "run_kwh": float(ran.z.sum()),
                     "carried_out_kwh": float(carried_kwh.sum()),
                     "backlog_run_kwh": float(ran.z[HOURS_PER_DAY:].sum())})
        solutions.append(ran)
    return pd.DataFrame(rows), solutions
