"""Command-line values, parsed and range-checked before anything runs (exit code 2 on a bad one).

Each ``parse_*`` function is an argparse ``type=`` (it raises ``argparse.ArgumentTypeError``); :class:`ScaleAction`
collects ``--scale FIELD=FACTOR`` and refuses a field given twice; :func:`check_threads` is shared with
:func:`greenllm.solve.solve`. Numbers are read with a length check first, so a text like ``1e999999999`` can never
become a huge exact integer (``fractions.Fraction`` would spend minutes on it).
"""

from __future__ import annotations

import argparse
import math
import os
import re
from pathlib import Path

from greenllm.errors import InputError
from greenllm.fields import SCALABLE_FIELDS

MAX_NUMBER_CHARS = 40  # longer than any float's shortest repr (about 24 characters)
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
THREADS_ENV_NOTE = "the number of CPUs of this machine, os.cpu_count()"


def _number(text: str, what: str) -> float:
    """A finite decimal number (``0.25``, ``1e-3``) or a ratio of two (``1/4``); ArgumentTypeError otherwise."""
    text = text.strip()
    if len(text) > MAX_NUMBER_CHARS:
        raise argparse.ArgumentTypeError(f"{what}: {text[:20]}... is not a number (longer than {MAX_NUMBER_CHARS}"
                                         " characters)")
    if text.lower().lstrip("+-") in ("inf", "infinity", "nan"):
        raise argparse.ArgumentTypeError(f"{what}: {text!r} is not a finite number")
    parts = text.split("/")
    if len(parts) > 2 or not all(_DECIMAL.fullmatch(p.strip()) for p in parts):
        raise argparse.ArgumentTypeError(f"{what}: {text!r} is not a number")
    values = [float(p) for p in parts]  # a decimal of <= 40 characters: inf at worst, never slow
    if len(values) == 2:
        if values[1] == 0:
            raise argparse.ArgumentTypeError(f"{what}: {text!r} divides by zero")
        values = [values[0] / values[1]]
    if not math.isfinite(values[0]):
        raise argparse.ArgumentTypeError(f"{what}: {text!r} is not a finite number")
    return values[0]


def parse_weights(text: str) -> tuple[float, float, float]:
    """``E,C,D``: three finite numbers >= 0, not all zero (each may be a ratio such as ``1/3``)."""
    parts = text.split(",")
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(f"expected three numbers E,C,D (e.g. 1/4,1/2,1/4), got {len(parts)}:"
                                         f" {text[:60]!r}")
    values = tuple(_number(p, f"weight {name}") for p, name in zip(parts, "ECD", strict=True))
    if any(v < 0 for v in values) or not any(values):
        raise argparse.ArgumentTypeError(f"expected three numbers >= 0, not all zero, got {text!r}")
    return values


def parse_non_negative(text: str) -> float:
    """A finite number >= 0 (tolerances)."""
    value = _number(text, "value")
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return value


def parse_scale(text: str) -> tuple[str, float]:
    """``FIELD=FACTOR``: a field of ``SCALABLE_FIELDS`` and a finite factor >= 0."""
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected FIELD=FACTOR (e.g. renewable=0.4), got {text!r}")
    if name not in SCALABLE_FIELDS:
        raise argparse.ArgumentTypeError(f"unknown field {name!r}; choose one of {', '.join(SCALABLE_FIELDS)}")
    factor = _number(value, f"factor of {name}")
    if factor < 0:
        raise argparse.ArgumentTypeError(f"factor of {name} must be a finite number >= 0, got {value!r}")
    return name, factor


class ScaleAction(argparse.Action):
    """``--scale FIELD=FACTOR``, repeatable for different fields; the same field twice is an error (it would be
    ambiguous whether the factors multiply)."""

    def __call__(self, parser, namespace, values, option_string=None):
        name, _ = values
        given = list(getattr(namespace, self.dest, None) or [])
        if any(seen == name for seen, _ in given):
            raise argparse.ArgumentError(self, f"field {name!r} is scaled twice; give each field once")
        setattr(namespace, self.dest, [*given, values])


def max_threads() -> int:
    return max(1, os.cpu_count() or 1)


def check_threads(threads, where: str = "--threads") -> int | None:
    """None (the solver's choice) or a whole number from 1 to :func:`max_threads`; InputError otherwise."""
    if threads is None:
        return None
    if isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= max_threads():
        raise InputError(f"{where}: {threads!r} is not a whole number from 1 to {max_threads()} ({THREADS_ENV_NOTE})")
    return threads


def parse_threads(text: str) -> int:
    """``--threads N``: 1 <= N <= os.cpu_count()."""
    text = text.strip()
    if not re.fullmatch(r"[+-]?\d{1,9}", text):
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to {max_threads()}, got {text[:20]!r}")
    try:
        return check_threads(int(text))
    except InputError as err:
        raise argparse.ArgumentTypeError(str(err).removeprefix("--threads: ")) from None


def parse_gigabytes(text: str) -> float:
    """``--max-model-gb G``: a finite number of gigabytes > 0."""
    value = _number(text, "gigabytes")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number of gigabytes > 0, got {text!r}")
    return value


def check_output_dir(path, what: str = "--out-dir") -> Path:
    """Create the output folder ``path`` if needed; InputError naming it when it cannot be a writable folder."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{what} {path}: exists and is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{what} {path}: cannot create the folder ({err.strerror or err})") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise InputError(f"{what} {path}: the folder is not writable")
    return path
