"""Warnings and notes for the user on stderr, one line each (``warning: ...``, ``note: ...``), silenced by
``greenllm -q`` (which leaves only errors on stderr: greenllm.cli.main sets QUIET for the command's duration, and
also silences the ``greenllm`` loggers' warnings and Python's warnings module)."""

from __future__ import annotations

import sys

QUIET = False
"""True while a `greenllm -q` command runs."""


def warn(text: str) -> None:
    """Print ``warning: text`` on stderr unless quiet."""
    if not QUIET:
        print(f"warning: {text}", file=sys.stderr)


def note(text: str) -> None:
    """Print ``note: text`` on stderr unless quiet."""
    if not QUIET:
        print(f"note: {text}", file=sys.stderr)


def info(text: str) -> None:
    """Print ``info: text`` on stderr unless quiet."""
    if not QUIET:
        print(f"info: {text}", file=sys.stderr)
