# Shared helpers of the compendium workflow: paths, the code each job depends on, the solve points of each experiment
# and their files (from greenllm.experiments), and the list of targets that `rule all` asks for (gated on which
# scenarios could be built).

import json
import shlex
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError


# The shell commands call `greenllm` and `python` from the environment that runs Snakemake (e.g. .venv/bin), also
# when that environment is not activated (as in `make all`), with this checkout's src/ first on the import path;
# bash strict mode as Snakemake's default prefix.
REPO = Path(workflow.basedir)
sys.path.insert(0, str(REPO / "src"))
shell.prefix(f'set -euo pipefail; export PATH="{Path(sys.executable).parent}:$PATH";'
             f' export PYTHONPATH="{REPO / "src"}${{{{PYTHONPATH:+:$PYTHONPATH}}}}"; ')

from greenllm.data.build import SCENARIOS as BUILDERS
from greenllm.experiments.points import batches, model_options, point_table, serving_parameters
from greenllm.experiments.spec import calendar_months, scheme_specs as _scheme_specs

NOTEBOOKS = REPO / "notebooks"
PACKAGE = REPO / "src" / "greenllm"
PIPELINE_CODE = PACKAGE / "pipeline"
"""The job modules of `greenllm pipeline ...`: each rule lists its job's module as an input, so a change reruns it."""


def builder_name(scenario):
    """The registered builder of a scenario: its `builder:` setting, else its own name."""
    return config["scenarios"][scenario].get("builder", scenario)


def build_code(wildcards):
    """Code a scenario build depends on: the data layer, except the other scenarios' builder modules (the shared
    modules of greenllm/data/scenarios count for every build). A change rebuilds the scenario (and so everything
    after it)."""
    builders = PACKAGE / "data" / "scenarios"
    modules = {name: spec.partition(":")[0].rpartition(".")[2] for name, spec in BUILDERS.items()}
    others = set(modules.values()) - {modules.get(builder_name(wildcards.scenario))}
    return sorted(path for path in [PACKAGE / "inputs.py", *(PACKAGE / "data").rglob("*.py")]
                  if path.parent != builders or path.stem not in others)


EXPERIMENT_CODE = sorted((PACKAGE / "experiments").glob("*.py"))
SOLVE_CODE = [*(PACKAGE / f for f in ("inputs.py", "model.py", "backends.py", "solve.py", "verify.py", "results.py",
                                      "scenario_cache.py", "provenance.py")), *EXPERIMENT_CODE]
"""Code a solve job depends on: a change in the model re-solves."""
PER_QUERY_CODE = [*SOLVE_CODE, PACKAGE / "per_query.py", PACKAGE / "hardware.py", REPO / "config" / "hardware.yaml"]
"""Code and catalogue the per-query solves depend on."""
YEAR_CODE = [*PER_QUERY_CODE, PACKAGE / "year.py", REPO / "config" / "forecast.yaml"]
SCALING_CODE = [*PER_QUERY_CODE, PACKAGE / "synthetic.py"]
SERVING_REPORT_CODE = ("plots.py", "seasons.py", "season_plots.py")
"""Modules of greenllm.serving that only read results and draw them (the plot rules depend on them, the solves do
not)."""
SERVING_CODE = [*SOLVE_CODE, PACKAGE / "accounting.py", REPO / "config" / "serving.yaml",
                *sorted(p for p in (PACKAGE / "serving").glob("*.py") if p.name not in SERVING_REPORT_CODE)]
"""Code and catalogue the serving solves depend on (greenllm.serving but its figures and tables, config/serving.yaml)."""
SERVING_YEAR_CODE = [*SERVING_CODE, PACKAGE / "year.py", PACKAGE / "formulations" / "serving.py",
                     REPO / "config" / "forecast.yaml"]
"""Code of the serving year's and the deferrable study's solve jobs (greenllm.serving on greenllm.year's windows
and forecasts)."""
PLOT_CODE = [*EXPERIMENT_CODE, *sorted((PACKAGE / "plots").glob("*.py"))]
"""Code a notebook run depends on (besides the notebook itself)."""
BASE = config["base_scenario"]
EXPERIMENTS = set(config["experiments"])
SCALING = "scaling"
"""Folder name of the scale benchmark's outputs (figures/scaling, tables/scaling): it has no scenario."""


wildcard_constraints:
    scenario=r"[A-Za-z0-9_]+",
    point_set=r"[a-z_]+(-[A-Za-z0-9_]+)?",
    batch=r"[0-9]+",


def scheme_specs(names):
    """{name: spec} of the configured schemes, with the name as default label."""
    return _scheme_specs(names, config["schemes"])


def anchor_scheme(kind):
    """The first configured scheme that minimises only `kind` (energy or carbon): an end of the Pareto front."""
    for name, spec in config["schemes"].items():
        if spec["scheme"] == kind:
            return name
    raise WorkflowError(f"config/config.yaml, schemes: the Pareto front needs a scheme with `scheme: {kind}`")


def check_config():
    """What the schema cannot check: every scheme and scenario that is used is defined."""
    defined = set(config["schemes"])
    used = {("base_case", n) for n in config["base_case"]}
    for section, key in (("sweeps", "schemes"), ("hourly", "schemes"), ("water", "budget_schemes"),
                         ("latency", "schemes"), ("real_data", "schemes"), ("formulations", "schemes"),
                         ("hardware_mix", "schemes")):
        used |= {(f"{section}.{key}", n) for n in config.get(section, {}).get(key, [])}
    if "delay_levels" in config:
        used.add(("delay_levels.scheme", config["delay_levels"]["scheme"]))
    if "year" in config:
        used.add(("year.scheme", config["year"]["scheme"]))
    missing = sorted((where, n) for where, n in used if n not in defined)
    if missing:
        where, name = missing[0]
        raise WorkflowError(f"config/config.yaml, {where}: scheme {name!r} is not defined under `schemes`"
                         f" ({len(missing)} undefined use(s))")
    for name in used_scenarios():
        if name not in config["scenarios"]:
            raise WorkflowError(f"config/config.yaml: scenario {name!r} is used but not listed under `scenarios`")
    mixes = [m["name"] for m in config.get("hardware_mix", {}).get("mixes", [])]
    if len(mixes) != len(set(mixes)):
        raise WorkflowError(f"config/config.yaml, hardware_mix.mixes: mix names must be unique, got {mixes}")
    for experiment in EXPERIMENTS - {"inputs"}:
        if experiment in ("base_case", "weighted_table", "lexicographic_orders"):
            continue
        if experiment not in config:
            raise WorkflowError(f"config/config.yaml, experiments: {experiment!r} is enabled but has no section")
    if "pareto" in EXPERIMENTS:
        anchor_scheme("energy"), anchor_scheme("carbon")


def used_scenarios():
    """Every scenario an enabled experiment uses, in order: the base, the real ones, then those beyond the paper."""
    names = [BASE]
    if "real_data" in EXPERIMENTS:
        names += config.get("real_scenarios", [])
    if "formulations" in EXPERIMENTS:
        names += config["formulations"]["scenarios"]
    if "hardware_mix" in EXPERIMENTS:
        names.append(config["hardware_mix"]["scenario"])
    if "year" in EXPERIMENTS:
        names.append(config["year"]["scenario"])
    if "serving" in EXPERIMENTS:
        names.append(config["serving"]["scenario"])
    if "serving_year" in EXPERIMENTS:
        names.append(config["serving_year"]["scenario"])
    if "serving_deferrable" in EXPERIMENTS:
        names.append(config["serving_deferrable"]["scenario"])
    return list(dict.fromkeys(names))


check_config()


# ------------------------------------------------------------------------------------------------------------------
# Solve points: each experiment's points are rows of a table (greenllm.experiments.points); a point set is run in
# batches of `points_per_job` points, one solve job and one records file per batch
# ------------------------------------------------------------------------------------------------------------------


def scenario_dir(scenario):
    return f"data/processed/{scenario}"


def built_scenario(scenario):
    """The scenario folder as a job input, once its build has run. The folder is not an output of the build job (a
    committed folder must survive an offline build), so an input function waits for the checkpoint instead: a target
    asked for directly (e.g. one table through the SLURM profile) still builds or keeps its scenario first."""
    checkpoints.build_scenario.get(scenario=scenario)
    return scenario_dir(scenario)


def year_months(scenario):
    """Calendar months of the built multi-day folder (from its scalars.json: start_date, n_hours); waits for the
    build (a checkpoint), so the months follow the folder whatever its options."""
    checkpoints.build_scenario.get(scenario=scenario)
    scalars = json.loads(Path(scenario_dir(scenario), "scalars.json").read_text())
    return calendar_months(scalars.get("start_date", "2024-01-01"), scalars["n_hours"])


def anchor_files(scenario, point_set="pareto"):
    """Records a point set starts from: the energy- and carbon-only optima that span the Pareto front (the scheme
    point set), or the serving policies whose values span the serving fronts."""
    return records(scenario, "serving_policies" if point_set == "serving_fronts" else "schemes")


ANCHORED = ("pareto", "serving_fronts")
"""Point sets whose jobs read the records of another point set (anchor_files)."""


def points(scenario, point_set):
    """The rows of one point set on one scenario."""
    return point_table(config, point_set, scenario,
                       months=year_months(scenario) if point_set in ("year", "serving_year", "deferrable") else (),
                       anchors=anchor_files(scenario, point_set) if point_set in ANCHORED else ())


SECTION_POINTS_PER_JOB = {"serving_year": "serving_year", "deferrable": "serving_deferrable"}
"""Point sets whose config section may set a lower `points_per_job` than the global one (which caps it)."""


def point_batches(scenario, point_set):
    """A point set in batches of `points_per_job`; each point of the one-day serving model is seconds of LP solves: a
    job of its own (the serving year's points, a month and a group of modes each, and the deferrable study's, a month
    or a joint-gap day each: at most their section's `points_per_job`)."""
    one_day_serving = point_set.startswith("serving_") and point_set != "serving_year"
    per_job = 1 if one_day_serving else config["points_per_job"]
    if point_set in SECTION_POINTS_PER_JOB:
        per_job = min(per_job, config[SECTION_POINTS_PER_JOB[point_set]].get("points_per_job", per_job))
    return batches(points(scenario, point_set), per_job)


def records(scenario, point_set):
    """The records files of a point set (one per batch)."""
    return [f"results/{scenario}/{point_set}/{k}.json" for k in range(len(point_batches(scenario, point_set)))]


def table_dirs(scenario, point_set):
    """The side-table folders of a point set (one per batch)."""
    return [f"results/{scenario}/{point_set}/{k}_tables" for k in range(len(point_batches(scenario, point_set)))]


def tables(folders, kind):
    """The side tables of one kind (hourly, latency, allocation) in the given batch folders."""
    return [f"{folder}/{kind}.csv" for folder in folders]


def solve_code(wildcards):
    kind = wildcards.point_set
    if kind in ("serving_year", "deferrable"):
        return SERVING_YEAR_CODE
    if kind.startswith("serving_"):
        return SERVING_CODE
    return {"year": YEAR_CODE, "scaling": SCALING_CODE, "formulations": PER_QUERY_CODE,
            "hardware_mix": PER_QUERY_CODE}.get(kind, SOLVE_CODE)


def solve_inputs(wildcards):
    """A solve job reads its scenario folder (none for the scaling points) and, for the Pareto front, the anchors."""
    inputs = {"code": solve_code(wildcards)}
    if wildcards.scenario != SCALING:
        inputs["scenario"] = built_scenario(wildcards.scenario)
    if wildcards.point_set in ANCHORED:
        inputs["anchors"] = anchor_files(wildcards.scenario, wildcards.point_set)
    return inputs


def batch_points(wildcards):
    """The point rows of one batch as the JSON argument of `greenllm experiment run`."""
    return json.dumps(point_batches(wildcards.scenario, wildcards.point_set)[int(wildcards.batch)],
                      separators=(",", ":"))


def scenario_option(wildcards):
    return "" if wildcards.scenario == SCALING else f"--scenario {scenario_dir(wildcards.scenario)}"


def source_option(wildcards):
    """`--source FOLDER` when the config gives a ready scenario folder for this scenario (a relative one is relative
    to the repository, so it holds in a `scratch_dir` too), else nothing."""
    source = config["scenarios"][wildcards.scenario].get("source")
    return f"--source {shlex.quote(str(REPO / source))}" if source else ""


def builder_pairs(scenario):
    """The scenario's builder options (`options:`) as KEY=VALUE texts."""
    pairs = []
    for key, value in config["scenarios"][scenario].get("options", {}).items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, list):
            value = ",".join(str(v) for v in value)
        pairs.append(f"{key}={value}")
    return pairs


def builder_options(wildcards):
    """`--builder NAME --option KEY=VALUE ...` for a scenario built by another scenario's builder or with options."""
    settings = config["scenarios"][wildcards.scenario]
    words = ["--builder", settings["builder"]] if "builder" in settings else []
    for pair in builder_pairs(wildcards.scenario):
        words += ["--option", pair]
    return " ".join(shlex.quote(w) for w in words)


def stand_in_option(wildcards):
    """`--skip-stand-in` when the config says a build on stand-in data must be skipped (scenarios.X.stand_in)."""
    return "--skip-stand-in" if config["scenarios"][wildcards.scenario].get("stand_in") == "skip" else ""


def nb_common(scenario):
    """Parameters every notebook takes: the scenario folder and where figures and tables go."""
    return {"scenario": scenario_dir(scenario), "figures_dir": f"figures/{scenario}",
            "tables_dir": f"tables/{scenario}"}


def notebook_params(**values):
    """Papermill parameters as one JSON argument of `greenllm pipeline notebook`."""
    return json.dumps(values, separators=(",", ":"))


# ------------------------------------------------------------------------------------------------------------------
# Targets
# ------------------------------------------------------------------------------------------------------------------


# experiment_targets(experiment, scenario) comes with the plot template (plot.smk).


def build_status(scenario):
    """The status the build wrote: {"built": bool, "reason": ..., "stand_in": bool} (waits for the checkpoint)."""
    path = checkpoints.build_scenario.get(scenario=scenario).output.status
    return json.loads(Path(path).read_text())


def build_statuses(wildcards):
    """The build status of every scenario in use: asked for first, so that all builds run in parallel."""
    return [f"results/{name}/build_status.json" for name in used_scenarios()]


OWN_SCENARIO = {"real_data", "formulations", "hardware_mix", "year", "scaling", "serving", "serving_year",
                "serving_deferrable"}
"""Experiments that choose their own scenarios (the others run on the base scenario)."""


def all_targets(wildcards):
    """Every figure and table of the enabled experiments, for the scenarios that could be built."""
    targets = []
    if build_status(BASE)["built"]:
        for experiment in sorted(EXPERIMENTS - OWN_SCENARIO):
            targets += experiment_targets(experiment, BASE)
    if "real_data" in EXPERIMENTS:
        for scenario in config.get("real_scenarios", []):
            if scenario != BASE and build_status(scenario)["built"]:
                targets += experiment_targets("real_data", scenario)
                if "inputs" in EXPERIMENTS:
                    targets += experiment_targets("inputs", scenario)
    if "formulations" in EXPERIMENTS:
        for scenario in config["formulations"]["scenarios"]:
            if build_status(scenario)["built"]:
                targets += experiment_targets("formulations", scenario)
    for experiment in ("hardware_mix", "year", "serving", "serving_year",
                       "serving_deferrable"):
        if experiment in EXPERIMENTS and build_status(config[experiment]["scenario"])["built"]:
            targets += experiment_targets(experiment, config[experiment]["scenario"])
    if "scaling" in EXPERIMENTS:
        targets += experiment_targets("scaling", SCALING)
    return targets


def summarise_builds():
    """One line per scenario that was skipped or built on stand-in data (printed when the workflow ends)."""
    for name in used_scenarios():
        path = Path(f"results/{name}/build_status.json")
        if not path.exists():
            continue
        status = json.loads(path.read_text())
        if not status["built"]:
            print(f"skipped {name}: {status['reason']}", file=sys.stderr)
        elif status.get("stand_in"):
            print(f"note: {name}: {status['reason']}; see data/processed/{name}/provenance.json", file=sys.stderr)
