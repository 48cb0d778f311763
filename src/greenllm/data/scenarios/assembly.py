"""Assembly of a real-data scenario: the scenario tables and scalars from the builders' per-site hourly signals and
the shared recipe (:mod:`greenllm.data.scenarios.recipe`), and the per-query hardware table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from greenllm import messages
from greenllm.data import workload
from greenllm.data.scenarios import paper_v1
from greenllm.data.scenarios.recipe import (
    BANDWIDTH_STEP_KM, BANDWIDTH_STEP_PENALTY, DAILY_RECIPE, FIBRE_DELAY_S_PER_KM, GPU_LIGHT_TYPES, J_PER_KWH,
    ONSITE_CAPACITY_KW, RESOURCE_NAMES, RTT_OVERHEAD_S, RTT_ROUTE_FACTOR, SEED, TAU_IN_J_PER_TOKEN,
    TAU_OUT_J_PER_TOKEN, TOKEN_SIZE_KB, TokenLengths, capacity_scale, distance_matrix_km, mean_daily_budget,
    onsite_scale, paper_draws, rtt_s, token_lengths, water_budget_l)
from greenllm.errors import InputError

SITE_COLUMNS = ("price_usd_per_kwh", "carbon_kg_per_kwh", "solar_kw", "wind_kw", "wue_l_per_kwh", "ewif_l_per_kwh")
"""Columns every builder supplies per site and UTC slot (solar and wind at the registry's nameplate)."""


def assemble(regions: Sequence, hours: pd.DatetimeIndex, site_hourly: Mapping[str, pd.DataFrame], *,
             carbon_tax_usd_per_kg: Sequence[float], dc_info: Mapping[str, Sequence] | None = None,
             types: Sequence[TokenLengths] | None = None, seed: int = SEED,
             days: int = 1, demand_size_millions: Sequence[float] | None = None
             ) -> tuple[dict[str, pd.DataFrame], dict]:
    """The scenario tables and scalars from per-site hourly signals and the shared recipe (module docstring).

    site_hourly: region id -> frame on ``hours`` with SITE_COLUMNS. dc_info: extra datacenters.csv columns.
    days: the number of consecutive days ``hours`` covers (``len(hours) == days x hours per day``). A multi-day
    folder is the one-day recipe applied day by day (:data:`DAILY_RECIPE`): day 0's demand and hourly inputs equal
    the one-day build of its date, and the static inputs (energy per token, capacities, network, delay caps) are the
    same every day. ``days=1`` gives exactly the one-day folder. demand_size_millions: each area's size in the
    demand weight in place of its population (e.g. internet users [millions]); default the population.
    """
    regions = list(regions)
    n = len(regions)
    if n == 0:
        raise InputError("a scenario needs at least one region")
    types = list(types) if types is not None else token_lengths()
    n_k, n_t, n_r = len(types), len(hours), len(RESOURCE_NAMES)
    if days < 1 or n_t % days:
        raise InputError(f"assemble: {n_t} hours are not {days} whole day(s)")
    hours_per_day = n_t // days
    for region in regions:
        frame = site_hourly[region.id]
        missing = [c for c in SITE_COLUMNS if c not in frame.columns]
        if missing or len(frame) != n_t or frame[list(SITE_COLUMNS)].isna().any().any():
            raise InputError(f"site series of {region.id}: need {n_t} complete rows of {', '.join(SITE_COLUMNS)}")
    # Static draws from `seed` (as the one-day build); per-day draws of day k from `seed + k` (DAILY_RECIPE).
    daily = [paper_draws(n, n, n_k, hours_per_day, seed + k) for k in range(days)]
    d = dict(daily[0])
    d["grid_cap"] = np.concatenate([x["grid_cap"] for x in daily], axis=1)  # [j, t]
    d["beta_r"] = np.concatenate([x["beta_r"] for x in daily], axis=2)  # [i, k, t]

    # Demand [queries per slot], each area on its own clock; day k's noise from seed + k.
    parts = []
    for k in range(days):
        part = workload.demand_from_regions(regions, hours[k * hours_per_day:(k + 1) * hours_per_day],
                                            workload.PAPER_TYPE_FACTORS, seed + k,
                                            size_millions=demand_size_millions)
        part["hour"] += k * hours_per_day
        parts.append(part)
    shared = parts[0].attrs.get("shared_user_areas", {})
    demand = pd.concat(parts, ignore_index=True) if days > 1 else parts[0]
    demand = demand.set_index(["hour", "area", "type"]).sort_index()
    queries = demand["queries"].to_numpy().reshape(n_t, n, n_k)  # [t, i, k]
    total_queries = int(queries.sum())
    queries_per_day = total_queries / days  # the delay price is per day's queries, as in the one-day recipe

    paper_types = {q.name: q for q in paper_v1.QUERY_TYPES}
    tau_in = (TAU_IN_J_PER_TOKEN[0] + TAU_IN_J_PER_TOKEN[1] * d["tau_in_r"]) / J_PER_KWH
    tau_out = (TAU_OUT_J_PER_TOKEN[0] + TAU_OUT_J_PER_TOKEN[1] * d["tau_out_r"]) / J_PER_KWH
    tokens_in = np.array([t.tokens_in for t in types])
    tokens_out = np.array([t.tokens_out for t in types])
    energy_per_query_kwh = tau_in * tokens_in + tau_out * tokens_out
    rho = np.array([paper_v1.RHO_BASE / queries_per_day * paper_types[t.name].rho_multiplier for t in types])

    alpha = np.empty((n_k, n_r))
    for k, t in enumerate(types):
        alpha[k, 0] = 0.001 + 0.0005 * d["alpha_r"][k, 0]
        alpha[k, 1] = (0.0015 if t.name in GPU_LIGHT_TYPES else 0.002) + 0.0005 * d["alpha_r"][k, 1]
        alpha[k, 2] = 0.01 + 0.005 * d["alpha_r"][k, 2]
    kappa = capacity_scale(types)
    capacity = d["capacity"] * kappa  # [j, r]

    distance = distance_matrix_km(regions)
    rtt = rtt_s(distance)
    steps = np.floor(distance / BANDWIDTH_STEP_KM)
    bandwidth = np.maximum(paper_v1.BANDWIDTH_FLOOR_MBPS,
                           paper_v1.BANDWIDTH_BASE_MBPS * (1.0 - BANDWIDTH_STEP_PENALTY * steps)
                           * (0.7 + 0.6 * d["bandwidth_r"]))
    base_v = np.array([paper_types[t.name].base_proc_delay_s_per_token for t in types])
    proc = np.round(base_v[None, :] * d["proc_heterogeneity"], 6)
    base_delay = np.array([paper_types[t.name].base_delay_max_s * t.delay_scale for t in types])
    delay_max = np.round(base_delay[None, :] * d["delay_variability"], 2)
    beta = TOKEN_SIZE_KB[0] + TOKEN_SIZE_KB[1] * d["beta_r"]  # [i, k, t]

    scales = [onsite_scale(r) for r in regions]
    hourly = {name: np.vstack([site_hourly[r.id][name].to_numpy(float) for r in regions]) for name in SITE_COLUMNS}
    scale = np.array([s for s, _ in scales])
    solar = hourly["solar_kw"] * scale[:, None]
    wind = hourly["wind_kw"] * scale[:, None]
    pue = np.array([r.pue for r in regions])

    per_day_budget = [water_budget_l(queries[w], energy_per_query_kwh, hourly["wue_l_per_kwh"][:, w],
                                     hourly["ewif_l_per_kwh"][:, w], pue)
                      for w in (slice(k * hours_per_day, (k + 1) * hours_per_day) for k in range(days))]
    budget, budget_info = per_day_budget[0] if days == 1 else mean_daily_budget(per_day_budget)

    share = workload.area_shares(regions)  # sites that share one user area split it: counted once
    jj, tt = np.meshgrid(np.arange(n), np.arange(n_t), indexing="ij")
    tables = {
        "areas": pd.DataFrame({
            "area": range(n),
            "city": [r.user_area.name for r in regions],
            "region": [r.id for r in regions],
            "timezone": [r.timezone for r in regions],
            "latitude": [r.latitude for r in regions],
            "longitude": [r.longitude for r in regions],
            "population_millions": [r.user_area.population_millions * f for r, f in zip(regions, share)],
            "population_year": [r.user_area.population_year for r in regions],
            "demand_factor": [r.user_area.demand_factor for r in regions],
            "demand_multiplier": area_multipliers(regions, demand_size_millions) * share,
        }),
        "datacenters": pd.DataFrame({
            "dc": range(n),
            "name": [r.id for r in regions],
            "city": [r.name for r in regions],
            "country": [r.country for r in regions],
            "latitude": [r.latitude for r in regions],
            "longitude": [r.longitude for r in regions],
            "pue": pue,
            "carbon_tax_usd_per_kg": np.asarray(carbon_tax_usd_per_kg, float),
            "cooling": [r.cooling for r in regions],
            "onsite_nameplate_kw": [ONSITE_CAPACITY_KW if s > 0 else 0.0 for s, _ in scales],
            "registry_nameplate_kw": [p for _, p in scales],
            **{key: list(values) for key, values in (dc_info or {}).items()},
        }),
        "query_types": pd.DataFrame({
            "type": range(n_k),
            "name": [t.name for t in types],
            "tokens_in": tokens_in,
            "tokens_out": tokens_out,
            "energy_in_kwh_per_token": tau_in,
            "energy_out_kwh_per_token": tau_out,
            "energy_in_j_per_token": tau_in * J_PER_KWH,
            "energy_out_j_per_token": tau_out * J_PER_KWH,
            "delay_penalty_usd_per_s": rho,
            "tokens_source": [t.source for t in types],
        }),
        "dc_type": paper_v1._pairs("dc", "type", {"proc_delay_s_per_token": proc}),
        "dc_resource": paper_v1._pairs("dc", "resource", {"capacity": capacity}, names=RESOURCE_NAMES),
        "type_resource": paper_v1._pairs("type", "resource", {"use_per_token": alpha}, names=RESOURCE_NAMES),
        "area_dc": paper_v1._pairs("area", "dc", {"rtt_s": rtt, "bandwidth_mbps": bandwidth,
                                                  "distance_km": distance}),
        "area_type": paper_v1._pairs("area", "type", {"delay_max_s": delay_max}),
        "demand": pd.DataFrame({
            "hour": demand.index.get_level_values("hour"),
            "area": demand.index.get_level_values("area"),
            "type": demand.index.get_level_values("type"),
            "queries": demand["queries"].to_numpy(),
            "token_size_kb": beta.transpose(2, 0, 1).ravel(),
            "time_utc": demand["time_utc"].astype(str).to_numpy(),
        }),
        "dc_hour": pd.DataFrame({
            "hour": tt.ravel(), "dc": jj.ravel(),
            "price_usd_per_kwh": hourly["price_usd_per_kwh"].ravel(),
            "carbon_kg_per_kwh": hourly["carbon_kg_per_kwh"].ravel(),
            "renewable_kw": (solar + wind).ravel(),
            "grid_cap_kw": d["grid_cap"].astype(float).ravel(),
            "wue_l_per_kwh": hourly["wue_l_per_kwh"].ravel(),
            "ewif_l_per_kwh": hourly["ewif_l_per_kwh"].ravel(),
            "solar_kw": solar.ravel(),
            "wind_kw": wind.ravel(),
            "time_utc": np.asarray(hours.astype(str))[tt.ravel()],
        }).sort_values(["hour", "dc"], kind="stable").reset_index(drop=True),
    }
    scalars = {
        "water_budget_l": budget,
        "water_budget_rule": budget_info["rule"],
        "water_budget_min_site_l": budget_info["min_site_l"],
        "water_budget_max_site_l": budget_info["max_site_l"],
        "water_local_service_l": budget_info["local_service_l"],
        "start_date": str(hours[0].date()),
        "start_utc": hours[0].isoformat(),
        "n_hours": n_t,
        "slot_length_h": 1.0,
        "random_seed": seed,
        "total_queries": total_queries,
        "total_compute_kwh": float((queries * energy_per_query_kwh[None, None, :]).sum()),
        "rho_base": paper_v1.RHO_BASE,
        "rho_formula": "delay_penalty_usd_per_s[k] = rho_base / total_queries * rho_type_multiplier[k]",
        "rho_type_multiplier": {t.name: paper_types[t.name].rho_multiplier for t in types},
        "capacity_scale": kappa,
        "delay_cap_scale": {t.name: t.delay_scale for t in types},
        "onsite_capacity_kw": ONSITE_CAPACITY_KW,
        "rtt_model": (f"rtt_s = {RTT_OVERHEAD_S} + 2 * distance_km * {RTT_ROUTE_FACTOR} * {FIBRE_DELAY_S_PER_KM}"),
        "bandwidth_floor_in_delay_term_mbps": paper_v1.BANDWIDTH_FLOOR_IN_DELAY_TERM_MBPS,
        "lexicographic_tolerance": paper_v1.LEXICOGRAPHIC_TOLERANCE,
        "n_areas": n,
        "n_dcs": n,
        "n_types": n_k,
        "n_resources": n_r,
    }
    if shared:
        scalars["shared_user_areas"] = shared
        messages.note("; ".join(f"sites {', '.join(ids)} share the user area {name}: its demand is drawn once and "
                                "split equally between them" for name, ids in shared.items()))
    tables["dc_hardware"] = dc_hardware_table(regions)
    if days > 1:
        scalars.update({
            "days": days,
            "hours_per_day": hours_per_day,
            "daily_recipe": DAILY_RECIPE,
            "total_queries_per_day": queries_per_day,
            "rho_formula": ("delay_penalty_usd_per_s[k] = rho_base / (total_queries / days) * "
                            "rho_type_multiplier[k]"),
            "water_budget_by_day_l": [b for b, _ in per_day_budget],
        })
    return tables, scalars


def area_multipliers(regions: Sequence, size_millions: Sequence[float] | None = None) -> np.ndarray:
    """The recipe's demand multiplier [-] of each site's user area, over the distinct areas (a shared area once).
    size_millions: per site, the size measure of its area (default the population)."""
    owner = workload.user_area_of_sites(regions)
    firsts = sorted(set(owner))
    sizes = ([r.user_area.population_millions for r in regions] if size_millions is None else list(size_millions))
    values = workload.demand_multipliers([sizes[i] for i in firsts],
                                         [regions[i].user_area.demand_factor for i in firsts])
    return values[[firsts.index(i) for i in owner]]


def dc_hardware_table(regions: Sequence) -> pd.DataFrame:
    """dc_hardware.csv of the per-query formulation (docs/per_query.md) from each region's ``hardware`` in the
    registry: one accelerator type per site (pools of the same type are summed)."""
    rows = []
    for j, region in enumerate(regions):
        names = sorted({str(pool["accelerator"]) for pool in region.hardware})
        if len(names) != 1:
            raise InputError(f"config/regions.yaml, region {region.id!r}, field 'hardware': the per-query model takes"
                             f" one accelerator type per site; found {', '.join(names) or 'none'}")
        count = sum(float(pool["count"]) for pool in region.hardware)
        rows.append({"dc": j, "accelerator": names[0], "count": int(count) if count.is_integer() else count})
    return pd.DataFrame(rows)
