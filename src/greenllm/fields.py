"""Every number a scenario folder holds: its file, unit and allowed range, in one table (``docs/inputs.md``).

:data:`FIELDS` is the single declaration that loading enforces, whichever way the numbers arrive: the CSV columns
(``greenllm.inputs``, with line numbers), the arrays of a :class:`~greenllm.inputs.Scenario` after ``--scale`` or
from the binary cache (:func:`check_arrays`), and ``scalars.json``. The ranges are far wider than any real input
(the largest value of the bundled folders is at least 100 times below each maximum) but keep every LP coefficient
well below 1e20, which HiGHS reads as infinity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from greenllm.errors import InputError


@dataclass(frozen=True)
class Field:
    """One number of the scenario format: ``minimum <= value <= maximum`` (``minimum < value`` if ``exclusive``)."""

    file: str
    unit: str
    minimum: float
    maximum: float
    exclusive: bool = False  # the minimum itself is not allowed (value must be above it)
    doc: str = ""

    def describe_range(self) -> str:
        low = f"> {self.minimum:g}" if self.exclusive else f">= {self.minimum:g}"
        return f"{low} and <= {self.maximum:g}"


FIELDS: dict[str, Field] = {
    # datacenters.csv
    "pue": Field("datacenters.csv", "-", 1.0, 10.0, doc="power usage effectiveness PUE_j"),
    "carbon_tax_usd_per_kg": Field("datacenters.csv", "$/kg CO2e", 0.0, 100.0, doc="carbon tax delta_j"),
    # query_types.csv
    "tokens_in": Field("query_types.csv", "tokens/query", 0.0, 1e7, doc="input tokens h_k"),
    "tokens_out": Field("query_types.csv", "tokens/query", 0.0, 1e7, doc="output tokens f_k"),
    "energy_in_kwh_per_token": Field("query_types.csv", "kWh/token", 0.0, 1.0, doc="tau_in_k"),
    "energy_out_kwh_per_token": Field("query_types.csv", "kWh/token", 0.0, 1.0, doc="tau_out_k"),
    "delay_penalty_usd_per_s": Field("query_types.csv", "$/s", 0.0, 1e6, doc="delay penalty rho_k"),
    # pairs
    "proc_delay_s_per_token": Field("dc_type.csv", "s/token", 0.0, 1e3, doc="processing delay v_jk"),
    "capacity": Field("dc_resource.csv", "units/slot", 0.0, 1e15, doc="resource capacity C_rj"),
    "use_per_token": Field("type_resource.csv", "units/token", 0.0, 1e6, doc="resource use alpha_kr"),
    "rtt_s": Field("area_dc.csv", "s", 0.0, 1e3, doc="round-trip time d_ij"),
    "bandwidth_mbps": Field("area_dc.csv", "Mbit/s", 0.0, 1e9, exclusive=True, doc="bandwidth B_ij"),
    "delay_max_s": Field("area_type.csv", "s", 0.0, 1e12, doc="delay cap Delta_ik"),
    # demand.csv
    "queries": Field("demand.csv", "queries/slot", 0.0, 1e12, doc="demand lambda_ikt"),
    "token_size_kb": Field("demand.csv", "KB/token", 0.0, 1e6, doc="token size beta_ikt"),
    # dc_hour.csv
    "price_usd_per_kwh": Field("dc_hour.csv", "$/kWh", -1e3, 1e3, doc="electricity price c_jt (may be negative)"),
    "carbon_kg_per_kwh": Field("dc_hour.csv", "kg CO2e/kWh", 0.0, 10.0, doc="carbon intensity theta_jt"),
    "renewable_kw": Field("dc_hour.csv", "kW", 0.0, 1e12, doc="on-site renewable power P^w_jt"),
    "grid_cap_kw": Field("dc_hour.csv", "kW", 0.0, 1e12, doc="grid cap P^max_jt"),
    "wue_l_per_kwh": Field("dc_hour.csv", "L/kWh", 0.0, 1e3, doc="on-site water use effectiveness"),
    "ewif_l_per_kwh": Field("dc_hour.csv", "L/kWh", 0.0, 1e3, doc="off-site energy water intensity factor"),
    # scalars.json
    "water_budget_l": Field("scalars.json", "L/day", 0.0, 1e15, doc="daily water budget Z"),
    # optional per-query files (docs/per_query.md)
    "count": Field("dc_hardware.csv", "accelerators", 0.0, 1e9, exclusive=True, doc="accelerators installed"),
    "utilisation_cap": Field("dc_hardware.csv", "-", 0.0, 1.0, exclusive=True, doc="busy share allowed"),
    "slo_s": Field("type_slo.csv", "s", 0.0, 1e6, exclusive=True, doc="per-query latency SLO"),
}

SCALABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "price": ("price_usd_per_kwh",),
    "carbon": ("carbon_kg_per_kwh",),  # intensity only; the carbon tax is unchanged
    "renewable": ("renewable_kw",),
    "demand": ("queries",),
    "energy_per_token": ("energy_in_kwh_per_token", "energy_out_kwh_per_token"),
    "delay_penalty": ("delay_penalty_usd_per_s",),
    "water_budget": ("water_budget_l",),
}
"""Fields that ``Scenario.scaled`` (and ``greenllm solve --scale FIELD=FACTOR``) can multiply: scale name -> the
fields it multiplies. Here rather than in :mod:`greenllm.inputs` so the command line names them without pandas."""

LP_MAGNITUDE_LIMIT = 1e15
"""Largest |coefficient|, bound or cost the LP may hold; HiGHS reads 1e20 and above as infinity, and a model whose
numbers span more than about 1e15 is beyond double precision's reach anyway."""


def plural(count: int, noun: str) -> str:
    """'1 row', '3 rows'."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def violations(name: str, values: np.ndarray) -> list[tuple[np.ndarray, str]]:
    """[(mask, what is wrong)] for the values of field ``name`` that are not finite, below or above its range
    (only the kinds that occur)."""
    spec = FIELDS[name]
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    with np.errstate(invalid="ignore"):
        low = finite & ((values <= spec.minimum) if spec.exclusive else (values < spec.minimum))
        high = finite & (values > spec.maximum)
    if spec.minimum == 0 and not spec.exclusive:
        low_why = "negative"
    else:
        low_why = f"{'not above' if spec.exclusive else 'below'} the minimum {spec.minimum:g} [{spec.unit}]"
    kinds = [(~finite, "not finite"), (low, low_why), (high, f"above the maximum {spec.maximum:g} [{spec.unit}]")]
    return [(mask, why) for mask, why in kinds if mask.any()]


def out_of_range(name: str, values: np.ndarray) -> np.ndarray:
    """Mask of the values outside the range of field ``name`` (non-finite included)."""
    mask = np.zeros(np.shape(values), dtype=bool)
    for bad, _ in violations(name, values):
        mask |= bad
    return mask


def count_is(count: int, what: str, noun: str = "row") -> str:
    """'1 row is negative', '2 rows are negative'."""
    return f"{plural(count, noun)} {'is' if count == 1 else 'are'} {what}"


def check_number(where: str, name: str, value) -> float:
    """A JSON/CLI number of field ``name``: a real number (not a bool or string) within its range, else InputError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{where}, field {name!r}: {value!r} is not a number")
    try:
        number = float(value)
    except OverflowError:
        raise InputError(f"{where}, field {name!r}: {value} is above the maximum {FIELDS[name].maximum:g}"
                         f" [{FIELDS[name].unit}]") from None
    for _, why in violations(name, np.array([number])):
        raise InputError(f"{where}, field {name!r}: {value!r} is {why}")
    return number


def check_arrays(scenario, where: str) -> None:
    """Every array of ``scenario`` against its range in :data:`FIELDS` (e.g. after ``--scale`` or a cache read)."""
    for name in FIELDS:
        if not hasattr(scenario, name):
            continue
        for bad, why in violations(name, getattr(scenario, name)):
            spec = FIELDS[name]
            kind = "field" if spec.file.endswith(".json") else "column"
            raise InputError(f"{where}, {spec.file} {kind} {name!r}: {count_is(int(bad.sum()), why, 'value')}"
                             f" (allowed: {spec.describe_range()})")


# The axes of every array of a Scenario (shapes checked by check_scenario).
AXES = {
    **{name: "jt" for name in ("price_usd_per_kwh", "carbon_kg_per_kwh", "renewable_kw", "grid_cap_kw",
                               "wue_l_per_kwh", "ewif_l_per_kwh")},
    "pue": "j", "carbon_tax_usd_per_kg": "j",
    **{name: "k" for name in ("tokens_in", "tokens_out", "energy_in_kwh_per_token", "energy_out_kwh_per_token",
                              "delay_penalty_usd_per_s")},
    "proc_delay_s_per_token": "jk", "capacity": "jr", "use_per_token": "kr", "rtt_s": "ij", "bandwidth_mbps": "ij",
    "delay_max_s": "ik", "queries": "ikt", "token_size_kb": "ikt",
}


def check_scenario(s, where: str) -> None:
    """The value rules of :func:`greenllm.inputs.load_scenario` on a Scenario that did not come from CSV files (e.g.
    the binary cache): non-empty axes, every array float64 in its shape, every value within its range in
    :data:`greenllm.fields.FIELDS`, a valid water budget. InputError naming ``where`` otherwise."""
    sizes = {"i": s.n_areas, "j": s.n_dcs, "k": s.n_types, "r": s.n_resources,
             "t": np.shape(s.price_usd_per_kwh)[-1] if np.ndim(s.price_usd_per_kwh) == 2 else 0}
    empty = [axis for axis, n in sizes.items() if n < 1]
    if empty:
        raise InputError(f"{where}: empty axis {', '.join(empty)} (every index set needs at least one element)")
    for name, axes in AXES.items():
        array = getattr(s, name)
        shape = tuple(sizes[a] for a in axes)
        if not isinstance(array, np.ndarray) or array.dtype != np.float64 or array.shape != shape:
            got = f"{array.dtype} {array.shape}" if isinstance(array, np.ndarray) else type(array).__name__
            raise InputError(f"{where}, {name}: expected float64 of shape {shape} ({axes}), got {got}")
    check_arrays(s, where)
    check_number(where, "water_budget_l", s.water_budget_l)
