"""The common look and the saving of the compendium's figures: palette, colours per scheme, axis labels, panel
layouts and legends shared by every figure family, and :func:`save` / :func:`save_table` (the PNG or table with the
CSV of its numbers beside it)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; in a notebook `save` shows the written PNG under the cell (show_inline)

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from greenllm import outputs  # noqa: E402
from greenllm.experiments import METRICS, PAPER_SCHEMES  # noqa: E402
from greenllm.plots import theme  # noqa: E402
from greenllm.plots.theme import PALETTE, palette_colors  # noqa: E402

FIELD_LABELS: dict[str, str] = {
    "renewable": "Scale factor of on-site renewables $\\Psi_{P^w}$ [-]",
    "carbon": "Scale factor of carbon intensity $\\Psi_\\theta$ [-]",
    "energy_per_token": "Scale factor of energy per token $\\Psi_\\tau$ [-]",
    "demand": "Scale factor of demand $\\Psi_\\lambda$ [-]",
    "price": "Scale factor of electricity price $\\Psi_c$ [-]",
    "delay_penalty": "Scale factor of delay penalty $\\Psi_\\rho$ [-]",
    "water_budget": "Scale factor of the water budget $\\Psi_Z$ [-]",
}
"""x-axis label of a sweep over each scalable field (the paper's Psi symbols)."""

HOUR_LABEL = "Hour of the day [h]"
"""An hour axis without its clock: only for a figure that cannot know it; :func:`hour_label` names the clock."""

UTC_HOUR = "UTC"
LOCAL_HOUR = "local"
MIXED_HOUR = "model hour t: carbon UTC, the rest local"
"""The clocks of an hourly axis: every input on UTC hours; the recipe's hour index read as local time (paper_v1's
prices, renewables and demand, docs/differences.md); or both (a result of paper_v1, whose carbon is on UTC)."""


def hour_label(clock: str | None) -> str:
    """'Hour of the day, UTC [h]': the label of an hourly axis, naming its clock (:data:`UTC_HOUR`, ...)."""
    if not clock:
        return HOUR_LABEL
    if clock.startswith("model hour"):
        return f"Hour [h] ({clock})"
    return f"Hour of the day, {clock} [h]"


def log_label(label: str) -> str:
    """'Solve time [s, log scale]': an axis label that says its scale is logarithmic."""
    return label[:-1] + ", log scale]" if label.endswith("]") else label + " (log scale)"


def series_palette(n: int) -> list[tuple]:
    """n colours without repeats: the colour-blind-safe palette up to its 10 colours, evenly spaced hues beyond."""
    if n <= 10:
        return palette_colors(n)
    return seaborn().color_palette("husl", n)  # only here: seaborn's husl hues


SEABORN_LEFT_OUT = ("scipy",)
"""Modules seaborn is imported without. seaborn runs without scipy (optional since seaborn 0.12): kernel density
estimates then use seaborn's own copy, cumulative ones and clustered heat maps are refused. No figure here draws
either; importing seaborn with them takes about 0.67 s of CPU, without them 0.03 s (pandas and matplotlib already
imported), in every notebook job that draws with seaborn."""


def seaborn():
    """The seaborn module, imported where a figure draws with it (not at start-up) and without
    :data:`SEABORN_LEFT_OUT` when it is imported here first."""
    from greenllm.importing import modules_left_out

    with modules_left_out(SEABORN_LEFT_OUT):
        import seaborn as sns
    return sns


DETERMINED_NOTE = ("What a scheme's objective leaves open is fixed by the determining stages: "
                   "the components it did not minimise, then water, each minimised at the optimum")
"""Footnote of a figure with single-objective schemes (greenllm.solve.DETERMINING_ORDER)."""


def note_determined(fig, records: pd.DataFrame) -> str:
    """A footnote naming the determining stages of each scheme that had any (records column ``determined_by``),
    e.g. 'M1: carbon > delay > water'; returns the text ('' when no scheme had one)."""
    if "determined_by" not in records.columns:
        return ""
    named = [f"{s}: {d}" for s, d in zip(records["scheme"], records["determined_by"], strict=True)
             if isinstance(d, str) and d and d != "water"]
    if not named:
        return ""
    import textwrap

    text = textwrap.fill(f"{DETERMINED_NOTE} ({'; '.join(dict.fromkeys(named))}).", 130)
    foot_note(fig, text, "determined_note", "0.3")
    return text


FOOT_NOTES = ("stand_in_mark", "determined_note")
FOOT_LINE_INCH = 0.13  # height of one x-small line [inch]


def foot_note(fig, text: str, gid: str, color) -> None:
    """A note at the foot of the figure, below the x labels and any foot note already there (saving crops to the
    content, so it may lie below the figure's frame)."""
    below = [t for t in fig.texts if t.get_gid() in FOOT_NOTES]
    height = fig.get_figheight()
    y = -0.01 - FOOT_LINE_INCH / height  # below the lowest tick and axis labels of the bottom panels
    for note in below:
        y = min(y, note.get_position()[1] - (note.get_text().count("\n") + 1) * FOOT_LINE_INCH / height - 0.01)
    fig.text(0.5, y, text, ha="center", va="top", fontsize="x-small", color=color, gid=gid)


def setup() -> None:
    """The common look: seaborn's whitegrid theme with the colour-blind-safe palette (:mod:`greenllm.plots.theme`)."""
    theme.apply()


def scheme_colors(names: Iterable[str]) -> dict[str, tuple]:
    """A fixed colour per scheme name: the paper's schemes keep theirs in every figure, others follow."""
    palette = palette_colors(10)
    known = list(PAPER_SCHEMES)
    extra = [n for n in dict.fromkeys(names) if n not in known]
    order = known + extra
    return {name: palette[order.index(name) % len(palette)] for name in dict.fromkeys(names)}


def label_colors(frame: pd.DataFrame) -> dict[str, tuple]:
    """{label: colour} from the scheme names of a frame with columns scheme and label."""
    pairs = frame[["scheme", "label"]].drop_duplicates()
    colors = scheme_colors(pairs["scheme"])
    return {label: colors[scheme] for scheme, label in zip(pairs["scheme"], pairs["label"], strict=True)}


def metric_label(metric: str) -> str:
    return METRICS.get(metric, metric)


def subplots(n: int, width: float = 4.3, height: float = 3.4, **kwargs):
    """n panels side by side; a single panel gets more room (the legend goes below)."""
    fig, axes = plt.subplots(1, n, figsize=(max(width * n, 6.5), height), squeeze=False, **kwargs)
    return fig, list(axes[0])


INFEASIBLE_LABEL = "infeasible (no allocation meets the constraints)"


def mark_infeasible(ax, data: pd.DataFrame, x: str) -> None:
    """A dotted vertical line at every x where some point is infeasible (it has no costs to draw)."""
    if "status" not in data.columns:
        return
    for n, value in enumerate(sorted(set(data.loc[data["status"] == "infeasible", x]))):
        ax.axvline(value, color="0.5", linestyle=":", label=INFEASIBLE_LABEL if n == 0 else None)


def legend_below(fig, ax, ncol: int | None = None) -> None:
    """One legend for the figure, below the panels; the panels' own legends are removed."""
    handles, labels = ax.get_legend_handles_labels()
    for a in fig.axes:
        if a.get_legend() is not None:
            a.get_legend().remove()
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=ncol or min(len(labels), 4), frameon=False,
                   bbox_to_anchor=(0.5, -0.02))
        fig.tight_layout(rect=(0, 0.08 + 0.05 * ((len(labels) - 1) // (ncol or 4)), 1, 1))
    else:
        fig.tight_layout()


EXTRA_METRICS: dict[str, str] = {
    "accelerator_hours": "Accelerator-hours needed [accelerator-h/day]",
    "latency_mean_s": "Mean per-query latency [s]",
    "latency_p95_s": "95th-percentile per-query latency [s]",
    "share_within_slo": "Share of queries within their SLO [-]",
}
"""Axis labels of the per-query result columns (greenllm.per_query)."""

FORMULATION_LABELS: dict[str, str] = {"paper": "paper formulation", "per_query": "per-query formulation"}
FORMULATION_COLORS: dict[str, int] = {"paper": 1, "per_query": 0}
"""Index into the colour-blind palette: orange for the paper's formulation, blue for the per-query one."""


def any_metric_label(metric: str) -> str:
    """The axis label (with unit) of a record column of either formulation."""
    return EXTRA_METRICS.get(metric, metric_label(metric))



def panel_grid(n: int, ncols: int = 3, width: float = 4.0, height: float = 3.3):
    """n panels on a grid of ``ncols`` columns; unused panels are switched off (a legend may go there).
    Returns (figure, used axes, spare axes)."""
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, min(n, ncols), figsize=(width * min(n, ncols), height * nrows), squeeze=False)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.axis("off")
    return fig, flat[:n], flat[n:]


def _legend(fig, ax, spare, ncol: int = 2) -> None:
    """The figure's one legend: in a spare grid cell if there is one, else below the panels."""
    if not spare:
        legend_below(fig, ax, ncol=ncol)
        return
    handles, labels = ax.get_legend_handles_labels()
    for a in fig.axes:
        if a.get_legend() is not None:
            a.get_legend().remove()
    spare[0].legend(handles, labels, loc="center", frameon=False)
    fig.tight_layout()


def wrap_ticks(ax, width: int = 12) -> None:
    """Wrap long categorical tick labels onto several lines."""
    import textwrap

    ticks = ax.get_xticks()
    labels = [textwrap.fill(label.get_text(), width) for label in ax.get_xticklabels()]
    ax.set_xticks(ticks, labels)


def plain_log_ticks(ax, axis: str = "x") -> None:
    """Plain numbers at 1, 2 and 5 times powers of ten (0.2, 0.5, 1, 2, 5, 10) on a log axis, no minor labels."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
    target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    target.set_minor_formatter(NullFormatter())


def all_zero(values) -> bool:
    values = np.asarray(values, float)
    return bool(values.size) and bool(np.allclose(values, 0.0))


def zero_note(metrics: Sequence[str], where: str) -> str:
    """'Emissions: 0 for every scheme and formulation (not drawn).' for the metrics left out."""
    names = ", ".join(any_metric_label(m).split(" [")[0] for m in metrics)
    return f"{names}: 0 for every {where} (not drawn)" if metrics else ""



# ------------------------------------------------------------------------------------------------------------------
# Saving
# ------------------------------------------------------------------------------------------------------------------


def save(fig, data: pd.DataFrame, path: str | os.PathLike) -> tuple[Path, Path]:
    """Write ``path`` (PNG) and, beside it, the CSV of the plotted numbers; return both paths. Both are written
    byte-identically on every rerun (:mod:`greenllm.outputs`)."""
    png = outputs.save_figure(fig, path)
    show_inline(png)
    return png, outputs.write_csv(data, png.with_suffix(".csv"))


def show_inline(png: Path) -> bool:
    """Show a saved figure under the cell when running in a notebook kernel (the files-only Agg backend shows
    nothing by itself); the PNG shown is the file written. False outside a kernel (scripts, tests)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return False
    from IPython.display import Image, display

    display(Image(filename=str(png)))
    return True


def save_table(frame: pd.DataFrame, path: str | os.PathLike, digits: int = 4) -> tuple[Path, Path]:
    """Write a table as CSV (10 significant digits) and as Markdown (``digits`` decimals) beside it."""
    csv = outputs.write_csv(frame, Path(path).with_suffix(".csv"))
    return csv, outputs.write_markdown(frame, csv.with_suffix(".md"), digits)



def mark_stand_ins(fig, notes: Sequence[str]) -> None:
    """A visible line at the foot of a figure drawn from a scenario built with flagged stand-ins
    (:func:`greenllm.provenance.stand_ins`); nothing when there are none."""
    if not notes:
        return
    import textwrap

    text = "Built with stand-ins for missing real data: " + "; ".join(notes)
    foot_note(fig, textwrap.fill(text, 160), "stand_in_mark", "#b00000")

