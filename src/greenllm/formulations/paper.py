"""The paper's formulation (arXiv 2507.09942, July 2025 code), equations numbered as in the paper.

Variables (units in brackets):

* ``x[i, j, k, t]`` in [0, 1]: share of the type-k queries of area i in hour t served at data centre j [-]
* ``grid_kw[j, t]`` in [0, P^max_jt]: grid power drawn by data centre j in hour t [kW]

One-hour slots: the energy of a slot in kWh equals its average power in kW. Energy and carbon costs sit on the
(j, t) grid-power variables only, never as dense rows over x, so lexicographic bound rows stay short. A later model
may subclass :class:`PaperFormulation` and override :meth:`compute_kwh_per_share`, :meth:`delay_s_per_share` or
:meth:`resource_use_per_share`; the per-query formulation is a peer instead (``greenllm.formulations.per_query``).
"""

from __future__ import annotations

import numpy as np

from greenllm.accounting import BANDWIDTH_FLOOR_MBPS, PaperAccount, account_paper, realised_paper
from greenllm.checks import Check, check_le
from greenllm.formulations.base import Formulation, Solution
from greenllm.inputs import Scenario
from greenllm.lp import INF, LinearProgram, RowBuilder
from greenllm.options import ModelOptions


class PaperFormulation(Formulation):
    name = "paper"

    @classmethod
    def for_scenario(cls, s: Scenario | None = None, options: ModelOptions | None = None) -> PaperFormulation:
        return cls()

    # ---- the three terms of the paper, per served share -------------------------------------------------------

    def compute_kwh_per_share(self, s: Scenario) -> np.ndarray:
        """e_k lambda_ikt [kWh] drawn at j if it serves all (i, k, t) queries, e_k = tau_in_k h_k + tau_out_k f_k
        [kWh/query], the same at every data centre; shape [i, j, k, t]."""
        energy_kwh_ikt = s.energy_per_query_kwh[None, :, None] * s.queries
        return np.broadcast_to(energy_kwh_ikt[:, None, :, :], (s.n_areas, s.n_dcs, s.n_types, s.n_hours))

    def delay_s_per_share(self, s: Scenario) -> np.ndarray:
        """The paper's aggregated delay measure D_ijkt ['s' as its code counts them], shape [i, j, k, t]:

        D_ijkt = beta_ikt lambda_ikt (h_k + f_k) / max(0.001, B_ij)   transmission (KB over Mbps, no conversion)
               + d_ij                                                   propagation (RTT, not multiplied by lambda)
               + v_jk (h_k + f_k) lambda_ikt                            processing (all lambda queries in series)
        """
        tokens_k = s.tokens_per_query
        volume_ikt = s.token_size_kb * s.queries * tokens_k[None, :, None]  # beta * lambda * (h + f)
        transmission = volume_ikt[:, None, :, :] / np.maximum(BANDWIDTH_FLOOR_MBPS, s.bandwidth_mbps)[:, :, None, None]
        propagation = s.rtt_s[:, :, None, None]
        processing = (s.proc_delay_s_per_token * tokens_k[None, :])[None, :, :, None] * s.queries[:, None, :, :]
        return transmission + propagation + processing

    def resource_use_per_share(self, s: Scenario) -> np.ndarray:
        """alpha_kr (h_k + f_k) lambda_ikt [resource units per slot] of a served share, shape [i, k, t, r]."""
        per_query_kr = s.use_per_token * s.tokens_per_query[:, None]
        return s.queries[:, :, :, None] * per_query_kr[None, :, None, :]

    # ---- the LP -------------------------------------------------------------------------------------------------

    def build_lp(self, s: Scenario) -> LinearProgram:
        """Assemble the LP without Python loops over indices; each family is one equation of the paper."""
        n_i, n_j, n_k, n_t, n_r = s.n_areas, s.n_dcs, s.n_types, s.n_hours, s.n_resources
        shape_x = (n_i, n_j, n_k, n_t)
        n_x = n_i * n_j * n_k * n_t
        x_col = np.arange(n_x).reshape(shape_x)
        grid_col = n_x + np.arange(n_j * n_t).reshape(n_j, n_t)
        i_, j_, k_, t_ = np.indices(shape_x, sparse=True)
        rows = RowBuilder()
        compute_kwh = self.compute_kwh_per_share(s)  # [i, j, k, t]

        # (7) Power balance: PUE_j sum_ik e_k lambda_ikt x_ijkt - P^g_jt <= P^w_jt   [kW], rows (j, t)
        balance_row = np.broadcast_to(j_ * n_t + t_, shape_x)
        rows.add("power_balance",
                 np.concatenate([balance_row.ravel(), np.arange(n_j * n_t)]),
                 np.concatenate([x_col.ravel(), grid_col.ravel()]),
                 np.concatenate([(s.pue[:, None, None] * compute_kwh).ravel(), -np.ones(n_j * n_t)]),
                 lower=np.full(n_j * n_t, -INF), upper=s.renewable_kw.ravel())

        # (11b) Resources: sum_ik alpha_kr (h_k + f_k) lambda_ikt x_ijkt <= C_rj   [units per slot], rows (j, r, t)
        use = np.broadcast_to(self.resource_use_per_share(s)[:, None, :, :, :], (*shape_x, n_r))
        resource_row = np.broadcast_to((j_[..., None] * n_r + np.arange(n_r)) * n_t + t_[..., None], (*shape_x, n_r))
        rows.add("resources", resource_row, np.broadcast_to(x_col[..., None], (*shape_x, n_r)), use,
                 lower=np.full(n_j * n_r * n_t, -INF), upper=np.repeat(s.capacity.ravel(), n_t))

        # (10) Daily water budget: sum_jt (WUE_jt + EWIF_jt PUE_j) P^c_jt <= Z   [L]
        water_per_kwh = s.wue_l_per_kwh + s.ewif_l_per_kwh * s.pue[:, None]  # [j, t] L per kWh of computing energy
        water_x = compute_kwh * water_per_kwh[None, :, None, :]
        rows.add("water_budget", np.zeros(n_x, dtype=np.int64), x_col, water_x,
                 lower=np.array([-INF]), upper=np.array([s.water_budget_l]))

        # (12) Full service: sum_j x_ijkt = 1   [-], rows (i, k, t)
        service_row = np.broadcast_to((i_ * n_k + k_) * n_t + t_, shape_x)
        rows.add("full_service", service_row, x_col, np.ones(shape_x),
                 lower=np.ones(n_i * n_k * n_t), upper=np.ones(n_i * n_k * n_t))

        # (16) Delay cap: sum_j D_ijkt x_ijkt <= Delta_ik   [s], rows (i, k, t)
        delay = self.delay_s_per_share(s)
        delay_cap = np.broadcast_to(s.delay_max_s[:, :, None], (n_i, n_k, n_t))
        rows.add("delay_cap", service_row, x_col, delay,
                 lower=np.full(n_i * n_k * n_t, -INF), upper=delay_cap.ravel())

        start, index, value, row_lower, row_upper = rows.pack()
        n_cols = n_x + n_j * n_t
        # Costs [$]: C^E = sum_jt p_jt P^g_jt, C^C = sum_jt tax_j c_jt P^g_jt, C^D = sum rho_k D_ijkt x_ijkt
        energy = np.zeros(n_cols)
        energy[n_x:] = s.price_usd_per_kwh.ravel()
        carbon = np.zeros(n_cols)
        carbon[n_x:] = (s.carbon_tax_usd_per_kg[:, None] * s.carbon_kg_per_kwh).ravel()
        delay_cost = np.zeros(n_cols)
        delay_cost[:n_x] = (s.delay_penalty_usd_per_s[None, None, :, None] * delay).ravel()
        water_l = np.zeros(n_cols)
        water_l[:n_x] = water_x.ravel()
        # (8) Grid cap as column bounds: 0 <= P^g_jt <= P^max_jt   [kW]
        col_lower = np.zeros(n_cols)
        col_upper = np.concatenate([np.ones(n_x), s.grid_cap_kw.ravel()])
        return LinearProgram(
            n_cols=n_cols, col_lower=col_lower, col_upper=col_upper,
            row_start=start, row_index=index, row_value=value, row_lower=row_lower, row_upper=row_upper,
            families=rows.families, costs={"energy": energy, "carbon": carbon, "delay": delay_cost},
            water_l=water_l, shape_x=shape_x, shape_grid=(n_j, n_t),
        )

    # ---- after the solve ----------------------------------------------------------------------------------------

    def account(self, s: Scenario, solution: Solution) -> PaperAccount:
        return account_paper(s, solution.x, solution.grid_kw)

    def checks(self, s: Scenario, solution: Solution, account: PaperAccount) -> list[Check]:
        x, grid_kw = solution.x, solution.grid_kw
        return [
            check_le("share x >= 0", -x, 0.0, "ijkt"),
            check_le("share x <= 1", x, 1.0, "ijkt"),
            check_le("(12) full service sum_j x = 1", np.abs(x.sum(axis=1) - 1.0), 0.0, "ikt"),
            check_le("grid power >= 0", -grid_kw, 0.0, "jt"),
            check_le("(8) grid cap", grid_kw, s.grid_cap_kw, "jt"),
            check_le("(7) power balance", account.facility_kw_jt, grid_kw + s.renewable_kw, "jt"),
            check_le("(11b) resources", account.resource_use_jrt, s.capacity[:, :, None], "jrt"),
            check_le("(10) water budget", account.water_l, s.water_budget_l, ""),
            check_le("(16) delay cap", account.delay_s_ikt, s.delay_max_s[:, :, None], "ikt"),
        ]

    def realised(self, s: Scenario, x: np.ndarray) -> dict:
        return realised_paper(s, x)
