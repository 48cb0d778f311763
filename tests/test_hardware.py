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
    assert c.profile("H100-SXM-80GB", "llama-70b").accelerators_per_replica == 2
    assert c.profile("L4", "llama-7b-8b") is None  # no sourced L4 measurement: no profile


def test_mlenergy_energy_per_token_is_energy_per_response_over_response_length():
    # facts of data/A100_chat_benchmark.csv (ml-energy/leaderboard), Llama-2-7b-chat, batch size 1
    p = load_catalogue().profile("A100", "llama-7b-8b")
    assert p.energy_j_per_decode_token == pytest.approx(1828.7749392209557 / 420.0661517797179, rel=1e-12)
    assert p.decode_tokens_per_s == pytest.approx(44.46873568590649)


def test_h100_energy_bounds_are_tdp_times_replica_over_throughput():
    c = load_catalogue()
    tdp = c.accelerators["H100-SXM-80GB"].tdp_w
    for model in ("llama-7b-8b", "llama-70b"):
        p = c.profile("H100-SXM-80GB", model)
        assert p.energy_j_per_decode_token == pytest.approx(tdp * p.accelerators_per_replica / p.decode_tokens_per_s)
        assert p.energy_j_per_prefill_token == pytest.approx(tdp * p.accelerators_per_replica / p.prefill_tokens_per_s)
    # prefill rates derived from TensorRT-LLM's 2048/128 rows: output tokens/s / 128 x 2048
    assert c.profile("H100-SXM-80GB", "llama-7b-8b").prefill_tokens_per_s == 3450 / 128 * 2048
    assert c.profile("H100-SXM-80GB", "llama-70b").prefill_tokens_per_s == 762 / 128 * 2048


def test_measured_power_never_exceeds_tdp():
    c = load_catalogue()
    for (acc, _), p in c.profiles.items():
        power_w = p.energy_j_per_decode_token * p.decode_tokens_per_s / p.accelerators_per_replica
        assert power_w <= c.accelerators[acc].tdp_w * (1 + 1e-9)


def test_unsourced_numbers_in_use_are_listed():
    c = load_catalogue()
    assert "A100.idle_w" in c.unsourced_in_use(["A100"], ["llama-7b-8b"])
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
])
def test_bad_catalogue_is_one_readable_error(tmp_path, mutate, message):
    with pytest.raises(InputError, match=message):
        load_catalogue(_write(tmp_path, mutate))
