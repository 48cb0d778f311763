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
import functools
import json
from dataclasses import dataclass
from pathlib import Path

from greenllm import messages
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


def provenance_options(folder: str | Path) -> dict:
    """The model options a scenario folder's ``provenance.json`` asks for (``model_options``), type-checked; {}
    when it names none. Read once per file version (a year of daily windows asks thousands of times)."""
    path = Path(folder) / "provenance.json"
    try:
        info = path.stat()
    except OSError:
        return {}
    return dict(_provenance_options(str(path), info.st_mtime_ns, info.st_size))


@functools.lru_cache(maxsize=16)
def _provenance_options(path: str, mtime_ns: int, size: int) -> dict:
    """:func:`provenance_options` of one version (path, modification time, size) of a provenance.json."""
    try:
        prov = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}
    if isinstance(prov, dict) and isinstance(prov.get("model_options"), dict):
        return check_options(prov["model_options"], f"{path}, model_options")
    return {}


def add_option_arguments(parser, *, formulation: bool = True) -> None:
    """Add the model-option flags (``--formulation``, ``--grid-within-load/--no-grid-within-load``, ``--slo``) to an
    argparse parser; each defaults to None (not given)."""
    import argparse

    if formulation:
        parser.add_argument("--formulation", choices=FORMULATION_NAMES, default=None,
                            help="model: the paper's (default), per_query (per-query latency and hardware; see"
                                 " docs/per_query.md) or serving (fleet scale, serving operating points;"
                                 " docs/serving.md)")
    parser.add_argument("--grid-within-load", action=argparse.BooleanOptionalAction, default=None,
                        help="bound grid power by the facility load (default: off, unless the scenario folder's"
                             " provenance.json asks for it)")
    parser.add_argument("--slo", choices=SLO_RULES, default=None,
                        help="per_query SLO without type_slo.csv: mlperf (catalogue TTFT/TPOT, default) or"
                             " delay_max_s")


def options_from_args(args, scenario, *, announce: bool = False) -> ModelOptions:
    """The model options of a command: the flags given (``add_option_arguments``), else what the scenario folder
    asks for (:func:`default_options_for`), else the defaults: command line (the pipeline passes the config's
    ``scenarios.NAME.model`` as flags) > the folder's provenance.json (and deprecated scalars.json) > defaults.
    ``announce``: say in one stderr info line which options came from the folder's provenance.json."""
    given = {"formulation": getattr(args, "formulation", None), "grid_within_load": args.grid_within_load,
             "per_query_slo": args.slo}
    given = {k: v for k, v in given.items() if v is not None}
    if scenario is None:
        return ModelOptions(**given)
    base = default_options_for(scenario)
    if announce:
        folder = scenario if isinstance(scenario, (str, Path)) else scenario.path
        from_folder = {k: v for k, v in provenance_options(folder).items() if k not in given} if folder else {}
        if from_folder:
            said = ", ".join(f"{k}={json.dumps(v)}" for k, v in from_folder.items())
            messages.info(f"model options {said} from {Path(folder) / 'provenance.json'} (the command line "
                          "overrides them)")
    return dataclasses.replace(base, **given)


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
    fields = provenance_options(folder) if folder is not None else {}
    old = deprecated_scalars(scalars if isinstance(scalars, dict) else {}, where)
    if old and where not in _warned:
        _warned.add(where)
        messages.warn(f"{where}: fields {', '.join(old)} are deprecated model options; pass them as options"
                      " (greenllm solve --formulation/--grid-within-load/--slo) instead")
    fields.update(old)
    return ModelOptions(**fields)
