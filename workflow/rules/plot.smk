# plot_*: papermill runs one notebook per experiment; it reads the solve jobs' result files and writes the figures
# (PNG + the CSV of the plotted numbers) and tables (CSV + Markdown); the executed notebook is kept under
# results/notebooks/. The notebooks themselves stay output-free in notebooks/.

REPORT = "../report"


rule plot_inputs:
    message:
        "Plot the inputs of {wildcards.scenario}"
    input:
        script=SCRIPTS / "run_notebook.py",
        code=PLOT_CODE,
        notebook=NOTEBOOKS / "01_inputs.ipynb",
        scenario="data/processed/{scenario}",
    output:
        dc_hour=report("figures/{scenario}/inputs_dc_hour.png", caption=f"{REPORT}/inputs_dc_hour.rst",
                       category="{scenario}", subcategory="Inputs"),
        dc_hour_data="figures/{scenario}/inputs_dc_hour.csv",
        demand=report("figures/{scenario}/inputs_demand.png", caption=f"{REPORT}/inputs_demand.rst",
                      category="{scenario}", subcategory="Inputs"),
        demand_data="figures/{scenario}/inputs_demand.csv",
        notebook="results/notebooks/{scenario}/01_inputs.ipynb",
    params:
        nb=lambda w: notebook_params(
            scenario=scenario_dir(w.scenario), figures_dir=f"figures/{w.scenario}",
            peak_hours=config["scenarios"][w.scenario].get("peak_hours")),
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/plot_inputs/{scenario}.log",
    benchmark:
        "benchmarks/plot_inputs/{scenario}.tsv"
    shell:
        "python {input.script} {input.notebook} {output.notebook} --parameters {params.nb:q} > {log} 2>&1"


rule plot_base_case:
    message:
        "Tabulate and plot the base case of {wildcards.scenario}"
    input:
        script=SCRIPTS / "run_notebook.py",
        code=PLOT_CODE,
        notebook=NOTEBOOKS / "02_base_case.ipynb",
        results=lambda w: scheme_files(w.scenario, config["base_case"]),
    output:
        table=report("tables/{scenario}/base_case.csv", caption=f"{REPORT}/base_case.rst",
                     category="{scenario}", subcategory="Tables"),
        markdown="tables/{scenario}/base_case.md",
        figure=report("figures/{scenario}/base_case_costs.png", caption=f"{REPORT}/base_case_costs.rst",
                      category="{scenario}", subcategory="Tables"),
        figure_data="figures/{scenario}/base_case_costs.csv",
        notebook="results/notebooks/{scenario}/02_base_case.ipynb",
    params:
        nb=lambda w, input: notebook_params(
            **nb_common(w.scenario), schemes=config["base_case"], scheme_specs=scheme_specs(config["base_case"]),
            result_files=list(input.results), compare_to_paper=w.scenario == "paper_v1"),
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/plot_base_case/{scenario}.log",
    benchmark:
        "benchmarks/plot_base_case/{scenario}.tsv"
    shell:
        "python {input.script} {input.notebook} {output.notebook} --parameters {params.nb:q} > {log} 2>&1"


rule plot_weighted_sum:
    message:
        "Tabulate the weighted-sum sensitivity of {wildcards.scenario}"
    input:
        script=SCRIPTS / "run_notebook.py",
        code=PLOT_CODE,
        notebook=NOTEBOOKS / "03_weighted_sum.ipynb",
        results=lambda w: list(weighted_results(w.scenario).values()),
    output:
        table=report("tables/{scenario}/weighted_sum.csv", caption=f"{REPORT}/weighted_sum.rst",
                     category="{scenario}", subcategory="Tables"),
        markdown="tables/{scenario}/weighted_sum.md",
        notebook="results/notebooks/{scenario}/03_weighted_sum.ipynb",
    params:
        nb=lambda w: notebook_params(**nb_common(w.scenario), weights=config["weighted_table"],
                                     result_files=weighted_results(w.scenario)),
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/plot_weighted_sum/{scenario}.log",
    benchmark:
        "benchmarks/plot_weighted_sum/{scenario}.tsv"
    shell:
        "python {input.script} {input.notebook} {output.notebook} --parameters {params.nb:q} > {log} 2>&1"


rule plot_lexicographic_orders:
    message:
        "Tabulate the six lexicographic orders of {wildcards.scenario}"
    input:
        script=SCRIPTS / "run_notebook.py",
        code=PLOT_CODE,
        notebook=NOTEBOOKS / "04_lexicographic_orders.ipynb",
        results=lambda w: list(lexicographic_results(w.scenario).values()),
    output:
        table=report("tables/{scenario}/lexicographic_orders.csv", caption=f"{REPORT}/lexicographic_orders.rst",
                     category="{scenario}", subcategory="Tables"),
        markdown="tables/{scenario}/lexicographic_orders.md",
        notebook="results/notebooks/{scenario}/04_lexicographic_orders.ipynb",
    params:
        nb=lambda w: notebook_params(**nb_common(w.scenario), orders=config["lexicographic_orders"],
                                     tolerance=config["tolerance"], result_files=lexicographic_results(w.scenario)),
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/plot_lexicographic_orders/{scenario}.log",
    benchmark:
        "benchmarks/plot_lexicographic_orders/{scenario}.tsv"
    shell:
        "python {input.script} {input.notebook} {output.notebook} --parameters {params.nb:q} > {log} 2>&1"


rule plot_sweep:
    message:
        "Plot the {wildcards.field} sweep of {wildcards.scenario}"
    input:
        script=SCRIPTS / "run_notebook.py",
        code=PLOT_CODE,
        notebook=NOTEBOOKS / "05_sweep.ipynb",
        results=lambda w: sweep_results(w.scenario, w.field),
    output:
        figure=report("figures/{scenario}/sweep_{field}.png", caption=f"{REPORT}/sweep.rst",
                      category="{scenario}", subcategory="Sweeps"),
        figure_data="figures/{scenario}/sweep_{field}.csv",
        notebook="results/notebooks/{scenario}/05_sweep_{field}.ipynb",
    params:
        nb=lambda w, input: notebook_params(
            **nb_common(w.scenario), field=w.field, factors=config["sweeps"]["factors"],
            schemes=config["sweeps"]["schemes"], metrics=sweep_metrics(w.field),
            scheme_specs=scheme_specs(config["sweeps"]["schemes"]), result_files=list(input.results)),
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/plot_sweep/{scenario}/{field}.log",
    benchmark:
        "benchmarks/plot_sweep/{scenario}/{field}.tsv"
    shell:
        "python {input.script} {input.notebook} {output.notebook} --parameters {params.nb:q} > {log} 2>&1"


rule plot_delay_levels:
    message:
        "Plot M0 cost over energy per token at several delay-penalty levels ({wildcards.scenario})"
    input:
        script=SCRIPTS / "run_notebook.py",
        code=PLOT_CODE,
        notebook=NOTEBOOKS / "06_delay_levels.ipynb",
        results=lambda w: delay_level_results(w.scenario),
    output:
        figure=report("figures/{scenario}/sweep_energy_per_token_delay_levels.png",
                      caption=f"{REPORT}/delay_levels.rst", category="{scenario}", subcategory="Sweeps"),
        figure_data="figures/{scenario}/sweep_energy_per_token_delay_levels.csv",
        notebook="results/notebooks/{scenario}/06_delay_levels.ipynb",
    params:
        nb=lambda w, input: notebook_params(
            **nb_common(w.scenario), scheme=config["delay_levels"]["scheme"],
            factors=config["delay_levels"]["factors"],
            delay_penalty_factors=config["delay_levels"]["delay_penalty_factors"],
            scheme_specs=scheme_specs([config["delay_levels"]["scheme"]]), result_files=list(input.results)),
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/plot_delay_levels/{scenario}.log",
    benchmark:
        "benchmarks/plot_delay_levels/{scenario}.tsv"
    shell:
        "python {input.script} {input.notebook} {output.notebook} --parameters {params.nb:q} > {log} 2>&1"


rule plot_hourly:
    message:
        "Plot the hourly profile {wildcards.name} of {wildcards.scenario}"
    input:
        script=SCRIPTS / "run_notebook.py",
        code=PLOT_CODE,
        notebook=NOTEBOOKS / "07_hourly.ipynb",
        results=lambda w: hourly_results(w.scenario, w.name),
    output:
        figure=report("figures/{scenario}/hourly_{name}.png", caption=f"{REPORT}/hourly.rst",
                      category="{scenario}", subcategory="Hourly profiles"),
        figure_data="figures/{scenario}/hourly_{name}.csv",
        notebook="results/notebooks/{scenario}/07_hourly_{name}.ipynb",
    params:
        nb=lambda w, input: notebook_params(
            **nb_common(w.scenario), name=w.name, field=hourly_figure(w.name)["field"],
            factors=hourly_figure(w.name)["factors"], metric=hourly_figure(w.name)["metric"],
            schemes=config["hourly"]["schemes"], scheme_specs=scheme_specs(config["hourly"]["schemes"]),
            result_files=list(input.results)),
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/plot_hourly/{scenario}/{name}.log",
    benchmark:
        "benchmarks/plot_hourly/{scenario}/{name}.tsv"
    shell:
        "python {input.script} {input.notebook} {output.notebook} --parameters {params.nb:q} > {log} 2>&1"


rule plot_tolerance:
    message:
        "Plot the cost-tolerance trade-off of {wildcards.scenario}"
    input:
        script=SCRIPTS / "run_notebook.py",
        code=PLOT_CODE,
        notebook=NOTEBOOKS / "08_tolerance.ipynb",
        results=lambda w: tolerance_results(w.scenario),
    output:
        figure=report("figures/{scenario}/tolerance_tradeoff.png", caption=f"{REPORT}/tolerance_tradeoff.rst",
                      category="{scenario}", subcategory="Claims of paper v2"),
        figure_data="figures/{scenario}/tolerance_tradeoff.csv",
        table=report("tables/{scenario}/tolerance_sweep.csv", caption=f"{REPORT}/tolerance_sweep.rst",
                     category="{scenario}", subcategory="Claims of paper v2"),
        markdown="tables/{scenario}/tolerance_sweep.md",
        notebook="results/notebooks/{scenario}/08_tolerance.ipynb",
    params:
        nb=lambda w, input: notebook_params(
            **nb_common(w.scenario), order=config["tolerance_sweep"]["order"],
            tolerances=config["tolerance_sweep"]["tolerances"], claim_pct=config["tolerance_sweep"]["claim_pct"],
            result_files=list(input.results)),
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/plot_tolerance/{scenario}.log",
    benchmark:
        "benchmarks/plot_tolerance/{scenario}.tsv"
    shell:
        "python {input.script} {input.notebook} {output.notebook} --parameters {params.nb:q} > {log} 2>&1"


rule plot_water:
    message:
        "Plot water use per scheme and the water-budget sweep of {wildcards.scenario}"
    input:
        script=SCRIPTS / "run_notebook.py",
        code=PLOT_CODE,
        notebook=NOTEBOOKS / "09_water.ipynb",
        results=lambda w: scheme_files(w.scenario, config["base_case"]),
        budget=lambda w: water_budget_results(w.scenario),
    output:
        per_scheme=report("figures/{scenario}/water_per_scheme.png", caption=f"{REPORT}/water_per_scheme.rst",
                          category="{scenario}", subcategory="Claims of paper v2"),
        per_scheme_data="figures/{scenario}/water_per_scheme.csv",
        budget=report("figures/{scenario}/water_budget.png", caption=f"{REPORT}/water_budget.rst",
                      category="{scenario}", subcategory="Claims of paper v2"),
        budget_data="figures/{scenario}/water_budget.csv",
        table=report("tables/{scenario}/water_budget.csv", caption=f"{REPORT}/water_budget_table.rst",
                     category="{scenario}", subcategory="Claims of paper v2"),
        markdown="tables/{scenario}/water_budget.md",
        notebook="results/notebooks/{scenario}/09_water.ipynb",
    params:
        nb=lambda w, input: notebook_params(
            **nb_common(w.scenario), schemes=config["base_case"], budget_schemes=config["water"]["budget_schemes"],
            budget_factors=config["water"]["budget_factors"], scheme_specs=scheme_specs(config["base_case"]),
            result_files=list(input.results), budget_files=list(input.budget)),
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/plot_water/{scenario}.log",
    benchmark:
        "benchmarks/plot_water/{scenario}.tsv"
    shell:
        "python {input.script} {input.notebook} {output.notebook} --parameters {params.nb:q} > {log} 2>&1"


rule plot_latency:
    message:
        "Plot the per-query latency distribution of {wildcards.scenario}"
    input:
        script=SCRIPTS / "run_notebook.py",
        code=PLOT_CODE,
        notebook=NOTEBOOKS / "10_latency.ipynb",
        results=lambda w: [scheme_result(w.scenario, n, "latency") for n in config["latency"]["schemes"]],
    output:
        figure=report("figures/{scenario}/latency_distribution.png", caption=f"{REPORT}/latency_distribution.rst",
                      category="{scenario}", subcategory="Claims of paper v2"),
        figure_data="figures/{scenario}/latency_distribution.csv",
        table=report("tables/{scenario}/latency_summary.csv", caption=f"{REPORT}/latency_summary.rst",
                     category="{scenario}", subcategory="Claims of paper v2"),
        markdown="tables/{scenario}/latency_summary.md",
        notebook="results/notebooks/{scenario}/10_latency.ipynb",
    params:
        nb=lambda w, input: notebook_params(
            **nb_common(w.scenario), schemes=config["latency"]["schemes"], claim_s=config["latency"]["claim_s"],
            result_files=list(input.results)),
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/plot_latency/{scenario}.log",
    benchmark:
        "benchmarks/plot_latency/{scenario}.tsv"
    shell:
        "python {input.script} {input.notebook} {output.notebook} --parameters {params.nb:q} > {log} 2>&1"


rule plot_pareto:
    message:
        "Plot the energy-carbon Pareto frontier of {wildcards.scenario}"
    input:
        script=SCRIPTS / "run_notebook.py",
        code=PLOT_CODE,
        notebook=NOTEBOOKS / "11_pareto.ipynb",
        results=lambda w: pareto_results(w.scenario),
        schemes=lambda w: scheme_files(w.scenario, config["base_case"]),
    output:
        figure=report("figures/{scenario}/pareto_energy_carbon.png", caption=f"{REPORT}/pareto.rst",
                      category="{scenario}", subcategory="Claims of paper v2"),
        figure_data="figures/{scenario}/pareto_energy_carbon.csv",
        notebook="results/notebooks/{scenario}/11_pareto.ipynb",
    params:
        nb=lambda w, input: notebook_params(
            **nb_common(w.scenario), points=config["pareto"]["points"], schemes=config["base_case"],
            result_files=list(input.results), scheme_files=list(input.schemes)),
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/plot_pareto/{scenario}.log",
    benchmark:
        "benchmarks/plot_pareto/{scenario}.tsv"
    shell:
        "python {input.script} {input.notebook} {output.notebook} --parameters {params.nb:q} > {log} 2>&1"


rule plot_real_data:
    message:
        "Plot cost, emissions, water and allocation per scheme on {wildcards.scenario}"
    input:
        script=SCRIPTS / "run_notebook.py",
        code=PLOT_CODE,
        notebook=NOTEBOOKS / "12_real_data.ipynb",
        results=lambda w: scheme_files(w.scenario, config["real_data"]["schemes"]),
        allocation=lambda w: [scheme_result(w.scenario, n, "allocation") for n in config["real_data"]["schemes"]],
    output:
        figure=report("figures/{scenario}/real_schemes.png", caption=f"{REPORT}/real_schemes.rst",
                      category="{scenario}", subcategory="Real data"),
        figure_data="figures/{scenario}/real_schemes.csv",
        allocation=report("figures/{scenario}/real_allocation.png", caption=f"{REPORT}/real_allocation.rst",
                          category="{scenario}", subcategory="Real data"),
        allocation_data="figures/{scenario}/real_allocation.csv",
        table=report("tables/{scenario}/real_schemes.csv", caption=f"{REPORT}/real_schemes_table.rst",
                     category="{scenario}", subcategory="Real data"),
        markdown="tables/{scenario}/real_schemes.md",
        notebook="results/notebooks/{scenario}/12_real_data.ipynb",
    params:
        nb=lambda w, input: notebook_params(
            **nb_common(w.scenario), schemes=config["real_data"]["schemes"],
            scheme_specs=scheme_specs(config["real_data"]["schemes"]), result_files=list(input.results),
            allocation_files=list(input.allocation)),
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/plot_real_data/{scenario}.log",
    benchmark:
        "benchmarks/plot_real_data/{scenario}.tsv"
    shell:
        "python {input.script} {input.notebook} {output.notebook} --parameters {params.nb:q} > {log} 2>&1"


# --- Beyond the paper (docs/per_query.md) ---------------------------------------------------------------------------


rule plot_formulations:
    message:
        "Plot the paper vs per-query formulation on {wildcards.scenario}"
    input:
        script=SCRIPTS / "run_notebook.py",
        code=PLOT_CODE,
        notebook=NOTEBOOKS / "13_formulations.ipynb",
        results=lambda w: formulation_results(w.scenario),
        latency=lambda w: formulation_results(w.scenario, "latency"),
    output:
        figure=report("figures/{scenario}/formulations.png", caption=f"{REPORT}/formulations.rst",
                      category="{scenario}", subcategory="Per-query formulation"),
        figure_data="figures/{scenario}/formulations.csv",
        latency=report("figures/{scenario}/formulations_latency.png",
                       caption=f"{REPORT}/formulations_latency.rst", category="{scenario}",
                       subcategory="Per-query formulation"),
        latency_data="figures/{scenario}/formulations_latency.csv",
        table=report("tables/{scenario}/formulations.csv", caption=f"{REPORT}/formulations_table.rst",
                     category="{scenario}", subcategory="Per-query formulation"),
        markdown="tables/{scenario}/formulations.md",
        notebook="results/notebooks/{scenario}/13_formulations.ipynb",
    params:
        nb=lambda w, input: notebook_params(
            **nb_common(w.scenario), schemes=config["formulations"]["schemes"],
            scheme_specs=scheme_specs(config["formulations"]["schemes"]),
            claim_s=config["formulations"]["claim_s"], result_files=list(input.results),
            latency_files=list(input.latency)),
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/plot_formulations/{scenario}.log",
    benchmark:
        "benchmarks/plot_formulations/{scenario}.tsv"
    shell:
        "python {input.script} {input.notebook} {output.notebook} --parameters {params.nb:q} > {log} 2>&1"


rule plot_hardware_mix:
    message:
        "Plot the per-query results per hardware mix on {wildcards.scenario}"
    input:
        script=SCRIPTS / "run_notebook.py",
        code=PLOT_CODE,
        notebook=NOTEBOOKS / "14_hardware_mix.ipynb",
        results=lambda w: hardware_mix_results(w.scenario),
    output:
        figure=report("figures/{scenario}/hardware_mix.png", caption=f"{REPORT}/hardware_mix.rst",
                      category="{scenario}", subcategory="Per-query formulation"),
        figure_data="figures/{scenario}/hardware_mix.csv",
        table=report("tables/{scenario}/hardware_mix.csv", caption=f"{REPORT}/hardware_mix_table.rst",
                     category="{scenario}", subcategory="Per-query formulation"),
        markdown="tables/{scenario}/hardware_mix.md",
        notebook="results/notebooks/{scenario}/14_hardware_mix.ipynb",
    params:
        nb=lambda w, input: notebook_params(
            **nb_common(w.scenario), schemes=config["hardware_mix"]["schemes"],
            scheme_specs=scheme_specs(config["hardware_mix"]["schemes"]),
            mixes={m["name"]: m["accelerators"] for m in config["hardware_mix"]["mixes"]},
            mix_labels={m["name"]: m.get("label", m["name"]) for m in config["hardware_mix"]["mixes"]},
            result_files=list(input.results)),
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/plot_hardware_mix/{scenario}.log",
    benchmark:
        "benchmarks/plot_hardware_mix/{scenario}.tsv"
    shell:
        "python {input.script} {input.notebook} {output.notebook} --parameters {params.nb:q} > {log} 2>&1"


rule plot_year:
    message:
        "Plot the year of operation of {wildcards.scenario}: months per mode and the cost of imperfect forecasts"
    input:
        script=SCRIPTS / "run_notebook.py",
        code=[*PLOT_CODE, PACKAGE / "year.py"],
        notebook=NOTEBOOKS / "15_year.ipynb",
        results=lambda w: year_results(w.scenario),
    output:
        monthly=report("figures/{scenario}/year_monthly.png", caption=f"{REPORT}/year_monthly.rst",
                       category="{scenario}", subcategory="Year of operation"),
        monthly_data="figures/{scenario}/year_monthly.csv",
        forecast=report("figures/{scenario}/year_forecast_cost.png", caption=f"{REPORT}/year_forecast_cost.rst",
                        category="{scenario}", subcategory="Year of operation"),
        forecast_data="figures/{scenario}/year_forecast_cost.csv",
        table=report("tables/{scenario}/year_forecast_summary.csv",
                     caption=f"{REPORT}/year_forecast_summary.rst", category="{scenario}",
                     subcategory="Year of operation"),
        markdown="tables/{scenario}/year_forecast_summary.md",
        notebook="results/notebooks/{scenario}/15_year.ipynb",
    params:
        nb=lambda w, input: notebook_params(
            **nb_common(w.scenario), scheme=config["year"]["scheme"],
            scheme_specs=scheme_specs([config["year"]["scheme"]]), formulation=config["year"]["formulation"],
            result_files=list(input.results)),
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/plot_year/{scenario}.log",
    benchmark:
        "benchmarks/plot_year/{scenario}.tsv"
    shell:
        "python {input.script} {input.notebook} {output.notebook} --parameters {params.nb:q} > {log} 2>&1"


rule plot_scaling:
    message:
        "Plot the scaling curves of both formulations"
    input:
        script=SCRIPTS / "run_notebook.py",
        code=PLOT_CODE,
        notebook=NOTEBOOKS / "16_scaling.ipynb",
        results="results/scaling/scaling.csv",
    output:
        figure=report("figures/scaling/scaling.png", caption=f"{REPORT}/scaling.rst", category="scaling",
                      subcategory="Scale"),
        figure_data="figures/scaling/scaling.csv",
        table=report("tables/scaling/scaling.csv", caption=f"{REPORT}/scaling_table.rst", category="scaling",
                     subcategory="Scale"),
        markdown="tables/scaling/scaling.md",
        exponents=report("tables/scaling/scaling_exponents.csv", caption=f"{REPORT}/scaling_exponents.rst",
                         category="scaling", subcategory="Scale"),
        exponents_markdown="tables/scaling/scaling_exponents.md",
        notebook="results/notebooks/scaling/16_scaling.ipynb",
    params:
        nb=lambda w, input: notebook_params(
            figures_dir="figures/scaling", tables_dir="tables/scaling",
            runs={r["formulation"]: r["sizes"] for r in config["scaling"]["runs"]},
            scheme=config["scaling"]["scheme"], result_files=[input.results]),
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/plot_scaling/scaling.log",
    benchmark:
        "benchmarks/plot_scaling/scaling.tsv"
    shell:
        "python {input.script} {input.notebook} {output.notebook} --parameters {params.nb:q} > {log} 2>&1"


rule plot_serving:
    message:
        "Serving at fleet scale on {wildcards.scenario}: baselines, latency fronts, SLO cost, published figures"
    input:
        script=SCRIPTS / "run_notebook.py",
        code=[*PLOT_CODE, *(PACKAGE / f for f in ("serving.py", "fleet.py", "fleet_lp.py", "baselines.py",
                                                   "fleet_experiments.py", "fleet_plots.py"))],
        notebook=NOTEBOOKS / "17_serving.ipynb",
        catalogue="config/serving.yaml",
        status="results/{scenario}/build_status.json",
    output:
        policies=report("figures/{scenario}/serving_policies.png", caption=f"{REPORT}/serving_policies.rst",
                        category="{scenario}", subcategory="Serving at fleet scale"),
        policies_data="figures/{scenario}/serving_policies.csv",
        fronts=report("figures/{scenario}/serving_fronts.png", caption=f"{REPORT}/serving_fronts.rst",
                      category="{scenario}", subcategory="Serving at fleet scale"),
        fronts_data="figures/{scenario}/serving_fronts.csv",
        validation=report("figures/{scenario}/serving_validation.png", caption=f"{REPORT}/serving_validation.rst",
                          category="{scenario}", subcategory="Serving at fleet scale"),
        validation_data="figures/{scenario}/serving_validation.csv",
        tables=[f"tables/{{scenario}}/{stem}.{ext}" for stem in ("baselines", "baselines_margin", "serving_fronts",
                "serving_slo", "validation_per_query", "validation_ratios") for ext in ("csv", "md")],
        notebook="results/notebooks/{scenario}/17_serving.ipynb",
    params:
        nb=lambda w: notebook_params(
            **nb_common(w.scenario),
            serving={k: config["serving"][k] for k in ("queries_per_day", "accelerators", "accelerators_per_site",
                                                       "renewable_share", "batch_limits", "tpot_statistic")},
            front_points=config["serving"]["front_points"],
            validation_schemes=config["serving"]["validation_schemes"]),
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/plot_serving/{scenario}.log",
    benchmark:
        "benchmarks/plot_serving/{scenario}.tsv"
    shell:
        "python {input.script} {input.notebook} {output.notebook} --parameters {params.nb:q} > {log} 2>&1"
