"""`make all`: run Snakemake so that any interruption resumes and two runs in one folder never overlap.

    greenllm pipeline run [SNAKEMAKE ARGUMENTS ...]     (run in the folder with the Snakefile)

This module owns the pipeline's start: the per-folder lock and the resume after a crash.

- One run per folder: an exclusive lock on .snakemake/run_pipeline.lock (flock, released by the kernel when the run
  ends, however it ends). A second `make all` says that it waits, then waits, and finds the work done.
- Resume: after a crash or SIGKILL, Snakemake leaves its own lock (.snakemake/locks) and incomplete-output markers.
  Holding our lock, and with no other Snakemake process working in this folder (checked in /proc), a left-over
  Snakemake lock can only be stale, so it is cleared (`snakemake --unlock`); `--rerun-incomplete` then reruns the
  jobs whose outputs are incomplete. A Snakemake started by hand in this folder is never unlocked from under it:
  then this command refuses with one line.

Snakemake replaces this process (exec) and inherits the lock, so Ctrl-C and exit codes are Snakemake's own.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import sys
from pathlib import Path

SNAKEMAKE = [sys.executable, "-m", "snakemake"]
LOCK_NAME = "run_pipeline.lock"


def other_snakemakes(folder: Path) -> list[int]:
    """Process ids of Snakemake processes (other than this one) whose working directory is ``folder``; [] where
    /proc is unavailable."""
    found = []
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            cwd = Path(os.readlink(entry / "cwd"))
        except OSError:
            continue
        words = [Path(a.decode(errors="replace")).name for a in argv[:3]]
        if "snakemake" in words and cwd == folder:  # `snakemake ...` or `python -m snakemake ...`
            found.append(int(entry.name))
    return found


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``greenllm pipeline run`` takes Snakemake's own arguments, passed on as they are."""
    parser.usage = "greenllm pipeline run [SNAKEMAKE ARGUMENTS ...]"
    parser.set_defaults(passthrough=True)


def unlock_arguments(argv: list[str]) -> list[str]:
    """The arguments ``snakemake --unlock`` needs from a run's: everything before ``--`` (the Snakefile, --config,
    --configfile, --directory ...), without the targets after it. Unlocking needs no target, and a target Snakemake
    cannot build makes ``--unlock`` fail; dropping only the ``--`` would make the targets values of the option
    before it (``--config network=offline tables/x.csv``: "Unparsable value")."""
    return argv[:argv.index("--")] if "--" in argv else argv


def run(args: argparse.Namespace) -> int:
    """Take the folder's lock, clear a stale Snakemake lock, then become ``snakemake --rerun-incomplete ARGS``."""
    argv = list(args.passthrough_args)
    folder = Path.cwd().resolve()
    state = folder / ".snakemake"
    state.mkdir(exist_ok=True)
    handle = open(state / LOCK_NAME, "a+")  # noqa: SIM115 - kept open: snakemake inherits it through exec
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"another `make all` is running in {folder}; waiting for it to finish", file=sys.stderr, flush=True)
        fcntl.flock(handle, fcntl.LOCK_EX)
    others = other_snakemakes(folder)
    if others:
        print(f"error: snakemake (pid {', '.join(map(str, others))}) is already running in {folder}; wait for it to"
              " finish (or stop it) and run `make all` again", file=sys.stderr)
        return 1
    locks = state / "locks"
    if locks.is_dir() and any(locks.iterdir()):
        print("clearing the Snakemake lock left by an interrupted run", file=sys.stderr, flush=True)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            os.execv(sys.executable, [*SNAKEMAKE, "--unlock", "--quiet", *unlock_arguments(argv)])
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            return os.waitstatus_to_exitcode(status)
    os.set_inheritable(handle.fileno(), True)
    os.execv(sys.executable, [*SNAKEMAKE, "--rerun-incomplete", *argv])
    return 1  # not reached
