"""Where a plot notebook job's CPU goes before it draws anything: the fixed start-up of `greenllm pipeline notebook`.

    python benchmarks/bench_notebook_startup.py [--repeat 3] [JOB_COMMAND_FILE]

Every figure and table is written by a papermill notebook job (`greenllm pipeline notebook NOTEBOOK EXECUTED
--parameters JSON`, workflow/rules/plot.smk). Each phase below runs as fresh processes; the CPU seconds are user +
system of the process and its children (the kernel), the lowest of --repeat runs (the machine may be shared):

    interpreter        python -c pass
    job command        the `greenllm` command line up to the job (parser built, no job run)
    papermill import   the job process's imports (papermill, nbclient, jupyter_client, nbformat), as the job imports
                       them (greenllm.pipeline.notebook_job.UNUSED_HANDLERS left out)
    kernel imports     ipykernel's application and kernel modules (the kernel process starts with them)
    empty notebook     a whole job on a notebook with one empty cell: job process + kernel start and shutdown
    first cell         the plot notebooks' first cell (greenllm.experiments, greenllm.plots, plots.setup()), run as
                       a notebook job, minus the empty notebook
    plotting libraries the first cell's third-party imports alone (pandas, matplotlib.pyplot), in a plain
                       interpreter
    seaborn            what importing seaborn adds to them (scipy.stats); only the figures seaborn draws import it

With JOB_COMMAND_FILE (one `greenllm pipeline notebook ...` command a line, run from this checkout, e.g. the shell
commands of `snakemake -n -p plot_base_case`), it also runs those jobs and prints each one's CPU; the job minus the
first-cell notebook is the notebook's own work. Timings, not assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIRST_CELL = """\
from greenllm import experiments as ex
from greenllm import plots
from greenllm.notebook import header
from greenllm.provenance import stand_ins

plots.setup()
"""
"""The first code cell of the plot notebooks (notebooks/02_base_case.ipynb and most others)."""
PAPERMILL_IMPORT = """\
import greenllm
try:
    from greenllm.pipeline.notebook_job import UNUSED_HANDLERS, modules_left_out
except ImportError:  # a checkout before the job left them out
    import papermill
else:
    with modules_left_out(UNUSED_HANDLERS):
        import papermill
"""


def notebook(path: Path, cells: list[str]) -> Path:
    """Write a minimal notebook with a parameters cell and ``cells``."""
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": []}
    document = {
        "cells": [{**cell, "metadata": {"tags": ["parameters"]}, "source": "x = 1"},
                  *({**cell, "source": source} for source in cells)],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    path.write_text(json.dumps(document))
    return path


def cpu_s(command: list[str]) -> float:
    """User + system CPU seconds of ``command`` and its children (run from the checkout, output discarded)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    subprocess.run(command, cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def lowest_cpu_s(command: list[str], repeat: int) -> float:
    return min(cpu_s(command) for _ in range(repeat))


def first_cell_imports_seaborn() -> bool:
    code = FIRST_CELL + "import sys\nprint('seaborn' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True, capture_output=True, text=True)
    return out.stdout.split()[-1] == "True"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("jobs", nargs="?", help="file of `greenllm pipeline notebook ...` commands, one a line")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    python = sys.executable
    greenllm = [python, "-m", "greenllm"]
    with tempfile.TemporaryDirectory(prefix="bench-notebook-") as folder:
        folder = Path(folder)
        empty = notebook(folder / "empty.ipynb", ["pass"])
        first = notebook(folder / "first_cell.ipynb", [FIRST_CELL])
        job = [*greenllm, "pipeline", "notebook"]
        phases = {
            "interpreter": [python, "-c", "pass"],
            "job command": [python, "-c", "from greenllm.cli import build_parser; build_parser()"],
            "papermill import": [python, "-c", PAPERMILL_IMPORT],
            "kernel imports": [python, "-c", "import ipykernel.kernelapp, ipykernel.ipkernel"],
            "empty notebook": [*job, str(empty), str(folder / "out.ipynb")],
            "first cell notebook": [*job, str(first), str(folder / "out.ipynb")],
            "plotting libraries": [python, "-c", "import pandas, matplotlib.pyplot"],
            "plotting libraries and seaborn": [python, "-c", "import pandas, matplotlib.pyplot, seaborn"],
        }
        seconds = {name: lowest_cpu_s(command, args.repeat) for name, command in phases.items()}
    seconds["first cell"] = seconds.pop("first cell notebook") - seconds["empty notebook"]
    seconds["seaborn"] = seconds.pop("plotting libraries and seaborn") - seconds["plotting libraries"]
    print(f"CPU seconds per phase (lowest of {args.repeat} runs)")
    for name, value in seconds.items():
        print(f"  {name:<20} {value:6.2f}")
    fixed = seconds["empty notebook"] + seconds["first cell"]
    print(f"  {'fixed cost of a job':<20} {fixed:6.2f}   (empty notebook + first cell)")
    if first_cell_imports_seaborn():
        print("  (the first cell imports seaborn itself: every job pays it)")
    else:
        print(f"  {'... drawing seaborn':<20} {fixed + seconds['seaborn']:6.2f}   (+ seaborn, imported where it draws)")
    if args.jobs:
        commands = [line for line in Path(args.jobs).read_text().splitlines() if line.strip()]
        total = 0.0
        for line in commands:
            words = shlex.split(line)
            value = lowest_cpu_s([*greenllm, *words[1:]], args.repeat)
            total += value
            print(f"  {value:6.2f}  {words[4]}")
        print(f"  {total:6.2f}  {len(commands)} jobs")


if __name__ == "__main__":
    main()
