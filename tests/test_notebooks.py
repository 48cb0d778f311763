"""Notebooks run standalone never touch the committed figures/ and tables/, and show a banner when their scenario
was built with flagged stand-ins."""

import ast
import json
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from greenllm.notebook import header, header_text, stand_in_banner

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
NOTEBOOK_FILES = sorted(NOTEBOOKS.glob("*.ipynb"))
COMMITTED = (REPO / "figures", REPO / "tables")
PAPER_V1 = REPO / "data" / "processed" / "paper_v1"


def output_dirs(path):
    """The output folders (`figures_dir`, `tables_dir`) a notebook's `parameters` cell assigns, as written."""
    book = nbformat.read(path, as_version=4)
    (cell,) = [c for c in book.cells if "parameters" in c.metadata.get("tags", [])]
    return {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse(cell.source).body
            if isinstance(node, ast.Assign) and node.targets[0].id in ("figures_dir", "tables_dir")}


def committed_state():
    """Every file under figures/ and tables/ with its size and modification time, and what git says of them."""
    files = {p: (p.stat().st_size, p.stat().st_mtime_ns) for folder in COMMITTED for p in folder.rglob("*")
             if p.is_file()}
    status = subprocess.run(["git", "status", "--porcelain", "figures", "tables"], cwd=REPO, capture_output=True,
                            text=True, check=True).stdout
    return files, status


def first_output(executed):
    """The text of the first output the executed notebook shows."""
    for cell in executed.cells:
        for output in getattr(cell, "outputs", []):
            data = output.get("data", {})
            return data.get("text/markdown") or data.get("text/plain") or output.get("text", "")
    raise AssertionError("the notebook shows no output")


def run(notebook, out, **params):
    import papermill

    papermill.execute_notebook(str(NOTEBOOKS / notebook), str(out), parameters=params, kernel_name="python3",
                               cwd=str(NOTEBOOKS), progress_bar=False)
    return nbformat.read(out, as_version=4)


def with_stand_ins(folder, notes):
    """A copy of a scenario folder whose provenance.json lists ``notes`` as stand-ins."""
    shutil.copytree(PAPER_V1, folder, ignore=shutil.ignore_patterns(".greenllm_*"))
    provenance = json.loads((folder / "provenance.json").read_text())
    provenance.update(stand_in=True, stand_ins=notes)
    (folder / "provenance.json").write_text(json.dumps(provenance))
    return folder


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.name)
def test_standalone_defaults_write_to_a_git_ignored_scratch_folder(path):
    """The defaults resolve (from notebooks/, where JupyterLab starts the kernel) outside figures/ and tables/, into
    results/scratch/<notebook>/, which git ignores; only the pipeline passes the committed folders."""
    values = output_dirs(path)
    dirs = {name: (NOTEBOOKS / value).resolve() for name, value in values.items()}
    assert dirs, "no figures_dir or tables_dir parameter"
    for name, folder in dirs.items():
        assert not any(folder.is_relative_to(c) for c in COMMITTED), f"{name} = {values[name]} is committed output"
        assert folder.is_relative_to(REPO / "results" / "scratch" / path.stem), f"{name} = {values[name]}"
        ignored = subprocess.run(["git", "check-ignore", "-q", str(folder / "x.png")], cwd=REPO)
        assert ignored.returncode == 0, f"{name} = {values[name]} is not git-ignored"


def test_every_plot_rule_passes_the_output_folders_its_notebook_has():
    """Only the pipeline writes figures/ and tables/: each row of PLOTS passes every output folder its notebook
    declares, itself or through nb_common (workflow/rules/common.smk), so no rule relies on a default."""
    common = (REPO / "workflow" / "rules" / "common.smk").read_text().split("def nb_common", 1)[1].split("\ndef ")[0]
    assert '"figures_dir": f"figures/{scenario}"' in common and '"tables_dir": f"tables/{scenario}"' in common
    rows = (REPO / "workflow" / "rules" / "plots.smk").read_text().split('notebook="')[1:]
    assert len(rows) == len(NOTEBOOK_FILES)
    for row in rows:
        name, row = row.split('"', 1)
        params = row.split("params=", 1)[1].split("),\n", 1)[0]
        for folder in output_dirs(NOTEBOOKS / name):
            assert "_common(w)" in params or f"{folder}=" in params, f"{name}: the plot rule omits {folder}"


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.name)
def test_the_cell_after_the_parameters_shows_the_header(path):
    """So the first output says where the run writes and warns of stand-ins."""
    code = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    first = next(k for k, c in enumerate(code) if "parameters" in c.metadata.get("tags", [])) + 1
    assert "header(" in code[first].source and all("header(" not in c.source for c in code[:first])
    assert all(f"{name}={name}" in code[first].source for name in output_dirs(path))


def test_banner_lists_the_stand_ins_of_a_scenario_and_nothing_without(tmp_path):
    notes = ["dc_hour.carbon_kg_per_kwh: regional mean of the registry (stand-in)"]
    banner = stand_in_banner(with_stand_ins(tmp_path / "stand_in", notes))
    assert banner is not None and "stand-ins" in banner and notes[0] in banner
    assert stand_in_banner(PAPER_V1) is None
    assert stand_in_banner(None) is None


def test_header_says_where_a_standalone_run_writes(tmp_path, monkeypatch):
    monkeypatch.chdir(NOTEBOOKS)
    text = header_text(PAPER_V1, figures_dir="../results/scratch/01_inputs/figures")
    assert str(REPO / "results" / "scratch" / "01_inputs" / "figures") in text and "scratch" in text
    assert "stand-ins" not in text
    text = header_text(PAPER_V1, figures_dir=tmp_path)
    assert str(tmp_path) in text and "scratch" not in text


def test_header_is_shown_once_not_again_as_the_cells_value(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append(obj))
    assert header(PAPER_V1, figures_dir="x") is None  # a returned string would be printed again as Out[]
    assert len(shown) == 1 and shown[0]["text/markdown"] == header_text(PAPER_V1, figures_dir="x")


def test_banner_keeps_the_placeholders_of_a_path(tmp_path):
    notes = ["europe-west3: no Open-Meteo weather: place openmeteo/<region>_2018.json in the raw cache"]
    banner = stand_in_banner(with_stand_ins(tmp_path / "stand_in", notes))
    import mistune  # the Markdown renderer of nbconvert (in requirements.lock through it)

    rendered = mistune.html(banner)
    assert "openmeteo/&lt;region&gt;_2018.json" in rendered  # shown as <region>, not passed on as an HTML tag


def test_a_saved_figure_is_shown_under_the_cell_in_a_notebook(tmp_path, monkeypatch):
    import IPython
    import matplotlib.pyplot as plt
    import pandas as pd

    from greenllm import plots

    shown = []
    # pyplot hooks into the shell when its backend is resolved: resolve it (Agg, as greenllm.plots) before faking one
    plt.switch_backend("agg")
    monkeypatch.setattr(IPython, "get_ipython", lambda: type("Shell", (), {"kernel": object()})())
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    png, _ = plots.save(fig, pd.DataFrame({"x": [0, 1]}), tmp_path / "line.png")
    plt.close(fig)
    assert len(shown) == 1 and shown[0].data == png.read_bytes()
    monkeypatch.setattr(IPython, "get_ipython", lambda: None)  # a script: nothing shown
    plots.save(plt.figure(), pd.DataFrame({"x": [0]}), tmp_path / "empty.png")
    assert len(shown) == 1


@pytest.mark.slow
def test_a_notebook_run_with_its_defaults_leaves_committed_outputs_alone(tmp_path):
    """01_inputs with every default (the committed paper_v1 folder): figures/ and tables/ untouched, the figures in
    its scratch folder, which its first output names."""
    before = committed_state()
    scratch = REPO / "results" / "scratch" / "01_inputs" / "figures"
    for name in ("inputs_dc_hour.png", "inputs_demand.png"):
        (scratch / name).unlink(missing_ok=True)
    executed = run("01_inputs.ipynb", tmp_path / "out.ipynb")
    assert committed_state() == before
    assert (scratch / "inputs_dc_hour.png").is_file() and (scratch / "inputs_demand.png").is_file()
    text = first_output(executed)
    assert str(scratch) in text and "stand-ins" not in text
    header_cell = next(c for c in executed.cells if c.cell_type == "code" and "header(" in c.source)
    assert len(header_cell.outputs) == 1  # the header once, no Out[] copy
    assert any("image/png" in o.get("data", {}) for c in executed.cells for o in c.get("outputs", []))


@pytest.mark.slow
def test_a_notebook_on_a_stand_in_scenario_opens_with_the_banner(tmp_path):
    notes = ["dc_hour.carbon_kg_per_kwh: regional mean of the registry (stand-in)"]
    folder = with_stand_ins(tmp_path / "paper_v1", notes)
    executed = run("01_inputs.ipynb", tmp_path / "out.ipynb", scenario=str(folder),
                   figures_dir=str(tmp_path / "figures"))
    text = first_output(executed)
    assert text.startswith("**Warning: built with stand-ins") and notes[0] in text
    assert (tmp_path / "figures" / "inputs_dc_hour.png").is_file()
