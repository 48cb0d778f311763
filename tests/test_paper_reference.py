"""Acceptance: the model reproduces the paper's base-case numbers from ../shared/reference/paper_v1."""

import itertools

import pytest

from greenllm.inputs import load_scenario
from greenllm.model import OBJECTIVES
from greenllm.solve import solve

REL = 1e-6


@pytest.fixture(scope="module")
def paper(paper_v1_dir):
    return load_scenario(paper_v1_dir)


def test_equal_weights_reproduce_paper_total(paper):
    result = solve(paper, "weighted", weights=(1 / 3, 1 / 3, 1 / 3), solver="highs")
    assert result.costs["total"] == pytest.approx(392.0825457533, rel=REL)


def test_quarter_half_quarter_weights_reproduce_paper_total(paper):
    result = solve(paper, "weighted", weights=(1 / 4, 1 / 2, 1 / 4), solver="highs")
    assert result.costs["total"] == pytest.approx(392.9788081801, rel=REL)


def test_energy_only_reproduces_paper_energy_and_carbon(paper):
    result = solve(paper, "energy", solver="highs")
    assert result.costs["energy"] == pytest.approx(193.9356764325, rel=REL)
    assert result.costs["carbon"] == pytest.approx(8.5296586552, rel=REL)


def test_carbon_only_reproduces_paper_carbon_and_energy(paper):
    result = solve(paper, "carbon", solver="highs")
    assert result.costs["carbon"] == pytest.approx(2.0896638904, rel=REL)
    assert result.costs["energy"] == pytest.approx(207.1544964794, rel=REL)


def test_total_is_the_unweighted_sum_and_objective_the_weighted_one(paper):
    result = solve(paper, "weighted", weights=(1 / 3, 1 / 3, 1 / 3), solver="highs")
    c = result.costs
    assert c["total"] == pytest.approx(c["energy"] + c["carbon"] + c["delay"], rel=1e-12)
    assert result.objective == pytest.approx(c["total"] / 3, rel=1e-9)


@pytest.mark.parametrize("order", list(itertools.permutations(OBJECTIVES)), ids="-".join)
def test_lexicographic_stage_invariant_holds_for_every_order(paper, order):
    tolerance = 1e-3
    result = solve(paper, "lexicographic", order=order, tolerance=tolerance, solver="highs")
    assert [s["objective"] for s in result.stages] == list(order)
    for stage in result.stages[:-1]:  # every earlier objective stays within its bound in the final solution
        optimum = stage["optimum"]
        assert result.costs[stage["objective"]] <= optimum + tolerance * abs(optimum) + 1e-7
    assert result.costs[order[-1]] == pytest.approx(result.stages[-1]["optimum"], rel=1e-9)
    assert result.objective == result.stages[-1]["optimum"]
    # later stages can only get worse than their unconstrained optimum
    for stage in result.stages[1:]:
        alone = solve(paper, stage["objective"], solver="highs", verify=False).objective
        assert stage["optimum"] >= alone - 1e-7


@pytest.mark.parametrize("first", OBJECTIVES)
def test_lexicographic_first_stage_with_zero_tolerance_is_the_single_objective_optimum(paper, first):
    order = (first, *[o for o in OBJECTIVES if o != first])
    lexi = solve(paper, "lexicographic", order=order, tolerance=0.0, solver="highs")
    single = solve(paper, first, solver="highs")
    assert lexi.stages[0]["optimum"] == pytest.approx(single.objective, rel=1e-9)
    assert lexi.costs[first] == pytest.approx(single.objective, rel=1e-6, abs=1e-9)
