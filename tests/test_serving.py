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


def test_operating_points_trade_energy_for_time_per_token(catalogue):
    # ML.ENERGY v3, Llama-3.1-8B on one H100: batch 8 -> 512 cuts J/token about 6x and raises median ITL about 6x
    small, large = (next(p for p in catalogue.points("H100", "llama-3.1-8b") if p.batch_limit == b) for b in (8, 512))
    assert small.j_per_token / large.j_per_token > 5
    assert large.tpot_s / small.tpot_s > 5


def test_workload_classes_equal_the_azure_traces(catalogue, azure_traces):
    expected = azure_token_classes(azure_traces, catalogue.notes["output_quantiles"], catalogue.notes["input_quantiles"])
    assert [c.name for c in catalogue.classes] == [r["name"] for r in expected]
    for c, r in zip(catalogue.classes, expected, strict=True):
        for name in ("share", "tokens_in", "tokens_out"):
            assert getattr(c, name) == pytest.approx(r[name], rel=REL), (c.name, name)


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
])
def test_a_bad_field_is_one_error_naming_file_and_field(tmp_path, edit, field):
    path = _broken(tmp_path, edit)
    with pytest.raises(InputError) as err:
        load_serving(path)
    assert str(path) in str(err.value) and field in str(err.value)
