"""world_2024: built from green-dcc's real 2024 files and the measured GCP latency matrix, with no stand-in.

The raw cache is primed in a temporary folder with copies of ../shared/fixtures/real (skipped when absent), under the
source registry's cache names (world_2024.cache_name).
"""

from __future__ import annotations

import json
import shutil

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from greenllm.cli import main
from greenllm.data import cache, water
from greenllm.data.scenarios import world_2024, recipe
from greenllm.data.sources import openmeteo
from greenllm.errors import DataSourceError, InputError
from greenllm.inputs import load_scenario
from greenllm.provenance import stand_ins
from tests.checks import GREEN_DCC_FIXTURES, prime_world_raw

SMALL = ("australia-southeast1", "southamerica-east1", "asia-south1", "asia-southeast1", "africa-south1")
"""A subset that covers a half-hour time zone (Mumbai), the mix-based EWIF (Singapore, South Africa) and the
region without measured RTTs (africa-south1)."""


FIXTURE_PATHS = GREEN_DCC_FIXTURES


def _prime(real_fixtures, raw, zones) -> None:
    prime_world_raw(real_fixtures, raw, zones)


@pytest.fixture(scope="module")
def built(real_fixtures, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("world_2024")
    raw = tmp / "raw"
    _prime(real_fixtures, raw, [s.zone for s in world_2024.sites(SMALL)])
    life = world_2024.build(tmp / "life", raw_root=raw, region_ids=SMALL)
    direct = world_2024.build(tmp / "direct", raw_root=raw, region_ids=SMALL, carbon_signal="direct")
    return raw, life, direct


def _em_day(real_fixtures, zone, hours):
    path = real_fixtures / "green_dcc" / "carbon_intensity" / zone / "2024" / f"{zone}_2024_hourly.csv"
    raw = pd.read_csv(path, encoding="utf-8-sig")
    raw.index = pd.to_datetime(raw["Datetime (UTC)"], utc=True)
    return raw.loc[hours]


def test_provenance_names_no_stand_in(built):
    _, life, _ = built
    prov = json.loads((life / "provenance.json").read_text())
    assert prov["stand_in"] is False and prov["stand_ins"] == []
    assert not [name for name, s in prov["series"].items() if s.get("stand_in")]
    assert stand_ins(life) == []
    assert prov["carbon_signal"]["signal"] == "lifecycle"
    assert "consumption-based" in prov["carbon_signal"]["text"] and "not marginal" in prov["carbon_signal"]["text"]
    for kind in ("carbon", "price"):  # each file pinned to the green-dcc commit, with its checksum
        files = prov["series"][f"dc_hour.{ 'carbon_kg_per_kwh' if kind == 'carbon' else 'price_usd_per_kwh'}"]["files"]
        assert files and all(world_2024.GREEN_DCC_COMMIT in f["pinned_url"] and len(f["sha256"]) == 64 for f in files)
        assert {f["dataset"] for f in files} == {world_2024.DATASETS[kind]}
        assert all(f["served_by"] == cache.PLACED_BY_HAND and f["matches_pinned_sha256"] for f in files)
    assert prov["model_options"] == {"grid_within_load": True}


@pytest.mark.parametrize("signal, column", [("lifecycle", "Carbon Intensity gCO₂eq/kWh (LCA)"),
                                            ("direct", "Carbon Intensity gCO₂eq/kWh (direct)")])
def test_carbon_equals_the_electricity_maps_files(built, real_fixtures, signal, column):
    _, life, direct = built
    folder = life if signal == "lifecycle" else direct
    scenario = load_scenario(folder)
    dc_hour = pd.read_csv(folder / "dc_hour.csv")
    hours = pd.DatetimeIndex(pd.to_datetime(sorted(dc_hour["time_utc"].unique()), utc=True))
    for j, site in enumerate(world_2024.sites(SMALL)):
        zone = site.zone
        expected = _em_day(real_fixtures, zone, hours)[column].to_numpy() / 1000.0
        assert scenario.carbon_kg_per_kwh[j].mean() == pytest.approx(expected.mean(), rel=1e-12)
        np.testing.assert_allclose(scenario.carbon_kg_per_kwh[j], expected, rtol=1e-12)
    other = "carbon_direct_kg_per_kwh" if signal == "lifecycle" else "carbon_lifecycle_kg_per_kwh"
    assert (dc_hour[other] != dc_hour["carbon_kg_per_kwh"]).all()  # the other signal is kept beside, and differs


def test_direct_option_and_bad_option(built, tmp_path):
    raw, life, direct = built
    a, b = pd.read_csv(life / "dc_hour.csv"), pd.read_csv(direct / "dc_hour.csv")
    np.testing.assert_array_equal(b["carbon_kg_per_kwh"], a["carbon_direct_kg_per_kwh"])
    assert (b["carbon_kg_per_kwh"] < a["carbon_kg_per_kwh"]).all()  # combustion only < life cycle
    with pytest.raises(InputError, match="carbon_signal='marginal'"):
        world_2024.build(tmp_path / "x", raw_root=raw, region_ids=SMALL, carbon_signal="marginal")


def test_carbon_is_green_dcc_export_not_the_authors(built):
    """US-TEX-ERCO has two Electricity Maps exports in the registry; world_2024 reads green-dcc's (own cache name)."""
    assert world_2024.cache_name("carbon", "US-TEX-ERCO") == "green_dcc_carbon/US-TEX-ERCO_2024_hourly.csv"
    raw, _, _ = built
    assert not (raw / "electricitymaps").exists()


def test_present_but_bad_raw_file_is_an_error_not_missing(built, tmp_path):
    raw, _, _ = built
    bad = tmp_path / "raw"
    shutil.copytree(raw, bad)
    (bad / "manifest.json").unlink()
    (bad / world_2024.cache_name("price", "BR-SP")).write_text("<html>rate limited</html>\n")
    with pytest.raises(cache.CorruptCacheError, match="BR-SP_electricity_prices_2024.csv"):
        world_2024.build(tmp_path / "x", raw_root=bad, region_ids=SMALL)
    assert not (tmp_path / "x").exists()


def test_missing_raw_file_is_one_message(tmp_path):
    with pytest.raises(DataSourceError, match=r"world_2024: \d+ raw file\(s\) missing") as err:
        world_2024.build(tmp_path / "x", raw_root=tmp_path / "empty", region_ids=SMALL[:1], site_series="raw")
    assert "raw.githubusercontent.com/HewlettPackard/green-dcc/3f6ea95" in str(err.value)
    assert not (tmp_path / "x").exists()


def test_rtt_rule(built, real_fixtures):
    _, life, _ = built
    measured = world_2024.read_rtt_ms(real_fixtures / "gcp_latency" / "raw_gcp_latency.csv")
    area_dc = pd.read_csv(life / "area_dc.csv")
    for row in area_dc.itertuples():
        a, b = SMALL[row.area], SMALL[row.dc]
        if row.area == row.dc:
            assert row.rtt_rule == "own_region" and row.rtt_s == recipe.RTT_OVERHEAD_S
        elif (a, b) in measured:
            assert row.rtt_rule == "measured" and row.rtt_s == measured[(a, b)] / 1000.0
        elif (b, a) in measured:
            assert row.rtt_rule == "reverse" and row.rtt_s == measured[(b, a)] / 1000.0
        else:  # africa-south1 is not in the 2024-03 data: the distance fit, which must grow with distance
            assert row.rtt_rule == "distance_fit" and "africa-south1" in (a, b)
    fit = json.loads((life / "provenance.json").read_text())["series"]["area_dc.rtt_s"]["distance_fit"]
    assert fit["slope_s_per_km"] > 0 and 0 < fit["intercept_s"] < 0.1


def test_rtt_reverse_direction_fills_a_missing_pair():
    class R:  # two sites 1000 km apart
        def __init__(self, rid, lat):
            self.id, self.latitude, self.longitude = rid, lat, 0.0
    rtt, rule, fit = world_2024.rtt_matrix_s([R("a", 0.0), R("b", 9.0)], {("a", "b"): 40.0})
    assert rule[1, 0] == "reverse" and rtt[1, 0] == 0.040 and fit == {}


def test_solar_wind_wue_plausible(built, real_fixtures):
    _, life, _ = built
    dc_hour = pd.read_csv(life / "dc_hour.csv")
    dcs = pd.read_csv(life / "datacenters.csv")
    nameplate = dcs.set_index("dc")["onsite_nameplate_kw"]
    cf = dc_hour["renewable_kw"] / dc_hour["dc"].map(nameplate)
    assert cf.between(0.0, 1.0).all() and cf.max() > 0.05
    hours = pd.DatetimeIndex(pd.to_datetime(dc_hour["time_utc"], utc=True))
    local_hour = [h.tz_convert(tz).hour for h, tz in zip(hours, dc_hour["dc"].map(
        {j: world_2024.registry.load_regions()[r].timezone for j, r in enumerate(SMALL)}), strict=True)]
    night = np.isin(local_hour, [0, 1, 2, 3])
    assert (dc_hour.loc[night, "solar_kw"] == 0).all()  # no sun at local night
    # WUE: Li et al.'s fit of the site's wet-bulb temperature (Stull 2011), within the fit's floor and its value at
    # a 30 deg C wet bulb (hotter than any wet bulb on record at these sites)
    upper = water.onsite_wue_l_per_kwh(np.array([30.0]))[0]
    assert dc_hour["wue_l_per_kwh"].between(water.LI_WUE_FLOOR_L_PER_KWH, upper).all()
    singapore = SMALL.index("asia-southeast1")
    path = real_fixtures / "green_dcc" / "weather" / "SG" / "2024.json"
    weather = openmeteo.read_archive_json(path)
    day = weather.reindex(hours[dc_hour["dc"] == singapore])
    expected = water.wue_from_weather(day)
    np.testing.assert_allclose(dc_hour.loc[dc_hour["dc"] == singapore, "wue_l_per_kwh"], expected, rtol=1e-9)


def test_ewif_from_cited_constants_or_the_hourly_mix(built, real_fixtures):
    _, life, _ = built
    dc_hour = pd.read_csv(life / "dc_hour.csv")
    ewif = dc_hour.groupby("dc")["ewif_l_per_kwh"]
    assert ewif.nunique()[SMALL.index("australia-southeast1")] == 1
    assert ewif.first()[SMALL.index("southamerica-east1")] == world_2024.EWIF_L_PER_KWH["BRA"]
    # Singapore: gas-fired share x 205 gal/MWh (Macknick) + solar share x 1 gal/MWh, hour by hour
    j = SMALL.index("asia-southeast1")
    hours = pd.DatetimeIndex(pd.to_datetime(dc_hour.loc[dc_hour["dc"] == j, "time_utc"], utc=True))
    em = _em_day(real_fixtures, "SG", hours)
    low, ren = em["Low Carbon Percentage"] / 100, em["Renewable Percentage"] / 100
    l_per_kwh = 3.785411784e-3  # per gal/MWh
    expected = ((1 - low) * 205 + ren * 1 + (low - ren).clip(lower=0) * 672) * l_per_kwh
    np.testing.assert_allclose(dc_hour.loc[dc_hour["dc"] == j, "ewif_l_per_kwh"], expected.to_numpy(), rtol=1e-9)


def test_half_hour_price_file_is_averaged_onto_utc_slots(built, real_fixtures):
    _, life, _ = built
    dc_hour = pd.read_csv(life / "dc_hour.csv")
    j = SMALL.index("asia-south1")
    path = real_fixtures / "green_dcc" / "electricity_prices" / "standardized" / "IN-WE" / "2024" / \
        "IN-WE_electricity_prices_2024.csv"
    raw = pd.read_csv(path)
    raw.index = pd.to_datetime(raw["Datetime (UTC)"], utc=True)
    hours = pd.DatetimeIndex(pd.to_datetime(dc_hour.loc[dc_hour["dc"] == j, "time_utc"], utc=True))
    half = pd.Timedelta(minutes=30)
    expected = (raw["Price (USD/MWh)"].reindex(hours - half).to_numpy()
                + raw["Price (USD/MWh)"].reindex(hours + half).to_numpy()) / 2 / 1000
    np.testing.assert_allclose(dc_hour.loc[dc_hour["dc"] == j, "price_usd_per_kwh"], expected, rtol=1e-12)


def test_committed_folder_is_the_build(real_fixtures, tmp_path):
    """data/processed/world_2024 (committed) equals a fresh build from the fixtures, file for file."""
    committed = Path(__file__).resolve().parents[1] / "data" / "processed" / "world_2024"
    if not committed.exists():
        pytest.skip("no committed data/processed/world_2024")
    _prime(real_fixtures, tmp_path / "raw", [s.zone for s in world_2024.sites()])
    fresh = world_2024.build(tmp_path / "world_2024", raw_root=tmp_path / "raw")
    for path in sorted([*committed.glob("*.csv"), committed / "scalars.json"]):
        assert (fresh / path.name).read_bytes() == path.read_bytes(), path.name


YOKOHAMA = {
    "id": "yokohama-test", "name": "Yokohama", "provider": "hypothetical", "latitude": 35.4437, "longitude": 139.638,
    "timezone": "Asia/Tokyo", "ewif_country": "JPN", "grid": {"electricitymaps_zone": "JP-TK"},
    "user_area": {"name": "Japan", "population_millions": 124.52, "population_year": 2023,
                  "population_source": "worldbank_wdi_2023", "internet_users_pct": 84.9, "internet_users_year": 2022,
                  "internet_users_source": "worldbank_wdi_internet"},
}
"""A new site in a zone world_2024 already reads (JP-TK), 30 km from green-dcc's Tokyo weather point; Osaka would be
in another zone (JP-KN) and 400 km from that point, beyond onsite.WEATHER_MAX_DISTANCE_KM. Its continent comes from
the time zone (Asia/)."""


def _registry_with(tmp_path, *entries):
    """A copy of config/regions.yaml with ``entries`` appended (as a user adds a region)."""
    data = yaml.safe_load((Path(__file__).resolve().parents[1] / "config" / "regions.yaml").read_text())
    data["regions"] += [dict(e) for e in entries]
    path = tmp_path / "regions.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_a_new_site_in_a_served_zone_is_one_registry_entry(real_fixtures, tmp_path, capsys):
    path = _registry_with(tmp_path, YOKOHAMA)
    _prime(real_fixtures, tmp_path / "raw", ["JP-TK"])
    out = world_2024.build(tmp_path / "world_jp", raw_root=tmp_path / "raw", regions_path=path,
                           region_ids=("asia-northeast1", "yokohama-test"))
    datacenters = pd.read_csv(out / "datacenters.csv")
    assert datacenters["name"].tolist() == ["asia-northeast1", "yokohama-test"]
    assert datacenters["zone"].tolist() == ["JP-TK", "JP-TK"] and datacenters["continent"].tolist() == ["Asia"] * 2
    dc_hour = pd.read_csv(out / "dc_hour.csv")
    tokyo, yokohama = (dc_hour[dc_hour["dc"] == j] for j in (0, 1))
    np.testing.assert_array_equal(tokyo["carbon_kg_per_kwh"], yokohama["carbon_kg_per_kwh"])  # one zone file
    np.testing.assert_array_equal(tokyo["price_usd_per_kwh"], yokohama["price_usd_per_kwh"])
    assert (yokohama["ewif_l_per_kwh"] == world_2024.EWIF_L_PER_KWH["JPN"]).all()
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["sites"]["yokohama-test"] == {"zone": "JP-TK", "continent": "Asia"}
    assert stand_ins(out) == []
    assert main(["solve", str(out), "--scheme", "lexicographic", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["costs"]["total"] > 0


def test_a_site_the_registry_cannot_place_is_refused_naming_the_field(real_fixtures, tmp_path):
    no_ewif = {**YOKOHAMA, "id": "no-ewif"}
    del no_ewif["ewif_country"]
    america = {**YOKOHAMA, "id": "no-continent", "timezone": "America/Toronto",
               "grid": {"electricitymaps_zone": "CA-ON"}}
    path = _registry_with(tmp_path, no_ewif, america)
    _prime(real_fixtures, tmp_path / "raw", ["JP-TK", "CA-ON"])
    with pytest.raises(InputError, match="region 'no-ewif', field 'ewif_country'"):
        world_2024.build(tmp_path / "a", raw_root=tmp_path / "raw", regions_path=path, region_ids=("no-ewif",))
    with pytest.raises(InputError, match="region 'no-continent', field 'continent'"):
        world_2024.build(tmp_path / "b", raw_root=tmp_path / "raw", regions_path=path, region_ids=("no-continent",))
    with pytest.raises(DataSourceError, match="publishes no carbon for US-MIDW-MISO"):  # a zone green-dcc lacks
        world_2024.build(tmp_path / "c", raw_root=tmp_path / "raw", region_ids=("us-central1",))
