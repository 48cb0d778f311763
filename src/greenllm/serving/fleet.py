"""The serving model at fleet scale: replica pools per site, operating points, latency SLO as pruning, and the
accounting of an allocation.

A :class:`Fleet` is a scenario folder's geography and hourly signals (areas, sites, round-trip times, price, carbon
intensity, water intensity, PUE, the shape of on-site renewables and of each area's local-time demand) combined with
the serving catalogue (config/serving.yaml) and a scale (queries per day). It lists

* the **pools** u of each site: one decode pool per measured operating point o (accelerator, model, batch limit) and,
  with disaggregated prefill (Splitwise, Patel et al., ISCA 2024, the default), one prefill pool per model; a replica
  of pool u holds r_u accelerators, serves at most its measured throughput and draws its busy power P_u while busy;
* the **pairs** p = (area i, site j, class k, operating point o) that meet the SLO, with per-query numbers known in
  advance (h input, f output tokens of class k):

    decode   s_p,dec = f / tokens_per_s_o  [replica-s];  J_dec = f x J_o  (= busy power x time, measured)
    prefill  s_p,pre = h / prefill_tokens_per_s_m;   J_pre = s_p,pre x r x prefill_w
             prefill_tokens_per_s_m = r x peak dense FLOP/s x utilisation / (2 x parameters)   (Kaplan et al. 2020)
    latency  mean: rtt_ij + TTFT + f x TPOT_mean_o,  TTFT = h / prefill_tokens_per_s + TPOT_mean_o
             tail: rtt_ij + h / prefill_tokens_per_s + (f + 1) x TPOT_p99_o

  With ``prefill: colocated`` prompt processing runs on the decode replica (s and J add up) and decode steps wait
  for it: TPOT is stretched by the catalogue's time-sharing factor (ServingCatalogue.colocated_tpot_factor).

An allocation (queries per pair and hour) is accounted for by :func:`account`, the same way for the optimiser
(:mod:`greenllm.serving.lp`) and for every baseline (:mod:`greenllm.serving.baselines`). Per pool u and hour t:

    busy_ut     = sum_p q_pt s_p,u                                                      [replica-s]
    replicas_ut = ceil(peak_to_mean x busy_ut / 3600 s), then at least min_replicas per (site, model, pool kind)
per site j and hour t:
    gpu_j       = sum_p q_pt J_p + sum_u idle_w_u (3600 replicas_ut - busy_ut)
                  (+ idle_w (installed_j - accelerators_jt) 3600 if unprovisioned accelerators idle)
    it_kwh      = (1 + host) gpu_j / 3.6e6;  facility_kwh = PUE_j it_kwh;  grid = max(0, facility - renewables)
    capacity    accelerators_jt = sum_u r_u replicas_ut <= installed_j
    power cap   PUE_j (1 + host) (sum_u replicas_ut P_u (+ idle of unprovisioned)) <= power_cap_w_j
    emissions   = grid x carbon_kg_per_kwh;  energy_usd = grid x max(price, 0)
    water_l     = it_kwh (WUE_jt + PUE_j EWIF_jt)      (Li et al. 2023: on-site plus electricity generation)
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from greenllm.accounting import weighted_quantile
from greenllm.errors import InputError
from greenllm.inputs import Scenario
from greenllm.serving.catalogue import OperatingPoint, ServingCatalogue
from greenllm.serving.fleet_options import FleetOptions

if TYPE_CHECKING:  # scipy.sparse is imported where a fleet is built: every solve job imports this module (through
    # the formulations' registry), and most never build a fleet (about 0.1 s of CPU each)
    import scipy.sparse as sp

J_PER_KWH = 3.6e6  # joules per kilowatt-hour
S_PER_HOUR = 3600.0  # one-hour slots: kWh per slot equal mean kW
W_PER_MW = 1e6
ML_PER_L = 1000.0
G_PER_KG = 1000.0
WH_PER_KWH = 1000.0
def _incidence(row_of: np.ndarray, n_rows: int) -> sp.csr_matrix:
    """[r, n] 1 at (row_of[n], n): its product with a per-item array sums the items of each row in index order."""
    import scipy.sparse as sp

    n = len(row_of)
    return sp.csr_matrix((np.ones(n), (row_of, np.arange(n))), shape=(n_rows, n))


@dataclass
class Fleet:
    """Arrays of one fleet run. Axes: i area, j site, k class, t hour, p pair (i, j, k, o) kept by the SLO, u pool."""

    scenario: Scenario
    catalogue: ServingCatalogue
    options: FleetOptions
    class_names: list[str]
    accelerator_j: list[str]
    installed_j: np.ndarray  # [j] accelerators
    power_cap_w_j: np.ndarray  # [j] facility power cap [W]
    queries_ikt: np.ndarray  # [i, k, t] queries per hour
    renewable_kwh_jt: np.ndarray  # [j, t]
    # pools
    pool_j: np.ndarray
    pool_name: list[str]  # "<site>/<point name>" or "<site>/<accelerator>/<model>/prefill"
    pool_group: np.ndarray  # (site, model, pool kind) group of each pool, for the availability minimum
    pool_r: np.ndarray  # accelerators per replica
    pool_busy_w: np.ndarray  # replica power while busy [W]
    pool_idle_w: np.ndarray  # replica power while idle [W] (GPU only)
    # pairs
    pair_i: np.ndarray
    pair_j: np.ndarray
    pair_k: np.ndarray
    pair_point: list[str]  # operating point name per pair
    pair_batch: np.ndarray
    batch_limits: np.ndarray  # every batch limit in use, ascending; pair_o indexes it
    pair_o: np.ndarray
    latency_s: np.ndarray  # mean end-to-end latency of a query [s]
    latency_tail_s: np.ndarray  # with the measured p99 time per token [s]
    ttft_s: np.ndarray
    slo_ok: np.ndarray  # the pair meets its class's SLO (all kept pairs do unless options.slo is False)
    load_up: sp.csr_matrix  # [u, p] busy replica-seconds per query of pair p on pool u
    busy_s: np.ndarray  # accelerator-seconds per query (all pools)
    active_j: np.ndarray  # GPU joules per query while busy (prefill and decode)
    prefill_j: np.ndarray  # the prefill part of active_j
    idle_w_j: np.ndarray  # [j] one accelerator's idle power [W]
    n_pairs_total: int  # before SLO pruning
    notes: list[str] = field(default_factory=list)

    @property
    def n_pairs(self) -> int:
        return len(self.pair_i)

    @property
    def n_pools(self) -> int:
        return len(self.pool_j)

    @property
    def n_groups(self) -> int:
        return int(self.pool_group.max()) + 1

    @property
    def total_queries(self) -> float:
        return float(self.queries_ikt.sum())

    @property
    def host(self) -> float:
        """Host CPU, DRAM and network joules per accelerator joule [-]."""
        return self.catalogue.host_j_per_accelerator_j

    @functools.cached_property
    def site_of_pair(self) -> sp.csr_matrix:
        """[j, p] 1 where pair p runs at site j: ``site_of_pair @ x_p`` sums a per-pair quantity per site, adding the
        pairs in index order (the same sum as ``np.add.at``, in a fraction of its time)."""
        return _incidence(self.pair_j, self.scenario.n_dcs)

    @functools.cached_property
    def site_of_pool(self) -> sp.csr_matrix:
        """[j, u] 1 where pool u is at site j (sums per site, as :attr:`site_of_pair`)."""
        return _incidence(self.pool_j, self.scenario.n_dcs)

    @functools.cached_property
    def group_of_pool(self) -> sp.csr_matrix:
        """[g, u] 1 where pool u is in (site, model, pool kind) group g (sums per group)."""
        return _incidence(self.pool_group, self.n_groups)

    @functools.cached_property
    def least_busy_pool(self) -> np.ndarray:
        """[g] the pool of least busy power in each group (of equal power, the last in index order): where the
        availability minimum's missing replicas go."""
        cheapest = np.full(self.n_groups, -1)
        for u in np.argsort(-self.pool_busy_w, kind="stable"):
            cheapest[self.pool_group[u]] = u
        return cheapest

    def pair_queries(self) -> np.ndarray:
        """lambda_{i k t} of each pair's (area, class), shape [p, t]."""
        return self.queries_ikt[self.pair_i, self.pair_k, :]

    def tokens_out(self) -> np.ndarray:
        """Output tokens per query of each pair [tokens]."""
        return np.array([c.tokens_out for c in self.catalogue.classes])[self.pair_k]

    def site_mw(self) -> np.ndarray:
        """Rated facility power of each site [MW]: installed x TDP x (1 + host) x PUE."""
        tdp = np.array([self.catalogue.accelerators[a].tdp_w for a in self.accelerator_j])
        return self.installed_j * tdp * (1 + self.host) * self.scenario.pue / W_PER_MW

    def power_cap_mw(self) -> np.ndarray:
        return self.power_cap_w_j / W_PER_MW

    def idle_power_floor_w(self) -> np.ndarray:
        """[j] GPU power of all installed accelerators idle, counted only if unprovisioned ones idle [W]."""
        idle = self.options.unprovisioned == "idle"
        return self.installed_j * self.idle_w_j * idle

    def busy_capacity_s(self) -> np.ndarray:
        """Busy accelerator-seconds each site can take in an hour [j], for rules that fill sites: the installed
        accelerators less a reserve for the availability minimum and one replica of rounding per (model, pool kind),
        limited by the power cap at the highest busy power per accelerator of the site's pools, over
        peak_to_mean. A rule that runs several operating points of one model at a site can still exceed it by the
        rounding of the others; the account says so (capacity_ok, power_ok)."""
        n_j = self.scenario.n_dcs
        reserve = np.zeros(n_j)  # per (site, model, pool kind): the minimum and one replica of rounding
        group_r = np.zeros(self.n_groups)
        np.maximum.at(group_r, self.pool_group, self.pool_r)
        group_j = np.zeros(self.n_groups, int)
        group_j[self.pool_group] = self.pool_j
        np.add.at(reserve, group_j, group_r * (self.options.min_replicas + 1))
        per_acc_w = np.zeros(n_j)
        np.maximum.at(per_acc_w, self.pool_j, self.pool_busy_w / self.pool_r)
        cap_it_w = self.power_cap_w_j / (self.scenario.pue * (1 + self.host)) - self.idle_power_floor_w()
        powered = cap_it_w / np.maximum(per_acc_w - self.idle_w_j * (self.options.unprovisioned == "idle"), 1e-9)
        usable = np.maximum(np.minimum(self.installed_j, powered) - reserve, 0.0)  # the reserve draws power too
        return usable * S_PER_HOUR / self.catalogue.peak_to_mean


def tpot_mean_s(point: OperatingPoint) -> float:
    """Mean time per output token of a request [s]: by Little's law average batch / replica throughput (the
    catalogue's ``tpot_mean_s``)."""
    return float(point.tpot_mean_s)


def demand_shares(s: Scenario) -> np.ndarray:
    """Each (area, hour)'s share of the day's queries in the scenario folder, shape [i, t] (local-time diurnal
    profiles and area sizes of the scenario's demand, summed over its query types)."""
    per_area_hour = s.queries.sum(axis=1)
    total = per_area_hour.sum()
    if total <= 0:
        raise InputError("serving: the scenario has no demand to take the diurnal profile from")
    return per_area_hour / total


class _Pools:
    """Pools collected while pairs are built: name -> index, with their attributes."""

    def __init__(self):
        self.index: dict[str, int] = {}
        self.groups: dict[tuple, int] = {}
        self.rows: list[tuple] = []  # (j, name, group, r, busy_w, idle_w)

    def get(self, j, name, group_key, r, busy_w, idle_w) -> int:
        if name not in self.index:
            group = self.groups.setdefault(group_key, len(self.groups))
            self.index[name] = len(self.rows)
            self.rows.append((j, name, group, r, busy_w, idle_w))
        return self.index[name]


def build_fleet(s: Scenario, catalogue: ServingCatalogue, options: FleetOptions) -> Fleet:
    """The fleet of scenario ``s`` at the scale of ``options``: pools, SLO-feasible pairs, installed accelerators
    (:func:`installed_accelerators`) and power caps; renewables are sized by :func:`size_renewables`."""
    for name in options.accelerators:
        if name not in catalogue.accelerators:
            raise InputError(f"serving options, accelerators: {name!r} is not in {catalogue.path}")
    classes = catalogue.classes
    accelerator_j = [options.accelerators[j % len(options.accelerators)] for j in range(s.n_dcs)]
    idle = np.array([catalogue.accelerators[a].idle_w for a in accelerator_j])
    colocated = options.prefill == "colocated"
    pools = _Pools()
    rows, loads = [], []  # loads: (pair, pool, replica-seconds)
    n_total = 0
    for j, acc in enumerate(accelerator_j):
        pre_w = catalogue.accelerators[acc].prefill_power_w
        u = options.prefill_utilisation
        for k, c in enumerate(classes):
            for point in catalogue.points(acc, c.model, options.batch_limits):
                r = point.accelerators_per_replica
                prefill_tps = catalogue.prefill_tokens_per_s(point, utilisation=u)
                prefill_s = c.tokens_in / prefill_tps
                stretch = catalogue.colocated_tpot_factor(point, c.tokens_in, c.tokens_out, u) if colocated else 1.0
                tpot_mean, tpot_p99 = stretch * tpot_mean_s(point), stretch * point.tpot_p99_s
                tpot_check = stretch * (point.tpot_p99_s if options.tpot_statistic == "p99" else point.tpot_s)
                ttft = prefill_s + tpot_mean
                ttft_limit_s, tpot_limit_s = catalogue.models[c.model].slo_s[c.slo_tier]
                ok = (s.rtt_s[:, j] + prefill_s + tpot_check <= ttft_limit_s) & (tpot_check <= tpot_limit_s)
                n_total += s.n_areas
                decode_s = c.tokens_out / point.tokens_per_s_replica
                prefill_j = prefill_s * r * pre_w
                for i in np.flatnonzero(ok | (not options.slo)):
                    p = len(rows)
                    dec = pools.get(j, f"{s.dc_names[j]}/{point.name}", (j, c.model, "decode"), r,
                                    max(point.power_w, r * pre_w) if colocated else point.power_w, r * idle[j])
                    if colocated:
                        loads.append((p, dec, decode_s + prefill_s))
                    else:
                        pre = pools.get(j, f"{s.dc_names[j]}/{acc}/{c.model}/prefill", (j, c.model, "prefill"), r,
                                        r * pre_w, r * idle[j])
                        loads += [(p, dec, decode_s), (p, pre, prefill_s)]
                    rows.append((i, j, k, point.name, point.batch_limit, s.rtt_s[i, j] + ttft + c.tokens_out
                                 * tpot_mean, s.rtt_s[i, j] + prefill_s + (c.tokens_out + 1) * tpot_p99, ttft,
                                 bool(ok[i]), r * (decode_s + prefill_s), c.tokens_out * point.j_per_token
                                 + prefill_j, prefill_j))
    if not rows:
        raise InputError("serving: no (area, site, class, operating point) meets the SLO")
    cols = list(zip(*rows, strict=True))
    pool_cols = list(zip(*pools.rows, strict=True))
    load_p, load_u, load_s = (np.array(v) for v in zip(*loads, strict=True))
    import scipy.sparse as sp

    load_up = sp.csr_matrix((load_s, (load_u, load_p)), shape=(len(pools.rows), len(rows)))
    batch_limits = np.unique(np.array(cols[4]))
    fleet = Fleet(s, catalogue, options, [c.name for c in classes], accelerator_j, np.zeros(s.n_dcs),
                  np.zeros(s.n_dcs), np.zeros((s.n_areas, len(classes), s.n_hours)), np.zeros((s.n_dcs, s.n_hours)),
                  np.array(pool_cols[0]), list(pool_cols[1]), np.array(pool_cols[2]), np.array(pool_cols[3], float),
                  np.array(pool_cols[4], float), np.array(pool_cols[5], float),
                  np.array(cols[0]), np.array(cols[1]), np.array(cols[2]), list(cols[3]), np.array(cols[4]),
                  batch_limits, np.searchsorted(batch_limits, np.array(cols[4])),
                  np.array(cols[5], float), np.array(cols[6], float), np.array(cols[7], float),
                  np.array(cols[8], bool), load_up, np.array(cols[9], float), np.array(cols[10], float),
                  np.array(cols[11], float), idle, n_total)
    served = np.zeros((s.n_areas, len(classes)), bool)
    served[fleet.pair_i, fleet.pair_k] = True
    if not served.all():
        i, k = np.argwhere(~served)[0]
        raise InputError(f"serving: no site and operating point meets the SLO of class {classes[k].name} from area "
                         f"{s.area_names[i]}")
    return on_demand(fleet, s)


def on_demand(fleet: Fleet, s: Scenario) -> Fleet:
    """``fleet``'s pools and pairs on scenario ``s`` of the same areas, sites and round trips (another day of a
    year): its demand, installed accelerators (:func:`installed_accelerators`) and power caps, as :func:`build_fleet`
    derives them from ``s``; renewables are sized by :func:`size_renewables`."""
    if s is not fleet.scenario and (s.area_names != fleet.scenario.area_names or s.dc_names != fleet.scenario.dc_names
                                    or not np.array_equal(s.rtt_s, fleet.scenario.rtt_s)):
        raise InputError("serving: a fleet moves only to a scenario of the same areas, sites and round trips")
    o, share_k = fleet.options, np.array([c.share for c in fleet.catalogue.classes])
    fleet = dataclasses.replace(fleet, scenario=s, notes=[], renewable_kwh_jt=np.zeros((s.n_dcs, s.n_hours)),
                                queries_ikt=o.queries_per_day * demand_shares(s)[:, None, :] * share_k[None, :, None])
    fleet.installed_j = installed_accelerators(fleet)
    tdp = np.array([fleet.catalogue.accelerators[a].tdp_w for a in fleet.accelerator_j])
    fleet.power_cap_w_j = o.power_cap_share * fleet.installed_j * tdp * (1 + fleet.host) * s.pue
    return fleet


def nearest_efficient(fleet: Fleet) -> np.ndarray:
    """The sizing allocation [p, t]: each (area, class)'s queries at its nearest site that serves it within the SLO,
    at the pair with the least busy GPU energy there."""
    s = fleet.scenario
    q = np.zeros((fleet.n_pairs, s.n_hours))
    rtt = s.rtt_s[fleet.pair_i, fleet.pair_j]
    for i in range(s.n_areas):
        for k in range(len(fleet.class_names)):
            cand = np.flatnonzero((fleet.pair_i == i) & (fleet.pair_k == k) & fleet.slo_ok)
            if not len(cand):
                continue
            near = cand[rtt[cand] == rtt[cand].min()]
            q[near[np.argmin(fleet.active_j[near])]] += fleet.queries_ikt[i, k]
    return q


def installed_accelerators(fleet: Fleet) -> np.ndarray:
    """Installed accelerators per site [j]: ``accelerators_per_site`` if set; else headroom x the busy accelerators of
    the site's peak hour under :func:`nearest_efficient` (capacity placed near demand), at least the availability
    minimum, rounded up to whole servers."""
    o = fleet.options
    if o.accelerators_per_site is not None:
        return np.full(fleet.scenario.n_dcs, float(o.accelerators_per_site))
    q = nearest_efficient(fleet)
    busy = np.zeros((fleet.scenario.n_dcs, fleet.scenario.n_hours))
    np.add.at(busy, fleet.pair_j, q * fleet.busy_s[:, None])
    need = o.headroom * busy.max(axis=1) / S_PER_HOUR
    group_r = np.zeros(fleet.n_groups)
    np.maximum.at(group_r, fleet.pool_group, fleet.pool_r)
    group_j = np.zeros(fleet.n_groups, int)
    group_j[fleet.pool_group] = fleet.pool_j
    floor = np.zeros(fleet.scenario.n_dcs)
    np.add.at(floor, group_j, o.min_replicas * group_r)
    per_server = np.array([fleet.catalogue.accelerators[a].accelerators_per_server for a in fleet.accelerator_j])
    return np.ceil(np.maximum(need, floor) / per_server) * per_server


# --------------------------------------------------------------------------------------------------------------------
# Accounting
# --------------------------------------------------------------------------------------------------------------------


def pool_busy_s(fleet: Fleet, q_pt: np.ndarray) -> np.ndarray:
    """Busy replica-seconds per pool and hour [u, t] of queries q_pt [p, t]."""
    return np.asarray(fleet.load_up @ q_pt)


def replicas_needed(fleet: Fleet, busy_ut: np.ndarray, given: np.ndarray | None = None) -> np.ndarray:
    """Replicas per pool and hour [u, t]: enough for the within-hour peak (peak_to_mean x busy / 3600 s; rounded up
    to whole replicas if ``integer_replicas``), at least ``given``, and at least ``min_replicas`` per (site, model,
    pool kind): a group short of it gets the missing replicas on its pool of least busy power."""
    need = fleet.catalogue.peak_to_mean * busy_ut / S_PER_HOUR
    if fleet.options.integer_replicas:
        need = np.ceil(need - 1e-6)
    n = need if given is None else np.maximum(need, given)
    short = np.maximum(fleet.options.min_replicas - fleet.group_of_pool @ n, 0.0)
    n = n.copy()
    n[fleet.least_busy_pool] += short
    return n


@dataclass
class SiteHours:
    """Per pool or site and hour: the arrays behind an :class:`Account`."""

    busy_ut: np.ndarray  # replica-seconds
    replicas_ut: np.ndarray
    accelerators_jt: np.ndarray  # provisioned
    busy_accelerators_jt: np.ndarray  # mean busy accelerators in the hour
    gpu_busy_kwh_jt: np.ndarray
    gpu_idle_kwh_jt: np.ndarray  # idle time of provisioned replicas (+ unprovisioned accelerators if idle)
    it_kwh_jt: np.ndarray  # GPU + host
    peak_facility_w_jt: np.ndarray  # every provisioned replica busy at once


def site_hours(fleet: Fleet, q_pt: np.ndarray, replicas: np.ndarray | None = None) -> SiteHours:
    """The per-site-hour quantities of queries ``q_pt`` [p, t] on replicas derived by :func:`replicas_needed`."""
    s = fleet.scenario
    busy = pool_busy_s(fleet, q_pt)
    n = replicas_needed(fleet, busy, replicas)

    def per_site(per_pool: np.ndarray) -> np.ndarray:
        return fleet.site_of_pool @ per_pool

    active = fleet.site_of_pair @ (q_pt * fleet.active_j[:, None])
    accelerators = per_site(fleet.pool_r[:, None] * n)
    idles = fleet.options.unprovisioned == "idle"
    unprovisioned = idles * fleet.idle_w_j[:, None] * np.maximum(fleet.installed_j[:, None] - accelerators, 0.0)  # W
    idle_j = per_site(fleet.pool_idle_w[:, None] * (S_PER_HOUR * n - busy)) + unprovisioned * S_PER_HOUR
    gpu_busy, gpu_idle = active / J_PER_KWH, idle_j / J_PER_KWH
    peak_w = per_site(fleet.pool_busy_w[:, None] * n) + unprovisioned
    facility_factor = (1 + fleet.host) * s.pue[:, None]
    return SiteHours(busy, n, accelerators, per_site(fleet.pool_r[:, None] * busy) / S_PER_HOUR, gpu_busy, gpu_idle,
                     (1 + fleet.host) * (gpu_busy + gpu_idle), facility_factor * peak_w)


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
    power_ok: bool = True
    gpu_busy_kwh: float = 0.0
    gpu_prefill_kwh: float = 0.0
    gpu_idle_kwh: float = 0.0
    host_kwh: float = 0.0
    output_tokens: float = 0.0
    accelerator_hours: float = 0.0
    utilisation_peak: float = 0.0  # busy over installed accelerators, fleet-wide, in the busiest hour
    utilisation_mean: float = 0.0
    capacity_binding_site_hours: int = 0  # no room for one more replica of the site's largest model
    power_binding_site_hours: int = 0  # no power for one more replica of the site's hungriest pool

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
                "peak_accelerators": self.peak_accelerators, "capacity_ok": self.capacity_ok,
                "power_ok": self.power_ok, "utilisation_peak": self.utilisation_peak,
                "utilisation_mean": self.utilisation_mean,
                "capacity_binding_site_hours": self.capacity_binding_site_hours,
                "power_binding_site_hours": self.power_binding_site_hours,
                "gpu_busy_kwh": self.gpu_busy_kwh, "gpu_prefill_kwh": self.gpu_prefill_kwh,
                "gpu_idle_kwh": self.gpu_idle_kwh, "host_kwh": self.host_kwh}


def billed_price(s: Scenario) -> np.ndarray:
    """Electricity price the fleet pays per site and hour [$/kWh]: negative day-ahead prices count as free power, not
    as revenue, so that no allocation burns energy to earn money."""
    return np.maximum(s.price_usd_per_kwh, 0.0)


def _binding(fleet: Fleet, h: SiteHours) -> tuple[np.ndarray, np.ndarray]:
    """[j, t] masks: no room (accelerators, power) for one more replica of the site's largest pool."""
    n_j = fleet.scenario.n_dcs
    largest_r, largest_w = np.zeros(n_j), np.zeros(n_j)
    np.maximum.at(largest_r, fleet.pool_j, fleet.pool_r)
    np.maximum.at(largest_w, fleet.pool_j, fleet.pool_busy_w)
    free = fleet.installed_j[:, None] - h.accelerators_jt
    headroom_w = fleet.power_cap_w_j[:, None] - h.peak_facility_w_jt
    per_replica_w = largest_w * (1 + fleet.host) * fleet.scenario.pue
    return free < largest_r[:, None] - 1e-6, headroom_w < per_replica_w[:, None] - 1e-6


def account(fleet: Fleet, q_pt: np.ndarray, replicas: np.ndarray | None = None) -> Account:
    """Account for queries ``q_pt`` [p, t] per pair and hour, on ``replicas`` [u, t] per pool and hour (default and
    at least: the rule of :func:`replicas_needed`, which the optimiser's replicas also obey)."""
    s = fleet.scenario
    h = site_hours(fleet, q_pt, replicas)
    it = h.it_kwh_jt
    facility = s.pue[:, None] * it
    grid = np.maximum(facility - fleet.renewable_kwh_jt, 0.0)
    weights = q_pt.sum(axis=1)
    if weights.sum() <= 0:
        raise InputError("serving: an allocation that serves no query cannot be accounted for")
    served = float(weights.sum())
    demand = fleet.total_queries
    capacity_binds, power_binds = _binding(fleet, h)
    busy_fleet = h.busy_accelerators_jt.sum(axis=0)
    return Account(
        queries=served,
        facility_kwh=float(facility.sum()),
        grid_kwh=float(grid.sum()),
        energy_usd=float((grid * billed_price(s)).sum()),
        carbon_usd=float((grid * s.carbon_kg_per_kwh * s.carbon_tax_usd_per_kg[:, None]).sum()),
        emissions_kg=float((grid * s.carbon_kg_per_kwh).sum()),
        water_l=float((it * (s.wue_l_per_kwh + s.pue[:, None] * s.ewif_l_per_kwh)).sum()),
        water_onsite_l=float((it * s.wue_l_per_kwh).sum()),
        latency_mean_s=float(np.average(fleet.latency_s, weights=weights)),
        latency_p95_s=float(weighted_quantile(fleet.latency_tail_s, weights, 0.95)),
        slo_met=bool(abs(served - demand) <= 1e-6 * demand and not (weights[~fleet.slo_ok] > 0).any()),
        served_share=served / demand,
        peak_accelerators=float(h.accelerators_jt.max()),
        capacity_ok=bool((h.accelerators_jt <= fleet.installed_j[:, None] * (1 + 1e-9)).all()),
        power_ok=bool((h.peak_facility_w_jt <= fleet.power_cap_w_j[:, None] * (1 + 1e-9)).all()),
        gpu_busy_kwh=float(h.gpu_busy_kwh_jt.sum()),
        gpu_prefill_kwh=float((weights * fleet.prefill_j).sum() / J_PER_KWH),
        gpu_idle_kwh=float(h.gpu_idle_kwh_jt.sum()),
        host_kwh=float(it.sum() - h.gpu_busy_kwh_jt.sum() - h.gpu_idle_kwh_jt.sum()),
        output_tokens=float((weights * fleet.tokens_out()).sum()),
        accelerator_hours=float(h.accelerators_jt.sum()),
        utilisation_peak=float(busy_fleet.max() / fleet.installed_j.sum()),
        utilisation_mean=float(busy_fleet.mean() / fleet.installed_j.sum()),
        capacity_binding_site_hours=int(capacity_binds.sum()),
        power_binding_site_hours=int(power_binds.sum()),
    )


def size_renewables(fleet: Fleet, reference_q_pt: np.ndarray) -> Fleet:
    """On-site renewables as a stated share of load: each site's renewable profile (the scenario's renewable_kw
    shape) scaled so that its daily energy is ``renewable_share`` x the site's facility energy under the reference
    allocation (the demand-proportional baseline). A site whose scenario profile is zero gets none."""
    s = fleet.scenario
    facility = s.pue[:, None] * site_hours(fleet, reference_q_pt).it_kwh_jt
    shape = s.renewable_kw
    daily = shape.sum(axis=1, keepdims=True)
    scale = np.divide(fleet.options.renewable_share * facility.sum(axis=1, keepdims=True), daily,
                      out=np.zeros_like(daily), where=daily > 0)
    fleet.renewable_kwh_jt = shape * scale
    return fleet
