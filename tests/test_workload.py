"""Workload recipe: Azure trace token statistics and the paper's demand generator, generalised to UTC hours."""

import csv
import statistics

import numpy as np
import pandas as pd
import pytest

from greenllm.data.regions import load_regions
from greenllm.data.workload import (AZURE_TRACE_FILES, PAPER_TYPE_FACTORS, azure_token_stats, demand_from_regions,
                                    demand_multipliers, demand_queries, read_azure_trace)
from greenllm.errors import InputError


@pytest.fixture(scope="module")
def azure_dir(real_fixtures):
    return real_fixtures / "azure_llm"


@pytest.fixture(scope="module")
def paper_areas(paper_v1_dir):
    return pd.read_csv(paper_v1_dir / "areas.csv")


def _paper_factors(areas):
    """Regional factors recovered from areas.csv: multiplier / (0.3 + normalised population)."""
    population = areas["population_millions"].to_numpy()
    normalised = (population - population.min()) / (population.max() - population.min())
    return areas["demand_multiplier"].to_numpy() / (0.3 + normalised)


def test_token_statistics_match_the_raw_rows(azure_dir):
    table = azure_token_stats(azure_dir)
    assert list(table.index) == ["conversation", "code"]
    for query_type, name in AZURE_TRACE_FILES.items():
        with open(azure_dir / name, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        tokens_in = [int(row["ContextTokens"]) for row in rows]
        tokens_out = [int(row["GeneratedTokens"]) for row in rows]
        stats = table.loc[query_type]
        assert stats["n_requests"] == len(rows)
        assert stats["tokens_in_mean"] == pytest.approx(statistics.fmean(tokens_in))
        assert stats["tokens_in_median"] == statistics.median(tokens_in)
        assert stats["tokens_out_mean"] == pytest.approx(statistics.fmean(tokens_out))
        assert stats["tokens_out_median"] == statistics.median(tokens_out)
    # code prompts are longer and code answers shorter than conversation ones (Splitwise, Patel et al. 2024)
    assert table.loc["code", "tokens_in_median"] > table.loc["conversation", "tokens_in_median"]
    assert table.loc["code", "tokens_out_median"] < table.loc["conversation", "tokens_out_median"]


def test_trace_timestamps_keep_sub_second_precision(azure_dir):
    trace = read_azure_trace(azure_dir / AZURE_TRACE_FILES["code"])
    with open(azure_dir / AZURE_TRACE_FILES["code"], newline="", encoding="utf-8") as handle:
        first = next(csv.DictReader(handle))
    assert trace["timestamp"].iloc[0] == pd.Timestamp(first["TIMESTAMP"][:26])
    assert trace["timestamp"].is_monotonic_increasing


def test_wrong_header_names_the_file_and_the_missing_column(azure_dir, tmp_path):
    lines = (azure_dir / AZURE_TRACE_FILES["conversation"]).read_text(encoding="utf-8").splitlines()[:50]
    path = tmp_path / "renamed.csv"
    path.write_text("\n".join([lines[0].replace("GeneratedTokens", "OutputTokens")] + lines[1:]), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_azure_trace(path)
    message = str(caught.value)
    assert str(path) in message and "GeneratedTokens" in message and "OutputTokens" in message


def test_bad_token_count_names_column_and_line(azure_dir, tmp_path):
    lines = (azure_dir / AZURE_TRACE_FILES["code"]).read_text(encoding="utf-8").splitlines()[:20]
    stamp, context, _ = lines[5].split(",")
    lines[5] = f"{stamp},{context},-3"
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(InputError, match=r"column 'GeneratedTokens': 1 values .*line 6: '-3'"):
        read_azure_trace(path)


def test_multipliers_match_paper_areas(paper_areas):
    multipliers = demand_multipliers(paper_areas["population_millions"], _paper_factors(paper_areas))
    np.testing.assert_allclose(multipliers, paper_areas["demand_multiplier"], rtol=1e-12)
    factors = sorted(set(np.round(_paper_factors(paper_areas), 12)))
    assert factors == [0.8, 1.2, 1.3]  # the README's regional factors


def test_reproduces_the_papers_base_case_demand_exactly(paper_areas, paper_v1_dir):
    names = paper_areas["location"].tolist()
    monday = pd.date_range("2025-03-24", periods=24, freq="h", tz="UTC")  # a Monday, users on UTC (no shift)
    assert monday[0].day_of_week == 0
    demand = demand_queries(dict(zip(names, paper_areas["population_millions"])), monday, PAPER_TYPE_FACTORS, 42,
                            demand_factors=dict(zip(names, _paper_factors(paper_areas))))
    reference = pd.read_csv(paper_v1_dir / "demand.csv")
    merged = reference.merge(demand, on=["hour", "area", "type"], suffixes=("_paper", "_ours"))
    assert len(merged) == len(reference) == 1080
    assert (merged["queries_paper"] == merged["queries_ours"]).all()
    assert demand["queries"].sum() == 692248  # the paper_v1 README's total


def test_readme_weekday_uplift_is_not_in_the_saved_base_case(paper_areas, paper_v1_dir):
    names = paper_areas["location"].tolist()
    monday = pd.date_range("2025-03-24", periods=24, freq="h", tz="UTC")
    uplifted = demand_queries(dict(zip(names, paper_areas["population_millions"])), monday, PAPER_TYPE_FACTORS, 42,
                              demand_factors=dict(zip(names, _paper_factors(paper_areas))), weekday_factor=1.2)
    reference = pd.read_csv(paper_v1_dir / "demand.csv")
    merged = reference.merge(uplifted, on=["hour", "area", "type"], suffixes=("_paper", "_ours"))
    differs = merged["queries_paper"] != merged["queries_ours"]
    assert differs.any() and set(merged.loc[differs, "hour"]) <= set(range(9, 17))


def _two_areas(hours, **kwargs):
    return demand_queries({"east": 5.0, "west": 5.0}, hours, {"chat": 2.0}, 7, noise_sd=0.0,
                          timezones={"east": "UTC", "west": "America/Los_Angeles"}, **kwargs)


def test_each_area_follows_its_own_local_clock():
    hours = pd.date_range("2024-01-15", periods=72, freq="h", tz="UTC")  # January: Los Angeles is UTC-8
    demand = _two_areas(hours, min_queries=0, max_queries=10**6).set_index(["hour", "area_name"])["queries"]
    east = demand.xs("east", level="area_name").to_numpy()
    west = demand.xs("west", level="area_name").to_numpy()
    np.testing.assert_array_equal(west[8:], east[:-8])


def test_weekday_uplift_applies_only_in_local_business_hours_on_weekdays():
    saturday = pd.date_range("2024-01-13", periods=24, freq="h", tz="UTC")
    monday = pd.date_range("2024-01-15", periods=24, freq="h", tz="UTC")
    kwargs = {"weekday_factor": 1.2, "min_queries": 0, "max_queries": 10**6}
    sat = _two_areas(saturday, **kwargs).query("area_name == 'east'")["queries"].to_numpy()
    mon = _two_areas(monday, **kwargs).query("area_name == 'east'")["queries"].to_numpy()
    business = np.arange(24)
    business = (business >= 9) & (business <= 16)
    assert (mon[business] > sat[business]).all()
    np.testing.assert_array_equal(mon[~business], sat[~business])


def test_deterministic_given_a_seed_and_bounded():
    hours = pd.date_range("2024-06-03", periods=48, freq="h", tz="UTC")
    regions = list(load_regions().values())
    first = demand_from_regions(regions, hours, PAPER_TYPE_FACTORS, seed=3)
    again = demand_from_regions(regions, hours, PAPER_TYPE_FACTORS, seed=3)
    other = demand_from_regions(regions, hours, PAPER_TYPE_FACTORS, seed=4)
    pd.testing.assert_frame_equal(first, again)
    assert not first["queries"].equals(other["queries"])
    assert len(first) == 48 * len(regions) * len(PAPER_TYPE_FACTORS)
    assert first["queries"].between(500, 1200).all()
    assert list(first.columns) == ["hour", "time_utc", "area", "area_name", "type", "type_name", "queries"]
    # a larger population draws more queries (California 39.5 M, factor 1.3 vs Utah 3.3 M, factor 0.8)
    by_area = first.groupby("area_name")["queries"].sum()
    assert by_area["us-west2"] > by_area["us-west3"]


def test_bad_inputs_are_input_errors():
    hours = pd.date_range("2024-01-01", periods=2, freq="h", tz="UTC")
    with pytest.raises(InputError, match="time-zone aware"):
        demand_queries({"a": 1.0}, hours.tz_localize(None), {"chat": 1.0}, 0)
    with pytest.raises(InputError, match="positive"):
        demand_queries({"a": 1.0, "b": -2.0}, hours, {"chat": 1.0}, 0)
    with pytest.raises(InputError, match="unknown area"):
        demand_queries({"a": 1.0}, hours, {"chat": 1.0}, 0, timezones={"z": "UTC"})
    with pytest.raises(InputError, match="time zone"):
        demand_queries({"a": 1.0}, hours, {"chat": 1.0}, 0, timezones={"a": "Mars/Olympus"})


# --- sites that share one user area ---------------------------------------------------------------------------------


def india_sites():
    """asia-south1 (Mumbai) and a second site in its zone, as a user adds one: same user area, India."""
    import dataclasses

    regions = load_regions()
    mumbai = regions["asia-south1"]
    navi = dataclasses.replace(mumbai, id="navimumbai-in", name="Navi Mumbai", latitude=19.03, longitude=73.03)
    return regions, mumbai, navi


def test_a_second_site_in_a_served_area_moves_demand_and_adds_none():
    regions, mumbai, navi = india_sites()
    others = [regions["europe-west3"], regions["asia-northeast1"]]
    hours = pd.date_range("2024-03-24", periods=24, freq="h", tz="UTC")
    one = demand_from_regions([*others, mumbai], hours, PAPER_TYPE_FACTORS, seed=42)
    two = demand_from_regions([*others, mumbai, navi], hours, PAPER_TYPE_FACTORS, seed=42)
    assert two["queries"].sum() == one["queries"].sum()
    by_area = two.groupby("area_name")["queries"].sum()
    assert by_area["asia-south1"] + by_area["navimumbai-in"] == one.groupby("area_name")["queries"].sum()["asia-south1"]
    assert abs(by_area["asia-south1"] - by_area["navimumbai-in"]) <= len(hours) * len(PAPER_TYPE_FACTORS)
    for site in ("europe-west3", "asia-northeast1"):  # the other areas are untouched
        assert by_area[site] == one.groupby("area_name")["queries"].sum()[site]
    assert two.attrs["shared_user_areas"] == {"India": ["asia-south1", "navimumbai-in"]}


def test_one_area_named_with_two_populations_is_refused():
    import dataclasses

    _, mumbai, navi = india_sites()
    navi = dataclasses.replace(navi, user_area=dataclasses.replace(navi.user_area, population_millions=20.0))
    with pytest.raises(InputError, match="user area 'India': sites asia-south1 and navimumbai-in"):
        demand_from_regions([mumbai, navi], pd.date_range("2024-03-24", periods=24, freq="h", tz="UTC"),
                            PAPER_TYPE_FACTORS, seed=42)


def test_the_areas_table_counts_a_shared_population_once(capsys):
    from greenllm.data.scenarios import assembly

    regions, mumbai, navi = india_sites()
    sites = [regions["europe-west3"], mumbai, navi]
    hours = pd.date_range("2024-03-24", periods=24, freq="h", tz="UTC")
    flat = {name: np.full(len(hours), 0.1) for name in assembly.SITE_COLUMNS}
    site_hourly = {r.id: pd.DataFrame(flat, index=hours) for r in sites}
    tables, scalars = assembly.assemble(sites, hours, site_hourly, carbon_tax_usd_per_kg=[0.05] * 3)
    areas = tables["areas"]
    assert areas["population_millions"].sum() == pytest.approx(
        regions["europe-west3"].user_area.population_millions + mumbai.user_area.population_millions)
    assert scalars["shared_user_areas"] == {"India": ["asia-south1", "navimumbai-in"]}
    assert "share the user area India" in capsys.readouterr().err
