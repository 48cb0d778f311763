"""The serving year in tables: what a year of daily serving windows on ``world_2024_year`` says beyond one day.

Input: the side tables of the year's solve jobs (one row per day, mode and policy in ``serving_days.csv``; per site in
``serving_sites.csv``; columns in :data:`DAY_COLUMNS` and :data:`SITE_COLUMNS`). Baselines are rules and run in mode
``rule``; optimised schemes run in each forecast mode (``perfect`` and the modes of :data:`greenllm.year.RECIPES`).
Every function returns a tidy table a notebook writes out (:mod:`greenllm.plots.save_table`):

* :func:`monthly_totals`: emissions [kg], cost [$] and water [L] per (mode, policy, month), sums over the days a
  policy served and per served day (months differ in length);
* :func:`daily_margins`, :func:`margin_spread`: each optimised scheme against the best baseline **of that day** on
  its own objective, a baseline counting only on days it served all demand within the SLO, installed capacity and
  power cap (:func:`greenllm.serving.experiments.feasible`); spread over the days (min, median, max) per year or month;
* :func:`continent_allocation`, :func:`site_day_shares`: where the queries ran, by continent and month, and per site
  and day;
* :func:`value_of_information`: realised objective of a forecast mode minus perfect foresight, per day, as a median
  with the 5th-95th percentile over days and a bootstrap 95 % interval of the mean; the part of the all-signal modes
  the single-signal modes leave unexplained is a row of its own (:func:`unexplained_by_single_signals`);
* :func:`headline_day`: where one day (the one-day headline's 24 March 2024) sits among the days of the year.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.errors import InputError
from greenllm.serving.experiments import NAIVE_BASELINE, feasible
from greenllm.serving.lp import SCHEMES
from greenllm.year import SIGNAL_GROUPS

DAY_COLUMNS = ("day", "date", "month", "mode", "policy", "kind", "status", "queries", "emissions_kg", "total_usd",
               "water_l", "slo_met", "capacity_ok", "power_ok")
"""Columns of ``serving_days.csv`` every table here reads (the engine writes more: energy_usd, latencies, ...)."""
SITE_COLUMNS = ("day", "mode", "policy", "site", "queries")
VALUE_COLUMNS = ("queries", "emissions_kg", "total_usd", "energy_usd", "water_l", "facility_kwh")
"""Quantities that add over days [queries, kg CO2e, $, $, L, kWh]."""
OBJECTIVE = {name: order[0] for name, order in SCHEMES.items()}
"""Optimised scheme -> the objective it minimises first (its margin is measured on it)."""
BASELINE_MODE = "rule"
PERFECT = "perfect"
ALL_SIGNAL_MODES = ("persistence", "blend")
"""Modes that forecast every signal (demand, price, carbon, weather) with one model."""
HEADLINE_DATE = "2024-03-24"
"""The day of the one-day serving headline (tables/world_2024/baselines_margin.csv)."""
INTERVAL_PCT = (5.0, 95.0)
BOOTSTRAP_SAMPLES = 2000
BOOTSTRAP_SEED = 2024


def check_columns(frame: pd.DataFrame, columns: Iterable[str], name: str) -> pd.DataFrame:
    """``frame`` if it has every column, else one InputError naming the table and the missing columns."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{name}: missing column(s) {', '.join(missing)}")
    return frame


def read_tables(paths: Sequence[str | Path], columns: Iterable[str] = ()) -> pd.DataFrame:
    """The side tables of the year's jobs as one frame (one CSV per batch), each checked for ``columns``."""
    frames = [check_columns(pd.read_csv(p), columns, str(p)) for p in paths if Path(p).stat().st_size > 1]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(columns))


def served(days: pd.DataFrame) -> pd.Series:
    """Rows whose day was solved (``status`` optimal): what ran has costs."""
    return days["status"].eq("optimal")


def within_limits(days: pd.DataFrame) -> pd.Series:
    """Rows solved that serve all demand within the SLO, installed accelerators and power cap."""
    return served(days) & feasible(days)


def signal_of(mode: str) -> str | None:
    """What a mode forecasts: ``all`` (persistence, blend), one signal group of :data:`greenllm.year.SIGNAL_GROUPS`
    (``demand_only``, ``carbon_persistence``, ...), or None (perfect foresight and the rules)."""
    if mode in ALL_SIGNAL_MODES:
        return "all"
    if mode == "demand_only":
        return "demand"
    group = mode.split("_")[0]
    return group if group in SIGNAL_GROUPS and mode != group else None


def forecast_model(mode: str) -> str | None:
    """The forecast model of a mode (``persistence``, ``blend``; demand's trace error is shared by both)."""
    if mode in ALL_SIGNAL_MODES:
        return mode
    tail = mode.split("_", 1)[-1]
    return tail if tail in ALL_SIGNAL_MODES else None


# --- monthly totals --------------------------------------------------------------------------------------------------


def monthly_totals(days: pd.DataFrame) -> pd.DataFrame:
    """Per (mode, policy, kind, month): days, days solved, days within every limit, hours re-dispatched, and the sums
    over the solved days of queries, emissions [kg], cost [$], energy cost [$], water [L] and facility energy [kWh],
    with the same per solved day (``*_per_day``)."""
    check_columns(days, DAY_COLUMNS, "serving_days.csv")
    frame = days.assign(solved=served(days), ok=within_limits(days),
                        redispatched_hours=days.get("redispatched_hours", 0))
    values = [c for c in VALUE_COLUMNS if c in frame]
    keys = ["mode", "policy", "kind", "month"]
    counts = frame.groupby(keys).agg(days=("day", "size"), days_solved=("solved", "sum"),
                                     days_within_limits=("ok", "sum"),
                                     redispatched_hours=("redispatched_hours", "sum"))
    sums = frame[frame["solved"]].groupby(keys)[values].sum()
    out = counts.join(sums).reset_index()
    solved_days = out["days_solved"].where(out["days_solved"] > 0)
    for column in values:
        out[f"{column}_per_day"] = out[column] / solved_days
    return out


# --- margins against the best feasible baseline of each day ---------------------------------------------------------


def optimised_rows(days: pd.DataFrame):
    """(scheme, its objective, its served rows) for each optimised scheme of :data:`OBJECTIVE` in ``days``."""
    check_columns(days, DAY_COLUMNS, "serving_days.csv")
    ours = days[(days["kind"] == "optimised") & served(days)]
    for scheme, metric in OBJECTIVE.items():
        if scheme in set(ours["policy"]):
            check_columns(days, [metric], "serving_days.csv")
            yield scheme, metric, ours[ours["policy"] == scheme]


def daily_margins(days: pd.DataFrame) -> pd.DataFrame:
    """Per (day, mode, optimised scheme): its objective, its realised value, the best baseline of that day on the
    objective among those within every limit that day (named; ``none`` and NaN when no baseline is), the saving
    1 - ours / baseline [-], and the share of the gain over the naive split (:data:`NAIVE_BASELINE`) the best
    baseline already captures, (naive - baseline) / (naive - ours) [-] (NaN where the scheme gains nothing)."""
    check_columns(days, DAY_COLUMNS, "serving_days.csv")
    base = days[(days["kind"] == "baseline") & within_limits(days)]
    naive = days[(days["policy"] == NAIVE_BASELINE) & served(days)]
    frames = []
    for scheme, metric, rows in optimised_rows(days):
        mine = rows[["day", "date", "month", "mode", "policy", metric]]
        best = (base.loc[base.groupby("day")[metric].idxmin(), ["day", "policy", metric]]
                if not base.empty else pd.DataFrame(columns=["day", "policy", metric]))
        best = best.rename(columns={"policy": "best_baseline", metric: "baseline_value"})
        out = mine.rename(columns={"policy": "scheme", metric: "optimised"}).merge(best, on="day", how="left")
        out = out.merge(naive[["day", metric]].rename(columns={metric: "naive_value"}), on="day", how="left")
        out.insert(4, "objective", metric)
        out["best_baseline"] = out["best_baseline"].fillna("none")
        out["baseline_value"] = out["baseline_value"].astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["saving"] = np.where(out["baseline_value"] != 0, 1 - out["optimised"] / out["baseline_value"], 0.0)
            out.loc[out["baseline_value"].isna(), "saving"] = np.nan
            gain = out["naive_value"] - out["optimised"]
            out["captured_by_best_baseline"] = np.where(
                gain > 0, (out["naive_value"] - out["baseline_value"]) / gain, np.nan)
        frames.append(out)
    if not frames:
        return pd.DataFrame(columns=["day", "date", "month", "mode", "objective", "scheme", "optimised",
                                     "best_baseline", "baseline_value", "naive_value", "saving",
                                     "captured_by_best_baseline"])
    return pd.concat(frames, ignore_index=True).sort_values(["scheme", "mode", "day"], ignore_index=True)


def margin_spread(margins: pd.DataFrame, by: Sequence[str] = ("scheme", "objective", "mode")) -> pd.DataFrame:
    """The margins over the days of each group: days with a feasible baseline (``days_compared``) and without, the
    daily saving's min, median, max and mean [-], the share of days the scheme beats the best baseline, the saving
    over the summed days 1 - sum(ours) / sum(baseline) [-], the median captured share [-], and the baseline best on
    most days with its share of the days."""
    rows = []
    for key, part in margins.groupby(list(by), sort=False):
        key = key if isinstance(key, tuple) else (key,)
        compared = part[part["baseline_value"].notna()]
        saving = compared["saving"].to_numpy(float)
        row = dict(zip(by, key, strict=True))
        row.update({"days_compared": len(compared), "days_without_feasible_baseline": len(part) - len(compared)})
        if len(compared):
            counts = compared["best_baseline"].value_counts()
            row.update({"saving_min": saving.min(), "saving_median": float(np.median(saving)),
                        "saving_max": saving.max(), "saving_mean": saving.mean(),
                        "share_of_days_better": float((saving > 0).mean()),
                        "saving_summed": 1 - compared["optimised"].sum() / compared["baseline_value"].sum(),
                        "captured_median": float(compared["captured_by_best_baseline"].median()),
                        "most_often_best": counts.index[0], "most_often_best_share": counts.iloc[0] / len(compared)})
        rows.append(row)
    return pd.DataFrame(rows)


def monthly_margins(margins: pd.DataFrame) -> pd.DataFrame:
    """:func:`margin_spread` per (scheme, objective, mode, month)."""
    return margin_spread(margins, by=("scheme", "objective", "mode", "month"))


def best_baseline_of_year(margins: pd.DataFrame, scheme: str, mode: str = PERFECT) -> str:
    """The baseline best on ``scheme``'s objective on most days (the heat map's comparison), ``none`` if never."""
    part = margins[(margins["scheme"] == scheme) & (margins["mode"] == mode) & margins["baseline_value"].notna()]
    return str(part["best_baseline"].value_counts().index[0]) if len(part) else "none"


def headline_day(margins: pd.DataFrame, date: str = HEADLINE_DATE, mode: str = PERFECT) -> pd.DataFrame:
    """Per scheme: the saving on ``date`` against the best baseline of that day, its rank among the days of the year
    (share of days with a smaller saving, [-]), and the median, 5th and 95th percentile of the year and of the
    date's month."""
    rows = []
    part = margins[(margins["mode"] == mode) & margins["baseline_value"].notna()]
    for scheme, own in part.groupby("scheme", sort=False):
        on_date = own[own["date"].astype(str) == date]
        if on_date.empty:
            continue
        value = float(on_date["saving"].iloc[0])
        month = own[own["month"] == on_date["month"].iloc[0]]["saving"]
        year_ = own["saving"]
        rows.append({"scheme": scheme, "objective": OBJECTIVE.get(scheme, ""), "date": date,
                     "best_baseline": on_date["best_baseline"].iloc[0], "saving": value,
                     "rank_in_year": float((year_ < value).mean()), "year_median": float(year_.median()),
                     "year_p5": float(np.percentile(year_, INTERVAL_PCT[0])),
                     "year_p95": float(np.percentile(year_, INTERVAL_PCT[1])),
                     "month_median": float(month.median()),
                     "month_p5": float(np.percentile(month, INTERVAL_PCT[0])),
                     "month_p95": float(np.percentile(month, INTERVAL_PCT[1]))})
    return pd.DataFrame(rows)


# --- where the load ran ---------------------------------------------------------------------------------------------


def site_regions(sites: Iterable[str], regions=None) -> pd.DataFrame:
    """Per site (region id of config/regions.yaml): its city, country, continent and a label
    ``region (city, continent)`` for figures. A site the registry does not know keeps its id and continent ``?``."""
    if regions is None:
        from greenllm.data.regions import load_regions

        regions = load_regions()
    rows = []
    for site in dict.fromkeys(sites):
        region = regions.get(site)
        city = region.name if region else site
        continent = (region.continent_name() if region else None) or "?"
        rows.append({"site": site, "city": city, "country": region.country if region else "",
                     "continent": continent, "label": f"{site} ({city}, {continent})"})
    return pd.DataFrame(rows)


def _served_site_rows(sites: pd.DataFrame, days: pd.DataFrame | None) -> pd.DataFrame:
    """Site rows of the (day, mode, policy) rows that were solved (all when ``days`` is None), with the month."""
    check_columns(sites, SITE_COLUMNS, "serving_sites.csv")
    if days is None:
        return sites
    keep = days.loc[served(days), ["day", "mode", "policy", "month", "date"]]
    return sites.drop(columns=[c for c in ("month", "date") if c in sites]).merge(keep, on=["day", "mode", "policy"])


def continent_allocation(sites: pd.DataFrame, days: pd.DataFrame, regions=None) -> pd.DataFrame:
    """Per (mode, policy, month, continent): queries served there and their share of the month's queries [-], and the
    emissions [kg] and facility energy [kWh] there where the site table has them; solved days only."""
    rows = _served_site_rows(sites, days)
    places = site_regions(rows["site"], regions)[["site", "continent"]]
    rows = rows.merge(places, on="site")
    values = [c for c in ("queries", "emissions_kg", "facility_kwh") if c in rows]
    out = rows.groupby(["mode", "policy", "month", "continent"])[values].sum().reset_index()
    out["share"] = out["queries"] / out.groupby(["mode", "policy", "month"])["queries"].transform("sum")
    return out


def site_day_shares(sites: pd.DataFrame, mode: str, policy: str, days: pd.DataFrame | None = None) -> pd.DataFrame:
    """Share of each day's queries each site served [-] for one (mode, policy): one row per (site, day), with the
    date where the tables have it; solved days only when ``days`` is given."""
    rows = _served_site_rows(sites, days)
    rows = rows[(rows["mode"] == mode) & (rows["policy"] == policy)]
    keys = ["site", "day", *(["date"] if "date" in rows else [])]
    out = rows.groupby(keys, as_index=False)["queries"].sum()
    out["share"] = out["queries"] / out.groupby("day")["queries"].transform("sum")
    out.insert(0, "policy", policy)
    out.insert(0, "mode", mode)
    return out.sort_values(["site", "day"], ignore_index=True)


# --- value of perfect information -----------------------------------------------------------------------------------


def forecast_extras(days: pd.DataFrame) -> pd.DataFrame:
    """Per (optimised scheme, forecast mode, day solved in it and in perfect foresight): the realised objective of
    the mode and of perfect foresight, the extra = mode - perfect (in the objective's unit) and the extra relative to
    perfect [%]."""
    frames = []
    for scheme, metric, mine in optimised_rows(days):
        perfect = mine.loc[mine["mode"] == PERFECT, ["day", metric]].rename(columns={metric: "perfect"})
        other = mine.loc[mine["mode"] != PERFECT, ["day", "month", "mode", metric]].rename(columns={metric: "realised"})
        both = other.merge(perfect, on="day")
        if both.empty:
            continue
        both.insert(0, "objective", metric)
        both.insert(0, "scheme", scheme)
        both["extra"] = both["realised"] - both["perfect"]
        with np.errstate(divide="ignore", invalid="ignore"):
            both["extra_pct"] = 100.0 * both["extra"] / both["perfect"].abs()
        frames.append(both)
    columns = ["scheme", "objective", "day", "month", "mode", "realised", "perfect", "extra", "extra_pct"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def unexplained_by_single_signals(extras: pd.DataFrame) -> pd.DataFrame:
    """Per scheme and all-signal mode: per day, its extra minus the sum of the extras of the single-signal modes of the
    same forecast model (``demand_only`` with both), on days every one of them was solved; none for a model with no
    single-signal mode of its own (``blend`` when only ``*_persistence`` ran); rows in the form of
    :func:`forecast_extras` with mode ``unexplained:<mode>`` and the single modes named in ``singles``."""
    frames = []
    for (scheme, objective), part in extras.groupby(["scheme", "objective"], sort=False):
        modes = set(part["mode"])
        for whole in (m for m in ALL_SIGNAL_MODES if m in modes):
            singles = sorted(m for m in modes if signal_of(m) not in (None, "all")
                             and forecast_model(m) in (whole, None))
            if not any(forecast_model(m) == whole for m in singles):  # demand alone explains nothing of the model
                continue
            wide = part[part["mode"].isin([whole, *singles])].pivot_table(index=["day", "month"], columns="mode",
                                                                          values="extra").dropna()
            perfect = part[part["mode"] == whole].set_index("day")["perfect"]
            out = pd.DataFrame({"scheme": scheme, "objective": objective, "mode": f"unexplained:{whole}",
                                "extra": wide[whole] - wide[singles].sum(axis=1)}).reset_index()
            out["perfect"] = out["day"].map(perfect)
            out["realised"] = np.nan
            out["extra_pct"] = 100.0 * out["extra"] / out["perfect"].abs()
            out["singles"] = "+".join(singles)
            frames.append(out)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def bootstrap_mean_interval(values: np.ndarray, samples: int = BOOTSTRAP_SAMPLES, seed: int = BOOTSTRAP_SEED,
                            level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values`` at ``level`` (resampling days with replacement;
    deterministic for a seed)."""
    values = np.asarray(values, float)
    if len(values) == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), size=(samples, len(values)))].mean(axis=1)
    tail = 100.0 * (1 - level) / 2
    return float(np.percentile(means, tail)), float(np.percentile(means, 100 - tail))


VALUE_OF_INFORMATION_COLUMNS = [
    "scheme", "objective", "mode", "signal", "singles", "days", "extra_median", "extra_p5", "extra_p95", "extra_mean",
    "extra_mean_low", "extra_mean_high", "extra_sum", "extra_pct_median", "extra_pct_p5", "extra_pct_p95",
    "extra_pct_mean", "extra_pct_mean_low", "extra_pct_mean_high"]


def value_of_information(days: pd.DataFrame, samples: int = BOOTSTRAP_SAMPLES,
                         seed: int = BOOTSTRAP_SEED) -> pd.DataFrame:
    """Value of perfect information per scheme and forecast mode over the days: the signal the mode forecasts
    (:func:`signal_of`), days compared, the daily extra over perfect foresight (objective's unit and % of perfect) as
    median, 5th and 95th percentile and mean with a bootstrap 95 % interval, and the extra summed over the days;
    the part of each all-signal mode the single-signal modes do not explain is a row ``unexplained:<mode>``
    (``singles`` names the modes subtracted)."""
    extras = forecast_extras(days)
    both = pd.concat([extras.assign(singles=""), unexplained_by_single_signals(extras)], ignore_index=True)
    rows = []
    if both.empty:
        return pd.DataFrame(columns=VALUE_OF_INFORMATION_COLUMNS)
    for (scheme, objective, mode), part in both.groupby(["scheme", "objective", "mode"], sort=False):
        extra, pct = part["extra"].to_numpy(float), part["extra_pct"].to_numpy(float)
        low, high = bootstrap_mean_interval(extra, samples, seed)
        pct_low, pct_high = bootstrap_mean_interval(pct, samples, seed)
        rows.append({"scheme": scheme, "objective": objective, "mode": mode,
                     "signal": "unexplained" if mode.startswith("unexplained:") else signal_of(mode),
                     "singles": part["singles"].iloc[0], "days": len(part),
                     "extra_median": float(np.median(extra)),
                     "extra_p5": float(np.percentile(extra, INTERVAL_PCT[0])),
                     "extra_p95": float(np.percentile(extra, INTERVAL_PCT[1])),
                     "extra_mean": float(extra.mean()), "extra_mean_low": low, "extra_mean_high": high,
                     "extra_sum": float(extra.sum()),
                     "extra_pct_median": float(np.median(pct)),
                     "extra_pct_p5": float(np.percentile(pct, INTERVAL_PCT[0])),
                     "extra_pct_p95": float(np.percentile(pct, INTERVAL_PCT[1])),
                     "extra_pct_mean": float(pct.mean()), "extra_pct_mean_low": pct_low,
                     "extra_pct_mean_high": pct_high})
    return pd.DataFrame(rows, columns=VALUE_OF_INFORMATION_COLUMNS)
