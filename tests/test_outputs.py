"""Committed outputs are byte-identical across reruns (greenllm.outputs), and written files follow the umask."""

import io
import os
import stat
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from greenllm import outputs, plots
from greenllm.data import cache
from greenllm.inputs import write_scenario
from tests.test_tiny_instance import tiny_tables

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def _frame(noise: float = 0.0) -> pd.DataFrame:
    return pd.DataFrame({"scheme": ["M0", "M3"], "total_usd": [392.0825457533 + noise, 392.9788081801],
                         "carbon_usd": [5.459978235937458, -0.0], "hours": [24, 24]})


def test_writing_the_same_frame_twice_gives_identical_bytes(tmp_path):
    a = outputs.write_csv(_frame(), tmp_path / "a.csv").read_bytes()
    b = outputs.write_csv(_frame(), tmp_path / "b.csv").read_bytes()
    assert a == b


def test_noise_in_the_15th_digit_does_not_change_the_file(tmp_path):
    clean = outputs.write_csv(_frame(), tmp_path / "clean.csv").read_bytes()
    noisy = outputs.write_csv(_frame(noise=3e-12), tmp_path / "noisy.csv").read_bytes()  # 392.08254575330xxx
    assert noisy == clean
    assert 392.0825457533 + 3e-12 != 392.0825457533  # the noise is really there in the float


def test_csv_has_ten_significant_digits_and_no_negative_zero(tmp_path):
    text = outputs.write_csv(_frame(), tmp_path / "t.csv").read_text()
    assert text.splitlines() == ["scheme,total_usd,carbon_usd,hours", "M0,392.0825458,5.459978236,24",
                                 "M3,392.9788082,0,24"]


def test_markdown_has_fixed_decimals_and_no_negative_zero(tmp_path):
    text = outputs.write_markdown(pd.DataFrame({"x": [1 / 3, -1e-9, np.nan]}), tmp_path / "t.md", 4).read_text()
    assert text.splitlines()[2:] == ["| 0.3333 |", "| 0.0000 |", "|  |"]


def _figure(y):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], y, label="M0")
    ax.set_xlabel("hour [h]")
    ax.legend()
    return fig


def test_a_figure_saved_twice_is_byte_identical_without_software_metadata(tmp_path):
    first, csv = plots.save(_figure([1.0, 2.0, 1.5]), pd.DataFrame({"y": [1.0, 2.0, 1.5]}), tmp_path / "f1.png")
    second, _ = plots.save(_figure([1.0, 2.0, 1.5]), pd.DataFrame({"y": [1.0, 2.0, 1.5]}), tmp_path / "f2.png")
    plt.close("all")
    assert first.read_bytes() == second.read_bytes()
    assert b"Software" not in first.read_bytes() and b"matplotlib" not in first.read_bytes().lower()
    assert csv.read_text() == "y\n1\n2\n1.5\n"


def test_save_table_writes_csv_and_markdown_through_the_writers(tmp_path):
    csv, md = plots.save_table(_frame(), tmp_path / "base_case.csv")
    assert csv.read_bytes() == outputs.csv_text(_frame()).encode()
    assert md.read_text() == outputs.markdown_text(_frame(), 4)


@pytest.fixture(params=[0o022, 0o002], ids=["umask022", "umask002"])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_scenario_folders_follow_the_umask(tmp_path, umask):
    folder = write_scenario(tmp_path / "tiny", *tiny_tables())
    assert _mode(folder) == 0o777 & ~umask
    assert {_mode(f) for f in folder.iterdir()} == {0o666 & ~umask}
    folder = write_scenario(tmp_path / "tiny", *tiny_tables())  # the replacing write too
    assert _mode(folder) == 0o777 & ~umask
    assert not [p.name for p in tmp_path.iterdir() if p.name != "tiny"]  # no staging or retired folder left


def test_raw_manifest_follows_the_umask(tmp_path, umask):
    raw = tmp_path / "raw"
    (raw / "src").mkdir(parents=True)
    (raw / "src" / "file.csv").write_text("a,b\n1,2\n")
    cache.register(raw / "src" / "file.csv", url="http://example.invalid/file.csv", source="test", licence="CC0",
                   raw_root=raw)
    manifest = next(p for p in raw.iterdir() if p.suffix == ".json")
    assert _mode(manifest) == 0o666 & ~umask


def test_written_outputs_follow_the_umask(tmp_path, umask):
    assert _mode(outputs.write_csv(_frame(), tmp_path / "t.csv")) == 0o666 & ~umask
    assert _mode(outputs.make_temp_dir(tmp_path, ".x.")) == 0o777 & ~umask


def test_round_off_of_a_zero_is_written_as_zero_relative_to_its_column():
    """A difference of two equal optima comes out as 2.2e-14 on one run and 0 on another: both must write "0"."""
    noisy = pd.DataFrame({"reduction_pct": [2.220446049250313e-14, 12.5, 55.0], "tiny": [1e-14, 2e-14, 3e-14]})
    clean = pd.DataFrame({"reduction_pct": [0.0, 12.5, 55.0], "tiny": [1e-14, 2e-14, 3e-14]})
    assert outputs.csv_text(noisy) == outputs.csv_text(clean)
    assert outputs.csv_text(noisy).splitlines()[1].split(",") == ["0", "1e-14"]  # a column of small values keeps them


def test_json_text_rounds_every_float_to_ten_significant_digits():
    value = {"budget_l": 36337.271064139415, "scale": {"chat": 7.588888888888889}, "days": 365, "name": "x",
             "list": [0.1 + 0.2, True]}
    assert outputs.rounded_floats(value) == {"budget_l": 36337.27106, "scale": {"chat": 7.588888889}, "days": 365,
                                             "name": "x", "list": [0.3, True]}
    assert outputs.json_text(value) == outputs.json_text(outputs.rounded_floats(value))
    assert outputs.json_text(value, rounded=False).count("7.588888888888889") == 1


PROCESSED = Path(__file__).resolve().parents[1] / "data" / "processed"


@pytest.mark.parametrize("name", ["europe_2018", "us_2024", "world_2024"])
def test_committed_scenario_folders_are_in_the_writers_format(name, monkeypatch):
    """A committed folder rewritten by the writer gives the same bytes: its floats have 10 significant digits and
    its built_utc is the reproducible one (no wall-clock time), so a rebuild on another machine changes nothing."""
    import json

    from greenllm.provenance import build_time_utc

    folder = PROCESSED / name
    for path in sorted(folder.glob("*.csv")):
        assert outputs.csv_text(pd.read_csv(path)) == path.read_text(), path.name
    scalars = (folder / "scalars.json").read_text()
    assert outputs.json_text(json.loads(scalars)) == scalars
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    provenance = json.loads((folder / "provenance.json").read_text())
    assert provenance["built_utc"] == build_time_utc(provenance)
    text = json.dumps(provenance)
    assert '"path": "/' not in text and "installation time" not in text  # nothing of the machine that built it


TIMING_WORDS = ("second", "solve_s", "build_s", "engine_s", "replicas_s", "cpu", "wall", "elapsed", "runtime")
"""Parts of the names the code gives solve and wall-clock times (records, benchmarks)."""


def test_committed_tables_hold_no_machine_timing():
    # a rerun on another machine must rewrite every table byte for byte, so no committed table (but the scale
    # benchmark's, which `make all` does not run) has a column of solve or wall-clock time
    repo = Path(__file__).resolve().parents[1]
    found = []
    for path in sorted([*repo.glob("tables/*/*.csv"), *repo.glob("figures/*/*.csv")]):
        if path.parent.name == "scaling":
            continue
        header = path.read_text().splitlines()[0].lower().split(",")
        found += [f"{path.relative_to(repo)}: {c}" for c in header if any(w in c for w in TIMING_WORDS)]
    assert not found, found


def test_noise_below_the_written_digits_does_not_move_a_pixel():
    # another CPU may give a solver result that differs in its last bit; a figure draws the numbers its CSV holds
    rng = np.random.default_rng(3)
    factors = [0.1, 0.4, 0.7, 1.0, 1.3]
    frame = pd.DataFrame([{"scheme": s, "label": s, "field": "carbon", "factor": f, "status": "optimal",
                           "total_usd": 390.0 + 5 * f + (s == "M1") * 1e-9, "emissions_kg": 40.0 + 300 * f}
                          for s in ("M0", "M1", "M2") for f in factors])
    noisy = frame.assign(total_usd=frame["total_usd"] * (1 + rng.choice([-1, 1], len(frame)) * 2.2e-16),
                         emissions_kg=frame["emissions_kg"] * (1 + rng.choice([-1, 1], len(frame)) * 4.4e-16))
    assert not noisy.equals(frame)
    pngs = []
    for data in (frame, noisy):
        fig, _ = plots.sweep(data, ["total_usd", "emissions_kg"], "carbon")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=outputs.FIGURE_DPI, metadata=outputs.FIGURE_METADATA)
        plt.close(fig)
        pngs.append(buffer.getvalue())
    assert pngs[0] == pngs[1]
    assert outputs.at_written_precision(noisy).equals(outputs.at_written_precision(frame))
