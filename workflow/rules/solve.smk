# solve_*: one job per point of an experiment, writing records JSON (and CSVs) under results/SCENARIO/.
# `greenllm solve --json` makes single-scheme table rows; `python -m greenllm.experiments solve` solves several
# schemes of one point in one process and can also write per-hour, per-query and per-route tables.

rule solve_scheme:
    message:
        "Solve {wildcards.scenario} with scheme {wildcards.scheme}"
    input:
        scenario="data/processed/{scenario}",
        code=SOLVE_CODE,
    output:
        records="results/{scenario}/schemes/{scheme}.json",
        latency="results/{scenario}/schemes/{scheme}_latency.csv",
        allocation="results/{scenario}/schemes/{scheme}_allocation.csv",
    params:
        schemes=lambda w: schemes_json([w.scheme]),
        solver=config["solver"],
        tolerance=config["tolerance"],
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/solve_scheme/{scenario}/{scheme}.log",
    benchmark:
        "benchmarks/solve_scheme/{scenario}/{scheme}.tsv"
    shell:
        "python -m greenllm.experiments solve {input.scenario} --schemes {params.schemes:q} --solver {params.solver}"
        " --tolerance {params.tolerance} --out {output.records} --latency {output.latency}"
        " --allocation {output.allocation} 2> {log}"


rule solve_weighted:
    message:
        "Solve {wildcards.scenario} with weights {wildcards.key} (energy-carbon-delay)"
    input:
        scenario="data/processed/{scenario}",
        code=SOLVE_CODE,
    output:
        "results/{scenario}/weighted/{key}.json",
    params:
        weights=lambda w: ",".join(repr(float(v)) for v in
                                   next(x for x in config["weighted_table"] if weights_key(x) == w.key)),
        solver=config["solver"],
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/solve_weighted/{scenario}/{key}.log",
    benchmark:
        "benchmarks/solve_weighted/{scenario}/{key}.tsv"
    shell:
        "greenllm solve {input.scenario} --scheme weighted --weights {params.weights} --solver {params.solver}"
        " --json > {output} 2> {log}"


rule solve_lexicographic:
    message:
        "Solve {wildcards.scenario} lexicographically in the order {wildcards.order}"
    input:
        scenario="data/processed/{scenario}",
        code=SOLVE_CODE,
    output:
        "results/{scenario}/lexicographic/{order}.json",
    params:
        order=lambda w: w.order.replace("-", ","),
        tolerance=config["tolerance"],
        solver=config["solver"],
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/solve_lexicographic/{scenario}/{order}.log",
    benchmark:
        "benchmarks/solve_lexicographic/{scenario}/{order}.tsv"
    shell:
        "greenllm solve {input.scenario} --scheme lexicographic --order {params.order}"
        " --tolerance {params.tolerance} --solver {params.solver} --json > {output} 2> {log}"


rule solve_sweep:
    message:
        "Solve {wildcards.scenario} with {wildcards.field} x {wildcards.factor} for every sweep scheme"
    input:
        scenario="data/processed/{scenario}",
        code=SOLVE_CODE,
    output:
        "results/{scenario}/sweep/{field}/{factor}.json",
    params:
        schemes=schemes_json(config.get("sweeps", {}).get("schemes", [])),
        solver=config["solver"],
        tolerance=config["tolerance"],
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/solve_sweep/{scenario}/{field}_{factor}.log",
    benchmark:
        "benchmarks/solve_sweep/{scenario}/{field}_{factor}.tsv"
    shell:
        "python -m greenllm.experiments solve {input.scenario} --schemes {params.schemes:q}"
        " --scale {wildcards.field}={wildcards.factor}"
        " --label field={wildcards.field} --label factor={wildcards.factor} --solver {params.solver}"
        " --tolerance {params.tolerance} --out {output} 2> {log}"


rule solve_delay_levels:
    message:
        "Solve {wildcards.scenario}: energy per token x {wildcards.factor}, delay penalty x {wildcards.level}"
    input:
        scenario="data/processed/{scenario}",
        code=SOLVE_CODE,
    output:
        "results/{scenario}/delay_levels/{level}/{factor}.json",
    params:
        schemes=schemes_json([config["delay_levels"]["scheme"]] if "delay_levels" in config else []),
        solver=config["solver"],
        tolerance=config["tolerance"],
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/solve_delay_levels/{scenario}/{level}_{factor}.log",
    benchmark:
        "benchmarks/solve_delay_levels/{scenario}/{level}_{factor}.tsv"
    shell:
        "python -m greenllm.experiments solve {input.scenario} --schemes {params.schemes:q}"
        " --scale energy_per_token={wildcards.factor}"
        " --scale delay_penalty={wildcards.level} --label field=energy_per_token --label factor={wildcards.factor}"
        " --solver {params.solver} --tolerance {params.tolerance} --out {output} 2> {log}"


rule solve_hourly:
    message:
        "Solve {wildcards.scenario} with {wildcards.field} x {wildcards.factor}: per-hour profiles"
    input:
        scenario="data/processed/{scenario}",
        code=SOLVE_CODE,
    output:
        records="results/{scenario}/hourly/{field}/{factor}.json",
        hourly="results/{scenario}/hourly/{field}/{factor}.csv",
    params:
        schemes=schemes_json(config.get("hourly", {}).get("schemes", [])),
        solver=config["solver"],
        tolerance=config["tolerance"],
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/solve_hourly/{scenario}/{field}_{factor}.log",
    benchmark:
        "benchmarks/solve_hourly/{scenario}/{field}_{factor}.tsv"
    shell:
        "python -m greenllm.experiments solve {input.scenario} --schemes {params.schemes:q}"
        " --scale {wildcards.field}={wildcards.factor}"
        " --label field={wildcards.field} --label factor={wildcards.factor} --solver {params.solver}"
        " --tolerance {params.tolerance} --out {output.records} --hourly {output.hourly} 2> {log}"


rule solve_tolerance:
    message:
        "Solve {wildcards.scenario} lexicographically with tolerance {wildcards.tolerance}"
    input:
        scenario="data/processed/{scenario}",
        code=SOLVE_CODE,
    output:
        "results/{scenario}/tolerance/{tolerance}.json",
    params:
        schemes=lambda w: json.dumps({"LEX": {"scheme": "lexicographic",
                                              "order": config["tolerance_sweep"]["order"],
                                              "label": " > ".join(config["tolerance_sweep"]["order"])}}),
        order=lambda w: order_key(config["tolerance_sweep"]["order"]),
        solver=config["solver"],
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/solve_tolerance/{scenario}/{tolerance}.log",
    benchmark:
        "benchmarks/solve_tolerance/{scenario}/{tolerance}.tsv"
    shell:
        "python -m greenllm.experiments solve {input.scenario} --schemes {params.schemes:q}"
        " --tolerance {wildcards.tolerance}"
        " --label tolerance={wildcards.tolerance} --label order={params.order} --solver {params.solver}"
        " --out {output} 2> {log}"


rule solve_water_budget:
    message:
        "Solve {wildcards.scenario} with the water budget x {wildcards.factor}"
    input:
        scenario="data/processed/{scenario}",
        code=SOLVE_CODE,
    output:
        "results/{scenario}/water_budget/{factor}.json",
    params:
        schemes=schemes_json(config.get("water", {}).get("budget_schemes", [])),
        solver=config["solver"],
        tolerance=config["tolerance"],
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/solve_water_budget/{scenario}/{factor}.log",
    benchmark:
        "benchmarks/solve_water_budget/{scenario}/{factor}.tsv"
    shell:
        "python -m greenllm.experiments solve {input.scenario} --schemes {params.schemes:q}"
        " --scale water_budget={wildcards.factor}"
        " --label field=water_budget --label factor={wildcards.factor} --solver {params.solver}"
        " --tolerance {params.tolerance} --out {output} 2> {log}"


rule solve_pareto_point:
    message:
        "Solve {wildcards.scenario}: Pareto point {wildcards.index} (min energy s.t. carbon <= epsilon)"
    input:
        scenario="data/processed/{scenario}",
        code=SOLVE_CODE,
        anchors=lambda w: [scheme_result(w.scenario, anchor_scheme("energy")),
                           scheme_result(w.scenario, anchor_scheme("carbon"))],
    output:
        "results/{scenario}/pareto/{index}.json",
    params:
        points=config.get("pareto", {}).get("points", 11),
        solver=config["solver"],
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/solve_pareto_point/{scenario}/{index}.log",
    benchmark:
        "benchmarks/solve_pareto_point/{scenario}/{index}.tsv"
    shell:
        "python -m greenllm.experiments pareto-point {input.scenario} --anchors {input.anchors}"
        " --index {wildcards.index}"
        " --points {params.points} --solver {params.solver} --out {output} 2> {log}"


# --- Beyond the paper (docs/per_query.md) ---------------------------------------------------------------------------


rule solve_formulations:
    message:
        "Solve {wildcards.scenario} with scheme {wildcards.scheme} in the paper's and the per-query formulation"
    input:
        scenario="data/processed/{scenario}",
        code=PER_QUERY_CODE,
    output:
        records="results/{scenario}/formulations/{scheme}.json",
        latency="results/{scenario}/formulations/{scheme}_latency.csv",
    params:
        schemes=lambda w: schemes_json([w.scheme]),
        solver=config["solver"],
        tolerance=config["tolerance"],
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/solve_formulations/{scenario}/{scheme}.log",
    benchmark:
        "benchmarks/solve_formulations/{scenario}/{scheme}.tsv"
    shell:
        "python -m greenllm.experiments formulations {input.scenario} --schemes {params.schemes:q}"
        " --solver {params.solver} --tolerance {params.tolerance} --out {output.records}"
        " --latency {output.latency} 2> {log}"


rule solve_hardware_mix:
    message:
        "Solve {wildcards.scenario} per query with the hardware mix {wildcards.mix}"
    input:
        scenario="data/processed/{scenario}",
        code=PER_QUERY_CODE,
    output:
        "results/{scenario}/hardware_mix/{mix}.json",
    params:
        mix=lambda w: f"{w.mix}={','.join(mix_spec(w.mix)['accelerators'])}",
        label=lambda w: mix_spec(w.mix).get("label", w.mix),
        schemes=schemes_json(config.get("hardware_mix", {}).get("schemes", [])),
        solver=config["solver"],
        tolerance=config["tolerance"],
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/solve_hardware_mix/{scenario}/{mix}.log",
    benchmark:
        "benchmarks/solve_hardware_mix/{scenario}/{mix}.tsv"
    shell:
        "python -m greenllm.experiments hardware-mix {input.scenario} --mix {params.mix:q}"
        " --mix-label {params.label:q} --schemes {params.schemes:q} --solver {params.solver}"
        " --tolerance {params.tolerance} --out {output} 2> {log}"


rule solve_year:
    message:
        "Solve the daily windows of month {wildcards.month} of {wildcards.scenario} ({wildcards.mode})"
    input:
        scenario="data/processed/{scenario}",
        code=YEAR_CODE,
    output:
        "results/{scenario}/year/{mode}/{month}.json",
    params:
        schemes=schemes_json([config["year"]["scheme"]] if "year" in config else []),
        formulation=config.get("year", {}).get("formulation", "paper"),
        solver=config["solver"],
        tolerance=config["tolerance"],
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/solve_year/{scenario}/{mode}_{month}.log",
    benchmark:
        "benchmarks/solve_year/{scenario}/{mode}_{month}.tsv"
    shell:
        "python -m greenllm.experiments year-windows {input.scenario} --schemes {params.schemes:q}"
        " --month {wildcards.month} --mode {wildcards.mode} --formulation {params.formulation}"
        " --solver {params.solver} --tolerance {params.tolerance} --out {output} 2> {log}"


rule solve_scaling:
    message:
        "Measure build and solve time and memory of both formulations over instance sizes (benchmarks/bench_scale.py)"
    input:
        code=SCALING_CODE,
    output:
        "results/scaling/scaling.csv",
    params:
        runs=scaling_runs() if "scaling" in config else "",
        scheme=config.get("scaling", {}).get("scheme", "weighted"),
    threads: 2
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/solve_scaling/scaling.log",
    benchmark:
        "benchmarks/solve_scaling/scaling.tsv"
    shell:
        "python -m greenllm.experiments scaling {params.runs} --scheme {params.scheme} --out {output} 2> {log}"
