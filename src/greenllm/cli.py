"""The ``greenllm`` command: solve a scenario, build data, run experiment points, a year of operation.

This module owns the top-level parser, ``greenllm solve SCENARIO_DIR ...`` and the error handling; the other
subcommands register themselves from their own modules (:data:`COMMANDS`): ``greenllm data ...``,
``greenllm experiment ...``, ``greenllm year ...``, ``greenllm pipeline ...`` (the workflow's jobs).

User errors print one line ``error: ...`` on stderr and exit with a code (2 bad input, 3 infeasible, 4 solver,
5 verification); nothing prints a traceback.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import json
import logging
import sys
import warnings

from greenllm import messages
from greenllm.arguments import ScaleAction, parse_gigabytes, parse_threads
from greenllm.backends import DEFAULT_MILP_TIME_LIMIT_S
from greenllm.arguments import parse_non_negative as _non_negative
from greenllm.arguments import parse_scale as _scale
from greenllm.arguments import parse_weights as _weights
from greenllm.errors import GreenLLMError, InputError
from greenllm.fields import SCALABLE_FIELDS
from greenllm.options import add_option_arguments, options_from_args

COMMANDS = (("greenllm.data.cli", "add_data_commands"), ("greenllm.experiments.cli", "register"),
            ("greenllm.pipeline.cli", "register"))
"""(module, function) of each subcommand family; the function adds its parsers to the top-level subparsers."""
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
"""OSError numbers of a full disk or quota, reported as one message (exit code 2)."""

SCHEMES = ("energy", "carbon", "delay", "weighted", "lexicographic")
SCALE_FIELDS = tuple(SCALABLE_FIELDS)


def _positive_seconds(text: str) -> float:
    value = _non_negative(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text!r}")
    return value


def _order(text: str) -> tuple[str, ...]:
    order = tuple(p.strip() for p in text.split(","))
    if sorted(order) != ["carbon", "delay", "energy"]:
        raise argparse.ArgumentTypeError(f"expected a permutation of energy,carbon,delay, got {text!r}")
    return order


def _add_solve(sub) -> None:
    p = sub.add_parser("solve", help="solve a scenario folder", description="Solve the Green-LLM LP for a scenario.")
    p.add_argument("scenario", help="scenario folder (see docs/inputs.md)")
    p.add_argument("--scheme", choices=SCHEMES, default="lexicographic")
    p.add_argument("--weights", type=_weights, help="E,C,D weights for --scheme weighted")
    p.add_argument("--order", type=_order, help="priority order for --scheme lexicographic (default energy,carbon,delay)")
    p.add_argument("--tolerance", type=_non_negative, default=1e-3,
                   help="relative tolerance of each lexicographic stage bound (default 0.001)")
    p.add_argument("--abs-tolerance", type=_non_negative, default=0.0, help="absolute tolerance added to each bound [$]")
    p.add_argument("--scale", type=_scale, action=ScaleAction, default=[], metavar="FIELD=FACTOR",
                   help=f"multiply an input field (repeatable, each field once): {', '.join(SCALE_FIELDS)}")
    p.add_argument("--solver", choices=("auto", "highs", "gurobi"), default="auto")
    add_option_arguments(p)
    p.add_argument("--integer-provisioning", action="store_true",
                   help="with --formulation per_query: whole servers (a MILP); reports the LP relaxation gap")
    p.add_argument("--time-limit", type=_positive_seconds, default=None, metavar="S",
                   help="with --integer-provisioning: stop each MILP stage after S seconds with the best solution"
                        f" found and report its gap (default {DEFAULT_MILP_TIME_LIMIT_S:g})")
    p.add_argument("--threads", type=parse_threads, default=None,
                   help="solver threads, 1 to the number of CPUs (default: the solver's choice)")
    p.add_argument("--max-model-gb", type=parse_gigabytes, default=None,
                   help="refuse a model whose estimated memory exceeds this (default: $GREENLLM_MAX_MODEL_GB or 8)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=_run_solve)


def _run_solve(args) -> int:
    from greenllm.inputs import load_scenario
    from greenllm.provenance import stand_ins
    from greenllm.solve import solve

    if args.scheme == "weighted" and args.weights is None:
        raise InputError("--scheme weighted needs --weights E,C,D")
    if args.weights is not None and args.scheme != "weighted":
        raise InputError(f"--weights only applies to --scheme weighted (got --scheme {args.scheme})")
    if args.order is not None and args.scheme != "lexicographic":
        raise InputError(f"--order only applies to --scheme lexicographic (got --scheme {args.scheme})")
    scenario = load_scenario(args.scenario)
    for name, factor in args.scale:
        scenario = scenario.scaled(name, factor)
    options = options_from_args(args, scenario, announce=True)
    formulation = None
    if args.integer_provisioning:
        if options.formulation != "per_query":
            raise InputError("--integer-provisioning needs --formulation per_query")
        from greenllm.formulations import PerQueryFormulation

        formulation = PerQueryFormulation.for_scenario(scenario, options, integer=True)
    result = solve(scenario, args.scheme, weights=args.weights, order=args.order, tolerance=args.tolerance,
                   abs_tolerance=args.abs_tolerance, solver=args.solver, threads=args.threads,
                   formulation=formulation, options=options, max_model_gb=args.max_model_gb,
                   time_limit_s=args.time_limit)
    flagged = stand_ins(args.scenario)
    if flagged:
        messages.warn(f"{args.scenario}: built with {len(flagged)} flagged stand-in(s) for missing real data:"
                      f" {'; '.join(flagged)}")
    if args.json:
        out = result.to_dict()
        if args.scale:
            out["scale"] = {name: factor for name, factor in args.scale}
        out["stand_ins"] = flagged
        print(json.dumps(out))
    else:
        c = result.costs
        print(f"{result.scheme} ({result.solver}, {result.solve_seconds:.2f} s): total ${c['total']:.4f} = energy "
              f"${c['energy']:.4f} + carbon ${c['carbon']:.4f} + delay ${c['delay']:.4f}")
        print(f"emissions {result.emissions_kg:.2f} kg CO2e, water {result.water_l:.1f} L")
        for stage in result.stages:
            print(f"  stage {stage['objective']}: optimum {stage['optimum']:.10g}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="greenllm", description=__doc__.splitlines()[0])
    parser.add_argument("-q", "--quiet", action="store_true", help="only errors on stderr")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_solve(sub)
    for module, function in COMMANDS:
        getattr(importlib.import_module(module), function)(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, passthrough = parser.parse_known_args(argv)
    if getattr(args, "passthrough", False):  # a command that hands its arguments on (`greenllm pipeline run`)
        args.passthrough_args = passthrough
    elif passthrough:
        parser.error(f"unrecognized arguments: {' '.join(passthrough)}")
    logging.basicConfig(level=logging.INFO, format="greenllm: %(message)s", stream=sys.stderr)
    logger = logging.getLogger("greenllm")
    level, was_quiet = logger.level, messages.QUIET
    with warnings.catch_warnings():
        if args.quiet:  # -q: only errors on stderr (no warning or note lines, no logged or library warnings)
            warnings.simplefilter("ignore")
            logger.setLevel(logging.ERROR)
            messages.QUIET = True
        try:
            return args.func(args) or 0
        except GreenLLMError as err:
            print(f"error: {err}", file=sys.stderr)
            return err.exit_code
        except KeyboardInterrupt:
            print("error: interrupted", file=sys.stderr)
            return 130
        except OSError as err:  # a writer outside greenllm.outputs (a download, a library) on a full disk: one message
            if err.errno not in DISK_FULL:
                raise
            where = f"{err.filename}: " if err.filename else ""
            print(f"error: {where}cannot write ({err.strerror}); free some space and run the command again",
                  file=sys.stderr)
            return 2
        finally:
            logger.setLevel(level)
            messages.QUIET = was_quiet


if __name__ == "__main__":
    sys.exit(main())
