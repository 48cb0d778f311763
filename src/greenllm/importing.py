"""Importing as if some installed modules were not there: for optional imports a job does not need."""

from __future__ import annotations

import contextlib
import sys


@contextlib.contextmanager
def modules_left_out(names):
    """Import inside this block as if the modules ``names`` were not installed (each one not already imported)."""
    blocked = [name for name in names if name not in sys.modules]
    sys.modules.update(dict.fromkeys(blocked))
    try:
        yield
    finally:
        for name in blocked:
            if sys.modules.get(name) is None:
                del sys.modules[name]
