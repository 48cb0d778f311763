"""Experiments as data: the solve points of each experiment as rows of a table, and the runner of a batch of them.

:func:`point_table` turns the pipeline's configuration into the rows of one *point set* (the points one figure or
table needs, e.g. ``sweep-renewable``); each row is a JSON-able dict with its ``kind`` (``solve``, ``pareto``,
``formulations``, ``hardware_mix``, ``year``, ``scaling``, ``serving``) and what identifies it. The one generic Snakemake solve
rule runs a batch of rows (:func:`batches`, ``points_per_job``) with ``greenllm experiment run``, which calls
:func:`run_points` and writes one records file (:mod:`greenllm.experiments.records`) plus side tables.
:func:`model_options` is the single place where model options from the configuration become ``greenllm`` flags.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from greenllm.errors import InputError
from greenllm.experiments import extensions, paper
from greenllm.experiments.records import read_records, row_record, write_records, write_table
from greenllm.experiments.spec import fmt, order_key, weights_key
from greenllm.options import ModelOptions, default_options_for

TABLE_KINDS = ("hourly", "latency", "allocation")
"""Side tables a ``solve`` point can write (greenllm.results.hourly, query_latency, served per dc and hour)."""


def _specs(config: Mapping, names: Sequence[str]) -> dict[str, dict]:
    return {n: {"label": n, **config["schemes"][n]} for n in names}


def point_table(config: Mapping, point_set: str, scenario: str, *, months: Sequence[int] = (),
                anchors: Sequence[str] = ()) -> list[dict]:
    """The rows of one point set on ``scenario``. ``months``: the calendar months of a multi-day folder (the year);
    ``anchors``: records files with the energy- and carbon-only optima (the Pareto front), or the serving policies
    (the serving fronts)."""
    kind, _, variant = point_set.partition("-")
    if point_set == "schemes":
        names = config["base_case"] if scenario == config["base_scenario"] else config["real_data"]["schemes"]
        return [{"kind": "solve", "schemes": _specs(config, [n]), "tables": ["latency", "allocation"]} for n in names]
    if point_set == "weighted":
        return [{"kind": "solve", "schemes": {weights_key(w): {"scheme": "weighted", "weights": [float(v) for v in w],
                                                               "label": f"weights {weights_key(w)}"}},
                 "labels": {"w_energy": float(w[0]), "w_carbon": float(w[1]), "w_delay": float(w[2])}}
                for w in config["weighted_table"]]
    if point_set == "lexicographic":
        tolerance = float(config["tolerance"])
        return [{"kind": "solve", "schemes": {order_key(o): {"scheme": "lexicographic", "order": list(o),
                                                             "label": " > ".join(o)}},
                 "labels": {"order": order_key(o), "tolerance": tolerance}} for o in config["lexicographic_orders"]]
    if kind == "sweep":
        return [{"kind": "solve", "schemes": _specs(config, config["sweeps"]["schemes"]),
                 "scale": {variant: float(f)}, "labels": {"field": variant, "factor": float(f)}}
                for f in config["sweeps"]["factors"]]
    if point_set == "delay_levels":
        levels = config["delay_levels"]
        return [{"kind": "solve", "schemes": _specs(config, [levels["scheme"]]),
                 "scale": {"energy_per_token": float(f), "delay_penalty": float(r)},
                 "labels": {"field": "energy_per_token", "factor": float(f)}}
                for r in levels["delay_penalty_factors"] for f in levels["factors"]]
    if kind == "hourly":
        (figure,) = [f for f in config["hourly"]["figures"] if f["name"] == variant]
        return [{"kind": "solve", "schemes": _specs(config, config["hourly"]["schemes"]),
                 "scale": {figure["field"]: float(f)}, "labels": {"field": figure["field"], "factor": float(f)},
                 "tables": ["hourly"]} for f in figure["factors"]]
    if point_set == "tolerance":
        order = config["tolerance_sweep"]["order"]
        spec = {"LEX": {"scheme": "lexicographic", "order": list(order), "label": " > ".join(order)}}
        return [{"kind": "solve", "schemes": spec, "tolerance": float(t),
                 "labels": {"tolerance": float(t), "order": order_key(order)}}
                for t in config["tolerance_sweep"]["tolerances"]]
    if point_set == "water_budget":
        return [{"kind": "solve", "schemes": _specs(config, config["water"]["budget_schemes"]),
                 "scale": {"water_budget": float(f)}, "labels": {"field": "water_budget", "factor": float(f)}}
                for f in config["water"]["budget_factors"]]
    if point_set == "pareto":
        n = int(config["pareto"]["points"])
        return [{"kind": "pareto", "index": k, "points": n, "anchors": list(anchors)} for k in range(n)]
    if point_set == "formulations":
        return [{"kind": "formulations", "schemes": _specs(config, [n]), "tables": ["latency"]}
                for n in config["formulations"]["schemes"]]
    if point_set == "hardware_mix":
        section = config["hardware_mix"]
        return [{"kind": "hardware_mix", "mix": m["name"], "accelerators": list(m["accelerators"]),
                 "mix_label": m.get("label", m["name"]), "schemes": _specs(config, section["schemes"])}
                for m in section["mixes"]]
    if point_set == "year":
        # month by month, all modes of a month together: a mode that forecasts demand re-dispatches hours and costs
        # about three times another, so batches of whole months cost about the same
        section = config["year"]
        return [{"kind": "year", "schemes": _specs(config, [section["scheme"]]), "mode": mode, "month": int(m),
                 "formulation": section.get("formulation", "paper")}
                for m in months for mode in section.get("modes", ("perfect", "persistence"))]
    if point_set == "serving_year":
        return serving_year_points(config["serving_year"], months)
    if point_set == "deferrable":  # one point per month, and one per day of the joint-model check
        section, serving = config["serving_deferrable"], serving_parameters(config)
        shares = [float(d) for d in section["shares"]]
        rows = [{"kind": "deferrable", "month": int(m), "days_per_month": int(section["days_per_month"]),
                 "shares": shares, "deadline_h": int(section["deadline_h"]), "serving": serving} for m in months]
        return rows + [{"kind": "deferrable_gap", "day": int(d), "shares": [d for d in shares if d > 0],
                        "serving": serving} for d in section["gap_days"]]
    if point_set.startswith("serving_"):  # the serving model at fleet scale (greenllm.serving.jobs)
        from greenllm.serving.jobs import point_rows

        return point_rows(config["serving"], point_set, anchors=anchors)
    if point_set == "scaling":
        section = config["scaling"]
        return [{"kind": "scaling", "formulation": r["formulation"], "n": int(n), "scheme": section["scheme"]}
                for r in section["runs"] for n in r["sizes"]]
    raise InputError(f"unknown point set {point_set!r}")


SERVING_PARAMETERS = ("queries_per_day", "accelerators", "accelerators_per_site", "headroom", "power_cap_share",
                      "unprovisioned", "min_replicas", "prefill", "prefill_utilisation", "renewable_share",
                      "batch_limits", "tpot_statistic")
"""Keys of the configuration's ``serving`` section that are fleet options (greenllm.serving.fleet.FleetOptions)."""


def serving_parameters(config: Mapping) -> dict:
    """The fleet options of the configuration's ``serving`` section, as a point row carries them."""
    return {key: config["serving"][key] for key in SERVING_PARAMETERS}


def serving_year_points(section: Mapping, months: Sequence[int]) -> list[dict]:
    """Rows of the serving year (greenllm.serving.daily): per month, one row per scheme with perfect foresight on
    every day (the first also with the baselines; each with its whole-replica gap on the ``gap_days`` that fall in
    it), and one with the forecast modes on the month's forecast days (``forecast_days``: from day ``first`` every
    ``stride``-th day of the year), each scheme on the modes it applies to. Rows of about equal cost, so that
    ``points_per_job`` makes balanced jobs."""
    fleet = {k: section["fleet"][k] for k in SERVING_PARAMETERS if k in (section.get("fleet") or {})}
    common = {"kind": "serving_year", "schemes": list(section["schemes"]), "fleet": fleet,
              "sizing_stride_days": int(section.get("sizing_stride_days", 6))}
    forecast = [m for m in section["modes"] if m != "perfect"]
    days = section.get("forecast_days") or {}
    rows = []
    gap_days = [int(d) for d in section.get("gap_days", [])]
    for m in months:
        if "perfect" in section["modes"]:  # one row per scheme (balanced jobs), the baselines in the first
            rows += [{**common, "month": int(m), "modes": ["perfect"], "schemes": [scheme], "baselines": not k,
                      **({"gap_days": gap_days} if gap_days else {})} for k, scheme in enumerate(section["schemes"])]
        if forecast:
            rows.append({**common, "month": int(m), "modes": forecast, "baselines": False,
                         "days_first": int(days.get("first", 0)), "days_stride": int(days.get("stride", 1))})
    return rows


def batches(points: Sequence[dict], per_job: int) -> list[list[dict]]:
    """The points split into consecutive batches of at most ``per_job`` (one solve job each; 1 fans out fully)."""
    per_job = max(1, int(per_job))
    return [list(points[k * per_job:(k + 1) * per_job]) for k in range(math.ceil(len(points) / per_job))]


def model_options(config: Mapping, scenario: str | None = None) -> list[str]:
    """The ``greenllm experiment run`` flags that carry the solver, the lexicographic tolerance and the model options
    the configuration sets for ``scenario``.

    This is the one place where model options set in the configuration become command-line flags: the scenario's
    ``model:`` section (``scenarios.NAME.model``) gives ``--grid-within-load``/``--no-grid-within-load`` and
    ``--slo``; a key it does not set is left to the scenario folder (its provenance.json, else the defaults). The
    formulation is a property of each point (the formulations, hardware_mix and year experiments choose it).
    """
    flags = ["--solver", str(config["solver"]), "--tolerance", fmt(config["tolerance"])]
    model = ((config.get("scenarios") or {}).get(scenario) or {}).get("model") or {}
    if "grid_within_load" in model:
        flags.append("--grid-within-load" if model["grid_within_load"] else "--no-grid-within-load")
    if "per_query_slo" in model:
        flags += ["--slo", str(model["per_query_slo"])]
    return flags


def run_points(scenario: str | None, points: Sequence[Mapping], *, solver: str = "highs", tolerance: float = 1e-3,
               options: ModelOptions | None = None, tables_dir: str | Path | None = None) -> list[dict]:
    """Solve a batch of point rows with the model ``options`` (None: what the scenario folder asks for; a point's
    formulation overrides theirs); return their records and write side tables (``TABLE_KINDS``, and the per-route
    latency of ``formulations`` points) as ``tables_dir/KIND.csv``."""
    if options is None:
        options = default_options_for(scenario) if scenario is not None else ModelOptions()
    records, tables = [], {}
    for point in points:
        new, point_tables = _run_point(scenario, point, solver=solver, tolerance=tolerance, options=options)
        records += new
        for kind, frame in point_tables.items():
            tables.setdefault(kind, []).append(frame)
    if tables_dir is not None:
        Path(tables_dir).mkdir(parents=True, exist_ok=True)
        for kind, frames in tables.items():
            write_table(Path(tables_dir) / f"{kind}.csv", pd.concat(frames, ignore_index=True))
    return records


def _run_point(scenario, point: Mapping, *, solver: str, tolerance: float,
               options: ModelOptions) -> tuple[list[dict], dict]:
    kind = point["kind"]
    if kind == "solve":
        return _run_solve(scenario, point, solver=solver, tolerance=tolerance, options=options)
    if kind == "pareto":
        anchors = read_records(point["anchors"])
        return [paper.pareto_point(scenario, anchors, int(point["index"]), int(point["points"]), solver=solver,
                                   options=options)], {}
    if kind == "serving_year":
        return extensions.serving_year_point(scenario, point)
    if kind == "scaling":  # synthetic instances (greenllm.experiments.scale) with the default options
        frame = extensions.scaling({point["formulation"]: [int(point["n"])]}, point["scheme"])
        model = ModelOptions(formulation=point["formulation"]).to_dict()
        return [row_record(r, scheme=point["scheme"], model=model) for r in frame.to_dict("records")], {}
    if kind in ("deferrable", "deferrable_gap"):
        from greenllm.serving import deferrable

        frame, tables = deferrable.run_point(scenario, point)
        model = {**options.to_dict(), "formulation": "serving"}
        return [row_record(r, scheme="min_emissions", model=model, stand_ins=paper.scenario_stand_ins(scenario))
                for r in frame.to_dict("records")], tables
    flagged = paper.scenario_stand_ins(scenario)
    if kind == "serving":
        return _run_serving(scenario, point, flagged)
    schemes = point["schemes"]
    if kind == "formulations":
        frame, latency = extensions.formulation_comparison(scenario, list(schemes), specs=schemes, solver=solver,
                                                           tolerance=tolerance, options=options)
        model = options.to_dict()  # each row names its formulation
        tables = {"latency": latency} if not latency.empty else {}
    elif kind == "hardware_mix":
        frame = extensions.hardware_mixes(scenario, {point["mix"]: point["accelerators"]}, list(schemes),
                                          specs=schemes, labels={point["mix"]: point["mix_label"]}, solver=solver,
                                          tolerance=tolerance, options=options)
        model = {**options.to_dict(), "formulation": "per_query"}
        tables = {}
    elif kind == "year":
        (name,) = schemes
        frame = pd.DataFrame(extensions.year_windows(scenario, name, specs=schemes, modes=[point["mode"]],
                                                     month=point["month"], formulation=point["formulation"],
                                                     solver=solver, tolerance=tolerance, options=options))
        model = {**options.to_dict(), "formulation": point["formulation"]}
        tables = {}
    else:
        raise InputError(f"point of unknown kind {kind!r}")
    records = [row_record(r, scheme=r.get("scheme_kind") or schemes[r["scheme"]]["scheme"], model=model,
                          name=r.get("scheme"), label=r.get("label"), stand_ins=flagged)
               for r in frame.to_dict("records")]
    return records, tables


def _run_solve(scenario, point: Mapping, *, solver: str, tolerance: float,
               options: ModelOptions) -> tuple[list[dict], dict]:
    from greenllm import results as tables

    schemes, labels = point["schemes"], point.get("labels") or {}
    records, results, base = paper.solve_point(
        scenario, schemes, scale=point.get("scale"), bounds=point.get("bounds"), solver=solver,
        tolerance=float(point.get("tolerance", tolerance)), labels=labels, keep_results=True, options=options)
    makers = {
        "hourly": tables.hourly,
        "latency": tables.query_latency,
        "allocation": lambda s, r: paper.served_per_dc_hour(s, tables.allocation(s, r)),
    }
    out = {}
    for kind in point.get("tables", []):
        frames = [makers[kind](base, r).assign(scheme=name, label=schemes[name].get("label", name), **labels)
                  for name, r in results.items()]
        if frames:
            out[kind] = pd.concat(frames, ignore_index=True)
    return records, out


def _run_serving(scenario, point: Mapping, flagged) -> tuple[list[dict], dict]:
    from greenllm.serving.jobs import run_point

    anchors = read_records(point["anchors"]) if point.get("anchors") else None
    rows, tables = run_point(scenario, point, anchors)
    scheme = point.get("scheme", point["task"])
    return [row_record(r, scheme=scheme, model=point["fleet"], stand_ins=flagged) for r in rows], tables


def write_batch(out: str | Path, records: Sequence[Mapping]) -> None:
    """Write a batch's records file."""
    write_records(out, records)
