"""Bad input to a `greenllm pipeline` job or an experiment command is one `error:` line and exit code 2, never a
traceback."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from greenllm.cli import main

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = str(REPO / "notebooks" / "03_weighted_sum.ipynb")
PAPER_V1 = str(REPO / "data" / "processed" / "paper_v1")


def greenllm(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run([sys.executable, "-m", "greenllm", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=env)


CASES = {
    "notebook parameters not JSON": (["pipeline", "notebook", NOTEBOOK, "out.ipynb", "--parameters", "{bad"],
                                     "--parameters: not valid JSON"),
    "notebook parameters not an object": (["pipeline", "notebook", NOTEBOOK, "out.ipynb", "--parameters", "[1]"],
                                          "--parameters: expected a JSON object"),
    "missing notebook": (["pipeline", "notebook", "missing.ipynb", "out.ipynb"], "missing.ipynb: no such notebook"),
    "missing kernel folder": (["pipeline", "notebook", NOTEBOOK, "out.ipynb", "--cwd", "nowhere"],
                              "--cwd nowhere: no such folder"),
    "missing source folder": (["pipeline", "build", "paper_v1", "--out", "data/processed/paper_v1", "--status",
                               "s.json", "--source", "/missing"], "--source /missing: no such scenario folder"),
    "missing retrieve status": (["pipeline", "build", "paper_v1", "--out", "data/processed/paper_v1", "--status",
                                 "s.json", "--retrieve-status", "gone.json"], "--retrieve-status gone.json"),
    "retrieve commands not JSON": (["pipeline", "retrieve", "paper_v1", "--status", "r.json", "--network",
                                    "offline", "--commands", "{bad"], "--commands: not valid JSON"),
    "a string factor in points": (["experiment", "run", "--scenario", PAPER_V1, "--out", "r.json", "--points",
                                   json.dumps([{"kind": "solve", "schemes": {"M1": {"scheme": "energy"}},
                                                "scale": {"renewable": "abc"}}])],
                                  "--points, row 0 (solve), field 'scale.renewable': 'abc' is not of type 'number'"),
    "a point without its fields": (["experiment", "run", "--scenario", PAPER_V1, "--out", "r.json", "--points",
                                    json.dumps([{"kind": "pareto", "index": "x"}])], "--points, row 0 (pareto)"),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_one_error_line(case, tmp_path):
    args, message = CASES[case]
    done = greenllm(*args, cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], done.stderr
    assert not (tmp_path / "data" / "processed" / "paper_v1").exists()


def test_a_corrupt_retrieve_status_is_one_error_line(tmp_path):
    (tmp_path / "r.json").write_text('{"online": tr')  # a status file cut short by a kill
    done = greenllm("pipeline", "build", "paper_v1", "--out", "data/processed/paper_v1", "--status", "s.json",
                    "--retrieve-status", "r.json", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("error: --retrieve-status r.json: not a readable")


def test_every_point_the_configuration_makes_passes_the_point_check():
    """The check refuses bad rows, not the pipeline's own."""
    import yaml

    from greenllm.experiments.cli import _points
    from greenllm.experiments.points import point_table

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    sets = ["schemes", "weighted", "lexicographic", "delay_levels", "tolerance", "water_budget", "pareto",
            "formulations", "hardware_mix", "year", "serving_year", "scaling",
            *(f"sweep-{f['field']}" for f in config["sweeps"]["fields"]),
            *(f"hourly-{f['name']}" for f in config["hourly"]["figures"])]
    rows = [row for s in sets for row in point_table(config, s, "paper_v1", months=(1,), anchors=("a.json",))]
    assert len(rows) > 100 and _points(json.dumps(rows)) == rows


def test_year_aggregate_of_missing_files_is_one_error(tmp_path, capsys):
    assert main(["year", "aggregate", str(tmp_path / "none.json"), "--days-csv", str(tmp_path / "d.csv")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
