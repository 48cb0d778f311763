"""Figures of the experiments beyond the paper (docs/per_query.md): the per-query formulation against the paper's,
its latency distribution, and hardware mixes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from greenllm.plots.common import (
    FORMULATION_COLORS, FORMULATION_LABELS, PALETTE, all_zero, any_metric_label, panel_grid, plain_log_ticks,
    scheme_colors, wrap_ticks, zero_note,
)


def _formulation_palette(names: Iterable[str]) -> dict[str, tuple]:
    palette = sns.color_palette(PALETTE, 10)
    return {FORMULATION_LABELS.get(n, n): palette[FORMULATION_COLORS.get(n, 7)] for n in dict.fromkeys(names)}



def formulations(records: pd.DataFrame,
                 metrics: Sequence[str] = ("total_usd", "emissions_kg", "water_l", "latency_mean_s"),
                 ) -> tuple[plt.Figure, pd.DataFrame]:
    """Per-query formulation vs the paper's, per scheme: both allocations costed under the per-query physics, drawn
    as the relative difference (per-query - paper) / paper [%] (the absolute bars are nearly identical). A metric that
    is 0 for every scheme and formulation is not drawn; the title says so. The CSV keeps both absolute values."""
    data = records[records["status"] == "optimal"][["scheme", "label", "formulation", *metrics]]
    zero = [m for m in metrics if all_zero(data[m])]
    drawn = [m for m in metrics if m not in zero]
    rows = []
    for metric in drawn:
        wide = data.pivot_table(index=["scheme", "label"], columns="formulation", values=metric, sort=False)
        for (scheme, label), row in wide.iterrows():
            paper, per_query = float(row.get("paper", np.nan)), float(row.get("per_query", np.nan))
            rows.append({"scheme": scheme, "label": label, "metric": metric, "paper": paper, "per_query": per_query,
                         "difference_pct": 100.0 * (per_query - paper) / abs(paper) if paper else np.nan})
    out = pd.DataFrame(rows)
    fig, axes, _ = panel_grid(len(drawn), ncols=min(len(drawn), 3), width=3.9, height=3.4)
    colors = scheme_colors(out["scheme"])
    for ax, metric in zip(axes, drawn, strict=True):
        part = out[out["metric"] == metric]
        ax.bar(part["scheme"], part["difference_pct"], color=[colors[x] for x in part["scheme"]])
        ax.axhline(0.0, color="0.3", linewidth=0.8)
        ax.set(xlabel="Scheme", ylabel=f"{any_metric_label(metric).split(' [')[0]}:\nper-query vs paper [%]")
    title = "Per-query formulation's allocation vs the paper's, both costed under the per-query physics"
    note = zero_note(zero, "scheme and formulation")
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
    fig, axes, _ = panel_grid(len(formulations_present), ncols=len(formulations_present), width=4.6, height=3.8)
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
        plain_log_ticks(ax)
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
    zero = [m for m in metrics if all_zero(data[m])]
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
    fig, axes, _ = panel_grid(len(drawn), ncols=min(len(drawn), 4), width=3.8, height=3.6)
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
        wrap_ticks(ax)
        ax.set(xlabel="Hardware mix", ylabel=f"{any_metric_label(metric).split(' [')[0]}:\nchange vs reference [%]")
    ref_label = data.loc[data["mix"] == reference, "mix_label"].iloc[0]
    note = zero_note(zero, "mix and scheme")
    fig.suptitle(f"Each mix against the reference mix '{ref_label}' under the same scheme"
                 + (f"\n{note}" if note else ""), fontsize="medium")
    handles = [plt.Rectangle((0, 0), 1, 1, color=color) for color in group_colors.values()]
    fig.legend(handles, list(group_colors), title="schemes (identical changes share a bar)", loc="lower center",
               ncol=len(group_colors), frameon=False, bbox_to_anchor=(0.5, -0.02), fontsize="small")
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig, out.assign(reference_mix=reference, not_drawn_all_zero=",".join(zero))

