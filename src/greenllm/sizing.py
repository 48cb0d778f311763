"""Before building: is the LP of a scenario small enough for this machine, and are its numbers within reach?

:func:`check_size` estimates the LP from the scenario's dimensions alone (no array is allocated) and refuses, with
exit code 2, a model whose estimated peak memory exceeds the limit: ``--max-model-gb``, else the environment
variable ``GREENLLM_MAX_MODEL_GB``, else :data:`DEFAULT_MAX_MODEL_GB`. :func:`check_magnitudes` runs on the built LP
and names the constraint family and input fields of any coefficient, bound or cost beyond
:data:`greenllm.fields.LP_MAGNITUDE_LIMIT` (HiGHS reads 1e20 and above as infinity).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from greenllm.errors import InputError
from greenllm.fields import LP_MAGNITUDE_LIMIT
from greenllm.lp import LinearProgram

MAX_MODEL_ENV = "GREENLLM_MAX_MODEL_GB"
DEFAULT_MAX_MODEL_GB = 6.0
"""A quarter of a 24 GB machine: about 27 million nonzeros, 3.9 million routes with 3 resources. The largest
committed cases stay far below: the scaling benchmark's largest (paper n=100, 1.2 million routes) is 1.9 GB, a
24-hour window of the year study 0.02 GB."""
BYTES_PER_NONZERO = 220
"""Peak resident memory per nonzero of the constraint matrix, build and HiGHS solve together: measured 216 bytes
(paper formulation, 30 areas x 30 data centres x 5 types x 24 hours, 0.76 million nonzeros; 66 bytes for the build
alone at 8.4 million nonzeros)."""

# The input fields behind each constraint family and cost (for messages about extreme numbers).
FAMILY_FIELDS = {
    "power_balance": "queries, tokens_in/out, energy_*_kwh_per_token, pue, renewable_kw",
    "grid_within_load": "queries, tokens_in/out, energy_*_kwh_per_token, pue, renewable_kw",
    "resources": "queries, tokens_in/out, use_per_token, capacity",
    "water_budget": "queries, energy_*_kwh_per_token, wue_l_per_kwh, ewif_l_per_kwh, pue, water_budget_l",
    "full_service": "queries",
    "delay_cap": "queries, token_size_kb, tokens_in/out, bandwidth_mbps, rtt_s, proc_delay_s_per_token, delay_max_s",
    "accelerators": "queries, tokens_in/out, count",
    "bounds": "grid_cap_kw",
    "energy": "price_usd_per_kwh",
    "carbon": "carbon_kg_per_kwh, carbon_tax_usd_per_kg",
    "delay": "delay_penalty_usd_per_s, queries, token_size_kb, tokens_in/out, bandwidth_mbps, proc_delay_s_per_token",
}


@dataclass(frozen=True)
class ModelSize:
    """Upper estimates of the LP of a scenario."""

    routes: int  # areas x data centres x types x hours
    variables: int
    nonzeros: int
    bytes: int


def estimate(s) -> ModelSize:
    """The LP size of scenario ``s`` (either formulation; the per-query one prunes routes, so this bounds it)."""
    n_i, n_j, n_k, n_t, n_r = s.n_areas, s.n_dcs, s.n_types, s.n_hours, s.n_resources
    routes = n_i * n_j * n_k * n_t
    variables = routes + 2 * n_j * n_t
    # per route: power balance, water, full service, delay cap and one entry per resource; grid (and
    # provisioning) columns in the power-balance rows
    nonzeros = routes * (4 + n_r) + 2 * n_j * n_t
    return ModelSize(routes, variables, nonzeros, nonzeros * BYTES_PER_NONZERO)


def max_model_gb(given: float | None = None) -> float:
    """The limit: ``given`` (--max-model-gb), else ``$GREENLLM_MAX_MODEL_GB``, else the default."""
    if given is not None:
        value, where = given, "--max-model-gb"
    else:
        text = os.environ.get(MAX_MODEL_ENV, "").strip()
        if not text:
            return DEFAULT_MAX_MODEL_GB
        where = f"environment variable {MAX_MODEL_ENV}"
        try:
            value = float(text) if len(text) <= 40 else math.nan
        except ValueError:
            value = math.nan
        given = text
    if not (math.isfinite(value) and value > 0):
        raise InputError(f"{where}: {given!r} is not a number of gigabytes > 0")
    return float(value)


def check_size(s, limit_gb: float | None = None) -> ModelSize:
    """The estimate, or InputError naming the dimensions and the limit when it is above it."""
    size = estimate(s)
    limit = max_model_gb(limit_gb)
    if size.bytes > limit * 1e9:
        where = f"{s.path}: " if s.path is not None else ""
        raise InputError(
            f"{where}model too large: {s.n_areas} areas x {s.n_dcs} data centres x {s.n_types} query types x"
            f" {s.n_hours} hours ({s.n_resources} resources) = {size.routes:,} routes, about {size.variables:,}"
            f" variables and {size.nonzeros:,} nonzeros, an estimated {size.bytes / 1e9:.1f} GB of memory, above"
            f" the limit of {limit:g} GB (raise it with --max-model-gb or {MAX_MODEL_ENV}, or solve fewer hours"
            " at a time)")
    return size


def check_magnitudes(lp: LinearProgram, where: str = "") -> None:
    """InputError naming the family (and its input fields) of the largest finite number of the LP beyond
    :data:`~greenllm.fields.LP_MAGNITUDE_LIMIT`: the solver would read it as infinite or lose all precision."""
    worst: tuple[float, str] = (0.0, "")
    for family, (start, stop) in lp.families.items():
        lo, hi = lp.row_start[start], lp.row_start[stop]
        parts = [np.abs(lp.row_value[lo:hi]), np.abs(lp.row_lower[start:stop]), np.abs(lp.row_upper[start:stop])]
        biggest = max((float(np.max(p[np.isfinite(p)], initial=0.0)) for p in parts), default=0.0)
        worst = max(worst, (biggest, family))
    finite_upper = np.abs(lp.col_upper[np.isfinite(lp.col_upper)])
    worst = max(worst, (float(finite_upper.max(initial=0.0)), "bounds"))
    for name, cost in lp.costs.items():
        worst = max(worst, (float(np.abs(cost).max(initial=0.0)), name))
    value, family = worst
    if value > LP_MAGNITUDE_LIMIT or not math.isfinite(value):
        label = f"the {family} cost" if family in lp.costs else f"constraint family {family!r}"
        raise InputError(
            f"{where + ': ' if where else ''}numbers too extreme to solve: {label} holds {value:.3g}, beyond"
            f" {LP_MAGNITUDE_LIMIT:g} (a solver reads 1e20 as infinity); check the magnitudes of"
            f" {FAMILY_FIELDS.get(family, family)}")
