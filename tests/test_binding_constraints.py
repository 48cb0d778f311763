"""Hand-solvable instances in which one constraint family binds and decides the optimum.

Every instance: 1 area, 2 data centres, 1 query type, 1 hour; 100 queries of 10 + 10 tokens at 5e-4 kWh per token
in and out, so serving a share x_j at data centre j draws P^c_j = 1 kWh * x_j of computing energy (one-hour slot:
kW = kWh). dc0 is the cheap site, dc1 the dear one; each test restricts dc0 through exactly one constraint family and
computes the optimum by hand in its docstring. Without that constraint the optimum moves (also worked out), so
deleting the constraint, or getting a factor in it wrong, fails the test.

The instances are written as scenario folders (greenllm.inputs.write_scenario) and solved through the public
greenllm.solve.solve and the `greenllm solve` command, with HiGHS.
"""

import json

import pandas as pd
import pytest

from greenllm.cli import main
from greenllm.inputs import load_scenario, write_scenario
from greenllm.solve import solve

COMPUTE_KWH = 1.0  # 100 queries x 20 tokens x 5e-4 kWh/token


def tables(*, pue=(1.0, 1.0), price=(0.10, 0.20), carbon=(0.5, 0.1), tax=(0.1, 0.1), rtt=(0.01, 0.02),
           delay_max=10.0, renewable=(0.0, 0.0), grid_cap=(100.0, 100.0), wue=(0.0, 0.0), ewif=(0.0, 0.0),
           capacity=((5000.0, 5000.0), (5000.0, 5000.0)), use_per_token=(1.0, 1.0), water_budget_l=1000.0):
    """The instance's tables; capacity[j][r] in units per slot, use_per_token[r] in units per token."""
    n_r = len(use_per_token)
    frames = {
        "areas": pd.DataFrame({"area": [0]}),
        "datacenters": pd.DataFrame({"dc": [0, 1], "pue": list(pue), "carbon_tax_usd_per_kg": list(tax)}),
        "query_types": pd.DataFrame({"type": [0], "tokens_in": [10], "tokens_out": [10],
                                     "energy_in_kwh_per_token": [5e-4], "energy_out_kwh_per_token": [5e-4],
                                     "delay_penalty_usd_per_s": [1.0]}),
        "dc_type": pd.DataFrame({"dc": [0, 1], "type": [0, 0], "proc_delay_s_per_token": [0.0, 0.0]}),
        "dc_resource": pd.DataFrame({"dc": [j for j in (0, 1) for _ in range(n_r)],
                                     "resource": [r for _ in (0, 1) for r in range(n_r)],
                                     "capacity": [capacity[j][r] for j in (0, 1) for r in range(n_r)]}),
        "type_resource": pd.DataFrame({"type": [0] * n_r, "resource": list(range(n_r)),
                                       "use_per_token": list(use_per_token)}),
        "area_dc": pd.DataFrame({"area": [0, 0], "dc": [0, 1], "rtt_s": list(rtt),
                                 "bandwidth_mbps": [1000.0, 1000.0]}),
        "area_type": pd.DataFrame({"area": [0], "type": [0], "delay_max_s": [delay_max]}),
        "demand": pd.DataFrame({"hour": [0], "area": [0], "type": [0], "queries": [100], "token_size_kb": [0.0]}),
        "dc_hour": pd.DataFrame({"hour": [0, 0], "dc": [0, 1], "price_usd_per_kwh": list(price),
                                 "carbon_kg_per_kwh": list(carbon), "renewable_kw": list(renewable),
                                 "grid_cap_kw": list(grid_cap), "wue_l_per_kwh": list(wue),
                                 "ewif_l_per_kwh": list(ewif)}),
    }
    return frames, {"water_budget_l": water_budget_l}


def solved(tmp_path, scheme="energy", **kwargs):
    folder = write_scenario(tmp_path / "instance", *tables(**kwargs))
    return solve(load_scenario(folder), scheme, solver="highs")


def test_delay_cap_binds(tmp_path):
    """Delay cap (16): sum_j D_j x_j <= Delta with D_j = RTT_j (no transmission, no processing).

    RTT 0.05 s at the cheap dc0, 0.01 s at dc1, Delta = 0.03 s: 0.05 x0 + 0.01 (1 - x0) <= 0.03, so x0 <= 0.5.
    Minimum energy cost: x0 = 0.5 -> 0.5 * 0.10 + 0.5 * 0.20 = 0.15 $ (without the cap x0 = 1 -> 0.10 $).
    Delay cost = penalty 1 $/s * (0.05 * 0.5 + 0.01 * 0.5) = 0.03 $; carbon = 0.1 * (0.5 * 0.5 + 0.1 * 0.5) = 0.03 $.
    """
    result = solved(tmp_path, rtt=(0.05, 0.01), delay_max=0.03)
    assert result.x[0, :, 0, 0] == pytest.approx([0.5, 0.5], abs=1e-9)
    assert result.costs["energy"] == pytest.approx(0.15, rel=1e-9)
    assert result.costs["delay"] == pytest.approx(0.03, rel=1e-9)
    assert result.costs["carbon"] == pytest.approx(0.03, rel=1e-9)


def test_water_budget_binds_with_pue_and_ewif(tmp_path):
    """Water budget (10): sum_j (WUE_j + EWIF_j PUE_j) P^c_j <= Z, with PUE != 1 and EWIF > 0.

    PUE 1.5 | 1.2; WUE 1.0 | 0.5 L/kWh; EWIF 2.0 | 1.0 L/kWh -> water per kWh of computing 1 + 2 * 1.5 = 4.0 |
    0.5 + 1 * 1.2 = 1.7 L. Z = 2.85 L: 4.0 x0 + 1.7 (1 - x0) <= 2.85, so x0 <= 0.5.
    Grid power PUE_j P^c_j (no renewables): 0.75 | 0.6 kW. Energy cost per share 0.10 * 1.5 = 0.15 | 0.20 * 1.2
    = 0.24 $, so dc0 is filled to the budget: 0.5 * 0.15 + 0.5 * 0.24 = 0.195 $.
    Without the budget x0 = 1 (0.15 $); without PUE in the water row x0 <= 0.9 (0.159 $); without EWIF x0 = 1.
    """
    result = solved(tmp_path, pue=(1.5, 1.2), wue=(1.0, 0.5), ewif=(2.0, 1.0), water_budget_l=2.85)
    assert result.x[0, :, 0, 0] == pytest.approx([0.5, 0.5], abs=1e-9)
    assert result.costs["energy"] == pytest.approx(0.195, rel=1e-9)
    assert result.water_l == pytest.approx(2.85, rel=1e-9)
    assert result.grid_kw[:, 0] == pytest.approx([0.75, 0.6], abs=1e-9)


def test_resources_bind_on_the_second_resource(tmp_path):
    """Resources (11b): alpha_kr (h_k + f_k) lambda x_j <= C_rj for every resource r.

    Resource 0 uses 1 unit/token, resource 1 uses 2 units/token: the full load is 2000 | 4000 units. dc0 has 5000 of
    resource 0 but 2400 of resource 1: x0 <= 2400 / 4000 = 0.6. Energy: 0.6 * 0.10 + 0.4 * 0.20 = 0.14 $ (without
    the resource rows, or with only the first resource, x0 = 1 -> 0.10 $).
    """
    result = solved(tmp_path, capacity=((5000.0, 2400.0), (5000.0, 5000.0)), use_per_token=(1.0, 2.0))
    assert result.x[0, :, 0, 0] == pytest.approx([0.6, 0.4], abs=1e-9)
    assert result.costs["energy"] == pytest.approx(0.14, rel=1e-9)


def test_grid_cap_binds_with_renewables(tmp_path):
    """Grid cap (8) and power balance (7): PUE_j P^c_j - P^g_j <= P^w_j, 0 <= P^g_j <= P^max_j.

    dc0 has 0.2 kW of renewables and a grid cap of 0.3 kW, so it can serve P^c_0 = x0 <= 0.5 kW. Energy cost is paid
    on grid power only: 0.10 * 0.3 + 0.20 * 0.5 = 0.13 $ (without the cap x0 = 1, grid 0.8 kW -> 0.08 $).
    Carbon = tax 0.1 * (0.5 * 0.3 + 0.1 * 0.5) = 0.02 $ (on grid power, not on renewables).
    """
    result = solved(tmp_path, renewable=(0.2, 0.0), grid_cap=(0.3, 100.0))
    assert result.x[0, :, 0, 0] == pytest.approx([0.5, 0.5], abs=1e-9)
    assert result.grid_kw[:, 0] == pytest.approx([0.3, 0.5], abs=1e-9)
    assert result.costs["energy"] == pytest.approx(0.13, rel=1e-9)
    assert result.costs["carbon"] == pytest.approx(0.02, rel=1e-9)


def test_weighted_scheme_trades_the_three_costs_by_hand(tmp_path, capsys):
    """Weighted sum through `greenllm solve --json`, PUE 1.25 at both sites, no binding constraint.

    Per unit share: energy 0.10 * 1.25 = 0.125 | 0.20 * 1.25 = 0.25 $; carbon 0.1 * 1.25 * (0.5 | 0.1) = 0.0625 |
    0.0125 $; delay RTT 0.01 | 0.02 $. With weights (0, 1, 0) only carbon counts: x1 = 1, carbon 0.0125 $; with
    (1, 1, 1): dc0 costs 0.1975 < 0.2825 $, so x0 = 1 and the total is 0.1975 $.
    """
    folder = write_scenario(tmp_path / "instance", *tables(pue=(1.25, 1.25)))
    assert main(["solve", str(folder), "--scheme", "weighted", "--weights", "0,1,0", "--json"]) == 0
    carbon_only = json.loads(capsys.readouterr().out)
    assert carbon_only["costs"]["carbon"] == pytest.approx(0.0125, rel=1e-9)
    assert carbon_only["costs"]["energy"] == pytest.approx(0.25, rel=1e-9)
    assert main(["solve", str(folder), "--scheme", "weighted", "--weights", "1,1,1", "--json"]) == 0
    equal = json.loads(capsys.readouterr().out)
    assert equal["costs"]["total"] == pytest.approx(0.1975, rel=1e-9)
    assert equal["costs"]["energy"] == pytest.approx(0.125, rel=1e-9)
