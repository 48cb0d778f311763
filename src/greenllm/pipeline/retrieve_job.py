"""The pipeline's retrieve job: run the `greenllm data fetch` commands of one scenario when the network is up;
write a status file.

    greenllm pipeline retrieve SCENARIO --status FILE --network {auto,online,offline}
        [--probe-host HOST ...] --commands JSON

This module owns the per-host reachability probe and the retrieve status; the downloads are `greenllm data fetch`.

Reachability is probed per host: every host of the source registry (config/sources.yaml: primary and mirror
addresses), or the --probe-host list. Hosts that do not answer are passed to the fetch commands in
$GREENLLM_UNREACHABLE_HOSTS, so a download goes straight to the next address (a mirror) instead of waiting on a dead
host. The status records each host's reachability and whether every download succeeded.

Offline ("offline", or "auto" with no host reachable) nothing is downloaded and the build uses the raw cache as it is
(hand-placed files, or the builder's flagged stand-in). A failed download is reported in the status and on stdout
but does not stop the pipeline: the build decides whether the scenario can still be built.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

PROBE_PORT = 443
PROBE_TIMEOUT_S = 3.0


def network_up(host: str) -> bool:
    """True if a TCP connection to host:443 opens within PROBE_TIMEOUT_S (DNS included)."""
    try:
        with socket.create_connection((host, PROBE_PORT), timeout=PROBE_TIMEOUT_S):
            return True
    except OSError:
        return False


def registry_hosts() -> list[str]:
    """Host names of every URL address (primary and mirrors) in the source registry."""
    from greenllm.data.sources import registry

    hosts = []
    for dataset in registry.load_registry().values():
        for url in [dataset.primary, *(m.url for m in dataset.mirrors)]:
            if url.startswith("https://"):
                hosts.append(urlsplit(url).hostname)
    return sorted(set(hosts))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``greenllm pipeline retrieve``."""
    parser.add_argument("scenario")
    parser.add_argument("--status", required=True)
    parser.add_argument("--network", choices=("auto", "online", "offline"), default="auto")
    parser.add_argument("--probe-host", action="append", default=None,
                        help="a host to probe (repeatable; default: every host of the source registry)")
    parser.add_argument("--commands", default="[]", help="JSON list of `greenllm data fetch` argument lists")


def run(args: argparse.Namespace) -> int:
    """Probe the hosts, run the fetch commands when online, write --status; 0 (a failed download is reported)."""
    from greenllm.data.cache import UNREACHABLE_HOSTS_ENV
    from greenllm.errors import InputError

    try:
        commands = json.loads(args.commands)
    except json.JSONDecodeError as err:
        raise InputError(f"--commands: not valid JSON ({err})") from None
    if not isinstance(commands, list) or not all(isinstance(c, list) and all(isinstance(a, str) for a in c)
                                                 for c in commands):
        raise InputError("--commands: expected a JSON list of argument lists (strings)")

    hosts: dict[str, bool] = {}
    if args.network == "auto":
        hosts = {host: network_up(host) for host in (args.probe_host or registry_hosts())}
    if args.network == "offline" or (args.network == "auto" and not any(hosts.values())):
        reason = (f"offline (network: {args.network})" if args.network == "offline"
                  else f"offline (no host answered on port {PROBE_PORT}: {', '.join(hosts)})")
        status = {"scenario": args.scenario, "online": False, "retrieved": False, "hosts": hosts, "reason": reason}
        print(f"retrieve {args.scenario}: skipped, {reason}; building from the raw cache")
    else:
        down = sorted(host for host, up in hosts.items() if not up)
        env = {**os.environ, UNREACHABLE_HOSTS_ENV: ",".join(down)} if down else None
        if down:
            print(f"retrieve {args.scenario}: unreachable, skipped: {', '.join(down)}", file=sys.stderr)
        failures = []
        for command in commands:
            cmd = [sys.executable, "-m", "greenllm", "data", "fetch", *command]
            print("+", " ".join(cmd), file=sys.stderr, flush=True)
            done = subprocess.run(cmd, stderr=subprocess.PIPE, text=True, env=env)
            sys.stderr.write(done.stderr)
            if done.returncode != 0:
                lines = [line for line in done.stderr.splitlines() if line.strip()]
                failures.append(lines[-1] if lines else f"exit code {done.returncode}")
        status = {"scenario": args.scenario, "online": True, "retrieved": not failures, "hosts": hosts,
                  "reason": "; ".join(failures) or "ok"}
        if failures:
            print(f"retrieve {args.scenario}: {len(failures)} download(s) failed ({failures[0]});"
                  " building from the raw cache")
    path = Path(args.status)
    path.parent.mkdir(parents=True, exist_ok=True)
    from greenllm.outputs import write_json

    write_json(path, status, indent=1)
    return 0
