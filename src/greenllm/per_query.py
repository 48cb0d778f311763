"""The per-query formulation: physically consistent latency, hardware-dependent energy and accelerator capacity.

Where the paper (arXiv 2507.09942, July 2025) sums a delay measure over all queries of an hour, divides kilobytes by
megabits per second and gives every data centre the same hardware, this formulation (docs/per_query.md) models one
query on route (area i -> data centre j, type k) in hour t:

    latency_ijkt = rtt_ij + token_size_kb_ikt (h_k + f_k) * 0.008 Mbit/kB / bandwidth_mbps_ij      [s]
                 + h_k / prefill_tokens_per_s(j, k) + f_k / stream_tokens_per_s(j, k)

with the throughput of the accelerator installed at j serving the model of type k (config/hardware.yaml). Routes
whose latency exceeds the SLO of (i, k), or whose hardware has no profile for the model, or that carry no demand,
get no variable at all (pruning). Then, per served share x_ijkt of lambda_ikt queries:

* delay cost      rho_k lambda_ikt latency_ijkt x_ijkt                                   [$ = $/(query s) x query s]
* busy time       lambda x r (h / prefill + f / decode)   accelerator-seconds, r = accelerators per replica
* energy          lambda x (h e_prefill + f e_decode - idle_w x busy) / 3.6e6            [kWh, above idle]
* provisioning    a_jt accelerators switched on (continuous; or whole servers: a MILP), with
                  busy_jt <= utilisation_cap_j x 3600 s x a_jt  and  a_jt <= installed_j;
                  they draw idle_w each all hour: idle_w a_jt x 3600 s / 3.6e6 kWh
* power balance   PUE_j (dynamic + idle) <= grid_kw_jt + renewable_kw_jt, grid cap, water budget as in the paper.

Optional scenario files (validated here; see docs/per_query.md): ``dc_hardware.csv`` (dc, accelerator, count
[, utilisation_cap]) and ``type_slo.csv`` (type, model, slo_s). Without them the defaults of config/hardware.yaml
apply and the solution's ``notes`` say so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.errors import InfeasibleError, InputError
from greenllm.hardware import Catalogue, load_catalogue
from greenllm.inputs import FileSpec, Scenario, _check_present_and_numeric, _describe_rows, _validate_with_pandera
from greenllm.model import INF, LinearProgram, _RowBuilder

log = logging.getLogger("greenllm")

J_PER_KWH = 3.6e6  # joules per kilowatt-hour (SI definition)
S_PER_HOUR = 3600.0  # seconds per one-hour slot
MEGABITS_PER_KB = 8.0 / 1000.0  # 1 kB = 8000 bit = 0.008 Mbit (decimal prefixes, as bandwidth_mbps)

SLO_SCALAR = "per_query_slo"  # scalars.json: where per-query SLOs come from when type_slo.csv is absent
SLO_RULES = ("model", "delay_max_s")  # the catalogue model's TTFT/TPOT limits (default), or area_type delay_max_s

OPTIONAL_FILES = {
    "dc_hardware": (FileSpec(("dc",), {"count": 0.0}, strictly_positive=("count",),
                             doc="accelerator type and number installed per data centre"), "accelerator"),
    "type_slo": (FileSpec(("type",), {"slo_s": 0.0}, strictly_positive=("slo_s",),
                          doc="model size class and per-query latency SLO per query type"), "model"),
}


# --------------------------------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------------------------------


@dataclass
class PerQueryInputs:
    """What the per-query model needs beyond the paper's scenario format.

    accelerator_j / count_j: accelerator type and number installed at each data centre
    utilisation_cap_j: share of an accelerator-hour that may be busy [-]
    model_k: model size class serving each query type; slo_s_ik: per-query latency limit [s]
    """

    accelerator_j: list[str]
    count_j: np.ndarray
    utilisation_cap_j: np.ndarray
    model_k: list[str]
    slo_s_ik: np.ndarray
    catalogue: Catalogue
    notes: list[str] = field(default_factory=list)


def _read_optional(folder: Path, stem: str, n_ids: int, catalogue: Catalogue) -> pd.DataFrame | None:
    path = folder / f"{stem}.csv"
    if not path.is_file():
        return None
    spec, name_column = OPTIONAL_FILES[stem]
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: not a readable CSV file ({err})") from None
    extra = {"utilisation_cap": 0.0} if stem == "dc_hardware" and "utilisation_cap" in frame.columns else {}
    spec = FileSpec(spec.keys, {**spec.values, **extra}, spec.strictly_positive, spec.doc)
    _check_present_and_numeric(path, frame, spec)
    if name_column not in frame.columns:
        raise InputError(f"{path}: missing column {name_column!r} (found: {', '.join(frame.columns)})")
    frame = _validate_with_pandera(path, frame, spec)
    key = spec.keys[0]
    ids = frame[key].to_numpy()
    outside = np.flatnonzero(ids >= n_ids)
    if outside.size:
        raise InputError(f"{path}, column {key!r}: {len(outside)} rows name a {key} that does not exist"
                         f" (valid: 0..{n_ids - 1}; first: {_describe_rows(frame, outside, spec.keys, key)})")
    if len(frame) != n_ids:
        missing = sorted(set(range(n_ids)) - set(ids.tolist()))
        raise InputError(f"{path}: incomplete coverage: {len(frame)} rows for {n_ids} {key}s;"
                         f" missing e.g. {missing[:3]}")
    known = catalogue.accelerators if name_column == "accelerator" else catalogue.models
    names = frame[name_column].astype(str).str.strip()
    unknown = np.flatnonzero(~names.isin(list(known)).to_numpy())
    if unknown.size:
        raise InputError(f"{path}, column {name_column!r}: {len(unknown)} rows name an {name_column} that is not in"
                         f" {catalogue.path} (known: {', '.join(known)}; first:"
                         f" {_describe_rows(frame, unknown, spec.keys, name_column)})")
    if "utilisation_cap" in frame.columns:
        over = np.flatnonzero((frame["utilisation_cap"].to_numpy() > 1) | (frame["utilisation_cap"].to_numpy() <= 0))
        if over.size:
            raise InputError(f"{path}, column 'utilisation_cap': {len(over)} rows outside (0, 1]"
                             f" (first: {_describe_rows(frame, over, spec.keys, 'utilisation_cap')})")
    frame = frame.assign(**{name_column: names}).sort_values(key, ignore_index=True)
    return frame


def load_inputs(s: Scenario, catalogue: Catalogue | None = None) -> PerQueryInputs:
    """The per-query inputs of scenario ``s``: its optional files when present, else the catalogue's defaults."""
    catalogue = catalogue or load_catalogue()
    d = catalogue.defaults
    notes = []
    folder = Path(s.path) if s.path is not None else None
    hardware = _read_optional(folder, "dc_hardware", s.n_dcs, catalogue) if folder else None
    if hardware is None:
        accelerator_j = [d["accelerator"]] * s.n_dcs
        count_j = np.full(s.n_dcs, float(d["accelerators_per_dc"]))
        cap_j = np.full(s.n_dcs, float(d["utilisation_cap"]))
        notes.append(f"dc_hardware.csv absent: every data centre gets {d['accelerators_per_dc']} x {d['accelerator']}"
                     f" at utilisation cap {d['utilisation_cap']} (defaults of {catalogue.path})")
    else:
        accelerator_j = hardware["accelerator"].tolist()
        count_j = hardware["count"].to_numpy(float)
        cap_j = (hardware["utilisation_cap"].to_numpy(float) if "utilisation_cap" in hardware.columns
                 else np.full(s.n_dcs, float(d["utilisation_cap"])))
    slo = _read_optional(folder, "type_slo", s.n_types, catalogue) if folder else None
    slo_rule = (s.scalars or {}).get(SLO_SCALAR, "model")
    if slo_rule not in SLO_RULES:
        where = Path(s.path) / "scalars.json" if s.path is not None else "scalars.json"
        raise InputError(f"{where}, field {SLO_SCALAR!r}: {slo_rule!r} is not one of {', '.join(SLO_RULES)}")
    if slo is None:
        model_k = [d["model"]] * s.n_types
        if slo_rule == "delay_max_s":
            slo_s_ik = s.delay_max_s.copy()
            why = "the scenario's delay_max_s (area_type.csv) read as seconds per query (scalars.json per_query_slo)"
        else:
            slo_s_ik = np.broadcast_to(
                np.array([catalogue.slo_s(d["model"], f) for f in s.tokens_out])[None, :], (s.n_areas, s.n_types)
            ).copy()
            ttft_s, tpot_s = catalogue.model_slo_s[d["model"]]
            why = (f"{d['model']}'s SLO in {catalogue.path}: TTFT {ttft_s:g} s + (output tokens - 1) x TPOT"
                   f" {tpot_s:g} s")
        notes.append(f"type_slo.csv absent: every type is served by {d['model']} and its per-query SLO is {why}")
    else:
        model_k = slo["model"].tolist()
        slo_s_ik = np.broadcast_to(slo["slo_s"].to_numpy(float)[None, :], (s.n_areas, s.n_types)).copy()
    unsourced = catalogue.unsourced_in_use(accelerator_j, model_k)
    if unsourced:
        notes.append("unsourced catalogue numbers in use: " + ", ".join(unsourced))
    return PerQueryInputs(accelerator_j, count_j, cap_j, model_k, slo_s_ik, catalogue, notes)


# --------------------------------------------------------------------------------------------------------------------
# Per-query quantities, vectorised over routes
# --------------------------------------------------------------------------------------------------------------------


@dataclass
class DcTypeTable:
    """Per (data centre j, type k) quantities of ONE query [j, k]; ``servable`` False where no profile exists."""

    servable: np.ndarray
    compute_latency_s: np.ndarray  # prefill + decode as the user sees it [s]
    busy_accelerator_s: np.ndarray  # accelerator-seconds of capacity used [s]
    dynamic_energy_j: np.ndarray  # energy above the idle draw of the busy accelerators [J]


def dc_type_table(s: Scenario, inputs: PerQueryInputs) -> DcTypeTable:
    n_j, n_k = s.n_dcs, s.n_types
    rates = np.full((n_j, n_k, 6), np.nan)  # prefill, decode, stream, e_prefill, e_decode, replica
    for accelerator in set(inputs.accelerator_j):
        rows = [j for j, a in enumerate(inputs.accelerator_j) if a == accelerator]
        for model in set(inputs.model_k):
            p = inputs.catalogue.profile(accelerator, model)
            if p is None:
                continue
            cols = [k for k, m in enumerate(inputs.model_k) if m == model]
            rates[np.ix_(rows, cols)] = (p.prefill_tokens_per_s, p.decode_tokens_per_s, p.stream_tokens_per_s,
                                        p.energy_j_per_prefill_token, p.energy_j_per_decode_token,
                                        p.accelerators_per_replica)
    servable = ~np.isnan(rates[..., 0])
    r = np.where(servable[..., None], rates, 1.0)
    h, f = s.tokens_in[None, :], s.tokens_out[None, :]
    prefill_s = h / r[..., 0]  # inf rate (prefill folded into decode) gives 0 s
    compute_latency = np.where(servable, prefill_s + f / r[..., 2], np.inf)
    busy = np.where(servable, r[..., 5] * (prefill_s + f / r[..., 1]), 0.0)
    idle_w = np.array([inputs.catalogue.accelerators[a].idle_w for a in inputs.accelerator_j])
    energy = h * r[..., 3] + f * r[..., 4]
    dynamic = np.where(servable, np.maximum(0.0, energy - idle_w[:, None] * busy), 0.0)
    return DcTypeTable(servable, compute_latency, busy, dynamic)


def route_latency_s(s: Scenario, inputs: PerQueryInputs, table: DcTypeTable | None = None) -> np.ndarray:
    """Per-query latency [s] of every route, shape [i, j, k, t]; inf where j cannot serve k."""
    table = table or dc_type_table(s, inputs)
    megabits_ikt = s.token_size_kb * (s.tokens_in + s.tokens_out)[None, :, None] * MEGABITS_PER_KB
    latency = megabits_ikt[:, None, :, :] / s.bandwidth_mbps[:, :, None, None]
    latency += s.rtt_s[:, :, None, None]
    latency += table.compute_latency_s[None, :, :, None]
    return latency


def route_mask(s: Scenario, inputs: PerQueryInputs, latency: np.ndarray | None = None) -> np.ndarray:
    """True for routes that get a variable: servable, within the SLO of (i, k) and carrying demand, [i, j, k, t]."""
    latency = route_latency_s(s, inputs) if latency is None else latency
    return (latency <= inputs.slo_s_ik[:, None, :, None]) & (s.queries[:, None, :, :] > 0)


def _check_every_demand_has_a_route(s: Scenario, inputs: PerQueryInputs, latency, mask) -> None:
    stranded = (s.queries > 0) & ~mask.any(axis=1)
    if not stranded.any():
        return
    i, k, t = (int(v[0]) for v in np.nonzero(stranded))
    best_j = int(np.argmin(latency[i, :, k, t]))
    best = latency[i, best_j, k, t]
    why = (f"the fastest route, to {s.dc_names[best_j]}, takes {best:.3g} s" if np.isfinite(best)
           else f"no data centre has hardware with a profile for model {inputs.model_k[k]}")
    raise InfeasibleError(
        f"infeasible: the latency SLO (per-query formulation): {int(stranded.sum())} (area, type, hour) demands have no"
        f" route within their SLO; first: {s.area_names[i]}, {s.type_names[k]}, hour {t}: SLO {inputs.slo_s_ik[i, k]:g}"
        f" s but {why}")


# --------------------------------------------------------------------------------------------------------------------
# The formulation
# --------------------------------------------------------------------------------------------------------------------


@dataclass
class PerQueryFormulation:
    """Per-query latency, hardware energy and accelerator capacity; ``integer`` makes provisioning whole servers.

    ``tie_break``: after the scheme's stages, minimise facility energy drawn plus grid energy bought [kWh] among the
    solutions whose scheme objective is optimal. Without it, accelerators whose idle draw on-site renewables cover
    cost nothing, so the solver may switch on any number of them (and spend their water) at the same objective.
    """

    inputs: PerQueryInputs
    integer: bool = False
    tie_break: bool = True
    name: str = field(default="per_query", init=False)

    @classmethod
    def for_scenario(cls, s: Scenario, catalogue: Catalogue | None = None, integer: bool = False,
                     tie_break: bool = True):
        if s is None:
            raise InputError("the per_query formulation needs a scenario to read its hardware and SLO inputs from")
        f = cls(load_inputs(s, catalogue), integer=integer, tie_break=tie_break)
        for note in f.inputs.notes:
            log.info("per_query: %s", note)
        return f

    @property
    def notes(self) -> list[str]:
        return list(self.inputs.notes) + (["integer provisioning: whole servers (MILP, HiGHS)"] if self.integer else [])

    def units_per_column(self) -> np.ndarray:
        """Accelerators per provisioning column of each data centre: 1 (LP) or accelerators per server (MILP)."""
        if not self.integer:
            return np.ones(len(self.inputs.accelerator_j))
        return np.array([float(self.inputs.catalogue.accelerators[a].accelerators_per_server)
                         for a in self.inputs.accelerator_j])

    def build_lp(self, s: Scenario) -> LinearProgram:
        inputs = self.inputs
        n_i, n_j, n_k, n_t = s.n_areas, s.n_dcs, s.n_types, s.n_hours
        shape_x = (n_i, n_j, n_k, n_t)
        table = dc_type_table(s, inputs)
        latency = route_latency_s(s, inputs, table)
        mask = route_mask(s, inputs, latency)
        _check_every_demand_has_a_route(s, inputs, latency, mask)
        kept = np.flatnonzero(mask.ravel())
        i, j, k, t = np.unravel_index(kept, shape_x)
        n_x, n_jt = len(kept), n_j * n_t
        queries = s.queries[i, k, t]
        x_col = np.arange(n_x)
        grid_col = n_x + np.arange(n_jt)
        prov_col = n_x + n_jt + np.arange(n_jt)
        jt = j * n_t + t
        units = self.units_per_column()  # accelerators per provisioning column
        idle_kw = np.array([inputs.catalogue.accelerators[a].idle_w for a in inputs.accelerator_j]) / 1000.0
        j_of_jt = np.repeat(np.arange(n_j), n_t)
        idle_kwh_per_col = (idle_kw * units)[j_of_jt]  # kWh drawn in the one-hour slot by one provisioning column
        compute_kwh = queries * table.dynamic_energy_j[j, k] / J_PER_KWH
        rows = _RowBuilder()

        # Power balance: PUE_j (sum dynamic + idle) - P^g_jt <= P^w_jt   [kW; one-hour slots]
        facility_x_kwh = s.pue[j] * compute_kwh  # facility energy per share column [kWh]
        facility_prov_kwh = s.pue[j_of_jt] * idle_kwh_per_col  # and per provisioning column
        rows.add("power_balance",
                 np.concatenate([jt, np.arange(n_jt), np.arange(n_jt)]),
                 np.concatenate([x_col, grid_col, prov_col]),
                 np.concatenate([facility_x_kwh, -np.ones(n_jt), facility_prov_kwh]),
                 lower=np.full(n_jt, -INF), upper=s.renewable_kw.ravel())

        # Accelerator capacity: busy accelerator-seconds <= cap_j x 3600 s x accelerators provisioned
        rows.add("accelerators",
                 np.concatenate([jt, np.arange(n_jt)]),
                 np.concatenate([x_col, prov_col]),
                 np.concatenate([queries * table.busy_accelerator_s[j, k],
                                 -(inputs.utilisation_cap_j * S_PER_HOUR * units)[j_of_jt]]),
                 lower=np.full(n_jt, -INF), upper=np.zeros(n_jt))

        # Water budget over the horizon: sum (WUE + EWIF PUE) x computing energy <= Z   [L]
        water_per_kwh = (s.wue_l_per_kwh + s.ewif_l_per_kwh * s.pue[:, None]).ravel()
        water_x = compute_kwh * water_per_kwh[jt]
        water_prov = idle_kwh_per_col * water_per_kwh
        rows.add("water_budget", np.zeros(n_x + n_jt, dtype=np.int64), np.concatenate([x_col, prov_col]),
                 np.concatenate([water_x, water_prov]), lower=np.array([-INF]), upper=np.array([s.water_budget_l]))

        # Full service: sum over kept routes x = 1 for every (i, k, t) with demand
        service_row = (i * n_k + k) * n_t + t
        demand_rows = (s.queries.ravel() > 0).astype(float)
        rows.add("full_service", service_row, x_col, np.ones(n_x), lower=demand_rows, upper=demand_rows)

        start, index, value, row_lower, row_upper = rows.pack()
        n_cols = n_x + 2 * n_jt
        energy = np.zeros(n_cols)
        energy[grid_col] = s.price_usd_per_kwh.ravel()
        carbon = np.zeros(n_cols)
        carbon[grid_col] = (s.carbon_tax_usd_per_kg[:, None] * s.carbon_kg_per_kwh).ravel()
        delay = np.zeros(n_cols)
        delay[:n_x] = s.delay_penalty_usd_per_s[k] * queries * latency.ravel()[kept]
        water_l = np.zeros(n_cols)
        water_l[:n_x] = water_x
        water_l[prov_col] = water_prov
        # Tie-break objective [kWh]: facility energy drawn, PUE x (computing above idle + idle draw), plus grid energy
        # bought (so the grid does not drift above what the load needs when that costs nothing).
        tie_kwh = np.zeros(n_cols)
        tie_kwh[:n_x] = facility_x_kwh
        tie_kwh[prov_col] = facility_prov_kwh
        tie_kwh[grid_col] = 1.0
        installed = inputs.count_j / units
        if self.integer:
            installed = np.floor(installed + 1e-9)
            empty = np.flatnonzero(installed < 1)
            if empty.size:
                j0 = int(empty[0])
                raise InputError(
                    f"integer provisioning: {s.dc_names[j0]} has {inputs.count_j[j0]:g} {inputs.accelerator_j[j0]}, "
                    f"less than one server of {units[j0]:g}")
        col_lower = np.zeros(n_cols)
        col_upper = np.concatenate([np.ones(n_x), s.grid_cap_kw.ravel(), installed[j_of_jt]])
        integrality = None
        if self.integer:
            integrality = np.zeros(n_cols, dtype=bool)
            integrality[prov_col] = True
        return LinearProgram(
            n_cols=n_cols, col_lower=col_lower, col_upper=col_upper,
            row_start=start, row_index=index, row_value=value, row_lower=row_lower, row_upper=row_upper,
            families=rows.families, costs={"energy": energy, "carbon": carbon, "delay": delay},
            water_l=water_l, shape_x=shape_x, shape_grid=(n_j, n_t), x_index=kept,
            extra_cols={"servers" if self.integer else "accelerators": (n_x + n_jt, (n_j, n_t))},
            integrality=integrality,
            tie_break=("facility_plus_grid_kwh", tie_kwh) if self.tie_break else None,
        )

    def describe_solution(self, s: Scenario, lp: LinearProgram, values: np.ndarray, extras: dict) -> dict:
        """Extras of a solved result: the inputs (for the verifier), provisioned accelerators and a JSON summary."""
        units = self.units_per_column()
        if self.integer:
            extras["accelerators"] = extras["servers"] * units[:, None]
            extras["accelerators_per_server"] = units
        extras["inputs"] = self.inputs
        x, _ = lp.split(values)
        latency = route_latency_s(s, self.inputs)
        served = x * s.queries[:, None, :, :]
        weights = served[np.isfinite(latency)]
        lat = latency[np.isfinite(latency)]
        total = weights.sum()
        mean = float((weights * lat).sum() / total) if total > 0 else float("nan")
        order = np.argsort(lat)
        cum = np.cumsum(weights[order])
        p95 = float(lat[order][np.searchsorted(cum, 0.95 * cum[-1])]) if total > 0 else float("nan")
        extras["summary"] = {
            "notes": self.notes,
            "routes_kept": int(lp.n_x),
            "routes_total": int(np.prod(lp.shape_x)),
            "accelerator_hours": float(extras["accelerators"].sum()),
            "latency_mean_s": mean,
            "latency_p95_s": p95,
        }
        return extras


# --------------------------------------------------------------------------------------------------------------------
# Tidy tables for figures (docs/per_query.md lists them)
# --------------------------------------------------------------------------------------------------------------------


def latency_table(s: Scenario, x: np.ndarray, inputs: PerQueryInputs, threshold: float = 1e-9) -> pd.DataFrame:
    """Per-query latency [s] of every route in use under allocation ``x`` (any formulation), with its SLO [s] and the
    queries it carries (weights for a distribution)."""
    latency = route_latency_s(s, inputs)
    served = x * s.queries[:, None, :, :]
    i, j, k, t = np.nonzero(served > threshold)
    slo = inputs.slo_s_ik[i, k]
    return pd.DataFrame({
        "hour": t, "area": i, "dc": j, "type": k, "type_name": np.asarray(s.type_names, dtype=object)[k],
        "accelerator": np.asarray(inputs.accelerator_j, dtype=object)[j],
        "queries": served[i, j, k, t], "latency_s": latency[i, j, k, t], "slo_s": slo,
        "within_slo": latency[i, j, k, t] <= slo,
    })


def physical_costs(s: Scenario, x: np.ndarray, inputs: PerQueryInputs) -> dict:
    """Cost an allocation ``x`` (e.g. a paper-formulation solution) under the per-query physics.

    Provisions the fewest accelerators the load needs under the utilisation cap and buys from the grid whatever
    on-site renewables do not cover. Returns $ components, kg, L, query-seconds and the excess over each limit
    (0 when the allocation fits): ``capacity_excess_accelerators``, ``grid_excess_kw``, ``water_excess_l``,
    ``slo_violating_queries``, ``unservable_queries``.
    """
    from greenllm.verify import recompute_per_query

    base = recompute_per_query(s, inputs, x, np.zeros((s.n_dcs, s.n_hours)))
    grid_kw = np.maximum(0.0, base["facility_kw_jt"] - s.renewable_kw)
    q = recompute_per_query(s, inputs, x, grid_kw, base["accelerators_jt"])
    over_slo = q["latency_s"] > inputs.slo_s_ik[:, None, :, None]
    out = {name: q[name] for name in ("energy_usd", "carbon_usd", "delay_usd", "emissions_kg", "water_l",
                                      "query_seconds", "unservable_queries")}
    out["total_usd"] = out["energy_usd"] + out["carbon_usd"] + out["delay_usd"]
    out["accelerator_hours"] = float(q["accelerators_jt"].sum())
    out["capacity_excess_accelerators"] = float(np.maximum(0.0, q["accelerators_jt"] - inputs.count_j[:, None]).sum())
    out["grid_excess_kw"] = float(np.maximum(0.0, grid_kw - s.grid_cap_kw).sum())
    out["water_excess_l"] = max(0.0, q["water_l"] - s.water_budget_l)
    out["slo_violating_queries"] = float((q["served_ijkt"] * over_slo).sum())
    return out


def _summary_row(s: Scenario, x: np.ndarray, inputs: PerQueryInputs, **labels) -> dict:
    lat = latency_table(s, x, inputs)
    row = dict(labels)
    row.update(physical_costs(s, x, inputs))
    w = lat["queries"].to_numpy()
    v = lat["latency_s"].to_numpy()
    finite = np.isfinite(v)
    order = np.argsort(v[finite])
    cum = np.cumsum(w[finite][order])
    row["latency_mean_s"] = float((w[finite] * v[finite]).sum() / w[finite].sum()) if w[finite].sum() else np.nan
    row["latency_p95_s"] = float(v[finite][order][np.searchsorted(cum, 0.95 * cum[-1])]) if len(cum) else np.nan
    row["share_within_slo"] = float(w[lat["within_slo"].to_numpy()].sum() / w.sum()) if w.sum() else np.nan
    return row


def compare_formulations(s: Scenario, scheme: str = "weighted", *, weights=(1 / 3, 1 / 3, 1 / 3), order=None,
                         tolerance: float = 1e-3, solver: str = "highs", inputs: PerQueryInputs | None = None,
                         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Paper vs per-query formulation on the same scenario and scheme.

    Returns (summary, latency): one summary row per formulation with its own optimum (``native_*_usd``) and both
    allocations costed under the per-query physics (``*_usd``, ``emissions_kg``, ``water_l``, latency statistics);
    and the per-route latency table of both (column ``formulation``) for a latency distribution figure.
    """
    from greenllm.solve import solve

    inputs = inputs or load_inputs(s)
    kwargs = dict(weights=weights if scheme == "weighted" else None, order=order, tolerance=tolerance, solver=solver)
    rows, tables = [], []
    for name, formulation in (("paper", None), ("per_query", PerQueryFormulation(inputs))):
        result = solve(s, scheme, formulation=formulation or "paper", **kwargs)
        row = _summary_row(s, result.x, inputs, formulation=name, scheme=scheme)
        row.update({f"native_{c}_usd": v for c, v in result.costs.items()})
        row["native_water_l"] = result.water_l
        row["native_emissions_kg"] = result.emissions_kg
        rows.append(row)
        tables.append(latency_table(s, result.x, inputs).assign(formulation=name, scheme=scheme))
    return pd.DataFrame(rows), pd.concat(tables, ignore_index=True)


def with_hardware(inputs: PerQueryInputs, accelerator_j, count_j=None) -> PerQueryInputs:
    """A copy of ``inputs`` with another hardware mix (one accelerator name per data centre, or one for all)."""
    n = len(inputs.accelerator_j)
    names = [accelerator_j] * n if isinstance(accelerator_j, str) else list(accelerator_j)
    unknown = [a for a in names if a not in inputs.catalogue.accelerators]
    if unknown or len(names) != n:
        raise InputError(f"hardware mix: expected {n} accelerator names from {list(inputs.catalogue.accelerators)},"
                         f" got {names}")
    counts = inputs.count_j if count_j is None else np.broadcast_to(np.asarray(count_j, float), (n,)).copy()
    return PerQueryInputs(names, counts, inputs.utilisation_cap_j, inputs.model_k, inputs.slo_s_ik,
                          inputs.catalogue, [f"hardware mix: {', '.join(names)}"])


def hardware_mix(s: Scenario, mixes: dict, scheme: str = "weighted", *, weights=(1 / 3, 1 / 3, 1 / 3), order=None,
                 tolerance: float = 1e-3, solver: str = "highs", integer: bool = False,
                 inputs: PerQueryInputs | None = None) -> pd.DataFrame:
    """One per-query solve per hardware mix ``{label: accelerator name or list per dc}``; tidy rows with costs [$],
    emissions [kg], water [L], accelerator-hours and latency statistics, or ``status='infeasible'`` and the reason."""
    from greenllm.solve import solve

    base = inputs or load_inputs(s)
    rows = []
    for label, mix in mixes.items():
        inputs = with_hardware(base, mix)
        try:
            result = solve(s, scheme, weights=weights if scheme == "weighted" else None, order=order,
                           tolerance=tolerance, solver=solver,
                           formulation=PerQueryFormulation(inputs, integer=integer))
        except InfeasibleError as err:
            rows.append({"mix": label, "status": "infeasible", "reason": str(err)})
            continue
        row = _summary_row(s, result.x, inputs, mix=label, status=result.status)
        row.update({f"native_{c}_usd": v for c, v in result.costs.items()})
        row["provisioned_accelerator_hours"] = float(result.extras["accelerators"].sum())
        rows.append(row)
    return pd.DataFrame(rows)


def provisioning(s: Scenario, result) -> pd.DataFrame:
    """Per (hour, dc): accelerators provisioned and installed, busy accelerator-seconds and utilisation [-]."""
    inputs = result.extras["inputs"]
    from greenllm.verify import recompute_per_query

    q = recompute_per_query(s, inputs, result.x, result.grid_kw, result.extras["accelerators"])
    j, t = np.indices((s.n_dcs, s.n_hours))
    prov = result.extras["accelerators"]
    busy = q["busy_accelerator_s_jt"]
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(prov > 0, busy / (prov * S_PER_HOUR), 0.0)
    return pd.DataFrame({
        "hour": t.ravel(), "dc": j.ravel(), "accelerator": np.asarray(inputs.accelerator_j, dtype=object)[j.ravel()],
        "installed": inputs.count_j[j.ravel()], "provisioned": prov.ravel(), "busy_accelerator_s": busy.ravel(),
        "utilisation": util.ravel(), "grid_kw": result.grid_kw.ravel(),
    }).sort_values(["hour", "dc"], ignore_index=True)
