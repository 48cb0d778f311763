"""Tidy tables from a solution: per hour, per route, per query."""

from __future__ import annotations

import numpy as np
import pandas as pd

from greenllm.inputs import Scenario
from greenllm.verify import recompute

KB_PER_MB = 1000.0  # decimal kilobytes per megabyte
BITS_PER_BYTE = 8.0


def hourly(s: Scenario, result) -> pd.DataFrame:
    """Costs [$], emissions [kg], water [L] and power [kW] per hour, summed over data centres and areas."""
    q = recompute(s, result.x, result.grid_kw)
    grid_kw = result.grid_kw
    delay_usd_t = np.einsum("ikt,k->t", q["delay_s_ikt"], s.delay_penalty_usd_per_s)
    energy_usd_t = (s.price_usd_per_kwh * grid_kw).sum(axis=0)
    carbon_usd_t = (s.carbon_tax_usd_per_kg[:, None] * s.carbon_kg_per_kwh * grid_kw).sum(axis=0)
    water_l_t = (s.wue_l_per_kwh * q["computing_kwh_jt"] + s.ewif_l_per_kwh * q["facility_kw_jt"]).sum(axis=0)
    renewable_used_kw_t = np.minimum(q["facility_kw_jt"], s.renewable_kw).sum(axis=0)
    return pd.DataFrame({
        "hour": np.arange(s.n_hours),
        "energy_usd": energy_usd_t,
        "carbon_usd": carbon_usd_t,
        "delay_usd": delay_usd_t,
        "total_usd": energy_usd_t + carbon_usd_t + delay_usd_t,
        "emissions_kg": (s.carbon_kg_per_kwh * grid_kw).sum(axis=0),
        "water_l": water_l_t,
        "grid_kw": grid_kw.sum(axis=0),
        "renewable_used_kw": renewable_used_kw_t,
    })


def allocation(s: Scenario, result, threshold: float = 1e-9) -> pd.DataFrame:
    """Queries served per (hour, area, dc, type); routes carrying less than ``threshold`` queries are dropped."""
    served = result.x * s.queries[:, None, :, :]
    i, j, k, t = np.nonzero(served > threshold)
    return pd.DataFrame({"hour": t, "area": i, "dc": j, "type": k, "queries": served[i, j, k, t]}).sort_values(
        ["hour", "area", "dc", "type"], ignore_index=True)


def per_query_latency_s(s: Scenario) -> np.ndarray:
    """Latency of ONE query on route (i, j, k) in hour t [s], shape [i, j, k, t].

    round-trip time + transfer time (token_size_kb * tokens, converted to megabits, over bandwidth_mbps)
    + processing time (proc_delay_s_per_token * tokens). Unlike the paper's aggregated delay measure this is what a
    user waits for one query; it is reported, not optimised, under the paper formulation.
    """
    tokens_k = s.tokens_in + s.tokens_out
    megabits_ikt = s.token_size_kb * tokens_k[None, :, None] * BITS_PER_BYTE / KB_PER_MB
    transfer = megabits_ikt[:, None, :, :] / s.bandwidth_mbps[:, :, None, None]
    processing = (s.proc_delay_s_per_token * tokens_k[None, :])[None, :, :, None]
    return s.rtt_s[:, :, None, None] + transfer + processing


def query_latency(s: Scenario, result, threshold: float = 1e-9) -> pd.DataFrame:
    """Per-query latency [s] of every route in use, with the queries it carries (weights for a distribution)."""
    latency = per_query_latency_s(s)
    served = result.x * s.queries[:, None, :, :]
    i, j, k, t = np.nonzero(served > threshold)
    return pd.DataFrame({
        "hour": t, "area": i, "dc": j, "type": k,
        "type_name": np.asarray(s.type_names, dtype=object)[k],
        "queries": served[i, j, k, t], "latency_s": latency[i, j, k, t],
    })
