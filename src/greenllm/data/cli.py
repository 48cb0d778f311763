"""The ``greenllm data`` command family (wired into the top-level parser by ``greenllm.cli``).

    greenllm data build SCENARIO [--offline] [--raw-dir DIR] [--out-dir DIR] [--option KEY=VALUE ...] [--as NAME]
    greenllm data fetch electricitymaps --zone ZONE [--zone ZONE ...] --year YEAR [--offline] [--raw-dir DIR]

Each subcommand sets ``func`` on the parsed namespace: ``args.func(args)`` runs it and returns the exit code.
Errors are raised as GreenLLMError subclasses for ``greenllm.cli.main`` to print as one line.
"""

from __future__ import annotations

import argparse

from greenllm.data import build as build_module
from greenllm.data import cache


def add_data_commands(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``data build`` and ``data fetch`` to the top-level subparsers; returns the ``data`` parser."""
    data = subparsers.add_parser("data", help="download raw data and build scenario folders",
                                 description="Download raw data into the cache and build scenario folders.")
    commands = data.add_subparsers(dest="data_command", metavar="{build,fetch}", required=True)

    build = commands.add_parser(
        "build", help="build a scenario folder",
        description="Build data/processed/SCENARIO from the raw cache (downloading what is missing unless --offline).",
    )
    build.add_argument("scenario", help=f"one of: {', '.join(sorted(build_module.SCENARIOS))}")
    build.add_argument("--offline", action="store_true",
                       help="never use the network: use cached or hand-placed raw files, or a flagged stand-in")
    build.add_argument("--raw-dir", default=None,
                       help=f"raw download cache (default: ${cache.RAW_DIR_ENV}, else data/raw)")
    build.add_argument("--out-dir", default=str(build_module.DEFAULT_OUT_ROOT),
                       help="folder that receives SCENARIO/ (default: data/processed)")
    build.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                       help="a builder option, repeatable (e.g. day=2018-07-15, zones=paper, "
                            "region_ids=europe-west3,europe-west9); an unknown key lists the scenario's options")
    build.add_argument("--as", dest="folder_name", default=None, metavar="NAME",
                       help="write to OUT_DIR/NAME instead of OUT_DIR/SCENARIO (e.g. a variant with another day)")
    build.set_defaults(func=_build)

    fetch = commands.add_parser(
        "fetch", help="download raw files into the cache",
        description="Download raw files into the cache (data/raw) and record them in its manifest.",
    )
    sources = fetch.add_subparsers(dest="source", metavar="{electricitymaps}", required=True)
    em = sources.add_parser("electricitymaps", help="Electricity Maps hourly zone CSVs (keyless)",
                            description="Electricity Maps data-portal hourly carbon-intensity CSV per zone and year.")
    em.add_argument("--zone", action="append", required=True, help="zone id, e.g. US-CAL-CISO (repeatable)")
    em.add_argument("--year", type=int, required=True, help="calendar year, e.g. 2024")
    em.add_argument("--offline", action="store_true", help="only check the cache (say what to place where)")
    em.add_argument("--refresh", action="store_true", help="download again even if cached")
    em.add_argument("--release", default=None, help="portal release folder (default: the module's DEFAULT_RELEASE)")
    em.add_argument("--raw-dir", default=None,
                    help=f"raw download cache (default: ${cache.RAW_DIR_ENV}, else data/raw)")
    em.set_defaults(func=_fetch_electricitymaps)
    return data


def _build(args: argparse.Namespace) -> int:
    options = build_module.parse_options(args.scenario, args.option) if args.option else {}
    path = build_module.build_scenario(args.scenario, out_root=args.out_dir, raw_root=args.raw_dir,
                                       offline=args.offline, folder_name=args.folder_name, **options)
    print(path)
    return 0


def _fetch_electricitymaps(args: argparse.Namespace) -> int:
    from greenllm.data.sources import electricitymaps

    extra = {"release": args.release} if args.release else {}
    for zone in args.zone:
        path = electricitymaps.fetch_zone(zone, args.year, raw_root=args.raw_dir, offline=args.offline,
                                          refresh=args.refresh, **extra)
        print(path)
    return 0
