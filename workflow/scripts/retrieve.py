"""Run the `greenllm data fetch` commands of one scenario when the network is up; write a status file.

    python workflow/scripts/retrieve.py SCENARIO --status FILE --network {auto,online,offline}
        --probe-host HOST --commands JSON

The status records whether the network is up ("online"); the build then lets `greenllm data build` download what
is still missing. Offline (or "auto" with the probe host unreachable) nothing is downloaded and the build uses the
raw cache as it is (hand-placed files, or the builder's flagged stand-in). A failed download is reported in the
status and on stdout but does not stop the pipeline: the build decides whether the scenario can still be built.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
from pathlib import Path

PROBE_PORT = 443
PROBE_TIMEOUT_S = 3.0


def network_up(host: str) -> bool:
    """True if a TCP connection to host:443 opens within PROBE_TIMEOUT_S (DNS included)."""
    try:
        with socket.create_connection((host, PROBE_PORT), timeout=PROBE_TIMEOUT_S):
            return True
    except OSError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("--status", required=True)
    parser.add_argument("--network", choices=("auto", "online", "offline"), default="auto")
    parser.add_argument("--probe-host", default="data.electricitymaps.com")
    parser.add_argument("--commands", default="[]", help="JSON list of `greenllm data fetch` argument lists")
    args = parser.parse_args()
    commands = json.loads(args.commands)

    if args.network == "offline" or (args.network == "auto" and not network_up(args.probe_host)):
        status = {"scenario": args.scenario, "online": False, "retrieved": False,
                  "reason": f"offline (network: {args.network}, probe {args.probe_host}:{PROBE_PORT})"}
        print(f"retrieve {args.scenario}: skipped, {status['reason']}; building from the raw cache")
    else:
        failures = []
        for command in commands:
            cmd = [sys.executable, "-m", "greenllm", "data", "fetch", *command]
            print("+", " ".join(cmd), file=sys.stderr, flush=True)
            done = subprocess.run(cmd, stderr=subprocess.PIPE, text=True)
            sys.stderr.write(done.stderr)
            if done.returncode != 0:
                lines = [line for line in done.stderr.splitlines() if line.strip()]
                failures.append(lines[-1] if lines else f"exit code {done.returncode}")
        status = {"scenario": args.scenario, "online": True, "retrieved": not failures,
                  "reason": "; ".join(failures) or "ok"}
        if failures:
            print(f"retrieve {args.scenario}: {len(failures)} download(s) failed ({failures[0]});"
                  " building from the raw cache")
    path = Path(args.status)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(status, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
