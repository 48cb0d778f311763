# Shared helpers of the compendium workflow: paths, scheme specs, the outputs of each experiment, and the list
# of targets that `rule all` asks for (gated on which scenarios could be built).

import datetime as dt
import json
import shlex
import os
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError


# The shell commands call `greenllm` and `python` from the environment that runs Snakemake (e.g. .venv/bin), also
# when that environment is not activated (as in `make all`); bash strict mode as Snakemake's default prefix.
shell.prefix(f'set -euo pipefail; export PATH="{Path(sys.executable).parent}:$PATH"; ')

REPO = Path(workflow.basedir)
SCRIPTS = REPO / "workflow" / "scripts"
NOTEBOOKS = REPO / "notebooks"
PACKAGE = REPO / "src" / "greenllm"


def builder_name(scenario):
    """The registered builder of a scenario: its `builder:` setting, else its own name."""
    return config["scenarios"][scenario].get("builder", scenario)


def build_code(wildcards):
    """Code a scenario build depends on: the data layer, except the other scenarios' builders. A change rebuilds
    the scenario (and so everything after it)."""
    builders = PACKAGE / "data" / "scenarios"
    own = builder_name(wildcards.scenario)
    return sorted(path for path in [PACKAGE / "inputs.py", *(PACKAGE / "data").rglob("*.py")]
                  if path.parent != builders or path.stem in ("__init__", "common", own))


SOLVE_CODE = [PACKAGE / f for f in ("inputs.py", "model.py", "backends.py", "solve.py", "verify.py", "results.py",
                                    "experiments.py", "scenario_cache.py")]
"""Code a solve job depends on: a change in the model re-solves."""
PER_QUERY_CODE = [*SOLVE_CODE, PACKAGE / "per_query.py", PACKAGE / "hardware.py", REPO / "config" / "hardware.yaml"]
"""Code and catalogue the per-query solves depend on."""
YEAR_CODE = [*PER_QUERY_CODE, PACKAGE / "year.py"]
SCALING_CODE = [*PER_QUERY_CODE, PACKAGE / "synthetic.py", REPO / "benchmarks" / "bench_scale.py"]
PLOT_CODE = [PACKAGE / "experiments.py", PACKAGE / "plots.py"]
"""Code a notebook run depends on (besides the notebook itself)."""
BASE = config["base_scenario"]
EXPERIMENTS = set(config["experiments"])
SCALING = "scaling"
"""Folder name of the scale benchmark's outputs (figures/scaling, tables/scaling): it has no scenario."""


wildcard_constraints:
    scenario=r"[A-Za-z0-9_]+",
    scheme=r"[A-Za-z0-9_]+",
    field=r"price|carbon|renewable|demand|energy_per_token|delay_penalty|water_budget",
    factor=r"[0-9.e+-]+",
    level=r"[0-9.e+-]+",
    tolerance=r"[0-9.e+-]+",
    index=r"[0-9]+",
    key=r"[0-9.e+-]+",
    order=r"[a-z]+-[a-z]+-[a-z]+",
    name=r"[A-Za-z0-9_]+",
    mix=r"[A-Za-z0-9_]+",
    mode=r"perfect|forecast",
    month=r"[0-9]{2}",


def fmt(value):
    """A number as it appears in file names: 1.0 -> '1', 0.25 -> '0.25'."""
    return f"{float(value):g}"


def weights_key(weights):
    """Same key as greenllm.experiments.weights_key: (0.6, 0.2, 0.2) -> '0.6-0.2-0.2'."""
    return "-".join(f"{w:.3g}" for w in weights)


def order_key(order):
    return "-".join(order)


def scheme_specs(names):
    """{name: spec} from config['schemes'], with the name as default label."""
    specs = {}
    for name in names:
        spec = dict(config["schemes"][name])
        spec.setdefault("label", name)
        specs[name] = spec
    return specs


def schemes_json(names):
    return json.dumps(scheme_specs(names), separators=(",", ":"))


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
    """Every scenario an enabled experiment uses, in order: the base, the real ones, then those of issue 5."""
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
    return list(dict.fromkeys(names))


check_config()


# ------------------------------------------------------------------------------------------------------------------
# Result files of the solve jobs
# ------------------------------------------------------------------------------------------------------------------


def scenario_dir(scenario):
    return f"data/processed/{scenario}"


def scheme_result(scenario, scheme, kind="json"):
    suffix = {"json": ".json", "latency": "_latency.csv", "allocation": "_allocation.csv"}[kind]
    return f"results/{scenario}/schemes/{scheme}{suffix}"


def weighted_results(scenario):
    return {weights_key(w): f"results/{scenario}/weighted/{weights_key(w)}.json"
            for w in config.get("weighted_table", [])}


def lexicographic_results(scenario):
    return {order_key(o): f"results/{scenario}/lexicographic/{order_key(o)}.json"
            for o in config.get("lexicographic_orders", [])}


def sweep_results(scenario, field):
    return [f"results/{scenario}/sweep/{field}/{fmt(f)}.json" for f in config["sweeps"]["factors"]]


def delay_level_results(scenario):
    levels = config["delay_levels"]
    return [f"results/{scenario}/delay_levels/{fmt(r)}/{fmt(f)}.json"
            for r in levels["delay_penalty_factors"] for f in levels["factors"]]


def hourly_figure(name):
    for figure in config["hourly"]["figures"]:
        if figure["name"] == name:
            return figure
    raise WorkflowError(f"config/config.yaml, hourly.figures: no figure named {name!r}")


def hourly_results(scenario, name, kind="csv"):
    figure = hourly_figure(name)
    return [f"results/{scenario}/hourly/{figure['field']}/{fmt(f)}.{kind}" for f in figure["factors"]]


def tolerance_results(scenario):
    return [f"results/{scenario}/tolerance/{fmt(t)}.json" for t in config["tolerance_sweep"]["tolerances"]]


def water_budget_results(scenario):
    return [f"results/{scenario}/water_budget/{fmt(f)}.json" for f in config["water"]["budget_factors"]]


def pareto_results(scenario):
    return [f"results/{scenario}/pareto/{k}.json" for k in range(config["pareto"]["points"])]


def formulation_results(scenario, kind="json"):
    suffix = {"json": ".json", "latency": "_latency.csv"}[kind]
    return [f"results/{scenario}/formulations/{n}{suffix}" for n in config["formulations"]["schemes"]]


def mix_spec(name):
    for mix in config["hardware_mix"]["mixes"]:
        if mix["name"] == name:
            return mix
    raise WorkflowError(f"config/config.yaml, hardware_mix.mixes: no mix named {name!r}")


def hardware_mix_results(scenario):
    return [f"results/{scenario}/hardware_mix/{m['name']}.json" for m in config["hardware_mix"]["mixes"]]


def year_months(scenario):
    """Calendar months of the built multi-day folder (from its scalars.json: start_date, n_hours); waits for the
    build (a checkpoint), so the months follow the folder whatever its options."""
    checkpoints.build_scenario.get(scenario=scenario)
    scalars = json.loads(Path(scenario_dir(scenario), "scalars.json").read_text())
    start = dt.date.fromisoformat(str(scalars.get("start_date", "2024-01-01"))[:10])
    days = int(scalars["n_hours"]) // 24
    return list(dict.fromkeys((start + dt.timedelta(days=d)).month for d in range(days)))


def year_results(scenario):
    """One window file per (mode, month): results/SCENARIO/year/MODE/MM.json."""
    return [f"results/{scenario}/year/{mode}/{month:02d}.json" for mode in ("perfect", "forecast")
            for month in year_months(scenario)]


def scaling_runs():
    """`--run FORMULATION=N,N ...` arguments of the scaling job."""
    return " ".join(f"--run {r['formulation']}={','.join(str(n) for n in r['sizes'])}"
                    for r in config["scaling"]["runs"])


def nb_common(scenario):
    """Parameters every notebook takes: the scenario folder and where figures and tables go."""
    return {"scenario": scenario_dir(scenario), "figures_dir": f"figures/{scenario}",
            "tables_dir": f"tables/{scenario}"}


def scheme_files(scenario, names):
    return [scheme_result(scenario, n) for n in names]


def sweep_metrics(field):
    for item in config["sweeps"]["fields"]:
        if item["field"] == field:
            return item["metrics"]
    raise WorkflowError(f"config/config.yaml, sweeps.fields: no sweep of {field!r}")


def source_option(wildcards):
    """`--source FOLDER` when the config gives a ready scenario folder for this scenario, else nothing."""
    source = config["scenarios"][wildcards.scenario].get("source")
    return f"--source {shlex.quote(source)}" if source else ""


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


def notebook_params(**values):
    """Papermill parameters as one JSON argument of workflow/scripts/run_notebook.py."""
    return json.dumps(values, separators=(",", ":"))


# ------------------------------------------------------------------------------------------------------------------
# Targets
# ------------------------------------------------------------------------------------------------------------------


def figure(scenario, stem):
    return [f"figures/{scenario}/{stem}.png", f"figures/{scenario}/{stem}.csv"]


def table(scenario, stem):
    return [f"tables/{scenario}/{stem}.csv", f"tables/{scenario}/{stem}.md"]


def executed(scenario, name):
    return f"results/notebooks/{scenario}/{name}.ipynb"


def experiment_targets(experiment, scenario):
    """The committed outputs (and the executed notebook) of one experiment on one scenario."""
    if experiment == "inputs":
        return [*figure(scenario, "inputs_dc_hour"), *figure(scenario, "inputs_demand"),
                executed(scenario, "01_inputs")]
    if experiment == "base_case":
        return [*table(scenario, "base_case"), *figure(scenario, "base_case_costs"),
                executed(scenario, "02_base_case")]
    if experiment == "weighted_table":
        return [*table(scenario, "weighted_sum"), executed(scenario, "03_weighted_sum")]
    if experiment == "lexicographic_orders":
        return [*table(scenario, "lexicographic_orders"), executed(scenario, "04_lexicographic_orders")]
    if experiment == "sweeps":
        out = []
        for item in config["sweeps"]["fields"]:
            out += [*figure(scenario, f"sweep_{item['field']}"), executed(scenario, f"05_sweep_{item['field']}")]
        return out
    if experiment == "delay_levels":
        return [*figure(scenario, "sweep_energy_per_token_delay_levels"), executed(scenario, "06_delay_levels")]
    if experiment == "hourly":
        out = []
        for item in config["hourly"]["figures"]:
            out += [*figure(scenario, f"hourly_{item['name']}"), executed(scenario, f"07_hourly_{item['name']}")]
        return out
    if experiment == "tolerance_sweep":
        return [*figure(scenario, "tolerance_tradeoff"), *table(scenario, "tolerance_sweep"),
                executed(scenario, "08_tolerance")]
    if experiment == "water":
        return [*figure(scenario, "water_per_scheme"), *figure(scenario, "water_budget"),
                *table(scenario, "water_budget"), executed(scenario, "09_water")]
    if experiment == "latency":
        return [*figure(scenario, "latency_distribution"), *table(scenario, "latency_summary"),
                executed(scenario, "10_latency")]
    if experiment == "pareto":
        return [*figure(scenario, "pareto_energy_carbon"), executed(scenario, "11_pareto")]
    if experiment == "real_data":
        return [*figure(scenario, "real_schemes"), *figure(scenario, "real_allocation"),
                *table(scenario, "real_schemes"), executed(scenario, "12_real_data")]
    if experiment == "formulations":
        return [*figure(scenario, "formulations"), *figure(scenario, "formulations_latency"),
                *table(scenario, "formulations"), executed(scenario, "13_formulations")]
    if experiment == "hardware_mix":
        return [*figure(scenario, "hardware_mix"), *table(scenario, "hardware_mix"),
                executed(scenario, "14_hardware_mix")]
    if experiment == "year":
        return [*figure(scenario, "year_monthly"), *figure(scenario, "year_forecast_cost"),
                *table(scenario, "year_forecast_summary"), executed(scenario, "15_year")]
    if experiment == "serving":
        return [*figure(scenario, "serving_policies"), *figure(scenario, "serving_fronts"),
                *figure(scenario, "serving_validation"),
                *(path for stem in ("baselines", "baselines_margin", "serving_fronts", "serving_slo",
                                    "validation_per_query", "validation_ratios") for path in table(scenario, stem)),
                executed(scenario, "17_serving")]
    if experiment == "scaling":
        return [*figure(SCALING, "scaling"), *table(SCALING, "scaling"), *table(SCALING, "scaling_exponents"),
                executed(SCALING, "16_scaling")]
    raise WorkflowError(f"unknown experiment {experiment!r}")


def build_status(scenario):
    """The status the build wrote: {"built": bool, "reason": ..., "stand_in": bool} (waits for the checkpoint)."""
    path = checkpoints.build_scenario.get(scenario=scenario).output.status
    return json.loads(Path(path).read_text())


def build_statuses(wildcards):
    """The build status of every scenario in use: asked for first, so that all builds run in parallel."""
    return [f"results/{name}/build_status.json" for name in used_scenarios()]


OWN_SCENARIO = {"real_data", "formulations", "hardware_mix", "year", "scaling", "serving"}
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
    for experiment in ("hardware_mix", "year", "serving"):
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
