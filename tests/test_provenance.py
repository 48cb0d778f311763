"""greenllm.provenance: the stand-ins a scenario folder was built with."""

import json

from greenllm.provenance import stand_ins


def _write(folder, data):
    folder.mkdir(exist_ok=True)
    (folder / "provenance.json").write_text(json.dumps(data))
    return folder


def test_listed_stand_ins_are_returned(tmp_path):
    folder = _write(tmp_path / "s", {"stand_in": True, "stand_ins": ["solar: clear-sky upper bound"]})
    assert stand_ins(folder) == ["solar: clear-sky upper bound"]


def test_flagged_series_are_named_when_no_list(tmp_path):
    folder = _write(tmp_path / "s", {"stand_in": True, "series": {
        "dc_hour.carbon_kg_per_kwh": {"stand_in": True, "method": "flat grid value"},
        "dc_hour.price_usd_per_kwh": {"stand_in": False}}})
    assert stand_ins(folder) == ["dc_hour.carbon_kg_per_kwh: flat grid value"]


def test_real_data_and_missing_provenance_have_no_stand_ins(tmp_path):
    assert stand_ins(_write(tmp_path / "s", {"stand_in": False, "stand_ins": []})) == []
    assert stand_ins(tmp_path / "absent") == []
