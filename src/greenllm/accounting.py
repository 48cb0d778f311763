"""After-the-fact numbers of an allocation, for each formulation: the one place they are computed.

Given the shares x[i, j, k, t] and grid power grid_kw[j, t] (and, per query, the accelerators provisioned), these
functions recompute from the scenario arrays, written out from the equations (not from the LP's rows): energy,
facility power, water, costs, emissions, and latency. Solves report them (``greenllm.results``), the year study
costs decisions with them (:func:`realised_paper`, :func:`realised_per_query`), and :mod:`greenllm.verify` compares
what the LP reports with them.

Units: kWh per one-hour slot (= kW average), $ , kg CO2e, L, s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from greenllm.inputs import Scenario
from greenllm.per_query_inputs import PerQueryInputs

J_PER_KWH = 3.6e6  # joules per kilowatt-hour (SI definition)
S_PER_HOUR = 3600.0  # seconds per one-hour slot
MEGABITS_PER_KB = 8.0 / 1000.0  # 1 kB = 8000 bit = 0.008 Mbit (decimal prefixes, as bandwidth_mbps)
BANDWIDTH_FLOOR_MBPS = 0.001  # the paper's code divides by max(0.001, B_ij) in its transmission term


# --------------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------------


def weighted_quantile(values, weights, q: float) -> float:
    """The q-quantile of ``values`` weighted by ``weights`` (inverted CDF: the smallest value whose cumulative weight
    reaches q of the total); non-finite values are dropped; NaN when no weight is left."""
    values, weights = np.asarray(values, float).ravel(), np.asarray(weights, float).ravel()
    finite = np.isfinite(values)
    values, weights = values[finite], weights[finite]
    if weights.sum() <= 0:
        return float("nan")
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, q * cumulative[-1])])


def weighted_mean(values, weights) -> float:
    """Mean of the finite ``values`` weighted by ``weights``; NaN when no weight is left."""
    values, weights = np.asarray(values, float).ravel(), np.asarray(weights, float).ravel()
    finite = np.isfinite(values)
    total = weights[finite].sum()
    return float((weights[finite] * values[finite]).sum() / total) if total > 0 else float("nan")


@dataclass(frozen=True)
class Account:
    """What an allocation costs and uses: [j, t] arrays in kWh and kW, totals in $, kg CO2e and L."""

    computing_kwh_jt: np.ndarray
    facility_kw_jt: np.ndarray
    water_l: float
    energy_usd: float
    carbon_usd: float
    delay_usd: float
    emissions_kg: float

    @property
    def total_usd(self) -> float:
        return self.energy_usd + self.carbon_usd + self.delay_usd

    def component(self, name: str) -> float:
        """A boundable component by name: energy, carbon, delay [$] or water [L]."""
        return self.water_l if name == "water" else getattr(self, f"{name}_usd")


def grid_costs(s: Scenario, grid_kw: np.ndarray) -> tuple[float, float, float]:
    """(energy_usd, carbon_usd, emissions_kg) of grid power grid_kw[j, t] bought over one-hour slots."""
    return (float(np.sum(s.price_usd_per_kwh * grid_kw)),
            float(np.sum(s.carbon_tax_usd_per_kg[:, None] * s.carbon_kg_per_kwh * grid_kw)),
            float(np.sum(s.carbon_kg_per_kwh * grid_kw)))


# --------------------------------------------------------------------------------------------------------------------
# The paper's formulation
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaperAccount(Account):
    resource_use_jrt: np.ndarray  # resource units used per slot
    delay_s_ikt: np.ndarray  # the paper's aggregated delay measure, sum_j D_ijkt x_ijkt


def paper_query_latency_s(s: Scenario) -> np.ndarray:
    """Latency of ONE query on route (i, j, k) in hour t under the paper's inputs [s], shape [i, j, k, t].

    rtt_ij + token_size_kb (h_k + f_k) x 0.008 Mbit/kB / bandwidth_mbps_ij + proc_delay_s_per_token_jk (h_k + f_k).
    Unlike the paper's aggregated delay measure this is what a user waits for one query; reported, not optimised.
    """
    tokens_k = s.tokens_in + s.tokens_out
    megabits_ikt = s.token_size_kb * tokens_k[None, :, None] * MEGABITS_PER_KB
    transfer = megabits_ikt[:, None, :, :] / s.bandwidth_mbps[:, :, None, None]
    processing = (s.proc_delay_s_per_token * tokens_k[None, :])[None, :, :, None]
    return s.rtt_s[:, :, None, None] + transfer + processing


def account_paper(s: Scenario, x: np.ndarray, grid_kw: np.ndarray) -> PaperAccount:
    """Every derived quantity of the paper's model, from the inputs and the solution."""
    tokens_k = s.tokens_in + s.tokens_out
    energy_per_query_kwh = s.energy_in_kwh_per_token * s.tokens_in + s.energy_out_kwh_per_token * s.tokens_out
    served_ijkt = x * s.queries[:, None, :, :]  # queries of (i, k, t) served at j
    computing_kwh_jt = np.einsum("ijkt,k->jt", served_ijkt, energy_per_query_kwh)
    facility_kw_jt = s.pue[:, None] * computing_kwh_jt
    water_l = float(np.sum(s.wue_l_per_kwh * computing_kwh_jt + s.ewif_l_per_kwh * facility_kw_jt))
    resource_use_jrt = np.einsum("ijkt,kr->jrt", served_ijkt, s.use_per_token * tokens_k[:, None])
    bandwidth = np.maximum(BANDWIDTH_FLOOR_MBPS, s.bandwidth_mbps)
    transmission_ikt = np.einsum("ijkt,ij->ikt", x, 1.0 / bandwidth) * s.token_size_kb * s.queries * tokens_k[None, :, None]
    propagation_ikt = np.einsum("ijkt,ij->ikt", x, s.rtt_s)
    processing_ikt = np.einsum("ijkt,jk->ikt", served_ijkt, s.proc_delay_s_per_token * tokens_k[None, :])
    delay_ikt = transmission_ikt + propagation_ikt + processing_ikt
    energy_usd, carbon_usd, emissions_kg = grid_costs(s, grid_kw)
    return PaperAccount(
        computing_kwh_jt=computing_kwh_jt, facility_kw_jt=facility_kw_jt, water_l=water_l,
        energy_usd=energy_usd, carbon_usd=carbon_usd,
        delay_usd=float(np.sum(s.delay_penalty_usd_per_s[None, :, None] * delay_ikt)), emissions_kg=emissions_kg,
        resource_use_jrt=resource_use_jrt, delay_s_ikt=delay_ikt,
    )


def realised_paper(s: Scenario, x: np.ndarray) -> dict:
    """Cost shares ``x`` on scenario ``s`` with grid = max(0, facility power - renewables) per (dc, hour).

    $ components, ``emissions_kg``, ``water_l`` and the excess over each limit (0 when the allocation fits).
    """
    base = account_paper(s, x, np.zeros((s.n_dcs, s.n_hours)))
    grid_kw = np.maximum(0.0, base.facility_kw_jt - s.renewable_kw)
    q = account_paper(s, x, grid_kw)
    out = {name: getattr(q, name) for name in ("energy_usd", "carbon_usd", "delay_usd", "emissions_kg", "water_l")}
    out["total_usd"] = out["energy_usd"] + out["carbon_usd"] + out["delay_usd"]
    out["grid_excess_kw"] = float(np.maximum(0.0, grid_kw - s.grid_cap_kw).sum())
    out["water_excess_l"] = max(0.0, q.water_l - s.water_budget_l)
    out["resource_excess"] = float(np.maximum(0.0, q.resource_use_jrt - s.capacity[:, :, None]).sum())
    out["delay_cap_excess_s"] = float(np.maximum(0.0, q.delay_s_ikt - s.delay_max_s[:, :, None]).sum())
    return out


# --------------------------------------------------------------------------------------------------------------------
# The per-query formulation
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DcTypeTable:
    """Per (data centre j, type k) quantities of ONE query [j, k]; ``servable`` False where no profile exists."""

    servable: np.ndarray
    compute_latency_s: np.ndarray  # prefill + decode as the user sees it [s]; inf where not servable
    busy_accelerator_s: np.ndarray  # accelerator-seconds of capacity used [s]; 0 where not servable
    dynamic_energy_j: np.ndarray  # energy above the idle draw of the busy accelerators [J]; 0 where not servable


def dc_type_table(s: Scenario, inputs: PerQueryInputs) -> DcTypeTable:
    """prefill h/prefill_tokens_per_s + stream f/stream_tokens_per_s [s]; busy r (h/prefill + f/decode) [s];
    energy s (h e_prefill + f e_decode) - idle_w busy [J] (the measured energy includes the idle draw; s is the
    scenario's ``--scale energy_per_token`` factor, 1 by default)."""
    n_j, n_k = s.n_dcs, s.n_types
    rates = np.full((n_j, n_k, 6), np.nan)  # prefill, decode, stream, e_prefill, e_decode, replica
    for accelerator in set(inputs.accelerator_j):
        rows = [j for j, a in enumerate(inputs.accelerator_j) if a == accelerator]
        for model in set(inputs.model_k):
            p = inputs.catalogue.profile(accelerator, model)
            if p is None:
                continue
            cols = [k for k, m in enumerate(inputs.model_k) if m == model]
            rates[np.ix_(rows, cols)] = (p.prefill_tokens_per_s, p.decode_tokens_per_s, p.stream_tokens_per_s,
                                        p.energy_j_per_prefill_token, p.energy_j_per_decode_token,
                                        p.accelerators_per_replica)
    servable = ~np.isnan(rates[..., 0])
    r = np.where(servable[..., None], rates, 1.0)
    h, f = s.tokens_in[None, :], s.tokens_out[None, :]
    prefill_s = h / r[..., 0]  # inf rate (prefill folded into decode) gives 0 s
    compute_latency = np.where(servable, prefill_s + f / r[..., 2], np.inf)
    busy = np.where(servable, r[..., 5] * (prefill_s + f / r[..., 1]), 0.0)
    energy = (h * r[..., 3] + f * r[..., 4]) * s.scale.get("energy_per_token", 1.0)  # --scale energy_per_token
    dynamic = np.where(servable, np.maximum(0.0, energy - inputs.idle_w_j[:, None] * busy), 0.0)
    return DcTypeTable(servable, compute_latency, busy, dynamic)


def per_query_latency_s(s: Scenario, inputs: PerQueryInputs, table: DcTypeTable | None = None) -> np.ndarray:
    """Latency of ONE query on route (i, j, k) in hour t [s], shape [i, j, k, t]; inf where j cannot serve k.

    rtt_ij + token_size_kb (h_k + f_k) x 0.008 Mbit/kB / bandwidth_mbps_ij + h_k/prefill_jk + f_k/stream_jk.
    """
    table = table or dc_type_table(s, inputs)
    megabits_ikt = s.token_size_kb * (s.tokens_in + s.tokens_out)[None, :, None] * MEGABITS_PER_KB
    latency = megabits_ikt[:, None, :, :] / s.bandwidth_mbps[:, :, None, None]
    latency += s.rtt_s[:, :, None, None]
    latency += table.compute_latency_s[None, :, :, None]
    return latency


@dataclass(frozen=True)
class PerQueryAccount(Account):
    latency_s: np.ndarray  # [i, j, k, t] per query
    served_ijkt: np.ndarray  # queries
    unservable_queries: float
    busy_accelerator_s_jt: np.ndarray
    accelerators_jt: np.ndarray
    query_seconds: float  # sum of served queries x their latency [query s]


def account_per_query(s: Scenario, inputs: PerQueryInputs, x: np.ndarray, grid_kw: np.ndarray,
                      accelerators: np.ndarray | None = None) -> PerQueryAccount:
    """Every derived quantity of the per-query model.

    ``accelerators[j, t]`` are the provisioned accelerators; None provisions the minimum the load needs under the
    utilisation cap (used to cost a given allocation, e.g. a paper-formulation solution).
    """
    table = dc_type_table(s, inputs)
    served = x * s.queries[:, None, :, :]
    unservable_queries = float(np.sum(served * ~table.servable[None, :, :, None]))
    busy = np.einsum("ijkt,jk->jt", served, table.busy_accelerator_s)
    dynamic_j = np.einsum("ijkt,jk->jt", served, table.dynamic_energy_j)
    if accelerators is None:
        accelerators = busy / (inputs.utilisation_cap_j[:, None] * S_PER_HOUR)
    computing_kwh = (dynamic_j + inputs.idle_w_j[:, None] * accelerators * S_PER_HOUR) / J_PER_KWH
    facility_kw = s.pue[:, None] * computing_kwh
    latency = per_query_latency_s(s, inputs, table)
    query_seconds_ikt = np.einsum("ijkt,ijkt->ikt", served, np.where(np.isinf(latency), 0.0, latency))
    energy_usd, carbon_usd, emissions_kg = grid_costs(s, grid_kw)
    return PerQueryAccount(
        computing_kwh_jt=computing_kwh, facility_kw_jt=facility_kw,
        water_l=float(np.sum((s.wue_l_per_kwh + s.ewif_l_per_kwh * s.pue[:, None]) * computing_kwh)),
        energy_usd=energy_usd, carbon_usd=carbon_usd,
        delay_usd=float(np.einsum("ikt,k->", query_seconds_ikt, s.delay_penalty_usd_per_s)),
        emissions_kg=emissions_kg, latency_s=latency, served_ijkt=served, unservable_queries=unservable_queries,
        busy_accelerator_s_jt=busy, accelerators_jt=accelerators, query_seconds=float(query_seconds_ikt.sum()),
    )


def realised_per_query(s: Scenario, inputs: PerQueryInputs, x: np.ndarray) -> dict:
    """Cost an allocation ``x`` (of either formulation) under the per-query physics.

    Provisions the fewest accelerators the load needs under the utilisation cap and buys from the grid whatever
    on-site renewables do not cover. Returns $ components, kg, L, query-seconds and the excess over each limit
    (0 when the allocation fits): ``capacity_excess_accelerators``, ``grid_excess_kw``, ``water_excess_l``,
    ``slo_violating_queries``, ``unservable_queries``.
    """
    base = account_per_query(s, inputs, x, np.zeros((s.n_dcs, s.n_hours)))
    grid_kw = np.maximum(0.0, base.facility_kw_jt - s.renewable_kw)
    q = account_per_query(s, inputs, x, grid_kw, base.accelerators_jt)
    over_slo = q.latency_s > inputs.slo_s_ik[:, None, :, None]
    out = {name: getattr(q, name) for name in ("energy_usd", "carbon_usd", "delay_usd", "emissions_kg", "water_l",
                                               "query_seconds", "unservable_queries")}
    out["total_usd"] = out["energy_usd"] + out["carbon_usd"] + out["delay_usd"]
    out["accelerator_hours"] = float(q.accelerators_jt.sum())
    out["capacity_excess_accelerators"] = float(np.maximum(0.0, q.accelerators_jt - inputs.count_j[:, None]).sum())
    out["grid_excess_kw"] = float(np.maximum(0.0, grid_kw - s.grid_cap_kw).sum())
    out["water_excess_l"] = max(0.0, q.water_l - s.water_budget_l)
    out["slo_violating_queries"] = float((q.served_ijkt * over_slo).sum())
    return out
