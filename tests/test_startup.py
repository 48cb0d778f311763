"""What a process imports before it works: the `greenllm` command line and a notebook's first cell import no more
than they use (benchmarks/bench_notebook_startup.py measures the CPU this saves in every plot job)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def imported_after(code: str) -> set[str]:
    """Top-level module names imported by a fresh interpreter after running ``code``."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", script], cwd=SRC, check=True, capture_output=True, text=True)
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_command_line_parser_builds_without_pandas_or_the_models():
    modules = imported_after("from greenllm.cli import build_parser; build_parser()")
    assert not modules & {"pandas", "scipy", "highspy", "papermill", "matplotlib"}


def test_experiments_import_their_modules_on_first_use():
    code = ("import sys\nfrom greenllm import experiments as ex\nex.read_records\n"
            "assert 'greenllm.solve' not in sys.modules, 'reading records imported the solver'\n"
            "ex.scheme_table\nassert 'greenllm.solve' in sys.modules")
    imported_after(code)


def test_every_exported_experiment_name_resolves_to_its_module():
    from greenllm import experiments as ex

    for name in ex.__all__:
        value = getattr(ex, name)
        module = getattr(value, "__module__", None)
        if module is not None and module.startswith("greenllm.experiments."):
            assert module == f"greenllm.experiments.{ex.MODULE_OF[name]}", name
    assert "paper" not in ex.__all__


def test_unknown_experiment_name_is_an_attribute_error():
    from greenllm import experiments as ex

    try:
        ex.no_such_experiment
    except AttributeError as err:
        assert "no_such_experiment" in str(err)
    else:
        raise AssertionError("expected AttributeError")


def test_notebook_job_imports_papermill_without_its_remote_handlers():
    modules = imported_after("from greenllm.importing import modules_left_out\n"
                             "from greenllm.pipeline.notebook_job import UNUSED_HANDLERS\n"
                             "with modules_left_out(UNUSED_HANDLERS):\n    import papermill")
    assert "papermill" in modules
    assert "pyarrow" not in modules


def test_modules_left_out_are_importable_again_after_the_block():
    from greenllm.importing import modules_left_out

    name = "greenllm_test_absent_module"
    with modules_left_out([name, "json"]):
        assert sys.modules[name] is None
        assert sys.modules["json"] is json  # an imported module stays as it is
    assert name not in sys.modules


def test_notebook_job_kernel_is_ipykernel_without_its_debugger(tmp_path, monkeypatch):
    """The job's kernel (greenllm.pipeline.kernel) has no debugpy and otherwise starts as ipykernel's launcher does:
    the same shell, working folder and import path."""
    import argparse

    import nbformat

    from greenllm.pipeline import notebook_job

    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python",
                                                           "display_name": "Python 3"}})
    nb.cells = [nbformat.v4.new_code_cell("x = 0", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("import os, sys\nprint(repr(sys.modules.get('debugpy')), os.getcwd(), "
                                          "get_ipython().__class__.__name__, sys.path, sep='|')")]
    nbformat.write(nb, tmp_path / "nb.ipynb")

    def printed(launcher: str) -> list[str]:
        monkeypatch.setattr(notebook_job, "KERNEL_LAUNCHER", ("ipykernel_launcher", launcher))
        args = argparse.Namespace(notebook=str(tmp_path / "nb.ipynb"), executed=str(tmp_path / "out.ipynb"),
                                  parameters="{}", cwd=str(tmp_path))
        assert notebook_job.run(args) == 0
        return nbformat.read(tmp_path / "out.ipynb", as_version=4).cells[-1].outputs[0]["text"].split("|")

    job, stock = printed("greenllm.pipeline.kernel"), printed("ipykernel_launcher")
    assert job[0] == "None" and stock[0] != "None"
    assert job[1:] == stock[1:] and job[1] == str(tmp_path)


def test_plots_set_the_look_without_importing_seaborn():
    modules = imported_after("from greenllm import plots\nfrom greenllm.serving import plots as s, season_plots\n"
                             "plots.setup()\nplots.scheme_colors(['M0'])")
    assert "seaborn" not in modules  # nor, through it, scipy.stats


def test_figures_drawn_with_seaborn_leave_scipy_out():
    """seaborn is imported as it runs without scipy (greenllm.plots.common.SEABORN_LEFT_OUT); its line plots draw."""
    code = ("import matplotlib\nmatplotlib.use('Agg')\nimport pandas as pd\nfrom greenllm.plots.common import seaborn\n"
            "ax = seaborn().lineplot(data=pd.DataFrame({'x': [0, 1, 2], 'y': [1.0, 3.0, 2.0]}), x='x', y='y')\n"
            "assert len(ax.get_lines()) == 1")
    modules = imported_after(code)
    assert "seaborn" in modules and "scipy" not in modules


THEME_STATE = """
import json, matplotlib
matplotlib.use("Agg")
import matplotlib.colors as mc
{apply}
rc = {{k: repr(v) for k, v in matplotlib.rcParams.items()}}
print(json.dumps({{"rc": rc, "codes": {{c: mc.to_rgba(c) for c in "bgrmyck"}}}}))
"""


def theme_state(apply: str) -> dict:
    script = THEME_STATE.format(apply=apply)
    out = subprocess.run([sys.executable, "-c", script], cwd=SRC, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.splitlines()[-1])


def test_theme_is_what_seaborns_set_theme_sets():
    """greenllm.plots.theme holds seaborn's theme call as matplotlib settings: the same rcParams (but the default
    colour map only seaborn registers), colour cycle and colour codes, in a fresh process and over changed ones."""
    seaborn_call = ("import seaborn as sns\n"
                    "sns.set_theme(context='paper', style='whitegrid', palette='colorblind', font_scale=1.1)")
    ours = "from greenllm.plots import theme\ntheme.apply()"
    changed = "matplotlib.rcParams.update({'axes.facecolor': 'red', 'font.size': 20.0, 'xtick.direction': 'in'})\n"
    for before in ("", changed):
        expected, got = theme_state(before + seaborn_call), theme_state(before + ours)
        assert expected["rc"].pop("image.cmap") == "'rocket'"
        assert got["rc"].pop("image.cmap") == "'viridis'"
        assert got == expected


def test_palette_colors_are_seaborns_colorblind_palette():
    import seaborn as sns

    from greenllm.plots.theme import PALETTE, palette_colors

    for n in (1, 3, 10, 12):
        assert palette_colors(n) == list(sns.color_palette(PALETTE, n))
    assert palette_colors() == list(sns.color_palette(PALETTE))
