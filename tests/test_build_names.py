"""`greenllm data build NAME --as X`: X is a plain name, and a build only ever replaces a scenario folder it wrote.

Before: `--as ../raw` replaced the raw cache by a scenario folder, `--as .` wiped the output folder and `--as ..`
left a `....old.*` folder behind.
"""

import pytest

from greenllm.cli import main
from greenllm.errors import InputError
from greenllm.inputs import write_scenario
from tests.test_tiny_instance import tiny_tables

BUILD = ["data", "build", "europe_2018", "--offline", "--option", "region_ids=europe-west3,europe-west9"]


def _snapshot(root):
    """Every path under ``root`` with its bytes (None for folders)."""
    return {str(p.relative_to(root)): (None if p.is_dir() else p.read_bytes()) for p in sorted(root.rglob("*"))}


@pytest.fixture
def layout(tmp_path):
    """data/raw with a cached file, a manifest and a README; data/processed with one built scenario."""
    raw = tmp_path / "data" / "raw"
    (raw / "electricitymaps").mkdir(parents=True)
    (raw / "electricitymaps" / "US-MIDW-MISO_2024_hourly.csv").write_text("Datetime (UTC),Carbon intensity\n")
    (raw / "manifest.json").write_text("{}\n")
    (raw / "README.md").write_text("tracked\n")
    processed = tmp_path / "data" / "processed"
    write_scenario(processed / "mine", *tiny_tables())
    (processed / "README.md").write_text("tracked\n")
    return tmp_path


def _build(root, *args):
    return main([*BUILD, "--raw-dir", str(root / "data" / "raw"), "--out-dir", str(root / "data" / "processed"),
                 *args])


@pytest.mark.parametrize("name", ["../raw", ".", "..", "", ".hidden", "a/b", "/tmp/x", "mine/.."])
def test_a_name_that_is_not_plain_is_refused_and_nothing_changes(layout, capsys, name):
    before = _snapshot(layout)
    assert _build(layout, "--as", name) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --as") and "plain folder name" in err and "Traceback" not in err
    assert _snapshot(layout) == before  # nothing inside or outside the output folder changed, nothing left behind


def test_an_existing_folder_that_is_not_a_scenario_it_wrote_is_not_replaced(layout, capsys):
    before = _snapshot(layout)
    code = main([*BUILD, "--raw-dir", str(layout / "data" / "raw"), "--out-dir", str(layout / "data"),
                 "--as", "raw"])
    assert code == 2
    assert "is not a scenario folder written by greenllm" in capsys.readouterr().err
    assert _snapshot(layout) == before


def test_a_scenario_folder_it_wrote_is_replaced_without_leftovers(layout):
    assert _build(layout, "--as", "mine") == 0
    processed = layout / "data" / "processed"
    assert sorted(p.name for p in processed.iterdir()) == ["README.md", "mine"]
    assert (processed / "mine" / "provenance.json").is_file()
    assert _build(layout, "--as", "mine") == 0  # a build it wrote itself is replaceable too
    assert sorted(p.name for p in processed.iterdir()) == ["README.md", "mine"]


def test_write_scenario_refuses_to_replace_a_foreign_folder(tmp_path):
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine\n")
    with pytest.raises(InputError, match="not a scenario folder written by greenllm"):
        write_scenario(foreign, *tiny_tables())
    assert (foreign / "keep.txt").read_text() == "mine\n"
    with pytest.raises(InputError, match="plain name"):
        write_scenario(tmp_path / "x" / "..", *tiny_tables())
