"""A full disk is one message (exit code 2), never a damaged previous file, never a `*.tmp` left behind.

Before: `data build` onto a full disk gave an OSError traceback, `year window --out` left `*.tmp`, `experiment run
--tables` left an empty CSV and `year aggregate --days-csv` wrote straight onto its previous output, truncating it
mid-row. Now every file writer goes through one atomic writer (greenllm.outputs.atomic_write_bytes).

Two ways to fill a disk: a real tmpfs of a few hundred kB (needs root to mount; skipped otherwise), and, anywhere, an
`os.write` that fails with ENOSPC for greenllm's temporary files.
"""

import errno
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from greenllm.cli import main
from greenllm.errors import OutputError
from greenllm.experiments.records import write_records, write_table
from greenllm.inputs import write_scenario
from greenllm.synthetic import write_random_scenario
from tests.test_tiny_instance import tiny_tables

SRC = Path(__file__).resolve().parents[1] / "src" / "greenllm"

WRITES = re.compile(r"\.to_csv\((?!index)|\.write_text\(|\.write_bytes\(|open\([^)]*[\"'][wax]b?\+?[\"']|json\.dump\("
                    r"|np\.savez?\(|\.savefig\((?!buffer)|\.to_parquet\(|\.to_json\(")

ALLOWED = {
    "outputs.py": "the atomic writer itself (savefig into a buffer)",
    "inputs.py": "write_scenario's files inside its staging folder, which is swapped in whole (greenllm.folders)",
    "folders.py": "the build lock file",
    "pipeline/run_job.py": "the pipeline lock file",
    "data/cache.py": "a download streamed to a .part file, renamed when complete and removed on failure",
    "scenario_cache.py": "the binary cache (atomic; a failure only logs, the folder is read instead)",
}


def test_every_file_writer_goes_through_the_atomic_writer():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        name = path.relative_to(SRC).as_posix()
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if WRITES.search(line) and name not in ALLOWED:
                found.append(f"{name}:{number}: {line.strip()}")
    assert found == [], "write through greenllm.outputs (atomic_write_bytes, write_json, write_frame):\n" + "\n".join(
        found)


def fill_disk_for_temporary_files(monkeypatch) -> None:
    """From now on, os.write of any greenllm temporary file (``.NAME.XXXX.tmp``) fails as on a full disk."""
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to tell greenllm's temporary files apart")
    real_write = os.write

    def write(fd, data):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            target = ""
        if target.endswith(".tmp"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)


@pytest.fixture
def full_disk(monkeypatch):
    fill_disk_for_temporary_files(monkeypatch)


@pytest.fixture(scope="module")
def three_days(tmp_path_factory):
    return write_random_scenario(tmp_path_factory.mktemp("disk") / "three_days", n_areas=2, n_dcs=2, n_types=1,
                                 n_hours=72, seed=3)


def _debris(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith((".tmp", ".part")) or ".staging" in p.name)


def test_year_window_on_a_full_disk_keeps_the_previous_record_and_leaves_no_tmp(three_days, tmp_path, full_disk,
                                                                                 capsys):
    out = tmp_path / "day1.json"
    out.write_text('{"records": []}\n')
    code = main(["year", "window", str(three_days), "--day", "1", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().splitlines()[-1] == (f"error: {out}: cannot write (No space left on device); the previous file"
                                            " is unchanged")
    assert "Traceback" not in err
    assert out.read_text() == '{"records": []}\n'
    assert _debris(tmp_path) == []


def test_year_aggregate_on_a_full_disk_does_not_truncate_its_previous_output(three_days, tmp_path, capsys,
                                                                              monkeypatch):
    record = tmp_path / "day1.json"
    assert main(["year", "window", str(three_days), "--day", "1", "--out", str(record)]) == 0
    days_csv = tmp_path / "days.csv"
    days_csv.write_text("day,mode,status,total_usd\n0,perfect,optimal,1.25\n")  # a previous run's output
    before = days_csv.read_bytes()
    fill_disk_for_temporary_files(monkeypatch)
    code = main(["year", "aggregate", str(record), "--days-csv", str(days_csv)])
    assert code == 2 and "cannot write (No space left on device)" in capsys.readouterr().err
    assert days_csv.read_bytes() == before
    assert _debris(tmp_path) == []


def test_a_side_table_and_records_on_a_full_disk_keep_their_previous_files(tmp_path, full_disk):
    table, records = tmp_path / "hourly.csv", tmp_path / "0.json"
    table.write_text("scheme,hour\nM0,0\n")
    records.write_text('{"records": []}\n')
    with pytest.raises(OutputError, match="No space left on device"):
        write_table(table, pd.DataFrame({"scheme": ["M1"], "hour": [1]}))
    with pytest.raises(OutputError, match="No space left on device"):
        write_records(records, [{"name": "M1"}])
    assert table.read_text() == "scheme,hour\nM0,0\n" and records.read_text() == '{"records": []}\n'
    assert _debris(tmp_path) == []


# ---- a real full file system ----------------------------------------------------------------------------------------

@pytest.fixture
def tiny_tmpfs(tmp_path):
    """A 400 kB tmpfs at tmp_path/full (needs root and the mount command)."""
    mount = tmp_path / "full"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root (the in-process ENOSPC tests cover the same writers)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> None:
    """Write zeros into ``folder/filler`` until the file system is full."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as err:
        assert err.errno == errno.ENOSPC
    finally:
        os.close(fd)


def test_a_real_full_disk_keeps_a_scenario_folder_and_an_aggregate_whole(tiny_tmpfs, tmp_path, three_days):
    folder = write_scenario(tiny_tmpfs / "mine", *tiny_tables(water_budget_l=10.0))
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    days_csv = tiny_tmpfs / "days.csv"
    record = tmp_path / "day.json"
    assert main(["year", "window", str(three_days), "--day", "1", "--out", str(record)]) == 0
    days_csv.write_text("day,mode,status,total_usd\n0,perfect,optimal,1.25\n")
    _fill(tiny_tmpfs)

    with pytest.raises(OutputError, match=r"mine: cannot write the scenario folder \(No space left on device\)"):
        write_scenario(folder, *tiny_tables(water_budget_l=20.0))
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before

    done = subprocess.run([sys.executable, "-m", "greenllm", "year", "aggregate", str(record), "--days-csv",
                           str(days_csv)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (f"error: {days_csv}: cannot write (No space left on device); the previous file is"
                                   " unchanged")
    assert days_csv.read_text() == "day,mode,status,total_usd\n0,perfect,optimal,1.25\n"

    done = subprocess.run([sys.executable, "-m", "greenllm", "data", "build", "paper_v1", "--offline", "--raw-dir",
                           str(tmp_path / "raw"), "--out-dir", str(tiny_tmpfs), "--as", "mine"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines()[-1] == (f"error: {folder}: cannot write the scenario folder (No space left"
                                                    " on device); the existing folder is unchanged")
    assert "Traceback" not in done.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in tiny_tmpfs.iterdir()) == ["days.csv", "filler", "mine"]
