"""The SLURM profile on a real one-node SLURM cluster (Debian packages slurm-wlm and munge, SLURM 22.05).

The test installs the packages when they are missing (apt-get; CI runs as root with the Debian package index
reachable), writes a minimal slurm.conf (one node = this host, no accounting database, so job status comes from
`squeue` and MinJobAge keeps finished jobs visible), starts munged, slurmctld and slurmd in the foreground, and runs
the base-case table of paper_v1 through `snakemake --profile profiles/slurm` in a scratch folder. The table must
agree with the committed tables/paper_v1/base_case.csv on its unique quantities (M0 and M3 totals, M1 energy, M2
carbon, the lexicographic last-stage delay); every job must really have been a SLURM job. The daemons are stopped
afterwards (also on failure); every wait has a timeout. Only one such cluster runs on a host at a time (flock).

Because it changes the system, it runs only when GREENLLM_TEST_SLURM=1 (.ci/run sets it); otherwise it skips
saying what it would install.
"""

import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.checks import assert_unique_quantities_equal

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ["slurm-wlm", "munge"]
DAEMONS = ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo"]
LOCK = Path("/tmp/greenllm-slurm-test.lock")
SYSTEM_CONF = Path("/etc/slurm/slurm.conf")
"""Where SLURM commands look without SLURM_CONF. snakemake-executor-plugin-slurm-jobstep 0.6.1 removes every SLURM_*
variable but the job's identity before its inner `srun`, SLURM_CONF included, so the test cluster's file must be
here (the test writes it only when there is none, and removes it afterwards)."""
OURS = "# greenllm test cluster"
OPT_IN = "GREENLLM_TEST_SLURM"
WHAT_IT_DOES = (f"apt-get installs {' and '.join(PACKAGES)}, writes {SYSTEM_CONF} and starts munged, slurmctld and "
                "slurmd as root")
INSTALL_TIMEOUT_S = 600
START_TIMEOUT_S = 60
PIPELINE_TIMEOUT_S = 600

SLURM_CONF = """\
# greenllm test cluster
# A one-node SLURM for tests: this host is controller and compute node; no accounting database (slurmdbd), so
# `sacct` cannot answer and job status comes from `squeue`, which keeps finished jobs for MinJobAge seconds.
ClusterName=greenllmtest
SlurmctldHost={host}({addr})
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName={host} NodeAddr={addr} CPUs={cpus} RealMemory={memory_mb} State=UNKNOWN
PartitionName=test Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""


def _run(cmd, timeout, **kwargs):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kwargs)


def _install_packages() -> None:
    """Install slurm-wlm and munge with apt-get when a daemon or client is missing (root only)."""
    if all(shutil.which(name) or Path("/usr/sbin", name).exists() for name in DAEMONS):
        return
    if shutil.which("apt-get") is None:
        pytest.fail("slurm-wlm/munge are missing and apt-get is not available to install them")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-q"],
                ["apt-get", "install", "-y", "-q", "--no-install-recommends", *PACKAGES]):
        proc = _run(cmd, INSTALL_TIMEOUT_S, env=env)
        if proc.returncode != 0:
            pytest.fail(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _memory_mb() -> int:
    """90 % of this host's memory: slurmd drains a node whose RealMemory exceeds what it finds."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(int(line.split()[1]) / 1024 * 0.9)
    return 1000


def _wait_for(check, timeout_s: float, what: str, logs=()) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    tails = "\n".join(f"--- {p}:\n{Path(p).read_text()[-2000:]}" for p in logs if Path(p).exists())
    pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}\n{tails}")


def _stop(proc: subprocess.Popen) -> None:
    """Stop a daemon we started (by its own process id), escalating to SIGKILL."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


def _munge_works() -> bool:
    munge = subprocess.run(["munge", "-n"], capture_output=True, timeout=10)
    if munge.returncode != 0:
        return False
    return subprocess.run(["unmunge"], input=munge.stdout, capture_output=True, timeout=10).returncode == 0


def require_opt_in() -> None:
    """Skip unless the environment asks for the real cluster (it changes the system: WHAT_IT_DOES)."""
    if os.environ.get(OPT_IN) != "1":
        pytest.skip(f"real-SLURM test is opt-in: set {OPT_IN}=1 to run it (it {WHAT_IT_DOES})")


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory):
    require_opt_in()
    print(f"test_slurm: this test {WHAT_IT_DOES}", file=sys.__stderr__, flush=True)
    if not sys.platform.startswith("linux"):
        pytest.skip("a one-node SLURM needs Linux")
    if os.geteuid() != 0:
        pytest.skip("starting a one-node SLURM (apt-get install, munged, slurmctld, slurmd as root) needs root;"
                    " CI runs as root")
    LOCK.touch(exist_ok=True)
    with open(LOCK) as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one test cluster per host at a time (ports, munge socket)
        _install_packages()
        root = tmp_path_factory.mktemp("slurm")
        for sub in ("state", "spool"):
            (root / sub).mkdir()
        host = socket.gethostname().split(".")[0]
        if SYSTEM_CONF.exists() and not SYSTEM_CONF.read_text().startswith(OURS):
            pytest.skip(f"{SYSTEM_CONF} exists: this host belongs to a SLURM cluster; not starting a test cluster")
        conf = SYSTEM_CONF
        conf.parent.mkdir(parents=True, exist_ok=True)
        conf.write_text(SLURM_CONF.format(host=host, addr="127.0.0.1", root=root, cpus=os.cpu_count() or 1,
                                          memory_mb=_memory_mb(), ctld_port=_free_port(),
                                          slurmd_port=_free_port()))
        env = {**os.environ, "SLURM_CONF": str(conf)}
        started: list[subprocess.Popen] = []
        try:
            if not _munge_works():
                run_dir = Path("/run/munge")
                run_dir.mkdir(parents=True, exist_ok=True)
                shutil.chown(run_dir, "munge", "munge")
                started.append(subprocess.Popen(
                    ["runuser", "-u", "munge", "--", "munged", "--foreground", f"--log-file={root}/munged.log"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True))
                _wait_for(_munge_works, START_TIMEOUT_S, "munged", [root / "munged.log"])
            for daemon in ("slurmctld", "slurmd"):
                started.append(subprocess.Popen(
                    [daemon, "-D", "-f", str(conf)], env=env, stdout=open(root / f"{daemon}.out", "w"),
                    stderr=subprocess.STDOUT, start_new_session=True))

            def node_idle():
                proc = _run(["sinfo", "--noheader", "--format=%T"], 10, env=env)
                return proc.returncode == 0 and proc.stdout.strip() == "idle"

            _wait_for(node_idle, START_TIMEOUT_S, "the SLURM node to be idle",
                      [root / "slurmctld.log", root / "slurmd.log", root / "slurmctld.out", root / "slurmd.out"])
            yield {"env": env, "root": root}
        finally:
            for proc in reversed(started):
                _stop(proc)
            conf.unlink(missing_ok=True)


def test_base_case_and_a_serving_year_month_through_the_slurm_profile(slurm_cluster, paper_v1_dir, tmp_path):
    """The base case (compared with the committed table) and a month of the serving year (3 days of
    world_2024_year at a small fleet) run as real SLURM jobs through profiles/slurm: the same rules and jobs."""
    env = slurm_cluster["env"]
    work = tmp_path / "work"
    (work / "config").mkdir(parents=True)
    shutil.copy(REPO / "config" / "config.yaml", work / "config" / "config.yaml")
    for extra in (REPO / "config").iterdir():
        if extra.is_file() and extra.name != "config.yaml":
            shutil.copy(extra, work / "config" / extra.name)
    overrides = work / "test.yaml"
    overrides.write_text(json.dumps({
        "network": "offline",
        "scenarios": {"paper_v1": {"source": str(paper_v1_dir)},
                      "world_2024_year": {"options": {"day": "2024-01-01", "days": 3}}},
        "serving_year": {"schemes": ["min_emissions"], "modes": ["perfect"], "gap_days": [],
                         "fleet": {"queries_per_day": 1.0e8, "batch_limits": [8, 128, 512]}}}))
    target, year_target = "tables/paper_v1/base_case.csv", "results/world_2024_year/serving_year/0.json"
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(work),
           "--configfile", str(overrides), "--profile", str(REPO / "profiles" / "slurm"),
           # a cluster without an accounting database: no account, squeue for job status (MinJobAge=600)
           "--slurm-no-account", "--slurm-status-command", "squeue",
           "--slurm-init-seconds-before-status-checks", "2", "--seconds-between-status-checks", "2",
           "--latency-wait", "10", "--jobs", "4", "--retries", "0", target, year_target]
    proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=PIPELINE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate(timeout=30)
        pytest.fail(f"snakemake through the SLURM profile did not finish in {PIPELINE_TIMEOUT_S} s:\n"
                    f"{output[-4000:]}")
    finally:
        if proc.poll() is None:  # interrupted (Ctrl-C): snakemake runs in its own session, stop it too
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        with contextlib.suppress(Exception):  # nothing of ours may stay queued
            _run(["scancel", "--user", "root"], 30, env=env)
    assert proc.returncode == 0, output[-6000:]

    jobs = _run(["squeue", "--states=all", "--noheader", "--format=%j|%T"], 30, env=env).stdout.split()
    assert len(jobs) >= 3 and all(job.endswith("|COMPLETED") for job in jobs), jobs  # real SLURM jobs, all done

    assert_unique_quantities_equal("base_case", pd.read_csv(work / target), pd.read_csv(REPO / target))
    days = pd.read_csv(work / "results/world_2024_year/serving_year/0_tables/serving_days.csv")
    optimised = days[days["kind"] == "optimised"]
    assert sorted(days["day"].unique()) == [0, 1, 2] and len(optimised) == 3
    assert (optimised["status"] == "optimal").all() and optimised[["slo_met", "capacity_ok", "power_ok"]].all().all()


def test_the_cluster_is_opt_in_and_says_what_it_installs(monkeypatch):
    monkeypatch.delenv(OPT_IN, raising=False)
    with pytest.raises(pytest.skip.Exception, match="slurm-wlm and munge"):
        require_opt_in()
    monkeypatch.setenv(OPT_IN, "1")
    require_opt_in()  # no skip


def test_ci_opts_in():
    ci = (REPO / ".ci" / "run").read_text()
    assert f"export {OPT_IN}=1" in ci
