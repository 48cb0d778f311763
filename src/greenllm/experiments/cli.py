"""The ``greenllm experiment`` and ``greenllm year`` commands (registered by :mod:`greenllm.cli`).

    greenllm experiment run [--scenario DIR] --points JSON --out RECORDS.json [--tables DIR] [--solver S]
                            [--tolerance T] [--grid-within-load|--no-grid-within-load] [--slo RULE]
    greenllm year window DIR --day D --mode {perfect,forecast} --out RECORDS.json [...]
    greenllm year aggregate RECORDS.json ... --days-csv FILE [--monthly-csv FILE] [--summary-json FILE]

``experiment run`` solves a batch of point rows (:mod:`greenllm.experiments.points`) and writes their records;
the pipeline's one generic solve rule calls it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from greenllm.arguments import check_output_dir, parse_non_negative, parse_weights
from greenllm.errors import InputError
from greenllm.options import add_option_arguments, options_from_args


def register(subparsers) -> None:
    """Add ``experiment`` and ``year`` to the top-level subparsers."""
    exp = subparsers.add_parser("experiment", help="run experiment points (the pipeline's solve jobs)",
                                description="Run the solve points of the compendium's experiments.")
    commands = exp.add_subparsers(dest="experiment_command", required=True)
    run = commands.add_parser("run", help="solve a batch of point rows; write one records file")
    run.add_argument("--scenario", default=None, help="scenario folder (not needed by scaling points)")
    run.add_argument("--points", required=True, help="JSON list of point rows (greenllm.experiments.points)")
    run.add_argument("--out", required=True, help="records file to write (docs/records.md)")
    run.add_argument("--tables", default=None, help="folder for the side tables (hourly, latency, allocation)")
    run.add_argument("--solver", default="highs")
    run.add_argument("--tolerance", type=parse_non_negative, default=1e-3, help="relative lexicographic tolerance")
    add_option_arguments(run, formulation=False)  # the formulation is a property of each point
    run.set_defaults(func=_run)

    year = subparsers.add_parser("year", help="a year of operation in daily windows",
                                 description="Solve daily windows of a multi-day folder and aggregate them.")
    commands = year.add_subparsers(dest="year_command", required=True)
    w = commands.add_parser("window", help="solve one day; write its record")
    w.add_argument("scenario")
    w.add_argument("--day", type=int, required=True)
    w.add_argument("--mode", default="perfect", help="forecast mode, one of greenllm.year.MODES (default perfect)")
    w.add_argument("--scheme", default="weighted")
    w.add_argument("--weights", type=parse_weights, default=(1 / 3, 1 / 3, 1 / 3))
    w.add_argument("--order", type=lambda t: tuple(t.split(",")), default=None)
    w.add_argument("--tolerance", type=parse_non_negative, default=1e-3)
    add_option_arguments(w)
    w.add_argument("--solver", default="highs")
    w.add_argument("--out", required=True)
    w.set_defaults(func=_year_window)
    a = commands.add_parser("aggregate", help="window records -> per-day CSV, monthly CSV and forecast-cost JSON")
    a.add_argument("files", nargs="+")
    a.add_argument("--days-csv", required=True)
    a.add_argument("--monthly-csv")
    a.add_argument("--summary-json")
    a.set_defaults(func=_year_aggregate)


_NUMBER = {"type": "number"}
_COUNT = {"type": "integer", "minimum": 0}
_TEXT = {"type": "string"}
_SCHEMES = {"type": "object",
            "additionalProperties": {"type": "object", "required": ["scheme"], "properties": {"scheme": _TEXT}}}
POINT_FIELDS = {
    "solve": ({"schemes": _SCHEMES}, {"scale": {"type": "object", "additionalProperties": _NUMBER},
                                      "bounds": {"type": "object"}, "tolerance": _NUMBER, "labels": {"type": "object"},
                                      "tables": {"type": "array", "items": _TEXT}}),
    "pareto": ({"index": _COUNT, "points": _COUNT, "anchors": {"type": "array", "items": _TEXT}}, {}),
    "scaling": ({"formulation": _TEXT, "n": _COUNT, "scheme": _TEXT}, {}),
    "formulations": ({"schemes": _SCHEMES}, {"tables": {"type": "array", "items": _TEXT}}),
    "hardware_mix": ({"schemes": _SCHEMES, "mix": _TEXT, "accelerators": {"type": "array", "items": _TEXT}},
                     {"mix_label": _TEXT}),
    "year": ({"schemes": _SCHEMES, "mode": _TEXT, "month": _COUNT, "formulation": _TEXT}, {}),
    "serving_year": ({"schemes": {"type": "array", "minItems": 1, "items": _TEXT}, "month": _COUNT,
                      "modes": {"type": "array", "minItems": 1, "items": _TEXT}},
                     {"fleet": {"type": "object"}, "baselines": {"type": "boolean"}, "sizing_stride_days": _COUNT,
                      "days_first": _COUNT, "days_stride": _COUNT,
                      "gap_days": {"type": "array", "items": _COUNT}}),
    "deferrable": ({"month": _COUNT, "days_per_month": _COUNT, "shares": {"type": "array", "items": _NUMBER},
                            "deadline_h": _COUNT, "serving": {"type": "object"}}, {}),
    "deferrable_gap": ({"day": _COUNT, "shares": {"type": "array", "items": _NUMBER},
                                "serving": {"type": "object"}}, {}),
    "serving": ({"task": {"enum": ["baselines", "scheme", "front", "scale", "slo"]}, "fleet": {"type": "object"}},
                {"scheme": _TEXT, "objective": _TEXT, "measure": _TEXT, "points": _COUNT, "tables": {"type": "boolean"},
                 "anchors": {"type": "array", "items": _TEXT}, "labels": {"type": "object"}}),
}
"""kind -> (required fields, optional fields) of a point row (greenllm.experiments.points), as JSON Schema."""


def _points(text: str) -> list[dict]:
    """The --points rows, each checked against POINT_FIELDS of its kind: InputError naming the row and field."""
    import jsonschema

    try:
        points = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"--points: not valid JSON ({err})") from None
    if not isinstance(points, list) or not all(isinstance(p, dict) and "kind" in p for p in points):
        raise InputError("--points: expected a JSON list of point rows, each with a `kind`")
    for row, point in enumerate(points):
        if point["kind"] not in POINT_FIELDS:
            raise InputError(f"--points, row {row}, field 'kind': {point['kind']!r} is not one of "
                             f"{', '.join(POINT_FIELDS)}")
        required, optional = POINT_FIELDS[point["kind"]]
        schema = {"type": "object", "required": list(required), "properties": {**required, **optional}}
        error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(point))
        if error is not None:
            field = ".".join(str(p) for p in error.absolute_path) or "(row)"
            raise InputError(f"--points, row {row} ({point['kind']}), field '{field}': {error.message}")
    return points


def _run(args) -> int:
    from greenllm.experiments.points import run_points, write_batch

    points = _points(args.points)
    if args.scenario is None and any(p["kind"] != "scaling" for p in points):
        raise InputError("--scenario: the points need a scenario folder")
    if args.scenario is not None and not Path(args.scenario).is_dir():
        raise InputError(f"{args.scenario}: no such scenario folder")
    options = options_from_args(args, args.scenario)
    records = run_points(args.scenario, points, solver=args.solver, tolerance=args.tolerance, options=options,
                         tables_dir=args.tables)
    check_output_dir(Path(args.out).parent, "--out")
    write_batch(args.out, records)
    return 0


def _year_window(args) -> int:
    from greenllm import year
    from greenllm.experiments.paper import scenario_stand_ins
    from greenllm.experiments.records import row_record, write_records

    if not Path(args.scenario).is_dir():
        raise InputError(f"{args.scenario}: no such scenario folder")
    options = options_from_args(args, args.scenario)
    row = year.solve_window(args.scenario, args.day, mode=args.mode, scheme=args.scheme, weights=args.weights,
                            order=args.order, tolerance=args.tolerance, formulation=options.formulation,
                            solver=args.solver, options=options)
    check_output_dir(Path(args.out).parent, "--out")
    write_records(args.out, [row_record(row, scheme=args.scheme, model=options.to_dict(),
                                        stand_ins=scenario_stand_ins(args.scenario))])
    return 0


def _year_aggregate(args) -> int:
    from greenllm import year
    from greenllm.experiments.extensions import read_year_rows

    from greenllm.outputs import write_frame, write_json

    frame = read_year_rows(args.files)
    write_frame(frame, args.days_csv)
    if args.monthly_csv:
        write_frame(year.monthly(frame), args.monthly_csv)
    if args.summary_json:
        write_json(args.summary_json, year.forecast_summary(frame), allow_nan=False)
    return 0
