"""Build one scenario folder for the pipeline and write its build status.

    python workflow/scripts/build_scenario.py SCENARIO --out data/processed/SCENARIO --status FILE
        [--retrieve-status FILE] [--source FOLDER] [--skip-stand-in] [--required]
        [--builder NAME] [--option KEY=VALUE ...]

Without --source it runs `greenllm data build SCENARIO`: online (the retrieve status says the network is up) the
builder downloads what the raw cache lacks, and if that fails it tries again offline; otherwise with --offline.
With --builder (a variant of another scenario's builder) it runs `greenllm data build BUILDER --as SCENARIO`, and
each --option is passed on as the builder's `--option KEY=VALUE` (e.g. day=2018-01-01, days=365).
With --source it copies a ready scenario folder (validated with load_scenario).

When the build fails with a data or input error (exit code 2: no builder, missing raw files offline, bad data) and
the scenario is not --required, it is skipped: an empty output folder, a status {"built": false, "reason": ...}
and one line on stdout. Any other failure, or a required scenario, fails the job. With --skip-stand-in, a build that
succeeds only with flagged stand-ins (provenance.json) is skipped the same way, so figures made from real data are
not overwritten by stand-in ones (e.g. paper_v1 offline without its Electricity Maps zone files).
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
    args = parser.parse_args()
    out = Path(args.out)
    status_path = Path(args.status)
    status_path.parent.mkdir(parents=True, exist_ok=True)

    if args.source:
        from greenllm.errors import GreenLLMError
        from greenllm.inputs import load_scenario

        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(args.source, out)
        try:
            load_scenario(out)
        except GreenLLMError as err:
            print(f"error: {err}", file=sys.stderr)
            return err.exit_code
        status = {"scenario": args.scenario, "built": True, "reason": f"copied from {args.source}"}
    else:
        if out.name != args.scenario:
            print(f"error: --out must end in the scenario name ({args.scenario}), got {out}", file=sys.stderr)
            return 2
        online = bool(args.retrieve_status) and json.loads(Path(args.retrieve_status).read_text()).get("online")
        build = {"builder": args.builder, "options": args.option}
        done = run_build(args.scenario, out.parent, offline=not online, **build)
        if online and done.returncode in SKIPPABLE_EXIT_CODES:
            print("online build failed; trying offline", file=sys.stderr, flush=True)
            done = run_build(args.scenario, out.parent, offline=True, **build)
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        names = (args.scenario, args.builder)
        if done.returncode != 0:
            errors = [line for line in lines if line.startswith("error:")]
            reason = plain_reason(errors[0] if errors else lines[-1] if lines else f"exit code {done.returncode}",
                                  names)
            if args.required or done.returncode not in SKIPPABLE_EXIT_CODES:
                print(f"build {args.scenario} failed: {reason}", file=sys.stderr)
                return done.returncode
            out.mkdir(parents=True, exist_ok=True)
            status = {"scenario": args.scenario, "built": False, "reason": reason}
            print(f"skipped {args.scenario}: cannot be built ({reason})")
            status_path.write_text(json.dumps(status, indent=1) + "\n")
            return 0
        warnings = [line for line in lines if line.startswith("warning")]
        status = {"scenario": args.scenario, "built": True,
                  "reason": (plain_reason(warnings[0], names).removesuffix(" (see provenance.json)") if warnings
                             else "built")}
        if warnings:
            status["detail"] = warning_text(lines)
    provenance_path = out / "provenance.json"
    provenance = json.loads(provenance_path.read_text()) if provenance_path.exists() else {}
    status["stand_in"] = stand_in_flagged(provenance)
    if status["stand_in"] and args.skip_stand_in:
        shutil.rmtree(out)
        out.mkdir(parents=True)
        status["built"] = False
        status["reason"] = skip_reason(args.scenario, provenance)
        status["stand_in_series"] = sorted(stand_in_series(provenance))
        print(f"skipped {args.scenario}: {status['reason']}")
    status_path.write_text(json.dumps(status, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
