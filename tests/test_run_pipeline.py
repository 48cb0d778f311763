"""`make all` (`greenllm pipeline run`) resumes after a SIGKILL with no manual step, and two runs started
at once in one folder do not overlap.

A plain `snakemake` after a SIGKILL mid-job fails with IncompleteFilesException, then LockException, and resumes
only after `--unlock --rerun-incomplete`. The workflow here is a two-rule Snakefile whose first job writes half its
output, then sleeps until it is killed.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RUN = [sys.executable, "-m", "greenllm", "pipeline", "run"]
TIMEOUT_S = 120

SNAKEFILE = """
rule all:
    input: "done.txt"

rule slow:
    output: "slow.txt"
    shell: "echo half > {output}; touch started; while [ ! -e go ]; do sleep 0.2; done; echo whole >> {output}"

rule finish:
    input: "slow.txt"
    output: "done.txt"
    shell: "cat {input} > {output}; echo run >> runs.log"
"""


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "Snakefile").write_text(SNAKEFILE)
    return tmp_path


def _start(workdir, *extra):
    return subprocess.Popen([*RUN, "--cores", "1", *extra], cwd=workdir, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _wait_for(path: Path, proc=None):
    deadline = time.monotonic() + TIMEOUT_S
    while not path.exists():
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the run ended before {path.name} appeared:\n{proc.stdout.read()}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {path}")
        time.sleep(0.1)


def _finish(proc):
    try:
        output, _ = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("the run did not finish")
    return proc.returncode, output


def test_a_run_killed_mid_job_resumes_with_a_plain_rerun(workdir):
    first = _start(workdir)
    _wait_for(workdir / "started", first)
    os.killpg(first.pid, signal.SIGKILL)  # the whole run: snakemake and its job, as an OOM killer or a power cut
    first.wait(timeout=TIMEOUT_S)
    assert (workdir / "slow.txt").read_text() == "half\n"  # a half-written output
    assert any((workdir / ".snakemake" / "locks").iterdir())  # and Snakemake's lock, left behind

    (workdir / "started").unlink()
    (workdir / "go").touch()
    code, output = _finish(_start(workdir))
    assert code == 0, output
    assert (workdir / "done.txt").read_text() == "half\nwhole\n"  # the incomplete job ran again, from scratch
    assert "clearing the Snakemake lock left by an interrupted run" in output


@pytest.mark.parametrize("extra", [
    ("--config", "note=offline", "--", "slow.txt"),  # a config value, then a target after `--`
    ("--configfile", "more.yaml", "--", "slow.txt"),
    ("slow.txt", "--config", "note=offline"),
], ids=["config-then-target", "configfile-then-target", "target-then-config"])
def test_a_run_with_targets_and_config_killed_mid_job_resumes_with_the_same_command(workdir, extra):
    (workdir / "more.yaml").write_text("note: offline\n")
    first = _start(workdir, *extra)
    _wait_for(workdir / "started", first)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=TIMEOUT_S)
    assert any((workdir / ".snakemake" / "locks").iterdir())

    (workdir / "started").unlink()
    (workdir / "go").touch()
    code, output = _finish(_start(workdir, *extra))
    assert code == 0, output  # was: exit 1, "Unparsable value: 'slow.txt'" from the unlock with `--` removed
    assert "clearing the Snakemake lock left by an interrupted run" in output
    assert (workdir / "slow.txt").read_text() == "half\nwhole\n"  # the target, rerun from scratch
    assert not (workdir / "done.txt").exists()  # and only the target


def test_a_second_run_started_at_once_waits_and_nothing_runs_twice(workdir):
    first = _start(workdir)
    _wait_for(workdir / "started", first)
    second = _start(workdir)
    time.sleep(2)  # let the second run reach the lock
    assert second.poll() is None  # it waits ...
    (workdir / "go").touch()
    code1, out1 = _finish(first)
    code2, out2 = _finish(second)
    assert (code1, code2) == (0, 0), out1 + out2
    assert "another `make all` is running" in out2  # ... and says so
    assert (workdir / "done.txt").read_text() == "half\nwhole\n"
    assert (workdir / "runs.log").read_text() == "run\n"  # the work was done once


def test_a_snakemake_started_by_hand_is_not_unlocked_from_under_it(workdir):
    by_hand = subprocess.Popen([sys.executable, "-m", "snakemake", "--cores", "1"], cwd=workdir,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        _wait_for(workdir / "started", by_hand)
        code, output = _finish(_start(workdir))
        assert code == 1
        assert "is already running in" in output
        assert by_hand.poll() is None and (workdir / "slow.txt").read_text() == "half\n"  # untouched
    finally:
        (workdir / "go").touch()
        _finish(by_hand)
    assert (workdir / "done.txt").read_text() == "half\nwhole\n"
