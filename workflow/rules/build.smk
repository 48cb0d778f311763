# build_*: turn the raw cache into a scenario folder data/processed/SCENARIO with `greenllm data build` (online it
# may download what the cache lacks). A checkpoint, because what the pipeline makes depends on which scenarios
# could be built: one that is not `required` and cannot be built is skipped with one line (and
# results/SCENARIO/build_status.json says why).


checkpoint build_scenario:
    message:
        "Build scenario {wildcards.scenario} into data/processed/{wildcards.scenario}"
    input:
        script=SCRIPTS / "build_scenario.py",
        retrieve="results/{scenario}/retrieve_status.json",
        code=build_code,
    output:
        scenario=directory("data/processed/{scenario}"),
        status="results/{scenario}/build_status.json",
    params:
        required=lambda w: "--required" if config["scenarios"][w.scenario].get("required") else "",
        source=source_option,
        stand_in=stand_in_option,
        builder=builder_options,
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/build_scenario/{scenario}.log",
    benchmark:
        "benchmarks/build_scenario/{scenario}.tsv"
    shell:
        "python {input.script} {wildcards.scenario} --out {output.scenario}"
        " --status {output.status} --retrieve-status {input.retrieve} {params.source} {params.stand_in}"
        " {params.builder} {params.required} 2> {log}"
