"""The independent verifier catches violated constraints and misreported costs."""

import dataclasses

import numpy as np
import pytest

from greenllm.errors import VerificationError
from greenllm.inputs import load_scenario, write_scenario
from greenllm.options import ModelOptions
from greenllm.solve import solve
from greenllm.verify import verify_solution
from tests.test_tiny_instance import tiny_tables


@pytest.fixture
def solved(tmp_path):
    scenario = load_scenario(write_scenario(tmp_path / "tiny", *tiny_tables()))
    return scenario, solve(scenario, "energy", solver="highs")


def test_a_correct_solution_passes(solved):
    scenario, result = solved
    account = verify_solution(scenario, result)
    assert account.water_l == pytest.approx(1.0)


def test_unserved_queries_fail(solved):
    scenario, result = solved
    broken = dataclasses.replace(result, x=result.x * 0.9)
    with pytest.raises(VerificationError, match=r"\(12\) full service"):
        verify_solution(scenario, broken)


def test_overloaded_site_fails_on_resources(solved):
    scenario, result = solved
    x = np.zeros_like(result.x)
    x[0, 0, 0, 0] = 1.0  # all at dc0, whose cpu capacity is 60 % of the load
    broken = dataclasses.replace(result, x=x, grid_kw=np.array([[1.0], [0.0]]))
    with pytest.raises(VerificationError, match=r"\(11b\) resources"):
        verify_solution(scenario, broken)


def test_missing_grid_power_fails_the_power_balance(solved):
    scenario, result = solved
    broken = dataclasses.replace(result, grid_kw=result.grid_kw * 0.5)
    with pytest.raises(VerificationError, match=r"\(7\) power balance"):
        verify_solution(scenario, broken)


def test_misreported_cost_fails(solved):
    scenario, result = solved
    broken = dataclasses.replace(result, costs={**result.costs, "energy": result.costs["energy"] * 1.01})
    with pytest.raises(VerificationError, match="reported energy cost"):
        verify_solution(scenario, broken)


def test_grid_above_the_load_fails_when_the_model_options_bound_it(solved):
    scenario, result = solved
    bounded = dataclasses.replace(result, model=ModelOptions(grid_within_load=True))
    verify_solution(scenario, bounded)  # the energy optimum draws exactly the load
    oversupplied = dataclasses.replace(bounded, grid_kw=result.grid_kw + 1.0)
    with pytest.raises(VerificationError, match="grid power <= facility load"):
        verify_solution(scenario, oversupplied)
