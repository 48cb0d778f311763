"""Assertions and fixture helpers shared by several test modules."""

import shutil
from pathlib import Path

from greenllm.solve import solve

GREEN_DCC_FIXTURES = {
    "carbon": "green_dcc/carbon_intensity/{zone}/2024/{zone}_2024_hourly.csv",
    "price": "green_dcc/electricity_prices/standardized/{zone}/2024/{zone}_electricity_prices_2024.csv",
    "weather": "green_dcc/weather/{zone}/2024.json", "rtt": "gcp_latency/raw_gcp_latency.csv"}
"""Where each world_2024 raw file is among the real fixtures (the original repositories' paths)."""


def prime_world_raw(real_fixtures: Path, raw: Path, zones) -> Path:
    """A raw cache at ``raw`` holding the green-dcc files of ``zones`` and the latency file, under the source
    registry's cache names (world_2024.cache_name), as a user primes it by hand."""
    from greenllm.data.scenarios import world_2024

    for kind, zone in [(k, z) for z in zones for k in ("carbon", "price", "weather")] + [("rtt", "")]:
        target = raw / world_2024.cache_name(kind, zone)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(real_fixtures / GREEN_DCC_FIXTURES[kind].format(zone=zone), target)
    return raw


def assert_real_scenario_solves_plausibly(scenario, scheme: str) -> None:
    """A real-data folder solves with water within budget, grid energy between 0 and the load x PUE 1.1, and energy
    cost and emissions between the cheapest/cleanest and dearest/dirtiest hour applied to all grid energy."""
    kwargs = {"weights": (1 / 3, 1 / 3, 1 / 3)} if scheme == "weighted" else {}
    result = solve(scenario, scheme, solver="highs", **kwargs)
    assert result.status == "optimal"
    assert result.water_l <= scenario.water_budget_l * (1 + 1e-6)
    grid_kwh = result.grid_kw.sum()
    assert 0 < grid_kwh <= 1.1 * scenario.scalars["total_compute_kwh"]  # PUE 1.1, part covered on site
    assert scenario.price_usd_per_kwh.min() * grid_kwh <= result.costs["energy"]
    assert result.costs["energy"] <= scenario.price_usd_per_kwh.max() * grid_kwh
    assert 0 < result.emissions_kg <= scenario.carbon_kg_per_kwh.max() * grid_kwh


UNIQUE_BASE_CASE = {"M0": "total_usd", "M3": "total_usd", "M1": "energy_usd", "M2": "carbon_usd", "LEX": "delay_usd"}
"""Quantities of the base-case table that every optimal solution shares: the weighted optima (M0, M3: equal or
fixed weights of a unique objective value), the single-objective optima (M1 energy, M2 carbon) and the last
lexicographic stage's optimum (LEX delay). M1's and M2's other costs (e.g. the delay) are not unique."""

UNIQUE_COLUMNS = {
    "weighted_sum": ["w_energy", "w_carbon", "w_delay", "objective"],
    "lexicographic_orders": ["stage1_optimum_usd", "stage2_optimum_usd", "stage3_optimum_usd"],
}
"""Columns of the other paper tables that hold optimal values (unique), not one optimal solution's costs."""


def assert_unique_quantities_equal(stem: str, got, committed, rel: float = 1e-6) -> None:
    """Compare two versions of tables/paper_v1/<stem>.csv (DataFrames) on their unique quantities and labels."""
    import pandas as pd
    import pytest

    assert list(got.columns) == list(committed.columns), stem
    if stem == "base_case":
        got, committed = got.set_index("scheme"), committed.set_index("scheme")
        for scheme, column in UNIQUE_BASE_CASE.items():
            assert got.loc[scheme, column] == pytest.approx(committed.loc[scheme, column], rel=rel), (scheme, column)
        return
    numeric = committed.select_dtypes("number").columns
    text = [c for c in committed.columns if c not in numeric]
    pd.testing.assert_frame_equal(got[text], committed[text], obj=stem)
    unique = UNIQUE_COLUMNS[stem]
    pd.testing.assert_frame_equal(got[unique], committed[unique], rtol=rel, check_dtype=False, obj=stem)
