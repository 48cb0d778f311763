"""Model options: explicit on the command line and in solve(), written into every record; the deprecated
scalars.json flags still read (type-checked, with one warning line); provenance.json may ask for options."""

import dataclasses
import json

import pytest

from greenllm.cli import main
from greenllm.errors import InputError
from greenllm.formulations import FORMULATIONS, PaperFormulation, PerQueryFormulation, ServingFormulation, get_formulation
from greenllm.inputs import load_scenario, write_scenario
from greenllm.options import ModelOptions, default_options_for
from greenllm.solve import solve
from tests.test_tiny_instance import tiny_tables


def negative_price_folder(tmp_path, name="neg", **extra_scalars):
    """The tiny instance with dc0's price at -0.1 $/kWh: unbounded, the LP buys dc0's whole 100 kW grid cap."""
    tables, scalars = tiny_tables()
    tables["dc_hour"]["price_usd_per_kwh"] = [-0.1, 0.2]
    return write_scenario(tmp_path / name, tables, {**scalars, **extra_scalars})


def solve_json(capsys, *args, quiet=True):
    code = main([*(["-q"] if quiet else []), "solve", *map(str, args), "--scheme", "energy", "--solver", "highs",
                 "--json"])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if code == 0 else None), captured.err


def test_defaults_and_immutability():
    options = ModelOptions()
    assert options.to_dict() == {"formulation": "paper", "grid_within_load": False, "per_query_slo": "mlperf"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.formulation = "per_query"
    with pytest.raises(InputError, match="field 'grid_within_load': 'false' is not true or false"):
        ModelOptions(grid_within_load="false")


def test_formulations_are_registered_by_name(tmp_path):
    assert FORMULATIONS == {"paper": PaperFormulation, "per_query": PerQueryFormulation,
                            "serving": ServingFormulation}
    s = load_scenario(negative_price_folder(tmp_path))
    assert isinstance(get_formulation("paper", s), PaperFormulation)
    assert isinstance(get_formulation("per_query", s, ModelOptions(per_query_slo="delay_max_s")), PerQueryFormulation)
    with pytest.raises(InputError, match="unknown formulation 'tiny'"):
        get_formulation("tiny", s)


def test_the_command_line_sets_grid_within_load_and_the_record_says_so(tmp_path, capsys):
    folder = negative_price_folder(tmp_path)
    code, plain, _ = solve_json(capsys, folder)
    assert code == 0 and plain["model"] == {"formulation": "paper", "grid_within_load": False,
                                            "per_query_slo": "mlperf"}
    assert plain["costs"]["energy"] == pytest.approx(-10.0 + 0.4 * 0.2, rel=1e-9)
    code, bounded, _ = solve_json(capsys, folder, "--grid-within-load")
    assert code == 0 and bounded["model"]["grid_within_load"] is True
    assert bounded["costs"]["energy"] == pytest.approx(0.6 * -0.1 + 0.4 * 0.2, rel=1e-9)


def test_solve_takes_options(tmp_path):
    s = load_scenario(negative_price_folder(tmp_path))
    result = solve(s, "energy", solver="highs", options=ModelOptions(grid_within_load=True))
    assert result.grid_kw[:, 0] == pytest.approx([0.6, 0.4], abs=1e-9)
    assert result.to_dict()["model"]["grid_within_load"] is True


def test_deprecated_scalars_flag_is_read_with_one_warning_and_the_command_line_overrides_it(tmp_path, capsys):
    folder = negative_price_folder(tmp_path, "old", grid_within_load=True)
    code, old, err = solve_json(capsys, folder, quiet=False)  # -q would silence the warning
    assert code == 0 and old["model"]["grid_within_load"] is True
    assert old["costs"]["energy"] == pytest.approx(0.6 * -0.1 + 0.4 * 0.2, rel=1e-9)
    warnings = [line for line in err.splitlines() if "deprecated" in line]
    assert len(warnings) == 1 and "scalars.json" in warnings[0] and "grid_within_load" in warnings[0]
    code, overridden, _ = solve_json(capsys, folder, "--no-grid-within-load")
    assert code == 0 and overridden["model"]["grid_within_load"] is False
    assert overridden["costs"]["energy"] == pytest.approx(-10.0 + 0.4 * 0.2, rel=1e-9)


@pytest.mark.parametrize("field, value, needle", [
    ("grid_within_load", "false", "'false' is not true or false"),
    ("formulation", "linear", "'linear' is not one of paper, per_query"),
    ("per_query_slo", 2.0, "2.0 is not one of mlperf, delay_max_s"),
])
def test_a_mistyped_flag_is_one_error_naming_scalars_json_and_the_field(tmp_path, capsys, field, value, needle):
    folder = negative_price_folder(tmp_path)
    scalars = json.loads((folder / "scalars.json").read_text())
    (folder / "scalars.json").write_text(json.dumps({**scalars, field: value}))
    code, _, err = solve_json(capsys, folder)
    assert code == 2
    assert err.startswith("error: ") and "scalars.json, field" in err and field in err and needle in err
    assert "Traceback" not in err


def test_provenance_can_ask_for_options(tmp_path):
    folder = negative_price_folder(tmp_path)
    assert default_options_for(folder) == ModelOptions()
    (folder / "provenance.json").write_text(json.dumps({"model_options": {"grid_within_load": True}}))
    assert default_options_for(folder) == ModelOptions(grid_within_load=True)
    assert default_options_for(load_scenario(folder)).grid_within_load is True


def test_the_slo_option_reaches_the_per_query_formulation(tmp_path, capsys):
    folder = negative_price_folder(tmp_path)
    code, out, _ = solve_json(capsys, folder, "--formulation", "per_query", "--slo", "delay_max_s")
    assert code == 0 and out["model"] == {"formulation": "per_query", "grid_within_load": False,
                                          "per_query_slo": "delay_max_s"}
    assert any("delay_max_s" in note for note in out["notes"])
