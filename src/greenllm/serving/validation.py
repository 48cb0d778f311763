"""Our per-query figures set against published ones with the boundary matched, and the spatial-shifting bounds of
Sukprasert et al. recomputed on our sites.

**Per-query numbers** (:func:`per_query`). An allocation's site-hour energy is shared among the queries it served:
a query of pair p in hour t gets its own busy GPU energy (prompt processing and decode), the host's share of it, a
share of the site-hour's idle draw in proportion to its busy accelerator-seconds, and the site's PUE; its water and
its (location-based) emissions follow from its energy at that site and hour. Summed over queries they give
:func:`greenllm.serving.fleet.account`'s totals, so a median over queries is a median of the same accounting.

**Comparisons** (:data:`COMPARISONS`, :func:`validation`): each published figure is compared with our number on its
boundary and statistic only: Google's median comprehensive energy (accelerators, host, idle machines, overhead) with
our median facility energy per query; Google's median active-accelerator energy with our median GPU-only energy;
Google's median on-site water with our median on-site water; Samsi et al.'s GPU energy per output token of LLaMA 65B
with our Llama-3.1-70B decode energy per output token (mean); Luccioni et al.'s mean GPU + CPU + RAM energy of models
up to 11 B parameters with our Llama-3.1-8B busy energy (GPU + host, no idle, no PUE; mean). Where a boundary cannot
be matched (Google's market-based CO2 against our location-based CO2; GPT-3's water against a 70 B model) the row is
kept with its reason and no ratio.

**Spatial shifting** (:func:`spatial_shifting`): Sukprasert et al., "On the Limitations of Carbon-Aware Temporal and
Spatial Workload Shifting in the Cloud", EuroSys 2024 (arXiv 2306.06502): moving each region's load to the cleanest
region(s) each hour, without and with their limits (idle capacity, a latency limit), against running it where it
arises.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from greenllm.accounting import weighted_quantile
from greenllm.errors import InputError
from greenllm.serving import baselines
from greenllm.serving.fleet import Fleet, account, site_hours

J_PER_WH = 3600.0
WH_PER_KWH = 1000.0
CARBON_BASIS = "location-based (hourly grid intensity after on-site renewables)"


def site_busy_s(fleet: Fleet, q_pt: np.ndarray) -> np.ndarray:
    """Busy accelerator-seconds per site and hour [j, t] of queries ``q_pt`` (all pools)."""
    busy = np.zeros((fleet.scenario.n_dcs, fleet.scenario.n_hours))
    np.add.at(busy, fleet.pair_j, q_pt * fleet.busy_s[:, None])
    return busy


def per_query(fleet: Fleet, q_pt: np.ndarray, replicas: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per-query numbers of each pair and hour [p, t] under allocation ``q_pt`` on ``replicas`` (default: the
    account's rule):

    gpu_active_wh    busy GPU energy (prompt processing and decode)                          [Wh]
    decode_wh        the decode part alone (output tokens x measured J per token)            [Wh]
    it_busy_wh       GPU and host while busy (no idle, no PUE)                                [Wh]
    facility_wh      (GPU busy + a share of the idle GPU energy) x (1 + host) x PUE           [Wh]
    water_onsite_ml  on-site cooling water, IT energy x WUE                                   [mL]
    water_ml         on-site plus electricity-generation water, IT energy x (WUE + PUE EWIF)  [mL]
    co2_g            location-based: facility energy x grid share of the site-hour x CI       [g]

    A site-hour's idle GPU energy (provisioned replicas' idle time, and unprovisioned accelerators if they idle) is
    shared among its queries by busy accelerator-seconds, and the site-hour's facility energy, water and emissions in
    proportion to the queries' IT energy; what site-hours that serve no query draw (the availability minimum) is
    shared among all queries of the day by busy accelerator-seconds. The per-query numbers add up to the account."""
    s = fleet.scenario
    h = site_hours(fleet, q_pt, replicas)
    busy = site_busy_s(fleet, q_pt)
    served = busy > 0
    idle_per_busy_s = np.divide(h.gpu_idle_kwh_jt, busy, out=np.zeros_like(busy), where=served)  # kWh per busy s
    facility = s.pue[:, None] * h.it_kwh_jt  # [j, t] kWh
    grid = np.maximum(facility - fleet.renewable_kwh_jt, 0.0)
    per_it_kwh = {"facility_wh": np.broadcast_to(s.pue[:, None], facility.shape),  # each quantity per IT kWh [j, t]
                  "water_onsite_ml": s.wue_l_per_kwh,  # L per kWh = mL per Wh
                  "water_ml": s.wue_l_per_kwh + s.pue[:, None] * s.ewif_l_per_kwh,
                  "co2_g": np.divide(grid * s.carbon_kg_per_kwh, h.it_kwh_jt, out=np.zeros_like(grid),
                                     where=h.it_kwh_jt > 0)}  # kg per kWh = g per Wh
    j = fleet.pair_j
    gpu_wh = np.broadcast_to((fleet.active_j / J_PER_WH)[:, None], q_pt.shape)
    it_wh = (1 + fleet.host) * (gpu_wh + idle_per_busy_s[j] * fleet.busy_s[:, None] * WH_PER_KWH)
    day_share = np.broadcast_to((fleet.busy_s / busy.sum())[:, None], q_pt.shape)  # of the unserved site-hours
    out = {"gpu_active_wh": gpu_wh,
           "decode_wh": np.broadcast_to(((fleet.active_j - fleet.prefill_j) / J_PER_WH)[:, None], q_pt.shape),
           "it_busy_wh": (1 + fleet.host) * gpu_wh}
    for name, per_kwh in per_it_kwh.items():
        unserved = (h.it_kwh_jt * per_kwh)[~served].sum() * WH_PER_KWH
        out[name] = it_wh * per_kwh[j] + day_share * unserved
    return out


@dataclass(frozen=True)
class Comparison:
    """One published figure against one of our per-query quantities on the same boundary and statistic."""

    reference: str  # the catalogue reference's name
    field: str  # its field: energy_wh_per_query, water_ml_per_query, co2_g_per_query, j_per_output_token
    statistic: str  # median | mean, the same on both sides
    quantity: str  # a key of per_query() (per query) or "decode_j_per_output_token"
    model: str | None  # our queries of this model only (None: all)
    our_boundary: str
    reason_not_compared: str = ""  # set where the boundaries cannot be matched: no ratio is given


COMPARISONS = (
    Comparison("Google 2025, median Gemini text prompt", "energy_wh_per_query", "median", "facility_wh", None,
               "GPU busy energy + host + idle provisioned accelerators (busy-time share) x PUE; all classes"),
    Comparison("Google 2025, median Gemini text prompt, active accelerators", "energy_wh_per_query", "median",
               "gpu_active_wh", None, "GPU busy energy only (prompt processing and decode); no host, idle or PUE"),
    Comparison("Google 2025, median Gemini text prompt", "water_ml_per_query", "median", "water_onsite_ml", None,
               "on-site cooling water: IT energy x WUE (no electricity-generation water)"),
    Comparison("Google 2025, median Gemini text prompt", "co2_g_per_query", "median", "co2_g", None,
               f"CO2e {CARBON_BASIS}",
               "Google's CO2e is market-based (with its clean-energy purchases), ours location-based"),
    Comparison("Samsi et al. 2023, LLaMA 65B", "j_per_output_token", "mean", "decode_j_per_output_token",
               "llama-3.1-70b", "Llama-3.1-70B alone, without our modelled prompt processing: the leaderboard's GPU J "
               "per output token of the chosen operating points (its own short benchmark prompts included, like "
               "Samsi's), weighted by output tokens"),
    Comparison("Luccioni et al. 2024, text generation", "energy_wh_per_query", "mean", "it_busy_wh", "llama-3.1-8b",
               "Llama-3.1-8B alone: GPU + host while busy (their GPU + CPU + RAM); no idle, no PUE"),
    Comparison("Li et al. 2023, GPT-3 water", "water_ml_per_query", "mean", "water_ml", "llama-3.1-70b",
               "Llama-3.1-70B alone: IT energy x (WUE + PUE x EWIF)",
               "GPT-3 (175 B) has no counterpart in the catalogue (largest model 70 B)"),
)


def our_value(fleet: Fleet, q_pt: np.ndarray, numbers: dict[str, np.ndarray], c: Comparison) -> float:
    """Our side of comparison ``c`` under allocation ``q_pt`` (``numbers``: :func:`per_query` of it)."""
    model = np.array([fleet.catalogue.classes[k].model for k in fleet.pair_k])
    keep = np.ones(fleet.n_pairs, bool) if c.model is None else model == c.model
    weights = np.where(keep[:, None], q_pt, 0.0)
    if c.quantity == "decode_j_per_output_token":
        tokens_out = np.array([cl.tokens_out for cl in fleet.catalogue.classes])[fleet.pair_k][:, None]
        return float((weights * numbers["decode_wh"]).sum() * J_PER_WH / (weights * tokens_out).sum())
    values = numbers[c.quantity]
    if c.statistic == "median":
        return weighted_quantile(values, weights, 0.5)
    return float((weights * values).sum() / weights.sum())


def _reference(fleet: Fleet, c: Comparison):
    for ref in fleet.catalogue.references:
        if ref.name == c.reference and getattr(ref, c.field) is not None:
            return ref
    raise InputError(f"{fleet.catalogue.path}, references: no entry named {c.reference!r} with {c.field}")


def validation(fleet: Fleet, allocations: dict[str, np.ndarray], kinds: dict[str, str],
               replicas: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """One row per (comparison, policy): the published figure with its source, boundary and statistic, ours on the
    matched boundary and statistic, and the ratio ours / published (low and high end of a published range; empty
    where the boundaries cannot be matched). ``replicas``: the optimised schemes' whole replicas by name."""
    rows = []
    replicas = replicas or {}
    numbers = {name: per_query(fleet, q, replicas.get(name)) for name, q in allocations.items()}
    for c in COMPARISONS:
        ref = _reference(fleet, c)
        low, high = getattr(ref, c.field)
        for name, q in allocations.items():
            ours = our_value(fleet, q, numbers[name], c)
            compared = not c.reason_not_compared
            rows.append({"reference": ref.name, "metric": c.field, "statistic": c.statistic,
                         "published_statistic": getattr(ref, "statistic", c.statistic),
                         "published_low": low, "published_high": high, "published_boundary": ref.boundary,
                         "confirmed": bool(getattr(ref, "confirmed", True)),
                         "source": ref.citation, "policy": name, "kind": kinds[name], "ours": ours,
                         "our_quantity": c.quantity, "our_model": c.model or "all", "our_boundary": c.our_boundary,
                         "our_carbon_accounting": CARBON_BASIS if c.field == "co2_g_per_query" else "",
                         "compared": compared,
                         "ratio_low": ours / high if compared else np.nan,
                         "ratio_high": ours / low if compared else np.nan,
                         "not_compared_because": c.reason_not_compared})
    return pd.DataFrame(rows)


def per_query_table(fleet: Fleet, allocations: dict[str, np.ndarray], kinds: dict[str, str],
                    replicas: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """Per policy: mean and median of the per-query numbers (:func:`per_query`) over all queries."""
    rows = []
    replicas = replicas or {}
    for name, q in allocations.items():
        numbers = per_query(fleet, q, replicas.get(name))
        row = {"policy": name, "kind": kinds[name]}
        for key in ("facility_wh", "gpu_active_wh", "water_onsite_ml", "water_ml", "co2_g"):
            row[f"{key}_mean"] = float((q * numbers[key]).sum() / q.sum())
            row[f"{key}_median"] = weighted_quantile(numbers[key], q, 0.5)
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------------------------
# Spatial shifting bounds (Sukprasert et al., EuroSys 2024)
# --------------------------------------------------------------------------------------------------------------------

SUKPRASERT_2024 = ("Sukprasert, Souza, Bashir, Irwin and Shenoy, \"On the Limitations of Carbon-Aware Temporal and "
                   "Spatial Workload Shifting in the Cloud\", EuroSys 2024 (arXiv 2306.06502)")


@dataclass(frozen=True)
class ShiftCase:
    """A spatial-shifting case: round-trip limit [s] (None: none), utilisation of each site by its own load [-]
    (None: unlimited capacity), and the reduction Sukprasert et al. report for it [-] (None: not reported)."""

    name: str
    rtt_limit_s: float | None
    utilisation: float | None
    reported_reduction: float | None


SHIFT_CASES = (  # reductions as reported by Sukprasert et al. (read from the paper's text and figures)
    ShiftCase("ideal: no latency limit, unlimited capacity", None, None, 0.96),
    ShiftCase("50 % idle capacity, no latency limit", None, 0.5, 0.515),
    ShiftCase("latency limit 250 ms, unlimited capacity", 0.25, None, 0.925),
    ShiftCase("latency limit 250 ms, 50 % utilisation", 0.25, 0.5, 0.457),
    ShiftCase("latency limit 50 ms, 50 % utilisation", 0.05, 0.5, 0.31),
)


def local_allocation(fleet: Fleet) -> np.ndarray:
    """No shifting: each area's queries at its nearest site (its own region), most efficient operating point, without
    a capacity limit [p, t]."""
    s = fleet.scenario
    choice = baselines.choose_points(fleet, "efficient")
    q = np.zeros((fleet.n_pairs, s.n_hours))
    for i in range(s.n_areas):
        for k in range(len(fleet.class_names)):
            j = next(j for j in np.argsort(s.rtt_s[i], kind="stable") if choice[i, k, j] >= 0)
            q[choice[i, k, j]] += fleet.queries_ikt[i, k]
    return q


def cleanest_within(fleet: Fleet, capacity_s_jt: np.ndarray, rtt_limit_s: float | None) -> np.ndarray:
    """Each hour, loads from the dirtiest home region first, each to the cleanest site (grid carbon intensity) within
    the round-trip limit that has capacity left (busy accelerator-seconds ``capacity_s_jt``), at the most efficient
    operating point; the home site is always allowed [p, t]."""
    s = fleet.scenario
    choice = baselines.choose_points(fleet, "efficient")
    home = np.argmin(s.rtt_s, axis=1)
    q = np.zeros((fleet.n_pairs, s.n_hours))
    for t in range(s.n_hours):
        left = capacity_s_jt[:, t].copy()
        order = np.argsort(s.carbon_kg_per_kwh[:, t], kind="stable")
        for i in np.argsort(-s.carbon_kg_per_kwh[home, t], kind="stable"):
            reach = [j for j in order if j == home[i] or rtt_limit_s is None or s.rtt_s[i, j] <= rtt_limit_s]
            for k in range(len(fleet.class_names)):
                baselines.fill(fleet, q[:, t], fleet.queries_ikt[i, k, t], reach, choice[i, k], left)
    return q


def grid_intensity_kg_per_kwh(fleet: Fleet, q_pt: np.ndarray) -> float:
    """Mean grid carbon intensity of the energy an allocation draws, before on-site renewables [kg/kWh]: the metric
    of Sukprasert et al."""
    facility = per_query(fleet, q_pt)["facility_wh"] * q_pt
    return float((facility * fleet.scenario.carbon_kg_per_kwh[fleet.pair_j]).sum() / facility.sum())


def spatial_shifting(fleet: Fleet, cases=SHIFT_CASES) -> pd.DataFrame:
    """Per case: the mean grid carbon intensity and our emissions (:func:`~greenllm.serving.fleet.account`, on-site
    renewables and PUE included) of shifted load against running every area's load at home, and the reduction
    Sukprasert et al. report for the case. Capacity at utilisation u: each site can take its own load / u that hour."""
    local = local_allocation(fleet)
    local_busy = site_busy_s(fleet, local)
    base_ci, base_kg = grid_intensity_kg_per_kwh(fleet, local), account(fleet, local).emissions_kg
    rows = []
    for case in cases:
        capacity = np.full(local_busy.shape, np.inf) if case.utilisation is None else local_busy / case.utilisation
        q = cleanest_within(fleet, capacity, case.rtt_limit_s)
        ci, kg = grid_intensity_kg_per_kwh(fleet, q), account(fleet, q).emissions_kg
        rows.append({"case": case.name, "rtt_limit_s": case.rtt_limit_s, "utilisation": case.utilisation,
                     "local_g_per_kwh": base_ci * 1000, "shifted_g_per_kwh": ci * 1000,
                     "reduction_intensity": 1 - ci / base_ci, "local_emissions_kg": base_kg,
                     "shifted_emissions_kg": kg, "reduction_emissions": 1 - kg / base_kg,
                     "reported_reduction": case.reported_reduction, "reported_by": SUKPRASERT_2024})
    return pd.DataFrame(rows)
