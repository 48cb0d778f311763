"""Figures of the experiments beyond the paper (docs/per_query.md): the per-query formulation against the paper's,
its latency distribution, and hardware mixes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from greenllm.plots.common import (
    FORMULATION_COLORS, FORMULATION_LABELS, all_zero, any_metric_label, log_label, panel_grid,
    plain_log_ticks, scheme_colors, wrap_ticks, zero_note,
)
from greenllm.plots.theme import palette_colors


def _formulation_palette(names: Iterable[str]) -> dict[str, tuple]:
    palette = palette_colors(10)
    return {FORMULATION_LABELS.get(n, n): palette[FORMULATION_COLORS.get(n, 7)] for n in dict.fromkeys(names)}



COMPONENTS = ("energy", "carbon", "delay")


def scheme_objective(spec: Mapping, costs: Mapping[str, Mapping[str, float]]) -> tuple[str, dict[str, float]]:
    """(label, {formulation: value [$/day]}) of the objective a scheme minimises, evaluated on each formulation's
    allocation from its ``{formulation: {energy_usd, carbon_usd, delay_usd}}``: the weighted sum for ``weighted``,
    the one component for a single-objective scheme, and for ``lexicographic`` its first stage that is not 0 on both
    allocations (a stage that is 0 for any allocation decides nothing)."""
    kind = spec["scheme"]
    if kind == "weighted":
        weights = [float(w) for w in spec["weights"]]
        label = "weighted cost (" + ", ".join(f"{w:.2g}" for w in weights) + ")"
        return label, {f: sum(w * c[f"{name}_usd"] for w, name in zip(weights, COMPONENTS, strict=True))
                       for f, c in costs.items()}
    order = list(spec.get("order", COMPONENTS)) if kind == "lexicographic" else [kind]
    for name in order:
        values = {f: float(c[f"{name}_usd"]) for f, c in costs.items()}
        if not all_zero(list(values.values())) or name == order[-1]:
            stage = f", stage {order.index(name) + 1} of {' > '.join(order)}" if kind == "lexicographic" else ""
            return f"{name} cost{stage}", values
    raise AssertionError("unreachable")


def formulations(records: pd.DataFrame, specs: Mapping[str, Mapping] | None = None,
                 ) -> tuple[plt.Figure, pd.DataFrame]:
    """Per-query formulation vs the paper's, per scheme, on what the scheme's objective determines: the objective
    (:func:`scheme_objective`) of the paper's allocation over that of the per-query optimum, both costed under the
    per-query physics [%] (0: the paper's allocation is optimal for the per-query model too). Schemes whose objective
    is 0 for both allocations (energy-only and carbon-only when on-site renewables cover the load) are not drawn; the
    title names them. Everything else of an allocation (emissions, water, latency) is the determining stages' choice
    among equally good allocations, not a difference between the formulations, and is left to the table.
    ``specs``: {scheme: spec} (default: the configured schemes)."""
    if specs is None:
        from greenllm.experiments import scheme_specs

        specs = scheme_specs(dict.fromkeys(records["scheme"]))
    data = records[records["status"] == "optimal"]
    rows, undecided = [], []
    for scheme, part in data.groupby("scheme", sort=False):
        costs = {f: row for f, row in zip(part["formulation"], part[[f"{c}_usd" for c in COMPONENTS]].to_dict(
            "records"), strict=True)}
        if not {"paper", "per_query"} <= set(costs):
            continue
        objective, values = scheme_objective(specs[scheme], costs)
        if all_zero(list(values.values())):
            undecided.append(scheme)
            continue
        paper, per_query = values["paper"], values["per_query"]
        rows.append({"scheme": scheme, "label": part["label"].iloc[0], "objective": objective, "paper": paper,
                     "per_query": per_query, "excess_pct": 100.0 * (paper - per_query) / abs(per_query)})
    out = pd.DataFrame(rows, columns=["scheme", "label", "objective", "paper", "per_query", "excess_pct"])
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    colors = scheme_colors(out["scheme"])
    ax.bar(out["scheme"], out["excess_pct"], color=[colors[s] for s in out["scheme"]])
    for x, row in enumerate(out.itertuples(index=False)):
        ax.annotate(row.objective, (x, row.excess_pct), textcoords="offset points", xytext=(0, 3), ha="center",
                    va="bottom", fontsize="x-small")
    ax.axhline(0.0, color="0.3", linewidth=0.8)
    ax.margins(y=0.25)
    ax.set(xlabel="Scheme", ylabel="Paper's allocation over the per-query\noptimum, on the scheme's objective [%]")
    title = "Each scheme's own objective, both allocations costed under the per-query physics"
    if undecided:
        title += f"\n{', '.join(undecided)}: objective 0 for both allocations (not drawn)"
    ax.set_title(title, fontsize="small")
    fig.tight_layout()
    return fig, out.assign(not_drawn_objective_zero=",".join(undecided))


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
    palette = palette_colors(10)
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
        ax.set(xscale="log", xlabel=log_label("Per-query latency, per-query physics [s]"),
               ylabel="Share of queries served within [-]", ylim=(0, 1.02),
               title=f"allocation of the {FORMULATION_LABELS.get(formulation, formulation)}")
        plain_log_ticks(ax)
        ax.title.set_fontsize("small")
        ax.legend(frameon=False, fontsize="x-small", loc="upper center", bbox_to_anchor=(0.5, -0.22))
    fig.tight_layout()
    return fig, data


def hardware_mix(records: pd.DataFrame,
                 metrics: Sequence[str] = ("total_usd", "emissions_kg", "water_l", "accelerator_hours",
                                           "latency_mean_s")) -> tuple[plt.Figure, pd.DataFrame]:
    """Per-query results of each hardware mix relative to the first mix (the reference) under the same scheme [%],
    one panel per metric with its own legend; at each mix, schemes whose changes are equal share one bar, and a
    metric that is 0 everywhere is not drawn (the title says so). The CSV keeps the absolute values."""
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
    fig, axes, _ = panel_grid(len(drawn), ncols=min(len(drawn), 3), width=4.2, height=4.4)
    palette = palette_colors(10)
    group_colors: dict[str, tuple] = {}  # one colour per group of schemes, the same in every panel
    for ax, metric in zip(axes, drawn, strict=True):
        part = out[(out["metric"] == metric) & out["mix"].isin(others)]
        for x, mix in enumerate(others):  # at each mix, schemes with the same change share one bar
            changes = dict(zip(part.loc[part["mix"] == mix, "scheme"], part.loc[part["mix"] == mix, "change_pct"],
                               strict=True))
            groups = _merge_identical({s: np.array([v]) for s, v in changes.items()}, rtol=1e-6)
            width = 0.8 / len(groups)
            for n, group in enumerate(groups):
                name = " = ".join(group)
                color = group_colors.setdefault(name, palette[len(group_colors) % 10])
                ax.bar(x + (n - (len(groups) - 1) / 2) * width, changes[group[0]], width=width, color=color,
                       label=name)
        ax.axhline(0.0, color="0.3", linewidth=0.8)
        labels = [data.loc[data["mix"] == m, "mix_label"].iloc[0] for m in others]
        ax.set_xticks(range(len(others)), labels)
        wrap_ticks(ax)
        ax.set(xlabel="Hardware mix", ylabel=f"{any_metric_label(metric).split(' [')[0]}:\nchange vs reference [%]")
        handles, names = ax.get_legend_handles_labels()
        unique = dict(zip(names, handles, strict=True))
        ax.legend(unique.values(), unique.keys(), title="schemes (equal changes share a bar)", frameon=False,
                  fontsize="x-small", title_fontsize="x-small", loc="upper center", bbox_to_anchor=(0.5, -0.3))
    ref_label = data.loc[data["mix"] == reference, "mix_label"].iloc[0]
    note = zero_note(zero, "mix and scheme")
    fig.suptitle(f"Each mix against the reference mix '{ref_label}' under the same scheme"
                 + (f"\n{note}" if note else ""), fontsize="medium")
    fig.tight_layout()
    return fig, out.assign(reference_mix=reference, not_drawn_all_zero=",".join(zero))

