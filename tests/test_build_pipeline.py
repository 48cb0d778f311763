"""The pipeline's build jobs: what they read is what they depend on (raw files, options, the selected regions'
registry entries), and a folder that is already there (e.g. committed) is never replaced by a worse build."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from greenllm.pipeline.build_job import settle

REPO = Path(__file__).resolve().parents[1]
BUILD_JOB = [sys.executable, "-m", "greenllm", "pipeline", "build"]


def snakemake(workdir, *args, env):
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(workdir),
           "--configfile", str(REPO / "config" / "config.yaml"), str(workdir / "override.yaml"),
           "--config", "network=offline", *args]
    return subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=600, env=env)


def planned(done) -> dict[str, str]:
    """{job name: count} of a dry run's job table (empty when there is nothing to do)."""
    text = done.stdout + done.stderr
    assert done.returncode == 0, text[-4000:]
    if "Nothing to be done" in text:
        return {}
    table = text[text.index("Job stats:"):].splitlines()[3:]
    rows = [line.split() for line in table if line.strip() and not line.startswith("total")]
    return {row[0]: row[1] for row in rows if len(row) == 2 and row[1].isdigit()}


def build_reasons(done) -> dict[str, str]:
    """{scenario: the dry run's reason line} for every build job planned."""
    text = (done.stdout + done.stderr).splitlines()
    out = {}
    for n, line in enumerate(text):
        if "Build scenario " in line:
            name = line.split("Build scenario ")[1].split()[0]
            out[name] = next(t for t in text[n + 1:n + 4] if t.startswith("Reason:"))
    return out


@pytest.fixture(scope="module")
def workflow_dir(tmp_path_factory):
    """A working directory with two one-region europe_2018 variants reading a private copy of the registry, built
    once (offline); each test puts back what it changes."""
    tmp_path = tmp_path_factory.mktemp("workflow")
    registry = tmp_path / "regions.yaml"
    shutil.copy(REPO / "config" / "regions.yaml", registry)
    variant = {"builder": "europe_2018", "options": {"regions_path": str(registry), "day": "2018-03-24"}}
    scenarios = {
        "eu_frankfurt": {**variant, "options": {**variant["options"], "region_ids": ["europe-west3"]}},
        "eu_paris": {**variant, "options": {**variant["options"], "region_ids": ["europe-west9"]}},
    }
    (tmp_path / "override.yaml").write_text(yaml.safe_dump({"scenarios": scenarios}))
    env = {**os.environ, "GREENLLM_RAW_DIR": str(tmp_path / "raw"), "PYTHONPATH": str(REPO / "src")}
    targets = ["results/eu_frankfurt/build_status.json", "results/eu_paris/build_status.json"]
    done = snakemake(tmp_path, "--cores", "1", *targets, env=env)
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    return tmp_path, registry, env, targets


def test_a_region_edit_or_a_new_raw_file_rebuilds_exactly_the_scenarios_that_read_it(workflow_dir):
    workdir, registry, env, targets = workflow_dir
    assert planned(snakemake(workdir, "-n", *targets, env=env)) == {}

    # a region's entry in the registry: only the scenario that selects the region is rebuilt
    text = registry.read_text()
    frankfurt = text.index("- id: europe-west3")
    pue = text.index("pue: 1.10", frankfurt)
    registry.write_text(text[:pue] + "pue: 1.25" + text[pue + len("pue: 1.10"):])
    done = snakemake(workdir, "-n", *targets, env=env)
    assert planned(done).get("build_scenario") == "1"
    assert list(build_reasons(done)) == ["eu_frankfurt"]
    assert "params" in build_reasons(done)["eu_frankfurt"].lower()
    registry.write_text(text)
    assert planned(snakemake(workdir, "-n", *targets, env=env)) == {}

    # a raw file the scenario reads appears in the cache: only that scenario is rebuilt, no --forcerun
    weather = workdir / "raw" / "openmeteo" / "europe-west9_2018.json"
    weather.parent.mkdir(parents=True)
    weather.write_text("{}")
    done = snakemake(workdir, "-n", *targets, env=env)
    assert list(build_reasons(done)) == ["eu_paris"]
    assert "input" in build_reasons(done)["eu_paris"].lower()
    shutil.rmtree(weather.parent)


def test_an_option_change_rebuilds_the_scenario(workflow_dir):
    workdir, registry, env, targets = workflow_dir
    text = (workdir / "override.yaml").read_text()
    override = yaml.safe_load(text)
    override["scenarios"]["eu_paris"]["options"]["day"] = "2018-07-15"
    (workdir / "override.yaml").write_text(yaml.safe_dump(override))
    assert list(build_reasons(snakemake(workdir, "-n", *targets, env=env))) == ["eu_paris"]
    (workdir / "override.yaml").write_text(text)


def test_a_skipped_scenario_is_built_once_its_raw_files_are_placed(real_fixtures, tmp_path):
    """paper_v1 (stand_in: skip) is skipped offline with an empty cache; after priming, the next run builds it."""
    (tmp_path / "override.yaml").write_text(yaml.safe_dump({"scenarios": {"paper_v1": {"stand_in": "skip"}}}))
    env = {**os.environ, "GREENLLM_RAW_DIR": str(tmp_path / "raw"), "PYTHONPATH": str(REPO / "src")}
    target = "results/paper_v1/build_status.json"
    done = snakemake(tmp_path, "--cores", "1", target, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    status = json.loads((tmp_path / target).read_text())
    assert status["built"] is False and status["folder"] == "skipped"
    assert not (tmp_path / "data" / "processed" / "paper_v1").exists()

    (tmp_path / "raw" / "electricitymaps").mkdir(parents=True)
    for path in (real_fixtures / "green_llm" / "Carbon").glob("*_2024_hourly.csv"):
        shutil.copy(path, tmp_path / "raw" / "electricitymaps")
    done = snakemake(tmp_path, "--cores", "1", target, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    status = json.loads((tmp_path / target).read_text())
    assert status["built"] is True and status["stand_in"] is False and status["folder"] == "installed"
    assert "skipped paper_v1" not in done.stdout + done.stderr  # no stale skip line
    assert (tmp_path / "data" / "processed" / "paper_v1" / "dc_hour.csv").is_file()


# --- the build job: a folder that is there is kept unless the new build is as real -----------------------------


def run_build_job(scenario, cwd, raw, *args):
    env = {**os.environ, "GREENLLM_RAW_DIR": str(raw), "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run([*BUILD_JOB, scenario, "--out", f"data/processed/{scenario}",
                           "--status", "status.json", *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return done, json.loads((cwd / "status.json").read_text())


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_offline_with_an_empty_cache_a_committed_folder_is_kept_as_it_is(paper_v1_dir, tmp_path):
    committed = tmp_path / "data" / "processed" / "paper_v1"
    shutil.copytree(paper_v1_dir, committed)
    before = snapshot(committed)
    done, status = run_build_job("paper_v1", tmp_path, tmp_path / "empty_raw", "--skip-stand-in")
    assert snapshot(committed) == before  # not emptied, not replaced by the stand-in build
    assert status["built"] is True and status["folder"] == "kept" and status["stand_in"] is False
    assert done.stdout.startswith("paper_v1: kept data/processed/paper_v1 as it is")
    assert not list((tmp_path / "data" / "processed").glob(".*"))  # no staging folder left behind


def test_a_failed_build_keeps_the_folder_and_a_missing_one_is_skipped(tmp_path):
    """us_2024 offline with an empty cache fails (exit 2): an existing folder stays, without one it is skipped."""
    done, status = run_build_job("us_2024", tmp_path, tmp_path / "raw")
    assert status["built"] is False and status["folder"] == "skipped"
    assert done.stdout.startswith("skipped us_2024: ")
    assert not (tmp_path / "data" / "processed" / "us_2024").exists()

    folder = tmp_path / "data" / "processed" / "us_2024"
    folder.mkdir(parents=True)
    (folder / "scalars.json").write_text("{}\n")
    (folder / "provenance.json").write_text(json.dumps({"stand_in": False, "series": {}}))
    done, status = run_build_job("us_2024", tmp_path, tmp_path / "raw")
    assert status["built"] is True and status["folder"] == "kept"
    assert sorted(p.name for p in folder.iterdir()) == ["provenance.json", "scalars.json"]


def test_with_the_raw_data_the_folder_is_rebuilt_and_an_identical_build_leaves_it_untouched(real_fixtures,
                                                                                             tmp_path):
    raw = tmp_path / "raw"
    (raw / "electricitymaps").mkdir(parents=True)
    for path in (real_fixtures / "green_llm" / "Carbon").glob("*_2024_hourly.csv"):
        shutil.copy(path, raw / "electricitymaps")
    folder = tmp_path / "data" / "processed" / "paper_v1"
    folder.mkdir(parents=True)
    (folder / "scalars.json").write_text("{}\n")
    (folder / "README.md").write_text("hand-written\n")
    _, status = run_build_job("paper_v1", tmp_path, raw, "--skip-stand-in")
    assert status["folder"] == "rebuilt" and status["stand_in"] is False
    assert (folder / "README.md").read_text() == "hand-written\n"  # hand-written files are carried over
    assert (folder / "dc_hour.csv").is_file()
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    _, status = run_build_job("paper_v1", tmp_path, raw, "--skip-stand-in")
    assert status["folder"] == "unchanged"
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


def test_offline_the_pipeline_keeps_a_committed_folder_and_plans_all_its_figures(paper_v1_dir, tmp_path):
    """A fresh clone offline with an empty raw cache: the committed data/processed/paper_v1 (stand_in: skip, whose
    offline build has only a stand-in intensity) is kept byte for byte, and every figure of it is planned."""
    committed = tmp_path / "data" / "processed" / "paper_v1"
    shutil.copytree(paper_v1_dir, committed)
    before = snapshot(committed)
    small = yaml.safe_load((REPO / "config" / "test.yaml").read_text())
    del small["scenarios"]["paper_v1"]  # built as in config/config.yaml (test.yaml copies the committed folder)
    (tmp_path / "override.yaml").write_text(yaml.safe_dump(small))
    env = {**os.environ, "GREENLLM_RAW_DIR": str(tmp_path / "raw"), "PYTHONPATH": str(REPO / "src")}
    # the serving experiment of config/test.yaml runs on the committed world_2024 folder
    shutil.copytree(REPO / "data" / "processed" / "world_2024", tmp_path / "data" / "processed" / "world_2024")
    statuses = ["results/paper_v1/build_status.json", "results/europe_2018_year/build_status.json",
                "results/world_2024/build_status.json", "results/world_2024_year/build_status.json"]
    done = snakemake(tmp_path, "--cores", "1", *statuses, env=env)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert snapshot(committed) == before
    status = json.loads((tmp_path / statuses[0]).read_text())
    assert status["built"] is True and status["folder"] == "kept"
    done = snakemake(tmp_path, "-n", env=env)
    text = done.stdout + done.stderr
    assert done.returncode == 0, text[-3000:]
    for target in ("figures/paper_v1/base_case_costs.png", "tables/paper_v1/base_case.csv",
                   "figures/paper_v1/sweep_renewable.png", "figures/europe_2018_year/year_monthly.png"):
        assert target in text, target
    assert "skipped" not in text


def _folder(path: Path, stand_ins: list[str], data: str) -> Path:
    path.mkdir(parents=True)
    (path / "scalars.json").write_text("{}\n")
    (path / "dc_hour.csv").write_text(data)
    (path / "provenance.json").write_text(json.dumps({"stand_in": bool(stand_ins), "stand_ins": stand_ins}))
    return path


def test_a_build_replaces_a_folder_only_with_no_stand_in_the_folder_lacks(tmp_path):
    out = _folder(tmp_path / "out" / "s", ["site-a: weather"], "old\n")
    more = _folder(tmp_path / "more" / "s", ["site-a: weather", "site-b: weather"], "new\n")
    assert settle("s", more, out)["folder"] == "kept" and (out / "dc_hour.csv").read_text() == "old\n"
    same = _folder(tmp_path / "same" / "s", ["site-a: weather"], "new\n")
    assert settle("s", same, out)["folder"] == "rebuilt" and (out / "dc_hour.csv").read_text() == "new\n"
    real = _folder(tmp_path / "real" / "s", [], "real\n")
    status = settle("s", real, out)
    assert status["folder"] == "rebuilt" and status["stand_in"] is False
    worse = _folder(tmp_path / "worse" / "s", ["site-a: weather"], "worse\n")
    assert settle("s", worse, out)["folder"] == "kept" and (out / "dc_hour.csv").read_text() == "real\n"
