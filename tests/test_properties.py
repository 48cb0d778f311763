"""Properties on random small instances: every query is served, the water budget holds, costs add up."""

import numpy as np
import pytest

from greenllm.inputs import load_scenario, write_scenario
from greenllm.solve import solve
from greenllm.synthetic import random_tables
from greenllm.verify import check_solution


@pytest.mark.parametrize("seed", range(8))
def test_random_instance_properties(tmp_path, seed):
    rng = np.random.default_rng(seed)
    sizes = dict(n_areas=int(rng.integers(1, 5)), n_dcs=int(rng.integers(1, 5)), n_types=int(rng.integers(1, 4)),
                 n_hours=int(rng.integers(1, 7)))
    scenario = load_scenario(write_scenario(tmp_path / "s", *random_tables(seed=seed, **sizes)))
    weights = tuple(rng.dirichlet([1, 1, 1]))
    order = tuple(rng.permutation(["energy", "carbon", "delay"]))
    for result in (solve(scenario, "weighted", weights=weights, solver="highs"),
                   solve(scenario, "lexicographic", order=order, solver="highs")):
        served = (result.x * scenario.queries[:, None]).sum(axis=1)
        assert np.allclose(served, scenario.queries, rtol=1e-7)  # full service
        assert result.water_l <= scenario.water_budget_l * (1 + 1e-9)
        assert np.all(result.x >= -1e-9) and np.all(result.x <= 1 + 1e-9)
        assert all(c.ok for c in check_solution(scenario, result.x, result.grid_kw))
        c = result.costs
        assert c["total"] == pytest.approx(c["energy"] + c["carbon"] + c["delay"])
    # the weighted objective is the weighted sum of the components
    weighted = solve(scenario, "weighted", weights=weights, solver="highs")
    blend = sum(w * weighted.costs[n] for w, n in zip(weights, ("energy", "carbon", "delay"), strict=True))
    assert weighted.objective == pytest.approx(blend, rel=1e-7)


@pytest.mark.parametrize("seed", range(4))
def test_tightening_the_water_budget_never_lowers_the_cost(tmp_path, seed):
    scenario = load_scenario(write_scenario(tmp_path / "s", *random_tables(seed=seed, n_areas=3, n_dcs=3)))
    loose = solve(scenario, "energy", solver="highs")
    tight = solve(scenario.scaled("water_budget", loose.water_l / scenario.water_budget_l * 0.999), "energy",
                  solver="highs")
    assert tight.objective >= loose.objective - 1e-9
    assert tight.water_l <= loose.water_l * 0.999 * (1 + 1e-9)
