"""The serving fleet model on small hand-checkable fleets: every physical term (prefill energy, idle replicas, host,
PUE, water of electricity generation, capacity rows, power cap) is recomputed by hand, so removing one fails a test;
at saturation the decode pool draws the measured J per output token; two pairs recomputed from the leaderboard file."""

import dataclasses
import json
import math

import numpy as np
import pytest

from greenllm.inputs import load_scenario
from greenllm.serving.catalogue import TokenClass, load_serving
from greenllm.serving.experiments import decode_j_per_output_token
from greenllm.serving.fleet import FleetOptions, account, build_fleet
from greenllm.serving.lp import SCHEMES, FleetSolver
from greenllm.synthetic import write_random_scenario

H100_70B_B128 = ("H100", "llama-3.1-70b", 128)
TOKENS_IN, TOKENS_OUT = 1000.0, 300.0


def _catalogue(peak_to_mean: float = 1.0):
    cat = load_serving()
    point = next(p for p in cat.operating_points if (p.accelerator, p.model, p.batch_limit) == H100_70B_B128)
    cls = TokenClass("chat", "conversation", 1.0, TOKENS_IN, TOKENS_OUT, "llama-3.1-70b", "server")
    return dataclasses.replace(cat, operating_points=(point,), classes=(cls,), peak_to_mean=peak_to_mean), point


def _scenario(tmp_path, n_dcs: int):
    s = load_scenario(write_random_scenario(tmp_path / f"s{n_dcs}", n_areas=1, n_dcs=n_dcs, n_types=1, n_hours=2))
    return dataclasses.replace(s, rtt_s=np.full_like(s.rtt_s, 0.02))


def _fleet(s, cat, **kw):
    options = FleetOptions(**{"queries_per_day": 1e6, "accelerators": ("H100",), "accelerators_per_site": 64,
                              "min_replicas": 1, "renewable_share": 0.0, **kw})
    return build_fleet(s, cat, options)


@pytest.fixture
def one_site(tmp_path):
    cat, point = _catalogue()
    fleet = _fleet(_scenario(tmp_path, 1), cat)
    q = fleet.pair_queries()  # one pair: everything on it
    return fleet, point, q, account(fleet, q)


def _by_hand(fleet, point, q):
    """Per hour: GPU busy and idle joules, replicas, from the catalogue numbers alone."""
    acc = fleet.catalogue.accelerators["H100"]
    r = point.accelerators_per_replica
    prefill_tps = r * acc.peak_dense_bf16_flop_per_s * fleet.catalogue.prefill_utilisation / (2 * 70e9)
    queries_t = q[0]
    decode_s = queries_t * TOKENS_OUT / point.tokens_per_s_replica
    prefill_s = queries_t * TOKENS_IN / prefill_tps
    busy_j = queries_t * TOKENS_OUT * point.j_per_token + prefill_s * r * acc.prefill_power_w
    n_decode = np.maximum(np.ceil(decode_s / 3600), 1)
    n_prefill = np.maximum(np.ceil(prefill_s / 3600), 1)
    idle_j = r * acc.idle_w * ((3600 * n_decode - decode_s) + (3600 * n_prefill - prefill_s))
    return busy_j, idle_j, r * (n_decode + n_prefill)


def test_busy_energy_counts_decode_at_measured_and_prefill_at_compute_bound_power(one_site):
    fleet, point, q, acc = one_site
    busy_j, _, _ = _by_hand(fleet, point, q)
    assert acc.gpu_busy_kwh == pytest.approx(busy_j.sum() / 3.6e6, rel=1e-9)
    assert acc.gpu_prefill_kwh > 0.3 * acc.gpu_busy_kwh  # a 1,000-token prompt is not free


def test_idle_replica_time_draws_idle_power(one_site):
    fleet, point, q, acc = one_site
    _, idle_j, accelerators = _by_hand(fleet, point, q)
    assert acc.gpu_idle_kwh == pytest.approx(idle_j.sum() / 3.6e6, rel=1e-9)
    assert acc.accelerator_hours == pytest.approx(accelerators.sum())


def test_facility_energy_is_gpu_plus_host_times_pue(one_site):
    fleet, point, q, acc = one_site
    busy_j, idle_j, _ = _by_hand(fleet, point, q)
    host = 0.25 / 0.58  # Google 2025: host 25 % against accelerators 58 %
    it_kwh = (1 + host) * (busy_j + idle_j).sum() / 3.6e6
    assert acc.host_kwh == pytest.approx(host * (busy_j + idle_j).sum() / 3.6e6, rel=1e-9)
    assert acc.facility_kwh == pytest.approx(fleet.scenario.pue[0] * it_kwh, rel=1e-9)


def test_water_is_onsite_plus_generation_water(one_site):
    fleet, point, q, acc = one_site
    s = fleet.scenario
    busy_j, idle_j, _ = _by_hand(fleet, point, q)
    it_kwh_t = (1 + 0.25 / 0.58) * (busy_j + idle_j) / 3.6e6
    water = (it_kwh_t * (s.wue_l_per_kwh[0] + s.pue[0] * s.ewif_l_per_kwh[0])).sum()
    assert acc.water_l == pytest.approx(water, rel=1e-9)
    assert acc.water_onsite_l == pytest.approx((it_kwh_t * s.wue_l_per_kwh[0]).sum(), rel=1e-9)


def test_idle_unprovisioned_accelerators_draw_idle_power_when_switched_on(tmp_path):
    cat, point = _catalogue()
    s = _scenario(tmp_path, 1)
    off, idle = (_fleet(s, cat, unprovisioned=mode, accelerators_per_site=4096) for mode in ("off", "idle"))
    a_off, a_idle = account(off, off.pair_queries()), account(idle, idle.pair_queries())
    spare_h = (4096 * 2 - a_off.accelerator_hours)  # accelerator-hours installed but not provisioned
    assert a_idle.gpu_idle_kwh - a_off.gpu_idle_kwh == pytest.approx(spare_h * 85.25 / 1000, rel=1e-9)


def test_at_saturation_the_decode_pool_draws_the_measured_j_per_token(tmp_path):
    cat, point = _catalogue(peak_to_mean=1.0)
    s = _scenario(tmp_path, 1)
    fleet = _fleet(s, cat, accelerators_per_site=4096)
    # exactly 10 decode replicas busy all hour in every hour
    per_hour = 10 * 3600 * point.tokens_per_s_replica / TOKENS_OUT
    fleet.queries_ikt[:] = per_hour
    acc = account(fleet, fleet.pair_queries())
    assert decode_j_per_output_token(fleet, fleet.pair_queries()) == pytest.approx(point.j_per_token, rel=1e-6)
    assert acc.gpu_busy_kwh > acc.gpu_prefill_kwh > 0
    # and far below saturation the idle replica time raises it
    fleet.queries_ikt[:] = per_hour / 50
    assert decode_j_per_output_token(fleet, fleet.pair_queries()) > 1.5 * point.j_per_token


def _two_sites(tmp_path, **kw):
    """Site 0 clean but small, site 1 dirty and large: the optimiser fills site 0 up to its limit."""
    cat, _ = _catalogue(peak_to_mean=1.0)
    s = _scenario(tmp_path, 2)
    s = dataclasses.replace(s, carbon_kg_per_kwh=np.vstack([np.full(s.n_hours, 0.01), np.full(s.n_hours, 0.8)]))
    return _fleet(s, cat, queries_per_day=2e5, **kw)


def test_capacity_rows_keep_the_clean_site_within_its_accelerators(tmp_path):
    fleet = _two_sites(tmp_path, integer_replicas=False)
    fleet.installed_j = np.array([16.0, 4096.0])
    solver = FleetSolver(fleet)
    q = solver.solve(SCHEMES["min_emissions"])
    acc = account(fleet, q, solver.replicas)
    assert acc.capacity_ok and acc.served_share == pytest.approx(1.0)
    assert acc.capacity_binding_site_hours > 0
    assert q[fleet.pair_j == 1].sum() > 0  # the rest spills to the dirty site


def test_power_cap_keeps_the_clean_site_within_its_megawatts(tmp_path):
    fleet = _two_sites(tmp_path, integer_replicas=False)
    fleet.installed_j = np.array([4096.0, 4096.0])
    fleet.power_cap_w_j = np.array([12e3, 1e9])  # 12 kW: a few replicas
    solver = FleetSolver(fleet)
    q = solver.solve(SCHEMES["min_emissions"])
    acc = account(fleet, q, solver.replicas)
    assert acc.power_ok and acc.power_binding_site_hours > 0
    assert q[fleet.pair_j == 1].sum() > 0


def test_whole_replicas_cost_at_least_the_relaxation(tmp_path):
    fleet = _two_sites(tmp_path)
    solver = FleetSolver(fleet)
    solver.solve(SCHEMES["min_emissions"])
    assert solver.stages["emissions_kg"] >= solver.relaxed["emissions_kg"] * (1 - 1e-9)
    assert np.allclose(solver.replicas, np.round(solver.replicas))


def test_two_pairs_from_the_leaderboard_file(real_fixtures, tmp_path):
    """Energy and latency of two operating points recomputed from the upstream JSON, not our YAML."""
    cat = load_serving()
    files = cat.leaderboard["files"]
    for model, gpu, batch in (("llama-3.1-70b", "H100", 128), ("llama-3.1-8b", "B200", 64)):
        name = files[model].rsplit("/", 1)[-1]
        data = json.loads((real_fixtures / "mlenergy_leaderboard" / "models" / name).read_text())
        row = next(c for c in data["configurations"] if c["max_num_seqs"] == batch and gpu in c["gpu_model"])
        point = next(p for p in cat.operating_points if (p.accelerator, p.model, p.batch_limit) == (gpu, model, batch))
        cls = TokenClass("x", "conversation", 1.0, TOKENS_IN, TOKENS_OUT, model, "server")
        sub = dataclasses.replace(cat, operating_points=(point,), classes=(cls,))
        fleet = _fleet(_scenario(tmp_path, 1), sub, accelerators=(gpu,), accelerators_per_site=4096)
        acc = cat.accelerators[gpu]
        prefill_tps = row["num_gpus"] * acc.peak_dense_bf16_flop_per_s * cat.prefill_utilisation / (2 * 1e9 * (
            70 if "70b" in model else 8))
        decode_j = TOKENS_OUT * row["energy_per_token_joules"]
        prefill_j = TOKENS_IN / prefill_tps * row["num_gpus"] * acc.prefill_power_w
        assert fleet.active_j[0] == pytest.approx(decode_j + prefill_j, rel=1e-5)
        tpot = row["avg_batch_size"] / row["output_throughput_tokens_per_sec"]  # Little's law
        expected = 0.02 + TOKENS_IN / prefill_tps + (TOKENS_OUT + 1) * tpot
        assert fleet.latency_s[0] == pytest.approx(expected, rel=1e-5)
        assert math.isclose(fleet.latency_tail_s[0], 0.02 + TOKENS_IN / prefill_tps
                            + (TOKENS_OUT + 1) * row["p99_itl_ms"] / 1000, rel_tol=1e-5)
