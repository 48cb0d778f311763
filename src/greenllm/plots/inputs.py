"""Figures of a scenario's inputs: the data centres' hourly carbon intensity, price and on-site renewables (each on
its own clock), and the demand by user area and query type.

The figures seaborn draws import it where they draw (:func:`greenllm.plots.common.seaborn`)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence

import matplotlib.pyplot as plt
import pandas as pd

from greenllm.plots.common import (
    LOCAL_HOUR, MIXED_HOUR, UTC_HOUR, hour_label, legend_below, seaborn, series_palette, subplots,
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


RECIPE_HOUR = LOCAL_HOUR
"""The recipe's hour index (no time zone stated), which docs/differences.md reads as local time of day."""


def time_bases(folder: str | os.PathLike) -> dict[str, str]:
    """The clock of each hourly input of a scenario folder, from its provenance.json: ``UTC`` when the builder
    selected UTC hours (a folder-wide ``hours_utc``/``day_utc``, or "UTC" in the series' selection), else the recipe's
    hour index read as local time. Keys: dc_hour column names and ``queries`` (demand.csv)."""
    from greenllm.provenance import read_provenance

    prov = read_provenance(folder)
    folder_utc = any(key in prov for key in ("hours_utc", "day_utc"))
    out = {}
    for series in ("dc_hour.carbon_kg_per_kwh", "dc_hour.price_usd_per_kwh", "dc_hour.renewable_kw",
                   "demand.queries"):
        entry = (prov.get("series") or {}).get(series) or {}
        utc = folder_utc or "UTC" in str(entry.get("selection", ""))
        out[series.split(".")[1]] = UTC_HOUR if utc else RECIPE_HOUR
    return out


def result_clock(folder: str | os.PathLike) -> str:
    """The clock of a result's hour axis (the model's hour t): UTC when every hourly input of the folder is on UTC
    hours, else :data:`~greenllm.plots.common.MIXED_HOUR` (paper_v1: carbon on UTC, the recipe's series local)."""
    bases = set(time_bases(folder).values())
    return UTC_HOUR if bases == {UTC_HOUR} else (bases.pop() if len(bases) == 1 else MIXED_HOUR)


def inputs_dc_hour(dc_hour: pd.DataFrame, peak: Sequence[int] = (),
                   bases: Mapping[str, str] | None = None) -> tuple[plt.Figure, pd.DataFrame]:
    """Carbon intensity, electricity price and on-site renewables per data centre and hour; each panel's hour axis
    names its clock (``bases``: column -> clock, from :func:`time_bases`), so inputs on different clocks are not read
    as aligned. ``peak``: the hours of a tariff's price peak shared by every site (a recipe's time-of-use band),
    shaded on a local clock only; market prices on UTC hours across time zones have no one peak, so none is drawn.
    Every data centre has its own colour (more than 10 sites: evenly spaced hues)."""
    sns = seaborn()

    panels = [("carbon_kg_per_kwh", "Carbon intensity [kg CO2e/kWh]"),
              ("price_usd_per_kwh", "Electricity price [$/kWh]"),
              ("renewable_kw", "On-site renewables [kW]")]
    bases = dict(bases or {})
    peak = list(peak) if bases.get("price_usd_per_kwh", LOCAL_HOUR) == LOCAL_HOUR else []
    names = list(dict.fromkeys(dc_hour["dc_name"]))
    fig, axes = subplots(3, width=4.6)
    for ax, (column, label) in zip(axes, panels, strict=True):
        if column == "price_usd_per_kwh" and len(peak):
            _shade_hours(ax, peak, "price peak of the tariff")
        sns.lineplot(data=dc_hour, x="hour", y=column, hue="dc_name", hue_order=names, ax=ax,
                     palette=series_palette(len(names)), linewidth=1.2)
        low = min(0.0, float(dc_hour[column].min()))
        ax.set(xlabel=hour_label(bases.get(column)), ylabel=label, xlim=(-0.5, dc_hour["hour"].max() + 0.5),
               ylim=(low, None))
    if len(set(bases.values())) > 1:
        fig.suptitle("Panels use different clocks: see each hour axis", fontsize="medium")
    legend_below(fig, axes[1], ncol=6 if len(names) > 10 else 5)
    data = dc_hour.assign(price_peak=dc_hour["hour"].isin(list(peak)))
    for column in ("carbon_kg_per_kwh", "price_usd_per_kwh", "renewable_kw"):
        data[f"{column}_clock"] = bases.get(column, "")
    return fig, data


def inputs_demand(demand: pd.DataFrame, clock: str | None = None) -> tuple[plt.Figure, pd.DataFrame]:
    """Queries per hour by user area (summed over types) and by query type (summed over areas), axes from 0, with
    the generator's floor (the smallest queries per (area, type, hour), times the number of summed series) drawn
    and the share of values sitting on it stated. ``clock``: the clock of the demand's hours (UTC, local)."""
    sns = seaborn()

    floor = float(demand["queries"].min())
    at_floor = float((demand["queries"] == floor).mean())
    by_area = demand.groupby(["hour", "area_name"], as_index=False, sort=False)["queries"].sum()
    by_type = demand.groupby(["hour", "type_name"], as_index=False, sort=False)["queries"].sum()
    n_types, n_areas = demand["type_name"].nunique(), demand["area_name"].nunique()
    fig, axes = subplots(2, width=5.2, height=4.0)
    sns.lineplot(data=by_area, x="hour", y="queries", hue="area_name", ax=axes[0], palette=series_palette(n_areas))
    sns.lineplot(data=by_type, x="hour", y="queries", hue="type_name", ax=axes[1], palette=series_palette(n_types))
    for ax, title, summed in zip(axes, ("by user area", "by query type"), (n_types, n_areas), strict=True):
        ax.axhline(floor * summed, color="0.3", linestyle="--", linewidth=1.0,
                   label=f"floor: {floor:,.0f} queries/h per (area, type) x {summed}")
        ax.set(xlabel=hour_label(clock), ylabel="Demand [queries/h]", title=title, ylim=(0, None))
        ax.legend(fontsize="x-small", ncol=2, frameon=False, loc="lower right")
    fig.suptitle(f"{100 * at_floor:.0f} % of the (area, type, hour) values sit on the generator's floor of "
                 f"{floor:,.0f} queries/h", fontsize="medium")
    fig.tight_layout()
    data = pd.concat([by_area.rename(columns={"area_name": "group"}).assign(by="area", floor=floor * n_types),
                      by_type.rename(columns={"type_name": "group"}).assign(by="type", floor=floor * n_areas)],
                     ignore_index=True)
    data["share_at_floor"] = at_floor
    return fig, data[["by", "group", "hour", "queries", "floor", "share_at_floor"]]

