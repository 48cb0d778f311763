"""Execute a notebook with papermill, in this process (no papermill CLI start-up).

    python workflow/scripts/run_notebook.py NOTEBOOK EXECUTED --parameters JSON [--cwd DIR]

The executed copy (with outputs) is written to EXECUTED; the committed notebook stays output-free. The kernel is
"python3" of the running environment (ipykernel's spec in .venv/share/jupyter/kernels; jupyter_client starts it
with this interpreter). It talks to this process over IPC sockets in a private temporary folder, not TCP: with
TCP, jupyter_client picks free ports and the kernel binds them a moment later, so notebooks started in parallel
(snakemake --cores N) could take each other's port ("Address already in use", "Kernel died before replying").
"""

from __future__ import annotations

import sys

# nbformat -> jsonschema imports rfc3987_syntax when installed, which builds an IRI grammar at import time (about
# 1.5 s here); notebook validation never uses those format checks, and jsonschema skips them when the import fails.
sys.modules.setdefault("rfc3987_syntax", None)

import argparse  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import papermill  # noqa: E402
from jupyter_client.manager import AsyncKernelManager  # noqa: E402
from traitlets import default  # noqa: E402

KERNEL = "python3"


def ipc_kernel_manager(socket_dir: str | Path) -> type[AsyncKernelManager]:
    """A kernel manager whose kernel sockets are files under ``socket_dir`` (one folder per run, so no two kernels
    share a name) instead of TCP ports."""

    class IPCKernelManager(AsyncKernelManager):
        transport = "ipc"

        @default("ip")
        def _ip_default(self) -> str:
            return str(Path(socket_dir) / "kernel")

    return IPCKernelManager


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook")
    parser.add_argument("executed")
    parser.add_argument("--parameters", default="{}", help="JSON object of papermill parameters")
    parser.add_argument("--cwd", default=".", help="working directory of the kernel (default: here)")
    args = parser.parse_args()
    Path(args.executed).parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="greenllm-kernel-") as socket_dir:
        papermill.execute_notebook(
            args.notebook, args.executed, parameters=json.loads(args.parameters), kernel_name=KERNEL, cwd=args.cwd,
            progress_bar=False, log_output=False, request_save_on_cell_execute=False,
            kernel_manager_class=ipc_kernel_manager(socket_dir),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
