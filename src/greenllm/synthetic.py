"""Random scenario folders of any size, shaped like the paper's base case, for tests and benchmarks.

The distributions follow the paper's generator (see ``docs/inputs.md``) loosely; the numbers are synthetic and say
nothing about the real world. Use :func:`greenllm.data.build.build_scenario` for real data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.inputs import write_scenario

RESOURCE_NAMES = ("cpu", "gpu", "memory")


def random_tables(n_areas: int = 3, n_dcs: int = 3, n_types: int = 2, n_hours: int = 4, seed: int = 0,
                  water_slack: float = 1.5) -> tuple[dict[str, pd.DataFrame], dict]:
    """Tables and scalars of a feasible random scenario (capacities sized so that full service fits)."""
    rng = np.random.default_rng(seed)
    I, J, K, T, R = n_areas, n_dcs, n_types, n_hours, len(RESOURCE_NAMES)
    tokens_in = rng.integers(50, 500, K)
    tokens_out = rng.integers(50, 300, K)
    e_in = rng.uniform(20, 40, K) / 3.6e6
    e_out = rng.uniform(50, 100, K) / 3.6e6
    queries = rng.integers(500, 1201, (I, K, T)).astype(float)
    use = rng.uniform(0.001, 0.015, (K, R))
    pue = 1.0 + 0.4 * rng.random(J)
    energy_kwh_t = np.einsum("ikt,k->t", queries, e_in * tokens_in + e_out * tokens_out)
    # resources: every data centre alone could serve 1/J of the peak hour with room to spare
    peak_use_r = np.einsum("ikt,kr->tr", queries, use * (tokens_in + tokens_out)[:, None]).max(axis=0)
    capacity = np.ceil(rng.uniform(1.5, 2.5, (J, R)) * peak_use_r / J)
    wue = rng.uniform(0.5, 1.0, (J, T))
    ewif = rng.uniform(0.1, 0.6, (J, T))
    worst_water = float(np.sum(energy_kwh_t * (wue + ewif * pue[:, None]).max(axis=0)))

    tables = {
        "areas": pd.DataFrame({"area": range(I), "city": [f"area{i}" for i in range(I)]}),
        "datacenters": pd.DataFrame({
            "dc": range(J), "name": [f"dc{j}" for j in range(J)], "pue": pue,
            "carbon_tax_usd_per_kg": rng.uniform(0.01, 0.05, J),
        }),
        "query_types": pd.DataFrame({
            "type": range(K), "name": [f"type{k}" for k in range(K)], "tokens_in": tokens_in, "tokens_out": tokens_out,
            "energy_in_kwh_per_token": e_in, "energy_out_kwh_per_token": e_out,
            "delay_penalty_usd_per_s": rng.uniform(0.01, 0.2, K),
        }),
        "dc_type": pd.DataFrame({
            "dc": np.repeat(range(J), K), "type": np.tile(range(K), J),
            "proc_delay_s_per_token": rng.uniform(1e-6, 5e-5, J * K),
        }),
        "dc_resource": pd.DataFrame({
            "dc": np.repeat(range(J), R), "resource": np.tile(range(R), J),
            "resource_name": np.tile(RESOURCE_NAMES, J), "capacity": capacity.ravel(),
        }),
        "type_resource": pd.DataFrame({
            "type": np.repeat(range(K), R), "resource": np.tile(range(R), K),
            "resource_name": np.tile(RESOURCE_NAMES, K), "use_per_token": use.ravel(),
        }),
        "area_dc": pd.DataFrame({
            "area": np.repeat(range(I), J), "dc": np.tile(range(J), I),
            "rtt_s": rng.uniform(0.001, 0.08, I * J), "bandwidth_mbps": rng.uniform(1500, 4000, I * J),
        }),
        "area_type": pd.DataFrame({
            "area": np.repeat(range(I), K), "type": np.tile(range(K), I),
            "delay_max_s": np.round(rng.uniform(50, 100, I * K), 2),  # loose enough to stay feasible
        }),
        "demand": pd.DataFrame({
            "hour": np.repeat(range(T), I * K), "area": np.tile(np.repeat(range(I), K), T),
            "type": np.tile(range(K), I * T), "queries": queries.transpose(2, 0, 1).ravel(),
            "token_size_kb": rng.uniform(0.003, 0.005, I * K * T),
        }),
        "dc_hour": pd.DataFrame({
            "hour": np.repeat(range(T), J), "dc": np.tile(range(J), T),
            "price_usd_per_kwh": rng.uniform(0.08, 0.3, T * J),
            "carbon_kg_per_kwh": rng.uniform(0.05, 0.6, T * J),
            "renewable_kw": rng.uniform(0, 1, T * J) * energy_kwh_t.max() / J,
            "grid_cap_kw": np.full(T * J, 10 * energy_kwh_t.max()),
            "wue_l_per_kwh": wue.T.ravel(), "ewif_l_per_kwh": ewif.T.ravel(),
        }),
    }
    scalars = {"water_budget_l": water_slack * worst_water, "synthetic": True, "seed": seed}
    return tables, scalars


def write_random_scenario(folder: str | Path, **kwargs) -> Path:
    tables, scalars = random_tables(**kwargs)
    return write_scenario(folder, tables, scalars)
