"""The claims check (tests/claims.py): every number in README.md and docs/*.md whose paragraph, list item or table
row names a table is found in that table to the precision printed, and the check fails when a table changes and
the prose does not. ``python tests/claims.py`` lists every number not found (file, line, number, tables)."""

import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import claims  # noqa: E402

REPO = claims.REPO


def test_every_number_that_names_a_table_is_found_in_it():
    problems = claims.missing()
    assert not problems, "numbers not found in the tables they name:\n" + "\n".join(map(str, problems))


def test_the_documents_make_claims_to_check():
    found = claims.claims()
    assert len(found) > 100
    assert {"README.md", "docs/experiments.md", "docs/per_query.md", "docs/paper.md"} <= {c.document for c in found}


def _copy_of_the_repository(tmp_path: Path) -> Path:
    for name in ("README.md", "docs", "tables", "figures"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("*.png"))
        else:
            shutil.copy(source, tmp_path / name)
    return tmp_path


def test_the_check_fails_when_a_cited_table_changes_and_the_prose_does_not(tmp_path):
    root = _copy_of_the_repository(tmp_path)
    assert claims.missing(root) == []
    table = root / "tables" / "europe_2018_year" / "year_forecast_summary.csv"
    frame = pd.read_csv(table)
    numeric = frame.select_dtypes("number").columns
    frame[numeric] = frame[numeric] * 1.013  # every result 1.3 % higher, the prose unchanged
    frame.to_csv(table, index=False)
    problems = claims.missing(root)
    cited = [p for p in problems if "tables/europe_2018_year/year_forecast_summary.csv" in p.tables]
    assert cited, "a changed table went unnoticed"
    assert {p.document for p in cited} == {"docs/experiments.md", "docs/operations.md"}
    assert "226,962" in {p.text for p in cited}  # perfect foresight's total, now 229,913
    message = str(next(p for p in cited if p.text == "226,962"))
    assert message.startswith("docs/experiments.md:") and "tables/europe_2018_year/year_forecast_summary.csv" in message


def test_the_check_fails_when_a_cited_row_is_removed(tmp_path):
    root = _copy_of_the_repository(tmp_path)
    for table in (root / "tables" / "paper_v1" / "hardware_mix.csv", root / "figures" / "paper_v1" / "hardware_mix.csv"):
        frame = pd.read_csv(table)  # the paragraph names both; each alone would still hold the number
        frame[frame["mix"] != "all_H100"].to_csv(table, index=False)
    assert "529,126" in {p.text for p in claims.missing(root)}  # all-H100 M0's cost, stated in experiments.md


@pytest.fixture
def tiny(tmp_path):
    """A repository with one table and one document."""
    (tmp_path / "tables" / "x").mkdir(parents=True)
    pd.DataFrame({"mode": ["a", "b"], "total_usd": [226962.0088, 5.0], "emissions_kg": [59774.1, 0.0],
                  "share": [0.165, 1.0]}).to_csv(tmp_path / "tables" / "x" / "summary.csv", index=False)
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text("# t\n")
    return tmp_path


def _missing(root: Path, text: str) -> list[str]:
    (root / "docs" / "d.md").write_text(text)
    return [f"{p.text} {p.unit}".strip() for p in claims.missing(root)]


def test_a_number_is_found_at_its_printed_precision(tiny):
    assert _missing(tiny, "It costs 226,962 $ (`tables/x/summary.csv`).\n") == []
    assert _missing(tiny, "It costs 226,962.01 $ (`tables/x/summary.csv`).\n") == []
    assert _missing(tiny, "It costs 226,963 $ (`tables/x/summary.csv`).\n") == ["226,963"]
    assert _missing(tiny, "It costs 227,000 $ (`tables/x/summary.csv`).\n") == ["227,000"]


def test_units_the_prose_uses_are_converted_and_only_those(tiny):
    assert _missing(tiny, "It emits 59.8 t and serves 16.5 % in time (`tables/x/summary.csv`).\n") == []
    assert _missing(tiny, "It emits 59.8 kg (`tables/x/summary.csv`).\n") == ["59.8"]


def test_numbers_that_are_not_data_and_units_that_name_no_table_are_not_checked(tiny):
    text = ("Built in 2024 for M0 on `europe_2018` with weights 1/3 and 1e-6 s, sub-2-second, arXiv 2507.09942"
            " (`tables/x/summary.csv`).\n\nA paragraph without a table: 17 and 3.5.\n\n```\nsolve 99\n```\n")
    assert _missing(tiny, text) == []


def test_a_table_row_and_a_list_item_are_units_of_their_own(tiny):
    text = ("| what | file |\n|---|---|\n| 5 of them | `tables/x/summary.csv` |\n| 7 of them | none |\n\n"
            "- 226,962 in `tables/x/summary.csv`\n- 8 elsewhere\n")
    assert _missing(tiny, text) == []
    assert _missing(tiny, "| 6 of them | `tables/x/summary.csv` |\n") == ["6"]


def test_a_bare_table_name_resolves_to_its_one_file(tiny):
    assert _missing(tiny, "It emits 59.8 t (`summary.csv`).\n") == []
    assert _missing(tiny, "It emits 61.8 t (`summary.csv`).\n") == ["61.8 t"]


def test_the_message_names_file_line_number_and_table(tiny):
    (tiny / "docs" / "d.md").write_text("Intro.\n\nSecond\nparagraph: 41 (`tables/x/summary.csv`).\n")
    (problem,) = claims.missing(tiny)
    assert str(problem) == "docs/d.md:3: 41 not found in tables/x/summary.csv"


def test_pending_sections_are_still_listed_by_the_command(tiny, monkeypatch):
    monkeypatch.setattr(claims, "PENDING", {("docs/d.md", "Later"): "restated later"})
    text = "# Later\n\nIt is 41 (`tables/x/summary.csv`).\n"
    assert _missing(tiny, text) == []
    assert [p.text for p in claims.missing(tiny, include_pending=True)] == ["41"]
