"""world_2024_year: all of 2024 at the world_2024 sites, built offline from the committed site series
(data/processed/world_2024_sites) with no raw file and no stand-in; its hourly carbon and price are the green-dcc
files' (../shared/fixtures/real, skipped when absent) for every site and hour; the committed series is what the raw
files give; the demand-weight and weather options.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from greenllm.data.scenarios import world_2024, world_2024_sites
from greenllm.errors import DataSourceError
from greenllm.inputs import load_scenario
from greenllm.provenance import stand_ins
from tests.checks import GREEN_DCC_FIXTURES, prime_world_raw

HOURS_2024 = 8784
FIXTURE_PATHS = GREEN_DCC_FIXTURES
_prime = prime_world_raw  # the shared helper, under the name test_world_2024 uses


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    """world_2024_year as a fresh clone builds it: no raw cache, the committed site series."""
    tmp = tmp_path_factory.mktemp("world_2024_year")
    return world_2024.build(tmp / "year", raw_root=tmp / "no_raw", day="2024-01-01", days=366)


def test_year_is_every_hour_of_2024_with_no_stand_in(year):
    scenario = load_scenario(year)
    prov = json.loads((year / "provenance.json").read_text())
    assert scenario.n_hours == HOURS_2024 and scenario.n_dcs == len(world_2024.REGION_IDS)
    assert prov["stand_in"] is False and stand_ins(year) == []
    assert prov["window"] == "2024-01-01 00:00 to 2025-01-01 00:00 UTC"
    assert "committed site series" in prov["site_series"]
    assert prov["demand_weight"]["option"] == "internet_users"


def test_year_carbon_and_price_equal_the_source_files_every_site_and_hour(year, real_fixtures):
    dc_hour = pd.read_csv(year / "dc_hour.csv").sort_values(["dc", "hour"])
    hours = pd.date_range("2024-01-01", periods=HOURS_2024, freq="h", tz="UTC")
    for j, site in enumerate(world_2024.sites()):
        rows = dc_hour[dc_hour["dc"] == j]
        carbon = pd.read_csv(real_fixtures / FIXTURE_PATHS["carbon"].format(zone=site.zone), encoding="utf-8-sig")
        carbon.index = pd.to_datetime(carbon["Datetime (UTC)"], utc=True)
        expected = carbon.reindex(hours)["Carbon Intensity gCO₂eq/kWh (LCA)"].to_numpy() / 1000.0
        # scenario folders hold 10 significant digits (greenllm.outputs.csv_text)
        np.testing.assert_allclose(rows["carbon_kg_per_kwh"].to_numpy(), expected, rtol=1e-9, atol=0,
                                   err_msg=site.zone)
        price = pd.read_csv(real_fixtures / FIXTURE_PATHS["price"].format(zone=site.zone))
        published = pd.Series(price["Price (USD/MWh)"].to_numpy() / 1000.0,
                              index=pd.to_datetime(price["Datetime (UTC)"], utc=True))
        if (published.index.minute == 0).all():
            expected = published.reindex(hours).to_numpy()
        else:  # hh:30 stamps (Mumbai): the mean of the two overlapping hours, the one there is at the year's ends
            half = pd.Timedelta(minutes=30)
            before, after = published.reindex(hours - half), published.reindex(hours + half)
            expected = pd.concat([before.reset_index(drop=True), after.reset_index(drop=True)], axis=1).mean(
                axis=1).to_numpy()
        np.testing.assert_allclose(rows["price_usd_per_kwh"].to_numpy(), expected, rtol=1e-9, atol=1e-12,
                                   err_msg=site.zone)


def test_committed_series_builds_what_the_raw_files_build(real_fixtures, tmp_path):
    small = ("australia-southeast1", "southamerica-east1", "asia-south1", "asia-southeast1", "africa-south1")
    raw = _prime(real_fixtures, tmp_path / "raw", [s.zone for s in world_2024.sites(small)])
    for day in ("2024-01-01", "2024-12-31"):  # the year's two ends: weather and Mumbai's price filled at the edges
        a = world_2024.build(tmp_path / f"raw_{day}", raw_root=raw, region_ids=small, day=day, site_series="raw")
        b = world_2024.build(tmp_path / f"com_{day}", raw_root=raw, region_ids=small, day=day,
                             site_series="committed")
        for table in sorted(p.name for p in a.glob("*.csv")):
            assert (a / table).read_bytes() == (b / table).read_bytes(), (day, table)
        pa, pb = (json.loads((f / "provenance.json").read_text()) for f in (a, b))
        for key in ("built_utc", "site_series"):
            pa.pop(key), pb.pop(key)
        assert pa == pb


def test_committed_series_is_what_the_raw_files_give(real_fixtures, tmp_path):
    raw = _prime(real_fixtures, tmp_path / "raw", sorted({s.zone for s in world_2024.sites()}))
    out = world_2024.write_site_series(tmp_path / "sites", raw_root=raw)
    for name in (world_2024_sites.SERIES_FILE, world_2024_sites.RECORDS_FILE):
        assert (out / name).read_bytes() == (world_2024_sites.SITES_DIR / name).read_bytes(), name


def test_paper_demand_weight_is_an_option(tmp_path):
    internet = world_2024.build(tmp_path / "internet", raw_root=tmp_path / "no_raw")
    paper = world_2024.build(tmp_path / "paper", raw_root=tmp_path / "no_raw", demand_weight="paper")
    areas = pd.read_csv(paper / "areas.csv")
    population = areas["population_millions"]
    np.testing.assert_allclose(areas["demand_multiplier"],
                               0.3 + (population - population.min()) / (population.max() - population.min()))
    users = pd.read_csv(internet / "areas.csv")
    np.testing.assert_allclose(users["internet_users_millions"],
                               [r.user_area.internet_users_millions for r in world_2024.regions_of()])
    assert users.set_index("region").loc["us-south1", "demand_multiplier"] > areas.set_index(
        "region").loc["us-south1", "demand_multiplier"]  # 325 M internet users of 335 M; India's 46 % online
    assert json.loads((paper / "provenance.json").read_text())["demand_weight"]["option"] == "paper"


def test_weather_beyond_50_km_needs_the_nearest_point_rule(real_fixtures, tmp_path):
    raw = _prime(real_fixtures, tmp_path / "raw", ["US-MIDA-PJM"])
    with pytest.raises(DataSourceError, match=r"\d+ km from us-east4"):
        world_2024.build(tmp_path / "x", raw_root=raw, region_ids=["us-east4"], demand_weight="paper")
    folder = world_2024.build(tmp_path / "pjm", raw_root=raw, region_ids=["us-east4"], demand_weight="paper",
                              weather_rule="nearest")
    weather = json.loads((folder / "provenance.json").read_text())["series"]["dc_hour.renewable_kw"]
    record = json.dumps(weather)
    assert '"rule": "nearest"' in record
    distance = float(record.split('"distance_km": ')[1].split(",")[0])
    assert 150 < distance < 250  # green-dcc's PJM point (Philadelphia) to Ashburn
