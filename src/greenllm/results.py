"""Tidy tables from a solution of the paper's formulation: per hour, per route, per query (numbers from
:mod:`greenllm.accounting`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from greenllm.accounting import account_paper, paper_query_latency_s
from greenllm.inputs import Scenario


def hourly(s: Scenario, result) -> pd.DataFrame:
    """Costs [$], emissions [kg], water [L] and power [kW] per hour, summed over data centres and areas."""
    q = account_paper(s, result.x, result.grid_kw)
    grid_kw = result.grid_kw
    delay_usd_t = np.einsum("ikt,k->t", q.delay_s_ikt, s.delay_penalty_usd_per_s)
    energy_usd_t = (s.price_usd_per_kwh * grid_kw).sum(axis=0)
    carbon_usd_t = (s.carbon_tax_usd_per_kg[:, None] * s.carbon_kg_per_kwh * grid_kw).sum(axis=0)
    water_l_t = (s.wue_l_per_kwh * q.computing_kwh_jt + s.ewif_l_per_kwh * q.facility_kw_jt).sum(axis=0)
    renewable_used_kw_t = np.minimum(q.facility_kw_jt, s.renewable_kw).sum(axis=0)
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


def query_latency(s: Scenario, result, threshold: float = 1e-9) -> pd.DataFrame:
    """Per-query latency [s] of every route in use, with the queries it carries (weights for a distribution)."""
    latency = paper_query_latency_s(s)
    served = result.x * s.queries[:, None, :, :]
    i, j, k, t = np.nonzero(served > threshold)
    return pd.DataFrame({
        "hour": t, "area": i, "dc": j, "type": k,
        "type_name": np.asarray(s.type_names, dtype=object)[k],
        "queries": served[i, j, k, t], "latency_s": latency[i, j, k, t],
    })
