"""paper_v1: the base case of Green-LLM (arXiv 2507.09942, v1), regenerated from the authors' recipe.

Recipe: the ``GreenLLMParameters`` generator in ``model/Experiment.ipynb`` of github.com/JJmingcc/Green_LLM
(July 2025), run as in the notebook's base case: seed 42, 500..1200 queries per slot, 24 hourly slots, 9 areas,
9 data centres, 5 query types, 3 resources. Every constant below is the generator's; the order of the draws from
numpy's legacy global generator is the generator's too (see ``_draw``). Only the carbon intensity θ is real data:
the Electricity Maps 2024 hourly zone exports, "Life cycle" column, 2024-03-24 UTC hours 0-23, g -> kg, rounded to
6 decimals (the authors' ``round(value / 1000, 6)`` on numpy floats, i.e. ``np.round``).

Without the zone files and offline, θ falls back to a flagged stand-in: the flat Google Cloud region grid intensity
that the same generator hard-codes (``datacenter_info[j]["co2"]`` gCO2eq/kWh, used by the authors' earlier,
commented-out θ line "Time-invariant (monthly average data)"). This is announced on stderr and in provenance.json.

Everything else in paper_v1 is synthetic by the recipe; provenance.json says so for every series.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from greenllm import messages
from greenllm.data import cache
from greenllm.data.sources import electricitymaps
from greenllm.errors import DataSourceError

NAME = "paper_v1"
RECIPE = ("GreenLLMParameters in model/Experiment.ipynb of github.com/JJmingcc/Green_LLM (July 2025; "
          "base case random_seed=42, min_queries=500, max_queries=1200)")

SEED = 42
MIN_QUERIES = 500
MAX_QUERIES = 1200
N_HOURS = 24
CARBON_YEAR = 2024
CARBON_DAY_UTC = "2024-03-24"
CARBON_SIGNAL = ("life-cycle (Electricity Maps 'Life cycle': combustion plus construction, fuel chain and methane "
                 "leakage), consumption-based (flow-traced imports), hourly average (not marginal)")
"""The carbon signal θ measures, as provenance.json states it."""
J_PER_KWH = 3.6e6
"""Joules per kilowatt-hour: the recipe draws τ in J/token and divides by 3 600 000."""
CENTS_PER_USD = 100.0
KG_PER_T = 1000.0
MARCH_FACTOR = 1.1
"""The generator's seasonal demand factor for month 3 (March)."""
DEMAND_NOISE_SD = 0.05
DEMAND_NOISE_FLOOR = 0.8
POP_SHIFT_LB = 0.3
POP_SHIFT_UB = 1.0
CARBON_TAX_BASE_USD_PER_T = 50.0
RHO_BASE = 10000
BANDWIDTH_BASE_MBPS = 3000
BANDWIDTH_FLOOR_MBPS = 100
BANDWIDTH_FLOOR_IN_DELAY_TERM_MBPS = 0.001
LEXICOGRAPHIC_TOLERANCE = 0.001
RESOURCE_NAMES = ("cpu", "gpu", "memory")

# Hourly demand pattern, hours 0..23 (generator's hourly_patterns).
HOURLY_PATTERN = np.array([0.2, 0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.5, 0.7, 0.8, 0.9,
                           1.0, 0.95, 0.9, 0.85, 0.8, 0.85, 0.9, 0.85, 0.75, 0.6, 0.5, 0.4])


@dataclass(frozen=True)
class Site:
    """One area / data-centre city (the generator pairs area i with DC j = i)."""

    dc_name: str  # Google Cloud region
    location: str  # the generator's location key
    city: str
    population_millions: float
    regional_factor: float  # demand multiplier factor (tech hub 1.3, DC presence / tourism 1.2, else 0.8)
    cfe_fraction: float  # Google CFE share: drives the synthetic renewables
    google_grid_gco2_per_kwh: int  # Google region grid intensity (unused by the LP; our offline θ stand-in)
    base_price_cents_per_kwh: float  # state retail price
    carbon_tax_factor: float  # δ_j = 50 $/t × factor / 1000
    water_rate_s_woc: float  # generated, unused by the LP
    zone_id: str  # Electricity Maps zone whose Life-cycle intensity is θ_j
    zone_name: str  # that zone's "Zone name"


SITES = (
    Site("us-central1", "Iowa", "Des Moines", 3.2, 0.8, 0.95, 430, 11.5, 0.5, 0.72,
         "US-MIDW-MISO", "Midcontinent ISO"),
    Site("us-east1", "South Carolina", "Charlotte", 5.1, 0.8, 0.29, 560, 13.8, 0.2, 0.52,
         "US-SE-SEPA", "Southeastern Power Administration"),
    Site("us-east4", "North Virginia", "Washington", 8.6, 1.3, 0.52, 322, 15.2, 0.6, 0.74,
         "US-NY-NYIS", "New York ISO"),  # NYISO is the authors' stand-in for Virginia
    Site("us-east5", "Columbus", "Columbus", 11.8, 0.8, 0.52, 322, 14.5, 0.6, 0.58,
         "US-MIDW-LGEE", "Louisville Gas and Electric Company and Kentucky Utilities"),
    Site("us-south1", "Dallas", "Dallas", 29.0, 1.2, 0.79, 321, 12.8, 0.2, 0.35,
         "US-TEX-ERCO", "Electric Reliability Council of Texas"),
    Site("us-west1", "Oregon", "Portland", 4.2, 1.2, 0.84, 94, 11.0, 0.4, 0.43,
         "US-NW-PGE", "Portland General Electric Company"),
    Site("us-west2", "Los Angeles", "Los Angeles", 39.5, 1.3, 0.55, 198, 22.5, 0.9, 0.8,
         "US-CAL-LDWP", "Los Angeles Department of Water and Power"),
    Site("us-west3", "Salt Lake City", "Salt Lake City", 3.3, 0.8, 0.29, 588, 12.5, 0.25, 0.84,
         "US-NW-PACE", "Pacificorp East"),
    Site("us-west4", "Las Vegas", "Las Vegas", 3.1, 1.2, 0.26, 373, 13.2, 0.3, 0.45,
         "US-NW-NEVP", "Nevada Power Company"),
)


@dataclass(frozen=True)
class QueryType:
    name: str
    tokens_in: int  # h_k
    tokens_out: int  # f_k
    demand_factor: float  # type factor in λ
    rho_multiplier: float  # ρ_k = 10000 / total queries × multiplier
    base_proc_delay_s_per_token: float  # base_v_k
    base_delay_max_s: float  # base of Δ_ik


QUERY_TYPES = (
    QueryType("chat", 80, 100, 2.0, 10, 0.000001, 5),
    QueryType("text_summary", 500, 300, 1.8, 12, 0.0000015, 10),
    QueryType("math_solving", 50, 100, 1.5, 6, 0.00002, 15.0),
    QueryType("code_generation", 40, 500, 1.2, 4, 0.00002, 20.0),
    QueryType("image_generation", 30, 10, 0.5, 1.5, 0.00005, 30.0),
)

# Off-diagonal round-trip times [s], symmetric, hard-coded in the generator; the diagonal is drawn.
RTT_S = np.array([
    [0.000, 0.039, 0.034, 0.027, 0.026, 0.044, 0.049, 0.035, 0.042],
    [0.039, 0.000, 0.021, 0.032, 0.041, 0.072, 0.068, 0.062, 0.059],
    [0.034, 0.021, 0.000, 0.019, 0.046, 0.065, 0.061, 0.057, 0.055],
    [0.027, 0.032, 0.019, 0.000, 0.035, 0.052, 0.057, 0.045, 0.049],
    [0.026, 0.041, 0.046, 0.035, 0.000, 0.048, 0.037, 0.033, 0.031],
    [0.044, 0.072, 0.065, 0.052, 0.048, 0.000, 0.023, 0.020, 0.027],
    [0.049, 0.068, 0.061, 0.057, 0.037, 0.023, 0.000, 0.018, 0.012],
    [0.035, 0.062, 0.057, 0.045, 0.033, 0.020, 0.018, 0.000, 0.013],
    [0.042, 0.059, 0.055, 0.049, 0.031, 0.027, 0.012, 0.013, 0.000],
])
RTT_DIAG_RANGE_S = (0.001, 0.009)
# Bandwidth "regions" of the generator: reg(i) = i // 5 for areas; reg(j) below for DCs (not geographic).
DC_BANDWIDTH_REGION = np.array([1, 0, 0, 0, 1, 3, 3, 3, 3])


def _tou_factor_base(hours: np.ndarray) -> np.ndarray:
    """Time-of-use factor base: 1.8 for 14 <= t <= 20, 1.2 for 8 <= t < 14 or t = 21, else 0.7 (+ 0.2 r)."""
    return np.where((hours >= 14) & (hours <= 20), 1.8,
                    np.where(((hours >= 8) & (hours < 14)) | (hours == 21), 1.2, 0.7))


def demand_multipliers() -> np.ndarray:
    """(0.3 + (pop - pop_min) / (pop_max - pop_min)) × regional factor, per area."""
    pop = np.array([s.population_millions for s in SITES])
    lo, hi = pop.min(), pop.max()
    norm = POP_SHIFT_LB + POP_SHIFT_UB * (pop - lo) / (hi - lo)
    return norm * np.array([s.regional_factor for s in SITES])


def _draw() -> dict[str, np.ndarray | float]:
    """All random draws, in the generator's exact order (numpy legacy global RandomState).

    Draws that the generator makes one at a time are vectorised only where numpy's legacy stream gives the same
    values (random_sample, normal and uniform with size=n equal n scalar calls); randint stays a loop.
    """
    n_i = n_j = len(SITES)
    n_k, n_t, n_r = len(QUERY_TYPES), N_HOURS, len(RESOURCE_NAMES)
    rng = np.random  # the legacy global generator, as in the recipe
    rng.seed(SEED)
    out: dict[str, np.ndarray | float] = {}
    out["noise"] = rng.normal(1.0, DEMAND_NOISE_SD, size=(n_i, n_k, n_t))
    rng.seed(SEED)  # generate_delay_matrix re-seeds
    out["rtt_diag"] = rng.uniform(*RTT_DIAG_RANGE_S, n_j)
    out["price_r"] = rng.random_sample((n_j, n_t))
    out["tau_in_r"] = rng.random_sample(n_k)
    out["tau_out_r"] = rng.random_sample(n_k)
    caps, wind = [], []
    for _ in range(n_j):
        caps.append(rng.randint(50, 100))
        wind.append(rng.random_sample(n_t))
    out["renewable_cap"] = np.array(caps, dtype=float)
    out["wind_r"] = np.array(wind)
    out["grid_cap"] = np.array([[rng.randint(4000, 5000) for _ in range(n_t)] for _ in range(n_j)])
    out["pue_r"] = rng.random_sample(n_j)
    out["capacity_rj"] = np.array([[rng.randint(40000, 50000) for _ in range(n_j)] for _ in range(n_r)])
    out["alpha_r"] = rng.random_sample((n_k, n_r))
    for _ in range(n_j * n_k):  # z_prev: unused by the July LP, but it advances the stream
        rng.randint(0, 2)
    rng.random_sample(n_j * n_k)  # f_download: unused
    out["beta_r"] = rng.random_sample((n_i, n_k, n_t))
    out["bandwidth_r"] = rng.random_sample((n_i, n_j))
    out["proc_heterogeneity"] = rng.uniform(0.9, 1.1, (n_j, n_k))
    out["delay_variability"] = rng.uniform(1.0, 1.5, (n_i, n_k))
    out["wue_r"] = rng.random_sample((n_j, n_t))
    out["ewif_r"] = rng.random_sample((n_j, n_t))
    out["water_budget_l"] = float(rng.uniform(5000, 6000))
    return out


def generate(carbon_kg_per_kwh: np.ndarray) -> tuple[dict[str, pd.DataFrame], dict]:
    """The scenario tables and scalars for a given θ[j, t] [kg/kWh] (everything else from the recipe)."""
    d = _draw()
    n = len(SITES)
    hours = np.arange(N_HOURS)
    types = QUERY_TYPES

    # λ_ikt: pattern × day-of-week factor × March factor × noise × area multiplier × type factor, scaled to queries.
    # The generator multiplies a 1-element array by its 24-hour weekday factor and keeps element 0, so the factor
    # is that of hour 0 (1.0) at every hour.
    dow = np.ones(N_HOURS)
    seasonal = HOURLY_PATTERN * dow * MARCH_FACTOR
    noise = np.maximum(d["noise"], DEMAND_NOISE_FLOOR)
    mult = demand_multipliers()
    type_factor = np.array([q.demand_factor for q in types])
    value = seasonal[None, None, :] * noise * mult[:, None, None] * type_factor[None, :, None]
    scaled = MIN_QUERIES + (value - 0.5) * (MAX_QUERIES - MIN_QUERIES) / 0.5
    queries = np.clip(np.rint(scaled), MIN_QUERIES, MAX_QUERIES).astype(int)
    total_queries = int(queries.sum())

    rtt = RTT_S.copy()
    np.fill_diagonal(rtt, d["rtt_diag"])

    base_price = np.array([s.base_price_cents_per_kwh for s in SITES]) / CENTS_PER_USD
    price = base_price[:, None] * (_tou_factor_base(hours)[None, :] + 0.2 * d["price_r"])

    tau_in_kwh = (20 + 20 * d["tau_in_r"]) / J_PER_KWH
    tau_out_kwh = (50 + 50 * d["tau_out_r"]) / J_PER_KWH

    cfe = np.array([s.cfe_fraction for s in SITES])
    hour_factor = np.where((hours >= 6) & (hours < 18), 1.0 - np.abs(hours - 12) / 6.0, 0.0)
    solar = hour_factor[None, :] * cfe[:, None]
    wind = 0.5 * cfe[:, None] * d["wind_r"]
    renewable = d["renewable_cap"][:, None] * (solar + wind)

    pue = 1.0 + 0.4 * d["pue_r"]
    alpha = np.empty((len(types), len(RESOURCE_NAMES)))
    for k in range(len(types)):
        alpha[k, 0] = 0.001 + 0.0005 * d["alpha_r"][k, 0]
        alpha[k, 1] = (0.0015 if k in (2, 3) else 0.002) + 0.0005 * d["alpha_r"][k, 1]
        alpha[k, 2] = 0.01 + 0.005 * d["alpha_r"][k, 2]

    beta = 0.003 + 0.002 * d["beta_r"]
    distance = np.abs((np.arange(n) // 5)[:, None] - DC_BANDWIDTH_REGION[None, :])
    bandwidth = np.maximum(
        BANDWIDTH_FLOOR_MBPS, BANDWIDTH_BASE_MBPS * (1.0 - 0.1 * distance) * (0.7 + 0.6 * d["bandwidth_r"])
    )
    base_v = np.array([q.base_proc_delay_s_per_token for q in types])
    proc = np.round(base_v[None, :] * d["proc_heterogeneity"], 6)
    base_delay = np.array([q.base_delay_max_s for q in types])
    delay_max = np.round(base_delay[None, :] * d["delay_variability"], 2)
    wue = 0.5 + 0.5 * d["wue_r"]
    ewif = 0.1 + 0.5 * d["ewif_r"]
    rho = np.array([RHO_BASE / total_queries * q.rho_multiplier for q in types])
    tax = np.array([CARBON_TAX_BASE_USD_PER_T * s.carbon_tax_factor / KG_PER_T for s in SITES])

    jj, tt = np.meshgrid(np.arange(n), hours, indexing="ij")  # (j, t) order, re-sorted below
    ii, kk, tt3 = np.meshgrid(np.arange(n), np.arange(len(types)), hours, indexing="ij")
    tables = {
        "areas": pd.DataFrame({
            "area": range(n),
            "city": [s.city for s in SITES],
            "location": [s.location for s in SITES],
            "population_millions": [s.population_millions for s in SITES],
            "demand_multiplier": mult,
        }),
        "datacenters": pd.DataFrame({
            "dc": range(n),
            "name": [s.dc_name for s in SITES],
            "region": [s.location for s in SITES],
            "city": [s.city for s in SITES],
            "pue": pue,
            "carbon_tax_usd_per_kg": tax,
            "carbon_zone": [s.zone_name for s in SITES],
            "cfe_fraction": cfe,
            "google_grid_gco2_per_kwh": [s.google_grid_gco2_per_kwh for s in SITES],
            "base_price_usd_per_kwh": base_price,
            "water_rate_s_woc": [s.water_rate_s_woc for s in SITES],
        }),
        "query_types": pd.DataFrame({
            "type": range(len(types)),
            "name": [q.name for q in types],
            "tokens_in": [q.tokens_in for q in types],
            "tokens_out": [q.tokens_out for q in types],
            "energy_in_kwh_per_token": tau_in_kwh,
            "energy_out_kwh_per_token": tau_out_kwh,
            "energy_in_j_per_token": tau_in_kwh * J_PER_KWH,
            "energy_out_j_per_token": tau_out_kwh * J_PER_KWH,
            "delay_penalty_usd_per_s": rho,
        }),
        "dc_type": _pairs("dc", "type", {"proc_delay_s_per_token": proc}),
        "dc_resource": _pairs("dc", "resource", {"capacity": d["capacity_rj"].T}, names=RESOURCE_NAMES),
        "type_resource": _pairs("type", "resource", {"use_per_token": alpha}, names=RESOURCE_NAMES),
        "area_dc": _pairs("area", "dc", {"rtt_s": rtt, "bandwidth_mbps": bandwidth}),
        "area_type": _pairs("area", "type", {"delay_max_s": delay_max}),
        "demand": pd.DataFrame({
            "hour": tt3.ravel(), "area": ii.ravel(), "type": kk.ravel(),
            "queries": queries.ravel(), "token_size_kb": beta.ravel(),
        }).sort_values(["hour", "area", "type"], kind="stable").reset_index(drop=True),
        "dc_hour": pd.DataFrame({
            "hour": tt.ravel(), "dc": jj.ravel(),
            "price_usd_per_kwh": price.ravel(),
            "carbon_kg_per_kwh": np.asarray(carbon_kg_per_kwh, dtype=float).ravel(),
            "renewable_kw": renewable.ravel(),
            "grid_cap_kw": d["grid_cap"].ravel(),
            "wue_l_per_kwh": wue.ravel(),
            "ewif_l_per_kwh": ewif.ravel(),
        }).sort_values(["hour", "dc"], kind="stable").reset_index(drop=True),
    }
    scalars = {
        "water_budget_l": d["water_budget_l"],
        "random_seed": SEED,
        "min_queries": MIN_QUERIES,
        "max_queries": MAX_QUERIES,
        "total_queries": total_queries,
        "rho_base": RHO_BASE,
        "rho_type_multiplier": {str(k): q.rho_multiplier for k, q in enumerate(types)},
        "rho_formula": "delay_penalty_usd_per_s[k] = rho_base / total_queries * rho_type_multiplier[k]",
        "carbon_tax_base_usd_per_t": CARBON_TAX_BASE_USD_PER_T,
        "bandwidth_floor_in_delay_term_mbps": BANDWIDTH_FLOOR_IN_DELAY_TERM_MBPS,
        "lexicographic_tolerance": LEXICOGRAPHIC_TOLERANCE,
        "n_areas": n,
        "n_dcs": n,
        "n_types": len(types),
        "n_hours": N_HOURS,
        "n_resources": len(RESOURCE_NAMES),
        "slot_length_h": 1.0,
        "carbon_day_utc": CARBON_DAY_UTC,
        "month_for_seasonal_factor": 3,
        "weekday_index_used": 0,
    }
    return tables, scalars


def _pairs(first: str, second: str, columns: dict[str, np.ndarray], names=None) -> pd.DataFrame:
    """Long table of 2-D arrays indexed [first, second], rows in (first, second) order."""
    shape = next(iter(columns.values())).shape
    a, b = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), indexing="ij")
    frame = pd.DataFrame({first: a.ravel(), second: b.ravel()})
    if names is not None:
        frame[f"{second}_name"] = [names[x] for x in b.ravel()]
    for name, values in columns.items():
        frame[name] = np.asarray(values).ravel()
    return frame


def carbon_intensity(
    *, raw_root: str | os.PathLike | None = None, offline: bool = False
) -> tuple[np.ndarray, dict, list[int]]:
    """θ[j, t] [kg/kWh] from the cached Electricity Maps zone files, the provenance record, and the DCs on stand-in.

    A zone file that is missing offline makes that DC use the stand-in (flat Google region grid intensity). Online,
    a failed download is an error (with a hint to build offline instead).
    """
    theta = np.empty((len(SITES), N_HOURS))
    files, stand_in, filled = [], [], {}
    start = pd.Timestamp(CARBON_DAY_UTC, tz="UTC")
    for j, site in enumerate(SITES):
        try:
            path = electricitymaps.fetch_zone(site.zone_id, CARBON_YEAR, raw_root=raw_root, offline=offline)
        except DataSourceError as err:
            if not offline:
                raise DataSourceError(f"{err} (to build {NAME} without it, use --offline: a flagged stand-in "
                                      "intensity replaces the missing zones)") from None
            theta[j] = site.google_grid_gco2_per_kwh / electricitymaps.G_PER_KG
            stand_in.append(j)
            continue
        raw = electricitymaps.read_zone_csv(path)
        names = set(raw["zone_name"].dropna().unique())
        if names != {site.zone_name}:
            raise DataSourceError(
                f'{path}, column "Zone name": expected "{site.zone_name}" for dc {j} ({site.dc_name}), '
                f"found {sorted(names)}"
            )
        day = electricitymaps.clean(raw, start=start, end=start + pd.Timedelta(hours=N_HOURS))
        theta[j] = np.round(day["carbon_lifecycle_kg_per_kwh"].to_numpy(), 6)
        if day["filled"].any():
            filled[site.zone_id] = [str(t) for t in day.index[day["filled"]]]
        entry = cache.manifest_entry(path, raw_root=raw_root)
        files.append({"dc": j, "zone": site.zone_id, **entry,
                      "estimated_hours": int(day["estimated"].sum())})

    record = {
        "source": electricitymaps.SOURCE,
        "licence": electricitymaps.LICENCE,
        "url_pattern": electricitymaps.URL_TEMPLATE.format(
            base=electricitymaps.BASE_URL, release=electricitymaps.DEFAULT_RELEASE, zone="<ZONE>", year=CARBON_YEAR),
        "column": "Carbon intensity gCO₂eq/kWh (Life cycle)",
        "signal": "lifecycle", "signal_text": CARBON_SIGNAL,
        "selection": f"{CARBON_DAY_UTC} UTC hours 00-23; theta = round(value / 1000, 6)",
        "files": files,
        "filled": bool(filled),
        "filled_hours": filled,
        "synthetic": False,
        "stand_in": bool(stand_in),
    }
    if stand_in:
        record["stand_in_dcs"] = stand_in
        record["stand_in_method"] = (
            "offline without the zone file: flat Google Cloud region grid intensity "
            "(datacenters.csv:google_grid_gco2_per_kwh / 1000, hard-coded in the recipe's datacenter_info), "
            "not the paper's hourly Electricity Maps values"
        )
        record["synthetic"] = len(stand_in) == len(SITES)
    return theta, record, stand_in


def _provenance(carbon: dict) -> dict:
    recipe = {"source": RECIPE, "synthetic": True, "filled": False}

    def synthetic(how: str) -> dict:
        return {**recipe, "method": how}

    def fixed(how: str) -> dict:
        return {"source": RECIPE, "synthetic": False, "filled": False, "method": how}

    return {
        "scenario": NAME,
        "built_utc": None,  # set by write_scenario from the inputs' dates (greenllm.provenance.build_time_utc)
        "builder": __name__,
        "recipe": RECIPE,
        "random_seed": SEED,
        "carbon_signal": {"signal": "lifecycle", "text": CARBON_SIGNAL},
        "stand_in": carbon["stand_in"],
        "stand_ins": [f"{SITES[j].dc_name}: carbon intensity = the flat Google Cloud region grid value (no "
                      f"Electricity Maps file for {SITES[j].zone_id})" for j in carbon.get("stand_in_dcs", [])],
        "series": {
            "dc_hour.carbon_kg_per_kwh": carbon,
            "dc_hour.price_usd_per_kwh": synthetic(
                "hard-coded state retail price (cents/kWh / 100) x synthetic time-of-use factor (1.8|1.2|0.7 + 0.2 r)"),
            "dc_hour.renewable_kw": synthetic(
                "U{50..99} kW x (triangular solar profile x Google CFE fraction + 0.5 x CFE x r)"),
            "dc_hour.grid_cap_kw": synthetic("U{4000..4999}"),
            "dc_hour.wue_l_per_kwh": synthetic("0.5 + 0.5 r"),
            "dc_hour.ewif_l_per_kwh": synthetic("0.1 + 0.5 r"),
            "demand.queries": synthetic(
                "hourly pattern x 1.1 (March) x max(N(1, 0.05), 0.8) x population multiplier x type factor, "
                "scaled to 500..1200"),
            "demand.token_size_kb": synthetic("0.003 + 0.002 r"),
            "datacenters.pue": synthetic("1.0 + 0.4 r"),
            "datacenters.carbon_tax_usd_per_kg": fixed("50 $/t x hard-coded regional factor / 1000"),
            "datacenters.cfe_fraction": fixed("hard-coded Google Cloud region CFE fractions"),
            "datacenters.base_price_usd_per_kwh": fixed("hard-coded state retail prices"),
            "query_types.tokens_in": fixed("hard-coded"),
            "query_types.tokens_out": fixed("hard-coded"),
            "query_types.energy_in_kwh_per_token": synthetic("(20 + 20 r) J / 3.6e6"),
            "query_types.energy_out_kwh_per_token": synthetic("(50 + 50 r) J / 3.6e6"),
            "query_types.delay_penalty_usd_per_s": fixed("10000 / total queries x {10, 12, 6, 4, 1.5}"),
            "dc_type.proc_delay_s_per_token": synthetic("round(base_v x U(0.9, 1.1), 6)"),
            "dc_resource.capacity": synthetic("U{40000..49999}"),
            "type_resource.use_per_token": synthetic("per resource: a + 0.0005 r (cpu, gpu) or 0.01 + 0.005 r"),
            "area_dc.rtt_s": synthetic("hard-coded off-diagonal RTT matrix (resembles, but is not, the authors' "
                                       "Mar 2025 ping data); synthetic diagonal U(0.001, 0.009)"),
            "area_dc.bandwidth_mbps": synthetic("3000 x (1 - 0.1 |reg(i) - reg(j)|) x (0.7 + 0.6 r), floor 100"),
            "area_type.delay_max_s": synthetic("round(base x U(1.0, 1.5), 2)"),
            "scalars.water_budget_l": synthetic("U(5000, 6000)"),
        },
    }


def raw_files(raw_root: str | os.PathLike | None = None, **_options) -> list[Path]:
    """The raw-cache files a build reads (absolute, present or not): the Electricity Maps zone file of each site."""
    from greenllm.data.build import raw_root_path

    return [electricitymaps.zone_path(site.zone_id, CARBON_YEAR, raw_root_path(raw_root)) for site in SITES]


def build(
    out_dir: str | os.PathLike,
    *,
    raw_root: str | os.PathLike | None = None,
    offline: bool = False,
) -> Path:
    """Write the paper_v1 scenario folder (with provenance.json) to ``out_dir``; returns it."""
    from greenllm.inputs import write_scenario

    theta, carbon, stand_in = carbon_intensity(raw_root=raw_root, offline=offline)
    if stand_in:
        zones = ", ".join(SITES[j].zone_id for j in stand_in)
        where = cache.resolve_raw_root(raw_root) / electricitymaps.RAW_SUBDIR
        messages.warn(
            f"{NAME}: offline and no cached Electricity Maps file for {zones}; using the flagged stand-in "
            f"carbon intensity (flat Google region grid values) for {len(stand_in)} of {len(SITES)} data centres. "
            f"The result is NOT the paper's base case. Place <ZONE>_{CARBON_YEAR}_hourly.csv in {where} "
            "(or build online) to use the real values.")
    tables, scalars = generate(theta)
    # full precision: the authors' files are written so, and the recipe's arithmetic is correctly rounded
    return write_scenario(out_dir, tables, scalars, provenance=_provenance(carbon), full_precision=True)
