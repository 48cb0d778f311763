"""The region registry: config/regions.yaml validates, carries the paper's zones, and bad entries fail clearly."""

import copy
import re
import zoneinfo
from datetime import datetime

import jsonschema
import numpy as np
import pandas as pd
import pytest
import yaml

from greenllm.data.regions import DEFAULT_REGIONS_PATH, load_regions, load_schema, select
from greenllm.errors import InputError

PAPER_REGION_IDS = ["us-central1", "us-east1", "us-east4", "us-east5", "us-south1", "us-west1", "us-west2",
                    "us-west3", "us-west4"]


@pytest.fixture(scope="module")
def regions():
    return load_regions()


@pytest.fixture(scope="module")
def raw_registry():
    return yaml.safe_load(DEFAULT_REGIONS_PATH.read_text(encoding="utf-8"))


def _write(tmp_path, data):
    path = tmp_path / "regions.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _entry(data, region_id):
    """The entry of region_id. YAML aliases (wind, hardware) are shared objects: edits must replace, not mutate."""
    return next(entry for entry in data["regions"] if entry["id"] == region_id)


def test_a_registry_is_read_again_when_its_text_changes_and_callers_get_their_own_dict(tmp_path, raw_registry):
    """load_regions parses a registry once per text (the pipeline looks it up for every build and region)."""
    path = _write(tmp_path, raw_registry)
    first = load_regions(path)
    first.pop("europe-west3")
    assert "europe-west3" in load_regions(path)  # the cached registry was not changed through a returned dict
    data = copy.deepcopy(raw_registry)
    data["regions"] = [e for e in data["regions"] if e["id"] != "europe-west9"]
    path = _write(tmp_path, data)
    assert "europe-west9" not in load_regions(path)  # an edited file is parsed again


def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(load_schema())


def test_registry_holds_the_papers_nine_regions_in_datacenters_csv_order(regions, paper_v1_dir):
    names = pd.read_csv(paper_v1_dir / "datacenters.csv")["name"].tolist()
    assert names == PAPER_REGION_IDS
    assert [region_id for region_id in regions if region_id.startswith("us-")] == names


def test_paper_electricitymaps_zones_match_the_paper_readme(regions, paper_v1_dir, paper_v1_reference_dir):
    readme = (paper_v1_reference_dir / "README.md").read_text(encoding="utf-8")
    sentence = readme[readme.index("are: dc 0"):].split(".")[0]  # "are: dc 0 US-MIDW-MISO, 1 US-SE-SEPA, ..."
    listed = dict(re.findall(r"(\d) (US-[A-Z]+-[A-Z]+)", sentence))
    assert len(listed) == 9
    names = pd.read_csv(paper_v1_dir / "datacenters.csv")["name"].tolist()
    for dc, zone in listed.items():
        assert regions[names[int(dc)]].electricitymaps_zone(paper=True) == zone


def test_north_virginia_records_both_the_paper_stand_in_and_the_physical_zone(regions):
    east4 = regions["us-east4"]
    assert east4.electricitymaps_zone(paper=True) == "US-NY-NYIS"
    assert east4.electricitymaps_zone() == "US-MIDA-PJM"
    assert (east4.eia_ba(paper=True), east4.eia_ba()) == ("NYIS", "PJM")
    # where the paper used the physical zone, both calls agree
    assert regions["us-south1"].electricitymaps_zone(paper=True) == regions["us-south1"].electricitymaps_zone()


def test_paper_populations_and_regional_factors_agree_with_paper_areas(regions, paper_v1_dir):
    areas = pd.read_csv(paper_v1_dir / "areas.csv")  # area i is the user area of dc i
    population = areas["population_millions"].to_numpy()
    normalised = (population - population.min()) / (population.max() - population.min())
    paper_factor = areas["demand_multiplier"].to_numpy() / (0.3 + normalised)
    for i, region_id in enumerate(PAPER_REGION_IDS):
        area = regions[region_id].user_area
        # the registry cites the 2020 Census; the paper rounded (Texas 29.0 vs 29.15)
        assert area.population_millions == pytest.approx(population[i], abs=0.2)
        assert area.demand_factor == pytest.approx(paper_factor[i], rel=1e-9)
        assert "Census" in area.population_source


def test_europe_has_the_countries_usable_offline(regions):
    europe = [r for r in regions.values() if r.grid.entsoe_country is not None]
    assert len(europe) >= 6
    assert {"DE", "FR", "AT", "ES", "DK", "SE"} <= {r.grid.entsoe_country for r in europe}
    for region in europe:
        assert region.grid.eia_ba is None and region.grid.entsoe_bidding_zone
        assert "Eurostat" in region.user_area.population_source


def test_time_zones_agree_with_longitude(regions):
    """A site's standard UTC offset is within 2.5 h of longitude / 15 deg per hour (solar time)."""
    for region in regions.values():
        offset_h = zoneinfo.ZoneInfo(region.timezone).utcoffset(datetime(2024, 1, 15)).total_seconds() / 3600
        assert abs(offset_h - region.longitude / 15.0) < 2.5, region.id


def test_every_region_has_a_library_turbine_and_sane_site_data(regions):
    for region in regions.values():
        assert 1.0 <= region.pue < 2.0
        assert region.cooling in ("evaporative", "dry", "seawater")
        assert region.wind is None or region.wind.hub_height_m > 0
        assert region.hardware and all("accelerator" in item for item in region.hardware)


def test_adding_a_region_is_one_entry(tmp_path, raw_registry):
    data = copy.deepcopy(raw_registry)
    new = copy.deepcopy(_entry(data, "us-west3"))
    new.update(id="us-west9", name="Somewhere", latitude=41.0, longitude=-112.0)
    data["regions"].append(new)
    loaded = load_regions(_write(tmp_path, data))
    assert list(loaded)[-1] == "us-west9"
    assert loaded["us-west9"].latitude == 41.0
    assert len(loaded) == len(raw_registry["regions"]) + 1


def test_select_keeps_order_and_names_unknown_ids(regions):
    assert [r.id for r in select(regions, ["us-west4", "us-east1"])] == ["us-west4", "us-east1"]
    with pytest.raises(InputError, match="'mars-1'"):
        select(regions, ["us-east1", "mars-1"])


@pytest.mark.parametrize(
    ("region_id", "edit", "field", "detail"),
    [
        ("us-east4", lambda e: e.pop("timezone"), "timezone", "required"),
        ("us-west2", lambda e: e.update(latitude="north"), "latitude", "not of type"),
        ("us-west2", lambda e: e.update(latitude=123.0), "latitude", "maximum"),
        ("europe-west3", lambda e: e.update(cooling="liquid"), "cooling", "liquid"),
        ("us-east1", lambda e: e["grid"].update(electricitymaps_zone="us-ca"), "grid.electricitymaps_zone", "us-ca"),
        ("us-east1", lambda e: e.update(wind={**e["wind"], "count": 0}), "wind.count", "minimum"),
        ("vienna-at", lambda e: e["user_area"].update(population_millions=-1), "user_area.population_millions",
         "-1"),
        ("vienna-at", lambda e: e.update(colour="blue"), "(entry)", "colour"),
    ],
)
def test_schema_errors_name_file_region_and_field(tmp_path, raw_registry, region_id, edit, field, detail):
    data = copy.deepcopy(raw_registry)
    edit(_entry(data, region_id))
    path = _write(tmp_path, data)
    with pytest.raises(InputError) as caught:
        load_regions(path)
    message = str(caught.value)
    assert str(path) in message
    assert f"region '{region_id}'" in message
    assert f"field '{field}'" in message
    assert detail in message


@pytest.mark.parametrize(
    ("edit", "field", "detail"),
    [
        (lambda e: e.update(timezone="America/Atlantis"), "timezone", "IANA"),
        (lambda e: e.update(wind={**e["wind"], "turbine_type": "X-1/999"}), "wind.turbine_type", "X-1/999"),
        (lambda e: e.update(pue_source="nobody"), "pue_source", "nobody"),
        (lambda e: e["user_area"].update(population_source="census1850"), "user_area.population_source",
         "census1850"),
    ],
)
def test_semantic_errors_name_file_region_and_field(tmp_path, raw_registry, edit, field, detail):
    data = copy.deepcopy(raw_registry)
    edit(_entry(data, "us-south1"))
    path = _write(tmp_path, data)
    with pytest.raises(InputError) as caught:
        load_regions(path)
    message = str(caught.value)
    assert str(path) in message and "region 'us-south1'" in message
    assert f"field '{field}'" in message and detail in message


def test_duplicate_id_is_rejected(tmp_path, raw_registry):
    data = copy.deepcopy(raw_registry)
    data["regions"].append(copy.deepcopy(_entry(data, "us-east5")))
    with pytest.raises(InputError, match=r"duplicate region id 'us-east5'"):
        load_regions(_write(tmp_path, data))


def test_invalid_yaml_and_missing_file_name_the_file(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("regions: [\n  - id: x\n    name: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(str(broken)) + ".*not valid YAML"):
        load_regions(broken)
    with pytest.raises(InputError, match="cannot read"):
        load_regions(tmp_path / "absent.yaml")


def test_registry_coordinates_are_distinct_sites(regions):
    coords = np.array([[r.latitude, r.longitude] for r in regions.values()])
    assert len(np.unique(np.round(coords, 2), axis=0)) == len(regions)


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_a_non_finite_number_in_the_registry_is_one_error_naming_region_and_field(tmp_path, value):
    """YAML's .nan passes the schema's minimum/maximum (every comparison with NaN is false): it must not reach a
    builder as a latitude."""
    text = DEFAULT_REGIONS_PATH.read_text(encoding="utf-8").replace("latitude: 41.2619", f"latitude: {value}", 1)
    path = tmp_path / "regions.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"region 'us-central1' \(entry 1\), field 'latitude': must be a finite"):
        load_regions(path)


# --- registries that would hang or crash the reader ---------------------------------------------------------------


ALIAS_BOMB = "\n".join(["sources: {}", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
                       + [f"a{n}: &a{n} [*a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, "
                          f"*a{n - 1}, *a{n - 1}, *a{n - 1}]" for n in range(1, 9)]
                       + ["regions: [*a8]"]) + "\n"
"""About 600 bytes that expand to 9^9 (387 million) values: walking them took minutes at 100 % CPU."""


def test_an_alias_bomb_is_refused_before_anything_walks_it(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "regions.yaml"
    path.write_text(ALIAS_BOMB, encoding="utf-8")
    assert len(ALIAS_BOMB) < 1000
    code = ("from greenllm.data.regions import load_regions\n"
            "from greenllm.errors import InputError\n"
            f"try:\n    load_regions({str(path)!r})\nexcept InputError as err:\n    print(err)\n")
    # a subprocess with a generous timeout, so a regression fails instead of hanging the suite
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert str(path) in done.stdout and "once its aliases are expanded" in done.stdout


def test_a_value_nested_thousands_deep_is_one_message(tmp_path):
    path = tmp_path / "regions.yaml"
    path.write_text("sources: {}\nregions: [{id: deep, notes: " + "[" * 5000 + "]" * 5000 + "}]\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"nested more than 64 levels deep \(at line 2\)"):
        load_regions(path)


def test_the_registrys_own_aliases_still_load(regions):
    assert regions["europe-west3"].wind == regions["europe-west9"].wind  # &illustrative_wind, shared


def test_a_region_listed_twice_is_one_message(regions):
    with pytest.raises(InputError, match=r"region id\(s\) 'europe-west3' listed more than once"):
        select(regions, ["europe-west3", "europe-west9", "europe-west3"])


def test_a_build_with_a_region_listed_twice_exits_2_naming_it(tmp_path, capsys):
    from greenllm.cli import main

    code = main(["data", "build", "europe_2018", "--offline", "--out-dir", str(tmp_path),
                 "--option", "region_ids=europe-west3,europe-west3", "--option", "weather=stand_in"])
    err = capsys.readouterr().err
    assert code == 2 and "'europe-west3' listed more than once" in err and err.count("\n") == 1
