# solve_*: every experiment's points are rows of a table (greenllm.experiments.points.point_table); one generic rule
# runs a batch of `points_per_job` rows of one point set with `greenllm experiment run` and writes one records file
# (docs/records.md) and a folder of side tables (per-hour, per-query latency, allocation) per batch.


rule solve_points:
    message:
        "Solve {wildcards.scenario}: batch {wildcards.batch} of the points {wildcards.point_set}"
    input:
        unpack(solve_inputs),
    output:
        records="results/{scenario}/{point_set}/{batch}.json",
        tables=directory("results/{scenario}/{point_set}/{batch}_tables"),
    params:
        points=batch_points,
        scenario=scenario_option,
        model=lambda wildcards: " ".join(model_options(config, wildcards.scenario)),
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/solve_points/{scenario}/{point_set}_{batch}.log",
    benchmark:
        "benchmarks/solve_points/{scenario}/{point_set}_{batch}.tsv"
    shell:
        "greenllm experiment run {params.scenario} --points {params.points:q} {params.model}"
        " --out {output.records} --tables {output.tables} 2> {log}"
