"""Figures of a year of operation (monthly results per forecast mode, the value of perfect information) and of the
scaling benchmark (solve time and memory against the LP's size)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd

from greenllm.plots.common import (
    FORMULATION_COLORS, FORMULATION_LABELS, legend_below, log_label, metric_label, plain_log_ticks, subplots,
)
from greenllm.plots.theme import palette_colors


MODE_LABELS: dict[str, str] = {"perfect": "perfect foresight", "forecast": "persistence forecast (previous day)",
                               "persistence": "persistence forecast (yesterday)",
                               "blend": "seasonal-naive blend (yesterday and last week)"}
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

YEAR_LINE_MODES = ("perfect", "persistence", "blend")
"""Modes drawn in the monthly figure (forecast everything, or nothing); the one-input modes go to the bar chart."""


def year_monthly(monthly: pd.DataFrame, metrics: Sequence[str] = ("total_usd", "emissions_kg", "water_l"),
                 year: int | None = None, modes: Sequence[str] = YEAR_LINE_MODES) -> tuple[plt.Figure, pd.DataFrame]:
    """Realised results per day, averaged over each month's served days (months differ in length), one line per
    mode, y axes from 0; a last panel counts the hours re-dispatched per month, and months with days no
    allocation could serve are marked with their count."""
    data = monthly[monthly["mode"].isin(modes)].copy()
    modes = [m for m in modes if m in set(data["mode"])]
    data = data.sort_values(["mode", "month"], key=lambda c: c.map(modes.index) if c.name == "mode" else c)
    palette = palette_colors(10)
    fig, axes = subplots(len(metrics) + 1, width=3.9, height=3.6)
    months = sorted(data["month"].unique())
    for ax, metric in zip(axes, [*metrics, "redispatched_hours"], strict=True):
        column = metric if metric == "redispatched_hours" else f"{metric}_per_day"
        for n, mode in enumerate(modes):
            part = data[data["mode"] == mode]
            ax.plot(part["month"], part[column], marker="os^D"[n % 4], color=palette[n],
                    label=MODE_LABELS.get(mode, mode))
            for row in part[part["infeasible_days"] > 0].itertuples(index=False):
                ax.annotate(f"{row.infeasible_days} d unserved", (row.month, getattr(row, column)),
                            textcoords="offset points", xytext=(0, 6), fontsize="xx-small", color=palette[n])
        ax.set_ylim(0, None)
        ax.set_xticks(months, [MONTH_NAMES[m - 1] for m in months], rotation=90 if len(months) > 6 else 0)
        label = ("Hours re-dispatched [h/month]" if metric == "redispatched_hours"
                 else metric_label(metric).replace("[$/day]", "[$/day, monthly mean]")
                 .replace("/day]", "/day, monthly mean]"))
        ax.set(xlabel=f"Month{f' of {year}' if year else ''}, UTC days [-]", ylabel=label)
    legend_below(fig, axes[0], ncol=3)
    keep = ["mode", "month", "days", "infeasible_days", "redispatched_hours", *metrics,
            *[f"{m}_per_day" for m in metrics]]
    return fig, data[keep].reset_index(drop=True)


def year_forecast_cost(value: pd.DataFrame) -> tuple[plt.Figure, pd.DataFrame]:
    """The value of perfect information: each mode's realised extra total cost, emissions and water over perfect
    foresight [% of perfect] over the days every mode served, and the hours it re-dispatched. Bars from 0."""
    data = value[value["mode"] != "perfect"].reset_index(drop=True)
    panels = [("extra_pct", "Extra total cost over perfect [%]"),
              ("extra_emissions_pct", "Extra emissions over perfect [%]"),
              ("extra_water_pct", "Extra water over perfect [%]"),
              ("redispatched_hours", "Hours re-dispatched [h/year]")]
    palette = palette_colors(10)
    colors = [palette[n % 10] for n in range(len(data))]
    fig, axes = subplots(len(panels), width=3.6, height=4.2)
    for ax, (column, label) in zip(axes, panels, strict=True):
        ax.barh(data["mode"], data[column], color=colors)
        ax.axvline(0.0, color="0.3", linewidth=0.8)
        ax.set(xlabel=label, ylabel="")
        ax.invert_yaxis()
        if ax is not axes[0]:
            ax.set_yticklabels([])
    days = int(data["days_compared"].min()) if len(data) else 0
    fig.suptitle(f"Value of perfect information, {days} days served in every mode (realised costs, with recourse)",
                 fontsize="medium")
    fig.tight_layout()
    return fig, data


def scaling(frame: pd.DataFrame, exponents: pd.DataFrame | None = None) -> tuple[plt.Figure, pd.DataFrame]:
    """Scaling curves: solve seconds and peak memory net of the interpreter's baseline (``peak_mb - baseline_mb``,
    when measured) against variables (log-log), one line per formulation, with the least-squares growth exponent
    in the legend; size labels placed inside the axes."""
    from greenllm.experiments import growth_exponent

    columns = ["formulation", "n", "routes", "kept", "variables", "constraints", "nonzeros", "build_s", "solve_s",
               "peak_mb", *(["baseline_mb"] if "baseline_mb" in frame else [])]
    data = frame[columns].sort_values(["formulation", "variables"]).reset_index(drop=True)
    net = "baseline_mb" in data
    if net:
        data["net_peak_mb"] = data["peak_mb"] - data["baseline_mb"]
    palette = palette_colors(10)
    names = list(dict.fromkeys(frame["formulation"]))
    colors = {name: palette[FORMULATION_COLORS.get(name.removesuffix("_loose"), 2) + 2 * name.endswith("_loose")]
              for name in names}
    memory = ("net_peak_mb", "Peak memory above the interpreter baseline [MB]") if net else (
        "peak_mb", "Peak resident memory, interpreter included [MB]")
    panels = [("solve_s", "Solve time [s]"), memory]
    fig, axes = subplots(len(panels), width=5.0, height=4.2)
    for ax, (column, label) in zip(axes, panels, strict=True):
        for n, name in enumerate(names):
            part = data[data["formulation"] == name]
            a = growth_exponent(part["variables"], part[column])
            ax.plot(part["variables"], part[column], marker="os^D"[n % 4], color=colors[name],
                    label=f"{FORMULATION_LABELS.get(name, name)}: ~ variables^{a:.2f}")
            for row in part.itertuples(index=False):  # first formulation's labels left-above, the others right-below
                ax.annotate(f"N={row.n}", (row.variables, getattr(row, column)), textcoords="offset points",
                            xytext=(-4, 6) if n == 0 else (4, -6), ha="right" if n == 0 else "left",
                            va="bottom" if n == 0 else "top", fontsize="x-small", color=colors[name],
                            annotation_clip=False)
        ax.set(xscale="log", yscale="log", xlabel=log_label("LP variables [-]"), ylabel=log_label(label))
        ax.margins(x=0.15, y=0.2)
        plain_log_ticks(ax, "y")
        ax.legend(frameon=False, fontsize="small", loc="upper left")
    fig.tight_layout()
    return fig, data
