"""What a notebook shows first: where this run writes its figures and tables, and a banner when its scenario was
built with flagged stand-ins.

Run standalone (JupyterLab, or papermill with the defaults of its ``parameters`` cell), a notebook writes under
``results/scratch/<notebook>/`` (git-ignored). Only the pipeline writes the committed ``figures/<scenario>/`` and
``tables/<scenario>/``: its plot rules pass those folders as parameters (``docs/experiments.md``).
"""

from __future__ import annotations

import html
from pathlib import Path

from greenllm.provenance import PROVENANCE_FILE, stand_ins

SCRATCH_DIR = Path("results") / "scratch"
"""Where notebooks run standalone write, relative to the repository root (git-ignored)."""


def stand_in_banner(scenario: str | Path | None) -> str | None:
    """Markdown warning listing the flagged stand-ins ``scenario`` was built with; None when there are none (or
    when the notebook has no scenario). Angle brackets of the notes (paths such as openmeteo/<region>_2018.json)
    are escaped, so Markdown keeps them instead of reading them as HTML tags."""
    notes = stand_ins(scenario) if scenario is not None else []
    if not notes:
        return None
    items = "\n".join(f"- {html.escape(note, quote=False)}" for note in notes)
    return (f"**Warning: built with stand-ins for missing real data** (`{Path(scenario) / PROVENANCE_FILE}`). "
            f"The numbers below are not the real-data results:\n\n{items}")


def outputs_note(**output_dirs: str | Path) -> str:
    """Markdown line saying where each output folder (name -> folder) is, and whether it is the standalone scratch."""
    folders = ", ".join(f"{name} `{Path(folder).resolve()}`" for name, folder in output_dirs.items())
    scratch = all(SCRATCH_DIR.as_posix() in Path(folder).resolve().as_posix() for folder in output_dirs.values())
    where = ("standalone run: writes to the git-ignored scratch folder; only the pipeline writes the committed "
             "figures/ and tables/" if scratch else "writes to")
    return f"Outputs ({where}): {folders}."


def header_text(scenario: str | Path | None, **output_dirs: str | Path) -> str:
    """The Markdown of `header`: the stand-in banner of ``scenario`` and where ``output_dirs`` are."""
    return "\n\n".join(part for part in (stand_in_banner(scenario), outputs_note(**output_dirs)) if part)


def header(scenario: str | Path | None, **output_dirs: str | Path) -> None:
    """Display (first output of a notebook) `header_text`. Returns None, so the cell shows it once (a returned
    string would be shown again as the cell's Out[] value)."""
    from IPython.display import display

    text = header_text(scenario, **output_dirs)
    display({"text/markdown": text, "text/plain": text}, raw=True)
