"""The serving year's tables (greenllm.serving.seasons) on hand-made day tables whose answers are known."""

import numpy as np
import pandas as pd
import pytest

from greenllm.errors import InputError
from greenllm.serving import seasons


def row(day, mode, policy, kind, emissions_kg, total_usd=100.0, water_l=10.0, *, ok=True, status="optimal",
        month=None):
    month = month or (1 if day < 31 else 2)
    date = (pd.Timestamp("2024-01-01") + pd.Timedelta(days=day)).strftime("%Y-%m-%d")
    return {"day": day, "date": date, "month": month, "mode": mode, "policy": policy, "kind": kind,
            "status": status, "queries": 1000.0, "emissions_kg": emissions_kg, "total_usd": total_usd,
            "energy_usd": total_usd, "water_l": water_l, "facility_kwh": 50.0, "latency_mean_s": 1.0,
            "slo_met": ok, "capacity_ok": True, "power_ok": True, "redispatched_hours": 0}


@pytest.fixture
def two_days():
    """Day 0: the greedy baseline is best (80 kg), the optimum 60 kg. Day 1: the greedy breaks the SLO, so the naive
    split (100 kg) is the best feasible baseline, the optimum 50 kg."""
    return pd.DataFrame([
        row(0, "rule", "demand_proportional", "baseline", 100.0), row(0, "rule", "lowest_carbon", "baseline", 80.0),
        row(0, "perfect", "min_emissions", "optimised", 60.0),
        row(1, "rule", "demand_proportional", "baseline", 100.0),
        row(1, "rule", "lowest_carbon", "baseline", 40.0, ok=False),
        row(1, "perfect", "min_emissions", "optimised", 50.0),
    ])


def test_a_baseline_that_breaks_a_limit_does_not_count_that_day(two_days):
    margins = seasons.daily_margins(two_days).set_index("day")
    assert margins.loc[0, "best_baseline"] == "lowest_carbon"
    assert margins.loc[0, "saving"] == pytest.approx(1 - 60 / 80)
    assert margins.loc[1, "best_baseline"] == "demand_proportional"  # lowest_carbon's 40 kg broke the SLO
    assert margins.loc[1, "saving"] == pytest.approx(0.5)


def test_captured_share_is_the_best_baselines_part_of_the_gain_over_the_naive_split(two_days):
    margins = seasons.daily_margins(two_days).set_index("day")
    assert margins.loc[0, "captured_by_best_baseline"] == pytest.approx((100 - 80) / (100 - 60))
    assert margins.loc[1, "captured_by_best_baseline"] == pytest.approx(0.0)


def test_a_day_without_a_feasible_baseline_is_not_compared(two_days):
    days = two_days.copy()
    days.loc[(days["day"] == 1) & (days["kind"] == "baseline"), "capacity_ok"] = False
    margins = seasons.daily_margins(days)
    assert margins.set_index("day").loc[1, "best_baseline"] == "none"
    spread = seasons.margin_spread(margins).iloc[0]
    assert spread["days_compared"] == 1 and spread["days_without_feasible_baseline"] == 1
    assert spread["saving_median"] == pytest.approx(0.25)


def test_margin_spread_orders_min_median_max_and_sums_the_days(two_days):
    spread = seasons.margin_spread(seasons.daily_margins(two_days)).iloc[0]
    assert (spread["saving_min"], spread["saving_max"]) == pytest.approx((0.25, 0.5))
    assert spread["saving_min"] <= spread["saving_median"] <= spread["saving_max"]
    assert spread["saving_summed"] == pytest.approx(1 - (60 + 50) / (80 + 100))
    assert spread["share_of_days_better"] == 1.0


def test_monthly_sums_equal_the_sum_over_the_days():
    rng = np.random.default_rng(1)
    days = pd.DataFrame([row(d, "perfect", "min_emissions", "optimised", float(e), float(c), float(w))
                         for d, e, c, w in zip(range(60), rng.uniform(50, 90, 60), rng.uniform(90, 120, 60),
                                               rng.uniform(5, 15, 60), strict=True)])
    days.loc[days["day"] == 3, "status"] = "infeasible"  # an unserved day has no costs and is not summed
    monthly = seasons.monthly_totals(days)
    solved = days[days["status"] == "optimal"]
    for column in ("emissions_kg", "total_usd", "water_l", "queries"):
        assert monthly[column].sum() == pytest.approx(solved[column].sum())
    january = monthly.set_index("month").loc[1]
    assert (january["days"], january["days_solved"]) == (31, 30)
    assert january["emissions_kg_per_day"] == pytest.approx(solved.loc[solved["month"] == 1, "emissions_kg"].mean())


def test_headline_day_ranks_the_date_among_the_days():
    days = pd.DataFrame([r for d in range(10) for r in (
        row(d, "rule", "demand_proportional", "baseline", 100.0),
        row(d, "perfect", "min_emissions", "optimised", 100.0 - d))])  # saving d % on day d
    margins = seasons.daily_margins(days)
    headline = seasons.headline_day(margins, date="2024-01-04").iloc[0]  # day 3: 3 %
    assert headline["saving"] == pytest.approx(0.03)
    assert headline["rank_in_year"] == pytest.approx(0.3)  # days 0, 1, 2 save less
    assert headline["year_median"] == pytest.approx(0.045)


def vi_days(extras_by_mode):
    """Ten days; perfect foresight emits 100 kg, each forecast mode 100 + its extra of the day."""
    rows = []
    for d in range(10):
        rows.append(row(d, "perfect", "min_emissions", "optimised", 100.0))
        for mode, extra in extras_by_mode.items():
            rows.append(row(d, mode, "min_emissions", "optimised", 100.0 + extra(d)))
    return pd.DataFrame(rows)


def test_value_of_information_interval_contains_the_median_and_the_mean():
    days = vi_days({"carbon_persistence": lambda d: float(d)})  # extras 0..9 kg
    value = seasons.value_of_information(days).set_index("mode").loc["carbon_persistence"]
    assert value["signal"] == "carbon" and value["days"] == 10
    assert value["extra_median"] == pytest.approx(4.5) and value["extra_mean"] == pytest.approx(4.5)
    assert value["extra_p5"] <= value["extra_median"] <= value["extra_p95"]
    assert value["extra_mean_low"] < value["extra_mean"] < value["extra_mean_high"]
    assert value["extra_pct_median"] == pytest.approx(4.5)  # of perfect's 100 kg


def test_the_part_single_signals_do_not_explain_is_reported():
    days = vi_days({"persistence": lambda d: 10.0, "demand_only": lambda d: 3.0, "carbon_persistence": lambda d: 4.0,
                    "price_persistence": lambda d: 1.0, "carbon_blend": lambda d: 9.0})
    value = seasons.value_of_information(days).set_index("mode")
    unexplained = value.loc["unexplained:persistence"]
    assert unexplained["extra_median"] == pytest.approx(10 - 3 - 4 - 1)  # carbon_blend is another model
    assert unexplained["singles"] == "carbon_persistence+demand_only+price_persistence"
    assert value.loc["persistence", "signal"] == "all"


def test_no_unexplained_row_for_a_model_whose_single_signals_did_not_run():
    days = vi_days({"blend": lambda d: 10.0, "demand_only": lambda d: 3.0, "carbon_persistence": lambda d: 4.0})
    assert "unexplained:blend" not in set(seasons.value_of_information(days)["mode"])


def test_a_day_solved_in_one_mode_only_is_not_compared():
    days = vi_days({"price_persistence": lambda d: 1.0})
    days.loc[(days["day"] == 0) & (days["mode"] == "perfect"), "status"] = "infeasible"
    assert seasons.value_of_information(days).iloc[0]["days"] == 9


def test_continent_shares_add_to_one_per_month():
    sites = pd.DataFrame([{"day": d, "mode": "perfect", "policy": "min_emissions", "site": s, "queries": q}
                          for d in range(40) for s, q in (("asia-south1", 300.0), ("asia-northeast1", 100.0),
                                                          ("europe-west3", 600.0))])
    days = pd.DataFrame([row(d, "perfect", "min_emissions", "optimised", 1.0) for d in range(40)])
    out = seasons.continent_allocation(sites, days)
    assert out.groupby("month")["share"].sum().tolist() == pytest.approx([1.0, 1.0])
    january = out[out["month"] == 1].set_index("continent")
    assert january.loc["Asia", "share"] == pytest.approx(0.4) and january.loc["Europe", "queries"] == 600 * 31


def test_site_day_shares_are_each_days_split():
    sites = pd.DataFrame([{"day": d, "mode": "perfect", "policy": "p", "site": s, "queries": q}
                          for d in range(2) for s, q in (("a", 1.0 + d), ("b", 3.0))])
    shares = seasons.site_day_shares(sites, "perfect", "p").set_index(["site", "day"])["share"]
    assert shares[("a", 0)] == pytest.approx(0.25) and shares[("a", 1)] == pytest.approx(0.4)


def test_a_table_without_a_column_is_one_message_naming_it(two_days):
    with pytest.raises(InputError, match="serving_days.csv: missing column.*slo_met"):
        seasons.daily_margins(two_days.drop(columns="slo_met"))
