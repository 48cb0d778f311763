"""Electricity Maps zone CSVs: both real header variants parse to the raw rows' values; gaps are filled or reported."""

import csv
import json

import pandas as pd
import pytest
from tests.httpserver import http_server  # noqa: F401 (fixture)

from greenllm.data.sources import electricitymaps as em
from greenllm.errors import DataSourceError, InputError

LIFE_CYCLE_A = "Carbon intensity gCO₂eq/kWh (Life cycle)"  # Green_LLM exports
DIRECT_A = "Carbon intensity gCO₂eq/kWh (direct)"
LIFE_CYCLE_B = "Carbon Intensity gCO₂eq/kWh (LCA)"  # green-dcc exports
DIRECT_B = "Carbon Intensity gCO₂eq/kWh (direct)"


def raw_rows(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def ciso_a(real_fixtures):
    return real_fixtures / "green_llm" / "Carbon" / "US-CAL-CISO_2024_hourly.csv"


@pytest.fixture(scope="module")
def gb_b(real_fixtures):
    return real_fixtures / "green_dcc" / "carbon_intensity" / "GB" / "2024" / "GB_2024_hourly.csv"


@pytest.fixture(scope="module")
def sepa_a(real_fixtures):
    return real_fixtures / "green_llm" / "Carbon" / "US-SE-SEPA_2024_hourly.csv"


def test_green_llm_header_variant_gives_every_hour_of_2024(ciso_a):
    rows = raw_rows(ciso_a)
    table = em.clean(em.read_zone_csv(ciso_a))
    assert len(table) == len(rows) == 8784  # 2024 is a leap year: 366 x 24
    assert str(table.index.tz) == "UTC"
    assert table.index[0] == pd.Timestamp(rows[0]["Datetime (UTC)"], tz="UTC")
    assert table.index[-1] == pd.Timestamp(rows[-1]["Datetime (UTC)"], tz="UTC")
    assert table["zone_id"].unique().tolist() == [rows[0]["Zone id"]]
    assert not table["filled"].any()


def test_green_llm_variant_values_match_raw_rows_in_kg(ciso_a):
    day = [r for r in raw_rows(ciso_a) if r["Datetime (UTC)"].startswith("2024-03-24")]
    table = em.clean(em.read_zone_csv(ciso_a), start="2024-03-24", end="2024-03-25")
    assert len(table) == len(day) == 24
    assert table["carbon_lifecycle_kg_per_kwh"].tolist() == [float(r[LIFE_CYCLE_A]) / 1000 for r in day]
    assert table["carbon_direct_kg_per_kwh"].tolist() == [float(r[DIRECT_A]) / 1000 for r in day]


def test_green_dcc_header_variant_values_match_raw_rows(gb_b):
    rows = raw_rows(gb_b)
    day = [r for r in rows if r["Datetime (UTC)"].startswith("2024-07-01")]
    raw = em.read_zone_csv(gb_b)
    assert len(raw) == len(rows)
    table = em.clean(raw, start="2024-07-01", end="2024-07-02")
    assert table["carbon_lifecycle_kg_per_kwh"].tolist() == [float(r[LIFE_CYCLE_B]) / 1000 for r in day]
    assert table["carbon_direct_kg_per_kwh"].tolist() == [float(r[DIRECT_B]) / 1000 for r in day]
    assert table["zone_id"].iloc[0] == rows[0]["Zone Id"]


def test_estimated_flag_counts_the_raw_true_rows(real_fixtures):
    path = real_fixtures / "green_dcc" / "carbon_intensity" / "US-TEX-ERCO" / "2024" / "US-TEX-ERCO_2024_hourly.csv"
    expected = sum(r["Data Estimated"] == "true" for r in raw_rows(path))
    table = em.clean(em.read_zone_csv(path))
    assert expected > 0
    assert int(table["estimated"].sum()) == expected


def longest_empty_run(rows, column):
    longest = run = 0
    for row in rows:
        run = run + 1 if row[column] == "" else 0
        longest = max(longest, run)
    return longest


def test_gap_longer_than_fill_limit_names_file_column_and_gap(sepa_a):
    longest = longest_empty_run(raw_rows(sepa_a), LIFE_CYCLE_A)
    assert longest > em.MAX_FILL_GAP_H
    with pytest.raises(DataSourceError) as err:
        em.clean(em.read_zone_csv(sepa_a))
    message = str(err.value)
    assert str(sepa_a) in message and LIFE_CYCLE_A in message
    assert f"{longest} consecutive hours" in message


def test_short_gaps_are_interpolated_and_flagged(sepa_a):
    rows = raw_rows(sepa_a)
    empty = [i for i, r in enumerate(rows) if r[LIFE_CYCLE_A] == ""]
    table = em.clean(em.read_zone_csv(sepa_a), max_gap_h=longest_empty_run(rows, LIFE_CYCLE_A))
    assert int(table["filled"].sum()) == len(empty) == table.attrs["n_filled"]
    # a lone empty hour is filled with the mean of its two neighbours
    lone = next(i for i in empty if rows[i - 1][LIFE_CYCLE_A] and rows[i + 1][LIFE_CYCLE_A])
    stamp = pd.Timestamp(rows[lone]["Datetime (UTC)"], tz="UTC")
    neighbours = (float(rows[lone - 1][LIFE_CYCLE_A]) + float(rows[lone + 1][LIFE_CYCLE_A])) / 2 / 1000
    assert table.loc[stamp, "carbon_lifecycle_kg_per_kwh"] == pytest.approx(neighbours, rel=1e-12)
    assert bool(table.loc[stamp, "filled"]) and not bool(table.loc[stamp, "estimated"])
    assert table["carbon_lifecycle_kg_per_kwh"].notna().all()


def test_missing_rows_are_filled_within_a_window(tmp_path, ciso_a):
    lines = ciso_a.read_text(encoding="utf-8").splitlines(keepends=True)
    dropped = [lines[1 + 24 * 83 + 5], lines[1 + 24 * 83 + 6]]  # 2024-03-24 05:00 and 06:00
    short = tmp_path / "short.csv"
    short.write_text("".join(line for line in lines if line not in dropped), encoding="utf-8")
    table = em.clean(em.read_zone_csv(short), start="2024-03-24", end="2024-03-25")
    assert len(table) == 24
    assert table["filled"].tolist() == [h in (5, 6) for h in range(24)]


def test_missing_column_names_file_and_column(tmp_path, ciso_a):
    lines = ciso_a.read_text(encoding="utf-8").splitlines(keepends=True)
    broken = tmp_path / "US-CAL-CISO_2024_hourly.csv"
    broken.write_text(lines[0].replace("(Life cycle)", "(lifetime)") + "".join(lines[1:5]), encoding="utf-8")
    with pytest.raises(DataSourceError) as err:
        em.read_zone_csv(broken)
    assert str(broken) in str(err.value)
    assert LIFE_CYCLE_A in str(err.value) and LIFE_CYCLE_B in str(err.value)


def test_non_numeric_value_names_line_and_column(tmp_path, ciso_a):
    lines = ciso_a.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace(lines[3].split(",")[5], "n/a", 1)
    bad = tmp_path / "bad.csv"
    bad.write_text("".join(lines[:10]), encoding="utf-8")
    with pytest.raises(DataSourceError, match=r"Life cycle.*1 rows are not numbers.*line 4: 'n/a'"):
        em.read_zone_csv(bad)


def test_repeated_hour_is_an_error(tmp_path, ciso_a):
    lines = ciso_a.read_text(encoding="utf-8").splitlines(keepends=True)
    dup = tmp_path / "dup.csv"
    dup.write_text("".join(lines[:5] + [lines[4]]), encoding="utf-8")
    with pytest.raises(DataSourceError, match="repeat an earlier hour"):
        em.clean(em.read_zone_csv(dup))


def test_fetch_zone_caches_under_portal_name(http_server, tmp_path, ciso_a):
    body = ciso_a.read_bytes()
    http_server.route("/2025-01-27/US-CAL-CISO_2024_hourly.csv", body)
    base = http_server.url("")
    path = em.fetch_zone("US-CAL-CISO", 2024, raw_root=tmp_path, base_url=base, backoff_s=0.01)
    assert path == tmp_path / "electricitymaps" / "US-CAL-CISO_2024_hourly.csv"
    assert path.read_bytes() == body
    entry = json.loads((tmp_path / "manifest.json").read_text())["electricitymaps/US-CAL-CISO_2024_hourly.csv"]
    assert entry["url"] == f"{base}/2025-01-27/US-CAL-CISO_2024_hourly.csv"
    assert entry["licence"] == em.LICENCE


def test_fetch_zone_rejects_wrong_schema_and_caches_nothing(http_server, tmp_path):
    http_server.route("/2025-01-27/XX_2024_hourly.csv", "Datetime (UTC),Zone name,Zone id,value\n")
    with pytest.raises(DataSourceError, match="Carbon intensity gCO₂eq/kWh \\(direct\\)"):
        em.fetch_zone("XX", 2024, raw_root=tmp_path, base_url=http_server.url(""), backoff_s=0.01)
    assert not (tmp_path / "electricitymaps" / "XX_2024_hourly.csv").exists()
    assert not (tmp_path / "manifest.json").exists()


def test_fetch_zone_offline_says_what_to_place_where(tmp_path):
    with pytest.raises(DataSourceError) as err:
        em.fetch_zone("US-NW-PGE", 2024, raw_root=tmp_path, offline=True)
    assert em.zone_url("US-NW-PGE", 2024) in str(err.value)
    assert str(tmp_path / "electricitymaps" / "US-NW-PGE_2024_hourly.csv") in str(err.value)


def test_load_zone_reads_a_hand_placed_file_offline(tmp_path, ciso_a):
    (tmp_path / "electricitymaps").mkdir()
    (tmp_path / "electricitymaps" / ciso_a.name).write_bytes(ciso_a.read_bytes())
    table = em.load_zone("US-CAL-CISO", 2024, raw_root=tmp_path, offline=True)
    assert len(table) == len(raw_rows(ciso_a))
    assert table.index[0] == pd.Timestamp("2024-01-01", tz="UTC")


def test_zone_id_is_checked_before_any_download(tmp_path):
    with pytest.raises(InputError, match="not an Electricity Maps zone id"):
        em.fetch_zone("../etc", 2024, raw_root=tmp_path, offline=True)
