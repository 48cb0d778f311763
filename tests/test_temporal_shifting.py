"""Temporal shifting under the assumptions of Sukprasert et al. (EuroSys 2024) on hand-made series."""

import numpy as np
import pytest

from greenllm.errors import InputError
from greenllm.serving import temporal


def test_a_job_runs_in_the_cleanest_hour_of_its_slack_window_cut_at_the_series_end():
    ci = np.array([5.0, 3.0, 4.0, 1.0, 6.0, 2.0])
    # slack 2: hours t..t+2 -> min(5,3,4)=3, min(3,4,1)=1, min(4,1,6)=1, min(1,6,2)=1, min(6,2)=2, min(2)=2
    assert temporal.cleanest_within_slack(ci, 2).tolist() == [3.0, 1.0, 1.0, 1.0, 2.0, 2.0]
    assert temporal.cleanest_within_slack(ci, 0).tolist() == ci.tolist()


def test_a_year_of_slack_runs_every_job_in_the_cleanest_hour_left_in_the_year():
    ci = np.array([5.0, 3.0, 4.0, 1.0, 6.0, 2.0])
    assert temporal.cleanest_within_slack(ci, temporal.YEAR).tolist() == [1.0, 1.0, 1.0, 1.0, 2.0, 2.0]


def test_reduction_of_a_day_with_one_clean_hour_is_known():
    # two days: 400 g/kWh except 100 at hour 12 of each day; with 24 h slack the jobs of hours 0..12 of a day and
    # 13..23 of the day before reach a clean hour; only the second day's hours 13..23 have none left in the series
    ci = np.full(48, 0.4)
    ci[[12, 36]] = 0.1
    run = temporal.cleanest_within_slack(ci, 24)
    assert (run[:37] == 0.1).all() and (run[37:] == 0.4).all()
    expected = 1 - (37 * 0.1 + 11 * 0.4) / 48 / ci.mean()
    assert temporal.reduction(ci, 24) == pytest.approx(expected)


def test_a_flat_series_has_nothing_to_shift():
    assert temporal.reduction(np.full(100, 0.3), 24) == pytest.approx(0.0)
    assert temporal.reduction(np.full(100, 0.3), temporal.YEAR) == pytest.approx(0.0)


def test_table_by_site_and_month_with_the_reported_figures_beside_ours():
    ci = np.vstack([np.tile([0.2, 0.4], 24), np.full(48, 0.5)])
    month = np.repeat([1, 2], 24)
    table = temporal.eurosys_table(ci, ["a", "b"], month)
    row = table[(table.site == "a") & (table.period == "1") & (table.slack == "24")].iloc[0]
    assert row.reduction == pytest.approx(1 - 0.2 / 0.3)  # every job of the alternating series reaches a 0.2 hour
    flat = table[table.site == "b"]
    assert np.allclose(flat.reduction, 0.0)
    both = table[(table.site == "all sites") & (table.period == "year") & (table.slack == "year")].iloc[0]
    run = np.mean([temporal.cleanest_within_slack(c, temporal.YEAR).mean() for c in ci])
    assert both.reduction == pytest.approx(1 - run / ci.mean())  # mean saving over mean intensity, as theirs
    assert set(table.reported_reduction) == {0.084, 0.34}


def test_a_series_that_does_not_match_the_sites_is_one_clear_error():
    with pytest.raises(InputError, match="does not match"):
        temporal.eurosys_table(np.ones((2, 5)), ["a"], np.ones(5))
