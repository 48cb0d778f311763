"""The serving experiment as solve points: each solve (or group of quick ones) is a row of the pipeline's point table,
run in its own cached job, and :func:`assemble` turns the records and side tables of those jobs into the tables the
notebook writes.

Point sets (kind ``serving``; :func:`point_rows`), each row carrying the fleet options it is solved with:

    serving_policies   the baselines (rules, no LP; also the spatial-shifting bounds), then one row per optimised
                       scheme (whole replicas, tie-break stage): the policies table, the per-query and validation
                       rows of each policy (side tables), and at the configured demand the scale sweep's row
    serving_fronts     one row per (objective, latency measure): the epsilon-constraint points on the LP relaxation,
                       between the values of ``min_latency`` and of the objective's own scheme, read from the records
                       of ``serving_policies`` (so a front needs no re-solve of either)
    serving_scale      one row per demand of the scale sweep other than the configured one
    serving_prefill    the policies again at each prefill utilisation other than the configured one
    serving_slo        one row per scheme of the SLO table: the scheme with every pair allowed (the scheme with the
                       SLO is the policies row)

What repeats is solved once: the configured prefill utilisation and demand are the policies rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.errors import InputError
from greenllm.serving import baselines, validation as vx
from greenllm.serving import experiments as fx
from greenllm.serving.catalogue import load_serving
from greenllm.serving.fleet import FleetOptions
from greenllm.serving.lp import SCHEMES, FleetSolver

SLO_SCHEMES = ("min_emissions", "min_cost")
"""The schemes of the SLO table."""
TASKS = ("baselines", "scheme", "front", "scale", "slo")
JOB_MIP_TIME_LIMIT_S = 300.0
"""Wall-time limit of a whole-replica branch and cut in a solve job [s] (the solver's default is 20 s): where the
rounding needs one (the scale sweep's smallest demand), it stops at its relative gap (1e-3) within seconds on a quiet
machine, but a job on a loaded one gets a fraction of a core and must not fail for that."""
POINT_SETS = ("serving_policies", "serving_fronts", "serving_scale", "serving_prefill", "serving_slo")


def fleet_options(section: Mapping) -> FleetOptions:
    """FleetOptions from the configuration's ``serving`` section (or a point's ``fleet``); other keys are ignored."""
    return FleetOptions.from_mapping(section)


def _fleet_dict(options: FleetOptions) -> dict:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(options).items()}


def configured_prefill_utilisation(options: FleetOptions) -> float:
    """The prefill FLOP utilisation the options run at [-] (None in the options: the catalogue's)."""
    if options.prefill_utilisation is not None:
        return float(options.prefill_utilisation)
    return float(load_serving().prefill_utilisation)


def point_rows(section: Mapping, point_set: str, *, anchors: Sequence[str] = ()) -> list[dict]:
    """The rows of one serving point set from the configuration's ``serving`` section; ``anchors``: the records files
    of ``serving_policies`` (the fronts read ``min_latency`` and each objective's scheme from them)."""
    options = fleet_options(section)
    fleet = _fleet_dict(options)

    def policy_rows(at: dict, **extra) -> list[dict]:
        return [{"kind": "serving", "task": "baselines", "fleet": at, **extra}] + [
            {"kind": "serving", "task": "scheme", "scheme": name, "fleet": at, **extra} for name in SCHEMES]

    if point_set == "serving_policies":
        return policy_rows(fleet, tables=True)
    if point_set == "serving_fronts":
        return [{"kind": "serving", "task": "front", "objective": objective, "measure": measure,
                 "points": int(section["front_points"]), "fleet": fleet, "anchors": list(anchors)}
                for objective in fx.FRONT_OBJECTIVES for measure in fx.LATENCY_MEASURES]
    if point_set == "serving_scale":
        return [{"kind": "serving", "task": "scale", "scheme": fx.SCALE_SCHEME,
                 "fleet": {**fleet, "queries_per_day": float(q)}} for q in section["scales"]
                if float(q) != options.queries_per_day]
    if point_set == "serving_prefill":
        configured = configured_prefill_utilisation(options)
        return [row for u in section["prefill_utilisations"] if float(u) != configured
                for row in policy_rows({**fleet, "prefill_utilisation": float(u)},
                                       labels={"prefill_utilisation": float(u)})]
    if point_set == "serving_slo":
        return [{"kind": "serving", "task": "slo", "scheme": name, "fleet": fleet} for name in SLO_SCHEMES]
    raise InputError(f"unknown serving point set {point_set!r}")


def run_point(scenario: str | Path, point: Mapping,
              anchors: pd.DataFrame | None = None) -> tuple[list[dict], dict[str, pd.DataFrame]]:
    """Solve one serving point on ``scenario``: its rows (flat dicts, one per record) and its side tables.
    ``anchors``: the policies table of ``serving_policies`` (a front point's ends)."""
    task = point["task"]
    if task not in TASKS:
        raise InputError(f"serving point, field 'task': {task!r} is not one of {', '.join(TASKS)}")
    fleet = fx.fleet_for(scenario, fleet_options(point["fleet"]))
    labels = dict(point.get("labels") or {})
    tables: dict[str, pd.DataFrame] = {}
    if task == "baselines":
        allocations = {name: fn(fleet) for name, fn in baselines.POLICIES.items()}
        rows = [{**fx.policy_row(fleet, name, "baseline", q), **labels} for name, q in allocations.items()]
        if point.get("tables"):
            tables = _validation_tables(fleet, allocations, "baseline", {})
            tables["spatial_shifting"] = vx.spatial_shifting(fleet)
        return rows, tables
    if task == "front":
        _check_anchors(anchors)
        front = fx.fronts(fleet, FleetSolver(fleet, relax=True), anchors, points=int(point["points"]),
                          objectives=(point["objective"],), measures=(point["measure"],))
        return front.to_dict("records"), {}
    name = point["scheme"]
    if task == "slo":
        return [fx.slo_free(fleet, name)], {}
    solver = FleetSolver(fleet, time_limit_s=JOB_MIP_TIME_LIMIT_S)
    q = solver.solve(fx.scheme_order(name))
    if task == "scale":
        return [fx.scale_row(fleet, name, q, solver)], {}
    row = {**fx.policy_row(fleet, name, "optimised", q, solver.replicas),
           "relaxation": solver.relaxed[SCHEMES[name][0]], "relaxation_gap": solver.mip_gaps.get(SCHEMES[name][0], 0.0),
           **labels}
    if point.get("tables"):
        tables = _validation_tables(fleet, {name: q}, "optimised", {name: solver.replicas})
        if name == fx.SCALE_SCHEME:  # the scale sweep's row at the configured demand is this solve
            tables["scale"] = pd.DataFrame([fx.scale_row(fleet, name, q, solver)])
    return [row], tables


def _validation_tables(fleet, allocations: dict, kind: str, replicas: dict) -> dict[str, pd.DataFrame]:
    kinds = dict.fromkeys(allocations, kind)
    compared = vx.validation(fleet, allocations, kinds, replicas)
    compared.insert(0, "comparison", np.arange(len(compared)) // len(allocations))  # to merge jobs in order
    return {"per_query": vx.per_query_table(fleet, allocations, kinds, replicas), "validation": compared}


def _check_anchors(table: pd.DataFrame | None) -> None:
    needed = {"min_latency", *(n for n, o in SCHEMES.items() if o[0] in fx.FRONT_OBJECTIVES)}
    missing = needed - set([] if table is None else table["policy"])
    if missing:
        raise InputError(f"serving front point, field 'anchors': no records of {', '.join(sorted(missing))}")


@dataclasses.dataclass
class ServingTables:
    """Every table of the serving experiment, assembled from the records and side tables of its solve jobs."""

    policies: pd.DataFrame
    margin: pd.DataFrame
    fronts: pd.DataFrame
    slo: pd.DataFrame
    gap: pd.DataFrame
    scale: pd.DataFrame
    prefill: pd.DataFrame
    per_query: pd.DataFrame
    validation: pd.DataFrame
    spatial_shifting: pd.DataFrame


def assemble(policies: pd.DataFrame, policy_tables: Sequence[str | Path], fronts: pd.DataFrame,
             scale: pd.DataFrame, prefill: pd.DataFrame, slo: pd.DataFrame, *, options: FleetOptions,
             prefill_utilisations: Sequence[float], scales: Sequence[float]) -> ServingTables:
    """The serving tables from the jobs' outputs: the records of each point set as frames
    (``greenllm.experiments.records.read_records``, in batch order) and the side-table folders of
    ``serving_policies``. The rows at the configured demand and prefill utilisation are the policies'."""

    def side(kind: str) -> pd.DataFrame:
        files = [Path(d) / f"{kind}.csv" for d in policy_tables if (Path(d) / f"{kind}.csv").exists()]
        return pd.concat([pd.read_csv(f) for f in files], ignore_index=True) if files else pd.DataFrame()

    validation = side("validation").sort_values("comparison", kind="stable").drop(columns="comparison")
    with_slo = policies.set_index("policy")
    slo = pd.DataFrame([fx.slo_row(r, with_slo.loc[r["scheme"], r["objective"]]) for r in slo.to_dict("records")])
    scale = pd.concat([scale, side("scale")], ignore_index=True).set_index("queries_per_day")
    scale = scale.loc[[float(q) for q in scales]].reset_index()
    configured = configured_prefill_utilisation(options)
    rows = []
    for u in prefill_utilisations:
        table = policies if float(u) == configured else prefill[prefill["prefill_utilisation"] == float(u)]
        rows += fx.prefill_rows(float(u), table.reset_index(drop=True))
    return ServingTables(
        policies=policies, margin=fx.best_baseline_margin(policies), fronts=fronts, slo=slo,
        gap=fx.relaxation_gaps(policies), scale=scale, prefill=pd.DataFrame(rows), per_query=side("per_query"),
        validation=validation.reset_index(drop=True), spatial_shifting=side("spatial_shifting"))
