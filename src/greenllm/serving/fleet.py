"""The serving model at fleet scale: operating points per site, latency SLO as pruning, accounting of an allocation.

A :class:`Fleet` is a scenario folder's geography and hourly signals (areas, sites, round-trip times, price, carbon
intensity, water intensity, PUE, the shape of on-site renewables and of each area's local-time demand) combined with
the serving catalogue (config/serving.yaml) and a scale (queries per day, accelerators per site). It lists the
**pairs** p = (area i, site j, class k, operating point o) that meet the SLO, with per-query numbers known in advance:

    latency_p  = rtt_ij + TTFT_o(h_k) + f_k x TPOT_o                               [s]
    TTFT_o(h)  = h / prefill_tokens_per_s_o + TPOT_o     (prompt processing, then one decode step)
    busy_p     = r_o (f_k / tokens_per_s_o + h_k / prefill_tokens_per_s_o)      [accelerator-s per query]
    active_p   = f_k J_o + power_o h_k / prefill_tokens_per_s_o                   [J per query, GPU]

and an allocation (queries per pair and hour) is accounted for by :func:`account`, the same way for the optimiser
(:mod:`greenllm.serving.lp`) and for the baselines (:mod:`greenllm.serving.baselines`). Per site j and hour t:

    provisioned_jt = peak_to_mean x busy_jt / 3600 s                              [accelerators]
    it_kwh_jt      = ((1 + host) sum_p q_pt active_p + idle_w (3600 provisioned_jt - busy_jt)) / 3.6e6
    facility_kwh   = PUE_j it_kwh;  grid_kwh = max(0, facility_kwh - renewable_kwh)
    emissions_kg   = grid_kwh x carbon_kg_per_kwh;  energy_usd = grid_kwh x max(price_usd_per_kwh, 0)
    water_l        = it_kwh (WUE_jt + PUE_j EWIF_jt)      (Li et al. 2023: on-site plus electricity generation)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from greenllm.errors import InputError
from greenllm.accounting import weighted_quantile
from greenllm.inputs import Scenario
from greenllm.serving.catalogue import ServingCatalogue

J_PER_KWH = 3.6e6  # joules per kilowatt-hour
S_PER_HOUR = 3600.0  # one-hour slots: kWh per slot equal mean kW
ML_PER_L = 1000.0
G_PER_KG = 1000.0
WH_PER_KWH = 1000.0
TPOT_STATISTICS = ("p99", "median")


@dataclass(frozen=True)
class FleetOptions:
    """The scale and the assumptions of a fleet run (config section ``serving``).

    queries_per_day: all areas together [queries/day]; distributed over areas and hours like the scenario's demand
    accelerators: accelerator type per site, assigned in turn (site j gets accelerators[j % len])
    accelerators_per_site: installed accelerators at every site
    renewable_share: on-site renewable energy over the site's load in the demand-proportional allocation [-]
    batch_limits: operating points allowed (None: every measured batch limit)
    tpot_statistic: which inter-token latency the MLPerf TPOT limit is checked against (p99: conservative)
    slo: False switches the SLO off (every pair kept), to measure what it costs
    """

    queries_per_day: float = 1e9
    accelerators: tuple[str, ...] = ("H100", "B200")
    accelerators_per_site: int = 8192
    renewable_share: float = 0.3
    batch_limits: tuple[int, ...] | None = None
    tpot_statistic: str = "p99"
    slo: bool = True

    def __post_init__(self) -> None:
        where = "serving options"
        if not np.isfinite(self.queries_per_day) or self.queries_per_day <= 0:
            raise InputError(f"{where}, queries_per_day: {self.queries_per_day!r} must be > 0")
        if int(self.accelerators_per_site) <= 0:
            raise InputError(f"{where}, accelerators_per_site: {self.accelerators_per_site!r} must be > 0")
        if not 0 <= self.renewable_share:
            raise InputError(f"{where}, renewable_share: {self.renewable_share!r} must be >= 0")
        if self.tpot_statistic not in TPOT_STATISTICS:
            raise InputError(f"{where}, tpot_statistic: {self.tpot_statistic!r} is not one of "
                             f"{', '.join(TPOT_STATISTICS)}")
        if not self.accelerators:
            raise InputError(f"{where}, accelerators: expected at least one accelerator type")


@dataclass
class Fleet:
    """Arrays of one fleet run. Axes: i area, j site, k class, t hour, p pair (i, j, k, o) kept by the SLO."""

    scenario: Scenario
    catalogue: ServingCatalogue
    options: FleetOptions
    class_names: list[str]
    accelerator_j: list[str]
    installed_j: np.ndarray  # [j] accelerators
    queries_ikt: np.ndarray  # [i, k, t] queries per hour
    renewable_kwh_jt: np.ndarray  # [j, t]
    # pairs
    pair_i: np.ndarray
    pair_j: np.ndarray
    pair_k: np.ndarray
    pair_point: list[str]  # operating point name per pair
    pair_batch: np.ndarray
    batch_limits: np.ndarray  # every batch limit in use, ascending; pair_o indexes it
    pair_o: np.ndarray
    latency_s: np.ndarray
    ttft_s: np.ndarray
    slo_ok: np.ndarray  # the pair meets its class's SLO (all kept pairs do unless options.slo is False)
    busy_s: np.ndarray  # accelerator-seconds per query
    active_j: np.ndarray  # GPU joules per query
    idle_w_j: np.ndarray  # [j]
    n_pairs_total: int  # before SLO pruning
    notes: list[str] = field(default_factory=list)

    @property
    def n_pairs(self) -> int:
        return len(self.pair_i)

    @property
    def total_queries(self) -> float:
        return float(self.queries_ikt.sum())

    def pair_queries(self) -> np.ndarray:
        """lambda_{i k t} of each pair's (area, class), shape [p, t]."""
        return self.queries_ikt[self.pair_i, self.pair_k, :]

    def site_mw(self) -> np.ndarray:
        """Rated facility power of each site [MW]: installed x TDP x (1 + host) x PUE."""
        tdp = np.array([self.catalogue.accelerators[a].tdp_w for a in self.accelerator_j])
        return (self.installed_j * tdp * (1 + self.catalogue.host_j_per_accelerator_j) * self.scenario.pue / 1e6)


def _slo_ok(catalogue: ServingCatalogue, tier: str, model: str, rtt_s, ttft_s, point, statistic: str):
    ttft_limit_s, tpot_limit_s = catalogue.models[model].slo_s[tier]
    tpot = point.tpot_p99_s if statistic == "p99" else point.tpot_s
    return (rtt_s + ttft_s <= ttft_limit_s) & (tpot <= tpot_limit_s)


def demand_shares(s: Scenario) -> np.ndarray:
    """Each (area, hour)'s share of the day's queries in the scenario folder, shape [i, t] (local-time diurnal
    profiles and area sizes of the scenario's demand, summed over its query types)."""
    per_area_hour = s.queries.sum(axis=1)
    total = per_area_hour.sum()
    if total <= 0:
        raise InputError("serving: the scenario has no demand to take the diurnal profile from")
    return per_area_hour / total


def build_fleet(s: Scenario, catalogue: ServingCatalogue, options: FleetOptions) -> Fleet:
    """The fleet of scenario ``s`` at the scale of ``options`` (renewables are sized by :func:`size_renewables`)."""
    for name in options.accelerators:
        if name not in catalogue.accelerators:
            raise InputError(f"serving options, accelerators: {name!r} is not in {catalogue.path}")
    classes = catalogue.classes
    share_k = np.array([c.share for c in classes])
    queries_ikt = options.queries_per_day * demand_shares(s)[:, None, :] * share_k[None, :, None]
    accelerator_j = [options.accelerators[j % len(options.accelerators)] for j in range(s.n_dcs)]
    installed_j = np.full(s.n_dcs, float(options.accelerators_per_site))
    rows = []
    n_total = 0
    for j, acc in enumerate(accelerator_j):
        for k, c in enumerate(classes):
            points = catalogue.points(acc, c.model, options.batch_limits)
            for point in points:
                prefill = catalogue.prefill_tokens_per_s(point)
                ttft = c.tokens_in / prefill + point.tpot_s
                latency = s.rtt_s[:, j] + ttft + c.tokens_out * point.tpot_s
                ok = _slo_ok(catalogue, c.slo_tier, c.model, s.rtt_s[:, j], ttft, point, options.tpot_statistic)
                n_total += s.n_areas
                busy = point.accelerators_per_replica * (c.tokens_out / point.tokens_per_s_replica
                                                          + c.tokens_in / prefill)
                active = c.tokens_out * point.j_per_token + point.power_w * c.tokens_in / prefill
                for i in np.flatnonzero(ok | (not options.slo)):
                    rows.append((i, j, k, point.name, point.batch_limit, latency[i], ttft, bool(ok[i]), busy, active))
    if not rows:
        raise InputError("serving: no (area, site, class, operating point) meets the SLO")
    rows.sort(key=lambda r: (r[0], r[1], r[4], r[2]))  # pairs in (area, site, batch limit, class) order
    cols = list(zip(*rows, strict=True))
    batch_limits = np.unique(np.array(cols[4]))
    idle = np.array([catalogue.accelerators[a].idle_w for a in accelerator_j])
    fleet = Fleet(s, catalogue, options, [c.name for c in classes], accelerator_j, installed_j, queries_ikt,
                  np.zeros((s.n_dcs, s.n_hours)),
                  np.array(cols[0]), np.array(cols[1]), np.array(cols[2]), list(cols[3]), np.array(cols[4]),
                  batch_limits, np.searchsorted(batch_limits, np.array(cols[4])),
                  np.array(cols[5], float), np.array(cols[6], float), np.array(cols[7], bool),
                  np.array(cols[8], float), np.array(cols[9], float), idle, n_total)
    served = np.zeros((s.n_areas, len(classes)), bool)
    served[fleet.pair_i, fleet.pair_k] = True
    if not served.all():
        i, k = np.argwhere(~served)[0]
        raise InputError(f"serving: no site and operating point meets the SLO of class {classes[k].name} from area "
                         f"{s.area_names[i]}")
    return fleet


# --------------------------------------------------------------------------------------------------------------------
# Accounting
# --------------------------------------------------------------------------------------------------------------------


@dataclass
class Account:
    """After-the-fact numbers of one allocation (all for the whole day)."""

    queries: float
    facility_kwh: float
    grid_kwh: float
    energy_usd: float
    carbon_usd: float
    emissions_kg: float
    water_l: float
    water_onsite_l: float
    latency_mean_s: float
    latency_p95_s: float
    slo_met: bool
    served_share: float
    peak_accelerators: float  # most accelerators provisioned at one site in one hour
    capacity_ok: bool

    @property
    def total_usd(self) -> float:
        return self.energy_usd + self.carbon_usd

    def per_query(self) -> dict:
        return {"energy_wh_per_query": self.facility_kwh * WH_PER_KWH / self.queries,
                "water_ml_per_query": self.water_l * ML_PER_L / self.queries,
                "water_onsite_ml_per_query": self.water_onsite_l * ML_PER_L / self.queries,
                "co2_g_per_query": self.emissions_kg * G_PER_KG / self.queries}

    def row(self) -> dict:
        return {"total_usd": self.total_usd, "energy_usd": self.energy_usd, "carbon_usd": self.carbon_usd,
                "emissions_kg": self.emissions_kg, "water_l": self.water_l, "facility_kwh": self.facility_kwh,
                "grid_kwh": self.grid_kwh, "latency_mean_s": self.latency_mean_s,
                "latency_p95_s": self.latency_p95_s, "slo_met": self.slo_met,
                "peak_accelerators": self.peak_accelerators, "capacity_ok": self.capacity_ok}


def billed_price(s: Scenario) -> np.ndarray:
    """Electricity price the fleet pays per site and hour [$/kWh]: negative day-ahead prices count as free power, not
    as revenue, so that no allocation burns energy to earn money."""
    return np.maximum(s.price_usd_per_kwh, 0.0)


def site_hour_loads(fleet: Fleet, q_pt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(busy accelerator-seconds, GPU + host joules while busy) per site and hour, each [j, t], of queries q_pt."""
    n_j, n_t = fleet.scenario.n_dcs, fleet.scenario.n_hours
    busy = np.zeros((n_j, n_t))
    active = np.zeros((n_j, n_t))
    np.add.at(busy, fleet.pair_j, q_pt * fleet.busy_s[:, None])
    np.add.at(active, fleet.pair_j, q_pt * fleet.active_j[:, None])
    return busy, active * (1 + fleet.catalogue.host_j_per_accelerator_j)


def it_kwh(fleet: Fleet, busy_s: np.ndarray, active_j: np.ndarray, provisioned: np.ndarray) -> np.ndarray:
    """IT energy per site and hour [kWh]: busy energy plus idle draw of provisioned accelerators' idle time."""
    idle_s = S_PER_HOUR * provisioned - busy_s
    return (active_j + fleet.idle_w_j[:, None] * idle_s) / J_PER_KWH


def account(fleet: Fleet, q_pt: np.ndarray, provisioned: np.ndarray | None = None) -> Account:
    """Account for queries ``q_pt`` [p, t] per pair and hour; ``provisioned`` [j, t] accelerators (default: the
    fewest that carry the load's within-hour peak, peak_to_mean x busy / 3600 s)."""
    s = fleet.scenario
    busy, active = site_hour_loads(fleet, q_pt)
    need = fleet.catalogue.peak_to_mean * busy / S_PER_HOUR
    provisioned = need if provisioned is None else np.maximum(provisioned, need)
    it = it_kwh(fleet, busy, active, provisioned)
    facility = s.pue[:, None] * it
    grid = np.maximum(facility - fleet.renewable_kwh_jt, 0.0)
    emissions = float((grid * s.carbon_kg_per_kwh).sum())
    weights = q_pt.sum(axis=1)
    if weights.sum() <= 0:
        raise InputError("serving: an allocation that serves no query cannot be accounted for")
    served = float(weights.sum())
    demand = fleet.total_queries
    return Account(
        queries=served,
        facility_kwh=float(facility.sum()),
        grid_kwh=float(grid.sum()),
        energy_usd=float((grid * billed_price(s)).sum()),
        carbon_usd=float((grid * s.carbon_kg_per_kwh * s.carbon_tax_usd_per_kg[:, None]).sum()),
        emissions_kg=emissions,
        water_l=float((it * (s.wue_l_per_kwh + s.pue[:, None] * s.ewif_l_per_kwh)).sum()),
        water_onsite_l=float((it * s.wue_l_per_kwh).sum()),
        latency_mean_s=float(np.average(fleet.latency_s, weights=weights)),
        latency_p95_s=float(weighted_quantile(fleet.latency_s, weights, 0.95)),
        slo_met=bool(abs(served - demand) <= 1e-6 * demand and not (weights[~fleet.slo_ok] > 0).any()),
        served_share=served / demand,
        peak_accelerators=float(provisioned.max()),
        capacity_ok=bool((provisioned <= fleet.installed_j[:, None] * (1 + 1e-9)).all()),
    )


def size_renewables(fleet: Fleet, reference_q_pt: np.ndarray) -> Fleet:
    """On-site renewables as a stated share of load: each site's renewable profile (the scenario's renewable_kw
    shape) scaled so that its daily energy is ``renewable_share`` x the site's facility energy under the reference
    allocation (the demand-proportional baseline). A site whose scenario profile is zero gets none."""
    s = fleet.scenario
    busy, active = site_hour_loads(fleet, reference_q_pt)
    facility = s.pue[:, None] * it_kwh(fleet, busy, active, fleet.catalogue.peak_to_mean * busy / S_PER_HOUR)
    shape = s.renewable_kw
    daily = shape.sum(axis=1, keepdims=True)
    scale = np.divide(fleet.options.renewable_share * facility.sum(axis=1, keepdims=True), daily,
                      out=np.zeros_like(daily), where=daily > 0)
    fleet.renewable_kwh_jt = shape * scale
    return fleet
