# retrieve_*: probe each host of the source registry (config/sources.yaml) once per scenario and, when any is up,
# download the raw data listed under the scenario's `retrieve:` with `greenllm data fetch` (primary, then pinned
# mirrors; unreachable hosts are skipped). The build then reads the raw cache.


rule retrieve_raw_data:
    message:
        "Retrieve the raw data of {wildcards.scenario} into the raw cache (skipped when offline)"
    input:
        job=PIPELINE_CODE / "retrieve_job.py",
    output:
        status="results/{scenario}/retrieve_status.json",
    params:
        commands=lambda w: json.dumps(config["scenarios"][w.scenario].get("retrieve", [])),
        network=config["network"],
        probe_hosts=lambda w: " ".join(f"--probe-host {h}" for h in config.get("network_probe_hosts") or []),
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/retrieve_raw_data/{scenario}.log",
    benchmark:
        "benchmarks/retrieve_raw_data/{scenario}.tsv"
    shell:
        "greenllm pipeline retrieve {wildcards.scenario} --status {output.status} --network {params.network}"
        " {params.probe_hosts} --commands {params.commands:q} 2> {log}"
