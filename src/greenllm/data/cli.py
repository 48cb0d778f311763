"""The ``greenllm data`` command family (wired into the top-level parser by ``greenllm.cli``).

    greenllm data build SCENARIO [--offline] [--raw-dir DIR] [--out-dir DIR] [--option KEY=VALUE ...] [--as NAME]
    greenllm data fetch electricitymaps --zone ZONE [--zone ZONE ...] --year YEAR [--offline] [--raw-dir DIR]
    greenllm data fetch regions [--region ID ...] --year YEAR [--offline] [--raw-dir DIR] [--regions FILE]
    greenllm data sources [--region ID ...] [--year YEAR] [--raw-dir DIR] [--regions FILE]
    greenllm data zones [--write FILE]

Each subcommand sets ``func`` on the parsed namespace: ``args.func(args)`` runs it and returns the exit code.
Errors are raised as GreenLLMError subclasses for ``greenllm.cli.main`` to print as one line.
"""

from __future__ import annotations

import argparse

from greenllm.arguments import check_output_dir
from greenllm.data import build as build_module
from greenllm.data import cache


def add_data_commands(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``data build``, ``data fetch`` and ``data sources`` to the top-level subparsers; returns the ``data``
    parser."""
    data = subparsers.add_parser("data", help="download raw data and build scenario folders",
                                 description="Download raw data into the cache and build scenario folders.")
    commands = data.add_subparsers(dest="data_command", metavar="{build,fetch,sources,zones}", required=True)

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
    sources = fetch.add_subparsers(dest="source", metavar="{electricitymaps,regions}", required=True)
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

    regions = sources.add_parser(
        "regions", help="carbon, price and weather files of registry regions (primary, then pinned mirrors)",
        description="Download the raw files of each region of config/regions.yaml that the source registry "
                    "(config/sources.yaml) serves by URL: Electricity Maps zone file, green-dcc standardized price "
                    "and weather where a mirror holds them, Open-Meteo archive. Stops at the first failure (exit 2) "
                    "naming region, source and address; a failed file never enters the cache.")
    _region_arguments(regions)
    regions.add_argument("--year", type=int, required=True, help="calendar year, e.g. 2024")
    regions.add_argument("--offline", action="store_true", help="only check the cache (say what to place where)")
    regions.set_defaults(func=_fetch_regions)

    listing = commands.add_parser(
        "sources", help="list, per region, which raw data the source registry can serve",
        description="For each region of config/regions.yaml: the raw datasets of config/sources.yaml it uses and "
                    "where each can come from, offline (cached now, or shipped by an installed package) and online "
                    "(primary address, pinned mirrors). Looks at the file system only.")
    _region_arguments(listing)
    listing.add_argument("--year", type=int, default=2024, help="year of the files to look for (default: 2024)")
    listing.set_defaults(func=_list_sources)

    zones = commands.add_parser(
        "zones", help="the zones each builder supports, as docs/regions.md's generated table",
        description="Print the zones each scenario builder can build (exact registry strings), generated from the "
                    "builders' support checks; --write FILE replaces the generated block of FILE.")
    zones.add_argument("--write", default=None, metavar="FILE", help="e.g. docs/regions.md")
    zones.set_defaults(func=_zones)
    return data


def _zones(args: argparse.Namespace) -> int:
    from greenllm.data import zones

    if args.write:
        print(zones.write(args.write))
    else:
        print(zones.markdown(), end="")
    return 0


def _region_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--region", action="append", default=None, metavar="ID",
                        help="a region id of the registry (repeatable; default: every region)")
    parser.add_argument("--regions", default=None, metavar="FILE",
                        help="region registry (default: config/regions.yaml)")
    parser.add_argument("--raw-dir", default=None,
                        help=f"raw download cache (default: ${cache.RAW_DIR_ENV}, else data/raw)")


def _selected_regions(args: argparse.Namespace) -> list:
    from greenllm.data.regions import load_regions
    from greenllm.errors import InputError

    known = load_regions(args.regions)
    unknown = [r for r in args.region or [] if r not in known]
    if unknown:
        raise InputError(f"--region {unknown[0]}: not in the region registry (known: {', '.join(known)})")
    return [known[r] for r in args.region] if args.region else list(known.values())


def _fetch_regions(args: argparse.Namespace) -> int:
    from greenllm.data.sources import plan

    for region in _selected_regions(args):
        for item in plan.region_files(region, args.year):
            path = plan.fetch_item(item, raw_root=args.raw_dir, offline=args.offline)
            print(f"{region.id}\t{item.what}\t{path}\t{cache.served_by(path, raw_root=args.raw_dir)}")
    return 0


def _list_sources(args: argparse.Namespace) -> int:
    from greenllm.data.sources import plan

    rows = [("region", "data", "dataset", "offline", "online")]
    for region in _selected_regions(args):
        rows += plan.availability_rows(region, args.year, raw_root=args.raw_dir)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1])
    return 0


def _build(args: argparse.Namespace) -> int:
    check_output_dir(args.out_dir)  # before any download or computation
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
