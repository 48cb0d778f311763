"""Figures of the serving year (:mod:`greenllm.serving.seasons`); each returns ``(figure, data)`` like
:mod:`greenllm.plots`, whose :func:`~greenllm.plots.save` writes the PNG with its numbers beside it.

Days are UTC days of the scenario's year; legends sit below the panels, so no legend covers data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from greenllm.plots import MONTH_NAMES, palette_colors
from greenllm.plots.common import legend_below, subplots
from greenllm.serving.seasons import PERFECT

METRICS = {"emissions_kg": ("Emissions [t CO$_2$e/day]", 1e3), "total_usd": ("Energy + carbon cost [k$/day]", 1e3),
           "water_l": ("Water [ML/day]", 1e6), "latency_mean_s": ("Mean latency [s]", 1.0)}
"""metric -> (axis label, divisor from the table's unit to the axis unit)."""
OBJECTIVE_NAMES = {"emissions_kg": "emissions", "total_usd": "cost", "water_l": "water",
                   "latency_mean_s": "mean latency"}
BASELINE_MARKERS = ("s", "D", "^", "v", "<", ">", "P", "X", "*", "h", "p", "8")


def _months_axis(ax, months, year: int | None) -> None:
    ax.set_xticks(months, [MONTH_NAMES[m - 1] for m in months], rotation=90 if len(months) > 6 else 0)
    ax.set_xlabel(f"Month{f' of {year}' if year else ''}, UTC days")


def monthly(table: pd.DataFrame, mode: str = PERFECT, metrics: Sequence[str] = ("emissions_kg", "total_usd", "water_l"),
            year: int | None = None):
    """Per metric, the monthly mean per served day (:func:`~greenllm.serving.seasons.monthly_totals`) of every
    optimised scheme in ``mode`` (coloured) and every baseline (grey, one marker each); axes from 0."""
    data = table[((table["kind"] == "optimised") & (table["mode"] == mode)) | (table["kind"] == "baseline")]
    data = data.sort_values(["kind", "policy", "month"], ascending=[False, True, True]).reset_index(drop=True)
    fig, axes = subplots(len(metrics), width=4.2, height=3.6)
    colors = palette_colors(10)
    optimised = list(dict.fromkeys(data.loc[data["kind"] == "optimised", "policy"]))
    base = list(dict.fromkeys(data.loc[data["kind"] == "baseline", "policy"]))
    months = sorted(data["month"].unique())
    for ax, metric in zip(axes, metrics, strict=True):
        label, unit = METRICS[metric]
        best = best_baseline(data, metric)
        for n, policy in enumerate(base):
            part = data[data["policy"] == policy]
            ax.plot(part["month"], part[f"{metric}_per_day"] / unit, color="0.25" if policy == best else "0.65",
                    lw=1.4 if policy == best else 0.8, ls="--" if policy == best else "-",
                    marker=BASELINE_MARKERS[n % len(BASELINE_MARKERS)], ms=3, label=policy)
        if best:
            ax.set_title(f"dashed: {best}", fontsize=8)
        for n, policy in enumerate(optimised):
            part = data[data["policy"] == policy]
            ax.plot(part["month"], part[f"{metric}_per_day"] / unit, color=colors[n], lw=1.8, marker="o", ms=4,
                    label=f"{policy} ({mode})")
        ax.set_ylim(0, None)
        _months_axis(ax, months, year)
        ax.set_xlabel(ax.get_xlabel().replace(", UTC days", " (mean per UTC day)"))
        ax.set_ylabel(label)
    legend_below(fig, axes[0], ncol=4)
    keep = ["mode", "policy", "kind", "month", "days", "days_solved", "days_within_limits",
            *[f"{m}_per_day" for m in metrics]]
    return fig, data[[c for c in keep if c in data]]


def best_baseline(table: pd.DataFrame, metric: str) -> str | None:
    """The baseline with the smallest yearly sum of ``metric`` among those within every limit on every solved day
    (None if none is)."""
    base = table[table["kind"] == "baseline"]
    always = base.groupby("policy").filter(lambda p: (p["days_within_limits"] == p["days_solved"]).all())
    sums = always.groupby("policy")[metric].sum() if metric in always else pd.Series(dtype=float)
    return str(sums.idxmin()) if len(sums) else None


def margins(table: pd.DataFrame, mode: str = PERFECT, year: int | None = None):
    """Per optimised scheme (panel), the daily saving against the day's best feasible baseline on its own objective
    per month (:func:`~greenllm.serving.seasons.monthly_margins`): a bar from the month's smallest to its largest
    saving and a dot at its median [%]; a line at 0 (no saving)."""
    data = table[(table["mode"] == mode) & (table["days_compared"] > 0)].reset_index(drop=True)
    schemes = list(dict.fromkeys(data["scheme"]))
    fig, axes = subplots(max(len(schemes), 1), width=3.6, height=3.4, sharey=True)
    color = palette_colors()[0]
    for ax, scheme in zip(axes, schemes, strict=False):
        part = data[data["scheme"] == scheme]
        ax.vlines(part["month"], 100 * part["saving_min"], 100 * part["saving_max"], color=color, lw=2.5, alpha=0.45,
                  label="smallest to largest day")
        ax.plot(part["month"], 100 * part["saving_median"], "o", color=color, label="median day")
        ax.axhline(0, color="k", lw=0.8)
        ax.set_title(f"{scheme}: {OBJECTIVE_NAMES.get(part['objective'].iloc[0], '')}", fontsize=9)
        _months_axis(ax, sorted(part["month"].unique()), year)
    axes[0].set_ylabel("Saving against the day's best\nfeasible baseline [%]")
    if not schemes:
        axes[0].set_title("no day with a feasible baseline", fontsize=9)
    legend_below(fig, axes[0], ncol=2)
    return fig, data


def value_of_information(table: pd.DataFrame):
    """Per optimised scheme (panel), each forecast mode's daily extra over perfect foresight on the scheme's objective
    [% of the day's perfect-foresight value]: thin bar 5th-95th percentile over days, thick bar the bootstrap 95 %
    interval of the mean, dot the median; the single-signal modes first, then the all-signal modes and the part of
    them the single signals do not explain."""
    order = {"demand": 0, "price": 1, "carbon": 2, "weather": 3, "all": 4, "unexplained": 5}
    data = table.assign(_order=table["signal"].map(order).fillna(6)).sort_values(["scheme", "_order", "mode"])
    data = data.drop(columns="_order").reset_index(drop=True)
    schemes = list(dict.fromkeys(data["scheme"]))
    modes = list(dict.fromkeys(data["mode"]))
    fig, axes = subplots(max(len(schemes), 1), width=3.8, height=0.36 * len(modes) + 1.9, sharey=True)
    colors = palette_colors(10)
    y = {mode: n for n, mode in enumerate(modes)}
    for ax, scheme in zip(axes, schemes, strict=False):
        part = data[data["scheme"] == scheme]
        rows = part["mode"].map(y).to_numpy()
        ax.hlines(rows, part["extra_pct_p5"], part["extra_pct_p95"], color="0.55", lw=1.2,
                  label="5th-95th percentile of days")
        ax.hlines(rows, part["extra_pct_mean_low"], part["extra_pct_mean_high"], color=colors[0], lw=4.5,
                  label="mean, bootstrap 95 % interval")
        ax.plot(part["extra_pct_median"], rows, "o", color="k", ms=3.5, label="median day")
        ax.axvline(0, color="k", lw=0.8)
        ax.set_title(f"{scheme}: {OBJECTIVE_NAMES.get(part['objective'].iloc[0], '')}", fontsize=9)
        ax.set_xlabel("Extra over perfect foresight\n[% of the day's optimum]")
    axes[0].set_yticks(list(y.values()), [m.replace("unexplained:", "not explained by\nsingle signals: ")
                                          for m in y])
    if not schemes:
        axes[0].set_title("no forecast mode in the tables", fontsize=9)
    axes[0].invert_yaxis()
    legend_below(fig, axes[0], ncol=3)
    return fig, data


def site_day_heatmap(panels: Mapping[str, pd.DataFrame], labels: Mapping[str, str] | None = None,
                     year: int | None = None):
    """The year as a heat map, one panel per title in ``panels`` (e.g. the headline optimised scheme and the best
    baseline): rows are sites (labelled region (city, continent), grouped by continent), columns UTC days, colour the
    share of the day's queries the site served (:func:`~greenllm.serving.seasons.site_day_shares`)."""
    labels = dict(labels or {})
    sites = sorted(set().union(*(set(p["site"]) for p in panels.values())),
                   key=lambda s: (labels.get(s, s).rsplit(", ", 1)[-1], labels.get(s, s)))
    present = set().union(*(set(p["day"]) for p in panels.values()))
    days = list(range(int(min(present)), int(max(present)) + 1))  # every day a column; days not run stay blank
    fig, axes = plt.subplots(1, len(panels), figsize=(5.0 * len(panels) + 2.6, 0.3 * len(sites) + 2.4),
                             sharey=True, squeeze=False)
    frames = []
    image = None
    top = max(float(p["share"].max()) for p in panels.values())
    vmax = min(1.0, np.ceil(10 * top) / 10) if np.isfinite(top) and top > 0 else 1.0
    for ax, (title, part) in zip(axes[0], panels.items(), strict=True):
        grid = part.pivot_table(index="site", columns="day", values="share", aggfunc="sum").reindex(
            index=sites, columns=days)
        image = ax.imshow(grid.to_numpy(float), aspect="auto", cmap="viridis", vmin=0, vmax=vmax,
                          interpolation="nearest", extent=(min(days) - 0.5, max(days) + 0.5, len(sites) - 0.5, -0.5))
        ax.set_title(title, fontsize=9)
        starts = _month_starts(part, days, year)
        ax.set_xticks(list(starts), list(starts.values()), rotation=90)
        ax.set_xlabel(f"Day{f' of {year}' if year else ''} (UTC days)")
        ax.grid(False)
        frames.append(part.assign(panel=title))
    axes[0, 0].set_yticks(range(len(sites)), [labels.get(s, s) for s in sites], fontsize=7)
    fig.tight_layout(rect=(0, 0, 0.92, 1))
    bar = fig.add_axes((0.935, 0.25, 0.012, 0.6))
    fig.colorbar(image, cax=bar).set_label("Share of the day's queries [-]")
    return fig, pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _month_starts(part: pd.DataFrame, days: Sequence[int], year: int | None) -> dict[int, str]:
    """Day index -> month name at the first day of each month (from the dates if the frame has them)."""
    if "date" in part and len(part):
        dates = part.drop_duplicates("day").set_index("day")["date"].astype(str)
        first = pd.Timestamp(dates.sort_index().iloc[0]) - pd.Timedelta(days=int(dates.index.min()))
    else:
        first = pd.Timestamp(year or 2024, 1, 1)
    out = {}
    for day in range(int(min(days)), int(max(days)) + 1):
        date = first + pd.Timedelta(days=day)
        if date.day == 1 or day == min(days):
            out[day] = MONTH_NAMES[date.month - 1]
    return out


FIGURE_FUNCTIONS = (monthly, margins, value_of_information, site_day_heatmap)
"""Every figure function here (tests/test_figure_rules.py checks each)."""
