"""The compendium's experiments: which solves each figure and table needs, as data and as library calls.

Modules:

* :mod:`~greenllm.experiments.spec`: scheme specs (defined once, in ``config/config.yaml``) -> solve arguments, and
  the keys that name result files;
* :mod:`~greenllm.experiments.paper`: the paper's experiments in-process (base case, weighted-sum and lexicographic
  tables, sweeps, tolerance, water, latency, Pareto front, hourly profiles) and the input frames;
* :mod:`~greenllm.experiments.extensions`: the experiments beyond the paper (formulations, hardware mixes, a year,
  scaling); :mod:`~greenllm.experiments.scale` builds the scale instances;
* :mod:`~greenllm.experiments.points`: every experiment's points as rows of a table, and the runner of a batch;
* :mod:`~greenllm.experiments.records`: the one record format (``docs/records.md``) and its reader;
* :mod:`~greenllm.experiments.cli`: the ``greenllm experiment`` and ``greenllm year`` commands.

Every public name is re-exported here (imported on first use, :data:`EXPORTS`), so a notebook writes
``from greenllm import experiments as ex``.
"""

import importlib

EXPORTS: dict[str, tuple[str, ...]] = {
    "extensions": ("EXCESS_COLUMNS", "formulation_comparison", "growth_exponent", "hardware_mixes", "mix_per_dc",
                   "read_year_rows", "scaling", "scaling_exponents", "year_days", "year_months", "year_summary",
                   "year_windows"),
    "paper": ("allocation_by_dc", "as_scenario", "carbon_bound", "dc_hour_inputs", "demand_inputs", "flat_rows",
              "hourly_profiles", "latency_distribution", "latency_summary", "lexicographic_table", "pareto_front",
              "pareto_point", "scaled", "scenario_stand_ins", "scheme_table", "served_per_dc_hour", "solve_point",
              "solve_spec", "stage_columns", "sweep", "tolerance_sweep", "tolerance_tradeoff", "water_budget_sweep",
              "weighted_quantile", "weighted_table"),
    "points": ("batches", "model_options", "point_table", "run_points"),
    "records": ("flatten", "infeasible_record", "read_records", "read_tables", "row_record", "solve_record",
                "write_records"),
    "spec": ("ALL_ORDERS", "METRICS", "OBJECTIVES", "PAPER_SCHEMES", "PAPER_WEIGHTS", "calendar_months",
             "configured_schemes", "fmt", "order_key", "scheme_specs", "solve_arguments", "weights_key"),
}
"""Module -> the public names re-exported here. A name is imported from its module when first used (PEP 562), so
reading records or a spec does not import the solver stack, and ``greenllm`` (whose ``experiment`` command lives in
this package) starts without pandas or the models."""
MODULE_OF = {name: module for module, names in EXPORTS.items() for name in names}

__all__ = sorted(MODULE_OF)


def __getattr__(name: str):
    if name not in MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{MODULE_OF[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
