"""Figures of the serving experiment (:mod:`greenllm.serving.experiments`); each returns ``(figure, data)`` like
:mod:`greenllm.plots`, whose :func:`~greenllm.plots.save` writes the PNG with its numbers beside it.

Text is placed so that it cannot collide: bar labels sit right of both the bar and the dashed best-baseline line,
baselines on the fronts are told apart by marker (legend below the panels) instead of labels beside the points, and
the validation figure gives every policy its own row.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd

from greenllm.plots import palette_colors
from greenllm.serving.experiments import feasible

# metric -> (axis label, divisor from the table's unit to the axis unit)
POLICY_METRICS = {"emissions_kg": ("Emissions [t CO$_2$e/day]", 1e3),
                  "total_usd": ("Energy + carbon cost [k$/day]", 1e3),
                  "water_l": ("Water [ML/day]", 1e6),
                  "latency_mean_s": ("Mean latency [s]", 1.0)}
FRONT_LABELS = {objective: POLICY_METRICS[objective] for objective in ("emissions_kg", "total_usd", "water_l")}
MEASURE_LABELS = {"latency_mean_s": "Mean latency limit (baselines: their own) [s]",
                  "latency_p95_s": "95th-percentile latency limit (baselines: their own) [s]"}
VALIDATION_UNITS = {"energy_wh_per_query": "Wh/query", "water_ml_per_query": "mL/query", "co2_g_per_query": "g/query",
                    "j_per_output_token": "J/output token"}
QUANTITY_TITLES = {"facility_wh": "energy, comprehensive", "gpu_active_wh": "energy, active accelerators",
                   "water_onsite_ml": "on-site water", "co2_g": "CO$_2$e", "it_busy_wh": "energy, GPU + host",
                   "decode_j_per_output_token": "decode energy per output token", "water_ml": "water"}
BASELINE_MARKERS = ("s", "D", "^", "v", "<", ">", "P", "X", "*", "h", "p", "8")
LABEL_PAD = 0.02  # gap between a bar (or the dashed line) and its label, as a share of the axis width


TIE_PCT = 0.5  # a difference under this share of the best baseline [%] is drawn as a tie, not a win or a loss


def margin_label(value: float, best: float) -> str:
    """A bar's label: its difference from the best feasible baseline [%], whole percent; under :data:`TIE_PCT`
    (either way) "tie" (the best baseline's own bar included: a bar is never called best)."""
    change = 100 * (value / best - 1)
    return f"{change:+.0f} %" if abs(change) >= TIE_PCT else "tie"


def policies(table: pd.DataFrame):
    """Bars per policy (baselines grey, optimised coloured) for emissions, cost, water and mean latency, each with its
    difference from the best feasible baseline on that metric (dashed line; as the margin table), "tie" within
    :data:`TIE_PCT` of it."""
    data = table[["policy", "kind", *POLICY_METRICS]].copy()
    fig, axes = plt.subplots(1, len(POLICY_METRICS), figsize=(4.2 * len(POLICY_METRICS), 0.38 * len(data) + 1.6),
                             sharey=True)
    colors = {"baseline": "0.6", "optimised": palette_colors()[0]}
    y = np.arange(len(data))
    for ax, (metric, (label, unit)) in zip(axes, POLICY_METRICS.items(), strict=True):
        values = data[metric].to_numpy(float) / unit
        ax.barh(y, values, color=[colors[k] for k in data["kind"]])
        candidates = values[((data["kind"] == "baseline") & feasible(table)).to_numpy()]
        ax.set_xlim(0, 1.45 * values.max())  # room for the labels right of the longest bar
        if not candidates.size:  # no baseline serves all demand within SLO, capacity and power cap: no reference
            ax.set_title("no feasible baseline", fontsize=8)
            ax.set_xlabel(label)
            continue
        best = candidates.min()
        ax.axvline(best, color="k", lw=0.8, ls="--", gid="best_baseline")
        pad = LABEL_PAD * ax.get_xlim()[1]
        for row, value in zip(y, values, strict=True):
            ax.text(max(value, best) + pad, row, margin_label(value, best), va="center", fontsize=7, gid="bar_label")
        ax.set_xlabel(label)
    axes[0].set_yticks(y, data["policy"])
    axes[0].invert_yaxis()
    fig.suptitle(f"Each policy against the best baseline that serves all demand (dashed), per metric; \"tie\": within "
                 f"{TIE_PCT:g} % of it; same fleet, SLO, capacity and accounting")
    fig.tight_layout()
    return fig, data


def fronts(front: pd.DataFrame, table: pd.DataFrame):
    """Epsilon-constraint fronts (:func:`~greenllm.serving.experiments.front_table`): each objective against the limit
    on the mean and on the 95th-percentile latency; baselines as grey markers at their own latency (legend below)."""
    objectives = list(dict.fromkeys(front["objective"]))
    measures = list(dict.fromkeys(front["measure"]))
    fig, axes = plt.subplots(len(objectives), len(measures), figsize=(5.2 * len(measures), 3.2 * len(objectives) + 1),
                             squeeze=False)
    base = table[table["kind"] == "baseline"].reset_index(drop=True)
    markers = dict(zip(base["policy"], BASELINE_MARKERS, strict=False))
    for r, objective in enumerate(objectives):
        label, unit = FRONT_LABELS[objective]
        for c, measure in enumerate(measures):
            ax = axes[r, c]
            part = front[(front["objective"] == objective) & (front["measure"] == measure)]
            ax.plot(part["epsilon_s"], part[objective] / unit, "o-", color=palette_colors()[0],
                    label="optimised")
            for _, b in base.iterrows():
                ax.scatter(b[measure], b[objective] / unit, color="0.45", marker=markers[b["policy"]], s=28,
                           label=b["policy"], zorder=3)
            ax.set_xlabel(MEASURE_LABELS[measure])
            ax.set_ylabel(label)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 5), fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.6 / (3.2 * len(objectives) + 1), 1, 1))
    return fig, front


def validation(rows: pd.DataFrame):
    """Every policy's per-query figure (points, one row each; log scale) against each published figure it can be
    compared with on the same boundary and statistic (grey line or span), with the ratio ours / published."""
    data = rows[rows["compared"].astype(bool)].copy()
    panels = list(dict.fromkeys(zip(data["reference"], data["metric"], strict=True)))
    policies_ = list(dict.fromkeys(data["policy"]))
    fig, axes = plt.subplots(1, len(panels), figsize=(3.4 * len(panels), 0.3 * len(policies_) + 1.9), sharey=True,
                             squeeze=False)
    colors = {"baseline": "0.45", "optimised": palette_colors()[0]}
    y = np.arange(len(policies_))
    for ax, (reference, metric) in zip(axes[0], panels, strict=True):
        part = data[(data["reference"] == reference) & (data["metric"] == metric)].set_index("policy").loc[policies_]
        low, high = part["published_low"].iloc[0], part["published_high"].iloc[0]
        if high > low:
            ax.axvspan(low, high, color="0.88", zorder=0)
        ax.axvline(low, color="0.5", lw=1, zorder=1)
        ax.axvline(high, color="0.5", lw=1, zorder=1)
        ax.scatter(part["ours"], y, color=[colors[k] for k in part["kind"]], zorder=3, s=16)
        ax.set_xscale("log")
        lo = min(part["ours"].min(), low) / 1.6
        hi = max(part["ours"].max(), high) * 4.0  # room for the ratio labels
        ax.set_xlim(lo, hi)
        decades = np.log10(hi / lo)  # label 1-2-5 steps on a narrow axis, decades on a wide one
        ax.xaxis.set_major_locator(mticker.LogLocator(subs=(1.0, 2.0, 5.0) if decades < 1.5 else (1.0,)))
        ax.xaxis.set_major_formatter(mticker.FormatStrFormatter("%g"))
        ax.xaxis.set_minor_formatter(mticker.NullFormatter())
        for row, (ours, ratio_low, ratio_high) in enumerate(part[["ours", "ratio_low", "ratio_high"]].to_numpy()):
            ratio = f"x{ratio_low:.2g}" if ratio_low == ratio_high else f"x{ratio_low:.2g}-{ratio_high:.2g}"
            ax.annotate(ratio, (ours, row), xytext=(5, 0), textcoords="offset points", va="center", fontsize=6)
        model = part["our_model"].iloc[0]
        ax.set_title(f"{reference.split(',')[0]}: {QUANTITY_TITLES[part['our_quantity'].iloc[0]]}\n"
                     f"{part['statistic'].iloc[0]}{'' if model == 'all' else ', ours ' + model}", fontsize=8)
        ax.set_xlabel(f"{VALIDATION_UNITS[metric]} (log scale)", fontsize=8)
    axes[0, 0].set_yticks(y, policies_, fontsize=7)
    axes[0, 0].invert_yaxis()
    fig.suptitle("Per query, ours (points: grey baselines, blue optimised) against published figures (grey lines) "
                 "on the same boundary and statistic; ratio ours / published", fontsize=9)
    fig.tight_layout()
    return fig, data

