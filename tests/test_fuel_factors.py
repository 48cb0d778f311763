"""Per-fuel factors: the literature values, the name mapping of every source, and the weighted averages."""

import math

import numpy as np
import pandas as pd
import pytest

from greenllm.data import fuel_factors as ff
from greenllm.errors import InputError

# Literature values, written here from the publications (not from the module):
# IPCC AR5 WG3 Annex III Table A.III.2 medians [g CO2eq/kWh]; oil from UK POST (2006) via Electricity Maps.
IPCC_G_PER_KWH = {"coal": 820, "gas": 490, "nuclear": 12, "hydro": 24, "wind": 11, "wind_offshore": 12,
                  "solar": 48, "biomass": 230, "geothermal": 38, "oil": 650}
# Macknick et al. (2012) Table 1 median consumption [gal/MWh].
MACKNICK_GAL_PER_MWH = {"coal": 687, "gas": 205, "nuclear": 672, "hydro": 4491, "solar": 1, "wind": 0,
                        "biomass": 553}
LITRES_PER_US_GALLON = 231 * 0.016387064  # 231 cubic inches of 16.387064 mL each


def mix(**columns):
    return pd.DataFrame({name: np.atleast_1d(np.asarray(values, dtype=float)) for name, values in columns.items()})


@pytest.mark.parametrize("fuel,grams", sorted(IPCC_G_PER_KWH.items()))
def test_carbon_factors_are_the_cited_medians_in_kg(fuel, grams):
    assert ff.FUEL_FACTORS[fuel].carbon_kg_per_kwh == pytest.approx(grams / 1000, rel=1e-12)


@pytest.mark.parametrize("fuel,gallons", sorted(MACKNICK_GAL_PER_MWH.items()))
def test_water_factors_are_macknick_medians_converted_to_litres_per_kwh(fuel, gallons):
    assert ff.FUEL_FACTORS[fuel].water_l_per_kwh == pytest.approx(gallons * LITRES_PER_US_GALLON / 1000, rel=1e-9)


def test_gallon_constant_is_the_exact_us_gallon():
    assert ff.L_PER_GAL == pytest.approx(LITRES_PER_US_GALLON, rel=1e-12)
    assert ff.L_PER_KWH_PER_GAL_PER_MWH * 1000 == pytest.approx(LITRES_PER_US_GALLON, rel=1e-12)


def test_every_factor_states_its_source():
    for fuel, factor in ff.FUEL_FACTORS.items():
        assert len(factor.carbon_source) > 10 and len(factor.water_source) > 2, fuel
        if factor.carbon_kg_per_kwh is not None and fuel in IPCC_G_PER_KWH and fuel != "oil":
            assert "IPCC" in factor.carbon_source
    assert "POST" in ff.FUEL_FACTORS["oil"].carbon_source
    assert "Macknick" in ff.FUEL_FACTORS["nuclear"].water_source


@pytest.mark.parametrize("name,fuel", [
    ("COL", "coal"), ("NG", "gas"), ("OIL", "oil"), ("NUC", "nuclear"), ("WAT", "hydro"), ("SUN", "solar"),
    ("WND", "wind"), ("OTH", "other"), ("ng", "gas"),
    ("Net Generation (MW) from Coal", "coal"),
    ("Net Generation (MW) from Natural Gas (Adjusted)", "gas"),
    ("Net Generation (MW) from All Petroleum Products", "oil"),
    ("Net Generation (MW) from Hydropower and Pumped Storage", "hydro"),
    ("Net Generation (MW) from Pumped Storage  (Adjusted)", "storage"),  # EIA's double space
    ("Net Generation (MW) from Solar with Integrated Battery Storage", "solar"),
    ("Net Generation (MW) from Unknown Fuel Sources", "other"),
    ("Fossil Brown coal/Lignite", "coal"), ("Fossil Gas", "gas"), ("Hydro Pumped Storage", "storage"),
    ("Hydro Run-of-river and poundage", "hydro_run_of_river"), ("Hydro Water Reservoir", "hydro"),
    ("Wind Offshore", "wind_offshore"), ("Other", "other"), ("nuclear", "nuclear"),
])
def test_fuel_names_of_every_source_map_to_a_canonical_fuel(name, fuel):
    assert ff.fuel_of(name) == fuel


def test_every_entsoe_type_and_balance_fuel_has_factors():
    for name in list(ff.ENTSOE_PRODUCTION_TYPES) + [ff.BALANCE_PREFIX + n for n in ff.EIA_BALANCE_FUELS]:
        assert ff.fuel_of(name) in ff.FUEL_FACTORS


def test_unknown_fuel_column_is_one_input_error_naming_it():
    with pytest.raises(InputError, match="Coal power"):
        ff.intensity_kg_per_kwh(mix(**{"Coal power": [1.0]}))


def test_intensity_is_the_generation_weighted_mean():
    frame = mix(COL=[300.0, 0.0], WND=[100.0, 50.0], NUC=[0.0, 150.0])
    expected = [(300 * 0.820 + 100 * 0.011) / 400, (50 * 0.011 + 150 * 0.012) / 200]
    assert ff.intensity_kg_per_kwh(frame).to_numpy() == pytest.approx(expected, rel=1e-12)


def test_storage_and_other_take_the_mix_average():
    with_extra = mix(NG=[100.0], SUN=[100.0], OTH=[500.0], PS=[70.0])
    without = mix(NG=[100.0], SUN=[100.0])
    assert ff.intensity_kg_per_kwh(with_extra).iloc[0] == pytest.approx(ff.intensity_kg_per_kwh(without).iloc[0])
    assert ff.intensity_kg_per_kwh(with_extra).iloc[0] == pytest.approx((0.490 + 0.048) / 2)


def test_hour_with_only_mix_average_fuels_has_no_intensity():
    assert math.isnan(ff.intensity_kg_per_kwh(mix(OTH=[10.0], BAT=[5.0])).iloc[0])


def test_negative_generation_weighs_nothing_and_missing_counts_as_none():
    frame = mix(COL=[100.0, 100.0], WAT=[-40.0, np.nan], WND=[100.0, 100.0])
    expected = (100 * 0.820 + 100 * 0.011) / 200
    assert ff.intensity_kg_per_kwh(frame).to_numpy() == pytest.approx([expected, expected])


def test_ewif_weights_water_factors_and_accepts_overrides():
    frame = mix(WAT=[100.0], NUC=[100.0])
    hydro, nuclear = 4491 * LITRES_PER_US_GALLON / 1000, 672 * LITRES_PER_US_GALLON / 1000
    assert ff.ewif_l_per_kwh(frame).iloc[0] == pytest.approx((hydro + nuclear) / 2)
    assert ff.ewif_l_per_kwh(frame, {"hydro": 0.0}).iloc[0] == pytest.approx(nuclear / 2)


def test_run_of_river_has_no_reservoir_evaporation():
    frame = mix(**{"Hydro Run-of-river and poundage": [100.0], "Hydro Water Reservoir": [100.0]})
    assert ff.ewif_l_per_kwh(frame).iloc[0] == pytest.approx(4491 * LITRES_PER_US_GALLON / 1000 / 2)
    assert ff.intensity_kg_per_kwh(frame).iloc[0] == pytest.approx(0.024)


def test_override_of_an_unknown_fuel_is_an_input_error():
    with pytest.raises(InputError, match="lignite"):
        ff.intensity_kg_per_kwh(mix(COL=[1.0]), {"lignite": 1.1})


def test_index_is_kept():
    frame = mix(COL=[1.0, 2.0]).set_axis(pd.date_range("2024-01-01", periods=2, freq="h", tz="UTC"))
    assert ff.intensity_kg_per_kwh(frame).index.equals(frame.index)


def test_factor_table_lists_every_fuel_with_units_in_column_names():
    table = ff.factor_table()
    assert set(table.index) == set(ff.FUEL_FACTORS)
    assert {"carbon_kg_per_kwh", "water_l_per_kwh", "carbon_source", "water_source"} <= set(table.columns)
