# retrieve_*: probe the network once per scenario and, when it is up, download the raw data listed under the
# scenario's `retrieve:` with `greenllm data fetch` (the build then downloads whatever else its builder needs).


rule retrieve_raw_data:
    message:
        "Retrieve the raw data of {wildcards.scenario} into the raw cache (skipped when offline)"
    input:
        script=SCRIPTS / "retrieve.py",
    output:
        status="results/{scenario}/retrieve_status.json",
    params:
        commands=lambda w: json.dumps(config["scenarios"][w.scenario].get("retrieve", [])),
        network=config["network"],
        probe_host=config["network_probe_host"],
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/retrieve_raw_data/{scenario}.log",
    benchmark:
        "benchmarks/retrieve_raw_data/{scenario}.tsv"
    shell:
        "python {input.script} {wildcards.scenario} --status {output.status} --network {params.network}"
        " --probe-host {params.probe_host} --commands {params.commands:q} 2> {log}"
