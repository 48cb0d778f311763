"""The kernel of the notebook jobs: ipykernel's own launcher (``python -m ipykernel_launcher``), without its debugger.

    python -m greenllm.pipeline.kernel -f CONNECTION_FILE

ipykernel imports debugpy at start whenever it is installed, so that a front end may attach a debugger: about 0.1 s
of CPU in every kernel. Nothing attaches one to a pipeline job (greenllm.pipeline.notebook_job starts this module
instead of ipykernel_launcher), so here ipykernel starts as if debugpy were not installed; everything else is the
launcher's start, line for line.
"""

import sys
from pathlib import Path

DEBUGGER = "debugpy"

if __name__ == "__main__":
    sys.modules.setdefault(DEBUGGER, None)  # ipykernel then runs without its debugger
    # ipykernel_launcher: remove the working directory from sys.path while loading (the shell adds it back)
    if sys.path[0] == "" or Path(sys.path[0]) == Path.cwd():
        del sys.path[0]

    from ipykernel import kernelapp

    kernelapp.launch_new_instance()
