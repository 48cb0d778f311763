"""Independent re-check of a solution against the input tables, with plain numpy.

Nothing here reads the LP object: every constraint and cost is recomputed from the :class:`~greenllm.inputs.Scenario`
arrays and the solution (x, grid power), written out again from the equations of the paper. A violation beyond the
tolerance raises :class:`~greenllm.errors.VerificationError` naming the constraint and the worst offender.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from greenllm.errors import VerificationError
from greenllm.inputs import Scenario

REL_TOL = 1e-6
ABS_TOL = 1e-6
KB_OVER_MBPS_FLOOR = 0.001  # the paper divides by max(0.001, B_ij); restated here on purpose, not imported


@dataclass
class Check:
    name: str
    worst_excess: float
    where: str

    @property
    def ok(self) -> bool:
        return self.worst_excess <= 0


def _excess(lhs: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """How far lhs <= rhs is violated beyond the tolerance (<= 0 when it holds)."""
    return lhs - rhs - (ABS_TOL + REL_TOL * np.abs(rhs))


def _check(name: str, lhs, rhs, axes: str) -> Check:
    lhs, rhs = np.broadcast_arrays(np.asarray(lhs, float), np.asarray(rhs, float))
    excess = _excess(lhs, rhs)
    worst = np.unravel_index(int(np.argmax(excess)), excess.shape) if excess.size else ()
    where = ", ".join(f"{a} {w}" for a, w in zip(axes, worst, strict=False))
    value = float(excess[worst]) if excess.size else -1.0
    return Check(name, value, f"{where}: {float(lhs[worst]):.6g} vs limit {float(rhs[worst]):.6g}" if worst else "")


def _with_common_checks(checks: list[Check], s: Scenario, q: dict, grid_kw: np.ndarray, bounds) -> list[Check]:
    """Add the checks every formulation shares (grid within load, extra component bounds); worst offender first."""
    if s.scalars.get("grid_within_load"):  # see greenllm.model.limit_grid_to_load
        checks.append(_check("grid power <= facility load", grid_kw, q["facility_kw_jt"], "jt"))
    for name, limit in (bounds or {}).items():
        value = q["water_l"] if name == "water" else q[f"{name}_usd"]
        checks.append(_check(f"bound on {name}", value, limit, ""))
    return sorted(checks, key=lambda c: -c.worst_excess)


def recompute(s: Scenario, x: np.ndarray, grid_kw: np.ndarray) -> dict:
    """Every derived quantity of the paper's model, from the inputs and the solution [units in the keys]."""
    tokens_k = s.tokens_in + s.tokens_out
    energy_per_query_kwh = s.energy_in_kwh_per_token * s.tokens_in + s.energy_out_kwh_per_token * s.tokens_out
    served_ijkt = x * s.queries[:, None, :, :]  # queries of (i, k, t) served at j
    computing_kwh_jt = np.einsum("ijkt,k->jt", served_ijkt, energy_per_query_kwh)
    facility_kw_jt = s.pue[:, None] * computing_kwh_jt
    water_l = float(np.sum(s.wue_l_per_kwh * computing_kwh_jt + s.ewif_l_per_kwh * facility_kw_jt))
    resource_use_jrt = np.einsum("ijkt,kr->jrt", served_ijkt, s.use_per_token * tokens_k[:, None])
    bandwidth = np.maximum(KB_OVER_MBPS_FLOOR, s.bandwidth_mbps)
    transmission_ikt = np.einsum("ijkt,ij->ikt", x, 1.0 / bandwidth) * s.token_size_kb * s.queries * tokens_k[None, :, None]
    propagation_ikt = np.einsum("ijkt,ij->ikt", x, s.rtt_s)
    processing_ikt = np.einsum("ijkt,jk->ikt", served_ijkt, s.proc_delay_s_per_token * tokens_k[None, :])
    delay_ikt = transmission_ikt + propagation_ikt + processing_ikt
    return {
        "computing_kwh_jt": computing_kwh_jt,
        "facility_kw_jt": facility_kw_jt,
        "water_l": water_l,
        "resource_use_jrt": resource_use_jrt,
        "delay_s_ikt": delay_ikt,
        "energy_usd": float(np.sum(s.price_usd_per_kwh * grid_kw)),
        "carbon_usd": float(np.sum(s.carbon_tax_usd_per_kg[:, None] * s.carbon_kg_per_kwh * grid_kw)),
        "delay_usd": float(np.sum(s.delay_penalty_usd_per_s[None, :, None] * delay_ikt)),
        "emissions_kg": float(np.sum(s.carbon_kg_per_kwh * grid_kw)),
    }


def check_solution(s: Scenario, x: np.ndarray, grid_kw: np.ndarray, bounds: dict | None = None) -> list[Check]:
    """All constraint checks of the paper's LP (and any extra component bounds), worst offender first."""
    q = recompute(s, x, grid_kw)
    checks = [
        _check("share x >= 0", -x, 0.0, "ijkt"),
        _check("share x <= 1", x, 1.0, "ijkt"),
        _check("(12) full service sum_j x = 1", np.abs(x.sum(axis=1) - 1.0), 0.0, "ikt"),
        _check("grid power >= 0", -grid_kw, 0.0, "jt"),
        _check("(8) grid cap", grid_kw, s.grid_cap_kw, "jt"),
        _check("(7) power balance", q["facility_kw_jt"], grid_kw + s.renewable_kw, "jt"),
        _check("(11b) resources", q["resource_use_jrt"], s.capacity[:, :, None], "jrt"),
        _check("(10) water budget", q["water_l"], s.water_budget_l, ""),
        _check("(16) delay cap", q["delay_s_ikt"], s.delay_max_s[:, :, None], "ikt"),
    ]
    return _with_common_checks(checks, s, q, grid_kw, bounds)


def verify_solution(s: Scenario, result, bounds: dict | None = None) -> dict:
    """Fail loudly if ``result`` violates any constraint or misreports a cost; return the recomputed quantities."""
    if getattr(result, "formulation", "paper") == "per_query":
        return verify_per_query(s, result, bounds)
    failures = [c for c in check_solution(s, result.x, result.grid_kw, bounds) if not c.ok]
    if failures:
        detail = "; ".join(f"{c.name} violated by {c.worst_excess:.3g} at {c.where}" for c in failures[:3])
        raise VerificationError(f"verification failed ({result.solver}, {result.scheme}): {detail}")
    q = recompute(s, result.x, result.grid_kw)
    reported = {"energy": "energy_usd", "carbon": "carbon_usd", "delay": "delay_usd"}
    for name, key in reported.items():
        if not np.isclose(result.costs[name], q[key], rtol=REL_TOL, atol=ABS_TOL):
            raise VerificationError(
                f"verification failed: reported {name} cost {result.costs[name]!r} differs from the recomputed {q[key]!r}"
            )
    for name, value in (("water_l", result.water_l), ("emissions_kg", result.emissions_kg)):
        if not np.isclose(value, q[name], rtol=REL_TOL, atol=ABS_TOL):
            raise VerificationError(f"verification failed: reported {name} {value!r} differs from {q[name]!r}")
    return q


# --------------------------------------------------------------------------------------------------------------------
# The per-query formulation (greenllm.per_query), recomputed from the input tables and the hardware catalogue
# --------------------------------------------------------------------------------------------------------------------

J_PER_KWH = 3.6e6  # joules per kilowatt-hour; restated here on purpose, not imported from the builder
S_PER_HOUR = 3600.0  # seconds per one-hour slot
MEGABITS_PER_KB = 8.0 / 1000.0  # 1 kB = 8000 bits = 0.008 Mbit (decimal prefixes, as bandwidth_mbps)


def _per_dc_type(s: Scenario, inputs) -> dict[str, np.ndarray]:
    """Per (data centre j, type k) quantities of one query, from the catalogue numbers; NaN where j cannot serve k."""
    shape = (s.n_dcs, s.n_types)
    out = {name: np.full(shape, np.nan) for name in
           ("latency_compute_s", "busy_accelerator_s", "energy_j", "dynamic_energy_j")}
    for j, accelerator in enumerate(inputs.accelerator_j):
        idle_w = inputs.catalogue.accelerators[accelerator].idle_w
        for k, model in enumerate(inputs.model_k):
            p = inputs.catalogue.profile(accelerator, model)
            if p is None:
                continue
            h, f = s.tokens_in[k], s.tokens_out[k]
            prefill_s = 0.0 if np.isinf(p.prefill_tokens_per_s) else h / p.prefill_tokens_per_s
            out["latency_compute_s"][j, k] = prefill_s + f / p.stream_tokens_per_s
            busy = p.accelerators_per_replica * (prefill_s + f / p.decode_tokens_per_s)
            energy = h * p.energy_j_per_prefill_token + f * p.energy_j_per_decode_token
            out["busy_accelerator_s"][j, k] = busy
            out["energy_j"][j, k] = energy
            # measured energy includes the idle draw of the busy accelerators; the idle part is counted separately
            out["dynamic_energy_j"][j, k] = max(0.0, energy - idle_w * busy)
    return out


def per_query_latency(s: Scenario, inputs) -> np.ndarray:
    """Latency of one query on route (i, j, k) in hour t [s], shape [i, j, k, t]; inf where j cannot serve k.

    RTT + transfer (token_size_kb x (h + f) tokens, in megabits, over bandwidth_mbps) + prefill + decode.
    """
    q = _per_dc_type(s, inputs)
    tokens_k = s.tokens_in + s.tokens_out
    megabits_ikt = s.token_size_kb * tokens_k[None, :, None] * MEGABITS_PER_KB
    transfer = megabits_ikt[:, None, :, :] / s.bandwidth_mbps[:, :, None, None]
    compute = np.where(np.isnan(q["latency_compute_s"]), np.inf, q["latency_compute_s"])
    return s.rtt_s[:, :, None, None] + transfer + compute[None, :, :, None]


def recompute_per_query(s: Scenario, inputs, x: np.ndarray, grid_kw: np.ndarray,
                        accelerators: np.ndarray | None = None) -> dict:
    """Every derived quantity of the per-query model [units in the keys].

    ``accelerators[j, t]`` are the provisioned accelerators; None provisions the minimum the load needs under the
    utilisation cap (used to cost a given allocation, e.g. a paper-formulation solution).
    """
    q = _per_dc_type(s, inputs)
    served = x * s.queries[:, None, :, :]
    servable = ~np.isnan(q["energy_j"])
    unservable_queries = float(np.sum(served * ~servable[None, :, :, None]))
    busy = np.einsum("ijkt,jk->jt", served, np.nan_to_num(q["busy_accelerator_s"]))
    dynamic_j = np.einsum("ijkt,jk->jt", served, np.nan_to_num(q["dynamic_energy_j"]))
    cap = inputs.utilisation_cap_j[:, None]
    if accelerators is None:
        accelerators = busy / (cap * S_PER_HOUR)
    idle_w = np.array([inputs.catalogue.accelerators[a].idle_w for a in inputs.accelerator_j])
    computing_kwh = (dynamic_j + idle_w[:, None] * accelerators * S_PER_HOUR) / J_PER_KWH
    facility_kw = s.pue[:, None] * computing_kwh
    latency = per_query_latency(s, inputs)
    finite_latency = np.where(np.isinf(latency), 0.0, latency)
    query_seconds_ikt = np.einsum("ijkt,ijkt->ikt", served, finite_latency)
    return {
        "latency_s": latency,
        "served_ijkt": served,
        "unservable_queries": unservable_queries,
        "busy_accelerator_s_jt": busy,
        "accelerators_jt": accelerators,
        "computing_kwh_jt": computing_kwh,
        "facility_kw_jt": facility_kw,
        "water_l": float(np.sum((s.wue_l_per_kwh + s.ewif_l_per_kwh * s.pue[:, None]) * computing_kwh)),
        "query_seconds": float(query_seconds_ikt.sum()),
        "energy_usd": float(np.sum(s.price_usd_per_kwh * grid_kw)),
        "carbon_usd": float(np.sum(s.carbon_tax_usd_per_kg[:, None] * s.carbon_kg_per_kwh * grid_kw)),
        "delay_usd": float(np.einsum("ikt,k->", query_seconds_ikt, s.delay_penalty_usd_per_s)),
        "emissions_kg": float(np.sum(s.carbon_kg_per_kwh * grid_kw)),
    }


def check_per_query(s: Scenario, inputs, x: np.ndarray, grid_kw: np.ndarray, accelerators: np.ndarray,
                    bounds: dict | None = None, accelerators_per_server: np.ndarray | None = None) -> list[Check]:
    """All constraint checks of the per-query model, worst offender first.

    ``accelerators_per_server[j]`` given: provisioning is in whole servers (the MILP) and is checked for integrality.
    """
    q = recompute_per_query(s, inputs, x, grid_kw, accelerators)
    demand = s.queries
    slo = inputs.slo_s_ik[:, None, :, None]
    outside = (q["latency_s"] > slo) | (demand[:, None, :, :] <= 0)  # routes that must carry nothing
    installed = inputs.count_j[:, None]
    checks = [
        _check("share x >= 0", -x, 0.0, "ijkt"),
        _check("share x <= 1", x, 1.0, "ijkt"),
        _check("every query served: sum_j x lambda = lambda", np.abs(q["served_ijkt"].sum(axis=1) - demand), 0.0,
               "ikt"),
        _check("no traffic on routes over their latency SLO or unservable", np.where(outside, x, 0.0), 0.0, "ijkt"),
        _check("grid power >= 0", -grid_kw, 0.0, "jt"),
        _check("(8) grid cap", grid_kw, s.grid_cap_kw, "jt"),
        _check("power balance", q["facility_kw_jt"], grid_kw + s.renewable_kw, "jt"),
        _check("accelerator capacity", q["busy_accelerator_s_jt"],
               inputs.utilisation_cap_j[:, None] * S_PER_HOUR * accelerators, "jt"),
        _check("provisioned <= installed accelerators", accelerators, installed, "jt"),
        _check("provisioned >= 0", -accelerators, 0.0, "jt"),
        _check("water budget", q["water_l"], s.water_budget_l, ""),
    ]
    if accelerators_per_server is not None:
        servers = accelerators / accelerators_per_server[:, None]
        checks.append(_check("whole servers", np.abs(servers - np.round(servers)), 0.0, "jt"))
    return _with_common_checks(checks, s, q, grid_kw, bounds)


def verify_per_query(s: Scenario, result, bounds: dict | None = None) -> dict:
    """Fail loudly if a per-query ``result`` violates a constraint or misreports a cost; return the recomputation."""
    inputs = result.extras["inputs"]
    accelerators = result.extras["accelerators"]
    per_server = result.extras.get("accelerators_per_server")
    failures = [c for c in check_per_query(s, inputs, result.x, result.grid_kw, accelerators, bounds, per_server)
                if not c.ok]
    if failures:
        detail = "; ".join(f"{c.name} violated by {c.worst_excess:.3g} at {c.where}" for c in failures[:3])
        raise VerificationError(f"verification failed ({result.solver}, {result.scheme}, per_query): {detail}")
    q = recompute_per_query(s, inputs, result.x, result.grid_kw, accelerators)
    for name in ("energy", "carbon", "delay"):
        if not np.isclose(result.costs[name], q[f"{name}_usd"], rtol=REL_TOL, atol=ABS_TOL):
            raise VerificationError(f"verification failed: reported {name} cost {result.costs[name]!r} differs from the"
                                    f" recomputed {q[name + '_usd']!r}")
    for name, value in (("water_l", result.water_l), ("emissions_kg", result.emissions_kg)):
        if not np.isclose(value, q[name], rtol=REL_TOL, atol=ABS_TOL):
            raise VerificationError(f"verification failed: reported {name} {value!r} differs from {q[name]!r}")
    return q
