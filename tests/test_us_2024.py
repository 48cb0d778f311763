"""us_2024: offline it names every missing raw file; primed with real files it uses them exactly (carbon, prices,
weather), flags every stand-in, records the files it read, and solves. Also: the RTT and token constants against
the raw measurements, and the cache bookkeeping of files written by gridstatus."""

import csv
import hashlib
import io
import json
import re
import shutil
from contextlib import redirect_stderr
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from greenllm.data import cache, water, workload
from greenllm.data.build import SCENARIOS
from greenllm.data.scenarios import us_2024, recipe
from greenllm.data.sources import electricitymaps, prices
from greenllm.errors import DataSourceError
from greenllm.inputs import load_scenario
from tests.checks import assert_real_scenario_solves_plausibly

WRITTEN_RTOL = 5e-10
"""Relative tolerance of a value read back from a built folder: it is written with 10 significant digits."""

REGIONS = ("us-central1", "us-east1", "us-east4", "us-east5", "us-south1", "us-west1", "us-west2", "us-west3",
           "us-west4")
PAPER_ZONES = ("US-MIDW-MISO", "US-SE-SEPA", "US-NY-NYIS", "US-MIDW-LGEE", "US-TEX-ERCO", "US-NW-PGE",
               "US-CAL-LDWP", "US-NW-PACE", "US-NW-NEVP")
PAPER_BAS = ("MISO", "SEPA", "NYIS", "LGEE", "ERCO", "PGE", "LDWP", "PACE", "NEVP")
HOURS = pd.date_range("2024-03-24", periods=24, freq="h", tz="UTC")
GAL_PER_MWH = {"Coal": 687, "Natural Gas": 205, "Nuclear": 672, "Hydropower and Pumped Storage": 4491, "Wind": 0}
"""Macknick et al. (2012) Table 1 medians (cooling tower; hydro: reservoir evaporation), gal/MWh."""
L_PER_GAL = 3.785411784


def balance_rows(ba_index: int, hour: int) -> dict[str, float]:
    """Made-up generation [MW] per fuel for the synthetic EIA-930 BALANCE file (different per BA and hour)."""
    return {"Coal": 100.0 * (ba_index % 3) + hour, "Natural Gas": 300.0 + 10 * hour, "Nuclear": 50.0 * ba_index,
            "Hydropower and Pumped Storage": 20.0 * (ba_index % 2) + 5, "Wind": 40.0 + ba_index}


def write_balance_file(path: Path) -> None:
    """A BALANCE-format file (EIA-930 six-month file layout) holding the day's hours for the paper's BAs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = ["Balancing Authority", "Data Date", "Hour Number", "Local Time at End of Hour",
              "UTC Time at End of Hour", "Demand (MW)"] + [f"Net Generation (MW) from {f}" for f in GAL_PER_MWH]
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for b, ba in enumerate(PAPER_BAS):
            for h in range(-1, 26):
                end = pd.Timestamp("2024-03-24") + pd.Timedelta(hours=h + 1)
                gen = balance_rows(b, h)
                writer.writerow([ba, "03/24/2024", h + 1, "", end.strftime("%m/%d/%Y %I:%M:%S %p"), "1,000"]
                                + [f"{gen[f]:,.1f}" for f in GAL_PER_MWH])


def write_lmp_export(path: Path) -> pd.Series:
    """A gridstatus-format 5-minute LMP export for MISO ILLINOIS.HUB on the day (values made up); returns the
    expected hourly means [$/MWh]."""
    stamps = pd.date_range("2024-03-24", "2024-03-25", freq="5min", tz="UTC", inclusive="left")
    lmp = 20.0 + stamps.hour + stamps.minute / 100.0
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"interval_start_utc": stamps.astype(str), "location": "ILLINOIS.HUB", "lmp": lmp}).to_csv(
        path, index=False)
    return pd.Series(lmp, index=stamps).groupby(stamps.floor("h")).mean()


def prime(real_fixtures: Path, raw: Path) -> None:
    """Prime a raw cache by hand from the real fixtures (as a user would), plus the two made-up files above."""
    (raw / "electricitymaps").mkdir(parents=True)
    for path in (real_fixtures / "green_llm" / "Carbon").glob("*_2024_hourly.csv"):
        shutil.copy(path, raw / "electricitymaps")
    (raw / "prices").mkdir()
    for zone in ("US-MIDA-PJM", "US-TEX-ERCO"):
        shutil.copy(real_fixtures / "green_dcc" / "electricity_prices" / "standardized" / zone / "2024"
                    / f"{zone}_electricity_prices_2024.csv", raw / "prices")
    (raw / "openmeteo").mkdir()
    shutil.copy(real_fixtures / "green_dcc" / "weather" / "US-TEX-ERCO" / "2024.json",
                raw / "openmeteo" / "us-south1_2024.json")  # Dallas, 2.5 km from the us-south1 site
    write_balance_file(raw / "eia930" / "EIA930_BALANCE_2024_Jan_Jun.csv")


@pytest.fixture(scope="module")
def built(real_fixtures, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("us_2024")
    prime(real_fixtures, tmp / "raw")
    lmp_path = prices.lmp_cache_path("MISO", "ILLINOIS.HUB", us_2024.LMP_MARKETS["MISO"], HOURS[0],
                                     HOURS[-1] + pd.Timedelta(hours=1), tmp / "raw")
    expected_lmp = write_lmp_export(lmp_path)
    stderr = io.StringIO()
    with redirect_stderr(stderr):
        out = us_2024.build(tmp / "processed" / "us_2024", raw_root=tmp / "raw", offline=True, zones="paper",
                            standins=True)
    return {"out": out, "raw": tmp / "raw", "stderr": stderr.getvalue(), "lmp": expected_lmp}


@pytest.fixture(scope="module")
def scenario(built):
    return load_scenario(built["out"])


@pytest.fixture(scope="module")
def dc_hour(built):
    return pd.read_csv(built["out"] / "dc_hour.csv")


@pytest.fixture(scope="module")
def provenance(built):
    return json.loads((built["out"] / "provenance.json").read_text())


def series(dc_hour, region_id, column):
    rows = dc_hour[dc_hour["dc"] == REGIONS.index(region_id)].sort_values("hour")
    return rows[column].to_numpy()


def test_offline_with_an_empty_cache_it_lists_every_missing_file_once(tmp_path):
    with pytest.raises(DataSourceError) as caught:
        us_2024.build(tmp_path / "out", raw_root=tmp_path / "raw", offline=True)
    message = str(caught.value)
    # 8 carbon zones (PJM serves two sites), 9 weather files, 8 priced sites (not us-east1), 1 EIA-930 file
    assert message.startswith("us_2024: 26 raw inputs are missing (offline)")
    assert message.splitlines()[1].startswith("  - carbon intensity (Electricity Maps zone US-MIDW-MISO)")
    for zone in ("US-MIDW-MISO", "US-CAR-SC", "US-MIDA-PJM", "US-TEX-ERCO", "US-NW-BPAT", "US-CAL-LDWP",
                 "US-NW-PACE", "US-NW-NEVP"):
        assert message.count(f"electricitymaps/{zone}_2024_hourly.csv is not cached") == 1, zone
    for region in REGIONS:
        assert f"openmeteo/{region}_2024.json" in message
    assert "eia930/EIA930_BALANCE_2024_Jan_Jun.csv" in message
    assert "gridstatus/PJM_DOM_REAL_TIME_HOURLY_20240324T00_20240325T00.csv" in message
    assert "price of us-east1" not in message  # no wholesale price exists: always the flagged stand-in
    assert not (tmp_path / "out").exists()


def test_stand_ins_never_replace_carbon_intensity(real_fixtures, tmp_path):
    prime(real_fixtures, tmp_path / "raw")  # the paper's zones only: the physical US-CAR-SC and US-NW-BPAT lack
    with pytest.raises(DataSourceError) as caught:
        us_2024.build(tmp_path / "out", raw_root=tmp_path / "raw", offline=True, standins=True)
    lines = str(caught.value).splitlines()[1:]
    assert len(lines) == 2
    assert "US-CAR-SC_2024_hourly.csv" in lines[0] and "US-NW-BPAT_2024_hourly.csv" in lines[1]


def test_registered_and_the_folder_loads(built, scenario):
    assert SCENARIOS["us_2024"] == "greenllm.data.scenarios.us_2024:build"
    assert scenario.dc_names == list(REGIONS) and scenario.n_hours == 24 and scenario.n_areas == 9
    assert scenario.scalars["zones"] == "paper" and scenario.scalars["start_date"] == "2024-03-24"


def test_carbon_is_the_life_cycle_column_of_each_zone_file_at_the_utc_hours(built, dc_hour):
    for region, zone in zip(REGIONS, PAPER_ZONES, strict=True):
        with open(built["raw"] / "electricitymaps" / f"{zone}_2024_hourly.csv", encoding="utf-8-sig") as handle:
            rows = {row["Datetime (UTC)"]: row for row in csv.DictReader(handle)}
        expected = [float(rows[h.strftime("%Y-%m-%d %H:%M:%S")]["Carbon intensity gCO₂eq/kWh (Life cycle)"]) / 1000
                    for h in HOURS]
        np.testing.assert_allclose(series(dc_hour, region, "carbon_kg_per_kwh"), expected, rtol=WRITTEN_RTOL,
                                   err_msg=region)


def test_prices_are_the_standardized_files_at_the_utc_hours(built, dc_hour):
    for region, zone in (("us-east4", "US-MIDA-PJM"), ("us-south1", "US-TEX-ERCO")):
        table = pd.read_csv(built["raw"] / "prices" / f"{zone}_electricity_prices_2024.csv")
        table.index = pd.to_datetime(table["Datetime (UTC)"], utc=True)
        expected = table.loc[HOURS, "Price (USD/MWh)"].to_numpy() / 1000
        np.testing.assert_allclose(series(dc_hour, region, "price_usd_per_kwh"), expected, rtol=WRITTEN_RTOL)


def test_a_cached_gridstatus_export_gives_the_hourly_mean_lmp(built, dc_hour, provenance):
    np.testing.assert_allclose(series(dc_hour, "us-central1", "price_usd_per_kwh"),
                               built["lmp"].to_numpy() / 1000, rtol=WRITTEN_RTOL)
    record = provenance["series"]["dc_hour.price_usd_per_kwh"]["per_dc"]["us-central1"]
    assert record["kind"] == "gridstatus" and record["stand_in"] is False
    files = provenance["series"]["dc_hour.price_usd_per_kwh"]["files"]
    assert any(f["path"].startswith("gridstatus/MISO_ILLINOIS.HUB") and f["url"] == cache.PLACED_BY_HAND
               for f in files)


def test_every_price_stand_in_is_flagged(built, dc_hour, provenance):
    price = provenance["series"]["dc_hour.price_usd_per_kwh"]
    assert price["time_of_use_dcs"] == ["us-east1", "us-west1", "us-west2", "us-west3", "us-west4"]
    assert "us-east5" in price["stand_in_dcs"]  # PJM DOM (green-dcc) for the registry's AEP node
    assert "DOM price stands in for the registry node AEP" in price["per_dc"]["us-east5"]["stand_in_method"]
    # The paper's time-of-use recipe on the local hour: 0.7..0.9 x base at night, 1.8..2.0 x base at 14-20 local.
    ratio = series(dc_hour, "us-east1", "price_usd_per_kwh") / 0.138
    local = HOURS.tz_convert("America/New_York").hour
    assert ((ratio[(local >= 14) & (local <= 20)] >= 1.8) & (ratio[(local >= 14) & (local <= 20)] <= 2.0)).all()
    assert ((ratio[local < 8] >= 0.7) & (ratio[local < 8] <= 0.9)).all()
    assert "us-east1: price = the paper's time-of-use recipe" in built["stderr"]


def test_ewif_is_the_fuel_mix_weighted_water_factor_of_each_ba(dc_hour, provenance):
    for b, (region, ba) in enumerate(zip(REGIONS, PAPER_BAS, strict=True)):
        expected = []
        for h in range(24):
            gen = balance_rows(b, h)  # the row whose hour ends at h+1 starts at h
            litres = sum(gen[f] * GAL_PER_MWH[f] * L_PER_GAL / 1000 for f in gen)
            expected.append(litres / sum(gen.values()))
        np.testing.assert_allclose(series(dc_hour, region, "ewif_l_per_kwh"), expected, rtol=1e-9, err_msg=ba)
    assert provenance["series"]["dc_hour.ewif_l_per_kwh"]["stand_in"] is False


def test_weather_gives_wue_from_the_files_temperature_and_humidity(built, dc_hour, provenance):
    payload = json.loads((built["raw"] / "openmeteo" / "us-south1_2024.json").read_text())
    hourly = payload["hourly"]
    local = pd.to_datetime(pd.Series(hourly["time"]))
    utc = (local - pd.Timedelta(seconds=payload["utc_offset_seconds"])).dt.tz_localize("UTC")
    weather = pd.DataFrame({"t": hourly["temperature_2m"], "rh": hourly["relative_humidity_2m"],
                            "wind_kmh": hourly["windspeed_10m"]}, index=utc).loc[HOURS]
    wet_bulb = water.stull_wet_bulb_c(weather["t"].to_numpy(float), weather["rh"].to_numpy(float))
    expected = water.onsite_wue_l_per_kwh(wet_bulb)
    np.testing.assert_allclose(series(dc_hour, "us-south1", "wue_l_per_kwh"), expected, rtol=WRITTEN_RTOL)
    record = provenance["series"]["dc_hour.renewable_kw"]["per_dc"]["us-south1"]
    assert record["solar_method"] == "cloud_cover" and record["wind_column"] == "wind_speed_10m_m_per_s"
    assert record["stand_in"] is False
    solar = series(dc_hour, "us-south1", "solar_kw")
    night = HOURS.tz_convert("America/Chicago").hour
    assert (solar[(night < 6) | (night > 20)] == 0).all() and solar.max() > 0


def test_missing_weather_is_a_flagged_upper_bound(provenance, built, dc_hour):
    renewable = provenance["series"]["dc_hour.renewable_kw"]
    assert renewable["stand_in_dcs"] == [r for r in REGIONS if r != "us-south1"]
    assert renewable["per_dc"]["us-east4"]["solar_method"] == "clearsky_upper_bound"
    assert (series(dc_hour, "us-east4", "wind_kw") == 0).all()
    assert "us-east4: no Open-Meteo weather" in built["stderr"]


def test_a_weather_file_for_another_place_is_refused(real_fixtures, tmp_path):
    prime(real_fixtures, tmp_path / "raw")
    shutil.copy(real_fixtures / "green_dcc" / "weather" / "US-MIDA-PJM" / "2024.json",  # Philadelphia
                tmp_path / "raw" / "openmeteo" / "us-east4_2024.json")
    with pytest.raises(DataSourceError, match=r"us-east4_2024.json: the weather is for 39.9\d, -75.1\d, "
                                              r"2\d\d km from us-east4"):
        us_2024.build(tmp_path / "out", raw_root=tmp_path / "raw", offline=True, zones="paper", standins=True)


def test_provenance_hashes_are_those_of_the_raw_files(built, provenance):
    series_ = provenance["series"]
    carbon_files = series_["dc_hour.carbon_kg_per_kwh"]["files"]
    assert len(carbon_files) == 9
    for record in (carbon_files + series_["dc_hour.price_usd_per_kwh"]["files"]
                   + series_["dc_hour.ewif_l_per_kwh"]["files"] + series_["dc_hour.renewable_kw"]["files"]):
        data = (built["raw"] / record["path"]).read_bytes()
        assert record["sha256"] == hashlib.sha256(data).hexdigest(), record["path"]
        assert record["licence"] and record["retrieved_utc"] and record["source"]
    assert series_["dc_hour.carbon_kg_per_kwh"]["stand_in"] is False
    assert series_["datacenters.carbon_tax_usd_per_kg"]["synthetic"] is True
    assert provenance["stand_in"] is True and provenance["zones"] == "paper"


@pytest.mark.parametrize("scheme", ["weighted", "lexicographic"])
def test_the_folder_solves_with_plausible_numbers(scenario, scheme):
    assert_real_scenario_solves_plausibly(scenario, scheme)


# --- constants checked against the raw measurements -------------------------------------------------------------

CITIES = {"Charlotte": (35.2271, -80.8431), "Columbus": (39.9612, -82.9988), "Dallas": (32.7767, -96.7970),
          "DesMoines": (41.5868, -93.6250), "LA": (34.0522, -118.2437), "Portland": (45.5152, -122.6784),
          "SaltLakeCity": (40.7608, -111.8910), "Vegas": (36.1699, -115.1398),
          "Washington": (38.9072, -77.0369)}  # city-centre coordinates


def test_rtt_model_is_the_least_squares_line_through_the_authors_pings(real_fixtures):
    distance, measured = [], []
    for path in sorted((real_fixtures / "green_llm" / "Network_delay").glob("*_delay.csv")):
        a, b = path.name.removesuffix("_delay.csv").split("_")
        distance.append(float(recipe.great_circle_km(*CITIES[a], *CITIES[b])))
        measured.append(pd.read_csv(path)["Average_delay"].mean() / 1000)
    slope, intercept = np.polyfit(distance, measured, 1)
    assert len(distance) == 36
    assert slope / (2 * recipe.FIBRE_DELAY_S_PER_KM) == pytest.approx(recipe.RTT_ROUTE_FACTOR, abs=0.005)
    assert intercept == pytest.approx(recipe.RTT_OVERHEAD_S, abs=5e-5)
    assert np.corrcoef(distance, measured)[0, 1] > 0.85


def test_great_circle_distance_matches_a_known_value():
    # New York JFK (40.6413, -73.7781) to London Heathrow (51.4700, -0.4543): about 5540 km.
    assert recipe.great_circle_km(40.6413, -73.7781, 51.4700, -0.4543) == pytest.approx(5540, abs=15)


def test_token_lengths_are_the_rounded_means_of_the_azure_traces(real_fixtures):
    stats = workload.azure_token_stats(real_fixtures / "azure_llm")
    for query_type, trace in (("chat", "conversation"), ("code_generation", "code")):
        tokens_in, tokens_out, _ = recipe.AZURE_TOKENS[query_type]
        assert tokens_in == round(stats.loc[trace, "tokens_in_mean"])
        assert tokens_out == round(stats.loc[trace, "tokens_out_mean"])


# --- cache bookkeeping of files written by other libraries -----------------------------------------------------

def test_register_records_a_file_written_by_another_library(tmp_path):
    path = tmp_path / "raw" / "gridstatus" / "x.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"interval_start_utc,lmp\n")
    entry = cache.register("gridstatus/x.csv", url="gridstatus:X.get_lmp", source="s", licence="l",
                           raw_root=tmp_path / "raw")
    assert entry["path"] == "gridstatus/x.csv" and entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert cache.manifest_entry(path, raw_root=tmp_path / "raw")["url"] == "gridstatus:X.get_lmp"
    with pytest.raises(DataSourceError, match="does not exist"):
        cache.register("gridstatus/none.csv", url="u", source="s", licence="l", raw_root=tmp_path / "raw")


def test_fetch_iso_lmp_registers_its_export_with_the_gridstatus_call(tmp_path):
    class FakeMiso:
        def get_lmp(self, date, end, market, locations):
            stamps = pd.date_range(date, end, freq="h", inclusive="left")
            return pd.DataFrame({"Interval Start": stamps, "Location": locations[0], "LMP": 25.0})

    start, end = HOURS[0], HOURS[-1] + pd.Timedelta(hours=1)
    hourly = prices.fetch_iso_lmp("MISO", "ILLINOIS.HUB", start, end, market="DAY_AHEAD_HOURLY", client=FakeMiso(),
                                  raw_root=tmp_path)
    assert (hourly["price_usd_per_kwh"] == 0.025).all()
    entry = cache.manifest_entry(prices.lmp_cache_path("MISO", "ILLINOIS.HUB", "DAY_AHEAD_HOURLY", start, end,
                                                       tmp_path), raw_root=tmp_path)
    assert entry["url"].startswith("gridstatus:MISO.get_lmp?market=DAY_AHEAD_HOURLY&locations=ILLINOIS.HUB")
    assert entry["source"] == prices.GRIDSTATUS_SOURCE


def test_model_options_are_in_provenance_not_in_scalars(built, scenario):
    """Real prices can be negative: the folder asks for grid_within_load in provenance.json; scalars.json is data."""
    from greenllm.options import DEPRECATED_SCALARS, ModelOptions, default_options_for

    assert not set(DEPRECATED_SCALARS) & set(scenario.scalars)
    assert default_options_for(built["out"]) == ModelOptions(grid_within_load=True)


# The committed folder data/processed/us_2024 (config/config.yaml options): its stand-ins are exactly those that
# figures/README.md states, and its hourly carbon is the Electricity Maps files' life-cycle column for the day.
COMMITTED = Path(__file__).resolve().parents[1] / "data" / "processed" / "us_2024"
FIGURES_README = Path(__file__).resolve().parents[1] / "figures" / "README.md"
STAND_IN_TABLE = "us_2024 stand-ins"
"""The heading that introduces the table of the committed us_2024's remaining stand-ins in figures/README.md."""


def documented_stand_ins(text: str) -> dict[str, set[str]]:
    """{series: regions} from the table after the STAND_IN_TABLE heading: rows `| `series` | region, ... | why |`."""
    rows: dict[str, set[str]] = {}
    for line in text[text.index(STAND_IN_TABLE):].splitlines()[1:]:
        if rows and not line.startswith("|"):
            break
        match = re.match(r"\|\s*`([a-z_.]+)`\s*\|([^|]*)\|", line)
        if match:
            rows[match.group(1)] = {r.strip() for r in match.group(2).split(",") if r.strip()}
    return rows


def test_documented_stand_ins_reads_the_table():
    text = (f"### {STAND_IN_TABLE}\n\n| series | regions | why |\n|---|---|---|\n| `dc_hour.a` | r1, r2 | x |\n"
            "| `dc_hour.b` | r3 | y |\n\n| `dc_hour.c` | r4 | not this table |\n")
    assert documented_stand_ins(text) == {"dc_hour.a": {"r1", "r2"}, "dc_hour.b": {"r3"}}


def test_committed_provenance_lists_exactly_the_documented_stand_ins():
    committed = json.loads((COMMITTED / "provenance.json").read_text())
    documented = documented_stand_ins(FIGURES_README.read_text())
    flagged = {name: set(entry["stand_in_dcs"]) for name, entry in committed["series"].items()
               if entry.get("stand_in")}
    assert flagged == documented
    assert {line.split(":", 1)[0] for line in committed["stand_ins"]} == set().union(*documented.values())
    assert not committed["series"]["dc_hour.carbon_kg_per_kwh"]["stand_in"]


def test_committed_carbon_equals_the_electricity_maps_files(real_fixtures):
    committed = json.loads((COMMITTED / "provenance.json").read_text())
    assert committed["carbon_signal"]["signal"] == "lifecycle"
    dcs = pd.read_csv(COMMITTED / "datacenters.csv")
    hourly = pd.read_csv(COMMITTED / "dc_hour.csv")
    hourly["time_utc"] = pd.to_datetime(hourly["time_utc"], utc=True)
    hours = pd.DatetimeIndex(sorted(hourly["time_utc"].unique()))
    assert len(hours) == 24 and hours[0] == pd.Timestamp(committed["day_utc"], tz="UTC")
    for dc in dcs.itertuples():
        raw = electricitymaps.read_zone_csv(real_fixtures / "green_llm" / "Carbon" / f"{dc.carbon_zone}_2024_hourly.csv")
        expected = raw.set_index("time_utc").loc[hours, "carbon_lifecycle_g_per_kwh"].to_numpy() / 1000.0
        got = hourly[hourly["dc"] == dc.dc].sort_values("time_utc")["carbon_kg_per_kwh"].to_numpy()
        np.testing.assert_allclose(got, expected, rtol=WRITTEN_RTOL, atol=0, err_msg=dc.name)
