"""Figures of the paper's experiments: costs per scheme, sweeps over a scale factor, hourly results, the
lexicographic tolerance, water, latency, the energy-carbon frontier and where the queries go.

The figures seaborn draws import it where they draw (:func:`greenllm.plots.common.seaborn`), so that the other
figures' notebooks start without it."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from greenllm import outputs
from greenllm.plots.common import (
    FIELD_LABELS, PALETTE, hour_label, label_colors, legend_below, log_label, mark_infeasible, metric_label,
    note_determined, palette_colors, scheme_colors, seaborn, series_palette, subplots,
)


COST_COMPONENTS = ("energy", "carbon", "delay")


def _drawn_as_written(draw):
    """Every frame a figure function gets is drawn at the precision its CSV is written with
    (:func:`greenllm.outputs.at_written_precision`): solver results that differ between machines only below the
    written digits draw the same pixels."""
    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        def fixed(value):
            return outputs.at_written_precision(value) if isinstance(value, pd.DataFrame) else value
        return draw(*(fixed(a) for a in args), **{k: fixed(v) for k, v in kwargs.items()})
    return wrapper


def _determined(records: pd.DataFrame) -> list[str]:
    """The ``determined_by`` column of records ('' where a scheme had no determining stage but water)."""
    if "determined_by" not in records.columns:
        return [""] * len(records)
    return [d if isinstance(d, str) else "" for d in records["determined_by"]]


@_drawn_as_written
def scheme_costs(records: pd.DataFrame) -> tuple[plt.Figure, pd.DataFrame]:
    """Stacked energy, carbon and delay cost [$/day] per scheme (the base-case table as a picture). A footnote names
    the determining stages that fixed what a scheme's objective leaves open (e.g. the delay cost of the energy-only
    scheme: greenllm.solve.DETERMINING_ORDER); the CSV keeps them in ``determined_by``."""
    data = records[["scheme", "label", "energy_usd", "carbon_usd", "delay_usd", "total_usd"]].reset_index(drop=True)
    data["determined_by"] = _determined(records)
    colors = palette_colors(3)
    fig, ax = plt.subplots(figsize=(6.5, 3.9))
    bottom = np.zeros(len(data))
    for color, column in zip(colors, ("energy_usd", "carbon_usd", "delay_usd"), strict=True):
        ax.bar(data["scheme"], data[column], bottom=bottom, color=color, label=metric_label(column).split(" [")[0])
        bottom += data[column].to_numpy()
    ax.set(xlabel="Scheme", ylabel="Cost [$/day]")
    ax.legend(frameon=False, ncol=3, loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize="small")
    fig.tight_layout()
    note_determined(fig, data)
    return fig, data


@_drawn_as_written
def sweep(frame: pd.DataFrame, metrics: Sequence[str], field: str | None = None) -> tuple[plt.Figure, pd.DataFrame]:
    """One panel per metric: the metric against the scale factor, one line per scheme."""
    sns = seaborn()

    field = field or str(frame["field"].iloc[0])
    order = {name: n for n, name in enumerate(dict.fromkeys(frame["scheme"]))}
    data = frame[["scheme", "label", "field", "factor", "status", *metrics]].sort_values(
        ["scheme", "factor"], key=lambda c: c.map(order) if c.name == "scheme" else c)
    fig, axes = subplots(len(metrics))
    for ax, metric in zip(axes, metrics, strict=True):
        sns.lineplot(data=data, x="factor", y=metric, hue="label", style="label", markers=True, dashes=False,
                     palette=label_colors(data), ax=ax)
        mark_infeasible(ax, data, "factor")
        ax.set(xlabel=FIELD_LABELS.get(field, f"Scale factor of {field} [-]"), ylabel=metric_label(metric))
    legend_below(fig, axes[0], ncol=2)
    solved = frame[frame["status"] != "infeasible"] if "status" in frame.columns else frame
    note_determined(fig, solved.drop_duplicates("scheme"))
    return fig, data.reset_index(drop=True)


@_drawn_as_written
def sweep_levels(frame: pd.DataFrame, metric: str = "total_usd", level: str = "scale_delay_penalty",
                 field: str = "energy_per_token") -> tuple[plt.Figure, pd.DataFrame]:
    """One scheme's metric against a scale factor, one line per level of a second factor (e.g. delay penalty)."""
    sns = seaborn()

    data = frame[["scheme", "label", "factor", level, "status", metric]].sort_values([level, "factor"])
    data = data.assign(level_label=[f"{v:g}" for v in data[level]])
    fig, ax = plt.subplots(figsize=(5.4, 3.8))
    sns.lineplot(data=data, x="factor", y=metric, hue="level_label", style="level_label", markers=True,
                 dashes=False, palette=PALETTE, ax=ax)
    mark_infeasible(ax, data, "factor")
    ax.set(xlabel=FIELD_LABELS.get(field, field), ylabel=metric_label(metric))
    second = FIELD_LABELS.get(level.removeprefix("scale_"), level).split(" [")[0]
    ax.legend(title=second, frameon=False, fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig, data.drop(columns="level_label").reset_index(drop=True)


@_drawn_as_written
def hourly(frame: pd.DataFrame, metric: str, panel: str = "factor", panel_title: str = "scale factor {value:g}",
           clock: str | None = None) -> tuple[plt.Figure, pd.DataFrame]:
    """A per-hour metric, one line per scheme, one panel per value of ``panel`` (e.g. the scale factor); ``clock``
    names the hour axis' clock (:func:`~greenllm.plots.inputs.result_clock` of the scenario)."""
    sns = seaborn()

    data = frame[["scheme", "label", "field", "factor", "hour", metric]].sort_values([panel, "scheme", "hour"])
    values = list(dict.fromkeys(data[panel]))
    fig, axes = subplots(len(values), sharey=True)
    for ax, value in zip(axes, values, strict=True):
        part = data[data[panel] == value]
        sns.lineplot(data=part, x="hour", y=metric, hue="label", style="label", markers=True, dashes=False,
                     palette=label_colors(data), ax=ax)
        ax.set(xlabel=hour_label(clock), ylabel=metric_label(metric).replace("/day]", "/h]"),
               title=panel_title.format(value=value))
    legend_below(fig, axes[0], ncol=3)
    return fig, data.reset_index(drop=True)


@_drawn_as_written
def tolerance_tradeoff(tradeoff: pd.DataFrame, claim_pct: float = 3.0) -> tuple[plt.Figure, pd.DataFrame]:
    """Energy-cost increase and carbon, emissions and water reductions [%] against the lexicographic tolerance."""
    sns = seaborn()

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


@_drawn_as_written
def water_per_scheme(records: pd.DataFrame, budget_l: float) -> tuple[plt.Figure, pd.DataFrame]:
    """Daily water use [L] per scheme against the budget Z."""
    data = records[["scheme", "label", "water_l"]].reset_index(drop=True).assign(budget_l=budget_l)
    colors = scheme_colors(data["scheme"])
    fig, ax = plt.subplots(figsize=(5.6, 3.6))
    ax.bar(data["scheme"], data["water_l"], color=[colors[s] for s in data["scheme"]])
    ax.axhline(budget_l, color="0.3", linestyle="--", label=f"water budget Z = {budget_l:,.0f} L")
    ax.set(xlabel="Scheme", ylabel="Water use [L/day]", ylim=(0, budget_l * 1.08))
    ax.legend(frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout()
    return fig, data


@_drawn_as_written
def water_budget(frame: pd.DataFrame, budget_l: float,
                 metrics: Sequence[str] = ("total_usd", "carbon_usd")) -> tuple[plt.Figure, pd.DataFrame]:
    """What tightening the water budget costs: metrics against the budget [L/day]; infeasible budgets marked."""
    sns = seaborn()

    data = frame[["scheme", "label", "factor", "status", *metrics, "water_l"]].copy()
    data["budget_l"] = data["factor"] * budget_l
    order = {name: n for n, name in enumerate(dict.fromkeys(data["scheme"]))}
    data = data.sort_values(["scheme", "budget_l"], key=lambda c: c.map(order) if c.name == "scheme" else c)
    data = data.reset_index(drop=True)
    fig, axes = subplots(len(metrics))
    feasible = data[data["status"] != "infeasible"]
    for ax, metric in zip(axes, metrics, strict=True):
        sns.lineplot(data=feasible, x="budget_l", y=metric, hue="label", style="label", markers=True, dashes=False,
                     palette=label_colors(data), ax=ax)
        mark_infeasible(ax, data, "budget_l")
        ax.set(xlabel="Water budget Z [L/day]", ylabel=metric_label(metric))
    legend_below(fig, axes[0], ncol=2)
    return fig, data


@_drawn_as_written
def latency_ecdf(latency: pd.DataFrame, labels: Mapping[str, str] | None = None, claim_s: float = 2.0,
                 n_points: int = 200, assumption: str | None = None) -> tuple[plt.Figure, pd.DataFrame]:
    """Share of queries served within each latency [s] (query-weighted ECDF), one line per scheme, with the claim.

    ``assumption``: the processing-time assumption the latencies rest on, printed as the figure's title (e.g. the
    paper's 1e-6 s per token)."""
    sns = seaborn()

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
                 palette=label_colors(data), drawstyle="steps-post", ax=ax)
    ax.axvline(claim_s, color="0.3", linestyle=":", label=f"paper v2 claim: {claim_s:g} s", gid="slo_line")
    ax.set(xscale="log", xlabel=log_label("Per-query latency (network + transfer + processing) [s]"),
           ylabel="Share of queries served within [-]", ylim=(0, 1.02))
    if assumption:
        ax.set_title(assumption, fontsize="small")
    legend_below(fig, ax, ncol=2)  # below the axes: the curves fill the panel
    return fig, data.assign(assumption=assumption or "")


@_drawn_as_written
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


@_drawn_as_written
def scheme_bars(records: pd.DataFrame, metrics: Sequence[str] = ("total_usd", "emissions_kg", "water_l"),
                title: str | None = None) -> tuple[plt.Figure, pd.DataFrame]:
    """One panel per metric, one bar per scheme."""
    data = records[["scheme", "label", *metrics]].reset_index(drop=True)
    colors = scheme_colors(data["scheme"])
    fig, axes = subplots(len(metrics), width=3.6)
    for ax, metric in zip(axes, metrics, strict=True):
        ax.bar(data["scheme"], data[metric], color=[colors[s] for s in data["scheme"]])
        ax.set(xlabel="Scheme", ylabel=metric_label(metric))
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    note_determined(fig, records)
    return fig, data.assign(determined_by=_determined(records))


@_drawn_as_written
def allocation(served: pd.DataFrame, labels: Mapping[str, str] | None = None,
               clock: str | None = None) -> tuple[plt.Figure, pd.DataFrame]:
    """Where the queries go: queries served per data centre and hour (stacked), one panel per scheme; ``clock``
    names the hour axis' clock."""
    schemes = list(dict.fromkeys(served["scheme"]))
    dcs = list(dict.fromkeys(served.sort_values("dc")["dc_name"]))
    colors = series_palette(max(len(dcs), 3))
    fig, axes = subplots(len(schemes), width=4.0, height=3.6, sharey=True)
    for ax, scheme in zip(axes, schemes, strict=True):
        wide = (served[served["scheme"] == scheme].pivot_table(index="hour", columns="dc_name", values="queries",
                                                               aggfunc="sum").reindex(columns=dcs).fillna(0.0))
        ax.stackplot(wide.index, wide.T.to_numpy(), labels=dcs, colors=colors[: len(dcs)])
        ax.set(xlabel=hour_label(clock), ylabel="Queries served [queries/h]", title=(labels or {}).get(scheme, scheme),
               xlim=(wide.index.min(), wide.index.max()))
        ax.title.set_fontsize("small")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=min(len(dcs), 5), frameon=False, bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    data = served[["scheme", "hour", "dc", "dc_name", "queries"]].sort_values(["scheme", "hour", "dc"])
    return fig, data.reset_index(drop=True)

