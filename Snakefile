"""Green-LLM compendium (arXiv 2507.09942): `snakemake --cores N` rebuilds every figure and table.

Stages: retrieve_* (raw data, when online) -> build_* (scenario folders) -> solve_points (experiment points, rows of
a table, `points_per_job` per job) -> plot_* (papermill notebooks writing figures/ and tables/).
Settings: config/config.yaml; guide: README.md and docs/pipeline.md.
"""

import sys

from snakemake.utils import min_version, validate

# validate() imports jsonschema, which imports rfc3987_syntax when it is installed and builds an IRI grammar at import
# time (about 1 s of CPU on every start of the workflow); the config schema uses no IRI format, and jsonschema leaves
# those format checks out when the import fails (as greenllm/__init__.py does for the jobs).
sys.modules.setdefault("rfc3987_syntax", None)

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "src/greenllm/schemas/config.schema.yaml")


# A test or small configuration (config/test.yaml) runs in a scratch folder of its own, so its 2-point figures and
# tables never replace the committed ones; its scenarios come from the repository (`source:`, relative to it).
if config["scratch_dir"]:

    workdir: config["scratch_dir"]


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/plots.smk"
include: "workflow/rules/retrieve.smk"
include: "workflow/rules/build.smk"
include: "workflow/rules/solve.smk"
include: "workflow/rules/plot.smk"


localrules:
    all,


rule all:
    default_target: True
    input:
        build_statuses,
        all_targets,


onsuccess:
    summarise_builds()
