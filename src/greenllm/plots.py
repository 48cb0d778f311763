"""Figures of the compendium (seaborn, colour-blind-safe palette, units on every axis).

Every plot function takes tidy rows (from :mod:`greenllm.experiments` or the pipeline's result files) and returns
``(figure, data)``: the matplotlib Figure and the DataFrame of exactly the numbers it draws. :func:`save` writes the
PNG together with that CSV, so every committed figure has its numbers beside it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; notebooks still display the returned figures

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from greenllm import outputs  # noqa: E402
from greenllm.experiments import METRICS, PAPER_SCHEMES  # noqa: E402

PALETTE = "colorblind"
"""Seaborn's colour-blind-safe qualitative palette (10 colours), used for every figure."""

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


def setup() -> None:
    """The common look: seaborn whitegrid theme with the colour-blind-safe palette."""
    sns.set_theme(context="paper", style="whitegrid", palette=PALETTE, font_scale=1.1)


def scheme_colors(names: Iterable[str]) -> dict[str, tuple]:
    """A fixed colour per scheme name: the paper's schemes keep theirs in every figure, others follow."""
    palette = sns.color_palette(PALETTE, 10)
    known = list(PAPER_SCHEMES)
    extra = [n for n in dict.fromkeys(names) if n not in known]
    order = known + extra
    return {name: palette[order.index(name) % len(palette)] for name in dict.fromkeys(names)}


def _label_colors(frame: pd.DataFrame) -> dict[str, tuple]:
    """{label: colour} from the scheme names of a frame with columns scheme and label."""
    pairs = frame[["scheme", "label"]].drop_duplicates()
    colors = scheme_colors(pairs["scheme"])
    return {label: colors[scheme] for scheme, label in zip(pairs["scheme"], pairs["label"], strict=True)}


def metric_label(metric: str) -> str:
    return METRICS.get(metric, metric)


def _subplots(n: int, width: float = 4.3, height: float = 3.4, **kwargs):
    """n panels side by side; a single panel gets more room (the legend goes below)."""
    fig, axes = plt.subplots(1, n, figsize=(max(width * n, 6.5), height), squeeze=False, **kwargs)
    return fig, list(axes[0])


INFEASIBLE_LABEL = "infeasible (no allocation meets the constraints)"


def _mark_infeasible(ax, data: pd.DataFrame, x: str) -> None:
    """A dotted vertical line at every x where some point is infeasible (it has no costs to draw)."""
    if "status" not in data.columns:
        return
    for n, value in enumerate(sorted(set(data.loc[data["status"] == "infeasible", x]))):
        ax.axvline(value, color="0.5", linestyle=":", label=INFEASIBLE_LABEL if n == 0 else None)


def _legend_below(fig, ax, ncol: int | None = None) -> None:
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


# ------------------------------------------------------------------------------------------------------------------
# Saving
# ------------------------------------------------------------------------------------------------------------------


def save(fig, data: pd.DataFrame, path: str | os.PathLike) -> tuple[Path, Path]:
    """Write ``path`` (PNG) and, beside it, the CSV of the plotted numbers; return both paths. Both are written
    byte-identically on every rerun (:mod:`greenllm.outputs`)."""
    png = outputs.save_figure(fig, path)
    return png, outputs.write_csv(data, png.with_suffix(".csv"))


def save_table(frame: pd.DataFrame, path: str | os.PathLike, digits: int = 4) -> tuple[Path, Path]:
    """Write a table as CSV (10 significant digits) and as Markdown (``digits`` decimals) beside it."""
    csv = outputs.write_csv(frame, Path(path).with_suffix(".csv"))
    return csv, outputs.write_markdown(frame, csv.with_suffix(".md"), digits)


# ------------------------------------------------------------------------------------------------------------------
# Inputs
# ------------------------------------------------------------------------------------------------------------------


def peak_hours(dc_hour: pd.DataFrame, band: Sequence[int] | None = None) -> list[int]:
    """The hours marked as the price peak: ``band`` = [first, last] if given, else the hours whose mean price over
    the data centres is in the top quarter of the day."""
    if band is not None:
        return list(range(int(band[0]), int(band[1]) + 1))
    mean = dc_hour.groupby("hour")["price_usd_per_kwh"].mean()
    return sorted(int(h) for h in mean[mean >= mean.quantile(0.75)].index)


def hour_runs(hours: Iterable[int]) -> list[tuple[int, int]]:
    """Runs of consecutive hours as (first, last): [14, 15, 16, 20] -> [(14, 16), (20, 20)]."""
    runs: list[list[int]] = []
    for h in sorted(int(v) for v in hours):
        if runs and h == runs[-1][1] + 1:
            runs[-1][1] = h
        else:
            runs.append([h, h])
    return [(a, b) for a, b in runs]


def _shade_hours(ax, hours: Iterable[int], label: str) -> None:
    """Shade each run of consecutive hours (hour h covers [h - 0.5, h + 0.5] on the axis)."""
    for n, (a, b) in enumerate(hour_runs(hours)):
        ax.axvspan(a - 0.5, b + 0.5, color="0.85", zorder=0, label=label if n == 0 else None)


def inputs_dc_hour(dc_hour: pd.DataFrame, peak: Sequence[int] = ()) -> tuple[plt.Figure, pd.DataFrame]:
    """Carbon intensity, electricity price (peak band shaded) and on-site renewables per data centre and hour."""
    panels = [("carbon_kg_per_kwh", "Carbon intensity [kg CO2e/kWh]"),
              ("price_usd_per_kwh", "Electricity price [$/kWh]"),
              ("renewable_kw", "On-site renewables [kW]")]
    fig, axes = _subplots(3, width=4.6)
    for ax, (column, label) in zip(axes, panels, strict=True):
        if column == "price_usd_per_kwh" and len(peak):
            _shade_hours(ax, peak, "price peak")
        sns.lineplot(data=dc_hour, x="hour", y=column, hue="dc_name", ax=ax, palette=PALETTE, linewidth=1.2)
        ax.set(xlabel=HOUR_LABEL, ylabel=label, xlim=(-0.5, dc_hour["hour"].max() + 0.5))
    _legend_below(fig, axes[1], ncol=5)
    data = dc_hour.assign(price_peak=dc_hour["hour"].isin(list(peak)))
    return fig, data


def inputs_demand(demand: pd.DataFrame) -> tuple[plt.Figure, pd.DataFrame]:
    """Queries per hour by user area (summed over types) and by query type (summed over areas)."""
    by_area = demand.groupby(["hour", "area_name"], as_index=False, sort=False)["queries"].sum()
    by_type = demand.groupby(["hour", "type_name"], as_index=False, sort=False)["queries"].sum()
    fig, axes = _subplots(2, width=5.2, height=3.8)
    sns.lineplot(data=by_area, x="hour", y="queries", hue="area_name", ax=axes[0], palette=PALETTE)
    sns.lineplot(data=by_type, x="hour", y="queries", hue="type_name", ax=axes[1], palette=PALETTE)
    for ax, title in zip(axes, ("by user area", "by query type"), strict=True):
        ax.set(xlabel=HOUR_LABEL, ylabel="Demand [queries/h]", title=title)
        ax.legend(fontsize="small", ncol=2, frameon=False)
    fig.tight_layout()
    data = pd.concat([by_area.rename(columns={"area_name": "group"}).assign(by="area"),
                      by_type.rename(columns={"type_name": "group"}).assign(by="type")], ignore_index=True)
    return fig, data[["by", "group", "hour", "queries"]]


# ------------------------------------------------------------------------------------------------------------------
# Results
# ------------------------------------------------------------------------------------------------------------------


def scheme_costs(records: pd.DataFrame) -> tuple[plt.Figure, pd.DataFrame]:
    """Stacked energy, carbon and delay cost [$/day] per scheme (the base-case table as a picture)."""
    data = records[["scheme", "label", "energy_usd", "carbon_usd", "delay_usd", "total_usd"]].reset_index(drop=True)
    colors = sns.color_palette(PALETTE, 3)
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    bottom = np.zeros(len(data))
    for color, column in zip(colors, ("energy_usd", "carbon_usd", "delay_usd"), strict=True):
        ax.bar(data["scheme"], data[column], bottom=bottom, color=color, label=metric_label(column).split(" [")[0])
        bottom += data[column].to_numpy()
    ax.set(xlabel="Scheme", ylabel="Cost [$/day]")
    ax.legend(frameon=False, ncol=3, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout()
    return fig, data


def sweep(frame: pd.DataFrame, metrics: Sequence[str], field: str | None = None) -> tuple[plt.Figure, pd.DataFrame]:
    """One panel per metric: the metric against the scale factor, one line per scheme."""
    field = field or str(frame["field"].iloc[0])
    order = {name: n for n, name in enumerate(dict.fromkeys(frame["scheme"]))}
    data = frame[["scheme", "label", "field", "factor", "status", *metrics]].sort_values(
        ["scheme", "factor"], key=lambda c: c.map(order) if c.name == "scheme" else c)
    fig, axes = _subplots(len(metrics))
    for ax, metric in zip(axes, metrics, strict=True):
        sns.lineplot(data=data, x="factor", y=metric, hue="label", style="label", markers=True, dashes=False,
                     palette=_label_colors(data), ax=ax)
        _mark_infeasible(ax, data, "factor")
        ax.set(xlabel=FIELD_LABELS.get(field, f"Scale factor of {field} [-]"), ylabel=metric_label(metric))
    _legend_below(fig, axes[0], ncol=2)
    return fig, data.reset_index(drop=True)


def sweep_levels(frame: pd.DataFrame, metric: str = "total_usd", level: str = "scale_delay_penalty",
                 field: str = "energy_per_token") -> tuple[plt.Figure, pd.DataFrame]:
    """One scheme's metric against a scale factor, one line per level of a second factor (e.g. delay penalty)."""
    data = frame[["scheme", "label", "factor", level, "status", metric]].sort_values([level, "factor"])
    data = data.assign(level_label=[f"{v:g}" for v in data[level]])
    fig, ax = plt.subplots(figsize=(5.4, 3.8))
    sns.lineplot(data=data, x="factor", y=metric, hue="level_label", style="level_label", markers=True,
                 dashes=False, palette=PALETTE, ax=ax)
    _mark_infeasible(ax, data, "factor")
    ax.set(xlabel=FIELD_LABELS.get(field, field), ylabel=metric_label(metric))
    second = FIELD_LABELS.get(level.removeprefix("scale_"), level).split(" [")[0]
    ax.legend(title=second, frameon=False, fontsize="small")
    fig.tight_layout()
    return fig, data.drop(columns="level_label").reset_index(drop=True)


def hourly(frame: pd.DataFrame, metric: str, panel: str = "factor",
           panel_title: str = "scale factor {value:g}") -> tuple[plt.Figure, pd.DataFrame]:
    """A per-hour metric, one line per scheme, one panel per value of ``panel`` (e.g. the scale factor)."""
    data = frame[["scheme", "label", "field", "factor", "hour", metric]].sort_values([panel, "scheme", "hour"])
    values = list(dict.fromkeys(data[panel]))
    fig, axes = _subplots(len(values), sharey=True)
    for ax, value in zip(axes, values, strict=True):
        part = data[data[panel] == value]
        sns.lineplot(data=part, x="hour", y=metric, hue="label", style="label", markers=True, dashes=False,
                     palette=_label_colors(data), ax=ax)
        ax.set(xlabel=HOUR_LABEL, ylabel=metric_label(metric).replace("/day]", "/h]"),
               title=panel_title.format(value=value))
    _legend_below(fig, axes[0], ncol=3)
    return fig, data.reset_index(drop=True)


def tolerance_tradeoff(tradeoff: pd.DataFrame, claim_pct: float = 3.0) -> tuple[plt.Figure, pd.DataFrame]:
    """Energy-cost increase and carbon, emissions and water reductions [%] against the lexicographic tolerance."""
    columns = {"energy_increase_pct": "energy cost above its minimum",
               "carbon_cost_reduction_pct": "carbon cost reduction",
               "emissions_reduction_pct": "emissions reduction",
               "water_reduction_pct": "water use reduction"}
    data = tradeoff.melt(id_vars=["tolerance_pct"], value_vars=list(columns), var_name="quantity",
                         value_name="change_pct")
    data["quantity"] = data["quantity"].map(columns)
    fig, ax = plt.subplots(figsize=(5.8, 4.0))
    sns.lineplot(data=data, x="tolerance_pct", y="change_pct", hue="quantity", style="quantity", markers=True,
                 dashes=False, palette=PALETTE, ax=ax)
    ax.axvline(claim_pct, color="0.4", linestyle=":", label=f"paper: within {claim_pct:g}% of the minimum")
    ax.set(xlabel="Tolerance on the energy-cost stage [% of its minimum]",
           ylabel="Change against the tightest tolerance [%]")
    ax.legend(frameon=False, fontsize="small")
    fig.tight_layout()
    return fig, data


def water_per_scheme(records: pd.DataFrame, budget_l: float) -> tuple[plt.Figure, pd.DataFrame]:
    """Daily water use [L] per scheme against the budget Z."""
    data = records[["scheme", "label", "water_l"]].reset_index(drop=True).assign(budget_l=budget_l)
    colors = scheme_colors(data["scheme"])
    fig, ax = plt.subplots(figsize=(5.6, 3.6))
    ax.bar(data["scheme"], data["water_l"], color=[colors[s] for s in data["scheme"]])
    ax.axhline(budget_l, color="0.3", linestyle="--", label=f"water budget Z = {budget_l:,.0f} L")
    ax.set(xlabel="Scheme", ylabel="Water use [L/day]")
    ax.legend(frameon=False, loc="lower right")
    fig.tight_layout()
    return fig, data


def water_budget(frame: pd.DataFrame, budget_l: float,
                 metrics: Sequence[str] = ("total_usd", "carbon_usd")) -> tuple[plt.Figure, pd.DataFrame]:
    """What tightening the water budget costs: metrics against the budget [L/day]; infeasible budgets marked."""
    data = frame[["scheme", "label", "factor", "status", *metrics, "water_l"]].copy()
    data["budget_l"] = data["factor"] * budget_l
    order = {name: n for n, name in enumerate(dict.fromkeys(data["scheme"]))}
    data = data.sort_values(["scheme", "budget_l"], key=lambda c: c.map(order) if c.name == "scheme" else c)
    data = data.reset_index(drop=True)
    fig, axes = _subplots(len(metrics))
    feasible = data[data["status"] != "infeasible"]
    for ax, metric in zip(axes, metrics, strict=True):
        sns.lineplot(data=feasible, x="budget_l", y=metric, hue="label", style="label", markers=True, dashes=False,
                     palette=_label_colors(data), ax=ax)
        _mark_infeasible(ax, data, "budget_l")
        ax.set(xlabel="Water budget Z [L/day]", ylabel=metric_label(metric))
    _legend_below(fig, axes[0], ncol=2)
    return fig, data


def latency_ecdf(latency: pd.DataFrame, labels: Mapping[str, str] | None = None, claim_s: float = 2.0,
                 n_points: int = 200) -> tuple[plt.Figure, pd.DataFrame]:
    """Share of queries served within each latency [s] (query-weighted ECDF), one line per scheme, with the claim."""
    grid = np.geomspace(max(latency["latency_s"].min(), 1e-4), latency["latency_s"].max() * 1.05, n_points)
    rows = []
    for scheme, group in latency.groupby("scheme", sort=False):
        values, weights = group["latency_s"].to_numpy(), group["queries"].to_numpy()
        order = np.argsort(values)
        cumulative = np.cumsum(weights[order]) / weights.sum()
        share = np.concatenate([[0.0], cumulative])[np.searchsorted(values[order], grid, side="right")]
        rows.append(pd.DataFrame({"scheme": scheme, "label": (labels or {}).get(scheme, scheme),
                                  "latency_s": grid, "share_of_queries": share}))
    data = pd.concat(rows, ignore_index=True)
    fig, ax = plt.subplots(figsize=(5.8, 4.0))
    sns.lineplot(data=data, x="latency_s", y="share_of_queries", hue="label", style="label", dashes=True,
                 palette=_label_colors(data), drawstyle="steps-post", ax=ax)
    ax.axvline(claim_s, color="0.3", linestyle=":", label=f"claim: {claim_s:g} s")
    ax.set(xscale="log", xlabel="Per-query latency (network + transfer + processing) [s]",
           ylabel="Share of queries served within [-]", ylim=(0, 1.02))
    ax.legend(frameon=False, fontsize="small", loc="upper left")
    fig.tight_layout()
    return fig, data


def pareto(front: pd.DataFrame, points: pd.DataFrame) -> tuple[plt.Figure, pd.DataFrame]:
    """The energy-vs-carbon frontier (epsilon-constraint points) with the schemes' own points on the same axes."""
    line = front[["energy_usd", "carbon_usd", "emissions_kg"]].sort_values("carbon_usd").assign(
        kind="frontier", scheme="frontier", label="Pareto frontier (min energy s.t. carbon <= eps)")
    marks = points[["scheme", "label", "energy_usd", "carbon_usd", "emissions_kg"]].assign(kind="scheme")
    fig, ax = plt.subplots(figsize=(5.8, 4.2))
    ax.plot(line["energy_usd"], line["carbon_usd"], color="0.3", marker=".", label=line["label"].iloc[0])
    colors = scheme_colors(marks["scheme"])
    style = ["o", "s", "^", "D", "P", "X", "v", "*"]
    for n, row in enumerate(marks.itertuples(index=False)):
        ax.scatter(row.energy_usd, row.carbon_usd, color=colors[row.scheme], marker=style[n % len(style)], s=60,
                   zorder=3, label=row.label, edgecolor="black", linewidth=0.5)
    ax.set(xlabel="Energy cost [$/day]", ylabel="Carbon cost [$/day]")
    ax.legend(frameon=False, fontsize="small")
    fig.tight_layout()
    data = pd.concat([line, marks], ignore_index=True)[["kind", "scheme", "label", "energy_usd", "carbon_usd",
                                                        "emissions_kg"]]
    return fig, data


def scheme_bars(records: pd.DataFrame, metrics: Sequence[str] = ("total_usd", "emissions_kg", "water_l"),
                title: str | None = None) -> tuple[plt.Figure, pd.DataFrame]:
    """One panel per metric, one bar per scheme."""
    data = records[["scheme", "label", *metrics]].reset_index(drop=True)
    colors = scheme_colors(data["scheme"])
    fig, axes = _subplots(len(metrics), width=3.6)
    for ax, metric in zip(axes, metrics, strict=True):
        ax.bar(data["scheme"], data[metric], color=[colors[s] for s in data["scheme"]])
        ax.set(xlabel="Scheme", ylabel=metric_label(metric))
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig, data


def allocation(served: pd.DataFrame, labels: Mapping[str, str] | None = None) -> tuple[plt.Figure, pd.DataFrame]:
    """Where the queries go: queries served per data centre and hour (stacked), one panel per scheme."""
    schemes = list(dict.fromkeys(served["scheme"]))
    dcs = list(dict.fromkeys(served.sort_values("dc")["dc_name"]))
    colors = sns.color_palette(PALETTE, max(len(dcs), 3))
    fig, axes = _subplots(len(schemes), width=4.0, height=3.6, sharey=True)
    for ax, scheme in zip(axes, schemes, strict=True):
        wide = (served[served["scheme"] == scheme].pivot_table(index="hour", columns="dc_name", values="queries",
                                                               aggfunc="sum").reindex(columns=dcs).fillna(0.0))
        ax.stackplot(wide.index, wide.T.to_numpy(), labels=dcs, colors=colors[: len(dcs)])
        ax.set(xlabel=HOUR_LABEL, ylabel="Queries served [queries/h]", title=(labels or {}).get(scheme, scheme),
               xlim=(wide.index.min(), wide.index.max()))
        ax.title.set_fontsize("small")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=min(len(dcs), 5), frameon=False, bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    data = served[["scheme", "hour", "dc", "dc_name", "queries"]].sort_values(["scheme", "hour", "dc"])
    return fig, data.reset_index(drop=True)


# ------------------------------------------------------------------------------------------------------------------
# Beyond the paper (docs/per_query.md): formulations, hardware mixes, a year of operation, scale
# ------------------------------------------------------------------------------------------------------------------

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
MODE_LABELS: dict[str, str] = {"perfect": "perfect foresight", "forecast": "persistence forecast (previous day)"}
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def any_metric_label(metric: str) -> str:
    """The axis label (with unit) of a record column of either formulation."""
    return EXTRA_METRICS.get(metric, metric_label(metric))


def _formulation_palette(names: Iterable[str]) -> dict[str, tuple]:
    palette = sns.color_palette(PALETTE, 10)
    return {FORMULATION_LABELS.get(n, n): palette[FORMULATION_COLORS.get(n, 7)] for n in dict.fromkeys(names)}


def _grid(n: int, ncols: int = 3, width: float = 4.0, height: float = 3.3):
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
        _legend_below(fig, ax, ncol=ncol)
        return
    handles, labels = ax.get_legend_handles_labels()
    for a in fig.axes:
        if a.get_legend() is not None:
            a.get_legend().remove()
    spare[0].legend(handles, labels, loc="center", frameon=False)
    fig.tight_layout()


def _wrap_ticks(ax, width: int = 12) -> None:
    """Wrap long categorical tick labels onto several lines."""
    import textwrap

    ticks = ax.get_xticks()
    labels = [textwrap.fill(label.get_text(), width) for label in ax.get_xticklabels()]
    ax.set_xticks(ticks, labels)


def _plain_log_ticks(ax, axis: str = "x") -> None:
    """Plain numbers at 1, 2 and 5 times powers of ten (0.2, 0.5, 1, 2, 5, 10) on a log axis, no minor labels."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
    target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    target.set_minor_formatter(NullFormatter())


def _mark_all_zero(ax, values: np.ndarray, text: str) -> None:
    """A panel whose bars are all 0 (e.g. no emissions when renewables cover every load): axis from 0, and say so."""
    if values.size and np.allclose(values, 0.0):
        ax.set_ylim(0, 1)
        ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center")


def formulations(records: pd.DataFrame,
                 metrics: Sequence[str] = ("total_usd", "emissions_kg", "water_l", "latency_mean_s"),
                 ) -> tuple[plt.Figure, pd.DataFrame]:
    """Paper vs per-query formulation per scheme: each allocation costed under the per-query physics (bars)."""
    data = records[records["status"] == "optimal"][["scheme", "label", "formulation", *metrics]]
    data = data.assign(formulation_label=data["formulation"].map(lambda f: FORMULATION_LABELS.get(f, f)))
    fig, axes, spare = _grid(len(metrics), ncols=min(len(metrics), 4), width=3.7)
    for ax, metric in zip(axes, metrics, strict=True):
        sns.barplot(data=data, x="scheme", y=metric, hue="formulation_label",
                    palette=_formulation_palette(data["formulation"]), ax=ax)
        ax.set(xlabel="Scheme", ylabel=any_metric_label(metric))
        _mark_all_zero(ax, data[metric].to_numpy(float), "0 for every scheme and formulation")
    fig.suptitle("Each formulation's allocation, costed under the per-query physics", fontsize="medium")
    _legend(fig, axes[0], spare, ncol=2)
    return fig, data.drop(columns="formulation_label").reset_index(drop=True)


def _weighted_ecdf(values: np.ndarray, weights: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Share of the total weight with value <= each grid point."""
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return np.concatenate([[0.0], cumulative])[np.searchsorted(values[order], grid, side="right")]


def formulation_latency(latency: pd.DataFrame, claim_s: float = 2.0,
                        n_points: int = 200) -> tuple[plt.Figure, pd.DataFrame]:
    """Query-weighted ECDF of per-query latency [s], one panel per scheme, one line per formulation, with the
    share of queries within their own SLO in the legend and the paper's latency claim marked."""
    finite = latency[np.isfinite(latency["latency_s"])]
    grid = np.geomspace(max(finite["latency_s"].min() * 0.9, 1e-4), finite["latency_s"].max() * 1.1, n_points)
    rows = []
    for (scheme, formulation), group in finite.groupby(["scheme", "formulation"], sort=False):
        weights = group["queries"].to_numpy()
        within = float(weights[group["within_slo"].to_numpy(bool)].sum() / weights.sum())
        rows.append(pd.DataFrame({"scheme": scheme, "label": group["label"].iloc[0], "formulation": formulation,
                                  "latency_s": grid, "share_of_queries": _weighted_ecdf(
                                      group["latency_s"].to_numpy(), weights, grid),
                                  "share_within_slo": within}))
    data = pd.concat(rows, ignore_index=True)
    schemes = list(dict.fromkeys(data["scheme"]))
    fig, axes, _ = _grid(len(schemes), ncols=min(len(schemes), 4), width=3.7, height=3.5)
    colors = _formulation_palette(data["formulation"])
    for ax, scheme in zip(axes, schemes, strict=True):
        part = data[data["scheme"] == scheme]
        for n, (formulation, line) in enumerate(part.groupby("formulation", sort=False)):
            name = FORMULATION_LABELS.get(formulation, formulation)
            ax.step(line["latency_s"], line["share_of_queries"], where="post", color=colors[name],
                    linestyle=("-", "--")[n % 2], label=f"{name} ({100 * line['share_within_slo'].iloc[0]:.0f} %"
                                                         " within SLO)")
        ax.axvline(claim_s, color="0.3", linestyle=":", label=f"paper v2 claim: {claim_s:g} s")
        ax.set(xscale="log", xlabel="Per-query latency [s]", ylabel="Share of queries served within [-]",
               ylim=(0, 1.02), title=part["label"].iloc[0])
        _plain_log_ticks(ax)
        ax.title.set_fontsize("small")
        ax.legend(frameon=False, fontsize="x-small", loc="upper left")
    fig.tight_layout()
    return fig, data


def hardware_mix(records: pd.DataFrame,
                 metrics: Sequence[str] = ("total_usd", "emissions_kg", "water_l", "accelerator_hours",
                                           "latency_mean_s")) -> tuple[plt.Figure, pd.DataFrame]:
    """Per-query results per hardware mix (x) and scheme (colour); accelerator-hours on a log axis when they span more
    than a factor of 10 across mixes, else linear from 0 (a log axis would exaggerate a small difference)."""
    data = records[records["status"] == "optimal"][["mix", "mix_label", "accelerators", "scheme", "label",
                                                    *metrics]].reset_index(drop=True)
    colors = _label_colors(data)
    fig, axes, spare = _grid(len(metrics), ncols=3, width=4.2, height=3.5)
    for ax, metric in zip(axes, metrics, strict=True):
        sns.barplot(data=data, x="mix_label", y=metric, hue="label", palette=colors, ax=ax)
        ax.set(xlabel="Hardware mix", ylabel=any_metric_label(metric))
        _wrap_ticks(ax)
        values = data[metric].to_numpy(float)
        positive = values[values > 0]
        if metric == "accelerator_hours" and positive.size and positive.max() > 10 * positive.min():
            ax.set_yscale("log")
            _plain_log_ticks(ax, "y")
        else:
            _mark_all_zero(ax, values, "0 for every mix and scheme")
    _legend(fig, axes[0], spare, ncol=1)
    return fig, data


def year_monthly(monthly: pd.DataFrame, metrics: Sequence[str] = ("total_usd", "emissions_kg", "water_l"),
                 year: int | None = None) -> tuple[plt.Figure, pd.DataFrame]:
    """Monthly sums of the realised daily results per mode (one line per mode), one panel per metric."""
    modes = [m for m in MODE_LABELS if m in set(monthly["mode"])] + sorted(set(monthly["mode"]) - set(MODE_LABELS))
    data = monthly[["mode", "month", "days", "infeasible_days", *metrics]].copy()
    data = data.sort_values(["mode", "month"], key=lambda c: c.map(modes.index) if c.name == "mode" else c)
    data["mode_label"] = data["mode"].map(lambda m: MODE_LABELS.get(m, m))
    palette = sns.color_palette(PALETTE, 10)
    colors = {MODE_LABELS.get(m, m): palette[n] for n, m in enumerate(modes)}
    fig, axes = _subplots(len(metrics), width=4.4, height=3.5)
    for ax, metric in zip(axes, metrics, strict=True):
        sns.lineplot(data=data, x="month", y=metric, hue="mode_label", style="mode_label", markers=True,
                     dashes=False, palette=colors, ax=ax)
        months = sorted(data["month"].unique())
        ax.set_xticks(months, [MONTH_NAMES[m - 1] for m in months], rotation=45 if len(months) > 6 else 0)
        ax.set(xlabel=f"Month{f' of {year}' if year else ''} [-]",
               ylabel=metric_label(metric).replace("/day]", "/month]"))
    _legend_below(fig, axes[0], ncol=2)
    return fig, data.drop(columns="mode_label").reset_index(drop=True)


def year_forecast_cost(per_day: pd.DataFrame, start: str | pd.Timestamp) -> tuple[plt.Figure, pd.DataFrame]:
    """The cost of imperfect forecasts: realised extra total cost of the persistence forecast over perfect
    foresight per day [%] and per month [$/month]."""
    days = per_day.copy()
    days["date"] = pd.Timestamp(start) + pd.to_timedelta(days["day"], unit="D")
    months = days.groupby("month", as_index=False)[["perfect_usd", "forecast_usd", "extra_usd"]].sum()
    months["extra_pct"] = 100.0 * months["extra_usd"] / months["perfect_usd"].abs()
    palette = sns.color_palette(PALETTE, 10)
    fig, axes = plt.subplots(1, 2, figsize=(11.0, 3.8), gridspec_kw={"width_ratios": [1.6, 1.0]})
    ax = axes[0]
    ax.plot(days["date"], days["extra_pct"], color=palette[0], linewidth=0.8, marker="." if len(days) < 40 else None,
            label="one day")
    if len(days) >= 14:
        ax.plot(days["date"], days["extra_pct"].rolling(7, center=True).mean(), color=palette[1], linewidth=1.8,
                label="7-day mean")
    ax.axhline(0.0, color="0.3", linewidth=0.8)
    ax.set(xlabel="Date (UTC) [day]", ylabel="Extra total cost of the forecast [% of perfect]")
    ax.legend(frameon=False, fontsize="small")
    fig.autofmt_xdate()
    ax = axes[1]
    ax.bar([MONTH_NAMES[m - 1] for m in months["month"]], months["extra_usd"], color=palette[0])
    ax.axhline(0.0, color="0.3", linewidth=0.8)
    ax.set(xlabel="Month [-]", ylabel="Extra total cost of the forecast [$/month]")
    ax.tick_params(axis="x", labelrotation=45 if len(months) > 6 else 0)
    fig.tight_layout()
    data = pd.concat([days.assign(period="day"), months.assign(period="month")], ignore_index=True)
    return fig, data[["period", "day", "date", "month", "perfect_usd", "forecast_usd", "extra_usd", "extra_pct"]]


def scaling(frame: pd.DataFrame, exponents: pd.DataFrame | None = None) -> tuple[plt.Figure, pd.DataFrame]:
    """Scaling curves: solve seconds and peak memory against variables (log-log), one line per formulation, with
    the least-squares growth exponent in the legend."""
    from greenllm.experiments import growth_exponent

    data = frame[["formulation", "n", "routes", "kept", "variables", "constraints", "nonzeros", "build_s",
                  "solve_s", "peak_mb"]].sort_values(["formulation", "variables"]).reset_index(drop=True)
    palette = sns.color_palette(PALETTE, 10)
    names = list(dict.fromkeys(frame["formulation"]))
    colors = {name: palette[FORMULATION_COLORS.get(name.removesuffix("_loose"), 2) + 2 * name.endswith("_loose")]
              for name in names}
    panels = [("solve_s", "Solve time [s]"), ("peak_mb", "Peak resident memory [MB]")]
    fig, axes = _subplots(len(panels), width=5.0, height=4.0)
    for ax, (column, label) in zip(axes, panels, strict=True):
        for n, name in enumerate(names):
            part = data[data["formulation"] == name]
            a = growth_exponent(part["variables"], part[column])
            ax.plot(part["variables"], part[column], marker="os^D"[n % 4], color=colors[name],
                    label=f"{FORMULATION_LABELS.get(name, name)}: ~ variables^{a:.2f}")
            for row in part.itertuples(index=False):  # sizes above the first line, below the others
                ax.annotate(f"N={row.n}", (row.variables, getattr(row, column)), textcoords="offset points",
                            xytext=(-6, 7) if n == 0 else (5, -11), fontsize="x-small", color=colors[name])
        ax.set(xscale="log", yscale="log", xlabel="LP variables [-]", ylabel=label)
        _plain_log_ticks(ax, "y")
        ax.legend(frameon=False, fontsize="small", loc="upper left")
    fig.tight_layout()
    return fig, data
