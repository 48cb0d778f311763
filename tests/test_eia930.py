"""EIA-930: API v2 JSON, BALANCE files and dc-rl fuel mixes -> hourly mix -> carbon intensity and EWIF."""

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.httpserver import http_server  # noqa: F401 (fixture)

from greenllm.data.sources import eia930
from greenllm.errors import DataSourceError, InputError

API_FILE = "eia_api_v2_rto_fuel-type-data_PACW_2023-01-01_2023-01-08.json"
DCRL_BAS = ["BPAT", "CISO", "ERCO", "MISO", "NYIS", "PJM"]
FAST = {"backoff_s": 0.01, "timeout_s": 5}
LEGACY_NAMES = {"NG": "Natural Gas", "OTH": "Other Fuel Sources", "SUN": "Solar", "WAT": "Hydropower and Pumped Storage",
                "WND": "Wind"}


@pytest.fixture(scope="session")
def api_path(real_fixtures):
    return real_fixtures / "eia930" / API_FILE


@pytest.fixture(scope="session")
def api_body(api_path):
    return json.loads(api_path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def dcrl_dir(real_fixtures):
    return real_fixtures / "eia930" / "dcrl_eia930_fuelmix"


def test_api_json_becomes_an_hourly_mix_with_hour_start_stamps(api_path, api_body):
    mix = eia930.read_fuel_type_json(api_path)
    records = api_body["response"]["data"]
    assert mix.shape == (169, 5) and sorted(mix.columns) == ["NG", "OTH", "SUN", "WAT", "WND"]
    assert len(records) == int(api_body["response"]["total"]) == 169 * 5
    # "period" is the hour END in UTC: 2023-01-01T00 is the hour 2022-12-31 23:00-24:00 UTC
    assert mix.index[0] == pd.Timestamp("2022-12-31 23:00", tz="UTC")
    assert mix.index[-1] == pd.Timestamp("2023-01-07 23:00", tz="UTC")
    for record in records[::37]:
        hour_start = pd.Timestamp(record["period"] + ":00", tz="UTC") - pd.Timedelta(hours=1)
        assert mix.loc[hour_start, record["fueltype"]] == float(record["value"])


def test_hour_end_convention_puts_solar_output_under_the_sun(api_path):
    """Clear-sky irradiance at PacifiCorp West (Oregon) matches the parsed solar best with no further shift."""
    pvlib = pytest.importorskip("pvlib")
    solar = eia930.read_fuel_type_json(api_path)["SUN"]
    site = pvlib.location.Location(44.0, -122.0)
    correlation = {}
    for shift in (-1, 0, 1):
        middle = solar.index + pd.Timedelta(hours=shift) + pd.Timedelta(minutes=30)
        ghi = site.get_clearsky(middle)["ghi"].to_numpy()
        correlation[shift] = np.corrcoef(ghi, solar.to_numpy())[0, 1]
    assert correlation[0] > correlation[-1] + 0.03 and correlation[0] > correlation[1] + 0.03


def test_pacw_factors_lie_between_its_fuels_factors(api_path):
    hourly = eia930.hourly_grid_factors(eia930.read_fuel_type_json(api_path))
    assert len(hourly) == 169 and not hourly.isna().any().any()
    # PACW's identified fuels: gas, hydro, solar, wind (OTH weighs as the mix average)
    assert hourly["carbon_kg_per_kwh"].between(0.011, 0.490).all()
    assert hourly["ewif_l_per_kwh"].between(0.0, 4491 * 3.785411784 / 1000).all()
    assert not hourly["filled"].any()


def test_api_json_with_two_respondents_needs_one(api_body):
    body = json.loads(json.dumps(api_body))
    body["response"]["data"][0]["respondent"] = "BPAT"
    with pytest.raises(InputError, match="respondent="):
        eia930.read_fuel_type_json(body)
    assert len(eia930.read_fuel_type_json(body, respondent="BPAT")) == 1


def test_api_value_that_is_not_a_number_is_named(api_body):
    body = json.loads(json.dumps(api_body))
    body["response"]["data"][3]["value"] = "n/a"
    with pytest.raises(DataSourceError, match=r'field "value": 1 records are not numbers \(first: row 3'):
        eia930.read_fuel_type_json(body)


# ---------------------------------------------------------------------------------------------------------------
# dc-rl files
# ---------------------------------------------------------------------------------------------------------------
def dcrl_avg_ci_kg(path):
    with open(path, newline="") as handle:
        return np.array([float(r["avg_CI"]) / 1000 if r["avg_CI"] else np.nan for r in csv.DictReader(handle)])


@pytest.mark.parametrize("ba", DCRL_BAS)
def test_our_intensity_tracks_dcrl_avg_ci(dcrl_dir, ba):
    path = dcrl_dir / f"{ba}_NG_and_avgCI.csv"
    hourly = eia930.hourly_grid_factors(eia930.read_dcrl_fuel_mix_csv(path))
    theirs = dcrl_avg_ci_kg(path)
    ok = ~np.isnan(theirs)
    assert len(hourly) == 336 and not hourly["carbon_kg_per_kwh"].isna().any()
    ours = hourly["carbon_kg_per_kwh"].to_numpy()
    assert np.corrcoef(ours[ok], theirs[ok])[0, 1] > 0.98
    assert ours.mean() == pytest.approx(theirs[ok].mean(), rel=0.10)
    assert ((ours > 0.011) & (ours < 0.82)).all()


@pytest.mark.parametrize("ba", DCRL_BAS)
def test_with_dcrls_factor_choices_the_weighting_reproduces_avg_ci_exactly(dcrl_dir, ba):
    """dc-rl's avg_CI is the IPCC-median mix with rooftop solar (41 g) and OTH as dedicated biomass (230 g): a
    least-squares fit of avg_CI on the fuel shares recovers exactly these values. Same factors -> same numbers."""
    path = dcrl_dir / f"{ba}_NG_and_avgCI.csv"
    hourly = eia930.hourly_grid_factors(eia930.read_dcrl_fuel_mix_csv(path),
                                        carbon_factors={"solar": 0.041, "other": 0.230})
    theirs = dcrl_avg_ci_kg(path)
    ok = ~np.isnan(theirs)
    np.testing.assert_allclose(hourly["carbon_kg_per_kwh"].to_numpy()[ok], theirs[ok], rtol=1e-12)


def test_dcrl_missing_hour_is_interpolated_and_flagged(dcrl_dir):
    path = dcrl_dir / "CISO_NG_and_avgCI.csv"
    with open(path, newline="") as handle:
        empty = [r["timestamp"] for r in csv.DictReader(handle) if r["NG"] == ""]
    assert len(empty) == 1
    hourly = eia930.hourly_grid_factors(eia930.read_dcrl_fuel_mix_csv(path))
    hour = pd.Timestamp(empty[0])
    assert hourly["filled"].sum() == 1 and bool(hourly.loc[hour, "filled"])
    neighbours = hourly["carbon_kg_per_kwh"].loc[[hour - pd.Timedelta(hours=1), hour + pd.Timedelta(hours=1)]]
    assert hourly.loc[hour, "carbon_kg_per_kwh"] == pytest.approx(neighbours.mean())


def test_long_gap_is_an_error_naming_the_file_and_hour(dcrl_dir):
    mix = eia930.read_dcrl_fuel_mix_csv(dcrl_dir / "ERCO_NG_and_avgCI.csv")
    mix.iloc[100:105] = np.nan
    with pytest.raises(DataSourceError, match=r"ERCO_NG_and_avgCI.csv.*5 consecutive hours missing from 2022-01-05 04:00"):
        eia930.hourly_grid_factors(mix)


# ---------------------------------------------------------------------------------------------------------------
# BALANCE files (no real excerpt exists: synthetic files are derived at test time from the API fixture)
# ---------------------------------------------------------------------------------------------------------------
def balance_text(mix: pd.DataFrame, ba: str, *, names=LEGACY_NAMES, adjusted=(), other_ba=True) -> str:
    """An EIA930_BALANCE-format CSV: hour-END stamps like "01/01/2023 12:00:00 AM", thousands separators."""
    columns = ["Balancing Authority", "Data Date", "Hour Number", "Local Time at End of Hour", "UTC Time at End of Hour",
               "Demand (MW)", "Net Generation (MW)"]
    fuel_columns = []
    for code, name in names.items():
        fuel_columns.append((code, f"Net Generation (MW) from {name}"))
        if code in adjusted:
            fuel_columns.append((code, f"Net Generation (MW) from {name} (Adjusted)"))
    header = columns + [c for _, c in fuel_columns] + ["Region"]
    lines = [",".join(f'"{h}"' for h in header)]
    for owner in [ba] + (["XXXX"] if other_ba else []):
        for start, row in mix.iterrows():
            end = start + pd.Timedelta(hours=1)
            cells = [owner, end.strftime("%m/%d/%Y"), "1", "", end.strftime("%m/%d/%Y %I:%M:%S %p"), "\"1,000\"", ""]
            for code, column in fuel_columns:
                value = row.get(code, np.nan)
                if column.endswith("(Adjusted)"):
                    value = value * 2  # make Adjusted distinguishable from the reported value
                cells.append("" if pd.isna(value) else f'"{value:,.0f}"')
            cells.append("NW")
            lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def test_balance_file_gives_the_same_mix_as_the_api(api_path, tmp_path):
    mix = eia930.read_fuel_type_json(api_path)
    path = tmp_path / "EIA930_BALANCE_2023_Jan_Jun.csv"
    path.write_text(balance_text(mix, "PACW"), encoding="utf-8")
    parsed = eia930.read_balance_csv(path, "PACW")
    pd.testing.assert_frame_equal(parsed[sorted(parsed.columns)], mix[sorted(mix.columns)], check_freq=False,
                                  check_names=False)


def test_balance_adjusted_columns_are_preferred_when_asked(api_path, tmp_path):
    mix = eia930.read_fuel_type_json(api_path)
    path = tmp_path / "b.csv"
    path.write_text(balance_text(mix, "PACW", adjusted=("WAT",)), encoding="utf-8")
    assert (eia930.read_balance_csv(path, "PACW")["WAT"] == 2 * mix["WAT"]).all()
    assert (eia930.read_balance_csv(path, "PACW", adjusted=False)["WAT"] == mix["WAT"]).all()


def test_balance_2024_taxonomy_splits_storage_from_hydro_and_solar(api_path, tmp_path):
    mix = eia930.read_fuel_type_json(api_path).iloc[:24].copy()
    mix["PS"] = 50.0
    mix["SNB"] = 10.0
    names = {"NG": "Natural Gas", "WAT": "Hydropower Excluding Pumped Storage", "PS": "Pumped Storage",
             "SUN": "Solar without Integrated Battery Storage", "SNB": "Solar with Integrated Battery Storage",
             "WND": "Wind without Integrated Battery Storage", "OTH": "Other Fuel Sources"}
    path = tmp_path / "EIA930_BALANCE_2024_Jul_Dec.csv"
    path.write_text(balance_text(mix, "PACW", names=names), encoding="utf-8")
    parsed = eia930.read_balance_csv(path, "PACW")
    assert set(parsed.columns) == set(names)
    hourly = eia930.hourly_grid_factors(parsed)
    # pumped storage weighs as the mix average; solar with batteries counts as solar
    expected = eia930.hourly_grid_factors(mix.drop(columns="PS").assign(SUN=mix["SUN"] + mix["SNB"]).drop(columns="SNB"))
    np.testing.assert_allclose(hourly["carbon_kg_per_kwh"], expected["carbon_kg_per_kwh"], rtol=1e-12)


def test_balance_file_without_the_ba_names_it(api_path, tmp_path):
    path = tmp_path / "b.csv"
    path.write_text(balance_text(eia930.read_fuel_type_json(api_path).iloc[:3], "PACW"), encoding="utf-8")
    with pytest.raises(DataSourceError, match=r"no rows for 'CISO'"):
        eia930.read_balance_csv(path, "CISO")


def test_balance_file_before_july_2018_has_no_fuel_columns(tmp_path):
    path = tmp_path / "EIA930_BALANCE_2017_Jan_Jun.csv"
    path.write_text('"Balancing Authority","UTC Time at End of Hour","Demand (MW)"\nPACW,01/01/2017 1:00:00 AM,"2,000"\n')
    with pytest.raises(DataSourceError, match="no \"Net Generation \\(MW\\) from <fuel>\" column"):
        eia930.read_balance_csv(path, "PACW")


def test_balance_fetch_downloads_validates_and_caches(api_path, tmp_path, http_server):
    body = balance_text(eia930.read_fuel_type_json(api_path), "PACW")
    url = http_server.route("/sixMonthFiles/EIA930_BALANCE_2023_Jan_Jun.csv", body)
    path = eia930.fetch_balance_file(2023, "Jan_Jun", raw_root=tmp_path, url=url, **FAST)
    assert path == tmp_path / "eia930" / "EIA930_BALANCE_2023_Jan_Jun.csv"
    assert eia930.fetch_balance_file(2023, "Jan_Jun", raw_root=tmp_path, url=url, offline=True) == path
    assert http_server.hits("/sixMonthFiles/EIA930_BALANCE_2023_Jan_Jun.csv") == 1
    assert len(eia930.read_balance_csv(path, "PACW")) == 169

    bad = http_server.route("/sixMonthFiles/EIA930_BALANCE_2016_Jan_Jun.csv", "Balancing Authority,Demand (MW)\nX,1\n")
    with pytest.raises(DataSourceError, match='lacks column "UTC Time at End of Hour"'):
        eia930.fetch_balance_file(2016, "Jan_Jun", raw_root=tmp_path, url=bad, **FAST)
    assert not (tmp_path / "eia930" / "EIA930_BALANCE_2016_Jan_Jun.csv").exists()


def test_api_fetch_pages_through_the_response_and_masks_the_key(api_body, api_path, tmp_path, http_server):
    records = api_body["response"]["data"]
    half = len(records) // 2
    pages = {0: records[:half], half: records[half:]}  # the API's offset is the index of the first record

    def api(query, headers):
        """Answers only the exact offsets of the two pages; any other offset (an off-by-one) is an API error."""
        offset = int(query.get("offset", ["0"])[0])
        if offset not in pages:
            return 400, json.dumps({"error": f"unexpected offset {offset}"})
        return 200, json.dumps({"response": {"total": str(len(records)), "data": pages[offset]},
                                "apiVersion": "2.1.8"})

    url = http_server.route("/v2/electricity/rto/fuel-type-data/data/", respond=api)
    mix = eia930.fetch_fuel_type_json("PACW", "2022-12-31 23:00", "2023-01-08 00:00", api_key="SECRET",
                                      raw_root=tmp_path, url=url, **FAST)
    pd.testing.assert_frame_equal(mix, eia930.read_fuel_type_json(api_path), check_freq=False, check_names=False)
    offsets = [query["offset"] for _, query, _ in http_server.requests]
    assert offsets == [["0"], [str(half)]]
    sent = http_server.requests[0][1]
    assert sent["start"] == ["2023-01-01T00"] and sent["end"] == ["2023-01-08T00"]
    assert sent["facets[respondent][]"] == ["PACW"] and sent["api_key"] == ["SECRET"]
    manifest = (tmp_path / "manifest.json").read_text()
    assert "SECRET" not in manifest and "api_key=%2A%2A%2A" in manifest
    again = eia930.fetch_fuel_type_json("PACW", "2022-12-31 23:00", "2023-01-08 00:00", offline=True,
                                        raw_root=tmp_path, url=url)
    pd.testing.assert_frame_equal(again, mix)
    assert len(http_server.requests) == 2


def test_api_fetch_without_a_key_says_how_to_get_one(monkeypatch, tmp_path):
    monkeypatch.delenv(eia930.API_KEY_ENV, raising=False)
    with pytest.raises(InputError, match="EIA_API_KEY"):
        eia930.fetch_fuel_type_json("PACW", "2023-01-01", "2023-01-02", raw_root=tmp_path)


def test_api_error_body_is_reported(tmp_path, http_server):
    url = http_server.route("/v2/bad", json.dumps({"error": "API_KEY_INVALID"}))
    with pytest.raises(DataSourceError, match="API_KEY_INVALID"):
        eia930.fetch_fuel_type_json("PACW", "2023-01-01", "2023-01-02", api_key="k", raw_root=tmp_path, url=url, **FAST)
    assert not list(Path(tmp_path / "eia930").glob("*.json"))
