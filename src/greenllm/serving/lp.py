"""The serving model on a :class:`~greenllm.serving.fleet.Fleet` as a MILP (or its LP relaxation): which share of
each (area, class, hour)'s queries runs on which site at which operating point, how many replicas each pool runs,
and how much grid power each site draws, per hour.

Variables, in this column order: y[p, t] in [0, 1] share of lambda_{ikt} on pair p = (i, j, k, o) (only pairs
within the SLO exist); g[j, t] >= 0 grid energy [kWh per one-hour slot]; n[u, t] >= 0 replicas of pool u, integer
when ``FleetOptions.integer_replicas`` (else continuous, the LP relaxation).

    full service   sum_{p in (i, k)} y[p, t] = 1                                           per (i, k, t)
    provisioning   peak_to_mean sum_p lambda s_{p,u} y[p, t] / 3600 s <= n[u, t]            per (u, t)
                   (a replica serves at most its measured throughput; s_{p,u} busy replica-s per query)
    availability   sum_{u in (j, model, kind)} n[u, t] >= min_replicas                      per group and hour
    capacity       sum_u r_u n[u, t] <= installed_j                                         per (j, t)
    power cap      PUE_j (1 + host) (sum_u n[u, t] P_u + idle of unprovisioned) <= cap_j    per (j, t)
    power balance  0 <= F[j, t] - g[j, t] <= renewable_kwh[j, t]                              per (j, t)
                   F = PUE_j (1 + host) / 3.6e6 (sum_p lambda y (J_p - sum_u s_{p,u} idle_u)
                                                 + 3600 sum_u idle_u n[u, t] + idle of unprovisioned)
    latency (eps)  sum lambda y latency_p <= eps_mean Q;  sum_{tail_p > x} lambda y <= 0.05 Q  (p95 <= x)

Objectives (linear): emissions_kg = sum g CI, energy_usd = sum g max(price, 0), total_usd = energy_usd + carbon tax x
emissions, water_l, latency_mean_s, facility_kwh; a scheme minimises them in a lexicographic order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from greenllm.errors import InfeasibleError, SolverError
from greenllm.serving.fleet import J_PER_KWH, S_PER_HOUR, Fleet, billed_price

if TYPE_CHECKING:  # imported where a matrix is built, as in greenllm.serving.fleet
    import scipy.sparse as sp

OBJECTIVES = ("emissions_kg", "total_usd", "energy_usd", "water_l", "latency_mean_s", "facility_kwh")
SCHEMES = {  # optimised schemes: name -> lexicographic order (the first objective is the one it puts first)
    "min_emissions": ("emissions_kg", "total_usd"),
    "min_cost": ("total_usd", "emissions_kg"),
    "min_water": ("water_l", "emissions_kg"),
    "min_latency": ("latency_mean_s", "emissions_kg"),
}
STAGE_REL, STAGE_ABS = 1e-6, 1e-9  # slack that keeps an earlier stage at its optimum
# At most 5 % of queries above the p95 bound, less 1e-5: more than the solver's feasibility tolerance (1e-7), so the
# weighted quantile of the account (the first latency with at least 95 % of queries at or below it) is within it.
P95_SHARE = 0.05 - 1e-5
# Tight LP tolerances make the tables reproducible across thread counts (with ~10^5 share columns the default dual
# feasibility tolerance leaves objective errors near 1e-4). A MILP stage stops at a relative gap of 1e-3 or after
# MIP_TIME_LIMIT_S, whichever comes first; the gap reached is reported (FleetSolver.mip_gaps).
SOLVER_OPTIONS = {"dual_feasibility_tolerance": 1e-10, "primal_feasibility_tolerance": 1e-9}
MIP_REL_GAP = 1e-3
MIP_TIME_LIMIT_S = 20.0
W_PER_KW = 1000.0
ROUNDING_PASSES = 4  # round, and where a full site-hour was rounded down re-optimise the rest, at most this often


@dataclass
class FleetLP:
    matrix: sp.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    costs: dict[str, np.ndarray]
    constants: dict[str, float]  # objective terms no decision changes (idle unprovisioned accelerators)
    families: dict[str, tuple[int, int]]  # constraint family -> row range
    lam: np.ndarray  # [p, t] queries per hour of each share column's (area, class)
    n_y: int
    shape_jt: tuple[int, int]
    shape_ut: tuple[int, int]
    integer: np.ndarray  # [columns] True for integer columns

    @property
    def n_start(self) -> int:
        """First replica column."""
        return self.n_y + self.shape_jt[0] * self.shape_jt[1]


def build_lp(fleet: Fleet) -> FleetLP:
    s = fleet.scenario
    n_p, n_t, n_j, n_u = fleet.n_pairs, s.n_hours, s.n_dcs, fleet.n_pools
    n_y, n_jt, n_ut = n_p * n_t, n_j * n_t, n_u * n_t
    g0, n0 = n_y, n_y + n_jt
    lam = fleet.pair_queries()  # [p, t]
    y_col = np.arange(n_y).reshape(n_p, n_t)
    t_idx = np.broadcast_to(np.arange(n_t), (n_p, n_t))
    jt_row = fleet.pair_j[:, None] * n_t + t_idx
    n_col = n0 + np.arange(n_ut).reshape(n_u, n_t)
    n_k = len(fleet.class_names)
    idles = fleet.options.unprovisioned == "idle"
    factor_j = s.pue * (1 + fleet.host)  # facility W per GPU W
    idle_pool_w = fleet.pool_idle_w - idles * fleet.pool_r * fleet.idle_w_j[fleet.pool_j]  # [u] per replica
    const_it_kwh_j = (1 + fleet.host) * idles * fleet.idle_w_j * fleet.installed_j * S_PER_HOUR / J_PER_KWH
    ut_row = np.arange(n_ut).reshape(n_u, n_t)
    pool_jt = (fleet.pool_j[:, None] * n_t + np.arange(n_t)).ravel()  # site-hour row of each replica column

    blocks = []  # (name, rows, cols, values, lower, upper)
    svc_row = (fleet.pair_i[:, None] * n_k + fleet.pair_k[:, None]) * n_t + t_idx
    n_svc = s.n_areas * n_k * n_t
    blocks.append(("full_service", svc_row.ravel(), y_col.ravel(), np.ones(n_y), np.ones(n_svc), np.ones(n_svc)))
    load = fleet.load_up.tocoo()  # (u, p, replica-s)
    prov_vals = fleet.catalogue.peak_to_mean / S_PER_HOUR * load.data[:, None] * lam[load.col]
    blocks.append(("provisioning",
                   np.concatenate([ut_row[load.row].ravel(), ut_row.ravel()]),
                   np.concatenate([y_col[load.col].ravel(), n_col.ravel()]),
                   np.concatenate([prov_vals.ravel(), -np.ones(n_ut)]), np.full(n_ut, -np.inf), np.zeros(n_ut)))
    group_rows = (fleet.pool_group[:, None] * n_t + np.arange(n_t)).ravel()
    n_gt = fleet.n_groups * n_t
    blocks.append(("availability", group_rows, n_col.ravel(), np.ones(n_ut),
                   np.full(n_gt, float(fleet.options.min_replicas)), np.full(n_gt, np.inf)))
    blocks.append(("capacity", pool_jt, n_col.ravel(), np.repeat(fleet.pool_r, n_t), np.full(n_jt, -np.inf),
                   np.repeat(fleet.installed_j, n_t)))
    cap_kw = (fleet.power_cap_w_j / factor_j - fleet.idle_power_floor_w()) / W_PER_KW
    peak_kw = (fleet.pool_busy_w - idles * fleet.pool_r * fleet.idle_w_j[fleet.pool_j]) / W_PER_KW
    blocks.append(("power_cap", pool_jt, n_col.ravel(), np.repeat(peak_kw, n_t), np.full(n_jt, -np.inf),
                   np.repeat(cap_kw, n_t)))
    pue_p = s.pue[fleet.pair_j]
    net_j = fleet.active_j - fleet.load_up.T @ fleet.pool_idle_w  # [p] busy J less the idle J its time displaces
    fac_y = (pue_p * (1 + fleet.host) / J_PER_KWH * net_j)[:, None] * lam
    fac_n = np.repeat(factor_j[fleet.pool_j] * idle_pool_w * S_PER_HOUR / J_PER_KWH, n_t)
    const_fac_jt = np.repeat(s.pue * const_it_kwh_j, n_t)
    blocks.append(("power_balance", np.concatenate([jt_row.ravel(), pool_jt, np.arange(n_jt)]),
                   np.concatenate([y_col.ravel(), n_col.ravel(), g0 + np.arange(n_jt)]),
                   np.concatenate([fac_y.ravel(), fac_n, -np.ones(n_jt)]),
                   -const_fac_jt, fleet.renewable_kwh_jt.ravel() - const_fac_jt))

    rows, cols, vals, lower, upper = [], [], [], [], []
    offset = 0
    families = {}
    for name, r, c, v, lo, up in blocks:
        families[name] = (offset, offset + len(lo))
        rows.append(r + offset)
        cols.append(c)
        vals.append(v)
        lower.append(lo)
        upper.append(up)
        offset += len(lo)
    n_cols = n0 + n_ut
    import scipy.sparse as sp

    matrix = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                           shape=(offset, n_cols))

    def on_grid(per_jt: np.ndarray) -> np.ndarray:
        c = np.zeros(n_cols)
        c[g0:n0] = per_jt.ravel()
        return c

    facility = np.zeros(n_cols)
    facility[:n_y] = fac_y.ravel()
    facility[n0:] = fac_n
    water_per_it = s.wue_l_per_kwh + s.pue[:, None] * s.ewif_l_per_kwh  # [j, t] litres per IT kWh
    water = np.zeros(n_cols)
    water[:n_y] = (fac_y / pue_p[:, None] * water_per_it[fleet.pair_j]).ravel()
    water[n0:] = (fac_n.reshape(n_u, n_t) / s.pue[fleet.pool_j, None] * water_per_it[fleet.pool_j]).ravel()
    latency = np.zeros(n_cols)
    latency[:n_y] = (lam * fleet.latency_s[:, None]).ravel() / fleet.total_queries
    emissions = on_grid(s.carbon_kg_per_kwh)
    energy = on_grid(billed_price(s))
    costs = {"emissions_kg": emissions, "energy_usd": energy,
             "total_usd": energy + on_grid(s.carbon_kg_per_kwh * s.carbon_tax_usd_per_kg[:, None]),
             "water_l": water, "latency_mean_s": latency, "facility_kwh": facility}
    constants = dict.fromkeys(costs, 0.0)
    constants["water_l"] = float((const_it_kwh_j[:, None] * water_per_it).sum())
    constants["facility_kwh"] = float(const_fac_jt.sum())
    col_lower = np.zeros(n_cols)
    most_replicas = np.floor(fleet.installed_j[fleet.pool_j] / fleet.pool_r + 1e-9)  # [u] the whole site
    col_upper = np.concatenate([np.ones(n_y), np.full(n_jt, np.inf), np.repeat(most_replicas, n_t)])
    integer = np.zeros(n_cols, bool)
    integer[n0:] = fleet.options.integer_replicas
    return FleetLP(matrix, np.concatenate(lower), np.concatenate(upper), col_lower, col_upper, costs, constants,
                   families, lam, n_y, (n_j, n_t), (n_u, n_t), integer)


class FleetSolver:
    """One HiGHS model of a :class:`FleetLP`; epsilon rows and stage rows are added and relaxed in place.

    With integer replicas each stage is solved in two steps: the LP relaxation (its optimum is a lower bound of the
    MILP's), then the replicas rounded up to whole numbers and fixed, and the shares re-optimised (an integer
    solution; rounding up keeps every provisioning row satisfied). ``mip_gaps`` reports (integer - relaxation) /
    integer per stage, an upper bound of the integer solution's distance from the MILP optimum. If the rounded
    replicas break capacity or the power cap, or with ``mip=True``, HiGHS's branch and cut solves the MILP from that
    point, stopping at ``mip_rel_gap`` or ``time_limit_s``, and its own gap is reported. ``relax=True`` keeps the
    replicas continuous (the LP option)."""

    def __init__(self, fleet: Fleet, lp: FleetLP | None = None, *, relax: bool = False, mip: bool = False,
                 time_limit_s: float = MIP_TIME_LIMIT_S, mip_rel_gap: float = MIP_REL_GAP):
        import highspy

        self.fleet, self.lp = fleet, lp or build_lp(fleet)
        self._hs = highspy
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        for option, value in SOLVER_OPTIONS.items():
            h.setOptionValue(option, value)
        m = self.lp.matrix
        h.addVars(m.shape[1], self.lp.col_lower, self.lp.col_upper)
        h.addRows(m.shape[0], self.lp.row_lower, self.lp.row_upper, m.nnz, m.indptr[:-1].astype(np.int32),
                  m.indices.astype(np.int32), m.data)
        self.integer = bool(self.lp.integer.any()) and not relax
        self.mip = mip
        self._int_cols = np.flatnonzero(self.lp.integer).astype(np.int32)
        self._time_limit_s, self._mip_rel_gap = float(time_limit_s), float(mip_rel_gap)
        self.h = h
        self._eps_rows: list[int] = []
        self.stages: dict[str, float] = {}  # optimum of each stage of the last solve (constants included)
        self.relaxed: dict[str, float] = {}  # the LP relaxation's optimum of each stage
        self.mip_gaps: dict[str, float] = {}  # relative gap to the relaxation per stage (0 for an LP)
        self.seconds: dict[str, float] = {}
        self.values: np.ndarray | None = None  # column values of the last solve
        self._replicas_fixed = False

    @property
    def replicas(self) -> np.ndarray:
        """Replicas per pool and hour [u, t] of the last solve."""
        return self.values[self.lp.n_start:].reshape(self.lp.shape_ut)

    def add_objective(self, name: str, cost: np.ndarray, constant: float = 0.0) -> None:
        """Declare a further objective ``name`` (cost per column, and a constant term) that :meth:`solve`'s orders may
        name as a stage, e.g. the serving year's canonical allocation (greenllm.serving.daily.CANONICAL_STAGE)."""
        if cost.shape != (self.lp.matrix.shape[1],):
            raise ValueError(f"serving: objective {name!r} has {cost.shape} costs, the LP "
                             f"{self.lp.matrix.shape[1]} columns")
        self.lp.costs[name] = np.asarray(cost, float)
        self.lp.constants[name] = float(constant)

    def _add_row(self, coef: np.ndarray, upper: float) -> int:
        idx = np.flatnonzero(coef)
        self.h.addRow(-np.inf, float(upper), len(idx), idx.astype(np.int32), coef[idx])
        return self.h.getNumRow() - 1

    def _drop_rows(self, rows: list[int]) -> None:
        if rows:
            self.h.deleteRows(len(rows), np.array(sorted(rows), dtype=np.int32))

    def latency_limits(self, mean_s: float | None = None, p95_s: float | None = None) -> None:
        """Replace the epsilon rows: mean latency <= mean_s; at most 5 % of queries' tail latency above p95_s."""
        self._drop_rows(self._eps_rows)
        self._eps_rows = []
        if mean_s is not None:
            self._eps_rows.append(self._add_row(self.lp.costs["latency_mean_s"], mean_s))
        if p95_s is not None:
            slow = np.zeros(self.lp.matrix.shape[1])
            over = (self.fleet.latency_tail_s > p95_s)[:, None] * self.lp.lam / self.fleet.total_queries
            slow[: self.lp.n_y] = over.ravel()
            self._eps_rows.append(self._add_row(slow, P95_SHARE))

    def _run(self, integer: bool = False) -> np.ndarray | None:
        """Run HiGHS on the current model; None if infeasible (or a MILP that found no point in time)."""
        h, ms = self.h, self._hs.HighsModelStatus
        h.run()
        status = h.getModelStatus()
        if status in (ms.kInfeasible, ms.kUnboundedOrInfeasible):
            return None
        if status == ms.kOptimal or (integer and status == ms.kTimeLimit
                                     and h.getInfo().primal_solution_status == 2):  # a feasible point
            return np.array(h.getSolution().col_value)
        if integer and status == ms.kTimeLimit:
            return None
        raise SolverError(f"serving: HiGHS stopped with status {h.modelStatusToString(status)!r}")

    def _branch_and_cut(self, start: np.ndarray | None) -> np.ndarray | None:
        hs, h, cols = self._hs, self.h, self._int_cols
        h.changeColsIntegrality(len(cols), cols, np.full(len(cols), hs.HighsVarType.kInteger))
        h.setOptionValue("mip_rel_gap", self._mip_rel_gap)
        h.setOptionValue("time_limit", self._time_limit_s)
        try:
            if start is not None:
                h.setSolution(_solution(hs, start))
            return self._run(integer=True)
        finally:
            h.changeColsIntegrality(len(cols), cols, np.full(len(cols), hs.HighsVarType.kContinuous))
            h.setOptionValue("time_limit", float("inf"))

    def _with_rounding_reserve(self, relaxed: np.ndarray) -> np.ndarray:
        """The relaxation again with each site-hour's capacity and power cap lowered by one replica of every pool it
        runs a fraction of, so that rounding those up fits; the first relaxation if that is infeasible."""
        lp, fleet = self.lp, self.fleet
        n_ut = relaxed[self._int_cols].reshape(lp.shape_ut)
        fractional = (n_ut - np.floor(n_ut + 1e-6)) > 1e-6
        saved = {}
        for family, per_pool in (("capacity", fleet.pool_r), ("power_cap", pool_kw(lp))):
            start, stop = lp.families[family]
            reserve = np.zeros(lp.shape_jt)
            np.add.at(reserve, fleet.pool_j, per_pool[:, None] * fractional)
            rows = np.arange(start, stop, dtype=np.int32)
            saved[family] = (rows, lp.row_lower[start:stop], lp.row_upper[start:stop])
            self.h.changeRowsBounds(len(rows), rows, lp.row_lower[start:stop], lp.row_upper[start:stop]
                                    - reserve.ravel())
        try:
            again = self._run()
        finally:
            for rows, low, up in saved.values():
                self.h.changeRowsBounds(len(rows), rows, low, up)
        return relaxed if again is None else again

    def _solve(self, name: str, cost: np.ndarray) -> np.ndarray:
        n = len(cost)
        self.h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
        relaxed = self._run()
        if relaxed is None:
            raise InfeasibleError("serving: no allocation meets full service, availability, capacity, the power cap"
                                  " and the latency limits")
        self.relaxed[name] = float(cost @ relaxed) + self.lp.constants[name]
        if not self.integer or self._replicas_fixed:
            return relaxed
        cols = self._int_cols
        lower, upper = self.lp.col_lower[cols], self.lp.col_upper[cols]
        rounded, current = None, self._with_rounding_reserve(relaxed)
        try:
            for _ in range(ROUNDING_PASSES):
                fractional = current[cols]
                whole = whole_replicas(self.fleet, self.lp, fractional.reshape(self.lp.shape_ut)).ravel()
                self.h.changeColsBounds(len(cols), cols, whole, whole)
                rounded = self._run()
                if rounded is not None:
                    break
                # rounded down where a site-hour was full: keep those, let the others grow from their whole values
                down = whole < np.ceil(fractional - 1e-6)
                self.h.changeColsBounds(len(cols), cols, whole, np.where(down, whole, upper))
                current = self._run()
                if current is None:
                    break
        finally:
            self.h.changeColsBounds(len(cols), cols, lower, upper)
        values = self._branch_and_cut(rounded) if (self.mip or rounded is None) else rounded
        if values is None:
            raise SolverError(f"serving: no whole-replica solution found within {self._time_limit_s:g} s")
        return values

    def _optimal_face(self, values: np.ndarray, cost: np.ndarray) -> tuple | None:
        """After an optimal LP stage: fix every column with a non-zero reduced cost at its value and every row with
        a non-zero dual at its activity. By LP duality every point left has the stage's optimum (its face of optimal
        solutions), so the next stage picks among them without a stage row. Returns the bounds to restore, or None
        when the last run left no duals (then the caller bounds the objective with a row)."""
        h = self.h
        solution = h.getSolution()
        if not solution.dual_valid:
            h.run()  # the same model again from its optimal basis: the duals of that optimum
            solution = h.getSolution()
            if h.getModelStatus() != self._hs.HighsModelStatus.kOptimal or not solution.dual_valid:
                return None
        model = h.getLp()
        saved = (np.array(model.col_lower_), np.array(model.col_upper_), np.array(model.row_lower_),
                 np.array(model.row_upper_))
        tol = 1e-9 * max(1.0, float(np.abs(cost).max(initial=0.0)))
        cols = np.flatnonzero(np.abs(np.asarray(solution.col_dual)) > tol).astype(np.int32)
        if cols.size:
            h.changeColsBounds(len(cols), cols, values[cols], values[cols])
        activity = np.asarray(solution.row_value)
        rows = np.flatnonzero(np.abs(np.asarray(solution.row_dual)) > tol).astype(np.int32)
        if rows.size:
            h.changeRowsBounds(len(rows), rows, activity[rows], activity[rows])
        return saved

    def _restore(self, saved: tuple) -> None:
        col_lower, col_upper, row_lower, row_upper = saved
        self.h.changeColsBounds(len(col_lower), np.arange(len(col_lower), dtype=np.int32), col_lower, col_upper)
        self.h.changeRowsBounds(len(row_lower), np.arange(len(row_lower), dtype=np.int32), row_lower, row_upper)

    def solve(self, order: tuple[str, ...]) -> np.ndarray:
        """Lexicographic over ``order``; returns queries per pair and hour [p, t]. Each later stage optimises over the
        optimal face of the earlier ones (or, without duals, under a row that keeps them within STAGE_REL). Every
        order ends with emissions or cost, which leave no grid energy beyond what the load needs, so the account
        equals the model's numbers."""
        stage_rows = []
        self.stages, self.relaxed, self.mip_gaps, self.seconds = {}, {}, {}, {}
        cols = self._int_cols
        saved = face = None
        try:
            for stage, name in enumerate(order):
                if stage:
                    previous = self.lp.costs[order[stage - 1]]
                    if self.integer and stage == 1:  # later stages re-route on the first stage's whole replicas
                        whole = values[cols]
                        self.h.changeColsBounds(len(cols), cols, whole, whole)
                        self._replicas_fixed = True
                    face = self._optimal_face(values, previous)
                    saved = saved or face
                    if face is None:
                        optimum = float(previous @ values)
                        stage_rows.append(self._add_row(previous, optimum + STAGE_REL * abs(optimum) + STAGE_ABS))
                cost = self.lp.costs[name]
                started = time.perf_counter()
                try:
                    values = self._solve(name, cost)
                except InfeasibleError:
                    if not stage or face is None:
                        raise
                    # the face's fixed bounds can be infeasible by round-off: bound the objective with a row instead
                    self._restore(face)
                    optimum = float(previous @ values)
                    stage_rows.append(self._add_row(previous, optimum + STAGE_REL * abs(optimum) + STAGE_ABS))
                    values = self._solve(name, cost)
                self.seconds[name] = time.perf_counter() - started
                self.stages[name] = float(cost @ values) + self.lp.constants[name]
                if not self._replicas_fixed:  # a later stage's relaxation has the first stage's replicas
                    self.mip_gaps[name] = (1 - self.relaxed[name] / self.stages[name]) if self.stages[name] else 0.0
        finally:
            if saved is not None:
                self._restore(saved)
            self._drop_rows(stage_rows)
            if self._replicas_fixed:
                self.h.changeColsBounds(len(cols), cols, self.lp.col_lower[cols], self.lp.col_upper[cols])
                self._replicas_fixed = False
        self.values = values
        y = values[: self.lp.n_y].reshape(self.lp.lam.shape)
        return y * self.lp.lam


def pool_kw(lp: FleetLP) -> np.ndarray:
    """[u] each pool's coefficient in the power-cap rows (kW of one replica)."""
    start, stop = lp.families["power_cap"]
    per_col = np.asarray(lp.matrix[start:stop].sum(axis=0)).ravel()[lp.n_start:]
    return per_col.reshape(lp.shape_ut)[:, 0]


def whole_replicas(fleet: Fleet, lp: FleetLP, relaxed_ut: np.ndarray) -> np.ndarray:
    """Whole replicas [u, t] from the relaxation's: rounded up, except where that breaks a site-hour's capacity or
    power cap; there pools are rounded down, smallest fractional part first, while the availability minimum holds
    (the shares are then re-optimised on these replicas, moving load the lost fractions carried)."""
    n = np.ceil(relaxed_ut - 1e-6)
    frac = relaxed_ut - np.floor(relaxed_ut + 1e-6)
    start, stop = lp.families["power_cap"]
    cap_kw = lp.row_upper[start:stop].reshape(lp.shape_jt)
    n_t = lp.shape_ut[1]
    kw = pool_kw(lp)
    for j in range(fleet.scenario.n_dcs):
        pools = np.flatnonzero(fleet.pool_j == j)
        for t in range(n_t):
            def over() -> bool:
                return (fleet.pool_r[pools] @ n[pools, t] > fleet.installed_j[j] + 1e-9
                        or kw[pools] @ n[pools, t] > cap_kw[j, t] + 1e-9)
            for u in pools[np.argsort(frac[pools, t], kind="stable")]:
                if not over():
                    break
                if frac[u, t] <= 1e-6:
                    continue
                group = fleet.pool_group == fleet.pool_group[u]
                if n[group, t].sum() - 1 >= fleet.options.min_replicas:
                    n[u, t] -= 1
    return n


def _solution(highspy, values: np.ndarray):
    solution = highspy.HighsSolution()
    solution.col_value = list(values)
    solution.value_valid = True
    return solution
