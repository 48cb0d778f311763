"""The serving experiment as solve points (greenllm.serving.jobs): what each point set solves, that nothing is solved
twice, that the jobs' outputs assemble into the tables in the notebook's order, and that what the tables write does
not depend on the solver's path (another HiGHS pricing gives the same determined numbers at the written precision)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from greenllm.errors import InputError
from greenllm.serving import jobs
from greenllm.serving.experiments import (FRONT_OBJECTIVES, LATENCY_MEASURES, fixed_precision, fleet_for, front_table,
                                          fronts, policy_row, scheme_order)
from greenllm.serving.fleet import FleetOptions
from greenllm.serving.lp import SCHEMES, FleetSolver

REPO = Path(__file__).resolve().parents[1]
WORLD = REPO / "data" / "processed" / "world_2024"
SECTION = {"scenario": "world_2024", "queries_per_day": 1e9, "front_points": 3, "scales": [1e6, 1e9, 1e10],
           "prefill_utilisations": [0.3, 0.4, 0.5], "batch_limits": [8, 128]}
SMALL = FleetOptions(queries_per_day=1e8, batch_limits=(8, 128))  # about a second per LP


def test_each_point_set_solves_what_its_table_needs_and_nothing_twice():
    policies = jobs.point_rows(SECTION, "serving_policies")
    assert [p["task"] for p in policies] == ["baselines", *["scheme"] * len(SCHEMES)]
    assert [p.get("scheme") for p in policies[1:]] == list(SCHEMES)
    fronts_ = jobs.point_rows(SECTION, "serving_fronts", anchors=["a.json"])
    assert [(p["objective"], p["measure"]) for p in fronts_] == [(o, m) for o in FRONT_OBJECTIVES
                                                                  for m in LATENCY_MEASURES]
    assert all(p["anchors"] == ["a.json"] and p["points"] == 3 for p in fronts_)
    # the configured demand (1e9) and prefill utilisation (the catalogue's 0.4) are the policies' own solves
    scale = jobs.point_rows(SECTION, "serving_scale")
    assert [p["fleet"]["queries_per_day"] for p in scale] == [1e6, 1e10]
    prefill = jobs.point_rows(SECTION, "serving_prefill")
    assert sorted({p["fleet"]["prefill_utilisation"] for p in prefill}) == [0.3, 0.5]
    assert len(prefill) == 2 * len(policies)
    assert [p["scheme"] for p in jobs.point_rows(SECTION, "serving_slo")] == list(jobs.SLO_SCHEMES)
    # every row carries the fleet it is solved on, so a change of the configuration re-solves it
    assert all(p["fleet"]["batch_limits"] == [8, 128] for p in policies + scale + prefill)
    with pytest.raises(InputError, match="serving_nothing"):
        jobs.point_rows(SECTION, "serving_nothing")


def test_a_front_without_its_anchor_records_is_one_error():
    point = {"kind": "serving", "task": "front", "objective": "emissions_kg", "measure": "latency_mean_s",
             "points": 2, "fleet": {"queries_per_day": 1e8, "batch_limits": [8, 128, 512]}}
    with pytest.raises(InputError, match="min_emissions, min_latency"):
        jobs.run_point(WORLD, point, pd.DataFrame({"policy": ["min_cost"]}))


@pytest.fixture(scope="module")
def small_fleet():
    return fleet_for(WORLD, SMALL)


DEVEX = ("simplex_dual_edge_weight_strategy", 1)  # HiGHS: Devex pricing instead of the default's choice


def _relaxed(fleet, option: tuple | None) -> FleetSolver:
    solver = FleetSolver(fleet, relax=True)
    if option is not None:
        solver.h.setOptionValue(*option)
    return solver


def test_the_determined_numbers_do_not_depend_on_the_simplex_pricing(small_fleet):
    """Default dual simplex pricing against Devex: other pivots (another vertex of an optimal face, other round-off;
    the primal simplex takes minutes here), the same numbers at the
    written precision for what the objectives determine: each scheme's stage optima on the LP relaxation (the
    `relaxation` column of the policies table; its tie-break stage included) and a front's stage optima at the same
    latency limits. (The whole-replica rows are rounded from the relaxation's vertex, which the pricing may change:
    docs/serving.md says so and reports their gap to the relaxation.)"""
    stages, rows = [], []
    for option in (None, DEVEX):
        solver = _relaxed(small_fleet, option)
        optima = {}
        for name in ("min_emissions", "min_latency"):
            q = solver.solve(scheme_order(name))
            optima.update({f"{name}:{stage}": value for stage, value in solver.stages.items()})
            if option is None:
                rows.append(policy_row(small_fleet, name, "optimised", q))
        stages.append(pd.DataFrame([optima]))
    pd.testing.assert_frame_equal(fixed_precision(stages[0]), fixed_precision(stages[1]))
    anchors = pd.DataFrame(rows)
    fronts_ = [front_table(fronts(small_fleet, _relaxed(small_fleet, option), anchors, points=2,
                                  objectives=("emissions_kg",), measures=("latency_p95_s",)))
               for option in (None, DEVEX)]
    assert fronts_[0]["emissions_kg"].notna().all()
    pd.testing.assert_frame_equal(fixed_precision(fronts_[0]), fixed_precision(fronts_[1]))


def test_jobs_outputs_assemble_in_the_order_of_one_run(tmp_path):
    """Two policy jobs' side tables (baselines, then a scheme) merge into the validation table comparison by
    comparison, the policies in job order; the scale row at the configured demand comes from the policies' job."""
    options = FleetOptions(queries_per_day=1e8)
    comparisons = pd.DataFrame({"comparison": [0, 1, 0, 1], "policy": ["a", "a", "b", "b"]})
    for k, part in enumerate((comparisons.iloc[:2], comparisons.iloc[2:])):
        folder = tmp_path / f"{k}_tables"
        folder.mkdir()
        part.to_csv(folder / "validation.csv", index=False)
        pd.DataFrame({"policy": [part["policy"].iloc[0]]}).to_csv(folder / "per_query.csv", index=False)
        pd.DataFrame({"case": ["ideal"]}).to_csv(folder / "spatial_shifting.csv", index=False)
    pd.DataFrame({"queries_per_day": [1e8], "scheme": ["min_emissions"]}).to_csv(tmp_path / "1_tables" / "scale.csv",
                                                                              index=False)
    metrics = {"emissions_kg": [3.0, 2.0], "total_usd": [3.0, 2.0], "water_l": [3.0, 2.0],
               "latency_mean_s": [1.0, 1.0], "energy_wh_per_query": [0.2, 0.1]}
    names = ["a", "b"]
    policies = pd.DataFrame({"policy": names, "kind": ["baseline", "baseline"], **metrics,
                             "relaxation": [np.nan, np.nan], "relaxation_gap": [np.nan, np.nan]})
    optimised = policies.iloc[[1]].assign(kind="optimised", relaxation=2.0, relaxation_gap=0.0)
    policies = pd.concat([policies, *(optimised.assign(policy=n) for n in SCHEMES)], ignore_index=True)
    scale = pd.DataFrame({"queries_per_day": [1e6], "scheme": ["min_emissions"]})
    slo = pd.DataFrame({"scheme": ["min_emissions"], "objective": ["emissions_kg"], "pairs_kept": [3],
                        "pairs_pruned": [1], "without_slo": [1.0], "share_breaking_slo_without": [0.5],
                        "latency_p95_without_s": [9.0]})
    out = jobs.assemble(policies, [tmp_path / "0_tables", tmp_path / "1_tables"], pd.DataFrame(), scale,
                        pd.DataFrame(), slo, options=options, prefill_utilisations=[0.4], scales=[1e8, 1e6])
    assert out.validation["policy"].tolist() == ["a", "b", "a", "b"] and "comparison" not in out.validation
    assert out.scale["queries_per_day"].tolist() == [1e8, 1e6]
    assert out.slo.loc[0, "with_slo"] == 2.0 and list(out.slo.columns)[4] == "with_slo"
    assert set(out.prefill["prefill_utilisation"]) == {0.4}
