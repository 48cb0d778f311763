"""The hardware catalogue: every number carries a source, derived numbers follow from their stated inputs, and bad
files give one readable error."""

import pytest
import yaml

from greenllm.errors import InputError
from greenllm.hardware import DEFAULT_CATALOGUE_PATH, UNSOURCED, load_catalogue

RAW = yaml.safe_load(DEFAULT_CATALOGUE_PATH.read_text())


def _numbers(raw):
    for name, spec in raw["accelerators"].items():
        for field, entry in spec.items():
            yield f"accelerators.{name}.{field}", entry
    for name, spec in raw["models"].items():
        for field, entry in spec.items():
            if isinstance(entry, dict):
                yield f"models.{name}.{field}", entry
    for n, spec in enumerate(raw["profiles"]):
        for field, entry in spec.items():
            if isinstance(entry, dict):
                yield f"profiles[{n}].{field}", entry


def test_every_number_names_a_listed_source_or_says_unsourced():
    for where, entry in _numbers(RAW):
        assert set(entry) >= {"value", "source"}, where
        assert entry["source"] == UNSOURCED or entry["source"] in RAW["sources"], where


def test_default_catalogue_loads_with_the_accelerators_of_the_issue():
    c = load_catalogue()
    assert {"A100", "H100-SXM-80GB", "L4"} <= set(c.accelerators)
    assert c.profile("H100-SXM-80GB", "llama-70b").accelerators_per_replica == 4  # tp4 in ML.ENERGY v2
    assert c.profile("A100", "llama-70b").accelerators_per_replica == 8  # tp8 on the 40 GB A100
    assert c.profile("L4", "llama-7b-8b") is None  # no sourced L4 measurement: no profile


# facts of data/llm_text_generation/chat/{GPU}/meta-llama/{MODEL}/bs64+tp{T}+pp1.json (ml-energy/benchmark b10121d5):
# Energy/req (J), Avg Output Tokens, Token tput (tok/s), Avg TPOT (s), TP
MLENERGY_V2 = {
    ("A100", "llama-7b-8b"): (78.05486169614683, 481.347, 1245.2100098835203, 0.05020906793675275, 1),
    ("H100-SXM-80GB", "llama-7b-8b"): (82.58581692374547, 482.798, 1784.7186737216616, 0.03505461148244233, 1),
    ("A100", "llama-70b"): (728.5319683197911, 455.0075, 529.6849183813941, 0.11934774742648133, 8),
    ("H100-SXM-80GB", "llama-70b"): (605.4783626059292, 461.246, 811.4518601002469, 0.07676991550136714, 4),
}


@pytest.mark.parametrize("key", sorted(MLENERGY_V2))
def test_mlenergy_v2_profiles_follow_from_the_benchmark_files(key):
    energy_per_request, output_tokens, throughput, tpot, tp = MLENERGY_V2[key]
    p = load_catalogue().profile(*key)
    assert p.energy_j_per_decode_token == pytest.approx(energy_per_request / output_tokens, rel=1e-12)
    assert p.decode_tokens_per_s == pytest.approx(throughput, rel=1e-12)
    assert p.stream_tokens_per_s == pytest.approx(1 / tpot, rel=1e-12)
    assert p.accelerators_per_replica == tp
    # energy per response includes prompt processing: prefill is folded into decode
    assert p.prefill_tokens_per_s == float("inf") and p.energy_j_per_prefill_token == 0.0


def test_profiles_are_like_for_like():
    # one benchmark run for every profile: the A100-vs-H100 comparison is not a comparison of serving software
    for n, spec in enumerate(RAW["profiles"]):
        sources = {entry["source"] for entry in spec.values() if isinstance(entry, dict)}
        assert sources == {"mlenergy_v2_chat"}, n
        assert "vLLM" in spec["checkpoint"] and "max batch size 64" in spec["checkpoint"], n
    c = load_catalogue()
    for model in c.models:
        assert c.profile("A100", model).checkpoint.split(" (")[0] == c.profile("H100-SXM-80GB", model).checkpoint.split(" (")[0]


def test_idle_power_is_the_mean_of_the_cited_readings():
    c = load_catalogue()
    assert c.accelerators["A100"].idle_w == pytest.approx(sum([59, 60, 58, 58]) / 4)
    assert c.accelerators["H100-SXM-80GB"].idle_w == pytest.approx(sum([100, 82, 85, 85, 84, 85, 86, 75]) / 8)
    assert c.accelerators["L4"].idle_w == 16.47


def test_measured_power_lies_between_idle_and_tdp():
    c = load_catalogue()
    for (acc, _), p in c.profiles.items():
        power_w = p.energy_j_per_decode_token * p.decode_tokens_per_s / p.accelerators_per_replica
        assert c.accelerators[acc].idle_w < power_w <= c.accelerators[acc].tdp_w * (1 + 1e-9)


def test_unsourced_numbers_in_use_are_listed(tmp_path):
    c = load_catalogue()
    assert c.unsourced_in_use(list(c.accelerators), c.models) == []  # every number of the default catalogue is sourced

    def placeholder(raw):
        raw["accelerators"]["A100"]["idle_w"] = {"value": 50, "source": UNSOURCED}
        raw["profiles"][2]["stream_tokens_per_s"] = {"value": 50, "source": UNSOURCED}

    c = load_catalogue(_write(tmp_path, placeholder))
    assert c.unsourced_in_use(["A100"], ["llama-7b-8b"]) == ["A100.idle_w"]
    assert "H100-SXM-80GB/llama-7b-8b.stream_tokens_per_s" in c.unsourced_in_use(["H100-SXM-80GB"], ["llama-7b-8b"])


def _write(tmp_path, mutate):
    raw = yaml.safe_load(DEFAULT_CATALOGUE_PATH.read_text())
    mutate(raw)
    path = tmp_path / "hardware.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda r: r["accelerators"]["A100"].update(tdp_w=400), r"accelerators\.A100\.tdp_w: expected \{value"),
    (lambda r: r["accelerators"]["A100"]["tdp_w"].update(source="nowhere"), r"source 'nowhere' is not listed"),
    (lambda r: r["accelerators"]["A100"]["idle_w"].update(value=-1), r"accelerators\.A100\.idle_w: value -1"),
    (lambda r: r["accelerators"]["A100"]["idle_w"].update(value=500), r"idle_w: 500.* exceeds tdp_w"),
    (lambda r: r["profiles"][0].update(accelerator="TPU"), r"profiles\[0\]\.accelerator: 'TPU'"),
    (lambda r: r["profiles"][0]["decode_tokens_per_s"].update(value=0), r"decode_tokens_per_s: value 0 must be > 0"),
    (lambda r: r["defaults"].update(utilisation_cap=1.5), r"defaults\.utilisation_cap"),
    (lambda r: r.pop("profiles"), r"missing section 'profiles'"),
    (lambda r: r["models"]["llama-70b"].pop("tpot_slo_s"), r"models\.llama-70b\.tpot_slo_s: missing"),
    (lambda r: r["models"]["llama-7b-8b"]["ttft_slo_s"].update(value=0), r"ttft_slo_s: value 0 must be > 0"),
])
def test_bad_catalogue_is_one_readable_error(tmp_path, mutate, message):
    with pytest.raises(InputError, match=message):
        load_catalogue(_write(tmp_path, mutate))


def test_model_slo_is_ttft_plus_tpot_per_further_output_token():
    c = load_catalogue()
    for model in c.models:
        ttft_s, tpot_s = c.model_slo_s[model]
        assert c.slo_s(model, 1) == pytest.approx(ttft_s)
        assert c.slo_s(model, 301) == pytest.approx(ttft_s + 300 * tpot_s)
    # every profile's per-user decode speed meets its model's TPOT limit (MLPerf server scenario)
    for (_, model), p in c.profiles.items():
        assert 1.0 / p.stream_tokens_per_s <= c.model_slo_s[model][1]


def test_one_accelerator_type_serves_the_per_query_and_the_serving_catalogues():
    from greenllm.accelerators import Accelerator
    from greenllm.serving.catalogue import load_serving

    per_query, fleet = load_catalogue().accelerators["H100-SXM-80GB"], load_serving().accelerators["H100"]
    assert type(per_query) is type(fleet) is Accelerator
    # the same board in both: the same datasheet TDP and the same recorded idle power
    assert (per_query.tdp_w, per_query.idle_w) == (fleet.tdp_w, fleet.idle_w) == (700.0, 85.25)
    assert per_query.peak_dense_bf16_flop_per_s is None and fleet.peak_dense_bf16_flop_per_s == 989e12
