"""A scenario small enough to solve by hand: 1 area, 2 data centres, 1 type, 1 hour.

100 queries of 10 + 10 tokens at 5e-4 kWh/token in and out: e = 0.01 kWh/query, 1 kWh in all, PUE 1, no renewables.
dc0: 0.10 $/kWh, 0.5 kg/kWh; dc1: 0.20 $/kWh, 0.1 kg/kWh; carbon tax 0.1 $/kg at both.
Per unit share: energy 0.10 | 0.20 $, carbon 0.05 | 0.01 $, delay (RTT only, penalty 1 $/s) 0.01 | 0.02 $.
dc0's cpu capacity is 60 % of the load, so min energy puts x0 = 0.6, x1 = 0.4.
"""

import json

import pandas as pd
import pytest

from greenllm.errors import InfeasibleError
from greenllm.inputs import load_scenario, write_scenario
from greenllm.solve import solve


def tiny_tables(water_budget_l=10.0, cpu_capacity_dc0=1200.0):
    tables = {
        "areas": pd.DataFrame({"area": [0]}),
        "datacenters": pd.DataFrame({"dc": [0, 1], "pue": [1.0, 1.0], "carbon_tax_usd_per_kg": [0.1, 0.1]}),
        "query_types": pd.DataFrame({"type": [0], "tokens_in": [10], "tokens_out": [10],
                                     "energy_in_kwh_per_token": [5e-4], "energy_out_kwh_per_token": [5e-4],
                                     "delay_penalty_usd_per_s": [1.0]}),
        "dc_type": pd.DataFrame({"dc": [0, 1], "type": [0, 0], "proc_delay_s_per_token": [0.0, 0.0]}),
        # load: 100 queries x 20 tokens x 1 unit/token = 2000 cpu units
        "dc_resource": pd.DataFrame({"dc": [0, 1], "resource": [0, 0], "capacity": [cpu_capacity_dc0, 5000.0]}),
        "type_resource": pd.DataFrame({"type": [0], "resource": [0], "use_per_token": [1.0]}),
        "area_dc": pd.DataFrame({"area": [0, 0], "dc": [0, 1], "rtt_s": [0.01, 0.02], "bandwidth_mbps": [1000.0, 1000.0]}),
        "area_type": pd.DataFrame({"area": [0], "type": [0], "delay_max_s": [1.0]}),
        "demand": pd.DataFrame({"hour": [0], "area": [0], "type": [0], "queries": [100], "token_size_kb": [0.0]}),
        "dc_hour": pd.DataFrame({"hour": [0, 0], "dc": [0, 1], "price_usd_per_kwh": [0.1, 0.2],
                                 "carbon_kg_per_kwh": [0.5, 0.1], "renewable_kw": [0.0, 0.0],
                                 "grid_cap_kw": [100.0, 100.0], "wue_l_per_kwh": [1.0, 1.0],
                                 "ewif_l_per_kwh": [0.0, 0.0]}),
    }
    return tables, {"water_budget_l": water_budget_l}


@pytest.fixture
def tiny(tmp_path):
    return load_scenario(write_scenario(tmp_path / "tiny", *tiny_tables()))


def test_energy_optimum_fills_the_cheap_site_to_capacity(tiny):
    result = solve(tiny, "energy", solver="highs")
    assert result.x[0, :, 0, 0] == pytest.approx([0.6, 0.4], abs=1e-9)
    assert result.costs["energy"] == pytest.approx(0.6 * 0.10 + 0.4 * 0.20, rel=1e-9)
    assert result.costs["carbon"] == pytest.approx(0.6 * 0.05 + 0.4 * 0.01, rel=1e-9)
    assert result.costs["delay"] == pytest.approx(0.6 * 0.01 + 0.4 * 0.02, rel=1e-9)
    assert result.grid_kw[:, 0] == pytest.approx([0.6, 0.4], abs=1e-9)
    assert result.emissions_kg == pytest.approx(0.6 * 0.5 + 0.4 * 0.1, rel=1e-9)
    assert result.water_l == pytest.approx(1.0, rel=1e-9)


def test_carbon_optimum_sends_everything_to_the_clean_site(tiny):
    result = solve(tiny, "carbon", solver="highs")
    assert result.x[0, :, 0, 0] == pytest.approx([0.0, 1.0], abs=1e-9)
    assert result.costs["carbon"] == pytest.approx(0.01, rel=1e-9)


def test_equal_weights_prefer_the_cheap_site(tiny):
    # per unit share: dc0 0.10 + 0.05 + 0.01 = 0.16 < dc1 0.20 + 0.01 + 0.02 = 0.23
    result = solve(tiny, "weighted", weights=(1 / 3, 1 / 3, 1 / 3), solver="highs")
    assert result.objective == pytest.approx((0.6 * 0.16 + 0.4 * 0.23) / 3, rel=1e-9)


def test_lexicographic_carbon_then_energy_trades_within_tolerance(tiny):
    # carbon* = 0.01 (all at dc1); with 50 % tolerance carbon may reach 0.015: 0.05 a + 0.01 (1 - a) <= 0.015 -> a = 0.125
    result = solve(tiny, "lexicographic", order=("carbon", "energy", "delay"), tolerance=0.5, solver="highs")
    assert result.stages[0]["optimum"] == pytest.approx(0.01, rel=1e-9)
    assert result.x[0, 0, 0, 0] == pytest.approx(0.125, abs=1e-9)
    assert result.stages[1]["optimum"] == pytest.approx(0.125 * 0.1 + 0.875 * 0.2, rel=1e-9)


def test_absolute_tolerance_adds_to_the_bound(tiny):
    result = solve(tiny, "lexicographic", order=("carbon", "energy", "delay"), tolerance=0.0, abs_tolerance=0.004,
                   solver="highs")
    assert result.costs["carbon"] == pytest.approx(0.014, rel=1e-9)  # 0.05 a + 0.01 (1 - a) = 0.014 -> a = 0.1


def test_water_budget_below_minimum_is_diagnosed(tmp_path):
    tables, scalars = tiny_tables(water_budget_l=0.5)
    scenario = load_scenario(write_scenario(tmp_path / "dry", tables, scalars))
    with pytest.raises(InfeasibleError, match=r"water budget of 0\.5 L is below the minimum of 1\.0 L"):
        solve(scenario, "energy", solver="highs")


def test_an_infeasible_solve_without_diagnosis_still_raises(tmp_path, monkeypatch):
    """diagnose=False (the year's recourse re-solves) raises the same error class and skips the diagnosis."""
    import greenllm.solve as solve_module

    tables, scalars = tiny_tables(water_budget_l=0.5)
    scenario = load_scenario(write_scenario(tmp_path / "dry", tables, scalars))
    monkeypatch.setattr(solve_module, "diagnose_infeasibility", lambda *a, **k: pytest.fail("diagnosed"))
    with pytest.raises(InfeasibleError, match=r"infeasible \(highs; not diagnosed\)"):
        solve(scenario, "energy", solver="highs", diagnose=False)


def test_the_schemes_of_one_infeasible_point_share_one_diagnosis(tmp_path, monkeypatch):
    """A diagnosis reads the constraints only: a second scheme on the same inputs reuses it (no re-solve per
    constraint family) with the same message, while other constraints (a lower budget) are diagnosed afresh."""
    import greenllm.solve as solve_module

    calls = []
    feasible = solve_module._feasible
    monkeypatch.setattr(solve_module, "_feasible", lambda *a: calls.append(a[1]) or feasible(*a))
    monkeypatch.setattr(solve_module, "_diagnoses", {})
    tables, scalars = tiny_tables(water_budget_l=0.5)
    scenario = load_scenario(write_scenario(tmp_path / "dry", tables, scalars))
    messages = []
    for scheme in ("energy", "carbon", "delay"):
        with pytest.raises(InfeasibleError) as err:
            solve(scenario, scheme, solver="highs")
        messages.append(str(err.value))
    assert len(set(messages)) == 1 and "minimum of 1.0 L" in messages[0]
    first = len(calls)
    assert first > 0 and len(solve_module._diagnoses) == 1  # diagnosed once, for three schemes
    drier = load_scenario(write_scenario(tmp_path / "drier", *tiny_tables(water_budget_l=0.25)))
    with pytest.raises(InfeasibleError, match=r"water budget of 0\.2 L"):
        solve(drier, "energy", solver="highs")
    assert len(calls) == 2 * first and len(solve_module._diagnoses) == 2


def test_resource_shortage_is_diagnosed(tmp_path):
    tables, scalars = tiny_tables()
    tables["dc_resource"]["capacity"] = [500.0, 500.0]  # 1000 units for a load of 2000
    scenario = load_scenario(write_scenario(tmp_path / "small", tables, scalars))
    with pytest.raises(InfeasibleError, match="resource capacities"):
        solve(scenario, "energy", solver="highs")


def test_carbon_bound_moves_the_energy_optimum(tiny):
    # epsilon-constraint: carbon <= 0.03 -> 0.05 a + 0.01 (1 - a) <= 0.03 -> a <= 0.5
    result = solve(tiny, "energy", solver="highs", bounds={"carbon": 0.03})
    assert result.x[0, 0, 0, 0] == pytest.approx(0.5, abs=1e-9)
    assert result.costs["energy"] == pytest.approx(0.15, rel=1e-9)


def test_scaling_prices_scales_the_energy_cost(tiny):
    base = solve(tiny, "energy", solver="highs")
    doubled = solve(tiny.scaled("price", 2.0), "energy", solver="highs")
    assert doubled.costs["energy"] == pytest.approx(2 * base.costs["energy"], rel=1e-9)
    assert json.dumps(doubled.to_dict())  # JSON-able


def test_negative_price_buys_grid_power_to_the_cap_unless_bounded_by_the_load(tmp_path):
    # dc0's price is -0.1 $/kWh: the paper's inequality (7) lets the LP buy its whole 100 kW grid cap and earn 10 $;
    # with grid_within_load the grid supplies at most the 0.6 kW dc0 draws (the energy optimum keeps x0 = 0.6).
    tables, scalars = tiny_tables()
    tables["dc_hour"]["price_usd_per_kwh"] = [-0.1, 0.2]
    paper_like = load_scenario(write_scenario(tmp_path / "neg", tables, scalars))
    dumped = solve(paper_like, "energy", solver="highs")
    assert dumped.grid_kw[0, 0] == pytest.approx(100.0)
    assert dumped.costs["energy"] == pytest.approx(-10.0 + 0.4 * 0.2, rel=1e-9)
    bounded = load_scenario(write_scenario(tmp_path / "bounded", tables, {**scalars, "grid_within_load": True}))
    result = solve(bounded, "energy", solver="highs")
    assert result.grid_kw[:, 0] == pytest.approx([0.6, 0.4], abs=1e-9)
    assert result.costs["energy"] == pytest.approx(0.6 * -0.1 + 0.4 * 0.2, rel=1e-9)
