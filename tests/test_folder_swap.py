"""A scenario folder is swapped so that a complete folder exists at every instant; builds of one folder take turns.

Before: `write_scenario` (and the pipeline build's install step) swapped with two renames, so a SIGKILL between them
left no folder at all, only hidden `.NAME.old.*` / `.NAME.*` debris; a killed build's staging folder was never
removed; two builds of one folder racing at the swap crashed with "Directory not empty". Each kill here is real: a
child process replaces one step of the swap by a SIGKILL of itself.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from greenllm.folders import build_lock
from greenllm.inputs import load_scenario, write_scenario
from tests.test_tiny_instance import tiny_tables

REPO = Path(__file__).resolve().parents[1]

WRITE = """
import os, signal, sys
from pathlib import Path
import greenllm.folders as folders
from greenllm.inputs import write_scenario
from tests.test_tiny_instance import tiny_tables

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

{patch}
write_scenario(Path(sys.argv[1]), *tiny_tables(water_budget_l=float(sys.argv[2])))
"""


def _write_in_child(folder, budget_l, patch=""):
    code = WRITE.format(patch=textwrap.dedent(patch))
    return subprocess.run([sys.executable, "-c", code, str(folder), str(budget_l)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def _budget(folder):
    return json.loads((folder / "scalars.json").read_text())["water_budget_l"]


def _hidden(parent):
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def test_a_kill_right_after_the_swap_leaves_the_new_complete_folder(tmp_path):
    folder = write_scenario(tmp_path / "mine", *tiny_tables(water_budget_l=10.0))
    done = _write_in_child(folder, 20.0, "folders.shutil.rmtree = die  # killed before the old folder is removed")
    assert done.returncode == -signal.SIGKILL
    assert _budget(folder) == 20.0 and load_scenario(folder).water_budget_l == 20.0
    assert _hidden(tmp_path)  # the old folder and the lock file, left by the kill ...
    write_scenario(folder, *tiny_tables(water_budget_l=30.0))
    assert _hidden(tmp_path) == []  # ... are cleaned by the next build
    assert _budget(folder) == 30.0


def test_a_kill_between_the_two_renames_of_the_fallback_is_undone_by_the_next_build(tmp_path):
    folder = write_scenario(tmp_path / "mine", *tiny_tables(water_budget_l=10.0))
    patch = """
        folders._exchange = lambda a, b: False  # a file system without an atomic exchange
        os.rename = die  # the second rename: the old folder is already aside
    """
    done = _write_in_child(folder, 20.0, patch)
    assert done.returncode == -signal.SIGKILL
    assert not folder.exists()  # the window the fallback cannot close ...
    with build_lock(folder):  # ... and the next build's first step
        assert _budget(folder) == 10.0  # the old complete folder is back in place
        assert _hidden(tmp_path) == [".mine.lock"]  # and the debris gone
    load_scenario(folder)


def test_a_build_killed_while_staging_leaves_no_staging_folder_after_the_next_build(tmp_path):
    folder = write_scenario(tmp_path / "mine", *tiny_tables(water_budget_l=10.0))
    done = _write_in_child(folder, 20.0, "import greenllm.inputs; greenllm.inputs.load_scenario = die")
    assert done.returncode == -signal.SIGKILL
    assert _budget(folder) == 10.0  # untouched
    assert any(".staging." in name for name in _hidden(tmp_path))
    write_scenario(folder, *tiny_tables(water_budget_l=30.0))
    assert _hidden(tmp_path) == []


def test_builds_of_one_folder_racing_take_turns_and_leave_no_debris(tmp_path):
    folder = write_scenario(tmp_path / "mine", *tiny_tables(water_budget_l=1.0))
    loop = textwrap.dedent("""
        import sys
        from pathlib import Path
        from greenllm.inputs import write_scenario
        from tests.test_tiny_instance import tiny_tables
        for _ in range(6):
            write_scenario(Path(sys.argv[1]), *tiny_tables(water_budget_l=float(sys.argv[2])))
    """)
    racers = [subprocess.Popen([sys.executable, "-c", loop, str(folder), str(budget)], stderr=subprocess.PIPE,
                               text=True, cwd=REPO) for budget in (10.0, 20.0, 30.0)]
    errors = [proc.communicate(timeout=300)[1] for proc in racers]
    assert [proc.returncode for proc in racers] == [0, 0, 0], errors
    assert _budget(folder) in (10.0, 20.0, 30.0)
    load_scenario(folder)
    assert _hidden(tmp_path) == []


@pytest.mark.parametrize("racers", [2])
def test_two_pipeline_builds_of_one_folder_racing_both_succeed(tmp_path, racers):
    source = write_scenario(tmp_path / "source" / "mine", *tiny_tables(water_budget_l=10.0))
    out = tmp_path / "processed" / "mine"
    cmd = [sys.executable, "-m", "greenllm", "pipeline", "build", "mine", "--out", str(out), "--source", str(source)]
    procs = [subprocess.Popen([*cmd, "--status", str(tmp_path / f"status{n}.json")], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for n in range(racers)]
    outputs = [proc.communicate(timeout=300)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * racers, outputs
    folders = sorted(json.loads((tmp_path / f"status{n}.json").read_text())["folder"] for n in range(racers))
    assert folders == ["installed", "unchanged"]  # one installed it, the other found it done
    assert _budget(out) == 10.0
    assert _hidden(out.parent) == []
