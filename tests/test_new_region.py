"""A new region is one registry entry, for any builder: documented defaults, registry fields instead of code tables,
sites a builder cannot serve refused with the registry's reason, one absolute raw root, and the stand-ins of every
build listed in provenance.json."""

import contextlib
import io
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from greenllm.data import build as data_build
from greenllm.data import regions as registry
from greenllm.data.scenarios import europe_2018, paper_v1, us_2024
from greenllm.errors import DataSourceError, InputError
from greenllm.inputs import load_scenario
from greenllm.provenance import stand_ins

REPO = Path(__file__).resolve().parents[1]

MINIMAL_ENTRY = {
    "id": "newyork-ny", "name": "New York City", "latitude": 40.7128, "longitude": -74.0060,
    "timezone": "America/New_York",
    "grid": {"electricitymaps_zone": "US-NY-NYIS", "eia_ba": "NYIS", "iso": "NYISO", "price_node": "N.Y.C."},
    "user_area": {"name": "New York", "population_millions": 20.2, "population_year": 2020,
                  "population_source": "census2020"},
}
"""A new US site with only the fields that have no default (population: census2020, New York 20,201,249)."""

PRAGUE = {
    "id": "prague-cz", "name": "Prague", "latitude": 50.08, "longitude": 14.44, "timezone": "Europe/Prague",
    "grid": {"electricitymaps_zone": "CZ", "entsoe_bidding_zone": "CZ", "entsoe_country": "CZ"},
    "user_area": {"name": "Czechia", "population_millions": 10.61, "population_year": 2018,
                  "population_source": "eurostat2018"},
}


def registry_with(tmp_path, *entries) -> Path:
    """A copy of config/regions.yaml with ``entries`` appended (as a user adds a region)."""
    data = yaml.safe_load((REPO / "config" / "regions.yaml").read_text())
    data["regions"] += [dict(e) for e in entries]
    path = tmp_path / "regions.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def quiet(function, *args, **kwargs):
    with contextlib.redirect_stderr(io.StringIO()):
        return function(*args, **kwargs)


# --- 1. every registry entry is buildable or says why not; site attributes are registry fields -------------------


def test_left_out_fields_take_the_defaults_the_schema_documents(tmp_path):
    region = registry.load_regions(registry_with(tmp_path, MINIMAL_ENTRY))["newyork-ny"]
    schema = registry.load_schema()["$defs"]["region"]["properties"]
    assert region.pue == schema["pue"]["default"] == 1.10
    assert region.cooling == "evaporative" and region.solar_kwp == 800
    assert region.wind == registry.Wind("E-53/800", 1, 73.0)
    assert region.hardware == ({"accelerator": "A100", "count": 64},)
    assert region.carbon_tax_factor == 1.0 and region.retail_price_cents_per_kwh is None
    assert region.unsupported == () and region.grid.entsoe_country is None
    assert "google_pue" in registry.load_schema()["$defs"]["region"]["properties"]["pue_source"]["default"]


def test_the_papers_site_values_are_registry_fields_not_code(regions):
    """us_2024's carbon-tax factors and retail prices come from config/regions.yaml (equal to the paper's recipe)."""
    assert not hasattr(us_2024, "PAPER_SITES")
    for site in paper_v1.SITES:
        region = regions[site.dc_name]
        assert region.carbon_tax_factor == site.carbon_tax_factor
        assert region.retail_price_cents_per_kwh == site.base_price_cents_per_kwh
        assert "Green-LLM" in region.retail_price_source


@pytest.fixture(scope="module")
def regions():
    return registry.load_regions()


def test_every_registry_region_is_buildable_by_some_builder_or_says_why(regions):
    for region in regions.values():
        support = data_build.region_support(region)
        assert set(support) >= {"us_2024", "europe_2018"}
        if all(support.values()):
            assert all(len(reason) > 20 for reason in support.values()), region.id
    for region_id, zone in (("europe-southwest1", "ES"), ("europe-west1", "BE"), ("europe-north1", "FI")):
        reason = data_build.region_support(regions[region_id])["europe_2018"]
        assert reason == regions[region_id].unsupported_reason("europe_2018")
        assert f"for {zone}" in reason and "SMARD" in reason
    for region_id in europe_2018.REGION_IDS:
        assert data_build.region_support(regions[region_id])["europe_2018"] is None
    for region_id in us_2024.REGION_IDS:
        assert data_build.region_support(regions[region_id])["us_2024"] is None


def test_an_unsupported_site_is_refused_with_the_registry_reason(tmp_path):
    with pytest.raises(InputError) as caught:
        europe_2018.build(tmp_path / "out", offline=True, region_ids=("europe-west3", "europe-southwest1"),
                          weather="stand_in")
    message = str(caught.value)
    assert "europe-southwest1" in message and "no offline 2018 day-ahead price for ES" in message
    assert "europe-west3" not in message.split("(")[0]
    assert not (tmp_path / "out").exists()


def test_a_new_european_site_builds_offline_from_its_registry_entry(tmp_path):
    path = registry_with(tmp_path, PRAGUE)
    out = quiet(europe_2018.build, tmp_path / "europe_cz", offline=True, regions_path=path, weather="stand_in",
                region_ids=("europe-west3", "prague-cz"))
    scenario = load_scenario(out)
    datacenters = pd.read_csv(out / "datacenters.csv")
    assert datacenters["name"].tolist() == ["europe-west3", "prague-cz"]
    assert datacenters["price_zone"].tolist() == ["SMARD DE_LU", "SMARD CZ"]
    assert scenario is not None


def prime_new_york(real_fixtures, raw: Path) -> None:
    """The raw files of the US walkthrough, placed by hand: Electricity Maps NYIS 2024, green-dcc's NYISO prices
    and Open-Meteo 2024 weather for New York (green-dcc's US-NY-NYIS file)."""
    (raw / "electricitymaps").mkdir(parents=True)
    shutil.copy(real_fixtures / "green_llm" / "Carbon" / "US-NY-NYIS_2024_hourly.csv", raw / "electricitymaps")
    (raw / "prices").mkdir()
    shutil.copy(real_fixtures / "green_dcc" / "electricity_prices" / "standardized" / "US-NY-NYIS" / "2024"
                / "US-NY-NYIS_electricity_prices_2024.csv", raw / "prices")
    (raw / "openmeteo").mkdir()
    shutil.copy(real_fixtures / "green_dcc" / "weather" / "US-NY-NYIS" / "2024.json",
                raw / "openmeteo" / "newyork-ny_2024.json")


def test_a_new_us_site_builds_from_its_registry_entry_with_no_code(real_fixtures, tmp_path):
    path = registry_with(tmp_path, MINIMAL_ENTRY)
    prime_new_york(real_fixtures, tmp_path / "raw")
    out = quiet(us_2024.build, tmp_path / "us_ny", raw_root=tmp_path / "raw", offline=True, regions_path=path,
                region_ids=("newyork-ny",), standins=True)
    datacenters = pd.read_csv(out / "datacenters.csv")
    assert datacenters["carbon_tax_usd_per_kg"].tolist() == [pytest.approx(50 * 1.0 / 1000)]  # default factor 1
    provenance = json.loads((out / "provenance.json").read_text())
    price = provenance["series"]["dc_hour.price_usd_per_kwh"]["per_dc"]["newyork-ny"]
    assert price["kind"] == "standardized" and price["zone"] == "US-NY-NYIS"
    assert provenance["series"]["dc_hour.renewable_kw"]["stand_in"] is False  # the placed weather file is used
    assert stand_ins(out) == [  # no EIA-930 file placed; green-dcc prices NYISO at CAPITL, the site is in N.Y.C.
        "newyork-ny: EWIF = 0.35 L/kWh (no EIA-930 fuel mix)",
        "newyork-ny: price = green-dcc's NYISO CAPITL price stands in for the registry node N.Y.C. (same zone file)"]


def test_a_site_without_a_wholesale_price_needs_a_retail_price_field(tmp_path):
    entry = {**MINIMAL_ENTRY, "grid": {"electricitymaps_zone": "US-CAR-SC"}}
    path = registry_with(tmp_path, entry)
    with pytest.raises(InputError, match=r"region 'newyork-ny', field 'retail_price_cents_per_kwh'"):
        us_2024.build(tmp_path / "out", raw_root=tmp_path / "raw", offline=True, regions_path=path,
                      region_ids=("newyork-ny",), standins=True)


def test_a_site_with_an_iso_node_whose_price_file_is_missing_is_told_the_file(real_fixtures, tmp_path):
    """It has grid.iso and grid.price_node: telling it to give them would mislead; the missing file is the news."""
    entry = {**MINIMAL_ENTRY, "id": "sanjose-ca", "latitude": 37.34, "longitude": -121.89,
             "timezone": "America/Los_Angeles",
             "grid": {"electricitymaps_zone": "US-CAL-CISO", "eia_ba": "CISO", "iso": "CAISO",
                      "price_node": "TH_NP15_GEN-APND"}}
    path = registry_with(tmp_path, entry)
    (tmp_path / "raw" / "electricitymaps").mkdir(parents=True)
    shutil.copy(real_fixtures / "green_llm" / "Carbon" / "US-CAL-CISO_2024_hourly.csv",
                tmp_path / "raw" / "electricitymaps")
    with pytest.raises(InputError) as caught:
        quiet(us_2024.build, tmp_path / "out", raw_root=tmp_path / "raw", offline=True, regions_path=path,
              region_ids=("sanjose-ca",), standins=True)
    message = str(caught.value)
    assert "price of sanjose-ca: place a gridstatus export of CAISO" in message
    assert str(tmp_path / "raw" / "gridstatus") in message and "'retail_price_cents_per_kwh'" in message
    assert "give the site grid.iso and grid.price_node" not in message


def test_a_changed_pue_needs_its_own_source(tmp_path):
    """Left to its default, pue_source would cite Google's fleet-wide 1.10 for a PUE of 1.4."""
    path = registry_with(tmp_path, {**MINIMAL_ENTRY, "pue": 1.4})
    with pytest.raises(InputError, match=r"region 'newyork-ny' \(entry \d+\), field 'pue_source': required when pue"):
        registry.load_regions(path)
    sources = yaml.safe_load(path.read_text())
    sources["sources"]["campus_pue"] = "Operator's 2023 campus report (hypothetical)"
    sources["regions"][-1]["pue_source"] = "campus_pue"
    path.write_text(yaml.safe_dump(sources, sort_keys=False))
    region = registry.load_regions(path)["newyork-ny"]
    assert (region.pue, region.pue_source) == (1.4, "Operator's 2023 campus report (hypothetical)")
    path = registry_with(tmp_path, {**MINIMAL_ENTRY, "pue": 1.10})  # the default value keeps the default source
    assert "Google" in registry.load_regions(path)["newyork-ny"].pue_source


def test_a_retail_price_needs_its_source(tmp_path):
    path = registry_with(tmp_path, {**MINIMAL_ENTRY, "retail_price_cents_per_kwh": 20.0})
    with pytest.raises(InputError, match=r"region 'newyork-ny' \(entry \d+\), field 'retail_price_source'"):
        registry.load_regions(path)


# --- 2. one absolute raw root ---------------------------------------------------------------------------------------


def test_the_default_relative_raw_root_works_from_another_working_directory(real_fixtures, tmp_path, monkeypatch):
    """With no --raw-dir and no GREENLLM_RAW_DIR the root is ./data/raw; a green-dcc price file placed there is
    found (it used to be looked for at data/raw/data/raw/prices/...)."""
    monkeypatch.delenv("GREENLLM_RAW_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    raw = tmp_path / "data" / "raw"
    (raw / "electricitymaps").mkdir(parents=True)
    shutil.copy(real_fixtures / "green_llm" / "Carbon" / "US-MIDA-PJM_2024_hourly.csv", raw / "electricitymaps")
    (raw / "prices").mkdir()
    shutil.copy(real_fixtures / "green_dcc" / "electricity_prices" / "standardized" / "US-MIDA-PJM" / "2024"
                / "US-MIDA-PJM_electricity_prices_2024.csv", raw / "prices")
    out = quiet(data_build.build_scenario, "us_2024", out_root="processed", offline=True, region_ids=("us-east4",),
                standins=True)
    provenance = json.loads((out / "provenance.json").read_text())
    price = provenance["series"]["dc_hour.price_usd_per_kwh"]
    assert price["per_dc"]["us-east4"]["kind"] == "standardized"
    assert [f["path"] for f in price["files"]] == ["prices/US-MIDA-PJM_electricity_prices_2024.csv"]


def test_every_missing_file_message_names_the_absolute_path(tmp_path, monkeypatch):
    monkeypatch.delenv("GREENLLM_RAW_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataSourceError) as caught:
        data_build.build_scenario("us_2024", out_root="processed", offline=True)
    message = str(caught.value).replace("data/raw/README.md", "README")
    root = f"{tmp_path}/data/raw"
    assert "data/raw/data/raw" not in message
    mentions = re.findall(r"\S*data/raw\S*", message)
    assert len(mentions) > 20
    assert all(m.lstrip("(").startswith(root) for m in mentions), [m for m in mentions if root not in m][:3]
    assert not (tmp_path / "processed").exists()


def test_build_dependencies_are_absolute_raw_paths_and_the_selected_entries(tmp_path, monkeypatch):
    monkeypatch.delenv("GREENLLM_RAW_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    deps = data_build.build_dependencies("us_2024", ["region_ids=us-east4,us-south1"])
    assert deps["raw_present"] == [] and all(Path(p).is_absolute() for p in deps["raw_absent"])
    assert f"{tmp_path}/data/raw/electricitymaps/US-MIDA-PJM_2024_hourly.csv" in deps["raw_absent"]
    assert list(deps["regions"]) == ["us-east4", "us-south1"] and deps["regions"]["us-east4"]["pue"] == 1.10
    placed = tmp_path / "data" / "raw" / "openmeteo" / "us-south1_2024.json"
    placed.parent.mkdir(parents=True)
    placed.write_text("{}")
    deps = data_build.build_dependencies("us_2024", ["region_ids=us-east4,us-south1"])
    assert deps["raw_present"] == [str(placed)]
    assert data_build.build_dependencies("paper_v1")["regions"] == {}


# --- 5. every builder lists its stand-ins in provenance.json ---------------------------------------------------------


def test_every_builder_writes_its_stand_ins_list(tmp_path):
    paper = quiet(paper_v1.build, tmp_path / "paper_v1", raw_root=tmp_path / "raw", offline=True)
    europe = quiet(europe_2018.build, tmp_path / "europe_2018", offline=True, region_ids=("europe-west3",),
                   weather="stand_in")
    for folder in (paper, europe):
        listed = json.loads((folder / "provenance.json").read_text())["stand_ins"]
        assert listed and listed == stand_ins(folder)
    assert len(stand_ins(paper)) == len(paper_v1.SITES)
    assert "US-NW-NEVP" in stand_ins(paper)[-1]
