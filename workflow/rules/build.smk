# build_*: turn the raw cache into a scenario folder data/processed/SCENARIO with `greenllm data build` (online it
# may download what the cache lacks). A checkpoint, because what the pipeline makes depends on which scenarios
# could be built: one that is not `required` and cannot be built is skipped with one line (and
# results/SCENARIO/build_status.json says why).
#
# The scenario folder is NOT an output of the job (Snakemake would delete it before the job runs): the job
# builds into a staging folder and replaces data/processed/SCENARIO only with a build that is not worse, so a
# committed folder survives an offline run with an empty raw cache, and a stand-in build never replaces a folder
# built from real data (`greenllm pipeline build`, greenllm.pipeline.build_job). The job's inputs are what the
# build reads: the raw files of its builder that are present (greenllm.data.build.build_dependencies), and as
# parameters the builder options, the raw files still absent and the registry entries of the selected regions. So priming the raw cache,
# editing a region or an option rebuilds exactly the scenarios that read it, with no --forcerun.

import functools

sys.path.insert(0, str(REPO / "src"))  # this checkout's greenllm, as the jobs' `python -m greenllm` uses
from greenllm.data.build import build_dependencies, dependencies_json


@functools.lru_cache(maxsize=None)
def scenario_dependencies(scenario, _raw_state):
    """build_dependencies of a scenario; {} for a copied (`source:`) scenario. ``_raw_state`` keys the cache on
    the raw cache's listing, so a file placed during the run is seen when the DAG is evaluated again."""
    settings = config["scenarios"][scenario]
    if settings.get("source"):
        return {}
    try:
        return build_dependencies(builder_name(scenario), builder_pairs(scenario))
    except Exception as err:  # an unknown builder or bad option: the build job itself reports it (and may skip)
        return {"error": str(err)}


def raw_state():
    from greenllm.data.build import raw_root_path

    root = raw_root_path()
    return tuple(sorted(str(p) for p in root.rglob("*") if p.is_file())) if root.is_dir() else ()


def build_raw_inputs(wildcards):
    """The raw files the scenario's builder reads that are in the raw cache now."""
    return scenario_dependencies(wildcards.scenario, raw_state()).get("raw_present", [])


def build_reads(wildcards):
    """Registry entries of the selected regions, raw files still absent (and a builder error, if any), as one
    canonical text: a change of any reruns the build."""
    return dependencies_json(scenario_dependencies(wildcards.scenario, raw_state()))


checkpoint build_scenario:
    message:
        "Build scenario {wildcards.scenario} into data/processed/{wildcards.scenario}"
    input:
        job=PIPELINE_CODE / "build_job.py",
        retrieve="results/{scenario}/retrieve_status.json",
        code=build_code,
        raw=build_raw_inputs,
    output:
        status="results/{scenario}/build_status.json",
    params:
        required=lambda w: "--required" if config["scenarios"][w.scenario].get("required") else "",
        source=source_option,
        stand_in=stand_in_option,
        builder=builder_options,
        reads=build_reads,
    conda:
        "../envs/greenllm.yaml"
    log:
        "logs/build_scenario/{scenario}.log",
    benchmark:
        "benchmarks/build_scenario/{scenario}.tsv"
    shell:
        "greenllm pipeline build {wildcards.scenario} --out data/processed/{wildcards.scenario}"
        " --status {output.status} --retrieve-status {input.retrieve} {params.source} {params.stand_in}"
        " {params.builder} {params.required} 2> {log}"
