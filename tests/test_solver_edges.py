"""Solver edges: a zero lexicographic tolerance solves, numerical trouble blames only what it checked, and an
integer-provisioning solve stops at Ctrl-C and at a time limit with its best solution and gap.

Before: `--tolerance 0` (and 1e-9) on world_2024, order carbon,delay,energy, exited 4 with "numerical trouble ... the
inputs nearest their limits: pue (datacenters.csv) up to 1.1, ..." (a PUE of 1.1 is nowhere near its limit of 10);
an integer-provisioning solve on an instance of identical sites ignored Ctrl-C and ran for minutes without a limit.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest

from greenllm.backends import DEFAULT_MILP_TIME_LIMIT_S, HighsBackend
from greenllm.errors import SolverError
from greenllm.formulations import PerQueryFormulation
from greenllm.inputs import load_scenario, write_scenario
from greenllm.options import ModelOptions
from greenllm.outputs import write_frame
from greenllm.solve import solve

REPO = Path(__file__).resolve().parents[1]
WORLD = REPO / "data" / "processed" / "world_2024"
ORDER = ("carbon", "delay", "energy")


@pytest.fixture(scope="module")
def world():
    if not WORLD.is_dir():
        pytest.skip(f"{WORLD} is not there")
    return load_scenario(WORLD)


@pytest.mark.parametrize("tolerance", [0.0, 1e-9])
def test_a_zero_lexicographic_tolerance_solves_with_bounds_at_the_feasibility_tolerance(world, tolerance):
    result = solve(world, "lexicographic", order=ORDER, tolerance=tolerance, solver="highs")
    assert result.status == "optimal"
    assert result.tolerance == 1e-7  # what the stage bounds were: HiGHS's primal feasibility tolerance, said so
    for stage in result.stages[:-1]:
        optimum = stage["optimum"]
        assert result.costs[stage["objective"]] <= optimum + 1e-7 * abs(optimum) + 1e-7


def test_numerical_trouble_does_not_blame_inputs_far_from_their_limits(world, monkeypatch):
    monkeypatch.setattr(HighsBackend, "solve", lambda self: ("Unknown", None, float("nan")))
    with pytest.raises(SolverError) as err:
        solve(world, "carbon", solver="highs", verify=False)
    message = str(err.value)
    assert message.startswith("numerical trouble: highs stopped with status 'Unknown' on finite inputs")
    assert "no input is near its limit" in message
    assert "pue" not in message and "carbon_kg_per_kwh" not in message


# ---- integer provisioning on identical sites ----------------------------------------------------------------------

def identical_sites(folder: Path, n_areas: int = 10, n_sites: int = 10, n_hours: int = 6) -> Path:
    """A per-query folder whose sites are all alike (H100s, one price, one carbon intensity): symmetric for branch
    and cut, which then needs minutes to prove the optimum of whole servers (measured: over 2 minutes)."""
    rng = np.random.default_rng(0)
    areas, sites, hours = range(n_areas), range(n_sites), range(n_hours)
    tables = {
        "areas": pd.DataFrame({"area": areas}),
        "datacenters": pd.DataFrame({"dc": sites, "pue": 1.2, "carbon_tax_usd_per_kg": 0.1}),
        "query_types": pd.DataFrame({"type": [0], "tokens_in": [1000], "tokens_out": [300],
                                     "energy_in_kwh_per_token": [1e-7], "energy_out_kwh_per_token": [1e-6],
                                     "delay_penalty_usd_per_s": [1e-3]}),
        "dc_type": pd.DataFrame({"dc": sites, "type": 0, "proc_delay_s_per_token": 0.0}),
        "dc_resource": pd.DataFrame({"dc": sites, "resource": 0, "capacity": 1e12}),
        "type_resource": pd.DataFrame({"type": [0], "resource": [0], "use_per_token": [1.0]}),
        "area_dc": pd.DataFrame({"area": np.repeat(areas, n_sites), "dc": np.tile(sites, n_areas), "rtt_s": 0.05,
                                 "bandwidth_mbps": 1000.0}),
        "area_type": pd.DataFrame({"area": areas, "type": 0, "delay_max_s": 1e6}),
        "demand": pd.DataFrame({"hour": np.repeat(hours, n_areas), "area": np.tile(areas, n_hours), "type": 0,
                                "queries": rng.integers(2000, 40000, n_areas * n_hours).astype(float),
                                "token_size_kb": 0.004}),
        "dc_hour": pd.DataFrame({"hour": np.repeat(hours, n_sites), "dc": np.tile(sites, n_hours),
                                 "price_usd_per_kwh": 0.1, "carbon_kg_per_kwh": 0.4, "renewable_kw": 0.0,
                                 "grid_cap_kw": 1e5, "wue_l_per_kwh": 1.0, "ewif_l_per_kwh": 1.0}),
    }
    folder = write_scenario(folder, tables, {"water_budget_l": 1e12})
    write_frame(pd.DataFrame({"dc": sites, "accelerator": "H100-SXM-80GB", "count": 64}), folder / "dc_hardware.csv")
    write_frame(pd.DataFrame({"type": [0], "model": ["llama-7b-8b"], "slo_s": [30.0]}), folder / "type_slo.csv")
    return folder


@pytest.fixture(scope="module")
def symmetric(tmp_path_factory):
    return identical_sites(tmp_path_factory.mktemp("milp") / "identical")


def test_the_default_milp_time_limit_is_documented():
    text = (REPO / "docs" / "per_query.md").read_text() + (REPO / "docs" / "operations.md").read_text()
    assert f"{DEFAULT_MILP_TIME_LIMIT_S:g} s" in text


def test_an_integer_solve_at_its_time_limit_returns_its_best_solution_and_gap(symmetric):
    s = load_scenario(symmetric)
    formulation = PerQueryFormulation.for_scenario(s, ModelOptions(formulation="per_query"), integer=True)
    result = solve(s, "energy", formulation=formulation, solver="highs", time_limit_s=1.0)
    assert result.status == "time_limit"
    assert 0.0 < result.mip_gap < 1.0
    record = {**result.to_dict(), "stand_ins": []}
    assert record["mip_gap"] == result.mip_gap and record["status"] == "time_limit"
    jsonschema.validate(record, json.loads((REPO / "docs" / "record.schema.json").read_text()))
    assert result.objective >= result.lp_relaxation.objective  # the relaxation bounds it from below
    # whole servers, and every constraint holds (solve re-checks the solution it returns)
    assert np.allclose(result.provisioning.servers_jt, np.round(result.provisioning.servers_jt))


def test_ctrl_c_stops_an_integer_solve_with_one_message(symmetric):
    cmd = [sys.executable, "-m", "greenllm", "solve", str(symmetric), "--formulation", "per_query",
           "--integer-provisioning", "--scheme", "energy", "--time-limit", "3600", "--json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    for line in proc.stderr:  # imports and the model first; then branch and cut, which takes minutes here
        if "branch and cut" in line:
            break
    else:
        pytest.fail(f"the solve ended before branch and cut: {proc.communicate()}")
    time.sleep(1)
    os.kill(proc.pid, signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("the solve did not stop within a minute of Ctrl-C")
    assert proc.returncode == 130
    assert out == ""
    assert err.strip().splitlines()[-1].startswith(
        "error: interrupted (Ctrl-C): stopped the integer-provisioning solve (HiGHS branch and cut) after")
    assert "Traceback" not in err
