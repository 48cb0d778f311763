"""Assertions shared by several test modules."""

from greenllm.solve import solve


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
