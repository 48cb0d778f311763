"""Deterministic writers of the committed outputs (tables/, figures/), the one atomic file writer, umask modes.

Every file greenllm writes (tables, figures, records, status files, JSON, scenario side files) goes through
:func:`atomic_write_bytes`: a temporary file beside the target, then a rename, so a kill or a full disk never leaves
half a file, a damaged previous file or a ``*.tmp`` behind; a write that fails is one message (exit code 2).

A rerun of the pipeline, here or on another machine, must rewrite every committed file byte for byte. Two things
break that: solver results that differ in the last digits of a float (another CPU, BLAS or HiGHS build), and
volatile metadata in files (software versions, dates). So:

- :func:`write_csv` writes floats with :data:`SIGNIFICANT_DIGITS` significant digits (``%.10g``): noise in the
  15th-17th digit disappears, and 10 digits is still far finer than any number the paper reports (it prints 2-4).
  A value that lies within a few ulps of a rounding boundary of the 10th digit could still round differently; that
  has never occurred in this compendium's tables.
- :func:`write_markdown` writes floats with a fixed number of decimals.
- :func:`save_figure` writes a PNG at a fixed resolution with matplotlib's ``Software`` entry removed (PNG has no
  date entry unless one is given); the pixels depend only on the drawn numbers and the pinned matplotlib/FreeType
  (the wheels bundle their own fonts and FreeType). Rounded, not raw, numbers should be drawn where a last-digit
  change could move a pixel edge.

:func:`make_temp_dir` and :func:`chmod_from_umask` give files and folders written atomically through a temporary
name (tempfile makes them 0700/0600) the modes the user's umask asks for, so group members on a shared cluster file
system can read them.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from greenllm.errors import OutputError

if TYPE_CHECKING:  # the writers take frames; writing a file or JSON does not need pandas (the CLI starts without it)
    import pandas as pd

SIGNIFICANT_DIGITS = 10
"""Significant digits of every float in a committed CSV table or figure-data file."""

FLOAT_FORMAT = f"%.{SIGNIFICANT_DIGITS}g"

FIGURE_DPI = 150
"""Resolution of every committed PNG [dots per inch]."""

FIGURE_METADATA = {"Software": None}
"""PNG text entries: matplotlib's default (its version string) removed; no date is written."""


def current_umask() -> int:
    """The process umask (read without changing it for longer than two calls)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def chmod_from_umask(path: str | os.PathLike, *, directory: bool | None = None) -> None:
    """Give ``path`` the mode a plain ``open``/``mkdir`` would have: 0666 (files) or 0777 (folders) minus the
    umask. For files and folders created with :mod:`tempfile`, which makes them private whatever the umask."""
    path = Path(path)
    if directory is None:
        directory = path.is_dir()
    os.chmod(path, (0o777 if directory else 0o666) & ~current_umask())


def make_temp_dir(parent: str | os.PathLike, prefix: str) -> Path:
    """``tempfile.mkdtemp`` in ``parent`` (unique name, no race), with the umask's mode instead of 0700."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    chmod_from_umask(path, directory=True)
    return path


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file beside it, then a rename: readers never see half a file,
    and a failure (a full disk, a quota, no permission) leaves the previous file as it was and no temporary file
    behind, raising :class:`~greenllm.errors.OutputError` (one message, exit code 2). The file gets the umask's mode.
    Unchanged content is not rewritten (the modification time stays). Every file greenllm writes goes through here."""
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            return path
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            view = memoryview(data)
            while view:  # os.write may write less than asked
                view = view[os.write(fd, view):]
            os.fsync(fd)  # a file system that allocates late reports a full disk here, not after the rename
        finally:
            os.close(fd)
        chmod_from_umask(tmp, directory=False)
        os.replace(tmp, path)
        tmp = None
    except OSError as err:
        kept = "the previous file is unchanged" if path.is_file() else "nothing was written"
        raise OutputError(f"{path}: cannot write ({err.strerror or err}); {kept}") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """:func:`atomic_write_bytes` of ``text`` in UTF-8."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike, payload, *, indent: int = 2, **dumps) -> Path:
    """``payload`` as JSON (``json.dumps(payload, indent=indent, **dumps)`` and a newline), atomically."""
    return atomic_write_text(path, json.dumps(payload, indent=indent, **dumps) + "\n")


def write_frame(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """``frame`` as CSV with full float precision (no index; read back bit-identical), atomically. Committed tables
    use :func:`write_csv` instead (fixed significant digits)."""
    return atomic_write_text(path, frame.to_csv(index=False, lineterminator="\n"))


ZERO_RELATIVE = 10.0 ** -SIGNIFICANT_DIGITS
"""A float whose magnitude is below this share of its column's largest magnitude is written as 0: round-off left by a
difference of two equal optima (e.g. 2.2e-14 where the exact value is 0) is noise below the digits written."""


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV text of ``frame`` (no index, ``\\n`` line ends, floats with :data:`SIGNIFICANT_DIGITS` significant
    digits; -0.0, and round-off below :data:`ZERO_RELATIVE` of the column's largest magnitude, are written as 0)."""
    from pandas.api.types import is_float_dtype

    frame = frame.copy()
    for column in frame.columns:
        if is_float_dtype(frame[column]):
            frame[column] = _without_noise_zeros(frame[column].to_numpy(dtype=float))
    return frame.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n")


def _without_noise_zeros(values: np.ndarray) -> np.ndarray:
    """A float column with -0.0, and round-off below :data:`ZERO_RELATIVE` of its largest magnitude, set to 0."""
    values = np.array(values, dtype=float)
    finite = np.abs(values[np.isfinite(values)])
    if finite.size:
        values[np.abs(values) < ZERO_RELATIVE * finite.max()] = 0.0
    return values + 0.0  # -0.0 + 0.0 == +0.0: the sign of a zero is noise


def rounded_floats(value):
    """``value`` (JSON-like: dicts, lists, numbers, strings) with every float rounded to :data:`SIGNIFICANT_DIGITS`
    significant digits (integers, strings and booleans unchanged)."""
    if isinstance(value, dict):
        return {key: rounded_floats(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [rounded_floats(item) for item in value]
    if isinstance(value, float) and np.isfinite(value):
        return float(FLOAT_FORMAT % value) + 0.0
    return value


def at_written_precision(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every float as its CSV holds it (:func:`csv_text`: :data:`SIGNIFICANT_DIGITS` significant digits,
    round-off as 0). A figure draws this, so that noise below the written digits (e.g. another CPU's last bit of a
    solver result) cannot move a pixel."""
    from pandas.api.types import is_float_dtype

    out = frame.copy()
    for column in out.columns:
        if is_float_dtype(out[column]):
            out[column] = [rounded_floats(float(v)) for v in _without_noise_zeros(out[column].to_numpy(dtype=float))]
    return out


def json_text(value, *, rounded: bool = True) -> str:
    """JSON text with two-space indents and a final newline; floats rounded by :func:`rounded_floats` unless
    ``rounded`` is false; values JSON does not know (dates, paths) as their ``str``."""
    return json.dumps(rounded_floats(value) if rounded else value, indent=2, default=str) + "\n"


def write_csv(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write ``frame`` as CSV with :func:`csv_text`; return the path."""
    path = Path(path)
    atomic_write_bytes(path, csv_text(frame).encode("utf-8"))
    return path


def markdown_text(frame: pd.DataFrame, digits: int = 4) -> str:
    """A GitHub-flavoured Markdown table; floats with ``digits`` decimals (NaN as an empty cell)."""
    def cell(value) -> str:
        if isinstance(value, float | np.floating):
            if np.isnan(value):
                return ""
            text = f"{value:.{digits}f}"
            return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.0000"
        return str(value)

    lines = ["| " + " | ".join(str(c) for c in frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def write_markdown(frame: pd.DataFrame, path: str | os.PathLike, digits: int = 4) -> Path:
    """Write ``frame`` as a Markdown table (:func:`markdown_text`); return the path."""
    path = Path(path)
    atomic_write_bytes(path, markdown_text(frame, digits).encode("utf-8"))
    return path


def save_figure(fig, path: str | os.PathLike) -> Path:
    """Write ``fig`` as a PNG at :data:`FIGURE_DPI` with :data:`FIGURE_METADATA`, cropped to its content."""
    path = Path(path).with_suffix(".png")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=FIGURE_DPI, bbox_inches="tight", metadata=FIGURE_METADATA)
    atomic_write_bytes(path, buffer.getvalue())
    return path
