"""The shared recipe of the real-data scenarios (``us_2024``, ``europe_2018``, ``world_2024``): token lengths, the
network, the paper's synthetic inputs, multi-day windows and the water budget.

A real-data scenario is one day of 24 UTC hours over registry regions (config/regions.yaml); region j is data centre j
and its user area is area i = j (located at the site). The builders supply the real hourly signals per site (price,
carbon intensity, EWIF, and weather or its stand-ins, :mod:`greenllm.data.scenarios.onsite`);
:func:`greenllm.data.scenarios.assembly.assemble` makes the rest from this recipe:

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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from greenllm.data import renewables, timeseries, workload
from greenllm.data.scenarios import paper_v1
from greenllm.errors import InputError

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
