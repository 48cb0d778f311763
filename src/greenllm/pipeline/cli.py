"""The ``greenllm pipeline`` commands (registered by :mod:`greenllm.cli`): the jobs of the Snakemake workflow.

    greenllm pipeline retrieve SCENARIO --status FILE --network {auto,online,offline} [--probe-host HOST ...]
                               --commands JSON
    greenllm pipeline build SCENARIO --out data/processed/SCENARIO --status FILE [--retrieve-status FILE]
                            [--source FOLDER] [--skip-stand-in] [--required] [--builder NAME] [--option KEY=VALUE]
    greenllm pipeline notebook NOTEBOOK EXECUTED --parameters JSON [--cwd DIR]
    greenllm pipeline run [SNAKEMAKE ARGUMENTS ...]      (`make all`)

Each job module defines its arguments (``add_arguments``) and its work (``run``); the notebook job imports
papermill only when it runs, so ``greenllm`` starts without it.
"""

from __future__ import annotations

import importlib

JOBS = (
    ("retrieve", "greenllm.pipeline.retrieve_job", "download a scenario's raw data when online; write its status"),
    ("build", "greenllm.pipeline.build_job", "build a scenario folder (kept if the new build is worse); write its status"),
    ("notebook", "greenllm.pipeline.notebook_job", "execute a plot notebook with papermill"),
    ("run", "greenllm.pipeline.run_job", "run Snakemake here, one run per folder, resuming an interrupted run"),
)
"""(command, job module, help) of each pipeline job."""


def register(subparsers) -> None:
    """Add ``pipeline retrieve|build|notebook|run`` to the top-level subparsers."""
    pipeline = subparsers.add_parser("pipeline", help="the Snakemake workflow's jobs (retrieve, build, notebook) and its start (run)",
                                     description="The jobs of the compendium's Snakemake workflow.")
    commands = pipeline.add_subparsers(dest="pipeline_command", required=True)
    for name, module, text in JOBS:
        job = importlib.import_module(module)
        parser = commands.add_parser(name, help=text, description=job.__doc__.splitlines()[0])
        job.add_arguments(parser)
        parser.set_defaults(func=job.run)
