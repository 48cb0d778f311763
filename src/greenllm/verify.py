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
    for name, limit in (bounds or {}).items():
        value = q["water_l"] if name == "water" else q[f"{name}_usd"]
        checks.append(_check(f"bound on {name}", value, limit, ""))
    return sorted(checks, key=lambda c: -c.worst_excess)


def verify_solution(s: Scenario, result, bounds: dict | None = None) -> dict:
    """Fail loudly if ``result`` violates any constraint or misreports a cost; return the recomputed quantities."""
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
