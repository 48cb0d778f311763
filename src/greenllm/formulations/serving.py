"""The serving formulation: the fleet-scale model of docs/serving.md behind the common interface.

For a scenario folder it builds a :class:`~greenllm.serving.fleet.Fleet` (the folder's geography and hourly signals, its
demand profile scaled to ``FleetOptions.queries_per_day`` over the Azure-trace workload classes, H100/B200 sites,
on-site renewables as a share of load) and the LP of :mod:`greenllm.serving.lp`: a share per (area, site, class,
operating point, hour) within the SLO, grid energy per site and hour, and replicas per pool and hour. The share
columns are laid out as x[i, v, k, t] with v = site x batch limit (one "virtual site" per operating point), so the
common driver solves it like any other LP; :meth:`ServingFormulation.solution` sums them back to x[i, j, k, t]
(axis k = the workload classes of config/serving.yaml) and keeps the queries per pair and the replicas per pool with
the provisioning. Through the common driver replicas are continuous (the LP option of greenllm.serving.lp).

Cost components for the common schemes: energy = grid x max(price, 0) [$], carbon = carbon tax x emissions [$],
delay = 0 (no value-of-time price: latency is a constraint, and the fronts of :mod:`greenllm.serving.experiments`
trade it against emissions, cost and water).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from greenllm.accounting import Account, weighted_quantile
from greenllm.serving.baselines import demand_proportional
from greenllm.checks import Check, check_le
from greenllm.errors import InputError
from greenllm.serving.fleet import S_PER_HOUR, Fleet, FleetOptions, billed_price, build_fleet, site_hours, size_renewables
from greenllm.serving.lp import build_lp
from greenllm.formulations.base import Description, Formulation, Provisioning, Solution
from greenllm.inputs import Scenario
from greenllm.lp import LinearProgram
from greenllm.options import ModelOptions
from greenllm.serving.catalogue import load_serving


@dataclass(frozen=True)
class ServingProvisioning(Provisioning):
    """Accelerators per site and hour, with the load that needs them: queries per (area, site, class, operating
    point) pair and hour, [p, t] (a solve's record keeps its provisioning, so the accounting finds them there)."""

    queries_pt: np.ndarray = field(default=None, repr=False)
    replicas_ut: np.ndarray = field(default=None, repr=False)  # replicas per pool and hour


@dataclass
class ServingFormulation(Formulation):
    fleet: Fleet
    name: ClassVar[str] = "serving"
    # --scale: demand is rescaled to queries_per_day, renewables sized as a share of load, energy read from the
    # serving catalogue and there is no delay cost or water budget, so only price and carbon reach the model.
    scale_fields: ClassVar[tuple[str, ...]] = ("price", "carbon")

    @classmethod
    def for_scenario(cls, s: Scenario, options: ModelOptions | None = None,
                     fleet_options: FleetOptions | None = None) -> ServingFormulation:
        if s is None:
            raise InputError("the serving formulation needs a scenario for its geography and hourly signals")
        # continuous replicas (the LP option): the common driver would solve whole replicas by branch and cut, which
        # found no solution on world_2024 within 20 s; whole replicas (rounding the relaxation) and their gap are
        # greenllm.serving.lp.FleetSolver's
        fleet_options = dataclasses.replace(fleet_options or FleetOptions(), integer_replicas=False)
        fleet = build_fleet(s, load_serving(), fleet_options)
        return cls(size_renewables(fleet, demand_proportional(fleet)))

    @property
    def notes(self) -> list[str]:
        o = self.fleet.options
        return [f"serving: {o.queries_per_day:.3g} queries/day over the workload classes of config/serving.yaml,"
                f" {self.fleet.installed_j.sum():.0f} {'/'.join(o.accelerators)} installed, continuous replicas,"
                f" prefill {o.prefill}, renewables {o.renewable_share:.0%} of load; axis k of x is the workload class"]

    def _virtual_shape(self, s: Scenario) -> tuple[int, int, int, int]:
        return (s.n_areas, s.n_dcs * len(self.fleet.batch_limits), len(self.fleet.class_names), s.n_hours)

    def build_lp(self, s: Scenario) -> LinearProgram:
        f = self.fleet
        lp = build_lp(f)
        n_t, n_jt = s.n_hours, s.n_dcs * s.n_hours
        shape_x = self._virtual_shape(s)
        virtual = f.pair_j * len(f.batch_limits) + f.pair_o
        x_index = np.ravel_multi_index((np.repeat(f.pair_i, n_t), np.repeat(virtual, n_t), np.repeat(f.pair_k, n_t),
                                        np.tile(np.arange(n_t), f.n_pairs)), shape_x)
        m = lp.matrix
        grid = np.zeros(m.shape[1])
        grid[lp.n_y: lp.n_y + n_jt] = 1.0
        carbon = np.zeros(m.shape[1])
        carbon[lp.n_y: lp.n_y + n_jt] = (s.carbon_tax_usd_per_kg[:, None] * s.carbon_kg_per_kwh).ravel()
        return LinearProgram(
            n_cols=m.shape[1], col_lower=lp.col_lower, col_upper=lp.col_upper,
            row_start=m.indptr.astype(np.int64), row_index=m.indices.astype(np.int32), row_value=m.data,
            row_lower=lp.row_lower, row_upper=lp.row_upper, families=dict(lp.families),
            costs={"energy": lp.costs["energy_usd"], "carbon": carbon, "delay": np.zeros(m.shape[1])},
            water_l=lp.costs["water_l"], shape_x=shape_x, shape_grid=(s.n_dcs, n_t), x_index=x_index,
            extra_cols={"replicas": (lp.n_start, lp.shape_ut)})

    def solution(self, s: Scenario, lp: LinearProgram, values: np.ndarray) -> Solution:
        f = self.fleet
        x_virtual, grid_kw = lp.split(values)
        n_b = len(f.batch_limits)
        x = x_virtual.reshape(s.n_areas, s.n_dcs, n_b, len(f.class_names), s.n_hours).sum(axis=2)
        queries_pt = values[: f.n_pairs * s.n_hours].reshape(f.n_pairs, s.n_hours) * f.pair_queries()
        replicas = lp.block(values, "replicas")
        hours = site_hours(f, queries_pt, replicas)
        return Solution(x, grid_kw, ServingProvisioning(hours.accelerators_jt, queries_pt=queries_pt,
                                                        replicas_ut=replicas))

    def _hours(self, solution: Solution):
        return site_hours(self.fleet, solution.provisioning.queries_pt, solution.provisioning.replicas_ut)

    def account(self, s: Scenario, solution: Solution) -> Account:
        """Costs on the grid energy the solution buys [kWh per slot]; water on IT energy (greenllm.serving.fleet)."""
        it = self._hours(solution).it_kwh_jt
        grid = solution.grid_kw
        water = it * (s.wue_l_per_kwh + s.pue[:, None] * s.ewif_l_per_kwh)
        return Account(
            computing_kwh_jt=it, facility_kw_jt=s.pue[:, None] * it, water_l=float(water.sum()),
            energy_usd=float((billed_price(s) * grid).sum()),
            carbon_usd=float((s.carbon_tax_usd_per_kg[:, None] * s.carbon_kg_per_kwh * grid).sum()),
            delay_usd=0.0, emissions_kg=float((s.carbon_kg_per_kwh * grid).sum()))

    def checks(self, s: Scenario, solution: Solution, account: Account) -> list[Check]:
        f = self.fleet
        hours = self._hours(solution)
        served = np.zeros_like(f.queries_ikt)
        np.add.at(served, (f.pair_i, f.pair_k), solution.provisioning.queries_pt)
        accelerators = solution.provisioning.accelerators_jt
        off_slo = solution.provisioning.queries_pt[~f.slo_ok].sum()
        return [
            check_le("full service (served <= demand)", served, f.queries_ikt, "ikt"),
            check_le("full service (demand <= served)", f.queries_ikt, served, "ikt"),
            check_le("provisioning for the within-hour peak", f.catalogue.peak_to_mean * hours.busy_ut / S_PER_HOUR,
                     solution.provisioning.replicas_ut, "ut"),
            check_le("installed accelerators", accelerators, f.installed_j[:, None], "jt"),
            check_le("power cap", hours.peak_facility_w_jt, f.power_cap_w_j[:, None], "jt"),
            check_le("power balance (facility - grid <= renewables)", account.facility_kw_jt - solution.grid_kw,
                     f.renewable_kwh_jt, "jt"),
            check_le("grid power >= 0", -solution.grid_kw, 0.0, "jt"),
            check_le("latency SLO (queries on pairs outside it)", off_slo, 0.0, ""),
        ]

    def describe(self, s: Scenario, lp: LinearProgram, solution: Solution) -> Description:
        f = self.fleet
        weights = solution.provisioning.queries_pt.sum(axis=1)
        return Description(
            notes=self.notes, routes_kept=f.n_pairs, routes_total=f.n_pairs_total,
            accelerator_hours=float(solution.provisioning.accelerators_jt.sum()),
            latency_mean_s=float(np.average(f.latency_s, weights=weights)),
            latency_p95_s=weighted_quantile(f.latency_tail_s, weights, 0.95))

    def realised(self, s: Scenario, x: np.ndarray) -> dict:
        raise InputError("the serving formulation costs allocations per operating point, which shares x[i, j, k, t]"
                         " do not carry; use greenllm.serving.fleet.account")
