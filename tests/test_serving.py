"""The serving catalogue (config/serving.yaml): every committed number recomputed from the original files, and the
loader's one-line errors."""

import json
from pathlib import Path

import pytest
import yaml

from greenllm.data.workload import read_azure_trace
from greenllm.errors import InputError
from greenllm.serving.catalogue import (azure_peak_to_mean, azure_token_classes, leaderboard_operating_points,
                              load_serving)

REL = 1e-5  # the catalogue keeps 6 significant digits
AZURE_FILES = {"conversation": "AzureLLMInferenceTrace_conv.csv", "code": "AzureLLMInferenceTrace_code.csv"}


@pytest.fixture(scope="module")
def catalogue():
    return load_serving()


@pytest.fixture(scope="module")
def azure_traces(real_fixtures):
    return {name: read_azure_trace(real_fixtures / "azure_llm" / f) for name, f in AZURE_FILES.items()}


def test_every_operating_point_equals_the_leaderboard_file(catalogue, real_fixtures):
    for model, upstream_path in catalogue.leaderboard["files"].items():
        data = json.loads((real_fixtures / "mlenergy_leaderboard" / "models" / Path(upstream_path).name).read_text())
        expected = leaderboard_operating_points(data, model)
        ours = [p for p in catalogue.operating_points if p.model == model]
        assert len(ours) == len(expected) > 0
        for row, point in zip(expected, sorted(ours, key=lambda p: (p.accelerator, p.batch_limit)), strict=True):
            for name, value in row.items():
                got = getattr(point, name)
                assert got == (pytest.approx(value, rel=REL) if isinstance(value, float) else value), (point.name, name)


def _leaderboard(real_fixtures, catalogue, model) -> dict:
    name = Path(catalogue.leaderboard["files"][model]).name
    return json.loads((real_fixtures / "mlenergy_leaderboard" / "models" / name).read_text())


def test_mean_time_per_token_is_littles_law_on_the_leaderboard_file(catalogue, real_fixtures):
    # mean time per output token = requests decoding together / output tokens per second (Little's law); the
    # inter-token latency is skewed, so the mean lies above the median at every measured point
    for model in catalogue.leaderboard["files"]:
        for c in _leaderboard(real_fixtures, catalogue, model)["configurations"]:
            point, = catalogue.points(c["gpu_model"], model, [c["max_num_seqs"]])
            assert point.tpot_mean_s == pytest.approx(c["avg_batch_size"] / c["output_throughput_tokens_per_sec"],
                                                      rel=REL)
            assert point.tpot_s < point.tpot_mean_s < point.tpot_p99_s, point.name


# Datasheet facts the prompt-processing model uses (NVIDIA H100 datasheet, HGX B200 specifications): dense BF16 FLOP/s
# (half the with-sparsity figure) and TDP; Splitwise's power model runs prompts at TDP; 2 FLOP per parameter per token.
PEAK_FLOP_PER_S = {"H100": 989e12, "B200": 2.25e15}
TDP_W = {"H100": 700.0, "B200": 1000.0}


@pytest.mark.parametrize("gpu, model, batch_limit, params, tokens_in, tokens_out", [
    ("H100", "llama-3.1-70b", 128, 70e9, 1155.0, 211.0),
    ("B200", "llama-3.1-8b", 64, 8e9, 2048.0, 28.0),
])
def test_a_query_by_hand_from_the_leaderboard_file(catalogue, real_fixtures, gpu, model, batch_limit, params,
                                                   tokens_in, tokens_out):
    c, = (c for c in _leaderboard(real_fixtures, catalogue, model)["configurations"]
          if c["gpu_model"] == gpu and c["max_num_seqs"] == batch_limit)
    point, = catalogue.points(gpu, model, [batch_limit])
    # decode, measured: energy per output token = mean power / output throughput; time per token by Little's law
    decode_j_per_token = c["avg_power_watts"] / c["output_throughput_tokens_per_sec"]
    tpot_mean_s = c["avg_batch_size"] / c["output_throughput_tokens_per_sec"]
    assert point.j_per_token == pytest.approx(decode_j_per_token, rel=REL)
    assert point.tpot_mean_s == pytest.approx(tpot_mean_s, rel=REL)
    assert point.tpot_p99_s == pytest.approx(c["p99_itl_ms"] / 1000, rel=REL)
    # prefill, modelled: the replica's GPUs at 0.4 of peak dense FLOP/s, 2 FLOP per parameter per prompt token, at TDP
    prefill_tokens_per_s = c["num_gpus"] * PEAK_FLOP_PER_S[gpu] * 0.4 / (2 * params)
    prefill_j = tokens_in * c["num_gpus"] * TDP_W[gpu] / prefill_tokens_per_s
    energy_j = tokens_out * decode_j_per_token + prefill_j
    latency_s = tokens_in / prefill_tokens_per_s + tokens_out * tpot_mean_s
    ours_energy_j = tokens_out * point.j_per_token + tokens_in * catalogue.prefill_j_per_token(point)
    ours_latency_s = tokens_in / catalogue.prefill_tokens_per_s(point) + tokens_out * point.tpot_mean_s
    assert ours_energy_j == pytest.approx(energy_j, rel=REL)
    assert ours_latency_s == pytest.approx(latency_s, rel=REL)


def test_model_sizes_equal_the_leaderboard_file(catalogue, real_fixtures):
    for model in catalogue.leaderboard["files"]:
        assert catalogue.models[model].params_billion == _leaderboard(real_fixtures, catalogue, model)[
            "total_params_billions"]


def test_prefill_rate_takes_the_utilisation_for_the_sensitivity(catalogue):
    point, = catalogue.points("H100", "llama-3.1-70b", [128])
    assert catalogue.prefill_utilisation == 0.4 and catalogue.prefill_utilisation_sensitivity == (0.3, 0.4, 0.5)
    default = catalogue.prefill_tokens_per_s(point)
    assert catalogue.prefill_tokens_per_s(point, utilisation=0.4) == default
    assert catalogue.prefill_tokens_per_s(point, utilisation=0.3) == pytest.approx(0.75 * default)
    # one accelerator of the type processes a replica's rate over its accelerators; energy per token is the same
    assert catalogue.prefill_tokens_per_s("H100", "llama-3.1-70b") * 4 == pytest.approx(default)
    assert catalogue.prefill_j_per_token("H100", "llama-3.1-70b") == pytest.approx(catalogue.prefill_j_per_token(point))
    assert catalogue.prefill_j_per_token(point, utilisation=0.5) == pytest.approx(
        0.8 * catalogue.prefill_j_per_token(point))


def test_prefill_runs_at_tdp_above_every_measured_decode_power(catalogue):
    # Splitwise: prompt processing is compute-bound and draws the TDP; decode is memory-bound and draws less
    for name, acc in catalogue.accelerators.items():
        assert acc.prefill_power_w == acc.tdp_w, name
    for p in catalogue.operating_points:
        assert p.power_w / p.accelerators_per_replica < catalogue.accelerators[p.accelerator].prefill_power_w, p.name


def test_colocated_prefill_slows_every_token_by_the_prompt_time_it_carries(catalogue):
    point, = catalogue.points("H100", "llama-3.1-70b", [128])
    assert catalogue.colocated_tpot_factor(point, 0.0, 200.0) == 1.0
    prompt_s_per_output_token = (1155.0 / 211.0) / catalogue.prefill_tokens_per_s(point)
    factor = catalogue.colocated_tpot_factor(point, 1155.0, 211.0)
    assert factor == pytest.approx(1 + point.tokens_per_s_replica * prompt_s_per_output_token)
    assert 2 < factor < 4  # the Azure mean prompt and answer roughly triple the time per token on this replica


def test_operating_points_trade_energy_for_time_per_token(catalogue):
    # ML.ENERGY v3, Llama-3.1-8B on one H100: batch 8 -> 512 cuts J/token about 6x and raises median ITL about 6x
    small, large = (next(p for p in catalogue.points("H100", "llama-3.1-8b") if p.batch_limit == b) for b in (8, 512))
    assert small.j_per_token / large.j_per_token > 5
    assert large.tpot_s / small.tpot_s > 5


def test_workload_classes_equal_the_azure_traces(catalogue, azure_traces):
    notes = catalogue.notes
    expected = azure_token_classes(azure_traces, notes["output_quantiles"], notes["input_quantiles"])
    assert [c.name for c in catalogue.classes] == [r["name"] for r in expected]
    for c, r in zip(catalogue.classes, expected, strict=True):
        for name in ("share", "tokens_in", "tokens_out"):
            assert getattr(c, name) == pytest.approx(r[name], rel=REL), (c.name, name)


def test_workload_bins_keep_each_traces_share_and_mean_lengths(catalogue, azure_traces):
    total = sum(len(t) for t in azure_traces.values())
    assert len(catalogue.classes) == 20  # 5 output x 2 input bins per trace
    for name, trace in azure_traces.items():
        bins = [c for c in catalogue.classes if c.trace == name]
        share = sum(c.share for c in bins)
        assert share == pytest.approx(len(trace) / total, rel=REL)
        for tokens in ("tokens_in", "tokens_out"):
            mean = sum(c.share * getattr(c, tokens) for c in bins) / share
            assert mean == pytest.approx(trace[tokens].mean(), rel=REL), (name, tokens)
        # the tail is resolved: the longest 5 % of answers are a bin pair of their own, longer than the median bin
        assert min(c.tokens_out for c in bins if "_o5_" in c.name) > 2 * max(
            c.tokens_out for c in bins if "_o1_" in c.name)


def test_references_state_their_boundary(catalogue):
    refs = {r.name: r for r in catalogue.references}
    google = refs["Google 2025, median Gemini text prompt"]
    assert (google.energy_wh_per_query, google.co2_g_per_query, google.water_ml_per_query) == (
        (0.24, 0.24), (0.03, 0.03), (0.26, 0.26))
    assert (google.statistic, google.energy_boundary, google.carbon_accounting) == ("median", "comprehensive",
                                                                                    "market-based")
    assert google.compared_metric("water_ml_per_query") == "water_onsite_ml_per_query"
    assert google.energy_split == {"accelerators": 0.58, "host": 0.25, "idle": 0.10, "overhead": 0.08}
    narrow = refs["Google 2025, median Gemini text prompt, active accelerators"]
    assert narrow.energy_wh_per_query == (0.10, 0.10) and not narrow.confirmed
    assert narrow.compared_metric("energy_wh_per_query") == "gpu_energy_wh_per_query"
    assert refs["Samsi et al. 2023, LLaMA 65B"].model == "llama-3.1-70b"
    assert refs["Luccioni et al. 2024, text generation"].model == "llama-3.1-8b"
    for r in catalogue.references:
        assert r.statistic in ("median", "mean", "range") and r.boundary, r.name


def test_peak_to_mean_equals_the_azure_traces(catalogue, azure_traces):
    assert catalogue.peak_to_mean == pytest.approx(azure_peak_to_mean(azure_traces, 300.0), rel=REL)


def _broken(tmp_path, edit) -> Path:
    raw = yaml.safe_load(load_serving().path.read_text())
    edit(raw)
    path = tmp_path / "serving.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize("edit, field", [
    (lambda r: r["operating_points"][3].update(j_per_token=-1), "operating_points[3].j_per_token"),
    (lambda r: r["operating_points"][0].update(accelerator="TPU"), "operating_points[0].accelerator"),
    (lambda r: r["accelerators"]["H100"]["idle_w"].update(source="a blog"), "accelerators.H100.idle_w"),
    (lambda r: r["workload"]["classes"][0].update(share=0.9), "workload.classes"),
    (lambda r: r["references"][1].update(energy_wh_per_query=[2, 1]), "references[1].energy_wh_per_query"),
    (lambda r: r.pop("host"), "host"),
    (lambda r: r["operating_points"][0].update(avg_batch_size=9), "operating_points[0].avg_batch_size"),
    (lambda r: r["accelerators"]["B200"]["prefill_power_w"].update(value=1200), "accelerators.B200.prefill_power_w"),
    (lambda r: r["prefill"]["utilisation"].update(value=1.5), "prefill.utilisation"),
    (lambda r: r["prefill"].update(colocated_interference="none"), "prefill.colocated_interference"),
    (lambda r: r["workload"].update(output_quantiles=[0.5, 0.9]), "workload.output_quantiles"),
    (lambda r: r["references"][0].pop("statistic"), "references[0].statistic"),
    (lambda r: r["references"][0].update(carbon_accounting="offsets"), "references[0].carbon_accounting"),
])
def test_a_bad_field_is_one_error_naming_file_and_field(tmp_path, edit, field):
    path = _broken(tmp_path, edit)
    with pytest.raises(InputError) as err:
        load_serving(path)
    assert str(path) in str(err.value) and field in str(err.value)
