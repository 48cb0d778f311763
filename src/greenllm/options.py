"""Model options: the switches that change the LP, set on the command line or in the config, never in the data.

:class:`ModelOptions` says which formulation is solved, whether grid power is bounded by the facility load, and
where per-query latency SLOs come from. Every solve record carries them (``Result.to_dict()["model"]``).

Scenario folders written before the options existed carry them as ``scalars.json`` fields ``formulation``,
``grid_within_load`` and ``per_query_slo``. They are still read, type-checked, with a one-line deprecation warning
on stderr; explicit options override them (:func:`default_options_for`). A folder's ``provenance.json`` may name
the options its builder meant it for (``model_options``), e.g. the real-data builders ask for grid_within_load.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from greenllm.errors import InputError

FORMULATION_NAMES = ("paper", "per_query", "serving")
SLO_RULES = ("mlperf", "delay_max_s")
DEPRECATED_SCALARS = ("formulation", "grid_within_load", "per_query_slo")  # scalars.json fields read for one release
SLO_ALIASES = {"model": "mlperf"}  # the earlier name of the catalogue (MLPerf TTFT/TPOT) rule


@dataclass(frozen=True)
class ModelOptions:
    """Which model is solved.

    formulation: ``paper`` (arXiv 2507.09942) or ``per_query`` (docs/per_query.md).
    grid_within_load: also bound grid power by the facility load, 0 <= PUE_j P^c_jt - P^g_jt (needed when prices
        can be negative; the paper's (7) bounds it from below only).
    per_query_slo: per-query latency SLO when a folder has no type_slo.csv: ``mlperf`` (the catalogue model's
        MLPerf TTFT + (f - 1) TPOT limits) or ``delay_max_s`` (area_type.csv read as seconds per query).
    """

    formulation: str = "paper"
    grid_within_load: bool = False
    per_query_slo: str = "mlperf"

    def __post_init__(self) -> None:
        check_options(dataclasses.asdict(self), "model options")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def check_options(fields: dict, where: str) -> dict:
    """Type-check option values (``where`` names their origin in the message); returns them, aliases resolved."""
    out = dict(fields)
    for name, choices in (("formulation", FORMULATION_NAMES), ("per_query_slo", SLO_RULES)):
        if name in out and not isinstance(out[name], str):  # e.g. a list or number: not even hashable
            raise InputError(f"{where}, field {name!r}: {out[name]!r} is not one of {', '.join(choices)}")
    if "formulation" in out and out["formulation"] not in FORMULATION_NAMES:
        raise InputError(f"{where}, field 'formulation': {out['formulation']!r} is not one of"
                         f" {', '.join(FORMULATION_NAMES)}")
    if "grid_within_load" in out and not isinstance(out["grid_within_load"], bool):
        raise InputError(f"{where}, field 'grid_within_load': {out['grid_within_load']!r} is not true or false")
    if "per_query_slo" in out:
        out["per_query_slo"] = SLO_ALIASES.get(out["per_query_slo"], out["per_query_slo"])
        if out["per_query_slo"] not in SLO_RULES:
            raise InputError(f"{where}, field 'per_query_slo': {out['per_query_slo']!r} is not one of"
                             f" {', '.join(SLO_RULES)}")
    return out


def deprecated_scalars(scalars: dict, where: str) -> dict:
    """The deprecated option fields of a ``scalars.json`` dict, type-checked (InputError naming the field)."""
    return check_options({k: scalars[k] for k in DEPRECATED_SCALARS if k in (scalars or {})}, where)


_warned: set[str] = set()


def default_options_for(scenario) -> ModelOptions:
    """The options a scenario folder (path) or :class:`~greenllm.inputs.Scenario` asks for when none are given:
    its ``provenance.json`` ``model_options``, overridden by deprecated ``scalars.json`` fields (warned once per
    folder on stderr), else the defaults of :class:`ModelOptions`."""
    if isinstance(scenario, (str, Path)):
        folder = Path(scenario)
        try:
            scalars = json.loads((folder / "scalars.json").read_text())
        except (OSError, ValueError):
            scalars = {}
    else:
        folder = Path(scenario.path) if scenario.path is not None else None
        scalars = scenario.scalars or {}
    where = f"{folder / 'scalars.json'}" if folder is not None else "scalars.json"
    fields = {}
    if folder is not None:
        try:
            prov = json.loads((folder / "provenance.json").read_text())
        except (OSError, ValueError):
            prov = {}
        if isinstance(prov, dict) and isinstance(prov.get("model_options"), dict):
            fields.update(check_options(prov["model_options"], f"{folder / 'provenance.json'}, model_options"))
    old = deprecated_scalars(scalars if isinstance(scalars, dict) else {}, where)
    if old and where not in _warned:
        _warned.add(where)
        print(f"warning: {where}: fields {', '.join(old)} are deprecated model options; pass them as options"
              " (greenllm solve --formulation/--grid-within-load/--slo) instead", file=sys.stderr)
    fields.update(old)
    return ModelOptions(**fields)
