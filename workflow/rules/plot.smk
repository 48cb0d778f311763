# plot_*: papermill runs one notebook per row of the plot table (PLOTS, workflow/rules/plots.smk); it reads the solve
# jobs' records (and side tables) and writes the figures (PNG + the CSV of the plotted numbers) and tables (CSV +
# Markdown); the executed notebook is kept under results/notebooks/. The notebooks stay output-free in notebooks/.


for _name, _plot in PLOTS.items():

    rule:
        name:
            f"plot_{_name}"
        message:
            f"{_plot['message']} ({{wildcards}})"
        input:
            unpack(_plot["inputs"]),
            job=PIPELINE_CODE / "notebook_job.py",
            code=[*PLOT_CODE, *_plot.get("code", [])],
            notebook=NOTEBOOKS / _plot["notebook"],
        output:
            **plot_outputs(_name),
        params:
            nb=lambda w, input, _plot=_plot: notebook_params(**_plot["params"](w, input)),
        conda:
            "../envs/greenllm.yaml"
        log:
            f"logs/plot_{_name}/{{scenario}}.log",
        benchmark:
            f"benchmarks/plot_{_name}/{{scenario}}.tsv"
        shell:
            "greenllm pipeline notebook {input.notebook} {output.notebook} --parameters {params.nb:q} > {log} 2>&1"
