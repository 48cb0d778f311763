"""docs/regions.md's zone table is generated from the builders' support checks, and those checks say what builds."""

import dataclasses
from pathlib import Path

import pytest

from greenllm.cli import main
from greenllm.data import zones
from greenllm.data.build import region_support
from greenllm.data.regions import load_regions
from greenllm.data.scenarios import europe_2018
from greenllm.errors import DataSourceError

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "regions.md"


def test_the_committed_zone_table_is_the_generated_one():
    text = DOC.read_text(encoding="utf-8")
    assert zones.markdown() in text, "docs/regions.md is stale: run `greenllm data zones --write docs/regions.md`"


def test_write_replaces_only_the_generated_block(tmp_path, capsys):
    page = tmp_path / "regions.md"
    page.write_text(f"before\n{zones.BEGIN}\nold table\n{zones.END}\nafter\n", encoding="utf-8")
    assert main(["data", "zones", "--write", str(page)]) == 0
    assert page.read_text(encoding="utf-8") == "before\n" + zones.markdown() + "after\n"


def test_a_page_without_the_markers_is_one_message(tmp_path, capsys):
    page = tmp_path / "regions.md"
    page.write_text("no table\n", encoding="utf-8")
    assert main(["data", "zones", "--write", str(page)]) == 2
    assert "no generated zone block" in capsys.readouterr().err


def milan():
    """A site in Northern Italy, as a user would add it: country IT, SMARD's IT_NORD price zone."""
    base = load_regions()["europe-west3"]
    grid = dataclasses.replace(base.grid, electricitymaps_zone="IT-NO", entsoe_bidding_zone="IT_NORD",
                               entsoe_country="IT")
    return dataclasses.replace(base, id="milan-it", name="Milan", latitude=45.46, longitude=9.19,
                               timezone="Europe/Rome", grid=grid)


def test_a_zone_the_table_lists_as_unsupported_is_refused_by_the_builder_with_that_reason():
    reason = region_support(milan())["europe_2018"]
    assert reason is not None and "IT is not usable" in reason
    assert f"| `IT` | no: {reason}" in zones.markdown()
    with pytest.raises(DataSourceError, match="IT 2018 is not usable"):  # what the build itself would meet
        europe_2018.entsoe_offline.hourly_grid_factors("IT", europe_2018.YEAR)


def test_every_country_the_table_lists_as_supported_builds_its_grid_year():
    supported = [c for c in europe_2018.prices.SMARD_COUNTRY_ZONES if europe_2018.country_support(c) is None]
    assert {"DE", "FR", "AT"} <= set(supported)
    for country in supported:
        assert len(europe_2018.entsoe_offline.hourly_grid_factors(country, europe_2018.YEAR)) >= 8760
        assert f"| `{country}` | yes |" in zones.markdown()
