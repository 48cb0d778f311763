"""Shared fixtures: the committed scenario folders, and the read-only ../shared folder (reference inputs and real
upstream data files) that only the tests of raw-source parsing need.

Every test whose subject is committed data reads the committed folders (data/processed/...), so a fresh clone runs
them. Tests that parse upstream files skip without ../shared; `pytest` then prints every skip in ONE line with its
reason (pytest_terminal_summary below), not one line per test.
"""

from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_ABSENT = "../shared is absent (upstream fixture files)"
"""The one skip reason of every test that needs ../shared: summarised in one line."""
COMMITTED_PAPER_V1 = REPO / "data" / "processed" / "paper_v1"


def _shared_path(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(SHARED_ABSENT if not SHARED.exists() else f"{path} is absent from ../shared")
    return path


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return _shared_path()


@pytest.fixture(scope="session")
def paper_v1_dir() -> Path:
    """The paper's base-case scenario folder as committed (data/processed/paper_v1, written by our own builder and
    equal in every number to the reference inputs: test_committed_paper_v1_equals_the_reference_inputs)."""
    return COMMITTED_PAPER_V1


@pytest.fixture(scope="session")
def paper_v1_reference_dir() -> Path:
    """The reference inputs of the paper's base case (../shared/reference/paper_v1, with its README)."""
    return _shared_path("reference", "paper_v1")


@pytest.fixture(scope="session")
def real_fixtures() -> Path:
    """Real downloads in the sources' own formats (../shared/fixtures/real)."""
    return _shared_path("fixtures", "real")


def skip_reason(report) -> str:
    """The reason a skipped test report gives, without pytest's "Skipped: " prefix."""
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return text.removeprefix("Skipped: ")


def skip_summary(reasons) -> str:
    """One line for all skips: "skipped N tests: REASON (n); ..." with the commonest reason first; "" if none."""
    counts = Counter(reasons)
    if not counts:
        return ""
    parts = [f"{reason} ({n})" for reason, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    total = sum(counts.values())
    return f"skipped {total} test{'s' if total != 1 else ''}: " + "; ".join(parts)


def pytest_terminal_summary(terminalreporter):
    line = skip_summary(skip_reason(r) for r in terminalreporter.stats.get("skipped", []) if r.when != "teardown")
    if line:
        terminalreporter.write_line(line)
