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


UTC_HOUR = "UTC"
RECIPE_HOUR = "hour index of the recipe (no time zone stated)"


def time_bases(folder: str | os.PathLike) -> dict[str, str]:
    """The clock of each hourly input of a scenario folder, from its provenance.json: ``UTC`` when the builder
    selected UTC hours (a folder-wide ``hours_utc``/``day_utc``, or "UTC" in the series' selection), else the recipe's
    hour index. Keys: dc_hour column names."""
    from greenllm.provenance import read_provenance

    prov = read_provenance(folder)
    folder_utc = any(key in prov for key in ("hours_utc", "day_utc"))
    out = {}
    for column in ("carbon_kg_per_kwh", "price_usd_per_kwh", "renewable_kw"):
        entry = (prov.get("series") or {}).get(f"dc_hour.{column}") or {}
        utc = folder_utc or "UTC" in str(entry.get("selection", ""))
        out[column] = UTC_HOUR if utc else RECIPE_HOUR
    return out


def _hour_label(base: str | None) -> str:
    if not base:
        return HOUR_LABEL
    return f"Hour of the day, {base} [h]" if base == UTC_HOUR else f"Hour of the day ({base}) [h]"


def inputs_dc_hour(dc_hour: pd.DataFrame, peak: Sequence[int] = (),
                   bases: Mapping[str, str] | None = None) -> tuple[plt.Figure, pd.DataFrame]:
    """Carbon intensity, electricity price (peak band shaded) and on-site renewables per data centre and hour; each
    panel's hour axis names its clock (``bases``: column -> clock, from :func:`time_bases`), so inputs on different
    clocks are not read as aligned."""
    panels = [("carbon_kg_per_kwh", "Carbon intensity [kg CO2e/kWh]"),
              ("price_usd_per_kwh", "Electricity price [$/kWh]"),
              ("renewable_kw", "On-site renewables [kW]")]
    bases = dict(bases or {})
    fig, axes = _subplots(3, width=4.6)
    for ax, (column, label) in zip(axes, panels, strict=True):
        if column == "price_usd_per_kwh" and len(peak):
            _shade_hours(ax, peak, "price peak")
        sns.lineplot(data=dc_hour, x="hour", y=column, hue="dc_name", ax=ax, palette=PALETTE, linewidth=1.2)
        low = min(0.0, float(dc_hour[column].min()))
        ax.set(xlabel=_hour_label(bases.get(column)), ylabel=label, xlim=(-0.5, dc_hour["hour"].max() + 0.5),
               ylim=(low, None))
    if len(set(bases.values())) > 1:
        fig.suptitle("Panels use different clocks: see each hour axis", fontsize="medium")
    _legend_below(fig, axes[1], ncol=5)
    data = dc_hour.assign(price_peak=dc_hour["hour"].isin(list(peak)))
    for column in ("carbon_kg_per_kwh", "price_usd_per_kwh", "renewable_kw"):
        data[f"{column}_clock"] = bases.get(column, "")
    return fig, data


def inputs_demand(demand: pd.DataFrame) -> tuple[plt.Figure, pd.DataFrame]:
    """Queries per hour by user area (summed over types) and by query type (summed over areas), axes from 0, with
    the generator's floor (the smallest queries per (area, type, hour), times the number of summed series) drawn
    and the share of values sitting on it stated."""
    floor = float(demand["queries"].min())
    at_floor = float((demand["queries"] == floor).mean())
    by_area = demand.groupby(["hour", "area_name"], as_index=False, sort=False)["queries"].sum()
    by_type = demand.groupby(["hour", "type_name"], as_index=False, sort=False)["queries"].sum()
    n_types, n_areas = demand["type_name"].nunique(), demand["area_name"].nunique()
    fig, axes = _subplots(2, width=5.2, height=4.0)
    sns.lineplot(data=by_area, x="hour", y="queries", hue="area_name", ax=axes[0], palette=PALETTE)
    sns.lineplot(data=by_type, x="hour", y="queries", hue="type_name", ax=axes[1], palette=PALETTE)
    for ax, title, summed in zip(axes, ("by user area", "by query type"), (n_types, n_areas), strict=True):
        ax.axhline(floor * summed, color="0.3", linestyle="--", linewidth=1.0,
                   label=f"floor: {floor:,.0f} queries/h per (area, type) x {summed}")
        ax.set(xlabel=HOUR_LABEL, ylabel="Demand [queries/h]", title=title, ylim=(0, None))
        ax.legend(fontsize="x-small", ncol=2, frameon=False, loc="lower right")
    fig.suptitle(f"{100 * at_floor:.0f} % of the (area, type, hour) values sit on the generator's floor of "
                 f"{floor:,.0f} queries/h", fontsize="medium")
    fig.tight_layout()
    data = pd.concat([by_area.rename(columns={"area_name": "group"}).assign(by="area", floor=floor * n_types),
                      by_type.rename(columns={"type_name": "group"}).assign(by="type", floor=floor * n_areas)],
                     ignore_index=True)
    data["share_at_floor"] = at_floor
    return fig, data[["by", "group", "hour", "queries", "floor", "share_at_floor"]]


def mark_stand_ins(fig, notes: Sequence[str]) -> None:
    """A visible line at the foot of a figure drawn from a scenario built with flagged stand-ins
    (:func:`greenllm.provenance.stand_ins`); nothing when there are none."""
    if not notes:
        return
    import textwrap

    text = "Built with stand-ins for missing real data: " + "; ".join(notes)
    fig.text(0.5, -0.01, textwrap.fill(text, 160), ha="center", va="top", fontsize="x-small", color="#b00000",
             gid="stand_in_mark")


# ------------------------------------------------------------------------------------------------------------------
# Results
# ------------------------------------------------------------------------------------------------------------------


NON_UNIQUE_LABEL = "not determined by the objective (one optimum of several)"
COST_COMPONENTS = ("energy", "carbon", "delay")


def free_components(spec: Mapping) -> list[str]:
    """The cost components a scheme's objective does not weigh (weight 0, or not its single objective): their value
    at the optimum is one point of a possibly non-unique optimal face. Lexicographic schemes weigh all in turn."""
    kind = spec.get("scheme")
    if kind == "lexicographic":
        return [c for c in COST_COMPONENTS if c not in spec.get("order", COST_COMPONENTS)]
    if kind == "weighted":
        return [c for c, w in zip(COST_COMPONENTS, spec.get("weights", (1, 1, 1)), strict=True) if float(w) == 0]
    return [c for c in COST_COMPONENTS if c != kind]


def scheme_costs(records: pd.DataFrame, non_unique: Mapping[str, Sequence[str]] | None = None,
                 ) -> tuple[plt.Figure, pd.DataFrame]:
    """Stacked energy, carbon and delay cost [$/day] per scheme (the base-case table as a picture).

    ``non_unique``: scheme -> cost components its objective leaves free (e.g. the delay cost of the energy-only and
    carbon-only schemes: another optimum of the same objective may have another delay cost). Those segments are
    hatched and say so in the legend.
    """
    non_unique = {k: list(v) for k, v in (non_unique or {}).items()}
    data = records[["scheme", "label", "energy_usd", "carbon_usd", "delay_usd", "total_usd"]].reset_index(drop=True)
    data["non_unique"] = [",".join(non_unique.get(s, [])) for s in data["scheme"]]
    colors = sns.color_palette(PALETTE, 3)
    fig, ax = plt.subplots(figsize=(6.5, 3.9))
    bottom = np.zeros(len(data))
    marked = False
    for color, column in zip(colors, ("energy_usd", "carbon_usd", "delay_usd"), strict=True):
        component = column.removesuffix("_usd")
        bars = ax.bar(data["scheme"], data[column], bottom=bottom, color=color,
                      label=metric_label(column).split(" [")[0])
        for bar, free in zip(bars, data["non_unique"], strict=True):
            if component in free.split(","):
                bar.set_hatch("///")
                bar.set_edgecolor("0.2")
                marked = True
        bottom += data[column].to_numpy()
    if marked:
        ax.bar([data["scheme"].iloc[0]], [0], color="white", edgecolor="0.2", hatch="///", label=NON_UNIQUE_LABEL)
    ax.set(xlabel="Scheme", ylabel="Cost [$/day]")
    ax.legend(frameon=False, ncol=2, loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize="small")
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
    ax.set(xlabel="Scheme", ylabel="Water use [L/day]", ylim=(0, budget_l * 1.08))
    ax.legend(frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0))
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
                 n_points: int = 200, assumption: str | None = None) -> tuple[plt.Figure, pd.DataFrame]:
    """Share of queries served within each latency [s] (query-weighted ECDF), one line per scheme, with the claim.

    ``assumption``: the processing-time assumption the latencies rest on, printed as the figure's title (e.g. the
    paper's 1e-6 s per token)."""
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
    ax.axvline(claim_s, color="0.3", linestyle=":", label=f"paper v2 claim: {claim_s:g} s", gid="slo_line")
    ax.set(xscale="log", xlabel="Per-query latency (network + transfer + processing) [s]",
           ylabel="Share of queries served within [-]", ylim=(0, 1.02))
    if assumption:
        ax.set_title(assumption, fontsize="small")
    ax.legend(frameon=False, fontsize="small", loc="lower right")
    fig.tight_layout()
    return fig, data.assign(assumption=assumption or "")


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


def _all_zero(values) -> bool:
    values = np.asarray(values, float)
    return bool(values.size) and bool(np.allclose(values, 0.0))


def _zero_note(metrics: Sequence[str], where: str) -> str:
    """'Emissions: 0 for every scheme and formulation (not drawn).' for the metrics left out."""
    names = ", ".join(any_metric_label(m).split(" [")[0] for m in metrics)
    return f"{names}: 0 for every {where} (not drawn)" if metrics else ""


def formulations(records: pd.DataFrame,
                 metrics: Sequence[str] = ("total_usd", "emissions_kg", "water_l", "latency_mean_s"),
                 ) -> tuple[plt.Figure, pd.DataFrame]:
    """Per-query formulation vs the paper's, per scheme: both allocations costed under the per-query physics, drawn
    as the relative difference (per-query - paper) / paper [%] (the absolute bars are nearly identical). A metric that
    is 0 for every scheme and formulation is not drawn; the title says so. The CSV keeps both absolute values."""
    data = records[records["status"] == "optimal"][["scheme", "label", "formulation", *metrics]]
    zero = [m for m in metrics if _all_zero(data[m])]
    drawn = [m for m in metrics if m not in zero]
    rows = []
    for metric in drawn:
        wide = data.pivot_table(index=["scheme", "label"], columns="formulation", values=metric, sort=False)
        for (scheme, label), row in wide.iterrows():
            paper, per_query = float(row.get("paper", np.nan)), float(row.get("per_query", np.nan))
            rows.append({"scheme": scheme, "label": label, "metric": metric, "paper": paper, "per_query": per_query,
                         "difference_pct": 100.0 * (per_query - paper) / abs(paper) if paper else np.nan})
    out = pd.DataFrame(rows)
    fig, axes, _ = _grid(len(drawn), ncols=min(len(drawn), 3), width=3.9, height=3.4)
    colors = scheme_colors(out["scheme"])
    for ax, metric in zip(axes, drawn, strict=True):
        part = out[out["metric"] == metric]
        ax.bar(part["scheme"], part["difference_pct"], color=[colors[x] for x in part["scheme"]])
        ax.axhline(0.0, color="0.3", linewidth=0.8)
        ax.set(xlabel="Scheme", ylabel=f"{any_metric_label(metric).split(' [')[0]}:\nper-query vs paper [%]")
    title = "Per-query formulation's allocation vs the paper's, both costed under the per-query physics"
    note = _zero_note(zero, "scheme and formulation")
    fig.suptitle(title + (f"\n{note}" if note else ""), fontsize="medium")
    fig.tight_layout()
    return fig, out.assign(not_drawn_all_zero=",".join(zero))


def _weighted_ecdf(values: np.ndarray, weights: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Share of the total weight with value <= each grid point."""
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return np.concatenate([[0.0], cumulative])[np.searchsorted(values[order], grid, side="right")]


def _merge_identical(curves: dict[str, np.ndarray], rtol: float = 1e-9) -> list[list[str]]:
    """Group the names whose curves are identical (in the given order): [[M0, LEX], [M1, M2]]."""
    groups: list[list[str]] = []
    for name, curve in curves.items():
        for group in groups:
            if np.allclose(curves[group[0]], curve, rtol=rtol, atol=1e-12):
                group.append(name)
                break
        else:
            groups.append([name])
    return groups


def formulation_latency(latency: pd.DataFrame, claim_s: float = 2.0,
                        n_points: int = 200) -> tuple[plt.Figure, pd.DataFrame]:
    """Query-weighted ECDF of per-query latency [s] under the per-query physics, one panel per formulation whose
    allocation is evaluated, one line per scheme (schemes with identical distributions share one line), with the
    per-query SLOs (the band from the smallest to the largest SLO of any (area, type)) and the paper's claim."""
    finite = latency[np.isfinite(latency["latency_s"])]
    grid = np.geomspace(max(finite["latency_s"].min() * 0.9, 1e-4), finite["latency_s"].max() * 1.1, n_points)
    slo_low, slo_high = (float(finite["slo_s"].min()), float(finite["slo_s"].max())) if "slo_s" in finite else (
        np.nan, np.nan)
    rows = []
    formulations_present = list(dict.fromkeys(finite["formulation"]))
    for formulation in formulations_present:
        part = finite[finite["formulation"] == formulation]
        curves, within, labels = {}, {}, {}
        for scheme, group in part.groupby("scheme", sort=False):
            weights = group["queries"].to_numpy()
            curves[scheme] = _weighted_ecdf(group["latency_s"].to_numpy(), weights, grid)
            within[scheme] = float(weights[group["within_slo"].to_numpy(bool)].sum() / weights.sum())
            labels[scheme] = group["label"].iloc[0]
        for group in _merge_identical(curves):
            rows.append(pd.DataFrame({"formulation": formulation, "schemes": " = ".join(group),
                                      "latency_s": grid, "share_of_queries": curves[group[0]],
                                      "share_within_slo": within[group[0]], "slo_min_s": slo_low,
                                      "slo_max_s": slo_high, "claim_s": claim_s}))
    data = pd.concat(rows, ignore_index=True)
    fig, axes, _ = _grid(len(formulations_present), ncols=len(formulations_present), width=4.6, height=3.8)
    palette = sns.color_palette(PALETTE, 10)
    for ax, formulation in zip(axes, formulations_present, strict=True):
        part = data[data["formulation"] == formulation]
        if np.isfinite(slo_low):
            ax.axvspan(slo_low, max(slo_high, slo_low * 1.02), color="0.85", zorder=0, gid="slo_line",
                       label=f"per-query SLOs ({slo_low:.3g}-{slo_high:.3g} s)")
        for n, (names, line) in enumerate(part.groupby("schemes", sort=False)):
            ax.step(line["latency_s"], line["share_of_queries"], where="post", color=palette[n],
                    linestyle=("-", "--", "-.", ":")[n % 4],
                    label=f"{names} ({100 * line['share_within_slo'].iloc[0]:.0f} % within SLO)")
        ax.axvline(claim_s, color="0.3", linestyle=":", label=f"paper v2 claim: {claim_s:g} s")
        ax.set(xscale="log", xlabel="Per-query latency, per-query physics [s]",
               ylabel="Share of queries served within [-]", ylim=(0, 1.02),
               title=f"allocation of the {FORMULATION_LABELS.get(formulation, formulation)}")
        _plain_log_ticks(ax)
        ax.title.set_fontsize("small")
        ax.legend(frameon=False, fontsize="x-small", loc="upper left")
    fig.tight_layout()
    return fig, data


def hardware_mix(records: pd.DataFrame,
                 metrics: Sequence[str] = ("total_usd", "emissions_kg", "water_l", "accelerator_hours",
                                           "latency_mean_s")) -> tuple[plt.Figure, pd.DataFrame]:
    """Per-query results of each hardware mix relative to the first mix (the reference) under the same scheme [%],
    one panel per metric; schemes whose changes coincide share one bar, and a metric that is 0 everywhere is not
    drawn (the title says so). The CSV keeps the absolute values."""
    data = records[records["status"] == "optimal"][["mix", "mix_label", "accelerators", "scheme", "label",
                                                    *metrics]].reset_index(drop=True)
    reference = data["mix"].iloc[0]
    zero = [m for m in metrics if _all_zero(data[m])]
    drawn = [m for m in metrics if m not in zero]
    base = data[data["mix"] == reference].set_index("scheme")
    rows = []
    for metric in drawn:
        for row in data.itertuples(index=False):
            ref = float(base.loc[row.scheme, metric])
            value = float(getattr(row, metric))
            rows.append({"metric": metric, "mix": row.mix, "mix_label": row.mix_label, "scheme": row.scheme,
                         "label": row.label, "value": value, "reference_value": ref,
                         "change_pct": 100.0 * (value - ref) / abs(ref) if ref else np.nan})
    out = pd.DataFrame(rows)
    others = [m for m in dict.fromkeys(data["mix"]) if m != reference]
    fig, axes, _ = _grid(len(drawn), ncols=min(len(drawn), 4), width=3.8, height=3.6)
    palette = sns.color_palette(PALETTE, 10)
    group_colors: dict[str, tuple] = {}  # one colour per group of schemes, the same in every panel
    for ax, metric in zip(axes, drawn, strict=True):
        part = out[(out["metric"] == metric) & out["mix"].isin(others)]
        curves = {s: part[part["scheme"] == s]["change_pct"].to_numpy() for s in dict.fromkeys(part["scheme"])}
        groups = _merge_identical(curves, rtol=1e-6)
        width = 0.8 / len(groups)
        for n, group in enumerate(groups):
            name = " = ".join(group)
            color = group_colors.setdefault(name, palette[len(group_colors) % 10])
            ax.bar(np.arange(len(others)) + (n - (len(groups) - 1) / 2) * width, curves[group[0]], width=width,
                   color=color, label=name)
        ax.axhline(0.0, color="0.3", linewidth=0.8)
        labels = [data.loc[data["mix"] == m, "mix_label"].iloc[0] for m in others]
        ax.set_xticks(range(len(others)), labels)
        _wrap_ticks(ax)
        ax.set(xlabel="Hardware mix", ylabel=f"{any_metric_label(metric).split(' [')[0]}:\nchange vs reference [%]")
    ref_label = data.loc[data["mix"] == reference, "mix_label"].iloc[0]
    note = _zero_note(zero, "mix and scheme")
    fig.suptitle(f"Each mix against the reference mix '{ref_label}' under the same scheme"
                 + (f"\n{note}" if note else ""), fontsize="medium")
    handles = [plt.Rectangle((0, 0), 1, 1, color=color) for color in group_colors.values()]
    fig.legend(handles, list(group_colors), title="schemes (identical changes share a bar)", loc="lower center",
               ncol=len(group_colors), frameon=False, bbox_to_anchor=(0.5, -0.02), fontsize="small")
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig, out.assign(reference_mix=reference, not_drawn_all_zero=",".join(zero))


YEAR_LINE_MODES = ("perfect", "persistence", "blend")
"""Modes drawn in the monthly figure (forecast everything, or nothing); the one-input modes go to the bar chart."""
MODE_LABELS.update({"persistence": "persistence forecast (yesterday)",
                    "blend": "seasonal-naive blend (yesterday and last week)"})


def year_monthly(monthly: pd.DataFrame, metrics: Sequence[str] = ("total_usd", "emissions_kg", "water_l"),
                 year: int | None = None, modes: Sequence[str] = YEAR_LINE_MODES) -> tuple[plt.Figure, pd.DataFrame]:
    """Realised results per day, averaged over each month's served days (months differ in length), one line per
    mode, y axes from 0; a last panel counts the hours re-dispatched per month, and months with days no
    allocation could serve are marked with their count."""
    data = monthly[monthly["mode"].isin(modes)].copy()
    modes = [m for m in modes if m in set(data["mode"])]
    data = data.sort_values(["mode", "month"], key=lambda c: c.map(modes.index) if c.name == "mode" else c)
    palette = sns.color_palette(PALETTE, 10)
    fig, axes = _subplots(len(metrics) + 1, width=3.9, height=3.6)
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
        ax.set_xticks(months, [MONTH_NAMES[m - 1] for m in months], rotation=45 if len(months) > 6 else 0)
        label = ("Hours re-dispatched [h/month]" if metric == "redispatched_hours"
                 else metric_label(metric).replace("[$/day]", "[$/day, monthly mean]")
                 .replace("/day]", "/day, monthly mean]"))
        ax.set(xlabel=f"Month{f' of {year}' if year else ''}, UTC days [-]", ylabel=label)
    _legend_below(fig, axes[0], ncol=3)
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
    palette = sns.color_palette(PALETTE, 10)
    colors = [palette[n % 10] for n in range(len(data))]
    fig, axes = _subplots(len(panels), width=3.6, height=4.2)
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
    palette = sns.color_palette(PALETTE, 10)
    names = list(dict.fromkeys(frame["formulation"]))
    colors = {name: palette[FORMULATION_COLORS.get(name.removesuffix("_loose"), 2) + 2 * name.endswith("_loose")]
              for name in names}
    memory = ("net_peak_mb", "Peak memory above the interpreter baseline [MB]") if net else (
        "peak_mb", "Peak resident memory, interpreter included [MB]")
    panels = [("solve_s", "Solve time [s]"), memory]
    fig, axes = _subplots(len(panels), width=5.0, height=4.2)
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
        ax.set(xscale="log", yscale="log", xlabel="LP variables [-]", ylabel=label)
        ax.margins(x=0.15, y=0.2)
        _plain_log_ticks(ax, "y")
        ax.legend(frameon=False, fontsize="small", loc="upper left")
    fig.tight_layout()
    return fig, data
