"""The determining stages (greenllm.solve.DETERMINING_ORDER): what a scheme's objective leaves open is fixed by a
declared rule, so every reported number is one value, the same on any solver path, and the scheme's own numbers do
not move."""

import numpy as np
import pytest

from greenllm.backends import HighsBackend
from greenllm.experiments.records import flatten, solve_record
from greenllm.formulations import build, resolve
from greenllm.inputs import load_scenario
from greenllm.options import default_options_for
from greenllm.solve import DETERMINING_ORDER, determining_plan, run_stages, solve


@pytest.fixture(scope="module")
def paper(paper_v1_dir):
    return load_scenario(paper_v1_dir)


@pytest.fixture(scope="module")
def paper_lp(paper):
    options = default_options_for(paper)
    return build(paper, resolve(None, paper, options), options)


def face_spread(backend: HighsBackend, values: np.ndarray, direction: np.ndarray) -> float:
    """max - min of ``direction`` @ x over the optimal face of the last solve (0: one point along it)."""
    assert backend.restrict_to_optimal_face(values)
    backend.set_objective(direction)
    _, _, low = backend.solve()
    backend.set_objective(-direction)
    _, _, neg_high = backend.solve()
    return -neg_high - low


def test_the_plan_adds_each_component_the_scheme_did_not_minimise_then_water(paper_lp):
    assert [label for label, _ in determining_plan(["energy"], paper_lp)] == ["carbon", "delay", "water"]
    assert [label for label, _ in determining_plan(["carbon"], paper_lp)] == ["energy", "delay", "water"]
    assert [label for label, _ in determining_plan(["weighted"], paper_lp)] == list(DETERMINING_ORDER)
    assert [label for label, _ in determining_plan(["delay", "energy", "carbon"], paper_lp)] == ["water"]


def test_energy_only_is_the_lexicographic_order_energy_carbon_delay_at_tolerance_zero(paper):
    m1 = solve(paper, "energy", solver="highs")
    lex0 = solve(paper, "lexicographic", order=("energy", "carbon", "delay"), tolerance=0.0, solver="highs")
    for component in ("energy", "carbon", "delay"):
        assert m1.costs[component] == pytest.approx(lex0.costs[component], rel=1e-7), component
    assert [s.objective for s in m1.determined_by] == ["carbon", "delay", "water"]
    assert all(s.optimum is not None for s in m1.determined_by)
    assert m1.determined_by[1].optimum == pytest.approx(m1.costs["delay"], rel=1e-9)
    assert m1.determined_by[2].optimum == pytest.approx(m1.water_l, rel=1e-9)


@pytest.mark.parametrize("scheme", ["energy", "carbon"])
def test_without_the_stages_the_delay_cost_is_open_and_with_them_the_allocation_is_one_point(paper_lp, scheme):
    delay = paper_lp.costs["delay"]
    plan = [(scheme, paper_lp.costs[scheme])]
    loose = HighsBackend(paper_lp)
    values = run_stages(loose, paper_lp, plan, 0.0, 0.0, None, tie_break=False).values
    assert face_spread(loose, values, delay) > 1.0  # $: many optima, different delay costs

    determined = HighsBackend(paper_lp)
    values = run_stages(determined, paper_lp, plan, 0.0, 0.0, None).values
    direction = np.random.default_rng(7).normal(size=paper_lp.n_cols)
    assert face_spread(determined, values, direction) == pytest.approx(0.0, abs=1e-7)


def test_records_name_the_determining_stages(paper):
    record = solve_record(solve(paper, "carbon", solver="highs").to_dict(), name="M2")
    assert [s["objective"] for s in record["determined_by"]] == ["energy", "delay", "water"]
    assert flatten(record)["determined_by"] == "energy > delay > water"


def test_readme_base_case_table_is_the_committed_table():
    import re
    from pathlib import Path

    import pandas as pd

    repo = Path(__file__).resolve().parents[1]
    table = pd.read_csv(repo / "tables" / "paper_v1" / "base_case.csv").set_index("scheme")
    rows = re.findall(r"^\| (M\d|weights 1/4, 1/2, 1/4)[^|]*\| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|",
                      (repo / "README.md").read_text(), flags=re.MULTILINE)
    assert len(rows) == 4
    for name, *values in rows:
        scheme = "M3" if name.startswith("weights") else name
        expected = table.loc[scheme, ["total_usd", "energy_usd", "carbon_usd", "delay_usd"]].to_numpy(float)
        assert [float(v) for v in values] == pytest.approx(list(expected.round(4)), abs=5e-5), scheme
