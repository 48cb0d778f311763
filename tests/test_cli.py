"""The `greenllm solve` command: JSON output, exit codes, one-line errors without tracebacks."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from greenllm.cli import main
from greenllm.inputs import write_scenario
from greenllm.synthetic import random_tables
from tests.test_tiny_instance import tiny_tables


def run(*args):
    proc = subprocess.run([sys.executable, "-m", "greenllm", *map(str, args)], capture_output=True, text=True,
                          timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_json_output_has_the_documented_fields(paper_v1_dir):
    proc = run("solve", paper_v1_dir, "--scheme", "weighted", "--weights", "1/3,1/3,1/3", "--solver", "highs", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) >= {"status", "solver", "scheme", "objective", "costs", "emissions_kg", "water_l", "stages",
                        "solve_seconds"}
    assert set(out["costs"]) == {"energy", "carbon", "delay", "total"}
    assert out["costs"]["total"] == pytest.approx(392.0825457533, rel=1e-6)
    assert out["costs"]["total"] == pytest.approx(sum(out["costs"][k] for k in ("energy", "carbon", "delay")))
    assert out["objective"] == pytest.approx(out["costs"]["total"] / 3, rel=1e-9)


def test_lexicographic_with_order_and_scales(tmp_path):
    folder = write_scenario(tmp_path / "s", *random_tables(seed=4))
    proc = run("solve", folder, "--scheme", "lexicographic", "--order", "carbon,delay,energy", "--tolerance", "0.01",
               "--scale", "renewable=0.4", "--scale", "demand=1.1", "--solver", "highs", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert [s["objective"] for s in out["stages"]] == ["carbon", "delay", "energy"]
    assert out["objective"] == out["stages"][-1]["optimum"]
    assert out["scale"] == {"renewable": 0.4, "demand": 1.1}


def test_bad_scenario_exits_2_with_the_file_named(tmp_path):
    tables, scalars = random_tables(seed=4)
    folder = write_scenario(tmp_path / "s", tables, scalars)
    (folder / "area_type.csv").write_text("area,type\n0,0\n")
    proc = run("solve", folder)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        f"error: {folder / 'area_type.csv'}: missing column 'delay_max_s' (found: area, type)")


def test_infeasible_exits_3_with_the_constraint_family(tmp_path):
    folder = write_scenario(tmp_path / "dry", *tiny_tables(water_budget_l=0.5))
    proc = run("solve", folder, "--scheme", "energy", "--solver", "highs")
    assert proc.returncode == 3
    assert "water budget of 0.5 L is below the minimum of 1.0 L" in proc.stderr


@pytest.mark.parametrize("args,needle", [
    (["--scale", "price"], "expected FIELD=FACTOR"),
    (["--scale", "tax=2"], "unknown field 'tax'"),
    (["--scale", "price=-1"], "finite number >= 0"),
    (["--weights", "1,2"], "expected three numbers"),
    (["--order", "energy,carbon"], "permutation of energy,carbon,delay"),
    (["--scheme", "weighted"], "--scheme weighted needs --weights"),
    (["--tolerance", "-0.1"], "finite number >= 0"),
    (["--integer-provisioning"], "--integer-provisioning needs --formulation per_query"),
])
def test_bad_arguments_exit_2(tmp_path, capsys, args, needle):
    folder = write_scenario(tmp_path / "s", *tiny_tables())
    try:
        code = main(["solve", str(folder), *args])
    except SystemExit as exit_:  # argparse reports bad values itself, with exit code 2
        code = exit_.code
    assert code == 2
    assert needle in capsys.readouterr().err


def test_gurobi_without_a_licence_for_the_size_is_a_clear_error(paper_v1_dir):
    from greenllm.backends import gurobi_licence

    if gurobi_licence()[0] == "full":
        pytest.skip("a full Gurobi licence is installed here")
    proc = run("solve", paper_v1_dir, "--solver", "gurobi")
    assert proc.returncode == 4
    assert "--solver gurobi:" in proc.stderr and "use --solver highs or auto" in proc.stderr


def test_auto_falls_back_to_highs_with_one_log_line(paper_v1_dir):
    from greenllm.backends import gurobi_licence

    if gurobi_licence()[0] == "full":
        pytest.skip("a full Gurobi licence is installed here")
    proc = run("solve", paper_v1_dir, "--scheme", "energy", "--json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["solver"] == "highs"
    assert [line for line in proc.stderr.splitlines() if "using HiGHS" in line] == [proc.stderr.strip()]


# --- one command line, one record --------------------------------------------------------------------------------


RECORD_SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "docs" / "record.schema.json").read_text())


def test_json_output_is_a_valid_record_with_an_empty_stand_in_list(tmp_path):
    import jsonschema

    folder = write_scenario(tmp_path / "s", *tiny_tables())
    proc = run("solve", folder, "--scheme", "lexicographic", "--solver", "highs", "--json")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    jsonschema.validate(record, RECORD_SCHEMA)
    assert record["stand_ins"] == [] and "warning:" not in proc.stderr


def test_a_folder_built_with_stand_ins_gives_one_warning_line_and_lists_them(tmp_path):
    folder = write_scenario(tmp_path / "s", *tiny_tables())
    (folder / "provenance.json").write_text(json.dumps({"stand_ins": ["dc_hour.carbon_kg_per_kwh: flat 0.4"]}))
    proc = run("solve", folder, "--scheme", "energy", "--solver", "highs", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["stand_ins"] == ["dc_hour.carbon_kg_per_kwh: flat 0.4"]
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "dc_hour.carbon_kg_per_kwh: flat 0.4" in warnings[0]


def test_a_record_without_its_stand_ins_or_with_renamed_costs_is_rejected_by_the_schema():
    import jsonschema

    good = {"status": "optimal", "solver": "highs", "scheme": "energy", "objective": 1.0,
            "costs": {"energy": 1.0, "carbon": 0.0, "delay": 0.0, "total": 1.0}, "emissions_kg": 0.0,
            "water_l": 0.0, "stages": [{"objective": "energy", "optimum": 1.0}], "solve_seconds": 0.1,
            "stand_ins": [], "model": {"formulation": "paper", "grid_within_load": False, "per_query_slo": "mlperf"}}
    jsonschema.validate(good, RECORD_SCHEMA)
    for bad in ({k: v for k, v in good.items() if k != "stand_ins"},
                {k: v for k, v in good.items() if k != "model"},
                {**good, "model": {"formulation": "paper", "grid_within_load": "yes", "per_query_slo": "mlperf"}},
                {**good, "costs": {"energy_usd": 1.0, "carbon": 0.0, "delay": 0.0, "total": 1.0}},
                {**good, "status": "infeasible", "costs": None}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, RECORD_SCHEMA)


def test_every_subcommand_is_one_command_line():
    proc = run("--help")
    assert proc.returncode == 0
    assert "{solve,data,experiment,year,pipeline}" in proc.stdout


def test_experiment_run_writes_records_that_match_the_schema(tmp_path):
    import jsonschema

    folder = write_scenario(tmp_path / "s", *tiny_tables())
    points = [{"kind": "solve", "schemes": {"M1": {"scheme": "energy", "label": "energy only"}},
               "scale": {"demand": 0.5}, "labels": {"field": "demand", "factor": 0.5}},
              {"kind": "solve", "schemes": {"dry": {"scheme": "energy"}}, "scale": {"water_budget": 0.0}}]
    out = tmp_path / "r" / "0.json"
    proc = run("experiment", "run", "--scenario", folder, "--points", json.dumps(points), "--out", out)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert list(data) == ["records"]
    for record in data["records"]:
        jsonschema.validate(record, RECORD_SCHEMA)
    solved, dry = data["records"]
    assert (solved["name"], solved["label"], solved["scale"], solved["status"]) == (
        "M1", "energy only", {"demand": 0.5}, "optimal")
    assert dry["status"] == "infeasible" and "water" in dry["message"]
    assert solved["model"] == dry["model"] == {"formulation": "paper", "grid_within_load": False,
                                               "per_query_slo": "mlperf"}


def test_experiment_run_passes_the_model_options_to_every_solve_and_record(tmp_path):
    import jsonschema

    folder = write_scenario(tmp_path / "s", *tiny_tables())
    points = [{"kind": "solve", "schemes": {"M1": {"scheme": "energy"}}},
              {"kind": "solve", "schemes": {"dry": {"scheme": "energy"}}, "scale": {"water_budget": 0.0}}]
    out = tmp_path / "0.json"
    proc = run("experiment", "run", "--scenario", folder, "--points", json.dumps(points), "--out", out,
               "--grid-within-load", "--slo", "delay_max_s")
    assert proc.returncode == 0, proc.stderr
    records = json.loads(out.read_text())["records"]
    for record in records:
        jsonschema.validate(record, RECORD_SCHEMA)
        assert record["model"] == {"formulation": "paper", "grid_within_load": True, "per_query_slo": "delay_max_s"}
    proc = run("experiment", "run", "--scenario", folder, "--points", json.dumps(points), "--out", out,
               "--slo", "nonsense")
    assert proc.returncode == 2 and "--slo" in proc.stderr


def test_solve_says_which_model_options_came_from_the_folder_and_the_command_line_overrides_them(tmp_path):
    folder = write_scenario(tmp_path / "s", *tiny_tables())
    (folder / "provenance.json").write_text(json.dumps({"model_options": {"grid_within_load": True}}))
    proc = run("solve", folder, "--scheme", "energy", "--solver", "highs", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["model"]["grid_within_load"] is True
    info = [line for line in proc.stderr.splitlines() if line.startswith("info: model options")]
    assert len(info) == 1 and "grid_within_load=true" in info[0] and "provenance.json" in info[0]
    proc = run("solve", folder, "--scheme", "energy", "--solver", "highs", "--json", "--no-grid-within-load")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["model"]["grid_within_load"] is False
    assert "info: model options" not in proc.stderr


def test_quiet_leaves_only_errors_on_stderr(paper_v1_dir, tmp_path, capsys):
    """`-q` once still printed the stand-in warning (and info lines, and library warnings)."""
    import shutil
    import warnings

    folder = tmp_path / "flagged"
    shutil.copytree(paper_v1_dir, folder, ignore=shutil.ignore_patterns(".greenllm_*"))
    provenance = json.loads((folder / "provenance.json").read_text())
    provenance.update(stand_in=True, stand_ins=["dc_hour.carbon_kg_per_kwh: a stand-in"])
    (folder / "provenance.json").write_text(json.dumps(provenance))
    assert main(["solve", str(folder), "--scheme", "energy"]) == 0
    assert "warning: " in capsys.readouterr().err  # without -q: said
    assert main(["-q", "solve", str(folder), "--scheme", "energy"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "total" in captured.out
    with warnings.catch_warnings(record=True) as caught:  # and -q leaves the warning filters as they were
        warnings.simplefilter("always")
        warnings.warn("still shown", UserWarning)
    assert len(caught) == 1
    assert main(["-q", "solve", str(tmp_path / "missing")]) == 2  # errors stay
    assert capsys.readouterr().err.startswith("error: ")
