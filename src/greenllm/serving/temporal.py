"""Temporal shifting under the assumptions of Sukprasert et al. (EuroSys 2024), recomputed on our sites.

Sukprasert, Souza, Bashir, Irwin and Shenoy, "On the Limitations of Carbon-Aware Temporal and Spatial Workload
Shifting in the Cloud", EuroSys 2024 (arXiv 2306.06502), report that a slack of 24 hours cuts the carbon of deferrable
jobs by 8.4 % on average over 123 regions, and one year of slack by 34 %. Their set-up, as their simulation code
(github.com/umassos/decarbonization-potential, ``sim_temporal/experiment_vary_job_slack.py``) defines it for a job of
one hour: a job arrives every hour t of the year, runs for one hour, and may start in any hour of t .. t + slack
(both ends included; the window is cut at the end of the series); capacity is unlimited, so every job runs in the
cleanest hour of its window. A slack of one year means: from the arrival to the end of the year (the window is the
rest of the year, not a wrap-around). The reduction is that of the mean carbon intensity of the hours the jobs run
in against the hours they arrive in:

    reduction = 1 - mean_t min_{t <= u <= t + slack} CI_u / mean_t CI_t                                     [-]

computed per site and per month of arrival (and over the year), with the hourly carbon intensity of the scenario
(location-based grid intensity; no on-site renewables, PUE or capacity limits, as in the paper).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from greenllm.errors import InputError
from greenllm.serving.validation import SUKPRASERT_2024

YEAR = "year"  # the slack that runs to the end of the series
SLACKS = (24, YEAR)
# Reductions as the issue and Sukprasert et al. (EuroSys 2024) report them: 24-hour slack -8.4 % on average over
# 123 regions; one year of slack -34 %.
REPORTED_REDUCTION = {24: 0.084, YEAR: 0.34}


def cleanest_within_slack(carbon_t: np.ndarray, slack_h) -> np.ndarray:
    """Carbon intensity of the hour each job runs in [same unit as ``carbon_t``, e.g. kg/kWh]: the job arriving in
    hour t runs in the cleanest hour of t .. t + slack_h (cut at the end of the series); ``slack_h`` = :data:`YEAR`:
    the cleanest hour from t to the end of the series."""
    ci = np.asarray(carbon_t, dtype=float)
    if ci.ndim != 1 or not len(ci):
        raise InputError(f"temporal shifting: expected one hourly series, got shape {ci.shape}")
    if slack_h == YEAR:
        return np.minimum.accumulate(ci[::-1])[::-1]
    slack = int(slack_h)
    if slack < 0:
        raise InputError(f"temporal shifting: slack {slack_h!r} h must be >= 0")
    padded = np.concatenate([ci, np.full(slack, np.inf)])
    return sliding_window_view(padded, slack + 1).min(axis=1)


def reduction(carbon_t: np.ndarray, slack_h) -> float:
    """1 - mean run-hour intensity / mean arrival-hour intensity of hourly one-hour jobs with ``slack_h`` [-]."""
    ci = np.asarray(carbon_t, dtype=float)
    return float(1.0 - cleanest_within_slack(ci, slack_h).mean() / ci.mean())


def eurosys_table(carbon_jt: np.ndarray, site_names, month_t: np.ndarray, slacks=SLACKS) -> pd.DataFrame:
    """Per site, period (calendar month of arrival 1..12, and ``year``) and slack: the mean intensity jobs arrive in
    and run in [g/kWh], our reduction [-] and the one Sukprasert et al. report (over their 123 regions, per slack);
    a row ``all sites`` holds the sites' mean intensities and the reduction of their means (the paper's average
    over regions: a mean saving in g/kWh over a mean intensity). The jobs of a month may run in the next month (the
    window does not stop at the month's end)."""
    carbon_jt = np.asarray(carbon_jt, dtype=float)
    month_t = np.asarray(month_t)
    if carbon_jt.shape != (len(site_names), len(month_t)):
        raise InputError(f"temporal shifting: carbon intensity of shape {carbon_jt.shape} does not match "
                         f"{len(site_names)} sites x {len(month_t)} hours")
    rows = []
    for slack in slacks:
        run_jt = np.vstack([cleanest_within_slack(ci, slack) for ci in carbon_jt])
        periods = [(int(m), month_t == m) for m in np.unique(month_t)] + [(YEAR, np.ones(len(month_t), bool))]
        for period, hours in periods:
            site_rows = []
            for j, site in enumerate(site_names):
                arrive, run = carbon_jt[j, hours].mean(), run_jt[j, hours].mean()
                site_rows.append({"site": site, "period": str(period), "slack": str(slack),
                                  "arrival_g_per_kwh": arrive * 1000, "run_g_per_kwh": run * 1000,
                                  "reduction": 1 - run / arrive})
            rows += site_rows
            arrive = float(np.mean([r["arrival_g_per_kwh"] for r in site_rows]))
            run = float(np.mean([r["run_g_per_kwh"] for r in site_rows]))
            rows.append({"site": "all sites", "period": str(period), "slack": str(slack), "arrival_g_per_kwh": arrive,
                         "run_g_per_kwh": run, "reduction": 1 - run / arrive})
    table = pd.DataFrame(rows)
    table["reported_reduction"] = table["slack"].map({str(k): v for k, v in REPORTED_REDUCTION.items()})
    table["reported_by"] = SUKPRASERT_2024
    return table


def scenario_table(s, slacks=SLACKS) -> pd.DataFrame:
    """:func:`eurosys_table` of a multi-day scenario (e.g. world_2024_year): its sites' hourly carbon intensity,
    months from its start date (UTC hours)."""
    from greenllm import year

    hours = year.start_date(s) + pd.to_timedelta(np.arange(s.n_hours), unit="h")
    return eurosys_table(s.carbon_kg_per_kwh, list(s.dc_names), hours.month.to_numpy(), slacks)
