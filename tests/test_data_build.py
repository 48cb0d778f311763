"""`greenllm data build` options: passed to the builder after checking them against its signature."""

import pytest

from greenllm.data.build import build_scenario, parse_options
from greenllm.errors import InputError
from greenllm.inputs import load_scenario


def test_options_are_converted_to_the_builders_types():
    options = parse_options("europe_2018", ["day=2018-07-15", "region_ids=europe-west3,europe-west9", "seed=7"])
    assert options == {"day": "2018-07-15", "region_ids": ("europe-west3", "europe-west9"), "seed": 7}


def test_unknown_option_lists_the_scenarios_options():
    with pytest.raises(InputError, match=r"no option 'colour' \(its options: day, region_ids"):
        parse_options("europe_2018", ["colour=red"])


def test_option_needs_key_and_value():
    with pytest.raises(InputError, match="expected KEY=VALUE"):
        parse_options("europe_2018", ["day"])


def test_unknown_scenario_lists_the_known_ones():
    with pytest.raises(InputError, match="known scenarios: europe_2018, paper_v1, us_2024, world_2024"):
        parse_options("mars_2030", [])


def test_a_variant_builds_under_its_own_name(tmp_path):
    folder = build_scenario("europe_2018", out_root=tmp_path, raw_root=tmp_path / "raw", offline=True,
                            folder_name="europe_2018_jul", day="2018-07-15",
                            region_ids=("europe-west3", "europe-west9"))
    assert folder == tmp_path / "europe_2018_jul"
    scenario = load_scenario(folder)
    assert scenario.n_dcs == 2 and scenario.n_hours == 24
