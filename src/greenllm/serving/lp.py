"""The serving LP on a :class:`~greenllm.serving.fleet.Fleet`: which share of each (area, class, hour)'s queries runs on which
site at which operating point, with accelerators provisioned and grid power drawn per site and hour.

Variables, in this column order: y[p, t] in [0, 1] share of lambda_{ikt} on pair p = (i, j, k, o) (only pairs
within the SLO exist; pairs in (area, site, batch limit, class) order); g[j, t] >= 0 grid energy [kWh per one-hour
slot]; a[j, t] in [0, installed_j] accelerators provisioned.

    full service    sum_{p in (i, k)} y[p, t] = 1                                             per (i, k, t)
    provisioning    peak_to_mean sum_p lambda busy_p y[p, t] = 3600 s a[j, t]                 per (j, t)
                    (exactly the accelerators the load's within-hour peak needs; a <= installed is the capacity)
    power balance   0 <= F[j, t] - g[j, t] <= renewable_kwh[j, t]                              per (j, t)
                    F = PUE_j / 3.6e6 (sum_p lambda y ((1 + host) active_p - idle_w busy_p) + idle_w 3600 a)
    latency (eps)   sum lambda y latency_p <= eps_mean Q;  sum_{latency_p > x} lambda y <= 0.05 Q  (p95 <= x)

Objectives (linear): emissions_kg = sum g CI, energy_usd = sum g max(price, 0), total_usd = energy_usd + carbon tax x
emissions, water_l, latency_mean_s; a scheme minimises them in a lexicographic order and finally facility energy
(so no accelerator is provisioned without need and the allocation's account equals the LP's numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from greenllm.errors import InfeasibleError, SolverError
from greenllm.serving.fleet import J_PER_KWH, S_PER_HOUR, Fleet, billed_price

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
# A stage's optimum must be exact to far below the stage slack (1e-6): with ~10^5 share columns, HiGHS's default
# dual feasibility tolerance (1e-7 per reduced cost) leaves objective errors near 1e-4, and runs on different thread
# counts then differed in the fourth digit. Tighter tolerances make the tables reproducible. (No "threads" option:
# HiGHS refuses to run when it differs from the thread pool an earlier solve in the process started.)
SOLVER_OPTIONS = {"dual_feasibility_tolerance": 1e-10, "primal_feasibility_tolerance": 1e-9}


@dataclass
class FleetLP:
    matrix: sp.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    costs: dict[str, np.ndarray]
    families: dict[str, tuple[int, int]]  # constraint family -> row range
    lam: np.ndarray  # [p, t] queries per hour of each share column's (area, class)
    n_y: int
    shape_jt: tuple[int, int]


def build_lp(fleet: Fleet) -> FleetLP:
    s = fleet.scenario
    n_p, n_t, n_j = fleet.n_pairs, s.n_hours, s.n_dcs
    n_y, n_jt = n_p * n_t, n_j * n_t
    g0, a0 = n_y, n_y + n_jt
    lam = fleet.pair_queries()  # [p, t]
    y_col = np.arange(n_y).reshape(n_p, n_t)
    t_idx = np.broadcast_to(np.arange(n_t), (n_p, n_t))
    jt_row = fleet.pair_j[:, None] * n_t + t_idx  # site-hour row of each share column
    n_k = len(fleet.class_names)
    host = fleet.catalogue.host_j_per_accelerator_j
    idle_w = fleet.idle_w_j

    blocks = []  # (rows, cols, values, lower, upper)
    # full service, rows (i, k, t)
    svc_row = (fleet.pair_i[:, None] * n_k + fleet.pair_k[:, None]) * n_t + t_idx
    n_svc = s.n_areas * n_k * n_t
    blocks.append((svc_row.ravel(), y_col.ravel(), np.ones(n_y), np.ones(n_svc), np.ones(n_svc)))
    # capacity, rows (j, t)
    cap_vals = fleet.catalogue.peak_to_mean * lam * fleet.busy_s[:, None]
    blocks.append((np.concatenate([jt_row.ravel(), np.arange(n_jt)]),
                   np.concatenate([y_col.ravel(), a0 + np.arange(n_jt)]),
                   np.concatenate([cap_vals.ravel(), np.full(n_jt, -S_PER_HOUR)]),
                   np.zeros(n_jt), np.zeros(n_jt)))
    # power balance, rows (j, t)
    pue_p = s.pue[fleet.pair_j]
    fac_y = (pue_p / J_PER_KWH * ((1 + host) * fleet.active_j - idle_w[fleet.pair_j] * fleet.busy_s))[:, None] * lam
    fac_a = np.repeat(s.pue * idle_w * S_PER_HOUR / J_PER_KWH, n_t)
    blocks.append((np.concatenate([jt_row.ravel(), np.arange(n_jt), np.arange(n_jt)]),
                   np.concatenate([y_col.ravel(), a0 + np.arange(n_jt), g0 + np.arange(n_jt)]),
                   np.concatenate([fac_y.ravel(), fac_a, -np.ones(n_jt)]),
                   np.zeros(n_jt), fleet.renewable_kwh_jt.ravel()))

    rows, cols, vals, lower, upper = [], [], [], [], []
    offset = 0
    families = {}
    for name, (r, c, v, lo, up) in zip(("full_service", "provisioning", "power_balance"), blocks, strict=True):
        families[name] = (offset, offset + len(lo))
        rows.append(r + offset)
        cols.append(c)
        vals.append(v)
        lower.append(lo)
        upper.append(up)
        offset += len(lo)
    n_cols = n_y + 2 * n_jt
    matrix = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                           shape=(offset, n_cols))

    def on_grid(per_jt: np.ndarray) -> np.ndarray:
        c = np.zeros(n_cols)
        c[g0:a0] = per_jt.ravel()
        return c

    facility = np.zeros(n_cols)
    facility[:n_y] = fac_y.ravel()
    facility[a0:] = fac_a
    water_per_it = s.wue_l_per_kwh + s.pue[:, None] * s.ewif_l_per_kwh  # [j, t] litres per IT kWh
    water = np.zeros(n_cols)
    water[:n_y] = (fac_y / pue_p[:, None] * water_per_it[fleet.pair_j]).ravel()
    water[a0:] = (fac_a.reshape(n_j, n_t) / s.pue[:, None] * water_per_it).ravel()
    latency = np.zeros(n_cols)
    latency[:n_y] = (lam * fleet.latency_s[:, None]).ravel() / fleet.total_queries
    emissions = on_grid(s.carbon_kg_per_kwh)
    energy = on_grid(billed_price(s))
    costs = {"emissions_kg": emissions, "energy_usd": energy,
             "total_usd": energy + on_grid(s.carbon_kg_per_kwh * s.carbon_tax_usd_per_kg[:, None]),
             "water_l": water, "latency_mean_s": latency, "facility_kwh": facility}
    col_lower = np.zeros(n_cols)
    col_upper = np.concatenate([np.ones(n_y), np.full(n_jt, np.inf), np.repeat(fleet.installed_j, n_t)])
    return FleetLP(matrix, np.concatenate(lower), np.concatenate(upper), col_lower, col_upper, costs, families, lam,
                   n_y, (n_j, n_t))


class FleetSolver:
    """One HiGHS model of a :class:`FleetLP`; epsilon rows and stage rows are added and relaxed in place."""

    def __init__(self, fleet: Fleet, lp: FleetLP | None = None):
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
        self.h = h
        self._eps_rows: list[int] = []
        self.stages: dict[str, float] = {}  # optimum of each stage of the last solve
        self.values: np.ndarray | None = None  # column values of the last solve

    def _add_row(self, coef: np.ndarray, upper: float) -> int:
        idx = np.flatnonzero(coef)
        self.h.addRow(-np.inf, float(upper), len(idx), idx.astype(np.int32), coef[idx])
        return self.h.getNumRow() - 1

    def _drop_rows(self, rows: list[int]) -> None:
        if rows:
            self.h.deleteRows(len(rows), np.array(sorted(rows), dtype=np.int32))

    def latency_limits(self, mean_s: float | None = None, p95_s: float | None = None) -> None:
        """Replace the epsilon rows: mean latency <= mean_s; at most 5 % of queries slower than p95_s."""
        self._drop_rows(self._eps_rows)
        self._eps_rows = []
        if mean_s is not None:
            self._eps_rows.append(self._add_row(self.lp.costs["latency_mean_s"], mean_s))
        if p95_s is not None:
            slow = np.zeros(self.lp.matrix.shape[1])
            over = (self.fleet.latency_s > p95_s)[:, None] * self.lp.lam / self.fleet.total_queries
            slow[: self.lp.n_y] = over.ravel()
            self._eps_rows.append(self._add_row(slow, P95_SHARE))

    def _solve(self, cost: np.ndarray) -> np.ndarray:
        n = len(cost)
        self.h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
        self.h.run()
        status = self.h.getModelStatus()
        if status == self._hs.HighsModelStatus.kInfeasible:
            raise InfeasibleError("serving: no allocation meets full service, capacity and the latency limits")
        if status != self._hs.HighsModelStatus.kOptimal:
            raise SolverError(f"serving: HiGHS stopped with status {self.h.modelStatusToString(status)!r}")
        return np.array(self.h.getSolution().col_value)

    def solve(self, order: tuple[str, ...]) -> np.ndarray:
        """Lexicographic over ``order``; returns queries per pair and hour [p, t]. Every order ends with emissions or
        cost, which leave no grid energy beyond what the load needs, so the account equals the LP's numbers."""
        stage_rows = []
        self.stages = {}
        try:
            for name in order:
                cost = self.lp.costs[name]
                values = self._solve(cost)
                optimum = float(cost @ values)
                self.stages[name] = optimum
                stage_rows.append(self._add_row(cost, optimum + STAGE_REL * abs(optimum) + STAGE_ABS))
        finally:
            self._drop_rows(stage_rows)
        y = values[: self.lp.n_y].reshape(self.lp.lam.shape)
        self.values = values
        return y * self.lp.lam
