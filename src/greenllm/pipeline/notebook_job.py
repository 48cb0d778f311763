"""The pipeline's notebook job: execute a notebook with papermill, in this process (no papermill CLI start-up).

    greenllm pipeline notebook NOTEBOOK EXECUTED --parameters JSON [--cwd DIR]

This module owns how a plot notebook is run. The executed copy (with outputs) is written to EXECUTED; the committed
notebook stays output-free. The kernel is "python3" of the running environment (ipykernel's spec in
.venv/share/jupyter/kernels; jupyter_client starts it with this interpreter). It talks to this process over IPC
sockets in a private temporary folder, not TCP: with TCP, jupyter_client picks free ports and the kernel binds them
a moment later, so notebooks started in parallel (snakemake --cores N) could take each other's port ("Address
already in use", "Kernel died before replying").
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

KERNEL = "python3"
KERNEL_LAUNCHER = ("ipykernel_launcher", "greenllm.pipeline.kernel")
"""The kernel spec's launcher module and the one the job runs instead: the same kernel without its debugger."""


def ipc_kernel_manager(socket_dir: str | Path):
    """A kernel manager class whose kernel sockets are files under ``socket_dir`` (one folder per run, so no two
    kernels share a name) instead of TCP ports, and whose kernel starts through :mod:`greenllm.pipeline.kernel`."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class IPCKernelManager(AsyncKernelManager):
        transport = "ipc"

        @default("ip")
        def _ip_default(self) -> str:
            return str(Path(socket_dir) / "kernel")

        def format_kernel_cmd(self, extra_arguments=None) -> list[str]:
            launcher, replacement = KERNEL_LAUNCHER
            command = super().format_kernel_cmd(extra_arguments)
            return [replacement if part == launcher else part for part in command]

    return IPCKernelManager


UNUSED_HANDLERS = ("pyarrow.fs",)
"""Optional modules papermill imports for remote notebook paths when they are installed: pyarrow.fs (its HDFS
handler) imports pyarrow and numpy, about 0.1 s of CPU in every job. The job reads and writes local files only."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``greenllm pipeline notebook``."""
    parser.add_argument("notebook")
    parser.add_argument("executed")
    parser.add_argument("--parameters", default="{}", help="JSON object of papermill parameters")
    parser.add_argument("--cwd", default=".", help="working directory of the kernel (default: here)")


def parameters(text: str) -> dict:
    """The --parameters JSON object; InputError naming the flag when it is not one."""
    from greenllm.errors import InputError

    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"--parameters: not valid JSON ({err})") from None
    if not isinstance(value, dict):
        raise InputError(f"--parameters: expected a JSON object of notebook parameters, got {type(value).__name__}")
    return value


def run(args: argparse.Namespace) -> int:
    """Execute NOTEBOOK with the parameters into EXECUTED; 0 (papermill raises on a failing cell). Bad arguments
    (parameters that are not a JSON object, a missing notebook or working directory) are InputErrors."""
    from greenllm.errors import InputError

    values = parameters(args.parameters)
    if not Path(args.notebook).is_file():
        raise InputError(f"{args.notebook}: no such notebook")
    if not Path(args.cwd).is_dir():
        raise InputError(f"--cwd {args.cwd}: no such folder")
    from greenllm.importing import modules_left_out

    with modules_left_out(UNUSED_HANDLERS):
        import papermill  # nbformat validates with jsonschema, without its IRI grammar (greenllm/__init__.py)

    Path(args.executed).parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="greenllm-kernel-") as socket_dir:
        papermill.execute_notebook(
            args.notebook, args.executed, parameters=values, kernel_name=KERNEL, cwd=args.cwd,
            progress_bar=False, log_output=False, request_save_on_cell_execute=False,
            kernel_manager_class=ipc_kernel_manager(socket_dir),
        )
    return 0
