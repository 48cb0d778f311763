"""The per-query formulation: physically consistent latency, hardware-dependent energy and accelerator capacity.

Where the paper (arXiv 2507.09942, July 2025) sums a delay measure over all queries of an hour, divides kilobytes by
megabits per second and gives every data centre the same hardware, this formulation (docs/per_query.md) models one
query on route (area i -> data centre j, type k) in hour t:

    latency_ijkt = rtt_ij + token_size_kb_ikt (h_k + f_k) * 0.008 Mbit/kB / bandwidth_mbps_ij      [s]
                 + h_k / prefill_tokens_per_s(j, k) + f_k / stream_tokens_per_s(j, k)

with the throughput of the accelerator installed at j serving the model of type k (config/hardware.yaml). Routes
whose latency exceeds the SLO of (i, k), or whose hardware has no profile for the model, or that carry no demand,
get no variable at all (pruning). Then, per served share x_ijkt of lambda_ikt queries:

* delay cost      rho_k lambda_ikt latency_ijkt x_ijkt                                   [$ = $/(query s) x query s]
* busy time       lambda x r (h / prefill + f / decode)   accelerator-seconds, r = accelerators per replica
* energy          lambda x (h e_prefill + f e_decode - idle_w x busy) / 3.6e6            [kWh, above idle]
* provisioning    a_jt accelerators switched on (continuous; or whole servers: a MILP), with
                  busy_jt <= utilisation_cap_j x 3600 s x a_jt  and  a_jt <= installed_j;
                  they draw idle_w each all hour: idle_w a_jt x 3600 s / 3.6e6 kWh
* power balance   PUE_j (dynamic + idle) <= grid_kw_jt + renewable_kw_jt, grid cap, water budget as in the paper.

Its inputs beyond the paper's format are read by :mod:`greenllm.per_query_inputs`; the latency and energy of one
query by :mod:`greenllm.accounting`; the analyses built on it (formulation comparison, hardware mixes) live in
:mod:`greenllm.per_query`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from greenllm.accounting import (
    J_PER_KWH,
    S_PER_HOUR,
    PerQueryAccount,
    account_per_query,
    dc_type_table,
    per_query_latency_s,
    realised_per_query,
    weighted_mean,
    weighted_quantile,
)
from greenllm.checks import Check, check_le
from greenllm.errors import InfeasibleError, InputError
from greenllm.formulations.base import Description, Formulation, Provisioning, Solution
from greenllm.hardware import Catalogue
from greenllm.inputs import Scenario
from greenllm.lp import INF, LinearProgram, RowBuilder
from greenllm.options import ModelOptions
from greenllm.per_query_inputs import PerQueryInputs, load_inputs

log = logging.getLogger("greenllm")


def route_mask(s: Scenario, inputs: PerQueryInputs, latency: np.ndarray | None = None) -> np.ndarray:
    """True for routes that get a variable: servable, within the SLO of (i, k) and carrying demand, [i, j, k, t]."""
    latency = per_query_latency_s(s, inputs) if latency is None else latency
    return (latency <= inputs.slo_s_ik[:, None, :, None]) & (s.queries[:, None, :, :] > 0)


def check_every_demand_has_a_route(s: Scenario, inputs: PerQueryInputs, latency, mask) -> None:
    stranded = (s.queries > 0) & ~mask.any(axis=1)
    if not stranded.any():
        return
    i, k, t = (int(v[0]) for v in np.nonzero(stranded))
    best_j = int(np.argmin(latency[i, :, k, t]))
    best = latency[i, best_j, k, t]
    why = (f"the fastest route, to {s.dc_names[best_j]}, takes {best:.3g} s" if np.isfinite(best)
           else f"no data centre has hardware with a profile for model {inputs.model_k[k]}")
    raise InfeasibleError(
        f"infeasible: the latency SLO (per-query formulation): {int(stranded.sum())} (area, type, hour) demands have no"
        f" route within their SLO; first: {s.area_names[i]}, {s.type_names[k]}, hour {t}: SLO {inputs.slo_s_ik[i, k]:g}"
        f" s but {why}")


# --------------------------------------------------------------------------------------------------------------------
# The formulation
# --------------------------------------------------------------------------------------------------------------------


@dataclass
class PerQueryFormulation(Formulation):
    """Per-query latency, hardware energy and accelerator capacity; ``integer`` makes provisioning whole servers.

    ``tie_break``: after the scheme's stages, minimise facility energy drawn plus grid energy bought [kWh] among the
    solutions whose scheme objective is optimal. Without it, accelerators whose idle draw on-site renewables cover
    cost nothing, so the solver may switch on any number of them (and spend their water) at the same objective.
    """

    inputs: PerQueryInputs
    integer: bool = False
    tie_break: bool = True
    name: ClassVar[str] = "per_query"

    @classmethod
    def for_scenario(cls, s: Scenario, options: ModelOptions | None = None, catalogue: Catalogue | None = None,
                     integer: bool = False, tie_break: bool = True) -> PerQueryFormulation:
        """Inputs from the folder of ``s`` (SLO rule ``options.per_query_slo``; None: the folder's default)."""
        if s is None:
            raise InputError("the per_query formulation needs a scenario to read its hardware and SLO inputs from")
        slo = options.per_query_slo if options is not None else None
        f = cls(load_inputs(s, catalogue, slo=slo), integer=integer, tie_break=tie_break)
        for note in f.inputs.notes:
            log.info("per_query: %s", note)
        return f

    @property
    def notes(self) -> list[str]:
        return list(self.inputs.notes) + (["integer provisioning: whole servers (MILP, HiGHS)"] if self.integer else [])

    def units_per_column(self) -> np.ndarray:
        """Accelerators per provisioning column of each data centre: 1 (LP) or accelerators per server (MILP)."""
        if not self.integer:
            return np.ones(len(self.inputs.accelerator_j))
        return np.array([float(self.inputs.catalogue.accelerators[a].accelerators_per_server)
                         for a in self.inputs.accelerator_j])

    def build_lp(self, s: Scenario) -> LinearProgram:
        inputs = self.inputs
        n_i, n_j, n_k, n_t = s.n_areas, s.n_dcs, s.n_types, s.n_hours
        shape_x = (n_i, n_j, n_k, n_t)
        table = dc_type_table(s, inputs)
        latency = per_query_latency_s(s, inputs, table)
        mask = route_mask(s, inputs, latency)
        check_every_demand_has_a_route(s, inputs, latency, mask)
        kept = np.flatnonzero(mask.ravel())
        i, j, k, t = np.unravel_index(kept, shape_x)
        n_x, n_jt = len(kept), n_j * n_t
        queries = s.queries[i, k, t]
        x_col = np.arange(n_x)
        grid_col = n_x + np.arange(n_jt)
        prov_col = n_x + n_jt + np.arange(n_jt)
        jt = j * n_t + t
        units = self.units_per_column()  # accelerators per provisioning column
        idle_kw = inputs.idle_w_j / 1000.0
        j_of_jt = np.repeat(np.arange(n_j), n_t)
        idle_kwh_per_col = (idle_kw * units)[j_of_jt]  # kWh drawn in the one-hour slot by one provisioning column
        compute_kwh = queries * table.dynamic_energy_j[j, k] / J_PER_KWH
        rows = RowBuilder()

        # Power balance: PUE_j (sum dynamic + idle) - P^g_jt <= P^w_jt   [kW; one-hour slots]
        facility_x_kwh = s.pue[j] * compute_kwh  # facility energy per share column [kWh]
        facility_prov_kwh = s.pue[j_of_jt] * idle_kwh_per_col  # and per provisioning column
        rows.add("power_balance",
                 np.concatenate([jt, np.arange(n_jt), np.arange(n_jt)]),
                 np.concatenate([x_col, grid_col, prov_col]),
                 np.concatenate([facility_x_kwh, -np.ones(n_jt), facility_prov_kwh]),
                 lower=np.full(n_jt, -INF), upper=s.renewable_kw.ravel())

        # Accelerator capacity: busy accelerator-seconds <= cap_j x 3600 s x accelerators provisioned
        rows.add("accelerators",
                 np.concatenate([jt, np.arange(n_jt)]),
                 np.concatenate([x_col, prov_col]),
                 np.concatenate([queries * table.busy_accelerator_s[j, k],
                                 -(inputs.utilisation_cap_j * S_PER_HOUR * units)[j_of_jt]]),
                 lower=np.full(n_jt, -INF), upper=np.zeros(n_jt))

        # Water budget over the horizon: sum (WUE + EWIF PUE) x computing energy <= Z   [L]
        water_per_kwh = (s.wue_l_per_kwh + s.ewif_l_per_kwh * s.pue[:, None]).ravel()
        water_x = compute_kwh * water_per_kwh[jt]
        water_prov = idle_kwh_per_col * water_per_kwh
        rows.add("water_budget", np.zeros(n_x + n_jt, dtype=np.int64), np.concatenate([x_col, prov_col]),
                 np.concatenate([water_x, water_prov]), lower=np.array([-INF]), upper=np.array([s.water_budget_l]))

        # Full service: sum over kept routes x = 1 for every (i, k, t) with demand
        service_row = (i * n_k + k) * n_t + t
        demand_rows = (s.queries.ravel() > 0).astype(float)
        rows.add("full_service", service_row, x_col, np.ones(n_x), lower=demand_rows, upper=demand_rows)

        start, index, value, row_lower, row_upper = rows.pack()
        n_cols = n_x + 2 * n_jt
        energy = np.zeros(n_cols)
        energy[grid_col] = s.price_usd_per_kwh.ravel()
        carbon = np.zeros(n_cols)
        carbon[grid_col] = (s.carbon_tax_usd_per_kg[:, None] * s.carbon_kg_per_kwh).ravel()
        delay = np.zeros(n_cols)
        delay[:n_x] = s.delay_penalty_usd_per_s[k] * queries * latency.ravel()[kept]
        water_l = np.zeros(n_cols)
        water_l[:n_x] = water_x
        water_l[prov_col] = water_prov
        # Tie-break objective [kWh]: facility energy drawn, PUE x (computing above idle + idle draw), plus grid energy
        # bought (so the grid does not drift above what the load needs when that costs nothing).
        tie_kwh = np.zeros(n_cols)
        tie_kwh[:n_x] = facility_x_kwh
        tie_kwh[prov_col] = facility_prov_kwh
        tie_kwh[grid_col] = 1.0
        installed = inputs.count_j / units
        if self.integer:
            installed = np.floor(installed + 1e-9)
            empty = np.flatnonzero(installed < 1)
            if empty.size:
                j0 = int(empty[0])
                raise InputError(
                    f"integer provisioning: {s.dc_names[j0]} has {inputs.count_j[j0]:g} {inputs.accelerator_j[j0]}, "
                    f"less than one server of {units[j0]:g}")
        col_lower = np.zeros(n_cols)
        col_upper = np.concatenate([np.ones(n_x), s.grid_cap_kw.ravel(), installed[j_of_jt]])
        integrality = None
        if self.integer:
            integrality = np.zeros(n_cols, dtype=bool)
            integrality[prov_col] = True
        return LinearProgram(
            n_cols=n_cols, col_lower=col_lower, col_upper=col_upper,
            row_start=start, row_index=index, row_value=value, row_lower=row_lower, row_upper=row_upper,
            families=rows.families, costs={"energy": energy, "carbon": carbon, "delay": delay},
            water_l=water_l, shape_x=shape_x, shape_grid=(n_j, n_t), x_index=kept,
            extra_cols={"servers" if self.integer else "accelerators": (n_x + n_jt, (n_j, n_t))},
            integrality=integrality,
            tie_break=("facility_plus_grid_kwh", tie_kwh) if self.tie_break else None,
        )

    def solution(self, s: Scenario, lp: LinearProgram, values: np.ndarray) -> Solution:
        x, grid_kw = lp.split(values)
        if self.integer:
            units = self.units_per_column()
            servers = lp.block(values, "servers")
            return Solution(x, grid_kw, Provisioning(servers * units[:, None], servers, units))
        return Solution(x, grid_kw, Provisioning(lp.block(values, "accelerators")))

    def account(self, s: Scenario, solution: Solution) -> PerQueryAccount:
        return account_per_query(s, self.inputs, solution.x, solution.grid_kw, solution.provisioning.accelerators_jt)

    def checks(self, s: Scenario, solution: Solution, account: PerQueryAccount) -> list[Check]:
        """Every query served on a route within its SLO, power balance, grid cap, accelerator capacity, water."""
        return per_query_checks(s, self.inputs, solution, account)

    def describe(self, s: Scenario, lp: LinearProgram, solution: Solution) -> Description:
        latency = per_query_latency_s(s, self.inputs)
        served = solution.x * s.queries[:, None, :, :]
        return Description(
            notes=self.notes, routes_kept=int(lp.n_x), routes_total=int(np.prod(lp.shape_x)),
            accelerator_hours=float(solution.provisioning.accelerators_jt.sum()),
            latency_mean_s=weighted_mean(latency, served), latency_p95_s=weighted_quantile(latency, served, 0.95),
        )

    def realised(self, s: Scenario, x: np.ndarray) -> dict:
        return realised_per_query(s, self.inputs, x)


def per_query_checks(s: Scenario, inputs: PerQueryInputs, solution: Solution, q: PerQueryAccount) -> list[Check]:
    """All constraints of the per-query model on a solution and its account (whole servers when provisioned so)."""
    x, grid_kw, prov = solution.x, solution.grid_kw, solution.provisioning
    accelerators = prov.accelerators_jt
    demand = s.queries
    outside = (q.latency_s > inputs.slo_s_ik[:, None, :, None]) | (demand[:, None, :, :] <= 0)  # must carry nothing
    checks = [
        check_le("share x >= 0", -x, 0.0, "ijkt"),
        check_le("share x <= 1", x, 1.0, "ijkt"),
        check_le("every query served: sum_j x lambda = lambda", np.abs(q.served_ijkt.sum(axis=1) - demand), 0.0,
                 "ikt"),
        check_le("no traffic on routes over their latency SLO or unservable", np.where(outside, x, 0.0), 0.0, "ijkt"),
        check_le("grid power >= 0", -grid_kw, 0.0, "jt"),
        check_le("(8) grid cap", grid_kw, s.grid_cap_kw, "jt"),
        check_le("power balance", q.facility_kw_jt, grid_kw + s.renewable_kw, "jt"),
        check_le("accelerator capacity", q.busy_accelerator_s_jt,
                 inputs.utilisation_cap_j[:, None] * S_PER_HOUR * accelerators, "jt"),
        check_le("provisioned <= installed accelerators", accelerators, inputs.count_j[:, None], "jt"),
        check_le("provisioned >= 0", -accelerators, 0.0, "jt"),
        check_le("water budget", q.water_l, s.water_budget_l, ""),
    ]
    if prov.accelerators_per_server_j is not None:
        servers = accelerators / prov.accelerators_per_server_j[:, None]
        checks.append(check_le("whole servers", np.abs(servers - np.round(servers)), 0.0, "jt"))
    return checks
