"""The Snakemake pipeline: configuration schema, lint, output-free notebooks, and an end-to-end run of
config/test.yaml whose tables must equal the committed ones."""

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml
from snakemake.utils import validate

from greenllm.pipeline import build_job
from tests.checks import assert_unique_quantities_equal

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "src" / "greenllm" / "schemas" / "config.schema.yaml"
CONFIG = REPO / "config" / "config.yaml"
TEST_CONFIG = REPO / "config" / "test.yaml"
COMPARED_TABLES = ("base_case", "weighted_sum", "lexicographic_orders")
"""Tables that config/test.yaml computes in full, so they must match the committed tables/paper_v1/ ones."""


def snakemake(*args, cwd=REPO, timeout=900, env=None):
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def load_config():
    return yaml.safe_load(CONFIG.read_text())


# --- configuration ------------------------------------------------------------------------------------------------


def test_default_config_is_valid_and_gets_defaults():
    config = load_config()
    config.pop("solver")
    validate(config, str(SCHEMA))
    assert config["solver"] == "highs"  # filled in from the schema's default


@pytest.mark.parametrize(("change", "message"), [
    (lambda c: c["schemes"]["M0"].update(scheme="cheapest"), "cheapest"),
    (lambda c: c["sweeps"]["fields"].append({"field": "wind", "metrics": ["total_usd"]}), "wind"),
    (lambda c: c["schemes"]["M3"].pop("weights"), "weights"),
    (lambda c: c.update(network="sometimes"), "sometimes"),
    (lambda c: c["year"].pop("scheme"), "scheme"),
    (lambda c: c["year"].update(formulation="exact"), "exact"),
    (lambda c: c["scaling"]["runs"].append({"formulation": "fastest", "sizes": [10]}), "fastest"),
    (lambda c: c["hardware_mix"]["mixes"].append({"name": "none", "accelerators": []}), "accelerators"),
    (lambda c: c["scenarios"]["europe_2018_year"]["options"].update(days={"n": 3}), "days"),
])
def test_schema_rejects_a_broken_config(change, message):
    from snakemake.exceptions import WorkflowError

    config = copy.deepcopy(load_config())
    change(config)
    with pytest.raises(WorkflowError, match=message):
        validate(config, str(SCHEMA))


def test_test_config_overrides_only_known_keys():
    config = load_config()
    override = yaml.safe_load(TEST_CONFIG.read_text())
    assert set(override) <= set(config) | {"real_scenarios", "scratch_dir"}
    merged = {**config, **override}
    validate(merged, str(SCHEMA))


# --- notebooks ----------------------------------------------------------------------------------------------------


NOTEBOOK_FILES = sorted((REPO / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs_and_has_parameters(path):
    book = nbformat.read(path, as_version=4)
    nbformat.validate(book)
    code = [c for c in book.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "strip outputs (nbstripout)"
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged `parameters` (papermill)"
    assert book.cells[0].cell_type == "markdown" and book.cells[0].source.startswith("# ")
    assert book.metadata["kernelspec"]["name"] == "python3"


def test_nbstripout_would_not_change_any_notebook():
    nbstripout = Path(sys.executable).parent / "nbstripout"
    done = subprocess.run([str(nbstripout), "--verify", *map(str, NOTEBOOK_FILES)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_notebook_is_used_by_the_pipeline():
    rules = (REPO / "workflow" / "rules" / "plots.smk").read_text()
    for path in NOTEBOOK_FILES:
        assert f'"{path.name}"' in rules, f"{path.name} is not run by any plot_* rule"


def test_figures_readme_lists_every_committed_figure_and_table():
    readme = (REPO / "figures" / "README.md").read_text()
    files = [*(REPO / "figures" / "paper_v1").glob("*.png"), *(REPO / "tables" / "paper_v1").glob("*.csv")]
    assert files, "no committed figures or tables"
    missing = [f.relative_to(REPO).as_posix() for f in files if f.relative_to(REPO).as_posix() not in readme]
    assert not missing, f"not listed in figures/README.md: {missing}"
    real = [f.name for f in (REPO / "figures").glob("*/real_*.png")]
    assert all(name in readme for name in real)
    # every other scenario's files are listed by name (real-data scenarios share one line per kind of file)
    others = [f for f in [*(REPO / "figures").glob("*/*.png"), *(REPO / "tables").glob("*/*.csv")]
              if f.parent.name != "paper_v1" and not f.name.startswith(("real_", "inputs_"))]
    missing = [f.relative_to(REPO).as_posix() for f in others
               if f.relative_to(REPO).as_posix() not in readme and f"`{f.name}`" not in readme]
    assert not missing, f"not listed in figures/README.md: {missing}"


def test_every_experiment_of_the_schema_has_targets_and_a_notebook():
    """Each experiment the schema accepts is enabled in config/config.yaml (but the machine-dependent `scaling`,
    which `make benchmark` runs) and run by a plot_* rule."""
    schema = yaml.safe_load(SCHEMA.read_text())
    experiments = schema["properties"]["experiments"]["items"]["enum"]
    assert [e for e in experiments if e != "scaling"] == [e for e in load_config()["experiments"] if e != "scaling"]
    plots = (REPO / "workflow" / "rules" / "plots.smk").read_text()
    assert all(f'experiment="{e}"' in plots for e in experiments)


@pytest.mark.slow
def test_a_notebook_solves_in_process_without_the_pipeline(paper_v1_dir, tmp_path):
    """Run standalone (no result files), 03_weighted_sum solves itself and must give the committed table."""
    import papermill

    papermill.execute_notebook(str(REPO / "notebooks" / "03_weighted_sum.ipynb"), str(tmp_path / "out.ipynb"),
                               parameters={"scenario": str(paper_v1_dir), "tables_dir": str(tmp_path)},
                               kernel_name="python3", cwd=str(REPO / "notebooks"), progress_bar=False)
    got = pd.read_csv(tmp_path / "weighted_sum.csv")
    committed = pd.read_csv(REPO / "tables" / "paper_v1" / "weighted_sum.csv")
    pd.testing.assert_frame_equal(got, committed, rtol=1e-6)


def test_notebook_runner_talks_to_its_kernel_over_private_ipc_sockets(tmp_path):
    """TCP ports raced between notebooks started in parallel ("Address already in use"); each run now gets its own
    socket folder, removed afterwards."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python",
                                                           "display_name": "Python 3"}})
    nb.cells = [nbformat.v4.new_code_cell("x = 0", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("import json\nfrom ipykernel import get_connection_info\n"
                                          "info = json.loads(get_connection_info())\n"
                                          "print(info['transport'], info['ip'], x)")]
    nbformat.write(nb, tmp_path / "nb.ipynb")
    runs = [subprocess.Popen([sys.executable, "-m", "greenllm", "pipeline", "notebook", str(tmp_path / "nb.ipynb"), str(tmp_path / f"out{n}.ipynb"),
                              "--parameters", json.dumps({"x": n})], stderr=subprocess.PIPE, text=True)
            for n in range(3)]
    assert all(run.wait() == 0 for run in runs), [run.stderr.read() for run in runs]
    lines = ["".join(nbformat.read(tmp_path / f"out{n}.ipynb", as_version=4).cells[-1].outputs[0]["text"]).split()
             for n in range(3)]
    assert [line[0] for line in lines] == ["ipc"] * 3 and [line[2] for line in lines] == ["0", "1", "2"]
    folders = [Path(line[1]).parent for line in lines]
    assert len(set(folders)) == 3 and not any(folder.exists() for folder in folders)


# --- workflow -----------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_lint_is_clean():
    done = snakemake("--lint")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Congratulations" in done.stdout + done.stderr


def run_test_config(workdir, *targets):
    """Run config/test.yaml offline as docs/pipeline.md says, from ``workdir`` (standing in for a checkout): it
    runs in its own scratch folder, workdir/scratch/test, copying paper_v1 from the committed folder (so its tables
    can be compared with the committed ones). Returns the arguments, the environment and the scratch folder."""
    configs = [str(CONFIG), str(TEST_CONFIG)]
    env = {**os.environ, "GREENLLM_RAW_DIR": str(workdir / "raw")}
    args = ["--configfile", *configs, "--config", "network=offline"]
    done = snakemake("--cores", "2", *targets, *args, cwd=workdir, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    return args, env, workdir / yaml.safe_load(TEST_CONFIG.read_text())["scratch_dir"]


def test_the_test_configuration_writes_into_its_scratch_folder_only(tmp_path):
    """The documented small run once replaced the committed figures and tables with 2-point versions."""
    scratch = yaml.safe_load(TEST_CONFIG.read_text())["scratch_dir"]
    assert scratch and Path(scratch).parts[0] not in ("figures", "tables", "data", "results")
    _, _, folder = run_test_config(tmp_path, "results/paper_v1/build_status.json")
    assert folder == tmp_path / "scratch" / "test"
    status = json.loads((folder / "results" / "paper_v1" / "build_status.json").read_text())
    assert status["built"] and str(REPO / "data" / "processed" / "paper_v1") in status["reason"]
    assert (folder / "data" / "processed" / "paper_v1" / "demand.csv").exists()
    written = {p.name for p in tmp_path.iterdir()} - {"raw", ".snakemake"}
    assert written == {"scratch"}, written


def test_a_scratch_folder_inside_the_committed_outputs_is_refused():
    from snakemake.exceptions import WorkflowError

    config = {**load_config(), "scratch_dir": "figures/test"}
    with pytest.raises(WorkflowError, match="scratch_dir"):
        validate(config, str(SCHEMA))


def check_every_figure_has_its_numbers(workdir):
    figures = sorted((workdir / "figures" / "paper_v1").glob("*.png"))
    expected = {"inputs_dc_hour", "inputs_demand", "base_case_costs", "sweep_renewable",
                "sweep_energy_per_token_delay_levels", "hourly_emissions_renewable", "tolerance_tradeoff",
                "water_per_scheme", "water_budget", "latency_distribution", "pareto_energy_carbon",
                "formulations", "formulations_latency", "hardware_mix"}
    assert {png.stem for png in figures} == expected  # one per experiment and sweep field of config/test.yaml
    for png in figures:
        assert png.with_suffix(".csv").exists(), f"{png.name} has no CSV of its numbers"
    executed = sorted((workdir / "results" / "notebooks" / "paper_v1").glob("*.ipynb"))
    assert len(executed) == 13
    book = nbformat.read(executed[0], as_version=4)
    assert any(c.get("outputs") for c in book.cells if c.cell_type == "code")
    # the experiments of docs/per_query.md: the year on its own (3-day) scenario, the scaling benchmark
    extra = {"europe_2018_year": {"year_monthly", "year_forecast_cost"}, "scaling": {"scaling"}}
    for folder, stems in extra.items():
        assert {png.stem for png in (workdir / "figures" / folder).glob("*.png")} == stems, folder
        assert all((workdir / "figures" / folder / f"{stem}.csv").exists() for stem in stems)
        assert len(list((workdir / "results" / "notebooks" / folder).glob("*.ipynb"))) == 1
    summary = pd.read_csv(workdir / "tables" / "europe_2018_year" / "year_forecast_summary.csv")
    assert summary["mode"].tolist() == ["perfect", "persistence"] and (summary["days"] == 3).all()
    assert (summary["days_breaking_a_limit"] == 0).all()  # re-dispatch: no number from a plan that breaks a limit
    scaling = pd.read_csv(workdir / "tables" / "scaling" / "scaling.csv")
    assert sorted(map(tuple, scaling[["formulation", "n"]].values.tolist())) == [
        ("paper", 5), ("paper", 10), ("per_query", 5), ("per_query", 10)]


def check_tables_equal_the_committed_ones(workdir):
    """Only on quantities every optimal solution shares (tests/checks.py): e.g. M1's delay cost is not unique."""
    for stem in COMPARED_TABLES:
        got = pd.read_csv(workdir / "tables" / "paper_v1" / f"{stem}.csv")
        committed = pd.read_csv(REPO / "tables" / "paper_v1" / f"{stem}.csv")
        assert_unique_quantities_equal(stem, got, committed)


@pytest.mark.slow
def test_test_config_runs_end_to_end_and_reproduces_the_committed_tables(tmp_path):
    """One test (not a module fixture), so that pytest-xdist never runs the pipeline twice."""
    args, env, scratch = run_test_config(tmp_path)
    check_every_figure_has_its_numbers(scratch)
    check_tables_equal_the_committed_ones(scratch)
    assert not (tmp_path / "figures").exists() and not (tmp_path / "tables").exists()
    done = snakemake("-n", *args, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "Nothing to be done" in done.stdout + done.stderr


def _pipeline(job, *args, cwd):
    """`greenllm pipeline JOB ...` with this checkout's src/ first on the import path."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run([sys.executable, "-m", "greenllm", "pipeline", job, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=env)


def test_a_scenario_that_cannot_be_built_is_skipped_with_one_line(tmp_path):
    done = _pipeline("build", "no_such_region", "--out", "data/processed/no_such_region",
                   "--status", "status.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1 and done.stdout.startswith("skipped no_such_region: ")
    status = json.loads((tmp_path / "status.json").read_text())
    assert status["built"] is False and "no_such_region" in status["reason"]
    assert not (tmp_path / "data" / "processed" / "no_such_region").exists()  # nothing built, nothing made


def test_a_required_scenario_that_cannot_be_built_fails(tmp_path):
    done = _pipeline("build", "no_such_region", "--out", "data/processed/no_such_region",
                   "--status", "status.json", "--required", cwd=tmp_path)
    assert done.returncode == 2
    assert not (tmp_path / "status.json").exists()


def test_retrieve_is_skipped_offline_without_touching_the_network(tmp_path):
    done = _pipeline("retrieve", "paper_v1", "--status", "r.json", "--network", "offline",
                   "--commands", json.dumps([["electricitymaps", "--zone", "US-NY-NYIS", "--year", "2024"]]),
                   cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.startswith("retrieve paper_v1: skipped, offline")
    status = json.loads((tmp_path / "r.json").read_text())
    assert status["online"] is False and status["retrieved"] is False
    assert not (tmp_path / "data").exists()


def test_a_stand_in_build_is_skipped_when_the_config_says_so(tmp_path):
    """paper_v1 offline without its zone files builds on a stand-in intensity: skipped, so figures stay real."""
    env_raw = tmp_path / "raw"
    done = subprocess.run(
        [sys.executable, "-m", "greenllm", "pipeline", "build", "paper_v1", "--out", "data/processed/paper_v1",
         "--status", "status.json", "--skip-stand-in"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={**os.environ, "GREENLLM_RAW_DIR": str(env_raw), "PYTHONPATH": str(REPO / "src")})
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1 and done.stdout.startswith("skipped paper_v1: only stand-ins")
    line = done.stdout.strip()
    assert len(line) < 250 and line.count("paper_v1") == 2, line  # "skipped paper_v1" and the config key to allow
    assert "dc_hour.carbon_kg_per_kwh (Electricity Maps" in line and "data/raw/README.md" in line
    status = json.loads((tmp_path / "status.json").read_text())
    assert status["built"] is False and status["stand_in"] is True
    assert status["stand_in_series"] == ["dc_hour.carbon_kg_per_kwh"]
    assert "US-NW-NEVP" in status["detail"] and "US-NW-NEVP" in done.stderr  # the builder's whole warning is kept
    assert not (tmp_path / "data" / "processed" / "paper_v1").exists()  # the stand-in build is not installed


def test_a_status_reason_does_not_repeat_the_scenario_name():
    """The end-of-run note prints "note: NAME: REASON"; the builder's lines start with its own name."""
    plain = build_job.plain_reason
    names = ("europe_2018_year", "europe_2018")
    assert plain("warning: europe_2018: built with flagged stand-ins (see provenance.json):", names) == (
        "built with flagged stand-ins (see provenance.json)")
    assert plain("error: europe_2018_year: no data", names) == "no data"
    assert plain("error: unknown scenario 'x'; known scenarios: a, b", ("x", "")) == (
        "unknown scenario 'x'; known scenarios: a, b")


def test_a_variant_is_built_by_its_builder_with_its_options(monkeypatch, tmp_path):
    """scenarios.NAME.builder/options become `greenllm data build BUILDER --as NAME --option KEY=VALUE`."""
    module = build_job
    calls = []
    monkeypatch.setattr(module.subprocess, "run", lambda cmd, **kw: calls.append(cmd) or subprocess.CompletedProcess(
        cmd, 0, "", ""))
    module.run_build("europe_2018_year", tmp_path, offline=True, builder="europe_2018",
                     options=["day=2018-01-01", "days=365"])
    module.run_build("paper_v1", tmp_path, offline=False)
    assert calls[0][3:] == ["data", "build", "europe_2018", "--out-dir", str(tmp_path), "--as", "europe_2018_year",
                            "--option", "day=2018-01-01", "--option", "days=365", "--offline"]
    assert calls[1][3:] == ["data", "build", "paper_v1", "--out-dir", str(tmp_path)]
