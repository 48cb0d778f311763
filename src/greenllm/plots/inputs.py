"""Figures of a scenario's inputs: the data centres' hourly carbon intensity, price and on-site renewables (each on
its own clock), and the demand by user area and query type."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from greenllm.plots.common import (
    HOUR_LABEL, PALETTE, legend_below, subplots,
)


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
    fig, axes = subplots(3, width=4.6)
    for ax, (column, label) in zip(axes, panels, strict=True):
        if column == "price_usd_per_kwh" and len(peak):
            _shade_hours(ax, peak, "price peak")
        sns.lineplot(data=dc_hour, x="hour", y=column, hue="dc_name", ax=ax, palette=PALETTE, linewidth=1.2)
        low = min(0.0, float(dc_hour[column].min()))
        ax.set(xlabel=_hour_label(bases.get(column)), ylabel=label, xlim=(-0.5, dc_hour["hour"].max() + 0.5),
               ylim=(low, None))
    if len(set(bases.values())) > 1:
        fig.suptitle("Panels use different clocks: see each hour axis", fontsize="medium")
    legend_below(fig, axes[1], ncol=5)
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
    fig, axes = subplots(2, width=5.2, height=4.0)
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

