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

Every public name is re-exported here, so a notebook writes ``from greenllm import experiments as ex``.
"""

from greenllm.experiments.extensions import (EXCESS_COLUMNS, formulation_comparison, growth_exponent,
                                             hardware_mixes, mix_per_dc, read_year_rows, scaling, scaling_exponents,
                                             year_days, year_months, year_summary, year_windows)
from greenllm.experiments.paper import (allocation_by_dc, as_scenario, carbon_bound, dc_hour_inputs, demand_inputs,
                                        flat_rows, hourly_profiles, latency_distribution, latency_summary,
                                        lexicographic_table, pareto_front, pareto_point, scaled, scenario_stand_ins,
                                        scheme_table, served_per_dc_hour, solve_point, solve_spec, stage_columns,
                                        sweep, tolerance_sweep, tolerance_tradeoff, water_budget_sweep,
                                        weighted_quantile, weighted_table)
from greenllm.experiments.points import batches, model_options, point_table, run_points
from greenllm.experiments.records import (flatten, infeasible_record, read_records, read_tables, row_record,
                                          solve_record, write_records)
from greenllm.experiments.spec import (ALL_ORDERS, METRICS, OBJECTIVES, PAPER_SCHEMES, PAPER_WEIGHTS,
                                       calendar_months, configured_schemes, fmt, order_key, scheme_specs,
                                       solve_arguments, weights_key)

__all__ = [name for name in dir() if not name.startswith("_") and name not in {"extensions", "paper", "points",
                                                                                  "records", "spec"}]
