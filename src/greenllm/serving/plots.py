"""Figures of the serving experiment (:mod:`greenllm.serving.experiments`); each returns ``(figure, data)`` like
:mod:`greenllm.plots`, whose :func:`~greenllm.plots.save` writes the PNG with its numbers beside it."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from greenllm.plots import PALETTE

POLICY_METRICS = {"emissions_kg": "Emissions [kg CO$_2$e/day]", "total_usd": "Energy + carbon cost [$/day]",
                  "water_l": "Water [L/day]", "latency_mean_s": "Mean latency [s]"}
FRONT_LABELS = {"emissions_kg": "Emissions [kg CO$_2$e/day]", "total_usd": "Energy + carbon cost [$/day]",
                "water_l": "Water [L/day]"}
MEASURE_LABELS = {"latency_mean_s": "Mean latency limit [s]", "latency_p95_s": "95th-percentile latency limit [s]"}
VALIDATION_LABELS = {"energy_wh_per_query": "Energy [Wh/query]", "water_ml_per_query": "Water [mL/query]",
                     "co2_g_per_query": "CO$_2$e [g/query]", "gpu_j_per_output_token": "GPU energy [J/output token]"}


def policies(table: pd.DataFrame):
    """Bars per policy (baselines grey, optimised coloured) for emissions, cost, water and mean latency."""
    data = table[["policy", "kind", *POLICY_METRICS]].copy()
    fig, axes = plt.subplots(1, len(POLICY_METRICS), figsize=(4 * len(POLICY_METRICS), 4.2), sharey=True)
    colors = {"baseline": "0.6", "optimised": sns.color_palette(PALETTE)[0]}
    for ax, (metric, label) in zip(axes, POLICY_METRICS.items(), strict=True):
        ax.barh(data["policy"], data[metric], color=[colors[k] for k in data["kind"]])
        best = data.loc[data["kind"] == "baseline", metric].min()
        ax.axvline(best, color="k", lw=0.8, ls="--")
        ax.set_xlabel(label)
        for y, value in enumerate(data[metric]):
            ax.text(value, y, f" {100 * (value / best - 1):+.0f} %", va="center", fontsize=7)
    axes[0].invert_yaxis()
    fig.suptitle("Each policy against the best baseline (dashed) on the same fleet, SLO and accounting")
    fig.tight_layout()
    return fig, data


def fronts(front: pd.DataFrame, table: pd.DataFrame):
    """Epsilon-constraint fronts: each objective against the mean and the 95th-percentile latency limit; baselines
    as grey points at their own latency."""
    objectives = list(dict.fromkeys(front["objective"]))
    measures = list(dict.fromkeys(front["measure"]))
    fig, axes = plt.subplots(len(objectives), len(measures), figsize=(5.2 * len(measures), 3.4 * len(objectives)),
                             squeeze=False)
    base = table[table["kind"] == "baseline"]
    for r, objective in enumerate(objectives):
        for c, measure in enumerate(measures):
            ax = axes[r, c]
            part = front[(front["objective"] == objective) & (front["measure"] == measure)]
            ax.plot(part[measure], part[objective], "o-", color=sns.color_palette(PALETTE)[0], label="optimised")
            ax.scatter(base[measure], base[objective], color="0.5", marker="s", label="baselines")
            for _, b in base.iterrows():
                ax.annotate(b["policy"], (b[measure], b[objective]), fontsize=6, xytext=(3, 3),
                            textcoords="offset points")
            ax.set_xlabel(MEASURE_LABELS[measure].replace(" limit", ""))
            ax.set_ylabel(FRONT_LABELS[objective])
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    return fig, front


def validation(rows: pd.DataFrame, schemes: list[str]):
    """Per-query figures of the chosen schemes (points) against published values (bars, ranges as spans), log
    scale, with the ratio ours / published written beside each."""
    data = rows[rows["scheme"].isin(schemes)].copy()
    metrics = [m for m in VALIDATION_LABELS if m in set(data["metric"])]
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.4 * len(metrics), 3.8), squeeze=False)
    palette = dict(zip(schemes, sns.color_palette(PALETTE, len(schemes)), strict=True))
    step = 0.8 / max(len(schemes), 1)
    for ax, metric in zip(axes[0], metrics, strict=True):
        part = data[data["metric"] == metric]
        refs = list(dict.fromkeys(part["reference"]))
        for y, ref in enumerate(refs):
            r = part[part["reference"] == ref]
            low, high = r["published_low"].iloc[0], r["published_high"].iloc[0]
            ax.axvspan(low, high, ymin=(y + 0.05) / len(refs), ymax=(y + 0.95) / len(refs), color="0.85")
            ax.vlines([low, high], y - 0.45, y + 0.45, color="0.5", lw=1)
            for _, row in r.iterrows():
                offset = y - 0.4 + step * (schemes.index(row["scheme"]) + 0.5)
                ax.scatter(row["ours"], offset, color=palette[row["scheme"]], zorder=3,
                           label=row["scheme"] if y == 0 else None)
                ratio = np.sqrt(row["ratio_low"] * row["ratio_high"])
                ax.annotate(f"x{ratio:.2g}", (row["ours"], offset), fontsize=6, xytext=(4, -2),
                            textcoords="offset points")
        ax.set_ylim(-0.5, len(refs) - 0.5)
        ax.set_yticks(range(len(refs)), [ref.split(",")[0] for ref in refs], fontsize=7)
        ax.set_xscale("log")
        ax.set_xlabel(VALIDATION_LABELS[metric])
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(schemes), fontsize=7, frameon=False)
    fig.suptitle("Ours (points, ratio ours / published) against published per-prompt figures (grey)")
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig, data
