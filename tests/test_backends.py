"""HiGHS and Gurobi give the same optima on an instance below the restricted licence's size limit."""

import pytest

from greenllm.backends import GUROBI_LIMITED_SIZE, gurobi_licence
from greenllm.inputs import load_scenario, write_scenario
from greenllm.model import build
from greenllm.synthetic import random_tables


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small") / "s"
    scenario = load_scenario(write_scenario(folder, *random_tables(n_areas=3, n_dcs=3, n_types=2, n_hours=6, seed=7)))
    lp = build(scenario)
    assert max(lp.n_cols, lp.n_rows) <= GUROBI_LIMITED_SIZE
    return scenario


@pytest.fixture(scope="module")
def gurobi():
    kind, reason = gurobi_licence()
    if kind == "none":
        pytest.skip(f"Gurobi unusable here: {reason}")
    return kind


@pytest.mark.parametrize("scheme,kwargs", [
    ("energy", {}), ("carbon", {}), ("delay", {}),
    ("weighted", {"weights": (1 / 3, 1 / 3, 1 / 3)}),
    ("weighted", {"weights": (0.6, 0.2, 0.2)}),
    ("lexicographic", {"order": ("energy", "carbon", "delay")}),
    ("lexicographic", {"order": ("delay", "energy", "carbon")}),
])
def test_gurobi_and_highs_agree(small, gurobi, scheme, kwargs):
    from greenllm.solve import solve

    h = solve(small, scheme, solver="highs", **kwargs)
    g = solve(small, scheme, solver="gurobi", **kwargs)
    assert (h.solver, g.solver) == ("highs", "gurobi")
    assert g.objective == pytest.approx(h.objective, rel=1e-6)
    for hs, gs in zip(h.stages, g.stages, strict=True):
        assert gs["optimum"] == pytest.approx(hs["optimum"], rel=1e-6)


def test_auto_uses_gurobi_when_the_model_fits(small, gurobi):
    from greenllm.solve import solve

    assert solve(small, "energy", solver="auto").solver == "gurobi"


def test_gurobi_and_highs_agree_on_two_sided_power_balance_rows(small, gurobi):
    import dataclasses

    from greenllm.solve import solve

    # negative prices at some site-hours, grid bounded by the load: ranged power-balance rows in both backends
    bounded = dataclasses.replace(small, price_usd_per_kwh=small.price_usd_per_kwh - 0.15,
                                  scalars={**small.scalars, "grid_within_load": True})
    h = solve(bounded, "energy", solver="highs")
    g = solve(bounded, "energy", solver="gurobi")
    assert (small.price_usd_per_kwh - 0.15 < 0).any()
    assert g.objective == pytest.approx(h.objective, rel=1e-6)


def test_gurobi_and_highs_agree_on_the_per_query_tie_break(small, gurobi):
    import dataclasses

    from greenllm.solve import solve

    # renewables cover every load: the energy optimum is $0 and only the tie-break stage (kWh) decides
    sunny = dataclasses.replace(small, renewable_kw=small.renewable_kw + 1e4)
    h = solve(sunny, "energy", solver="highs", formulation="per_query")
    g = solve(sunny, "energy", solver="gurobi", formulation="per_query")
    assert (h.solver, g.solver) == ("highs", "gurobi")
    assert h.objective == pytest.approx(0.0, abs=1e-9) and g.objective == pytest.approx(0.0, abs=1e-9)
    tie_h, tie_g = h.to_dict()["tie_break"], g.to_dict()["tie_break"]
    assert tie_h["optimum"] > 0 and tie_g["optimum"] == pytest.approx(tie_h["optimum"], rel=1e-6)
