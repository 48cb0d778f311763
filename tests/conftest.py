"""Shared fixtures: the read-only ../shared folder (reference inputs and real data files)."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def _shared_path(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: these tests need the read-only ../shared folder beside the repository")
    return path


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return _shared_path()


@pytest.fixture(scope="session")
def paper_v1_dir() -> Path:
    """The paper's base-case scenario folder (../shared/reference/paper_v1)."""
    return _shared_path("reference", "paper_v1")


@pytest.fixture(scope="session")
def real_fixtures() -> Path:
    """Real downloads in the sources' own formats (../shared/fixtures/real)."""
    return _shared_path("fixtures", "real")
