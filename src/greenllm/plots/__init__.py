"""Figures of the compendium (seaborn, colour-blind-safe palette, units on every axis).

Every plot function takes tidy rows (from :mod:`greenllm.experiments` or the pipeline's result files) and returns
``(figure, data)``: the matplotlib Figure and the DataFrame of exactly the numbers it draws. :func:`save` writes the
PNG together with that CSV, so every committed figure has its numbers beside it.

One module per figure family, every public name re-exported here (``from greenllm import plots; plots.save(...)``):

- :mod:`greenllm.plots.common`: the look (palette, scheme colours, axis labels, panel layouts, legends), saving,
  the stand-in mark;
- :mod:`greenllm.plots.inputs`: a scenario's inputs (data centres per hour, demand) and their clocks;
- :mod:`greenllm.plots.paper`: the paper's experiments (schemes, sweeps, hourly, tolerance, water, latency, Pareto,
  allocation);
- :mod:`greenllm.plots.extensions`: beyond the paper (per-query formulation, its latency, hardware mixes);
- :mod:`greenllm.plots.operation`: a year of operation and the scaling benchmark.
"""

from greenllm.plots.common import (
    EXTRA_METRICS,
    FIELD_LABELS,
    FORMULATION_COLORS,
    FORMULATION_LABELS,
    HOUR_LABEL,
    INFEASIBLE_LABEL,
    LOCAL_HOUR,
    MIXED_HOUR,
    PALETTE,
    UTC_HOUR,
    any_metric_label,
    hour_label,
    log_label,
    mark_stand_ins,
    metric_label,
    note_determined,
    palette_colors,
    save,
    save_table,
    scheme_colors,
    series_palette,
    setup,
)
from greenllm.plots.extensions import formulation_latency, formulations, hardware_mix
from greenllm.plots.inputs import (
    RECIPE_HOUR,
    hour_runs,
    inputs_dc_hour,
    inputs_demand,
    peak_hours,
    result_clock,
    time_bases,
)
from greenllm.plots.operation import (
    MODE_LABELS,
    MONTH_NAMES,
    YEAR_LINE_MODES,
    scaling,
    year_forecast_cost,
    year_monthly,
)
from greenllm.plots.paper import (
    COST_COMPONENTS,
    allocation,
    hourly,
    latency_ecdf,
    pareto,
    scheme_bars,
    scheme_costs,
    sweep,
    sweep_levels,
    tolerance_tradeoff,
    water_budget,
    water_per_scheme,
)

__all__ = [
    "COST_COMPONENTS", "EXTRA_METRICS", "FIELD_LABELS", "FIGURE_FUNCTIONS", "FORMULATION_COLORS",
    "FORMULATION_LABELS", "HOUR_LABEL", "INFEASIBLE_LABEL", "LOCAL_HOUR", "MIXED_HOUR", "MODE_LABELS", "MONTH_NAMES",
    "PALETTE", "RECIPE_HOUR", "UTC_HOUR", "YEAR_LINE_MODES", "allocation", "any_metric_label", "formulation_latency",
    "formulations", "hardware_mix", "hour_label", "hour_runs", "hourly", "inputs_dc_hour", "inputs_demand",
    "latency_ecdf", "log_label", "mark_stand_ins", "metric_label", "note_determined", "palette_colors", "pareto",
    "peak_hours", "result_clock", "save", "save_table", "scaling", "scheme_bars", "scheme_colors", "scheme_costs",
    "series_palette", "setup", "sweep", "sweep_levels", "time_bases", "tolerance_tradeoff", "water_budget",
    "water_per_scheme", "year_forecast_cost", "year_monthly",
]

FIGURE_FUNCTIONS = (
    inputs_dc_hour, inputs_demand, scheme_costs, sweep, sweep_levels, hourly, tolerance_tradeoff, water_per_scheme,
    water_budget, latency_ecdf, pareto, scheme_bars, allocation, formulations, formulation_latency, hardware_mix,
    year_monthly, year_forecast_cost, scaling,
)
"""Every function here that draws a figure (returns (Figure, DataFrame)); tests/test_figure_rules.py checks each."""
