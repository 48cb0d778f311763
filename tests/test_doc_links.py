"""Every relative link of README.md and docs/*.md names a file or folder that exists (no docs/docs/... paths)."""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def relative_links(page: Path) -> list[tuple[int, str]]:
    """(line number, target) of every Markdown link that is not a web address or an anchor of the same page."""
    links = []
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        for target in LINK.findall(line):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue
            links.append((number, target.split("#", 1)[0]))
    return links


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_relative_link_resolves(page):
    dead = [f"line {n}: {target}" for n, target in relative_links(page) if not (page.parent / target).exists()]
    assert not dead, f"{page.relative_to(REPO)}: dead links: {dead}"


def test_a_dead_link_is_found():
    assert relative_links(REPO / "docs" / "pipeline.md")  # the page has links, so the check above can fail
