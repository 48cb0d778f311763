"""The claims check: every number in README.md and docs/*.md that names a table is found in that table.

A *unit* of prose is a paragraph, a list item or a table row (fenced code is skipped). A unit *names* a table when
it holds a path ``tables/FOLDER/NAME.csv`` (or ``.md``, read as its CSV) or ``figures/FOLDER/NAME.csv``; a bare
``NAME.csv`` names the file in the folder of the unit's last path, or the one file of that name under tables/ and
figures/ if there is one; ``<scenario>`` in a path stands for every folder. Every number of a unit that names a
table must then be *found* in one of the tables it names: some numeric cell, rounded to the decimals the number is
printed with, equals it, directly or in the unit the prose uses (:data:`UNIT_SCALES`: kg printed as t, L as kL or
ML, a share as %). Signs are ignored (a table's "extra" column is signed, prose says "more" or "less").

Numbers that are not data are not checked: digits inside words, code spans and paths (``M0``, ``H100``,
``europe_2018``, ``10^9``, ``sub-2-second``, ``1e-6``), fractions (``1/3``), arXiv identifiers, four-digit years
1900-2099, and the numbers of the short allow-list :data:`NOT_DATA` (set-up counts, not results). A number computed
from cells (a ratio of two cells, say) is stated next to the column that holds it, or the table gains that column:
the check has no formula language. Sections being restated are listed in :data:`PENDING`.

Run ``python tests/claims.py`` for the list of numbers not found (file, line, number, tables it names).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DOCUMENTS = ("README.md", "docs/*.md")
UNIT_SCALES = {"t": (1e-3,), "kt": (1e-6,), "kL": (1e-3,), "ML": (1e-6,), "%": (1.0, 100.0)}
"""What a cell is multiplied by before it is compared with a number printed with this unit after it: tables keep
kg and L, so "59.8 t" is a cell of 59,800 kg (rounded) and "9.44 ML" one of 9.44 million L; a percentage is a
column in % or a share (0.165 as "16.5 %"). A number with any other unit, or none, is compared with the cells as
they are."""

TABLE_PATH = re.compile(r"(?<![\w/])((?:tables|figures)/[\w<>.-]+/[\w.-]+\.(?:csv|md))")
BARE_TABLE = re.compile(r"(?<![\w/.-])([a-z][\w-]*\.csv)\b")
CODE_SPAN = re.compile(r"`[^`]*`")
LINK_TARGET = re.compile(r"\]\([^)]*\)")
NUMBER = re.compile(r"(?<![\w.^/])(?<![A-Za-z]-)(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\w^]|\.\d)"
                    r"(?:\s?(t|kt|kL|ML|%)(?!\w))?")

NOT_DATA: dict[str, set[str]] = {
    "docs/experiments.md": {"692,248", "64"},  # paper_v1's queries a day; the batch limit and accelerators per site
    "docs/paper.md": {"19,000", "1,000,000", "64", "20"},  # the scenario's per-token speeds; batch 64 at 20 tokens/s
}
"""Per document, the numbers (as printed) in units that name a table that describe the set-up, not a result read
from the table. Keep it short: a result belongs in a table."""


@dataclass(frozen=True)
class Claim:
    """A number printed in a document, and the tables its unit names."""

    document: str
    line: int
    text: str
    tables: tuple[str, ...]
    unit: str = ""
    section: str = ""

    @property
    def value(self) -> float:
        return float(self.text.replace(",", ""))

    @property
    def decimals(self) -> int:
        return len(self.text.split(".")[1]) if "." in self.text else 0

    def __str__(self) -> str:
        shown = f"{self.text} {self.unit}".strip()
        return (f"{self.document}:{self.line}: {shown} not found in {', '.join(self.tables)}"
                f"{' (pending: ' + self.section + ')' if pending(self) else ''}")


def documents(root: Path = REPO) -> list[Path]:
    found = []
    for pattern in DOCUMENTS:
        found += sorted(root.glob(pattern))
    return found


def units(text: str) -> list[tuple[int, str, str]]:
    """(first line number, text, heading it stands under) of each paragraph, list item and table row; fenced code
    skipped."""
    out, block, start, fenced, heading = [], [], 0, False, ""

    def flush():
        if block:
            out.append((start, " ".join(block), heading))
            block.clear()

    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            fenced = not fenced
            continue
        if fenced:
            continue
        if not stripped or stripped.startswith("#"):
            flush()
            heading = stripped.lstrip("#").strip() if stripped else heading
            continue
        if stripped.startswith("|") or re.match(r"([-*]|\d+\.) ", stripped):
            flush()
            start = number
            block.append(stripped)
            if stripped.startswith("|"):
                flush()
            continue
        if not block:
            start = number
        block.append(stripped)
    flush()
    return out


def named_tables(unit: str, root: Path = REPO) -> list[str]:
    """The table files (repository-relative CSV paths that exist) a unit names."""
    names, folder = [], None
    for match in re.finditer(f"{TABLE_PATH.pattern}|{BARE_TABLE.pattern}", unit):
        path = match.group(1)
        if path is None:  # a bare name: in the folder of the last path, else wherever it is unique
            everywhere = sorted({*root.glob(f"tables/*/{match.group(2)}"), *root.glob(f"figures/*/{match.group(2)}")})
            if folder is not None and (root / folder / match.group(2)).is_file():
                path = f"{folder}/{match.group(2)}"
            elif len(everywhere) == 1:
                path = everywhere[0].relative_to(root).as_posix()
            else:
                continue
        else:
            folder = path.rsplit("/", 1)[0]
        path = re.sub(r"\.md$", ".csv", path)
        candidates = sorted(root.glob(path.replace("<scenario>", "*"))) if "<" in path else [root / path]
        names += [p.relative_to(root).as_posix() for p in candidates if p.is_file()]
    return list(dict.fromkeys(names))


def numbers(unit: str) -> list[tuple[str, str]]:
    """(number as printed, unit of :data:`UNIT_SCALES` or "") of a unit of prose, without code spans, link targets,
    fractions and years."""
    prose = LINK_TARGET.sub("]", CODE_SPAN.sub(" ", unit))
    prose = re.sub(r"arXiv:? ?\d{4}\.\d{4,5}(v\d+)?", " ", prose)  # paper identifiers
    prose = re.sub(r"\d+/\d+", " ", prose)  # fractions such as weights 1/3 and dates
    found = []
    for match in NUMBER.finditer(prose):
        text = match.group(1)
        if re.fullmatch(r"(19|20)\d\d", text):
            continue
        found.append((text, match.group(2) or ""))
    return found


def claims(root: Path = REPO) -> list[Claim]:
    """Every number of every unit that names a table."""
    out = []
    for path in documents(root):
        document = path.relative_to(root).as_posix()
        allowed = NOT_DATA.get(document, set())
        for line, unit, section in units(path.read_text(encoding="utf-8")):
            tables = named_tables(unit, root)
            if not tables:
                continue
            out += [Claim(document, line, text, tuple(tables), unit_name, section)
                    for text, unit_name in numbers(unit) if text not in allowed]
    return out


PENDING: dict[tuple[str, str], str] = {}
"""(document, heading prefix; "" for the whole document) -> why its claims are not checked yet. Delete an entry once
its section is restated: ``python tests/claims.py`` then lists what is left to fix."""


def pending(claim: Claim) -> bool:
    """Whether the claim stands in a :data:`PENDING` section."""
    return any(claim.document == document and claim.section.startswith(prefix) for document, prefix in PENDING)


def table_values(path: Path) -> np.ndarray:
    """Every finite numeric cell of a CSV table, as absolute values."""
    frame = pd.read_csv(path)
    values = frame.select_dtypes("number").to_numpy(dtype=float).ravel()
    return np.abs(values[np.isfinite(values)])


def found(claim: Claim, root: Path = REPO, cache: dict | None = None) -> bool:
    """Whether some cell of a table the claim's unit names, in the claim's unit (:data:`UNIT_SCALES`) and rounded
    to the claim's printed decimals, equals the claim."""
    cache = {} if cache is None else cache
    for table in claim.tables:
        if table not in cache:
            cache[table] = table_values(root / table)
        cells = cache[table]
        for scale in UNIT_SCALES.get(claim.unit, (1.0,)):
            rounded = np.round(cells * scale, claim.decimals)
            if np.any(np.isclose(rounded, claim.value, rtol=0, atol=0.49 * 10.0 ** -claim.decimals)):
                return True
    return False


def missing(root: Path = REPO, *, include_pending: bool = False) -> list[Claim]:
    """The claims whose number is not found in the tables their unit names (by default outside :data:`PENDING`)."""
    cache: dict = {}
    return [claim for claim in claims(root)
            if (include_pending or not pending(claim)) and not found(claim, root, cache)]


if __name__ == "__main__":
    problems = missing(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO, include_pending=True)
    print("\n".join(map(str, problems)) or "every number that names a table is found in it")
    sys.exit(1 if problems else 0)
