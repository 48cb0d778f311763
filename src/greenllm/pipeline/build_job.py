"""The pipeline's build job: build one scenario folder and write its build status.

    greenllm pipeline build SCENARIO --out data/processed/SCENARIO --status FILE
        [--retrieve-status FILE] [--source FOLDER] [--skip-stand-in] [--required]
        [--builder NAME] [--option KEY=VALUE ...]

This module owns what happens to a scenario folder when the pipeline rebuilds it (staging, keeping a folder that a
worse build would replace, skipping, the status file); the build itself is `greenllm data build`.

Without --source it runs `greenllm data build SCENARIO`: online (the retrieve status says the network is up) the
builder downloads what the raw cache lacks, and if that fails it tries again offline; otherwise with --offline.
With --builder (a variant of another scenario's builder) it runs `greenllm data build BUILDER --as SCENARIO`, and
each --option is passed on as the builder's `--option KEY=VALUE` (e.g. day=2018-01-01, days=365).
With --source it copies a ready scenario folder (validated with load_scenario).

The build goes to a staging folder beside --out; --out (e.g. a committed data/processed/SCENARIO) is replaced only
by a build that is not worse, and never emptied:

- a build whose stand-ins (provenance.json `stand_ins`) are all stand-ins of the existing folder too replaces it,
  unless its content is the same (then the folder is not touched); a build with any other stand-in never replaces
  a folder, so a folder built from real data is KEPT when the raw data are missing (offline, empty raw cache);
- a build that fails with a data or input error (exit code 2: missing raw files offline, bad data) keeps an
  existing folder as it is; without one, a scenario that is not --required is skipped (a status
  {"built": false, "reason": ...} and one line on stdout);
- with --skip-stand-in, a scenario whose folder would hold only a stand-in build is skipped the same way (so
  figures made from real data are not overwritten by stand-in ones).

Any other failure, or a --required scenario with no folder, fails the job. The status records what happened to the
folder ("folder": rebuilt, unchanged, kept, installed or skipped) and whether it holds stand-ins.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

SKIPPABLE_EXIT_CODES = {2}
"""greenllm's exit code for InputError and DataSourceError (src/greenllm/errors.py)."""


def stand_in_flagged(provenance) -> bool:
    """True if any record of provenance.json says {"stand_in": true}."""
    if isinstance(provenance, dict):
        return bool(provenance.get("stand_in") is True) or any(stand_in_flagged(v) for v in provenance.values())
    if isinstance(provenance, list):
        return any(stand_in_flagged(v) for v in provenance)
    return False


def stand_in_series(provenance) -> dict[str, str]:
    """{series: its source's short name} of every provenance.json series record flagged {"stand_in": true}."""
    series = provenance.get("series", {}) if isinstance(provenance, dict) else {}
    out = {}
    for name, record in series.items():
        if isinstance(record, dict) and record.get("stand_in") is True:
            source = str(record.get("source", "")).strip()
            out[name] = re.split(r" -> | \(|; |, ", source, maxsplit=1)[0] if source else ""
    return out


def plain_reason(line: str, names) -> str:
    """A builder's error or warning line as a status reason: without the `error:` / `warning:` prefix, the
    scenario's (or builder's) name that every line of the summary puts in front anyway, and a trailing colon."""
    text = line.removeprefix("error: ").removeprefix("warning: ").rstrip(":").strip()
    for name in names:
        if name and text.startswith(f"{name}: "):
            return text[len(name) + 2:]
    return text


def skip_reason(scenario: str, provenance) -> str:
    """One short line: which series have no raw data offline (and whose data it is), and how to get it. The
    builder's full warning stays in the log and in the status file (``detail``)."""
    series = stand_in_series(provenance)
    what = ", ".join(f"{name} ({source})" if source else name for name, source in series.items()) or "some series"
    return (f"only stand-ins, no raw data for {what}; place the raw files (data/raw/README.md) or build online, or"
            f" set scenarios.{scenario}.stand_in: allow")


def warning_text(lines) -> str:
    """The builder's warnings in full (a warning line and the indented lines that continue it)."""
    out, inside = [], False
    for line in lines:
        if line.startswith("warning"):
            inside = True
            out.append(line.removeprefix("warning: "))
        elif inside and line[:1].isspace():
            out.append(line.strip())
        else:
            inside = False
    return "\n".join(out)


def run_build(scenario: str, out_root: Path, *, offline: bool, builder: str = "",
              options: list[str] | None = None) -> subprocess.CompletedProcess:
    """`greenllm data build SCENARIO [--offline] --out-dir OUT_ROOT` (or `BUILDER ... --as SCENARIO` with its
    options), its stderr copied to ours (the log)."""
    cmd = [sys.executable, "-m", "greenllm", "data", "build", builder or scenario, "--out-dir", str(out_root)]
    if builder and builder != scenario:
        cmd += ["--as", scenario]
    for option in options or []:
        cmd += ["--option", option]
    if offline:
        cmd.append("--offline")
    print("+", " ".join(cmd), file=sys.stderr, flush=True)
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sys.stderr.write(done.stdout + done.stderr)  # stdout is kept for the one-line verdict of this script
    return done


def read_provenance(folder: Path):
    """provenance.json of a scenario folder ({} if it has none), or None when the folder holds no scenario (missing,
    or empty as an older pipeline left a skipped scenario)."""
    if not (folder / "scalars.json").is_file():
        return None
    path = folder / "provenance.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def stand_in_set(provenance) -> set[str]:
    """What a folder stands in for: the builder's `stand_ins` lines (one per site or group of sites, so a stand-in
    at one more site is a new line), else the series flagged as stand-ins (a flagged record elsewhere: "other")."""
    listed = provenance.get("stand_ins") if isinstance(provenance, dict) else None
    if isinstance(listed, list) and listed:
        return {str(line) for line in listed}
    series = set(stand_in_series(provenance))
    return series or ({"other"} if stand_in_flagged(provenance) else set())


HAND_WRITTEN = ("*.md", "*.txt", "LICENSE*")
"""Files of a scenario folder no builder writes (a README, a licence): carried over when the folder is rebuilt."""


def hand_written(folder: Path) -> list[Path]:
    return sorted({p for pattern in HAND_WRITTEN for p in folder.glob(pattern) if p.is_file()})


def same_content(a: Path, b: Path) -> bool:
    """True if two scenario folders hold the same built files with the same bytes, provenance.json compared without
    its build time (so an identical rebuild leaves a committed folder, and `git diff`, untouched)."""
    ignored = {p.name for p in hand_written(a) + hand_written(b)}

    def built(folder):
        return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                      if p.is_file() and not p.name.startswith(".") and p.name not in ignored)

    if built(a) != built(b):
        return False
    for name in built(a):
        if name == "provenance.json":
            left, right = (json.loads((f / name).read_text()) for f in (a, b))
            if {k: v for k, v in left.items() if k != "built_utc"} != {k: v for k, v in right.items()
                                                                         if k != "built_utc"}:
                return False
        elif (a / name).read_bytes() != (b / name).read_bytes():
            return False
    return True


def install(new: Path, out: Path) -> None:
    """Put the folder ``new`` at ``out`` (same file system) with the old folder's hand-written files
    (HAND_WRITTEN) that the build did not write; a complete ``out`` exists at every instant (greenllm.folders)."""
    from greenllm.folders import swap_in

    for path in hand_written(out) if out.exists() else []:
        if not (new / path.name).exists():
            shutil.copy2(path, new / path.name)
    swap_in(new, out)


def settle(scenario: str, new: Path | None, out: Path, *, failure: str = "", skip_stand_in: bool = False) -> dict:
    """Decide what happens to ``out`` given a staged build ``new`` (None when the build failed with ``failure``)
    and return the status fields (built, folder, reason, stand_in)."""
    current = read_provenance(out)
    where = out.as_posix()
    if new is None:
        if current is None:
            return {"built": False, "folder": "skipped", "reason": failure}
        return {"built": True, "folder": "kept", "stand_in": stand_in_flagged(current),
                "reason": f"kept {where} as it is (it cannot be rebuilt now: {failure})"}
    provenance = read_provenance(new)
    new_stand_ins = stand_in_set(provenance)
    if current is not None and not new_stand_ins <= stand_in_set(current):
        return {"built": True, "folder": "kept", "stand_in": stand_in_flagged(current),
                "reason": (f"kept {where} as it is: this build had stand-ins for "
                           f"{', '.join(sorted(stand_in_series(provenance))) or 'some series'} where it has real data;"
                           " place the raw files (data/raw/README.md) or build online")}
    if new_stand_ins and skip_stand_in:  # (an existing folder here has stand-ins too: left as it is)
        return {"built": False, "folder": "skipped", "stand_in": True, "reason": skip_reason(scenario, provenance),
                "stand_in_series": sorted(stand_in_series(provenance))}
    if current is not None and same_content(new, out):
        return {"built": True, "folder": "unchanged", "stand_in": bool(new_stand_ins), "reason": "built"}
    folder = "installed" if current is None else "rebuilt"
    install(new, out)
    return {"built": True, "folder": folder, "stand_in": bool(new_stand_ins), "reason": "built"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``greenllm pipeline build``."""
    parser.add_argument("scenario")
    parser.add_argument("--out", required=True)
    parser.add_argument("--status", required=True)
    parser.add_argument("--retrieve-status", default="", help="status file of the retrieve rule (online or not)")
    parser.add_argument("--source", default="")
    parser.add_argument("--required", action="store_true")
    parser.add_argument("--skip-stand-in", action="store_true",
                        help="skip the scenario when its build used flagged stand-ins for missing raw data")
    parser.add_argument("--builder", default="", help="registered builder to run (default: the scenario's name)")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE", help="a builder option")


def run(args: argparse.Namespace) -> int:
    """Build (or copy) the scenario into a staging folder, settle --out and write --status; the exit code."""
    out = Path(args.out)
    status_path = Path(args.status)
    status_path.parent.mkdir(parents=True, exist_ok=True)
    if out.name != args.scenario:
        print(f"error: --out must end in the scenario name ({args.scenario}), got {out}", file=sys.stderr)
        return 2
    if args.source and not Path(args.source).is_dir():
        print(f"error: --source {args.source}: no such scenario folder", file=sys.stderr)
        return 2
    try:
        retrieved = json.loads(Path(args.retrieve_status).read_text()) if args.retrieve_status else {}
    except (OSError, json.JSONDecodeError) as err:
        print(f"error: --retrieve-status {args.retrieve_status}: not a readable status file "
              f"({getattr(err, 'strerror', None) or err})", file=sys.stderr)
        return 2
    from greenllm.folders import build_lock

    with build_lock(out):  # one build of the folder at a time; removes a killed build's staging folders
        stage_root = out.with_name(f".{out.name}.staging")
        if stage_root.exists():  # (a build killed before this lock existed)
            shutil.rmtree(stage_root)
        staged = stage_root / args.scenario
        detail = ""
        try:
            if args.source:
                from greenllm.errors import GreenLLMError
                from greenllm.inputs import load_scenario

                shutil.copytree(args.source, staged)
                try:
                    load_scenario(staged)
                except GreenLLMError as err:
                    print(f"error: {err}", file=sys.stderr)
                    return err.exit_code
                status = settle(args.scenario, staged, out)
                status["reason"] = f"copied from {args.source}"
            else:
                online = isinstance(retrieved, dict) and bool(retrieved.get("online"))
                build = {"builder": args.builder, "options": args.option}
                done = run_build(args.scenario, stage_root, offline=not online, **build)
                if online and done.returncode in SKIPPABLE_EXIT_CODES:
                    print("online build failed; trying offline", file=sys.stderr, flush=True)
                    done = run_build(args.scenario, stage_root, offline=True, **build)
                lines = [line for line in done.stderr.splitlines() if line.strip()]
                names = (args.scenario, args.builder)
                if done.returncode != 0:
                    errors = [line for line in lines if line.startswith("error:")]
                    reason = plain_reason(errors[0] if errors else lines[-1] if lines
                                          else f"exit code {done.returncode}", names)
                    status = settle(args.scenario, None, out, failure=reason)
                    if done.returncode not in SKIPPABLE_EXIT_CODES or (args.required and not status["built"]):
                        print(f"build {args.scenario} failed: {reason}", file=sys.stderr)
                        return done.returncode
                else:
                    warnings = [line for line in lines if line.startswith("warning")]
                    detail = warning_text(lines) if warnings else ""
                    status = settle(args.scenario, staged, out, skip_stand_in=args.skip_stand_in)
                    if status["folder"] in ("installed", "rebuilt", "unchanged") and warnings:
                        status["reason"] = plain_reason(warnings[0], names).removesuffix(" (see provenance.json)")
        finally:
            if stage_root.exists():
                shutil.rmtree(stage_root)
    status = {"scenario": args.scenario, **status}
    status.setdefault("stand_in", False)
    if detail:
        status["detail"] = detail
    if not status["built"]:
        print(f"skipped {args.scenario}: {status['reason']}")
    elif status["folder"] == "kept":
        print(f"{args.scenario}: {status['reason']}")
    from greenllm.outputs import write_json

    write_json(status_path, status, indent=1)
    return 0
