# The plot table: one row per plot rule (workflow/rules/plot.smk makes the rules from it). A row says which experiment
# it belongs to, its notebook, the figures and tables it writes (stem -> report caption in workflow/report/), the
# records it reads and the notebook's parameters.

REPORT = "../report"


def _common(w):
    return nb_common(w.scenario)


def _specs(names):
    return {"schemes": list(names), "scheme_specs": scheme_specs(names)}


def _sweeps():
    """The sweeps (config `sweeps.fields`): the input scaled and the metrics its figure shows."""
    return config.get("sweeps", {}).get("fields", [])


def _hourly_figures():
    """The hourly figures (config `hourly.figures`): name, field, factors, metric."""
    return config.get("hourly", {}).get("figures", [])


SERVING_SETS = ("policies", "fronts", "scale", "prefill", "slo")
"""The serving point sets (serving_policies, ...; greenllm.serving.jobs) whose records the serving notebook reads."""


def _serving():
    section = config["serving"]
    return {"serving": serving_parameters(config), "scales": section["scales"],
            "prefill_utilisations": section["prefill_utilisations"]}


PLOTS = {
    "inputs": dict(
        experiment="inputs", notebook="01_inputs.ipynb", subcategory="Inputs", message="Plot the inputs",
        figures={"inputs_dc_hour": "inputs_dc_hour", "inputs_demand": "inputs_demand"},
        inputs=lambda w: {"scenario": built_scenario(w.scenario)},
        params=lambda w, input: dict(scenario=scenario_dir(w.scenario), figures_dir=f"figures/{w.scenario}",
                                     peak_hours=config["scenarios"][w.scenario].get("peak_hours"))),
    "base_case": dict(
        experiment="base_case", notebook="02_base_case.ipynb", subcategory="Tables",
        message="Tabulate and plot the base case", tables={"base_case": "base_case"},
        figures={"base_case_costs": "base_case_costs"},
        inputs=lambda w: {"results": records(w.scenario, "schemes")},
        params=lambda w, input: dict(**_common(w), **_specs(config["base_case"]), result_files=list(input.results),
                                     compare_to_paper=w.scenario == "paper_v1")),
    "weighted_sum": dict(
        experiment="weighted_table", notebook="03_weighted_sum.ipynb", subcategory="Tables",
        message="Tabulate the weighted-sum sensitivity", tables={"weighted_sum": "weighted_sum"},
        inputs=lambda w: {"results": records(w.scenario, "weighted")},
        params=lambda w, input: dict(**_common(w), weights=config["weighted_table"],
                                     result_files=list(input.results))),
    "lexicographic_orders": dict(
        experiment="lexicographic_orders", notebook="04_lexicographic_orders.ipynb", subcategory="Tables",
        message="Tabulate the six lexicographic orders", tables={"lexicographic_orders": "lexicographic_orders"},
        inputs=lambda w: {"results": records(w.scenario, "lexicographic")},
        params=lambda w, input: dict(**_common(w), orders=config["lexicographic_orders"],
                                     tolerance=config["tolerance"], result_files=list(input.results))),
    "sweep": dict(
        experiment="sweeps", notebook="05_sweep.ipynb", subcategory="Sweeps", message="Plot the sweeps",
        figures={f"sweep_{item['field']}": "sweep" for item in _sweeps()},
        inputs=lambda w: {"results": [path for item in _sweeps()
                                      for path in records(w.scenario, f"sweep-{item['field']}")]},
        params=lambda w, input: dict(**_common(w), factors=config["sweeps"]["factors"],
                                     sweeps=[{**item, "result_files": records(w.scenario, f"sweep-{item['field']}")}
                                             for item in _sweeps()],
                                     **_specs(config["sweeps"]["schemes"]))),
    "delay_levels": dict(
        experiment="delay_levels", notebook="06_delay_levels.ipynb", subcategory="Sweeps",
        message="Plot cost over energy per token at several delay-penalty levels",
        figures={"sweep_energy_per_token_delay_levels": "delay_levels"},
        inputs=lambda w: {"results": records(w.scenario, "delay_levels")},
        params=lambda w, input: dict(**_common(w), scheme=config["delay_levels"]["scheme"],
                                     factors=config["delay_levels"]["factors"],
                                     delay_penalty_factors=config["delay_levels"]["delay_penalty_factors"],
                                     scheme_specs=scheme_specs([config["delay_levels"]["scheme"]]),
                                     result_files=list(input.results))),
    "hourly": dict(
        experiment="hourly", notebook="07_hourly.ipynb", subcategory="Hourly profiles",
        message="Plot the hourly profiles", figures={f"hourly_{item['name']}": "hourly" for item in _hourly_figures()},
        inputs=lambda w: {"tables": [folder for item in _hourly_figures()
                                     for folder in table_dirs(w.scenario, f"hourly-{item['name']}")]},
        params=lambda w, input: dict(**_common(w), **_specs(config["hourly"]["schemes"]), hourly_figures=[
            {**item, "result_files": tables(table_dirs(w.scenario, f"hourly-{item['name']}"), "hourly")}
            for item in _hourly_figures()])),
    "tolerance": dict(
        experiment="tolerance_sweep", notebook="08_tolerance.ipynb", subcategory="Claims of paper v2",
        message="Plot the cost-tolerance trade-off", figures={"tolerance_tradeoff": "tolerance_tradeoff"},
        tables={"tolerance_sweep": "tolerance_sweep"},
        inputs=lambda w: {"results": records(w.scenario, "tolerance")},
        params=lambda w, input: dict(**_common(w), order=config["tolerance_sweep"]["order"],
                                     tolerances=config["tolerance_sweep"]["tolerances"],
                                     claim_pct=config["tolerance_sweep"]["claim_pct"],
                                     result_files=list(input.results))),
    "water": dict(
        experiment="water", notebook="09_water.ipynb", subcategory="Claims of paper v2",
        message="Plot water use per scheme and the water-budget sweep",
        figures={"water_per_scheme": "water_per_scheme", "water_budget": "water_budget"},
        tables={"water_budget": "water_budget_table"},
        inputs=lambda w: {"results": records(w.scenario, "schemes"), "budget": records(w.scenario, "water_budget")},
        params=lambda w, input: dict(**_common(w), **_specs(config["base_case"]),
                                     budget_schemes=config["water"]["budget_schemes"],
                                     budget_factors=config["water"]["budget_factors"],
                                     result_files=list(input.results), budget_files=list(input.budget))),
    "latency": dict(
        experiment="latency", notebook="10_latency.ipynb", subcategory="Claims of paper v2",
        message="Plot the per-query latency distribution", figures={"latency_distribution": "latency_distribution"},
        tables={"latency_summary": "latency_summary"},
        inputs=lambda w: {"tables": table_dirs(w.scenario, "schemes")},
        params=lambda w, input: dict(**_common(w), schemes=config["latency"]["schemes"],
                                     claim_s=config["latency"]["claim_s"],
                                     result_files=tables(input.tables, "latency"))),
    "pareto": dict(
        experiment="pareto", notebook="11_pareto.ipynb", subcategory="Claims of paper v2",
        message="Plot the energy-carbon Pareto frontier", figures={"pareto_energy_carbon": "pareto"},
        inputs=lambda w: {"results": records(w.scenario, "pareto"), "schemes": records(w.scenario, "schemes")},
        params=lambda w, input: dict(**_common(w), points=config["pareto"]["points"], schemes=config["base_case"],
                                     result_files=list(input.results), scheme_files=list(input.schemes))),
    "real_data": dict(
        experiment="real_data", notebook="12_real_data.ipynb", subcategory="Real data",
        message="Plot cost, emissions, water and allocation per scheme",
        figures={"real_schemes": "real_schemes", "real_allocation": "real_allocation"},
        tables={"real_schemes": "real_schemes_table"},
        inputs=lambda w: {"results": records(w.scenario, "schemes"), "tables": table_dirs(w.scenario, "schemes")},
        params=lambda w, input: dict(**_common(w), **_specs(config["real_data"]["schemes"]),
                                     result_files=list(input.results),
                                     allocation_files=tables(input.tables, "allocation"))),
    # --- Beyond the paper (docs/per_query.md) -----------------------------------------------------------------------
    "formulations": dict(
        experiment="formulations", notebook="13_formulations.ipynb", subcategory="Per-query formulation",
        message="Plot the paper vs per-query formulation",
        figures={"formulations": "formulations", "formulations_latency": "formulations_latency"},
        tables={"formulations": "formulations_table"},
        inputs=lambda w: {"results": records(w.scenario, "formulations"),
                          "tables": table_dirs(w.scenario, "formulations")},
        params=lambda w, input: dict(**_common(w), **_specs(config["formulations"]["schemes"]),
                                     claim_s=config["formulations"]["claim_s"], result_files=list(input.results),
                                     latency_files=tables(input.tables, "latency"))),
    "hardware_mix": dict(
        experiment="hardware_mix", notebook="14_hardware_mix.ipynb", subcategory="Per-query formulation",
        message="Plot the per-query results per hardware mix", figures={"hardware_mix": "hardware_mix"},
        tables={"hardware_mix": "hardware_mix_table"},
        inputs=lambda w: {"results": records(w.scenario, "hardware_mix")},
        params=lambda w, input: dict(
            **_common(w), **_specs(config["hardware_mix"]["schemes"]),
            mixes={m["name"]: m["accelerators"] for m in config["hardware_mix"]["mixes"]},
            mix_labels={m["name"]: m.get("label", m["name"]) for m in config["hardware_mix"]["mixes"]},
            result_files=list(input.results))),
    "year": dict(
        experiment="year", notebook="15_year.ipynb", subcategory="Year of operation",
        message="Plot the year of operation: months per mode and the cost of imperfect forecasts",
        figures={"year_monthly": "year_monthly", "year_forecast_cost": "year_forecast_cost"},
        tables={"year_forecast_summary": "year_forecast_summary", "year_forecast_errors": "year_forecast_errors"},
        code=[PACKAGE / "year.py", REPO / "config" / "forecast.yaml"],
        inputs=lambda w: {"results": records(w.scenario, "year")},
        params=lambda w, input: dict(**_common(w), scheme=config["year"]["scheme"],
                                     scheme_specs=scheme_specs([config["year"]["scheme"]]),
                                     formulation=config["year"]["formulation"], result_files=list(input.results))),
    "scaling": dict(
        experiment="scaling", notebook="16_scaling.ipynb", subcategory="Scale",
        message="Plot the scaling curves of both formulations", figures={"scaling": "scaling"},
        tables={"scaling": "scaling_table", "scaling_exponents": "scaling_exponents"},
        inputs=lambda w: {"results": records(SCALING, "scaling")},
        params=lambda w, input: dict(figures_dir="figures/scaling", tables_dir="tables/scaling",
                                     runs={r["formulation"]: r["sizes"] for r in config["scaling"]["runs"]},
                                     scheme=config["scaling"]["scheme"], result_files=list(input.results))),
    "serving": dict(
        experiment="serving", notebook="17_serving.ipynb", subcategory="Serving at fleet scale",
        message="Serving at fleet scale: baselines, fronts, SLO cost, published per-prompt figures, spatial shifting",
        figures={"serving_policies": "serving_policies", "serving_fronts": "serving_fronts",
                 "serving_validation": "serving_validation"},
        tables={"baselines": "serving_baselines_table", "baselines_margin": "serving_margin_table",
                "serving_fronts": "serving_fronts_table", "serving_slo": "serving_slo_table",
                "validation_per_query": "serving_validation_table", "validation_ratios": "serving_ratios_table",
                "spatial_shifting": "serving_spatial_shifting_table", "serving_gap": "serving_gap_table",
                "serving_scale": "serving_scale_table", "serving_prefill": "serving_prefill_table"},
        code=sorted((PACKAGE / "serving").glob("*.py")),
        inputs=lambda w: {"scenario": built_scenario(w.scenario), "catalogue": REPO / "config" / "serving.yaml",
                          **{s: records(w.scenario, f"serving_{s}") for s in SERVING_SETS},
                          "tables": table_dirs(w.scenario, "serving_policies")},
        params=lambda w, input: dict(**_common(w), **_serving(),
                                     **{f"{s}_files": records(w.scenario, f"serving_{s}") for s in SERVING_SETS},
                                     policy_tables=table_dirs(w.scenario, "serving_policies"))),
    "serving_deferrable": dict(
        experiment="serving_deferrable", notebook="18_deferrable.ipynb", subcategory="Serving at fleet scale",
        message="Requests that can wait on the serving model, and temporal shifting as in EuroSys'24",
        tables={"deferrable_shares": "deferrable_shares", "deferrable_sites": "deferrable_sites",
                "deferrable_joint_gap": "deferrable_joint_gap",
                "temporal_shifting_eurosys": "temporal_shifting_eurosys"},
        code=sorted((PACKAGE / "serving").glob("*.py")),
        inputs=lambda w: {"scenario": built_scenario(w.scenario),
                          "tables": table_dirs(w.scenario, "deferrable")},
        params=lambda w, input: dict(**_common(w), shares=config["serving_deferrable"]["shares"],
                                     day_files=tables(input.tables, "deferrable_days"),
                                     gap_files=tables(input.tables, "deferrable_joint_gap"))),
    "serving_year": dict(
        experiment="serving_year", notebook="19_serving_year.ipynb", subcategory="Serving year",
        message="The serving year: months per policy, margins over the days, value of information, where the load ran",
        figures={"serving_year_months": "serving_year_months", "serving_year_margins_spread": "serving_year_margins",
                 "serving_year_information": "serving_year_information", "serving_year_sites": "serving_year_sites"},
        tables={"serving_year_monthly": "serving_year_monthly_table",
                "serving_year_margins": "serving_year_margins_table",
                "serving_year_margins_monthly": "serving_year_margins_monthly_table",
                "serving_year_headline_day": "serving_year_headline_day_table",
                "serving_year_gap": "serving_year_gap_table",
                "serving_year_continents": "serving_year_continents_table",
                "serving_year_value_of_information": "serving_year_information_table",
                "serving_year_forecast_errors": "serving_year_forecast_errors_table"},
        code=[PACKAGE / "serving" / "seasons.py", PACKAGE / "serving" / "season_plots.py"],
        inputs=lambda w: {"scenario": built_scenario(w.scenario), "tables": table_dirs(w.scenario, "serving_year")},
        params=lambda w, input: dict(  # no `tables` yet while the scenario's build checkpoint is pending
            **_common(w), day_files=tables(getattr(input, "tables", []), "serving_days"),
            site_files=tables(getattr(input, "tables", []), "serving_sites"),
            gap_files=tables(getattr(input, "tables", []), "serving_year_gap"))),
}
"""One row per plot rule: experiment (config `experiments:`), notebook, figures/tables {stem: caption}, inputs and
notebook parameters as functions of the wildcards (and the inputs); optional extra `code`."""


def plot_outputs(name):
    """Named outputs of a plot rule: each figure (PNG in the report, CSV of its numbers), each table (CSV in the
    report, Markdown) and the executed notebook."""
    plot, out = PLOTS[name], {}
    for k, (stem, caption) in enumerate(plot.get("figures", {}).items()):
        out[f"figure{k}"] = report(f"figures/{{scenario}}/{stem}.png", caption=f"{REPORT}/{caption}.rst",
                                   category="{scenario}", subcategory=plot["subcategory"])
        out[f"figure{k}_data"] = f"figures/{{scenario}}/{stem}.csv"
    for k, (stem, caption) in enumerate(plot.get("tables", {}).items()):
        out[f"table{k}"] = report(f"tables/{{scenario}}/{stem}.csv", caption=f"{REPORT}/{caption}.rst",
                                  category="{scenario}", subcategory=plot["subcategory"])
        out[f"table{k}_markdown"] = f"tables/{{scenario}}/{stem}.md"
    out["notebook"] = f"results/notebooks/{{scenario}}/{plot['notebook']}"
    return out


def plot_targets(name, scenario):
    """The files one plot makes on one scenario."""
    return [str(path).format(scenario=scenario) for path in plot_outputs(name).values()]


def experiment_targets(experiment, scenario):
    """The committed outputs (and the executed notebooks) of one experiment on one scenario."""
    return [path for name, plot in PLOTS.items() if plot["experiment"] == experiment
            for path in plot_targets(name, scenario)]
