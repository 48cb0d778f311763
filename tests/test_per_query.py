"""The per-query formulation against a tiny instance computed by hand, plus its verifier, inputs and CLI.

Tiny instance: 1 area, 2 data centres, 1 type, 1 hour, 3600 queries of 100 input + 50 output tokens, 1 kB/token,
8 Mbps to both sites (transfer 1 kB x 150 x 0.008 Mbit/kB / 8 Mbps = 0.15 s), PUE 1, no renewables, WUE 1 L/kWh.
Hardware (a test catalogue, not config/hardware.yaml):
  dc0 FAST: prefill 1000 tok/s, decode 500 tok/s (aggregate), stream 100 tok/s, 0.1 J/prefill token, 1 J/decode
            token, 1 accelerator per replica, idle 100 W, 4 per server; RTT 0.05 s
  dc1 SLOW: prefill folded in, decode 50 tok/s, stream 10 tok/s, 2 J/decode token, 2 accelerators per replica,
            idle 10 W, 2 per server; RTT 0.01 s
Per query:   latency dc0 = 0.05 + 0.15 + 100/1000 + 50/100 = 0.80 s;  dc1 = 0.01 + 0.15 + 0 + 50/10 = 5.16 s
             busy    dc0 = 1 x (0.1 + 50/500) = 0.2 acc-s;          dc1 = 2 x (50/50) = 2 acc-s
             energy  dc0 = 100 x 0.1 + 50 x 1 = 60 J, above idle 60 - 100 W x 0.2 s = 40 J
                     dc1 = 50 x 2 = 100 J,            above idle 100 - 10 W x 2 s = 80 J
"""

import json

import numpy as np
import pandas as pd
import pytest

from greenllm.cli import main
from greenllm.errors import InfeasibleError, InputError, VerificationError
from greenllm.hardware import load_catalogue
from greenllm.inputs import load_scenario, write_scenario
from greenllm.per_query import (
    PerQueryFormulation,
    compare_formulations,
    hardware_mix,
    load_inputs,
    physical_costs,
    provisioning,
    route_latency_s,
)
from greenllm.solve import solve
from greenllm.verify import check_per_query

QUERIES = 3600.0

CATALOGUE = """
version: 1
sources:
  hand: numbers chosen for a hand-computed test
accelerators:
  FAST:
    tdp_w: {value: 1000, source: hand}
    idle_w: {value: 100, source: hand}
    accelerators_per_server: {value: 4, source: hand}
  SLOW:
    tdp_w: {value: 100, source: hand}
    idle_w: {value: 10, source: hand}
    accelerators_per_server: {value: 2, source: hand}
models:
  m:
    ttft_slo_s: {value: 1.0, source: hand}
    tpot_slo_s: {value: 0.1, source: hand}
profiles:
  - accelerator: FAST
    model: m
    accelerators_per_replica: {value: 1, source: hand}
    prefill_tokens_per_s: {value: 1000, source: hand}
    decode_tokens_per_s: {value: 500, source: hand}
    stream_tokens_per_s: {value: 100, source: hand}
    energy_j_per_prefill_token: {value: 0.1, source: hand}
    energy_j_per_decode_token: {value: 1.0, source: hand}
  - accelerator: SLOW
    model: m
    accelerators_per_replica: {value: 2, source: hand}
    prefill_tokens_per_s: {value: null, source: hand}
    decode_tokens_per_s: {value: 50, source: hand}
    stream_tokens_per_s: {value: 10, source: hand}
    energy_j_per_prefill_token: {value: 0.0, source: hand}
    energy_j_per_decode_token: {value: 2.0, source: hand}
defaults:
  accelerator: FAST
  accelerators_per_dc: 4
  model: m
  utilisation_cap: 0.5
"""


def tiny_tables(slo_s=6.0, utilisation_cap=(0.5, 0.5), counts=(4, 4), renewable_kw=0.0):
    tables = {
        "areas": pd.DataFrame({"area": [0]}),
        "datacenters": pd.DataFrame({"dc": [0, 1], "pue": [1.0, 1.0], "carbon_tax_usd_per_kg": [0.1, 0.1]}),
        "query_types": pd.DataFrame({"type": [0], "tokens_in": [100], "tokens_out": [50],
                                     "energy_in_kwh_per_token": [1e-6], "energy_out_kwh_per_token": [1e-6],
                                     "delay_penalty_usd_per_s": [1.0]}),
        "dc_type": pd.DataFrame({"dc": [0, 1], "type": [0, 0], "proc_delay_s_per_token": [0.0, 0.0]}),
        "dc_resource": pd.DataFrame({"dc": [0, 1], "resource": [0, 0], "capacity": [1e9, 1e9]}),
        "type_resource": pd.DataFrame({"type": [0], "resource": [0], "use_per_token": [1.0]}),
        "area_dc": pd.DataFrame({"area": [0, 0], "dc": [0, 1], "rtt_s": [0.05, 0.01], "bandwidth_mbps": [8.0, 8.0]}),
        "area_type": pd.DataFrame({"area": [0], "type": [0], "delay_max_s": [1e6]}),
        "demand": pd.DataFrame({"hour": [0], "area": [0], "type": [0], "queries": [QUERIES], "token_size_kb": [1.0]}),
        "dc_hour": pd.DataFrame({"hour": [0, 0], "dc": [0, 1], "price_usd_per_kwh": [0.1, 0.2],
                                 "carbon_kg_per_kwh": [0.5, 0.1], "renewable_kw": [renewable_kw] * 2,
                                 "grid_cap_kw": [100.0, 100.0], "wue_l_per_kwh": [1.0, 1.0],
                                 "ewif_l_per_kwh": [0.0, 0.0]}),
    }
    extra = {
        "dc_hardware": pd.DataFrame({"dc": [0, 1], "accelerator": ["FAST", "SLOW"], "count": list(counts),
                                     "utilisation_cap": list(utilisation_cap)}),
        "type_slo": pd.DataFrame({"type": [0], "model": ["m"], "slo_s": [slo_s]}),
    }
    return tables, {"water_budget_l": 100.0}, extra


def make(tmp_path, name="tiny", **kwargs):
    tables, scalars, extra = tiny_tables(**kwargs)
    folder = write_scenario(tmp_path / name, tables, scalars)
    for stem, frame in extra.items():
        frame.to_csv(folder / f"{stem}.csv", index=False)
    (tmp_path / "hardware.yaml").write_text(CATALOGUE)
    s = load_scenario(folder)
    return s, load_inputs(s, load_catalogue(tmp_path / "hardware.yaml"))


def test_latency_is_rtt_plus_transfer_plus_prefill_plus_decode(tmp_path):
    s, inputs = make(tmp_path)
    assert route_latency_s(s, inputs)[0, :, 0, 0] == pytest.approx([0.80, 5.16], rel=1e-12)


def test_routes_over_the_slo_get_no_variable(tmp_path):
    s, inputs = make(tmp_path, slo_s=2.0)
    f = PerQueryFormulation(inputs)
    lp = f.build_lp(s)
    assert lp.n_x == 1 and list(lp.x_index) == [0]  # route (0, dc0, 0, 0) only
    result = solve(s, "carbon", formulation=f, solver="highs")  # carbon alone would prefer dc1 (0.1 kg/kWh)
    assert result.x[0, :, 0, 0] == pytest.approx([1.0, 0.0], abs=1e-12)


def test_energy_optimum_serves_everything_at_the_efficient_site(tmp_path):
    s, inputs = make(tmp_path)
    result = solve(s, "energy", formulation=PerQueryFormulation(inputs), solver="highs")
    # dc0: 3600 x 40 J = 0.04 kWh above idle; 720 acc-s / (0.5 x 3600 s) = 0.4 accelerators x 100 W = 0.04 kWh
    # dc1 would cost (0.08 + 4 x 10 W x 1 h) kWh x 0.2 $/kWh = 0.024 $ > 0.08 kWh x 0.1 $/kWh = 0.008 $
    assert result.x[0, :, 0, 0] == pytest.approx([1.0, 0.0], abs=1e-9)
    assert result.provisioning.accelerators_jt[:, 0] == pytest.approx([0.4, 0.0], abs=1e-9)
    assert result.grid_kw[:, 0] == pytest.approx([0.08, 0.0], abs=1e-9)
    assert result.costs["energy"] == pytest.approx(0.008, rel=1e-9)
    assert result.costs["delay"] == pytest.approx(QUERIES * 0.80 * 1.0, rel=1e-9)  # $1 per query-second
    assert result.water_l == pytest.approx(0.08, rel=1e-9)
    assert result.emissions_kg == pytest.approx(0.08 * 0.5, rel=1e-9)


def test_installed_accelerators_split_the_load(tmp_path):
    # dc0 has 0.2 accelerator: 0.2 x 0.5 x 3600 s = 360 acc-s = 1800 queries; the other 1800 go to dc1.
    s, inputs = make(tmp_path, counts=(0.2, 4))
    result = solve(s, "energy", formulation=PerQueryFormulation(inputs), solver="highs")
    assert result.x[0, :, 0, 0] == pytest.approx([0.5, 0.5], abs=1e-9)
    # dc0: 1800 x 40 J = 0.02 kWh + 0.2 acc x 100 W = 0.02 kWh; dc1: 1800 x 80 J = 0.04 kWh + 2 acc x 10 W = 0.02 kWh
    assert result.grid_kw[:, 0] == pytest.approx([0.04, 0.06], rel=1e-9)
    assert result.costs["energy"] == pytest.approx(0.04 * 0.1 + 0.06 * 0.2, rel=1e-9)


def test_a_low_utilisation_cap_makes_idle_power_expensive(tmp_path):
    # cap 0.025 at dc0: 0.2 acc-s per query needs 0.2 / 90 accelerator-hours at 100 W = 0.222 Wh idle per query,
    # dearer than dc1's (80 J + 2 / 1800 h x 10 W) x $0.2/kWh: everything moves to dc1.
    s, inputs = make(tmp_path, utilisation_cap=(0.025, 0.5))
    result = solve(s, "energy", formulation=PerQueryFormulation(inputs), solver="highs")
    assert result.x[0, :, 0, 0] == pytest.approx([0.0, 1.0], abs=1e-9)
    assert result.costs["energy"] == pytest.approx((0.08 + 0.04) * 0.2, rel=1e-9)


def test_integer_servers_change_the_optimum_and_report_the_relaxation_gap(tmp_path):
    # Whole servers: dc0's only server is 4 FAST (0.4 kWh idle -> >= $0.042), dc1 needs 2 servers of 2 SLOW:
    # (0.08 + 0.04) kWh x $0.2 = $0.024. The LP relaxation keeps $0.008 (all at dc0 with 0.4 accelerators).
    s, inputs = make(tmp_path)
    result = solve(s, "energy", formulation=PerQueryFormulation(inputs, integer=True), solver="highs")
    assert result.x[0, :, 0, 0] == pytest.approx([0.0, 1.0], abs=1e-9)
    assert result.provisioning.servers_jt[:, 0] == pytest.approx([0.0, 2.0], abs=1e-9)
    assert result.costs["energy"] == pytest.approx(0.024, rel=1e-9)
    relax = result.to_dict()["lp_relaxation"]
    assert relax["objective"] == pytest.approx(0.008, rel=1e-9)
    assert relax["gap"] == pytest.approx((0.024 - 0.008) / 0.024, rel=1e-9)


def test_gurobi_is_refused_for_the_milp(tmp_path):
    from greenllm.errors import SolverError

    s, inputs = make(tmp_path)
    with pytest.raises(SolverError, match="HiGHS only"):
        solve(s, "energy", formulation=PerQueryFormulation(inputs, integer=True), solver="gurobi")


def test_demand_without_any_route_within_slo_is_named(tmp_path):
    s, inputs = make(tmp_path, slo_s=0.5)
    with pytest.raises(InfeasibleError, match=r"latency SLO.*SLO 0\.5 s but the fastest route, to dc 0, takes 0\.8 s"):
        solve(s, "energy", formulation=PerQueryFormulation(inputs), solver="highs")


def test_too_few_accelerators_are_diagnosed(tmp_path):
    # 3600 queries need 720 acc-s at dc0 or 7200 at dc1; 0.05 cap x 3600 s x 1 accelerator = 180 acc-s each
    s, inputs = make(tmp_path, counts=(1, 1), utilisation_cap=(0.05, 0.05))
    with pytest.raises(InfeasibleError, match="accelerator capacity"):
        solve(s, "energy", formulation=PerQueryFormulation(inputs), solver="highs")


@pytest.fixture
def solved(tmp_path):
    s, inputs = make(tmp_path, counts=(0.2, 4))
    return s, inputs, solve(s, "energy", formulation=PerQueryFormulation(inputs), solver="highs")


def test_verifier_accepts_the_solution(solved):
    s, inputs, r = solved
    checks = check_per_query(s, inputs, r.x, r.grid_kw, r.provisioning.accelerators_jt)
    assert all(c.ok for c in checks)


def test_verifier_rejects_traffic_on_a_pruned_route(tmp_path):
    s, inputs = make(tmp_path, slo_s=2.0)
    x = np.zeros((1, 2, 1, 1))
    x[0, 1, 0, 0] = 1.0  # everything on the 5.16 s route
    grid = np.array([[1.0], [1.0]])
    checks = {c.name: c for c in check_per_query(s, inputs, x, grid, np.array([[4.0], [4.0]]))}
    assert not checks["no traffic on routes over their latency SLO or unservable"].ok


def test_verifier_rejects_an_overloaded_site(solved):
    s, inputs, r = solved
    x = r.x.copy()
    x[0, :, 0, 0] = [1.0, 0.0]  # dc0 may only take half
    checks = {c.name: c for c in check_per_query(s, inputs, x, r.grid_kw + 10, r.provisioning.accelerators_jt)}
    assert not checks["accelerator capacity"].ok
    assert checks["every query served: sum_j x lambda = lambda"].ok


def test_verifier_rejects_a_misreported_delay_cost(solved):
    from greenllm.verify import verify_solution

    s, _, r = solved
    r.costs["delay"] *= 1.01
    with pytest.raises(VerificationError, match="delay cost"):
        verify_solution(s, r)


def test_verifier_rejects_fractional_servers(tmp_path):
    s, inputs = make(tmp_path)
    r = solve(s, "energy", formulation=PerQueryFormulation(inputs, integer=True), solver="highs")
    acc = r.provisioning.accelerators_jt.copy()
    acc[1, 0] = 3.0  # 1.5 servers of 2
    checks = {c.name: c for c in check_per_query(s, inputs, r.x, r.grid_kw, acc,
                                                 accelerators_per_server=r.provisioning.accelerators_per_server_j)}
    assert not checks["whole servers"].ok


def test_physical_costs_of_a_given_allocation(tmp_path):
    s, inputs = make(tmp_path)
    x = np.zeros((1, 2, 1, 1))
    x[0, :, 0, 0] = [0.5, 0.5]
    c = physical_costs(s, x, inputs)
    # dc0: 1800 x 40 J = 0.02 kWh + 0.2 acc x 100 W = 0.02 kWh; dc1: 0.04 kWh + 2 acc x 10 W = 0.02 kWh
    assert c["energy_usd"] == pytest.approx(0.04 * 0.1 + 0.06 * 0.2, rel=1e-9)
    assert c["query_seconds"] == pytest.approx(1800 * 0.80 + 1800 * 5.16, rel=1e-12)
    assert c["slo_violating_queries"] == 0.0


def test_missing_optional_files_fall_back_to_the_catalogue_defaults_and_say_so(tmp_path):
    tables, scalars, _ = tiny_tables()
    s = load_scenario(write_scenario(tmp_path / "plain", tables, scalars))
    (tmp_path / "hardware.yaml").write_text(CATALOGUE)
    inputs = load_inputs(s, load_catalogue(tmp_path / "hardware.yaml"))
    assert inputs.accelerator_j == ["FAST", "FAST"] and list(inputs.count_j) == [4.0, 4.0]
    assert inputs.slo_s_ik[0, 0] == pytest.approx(1.0 + 49 * 0.1)  # model m: TTFT 1 s + (50 - 1) tokens x 0.1 s
    assert any("dc_hardware.csv absent" in n for n in inputs.notes)
    assert any("type_slo.csv absent" in n and "TPOT 0.1 s" in n for n in inputs.notes)


def test_the_slo_option_can_read_delay_max_s_as_the_per_query_slo(tmp_path):
    tables, scalars, _ = tiny_tables()
    s = load_scenario(write_scenario(tmp_path / "plain", tables, scalars))
    (tmp_path / "hardware.yaml").write_text(CATALOGUE)
    inputs = load_inputs(s, load_catalogue(tmp_path / "hardware.yaml"), slo="delay_max_s")
    assert inputs.slo_s_ik[0, 0] == 1e6  # delay_max_s of area_type.csv
    assert any("delay_max_s" in n for n in inputs.notes)


def test_deprecated_scalars_slo_is_still_read(tmp_path, capsys):
    tables, scalars, _ = tiny_tables()
    s = load_scenario(write_scenario(tmp_path / "plain", tables, {**scalars, "per_query_slo": "delay_max_s"}))
    (tmp_path / "hardware.yaml").write_text(CATALOGUE)
    inputs = load_inputs(s, load_catalogue(tmp_path / "hardware.yaml"))
    assert inputs.slo_s_ik[0, 0] == 1e6
    assert "per_query_slo are deprecated model options" in capsys.readouterr().err


def test_unknown_per_query_slo_rule_names_the_field(tmp_path):
    tables, scalars, _ = tiny_tables()
    with pytest.raises(InputError, match=r"scalars\.json, field 'per_query_slo': 'p99' is not one of mlperf"):
        write_scenario(tmp_path / "plain", tables, {**scalars, "per_query_slo": "p99"})


def test_unknown_accelerator_in_dc_hardware_is_one_readable_error(tmp_path):
    s, _ = make(tmp_path)
    pd.DataFrame({"dc": [0, 1], "accelerator": ["FAST", "TPU"], "count": [4, 4]}).to_csv(
        s.path / "dc_hardware.csv", index=False)
    with pytest.raises(InputError, match=r"dc_hardware\.csv, column 'accelerator': 1 row .*line 3 \(dc 1\): 'TPU'"):
        load_inputs(s, load_catalogue(tmp_path / "hardware.yaml"))


def test_negative_accelerator_count_is_rejected(tmp_path):
    s, _ = make(tmp_path)
    pd.DataFrame({"dc": [0, 1], "accelerator": ["FAST", "SLOW"], "count": [4, -1]}).to_csv(
        s.path / "dc_hardware.csv", index=False)
    with pytest.raises(InputError, match=r"dc_hardware\.csv, column 'count'"):
        load_inputs(s, load_catalogue(tmp_path / "hardware.yaml"))


def test_type_slo_must_cover_every_type(tmp_path):
    s, _ = make(tmp_path)
    pd.DataFrame({"type": [], "model": [], "slo_s": []}).to_csv(s.path / "type_slo.csv", index=False)
    with pytest.raises(InputError, match=r"type_slo\.csv"):
        load_inputs(s, load_catalogue(tmp_path / "hardware.yaml"))


def test_paper_formulation_is_untouched_by_the_optional_files(tmp_path):
    s, _ = make(tmp_path)
    paper = solve(s, "energy", solver="highs")
    assert paper.formulation == "paper" and "formulation" not in paper.to_dict()


def test_compare_formulations_returns_one_row_per_formulation(tmp_path):
    s, inputs = make(tmp_path)
    summary, latency = compare_formulations(s, "energy", inputs=inputs)
    assert list(summary["formulation"]) == ["paper", "per_query"]
    assert set(latency["formulation"]) == {"paper", "per_query"}
    per_query = summary.set_index("formulation").loc["per_query"]
    assert per_query["native_energy_usd"] == pytest.approx(per_query["energy_usd"], rel=1e-9)


def test_provisioning_table_reports_utilisation_at_the_cap(solved):
    s, _, r = solved
    table = provisioning(s, r)
    assert table["utilisation"].to_numpy() == pytest.approx([0.5, 0.5], rel=1e-9)


def test_cli_solves_per_query_and_prints_the_notes(tmp_path, capsys):
    tables, scalars, _ = tiny_tables()
    folder = write_scenario(tmp_path / "plain", tables, scalars)
    code = main(["-q", "solve", str(folder), "--formulation", "per_query", "--scheme", "energy", "--solver", "highs",
                 "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["formulation"] == "per_query"
    assert any("dc_hardware.csv absent" in n for n in out["notes"])


def test_scenario_can_choose_its_formulation_in_scalars(tmp_path):
    tables, scalars, _ = tiny_tables()
    s = load_scenario(write_scenario(tmp_path / "chosen", tables, {**scalars, "formulation": "per_query"}))
    assert solve(s, "energy", solver="highs").formulation == "per_query"


def test_paper_v1_solves_per_query_with_defaults(paper_v1_dir):
    s = load_scenario(paper_v1_dir)
    result = solve(s, "lexicographic", formulation="per_query", solver="highs")
    summary = result.to_dict()
    assert summary["formulation"] == "per_query"
    assert any("dc_hardware.csv absent" in n for n in summary["notes"])
    assert result.x.sum(axis=1) == pytest.approx(np.ones((s.n_areas, s.n_types, s.n_hours)), abs=1e-7)


def test_hardware_mix_compares_whole_fleets(tmp_path):
    s, inputs = make(tmp_path)
    table = hardware_mix(s, {"fast": "FAST", "slow": "SLOW"}, "energy", inputs=inputs).set_index("mix")
    # all FAST: 0.08 kWh x $0.1 at dc0 (as in the energy test); all SLOW: 3600 x 80 J + 4 acc x 10 W at dc0 = 0.12 kWh
    # rel 1e-8: the tie-break stage may use its slack (rel 1e-9 + 1e-12 $) where kWh are equal everywhere
    assert table.loc["fast", "native_energy_usd"] == pytest.approx(0.008, rel=1e-8)
    assert table.loc["slow", "native_energy_usd"] == pytest.approx(0.12 * 0.1, rel=1e-8)
    assert table.loc["fast", "latency_mean_s"] == pytest.approx(0.80, rel=1e-9)


# --------------------------------------------------------------------------------------------------------------------
# Tie-break: with on-site renewables covering the load, every allocation costs $0 of energy; the last stage must
# then pick the least facility energy instead of an arbitrary vertex (e.g. every installed accelerator switched on).
# --------------------------------------------------------------------------------------------------------------------


def make_renewable(tmp_path):
    """The tiny instance with 10 kW of on-site renewables at both sites: more than any load."""
    return make(tmp_path, name="sunny", renewable_kw=10.0)


def test_tie_break_picks_the_least_facility_energy_when_energy_is_free(tmp_path):
    s, inputs = make_renewable(tmp_path)
    result = solve(s, "energy", formulation=PerQueryFormulation(inputs), solver="highs")
    assert result.objective == pytest.approx(0.0, abs=1e-9)
    # dc0: 40 J x 3600 = 0.04 kWh + 0.4 accelerators x 100 W = 0.08 kWh; dc1: 0.08 kWh + 4 x 10 W = 0.12 kWh
    assert result.x[0, :, 0, 0] == pytest.approx([1.0, 0.0], abs=1e-9)
    assert result.provisioning.accelerators_jt[:, 0] == pytest.approx([0.4, 0.0], abs=1e-9)
    # tie-break = facility energy + grid energy bought (0: renewables cover the load)
    assert result.to_dict()["tie_break"] == {"objective": "facility_plus_grid_kwh", "optimum": pytest.approx(0.08)}
    assert result.grid_kw == pytest.approx(0.0, abs=1e-12)
    assert result.water_l == pytest.approx(0.08, rel=1e-9)  # WUE 1 L/kWh


def test_without_tie_break_the_same_objective_may_waste_energy(tmp_path):
    s, inputs = make_renewable(tmp_path)
    loose = solve(s, "energy", formulation=PerQueryFormulation(inputs, tie_break=False), solver="highs")
    tight = solve(s, "energy", formulation=PerQueryFormulation(inputs), solver="highs")
    assert "tie_break" not in loose.to_dict()
    assert loose.objective == pytest.approx(tight.objective, abs=1e-9)
    assert tight.water_l <= loose.water_l + 1e-12  # water is WUE x facility energy here


def test_tie_break_with_whole_servers(tmp_path):
    # dc0's smallest unit is a 4 x FAST server: 0.4 kWh idle + 0.04 kWh; dc1 needs 2 servers of 2 SLOW: 0.12 kWh.
    s, inputs = make_renewable(tmp_path)
    result = solve(s, "energy", formulation=PerQueryFormulation(inputs, integer=True), solver="highs")
    assert result.provisioning.servers_jt[:, 0] == pytest.approx([0.0, 2.0], abs=1e-9)
    assert result.to_dict()["tie_break"]["optimum"] == pytest.approx(0.12, rel=1e-9)


def test_tie_break_keeps_the_scheme_optimum_and_provisions_only_what_the_load_needs(paper_v1_dir):
    s = load_scenario(paper_v1_dir)
    inputs = load_inputs(s)
    for scheme, kwargs in (("weighted", {"weights": (1 / 3, 1 / 3, 1 / 3)}), ("carbon", {})):
        plain = solve(s, scheme, formulation=PerQueryFormulation(inputs, tie_break=False), solver="highs", **kwargs)
        tied = solve(s, scheme, formulation=PerQueryFormulation(inputs), solver="highs", **kwargs)
        assert tied.objective == pytest.approx(plain.objective, rel=1e-8, abs=1e-8)
        # physical_costs provisions the fewest accelerators the allocation needs: the LP must not provision more
        needed = physical_costs(s, tied.x, inputs)
        assert tied.provisioning.accelerators_jt.sum() == pytest.approx(needed["accelerator_hours"], rel=1e-6)
        assert tied.water_l == pytest.approx(needed["water_l"], rel=1e-6)


def test_optimal_face_and_bound_row_give_the_same_tie_break(tmp_path, monkeypatch):
    # HiGHS restricts the LP to its optimal face; without duals (MILP, Gurobi) a bound row does the same job
    from greenllm.backends import HighsBackend
    from greenllm.synthetic import random_tables

    s = load_scenario(write_scenario(tmp_path / "random", *random_tables(n_areas=4, n_dcs=3, n_types=2, n_hours=6,
                                                                         seed=3)))
    s = s.scaled("renewable", 50.0)  # renewables cover most loads: idle accelerators cost nothing there
    face = solve(s, "weighted", weights=(1 / 3, 1 / 3, 1 / 3), formulation="per_query", solver="highs")
    monkeypatch.setattr(HighsBackend, "restrict_to_optimal_face", lambda self, values: False)
    row = solve(s, "weighted", weights=(1 / 3, 1 / 3, 1 / 3), formulation="per_query", solver="highs")
    assert face.objective == pytest.approx(row.objective, rel=1e-8)
    assert face.to_dict()["tie_break"]["optimum"] == pytest.approx(row.to_dict()["tie_break"]["optimum"], rel=1e-6)
    needed = physical_costs(s, face.x, load_inputs(s))
    assert face.provisioning.accelerators_jt.sum() == pytest.approx(needed["accelerator_hours"], rel=1e-6)
