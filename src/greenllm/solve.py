"""Schemes and our own lexicographic driver on top of a solver backend.

* single objective: ``energy``, ``carbon`` or ``delay``;
* ``weighted``: min w_E C^E + w_C C^C + w_D C^D with any weights;
* ``lexicographic``: for the given order, stage p minimises f_p subject to f_q <= f_q* + rel |f_q*| + abs for every
  earlier stage q (for the paper's non-negative costs this is f_q <= (1 + rel) f_q*, as in its code). The model is
  built once; each stage changes the objective and adds one bound row, and the solver warm-starts. A bound tighter
  than the solver can hold (``rel`` below its feasibility tolerance, e.g. ``--tolerance 0``) can end a stage in
  numerical trouble; the stages are then solved again with ``rel`` at the solver's feasibility tolerance (1e-7 for
  HiGHS: below it a bound is not distinguishable from the optimum anyway), and the result says so (``tolerance``).

Integer provisioning (a MILP) stops at Ctrl-C (exit code 130) and after a time limit
(:data:`~greenllm.backends.DEFAULT_MILP_TIME_LIMIT_S`, ``--time-limit``) with its best solution: status
``time_limit`` and ``mip_gap``, the relative gap between that solution and the solver's bound.

Every scheme then runs the *determining stages* (:data:`DETERMINING_ORDER`): a scheme's objective often leaves a
whole face of allocations optimal (energy-only M1 fixes energy and carbon but not delay or water), and a solver
would return any point of it. After the scheme's stages (and the formulation's own tie-break, if any), each cost
component the scheme did not minimise is minimised in the order energy, carbon, delay, then water [L], each on the
optimal face of all earlier stages (tolerance 0), so every reported quantity is the same on any solver or machine and
no number the scheme determines moves. Results record them as ``determined_by``.

Every solution is re-checked by :mod:`greenllm.verify` from the input tables before it is returned.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from dataclasses import dataclass, field

import numpy as np

from greenllm.backends import INFEASIBLE, OPTIMAL, TIME_LIMIT, GurobiBackend, HighsBackend, gurobi_can_solve
from greenllm.arguments import check_threads
from greenllm.errors import InfeasibleError, InputError, SolverError
from greenllm.fields import FIELDS, LP_MAGNITUDE_LIMIT
from greenllm.formulations import Description, Formulation, Provisioning, Solution, build, resolve
from greenllm.inputs import Scenario
from greenllm.lp import OBJECTIVES, LinearProgram
from greenllm.options import ModelOptions, default_options_for
from greenllm.sizing import check_magnitudes, check_size
from greenllm.verify import verify_solution

log = logging.getLogger("greenllm")

SCHEMES = ("energy", "carbon", "delay", "weighted", "lexicographic")
BOUNDABLE = (*OBJECTIVES, "water")
DEFAULT_ORDER = ("energy", "carbon", "delay")


@dataclass(frozen=True)
class StageOutcome:
    """One extra stage after the scheme's own: its objective label and optimum (None: not kept)."""

    objective: str
    optimum: float | None

    def to_dict(self) -> dict:
        return {"objective": self.objective, "optimum": self.optimum}


@dataclass(frozen=True)
class Relaxation:
    """The LP relaxation of a MILP under the same scheme: its objective and the relative gap (None when the optimum
    is 0 and a relative gap is undefined)."""

    objective: float
    gap: float | None

    def to_dict(self) -> dict:
        return {"objective": self.objective, "gap": self.gap}


@dataclass
class WarmStart:
    """The first-stage basis of the last solve and the structure of its LP (shape and sparsity pattern); applied to
    the next solve only when its LP has the same structure. ``used`` counts the solves that started from it."""

    basis: tuple | None = None
    structure: tuple | None = None
    used: int = 0

    @staticmethod
    def _structure(lp: LinearProgram) -> tuple:
        return (lp.n_cols, lp.n_rows, hash(lp.row_start.tobytes()), hash(lp.row_index.tobytes()))

    def apply(self, backend, lp: LinearProgram) -> None:
        backend.keep_first_basis = True  # for keep(), after the solve
        if self.basis is not None and self.structure == self._structure(lp) and backend.set_basis(self.basis):
            self.used += 1

    def keep(self, backend, lp: LinearProgram) -> None:
        if backend.first_basis is not None:
            self.basis, self.structure = backend.first_basis, self._structure(lp)


@dataclass
class Result:
    """The outcome of one solve: costs in $, emissions in kg CO2e, water in litres, shares x[i, j, k, t]."""

    status: str
    solver: str
    scheme: str
    objective: float
    costs: dict[str, float]
    emissions_kg: float
    water_l: float
    stages: list[dict]
    solve_seconds: float
    x: np.ndarray = field(repr=False)
    grid_kw: np.ndarray = field(repr=False)
    weights: tuple[float, float, float] | None = None
    order: tuple[str, ...] | None = None
    tolerance: float | None = None
    build_seconds: float = 0.0
    formulation: str = "paper"
    model: ModelOptions = field(default_factory=ModelOptions)
    provisioning: Provisioning | None = field(default=None, repr=False)  # per-query: accelerators switched on
    description: Description = field(default_factory=Description, repr=False)
    tie_break: StageOutcome | None = None  # the formulation's own tie-break stage (per-query: facility kWh)
    determined_by: list[StageOutcome] = field(default_factory=list)  # the determining stages (module docstring)
    lp_relaxation: Relaxation | None = None
    mip_gap: float | None = None  # a MILP stopped at its time limit: relative gap of its best solution to the bound
    formulation_object: Formulation | None = field(default=None, repr=False, compare=False)  # for the verifier

    @property
    def solution(self) -> Solution:
        return Solution(self.x, self.grid_kw, self.provisioning)

    def to_dict(self) -> dict:
        """The JSON summary printed by ``greenllm solve --json`` (no arrays)."""
        out = {
            "status": self.status,
            "solver": self.solver,
            "scheme": self.scheme,
            "objective": self.objective,
            "costs": dict(self.costs),
            "emissions_kg": self.emissions_kg,
            "water_l": self.water_l,
            "stages": [dict(s) for s in self.stages],
            "solve_seconds": self.solve_seconds,
            "model": self.model.to_dict(),
        }
        if self.weights is not None:
            out["weights"] = list(self.weights)
        if self.order is not None:
            out["order"] = list(self.order)
            out["tolerance"] = self.tolerance
        if self.formulation != "paper":
            out["formulation"] = self.formulation
            out.update(self.description.to_dict())
        if self.tie_break is not None:
            out["tie_break"] = self.tie_break.to_dict()
        if self.determined_by:
            out["determined_by"] = [stage.to_dict() for stage in self.determined_by]
        if self.lp_relaxation is not None:
            out["lp_relaxation"] = self.lp_relaxation.to_dict()
        if self.mip_gap is not None:
            out["mip_gap"] = self.mip_gap
        return out


def _check_scheme(scheme, weights, order, tolerance, abs_tolerance, bounds):
    if scheme not in SCHEMES:
        raise InputError(f"--scheme: unknown scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")
    if scheme == "weighted":
        if weights is None:
            raise InputError("--scheme weighted needs --weights E,C,D (three numbers)")
        weights = tuple(float(w) for w in weights)
        if len(weights) != 3 or not all(np.isfinite(w) and w >= 0 for w in weights) or sum(weights) == 0:
            raise InputError(f"--weights: expected three non-negative numbers, not all zero; got {weights}")
    if scheme == "lexicographic":
        order = tuple(order or DEFAULT_ORDER)
        if sorted(order) != sorted(OBJECTIVES):
            raise InputError(f"--order: expected a permutation of energy,carbon,delay; got {','.join(order)}")
    for name, value in (("--tolerance", tolerance), ("--abs-tolerance", abs_tolerance)):
        if not np.isfinite(value) or value < 0:
            raise InputError(f"{name}: must be a finite number >= 0; got {value}")
    for name, value in (bounds or {}).items():
        if name not in BOUNDABLE:
            raise InputError(f"bounds: unknown component {name!r}; choose from {', '.join(BOUNDABLE)}")
        if not np.isfinite(value):
            raise InputError(f"bounds: {name} bound must be finite; got {value}")
    return weights, order


def _stage_plan(scheme, weights, order, lp: LinearProgram):
    """[(label, cost vector)] in solve order."""
    if scheme in OBJECTIVES:
        return [(scheme, lp.costs[scheme])]
    if scheme == "weighted":
        blend = sum(w * lp.costs[name] for w, name in zip(weights, OBJECTIVES, strict=True))
        return [("weighted", blend)]
    return [(name, lp.costs[name]) for name in order]


# The tie-break stage holds the scheme's objective at its optimum up to a relative slack (plus an absolute one for an
# optimum of 0), far below any reported digit: the previous stage's solution meets the bound, so the stage is feasible.
TIE_BREAK_REL, TIE_BREAK_ABS = 1e-9, 1e-12
TIE_BREAK_CHECK = 1e-7  # after the stage, the scheme's objective must still be within this (relative, + abs) slack
DETERMINING_ORDER = ("energy", "carbon", "delay", "water")


def determining_plan(plan_labels, lp: LinearProgram) -> list[tuple[str, np.ndarray]]:
    """[(label, cost vector)] of the stages after the scheme's: the formulation's tie-break (if any), then each of
    energy, carbon, delay [$] the scheme did not minimise as a stage of its own, then water [L]."""
    extra = [lp.tie_break] if lp.tie_break is not None else []
    extra += [(name, lp.costs[name]) for name in DETERMINING_ORDER[:-1] if name not in plan_labels]
    return [*extra, ("water", lp.water_l)]


@dataclass
class Run:
    """The outcome of the scheme's stages and the determining stages on one backend.

    ``objective`` and ``stages`` are the scheme's own; ``extra`` lists a :class:`StageOutcome` per stage after them
    (the formulation's tie-break first, if any, then the determining stages; empty with ``tie_break=False``).
    ``status`` is TIME_LIMIT when a MILP stage of the scheme stopped at its time limit with a solution (later stages
    start from it), and ``mip_gap`` the largest relative gap of such a stage. ``failed_stage``: the index of the
    scheme's stage that ended neither optimal nor at the time limit."""

    status: str
    values: np.ndarray | None
    objective: float
    stages: list[dict]
    seconds: float
    extra: list[StageOutcome] = field(default_factory=list)
    mip_gap: float | None = None
    failed_stage: int | None = None


def run_stages(backend, lp, plan, tolerance, abs_tolerance, bounds, tie_break=True) -> Run:
    """The scheme's stages, then the determining stages (see :class:`Run`)."""
    for name, value in (bounds or {}).items():
        backend.add_row(lp.water_l if name == "water" else lp.costs[name], value)
    stages, seconds = [], 0.0
    values, objective = None, float("nan")
    reached, gaps = OPTIMAL, []
    for p, (label, cost) in enumerate(plan):
        backend.set_objective(cost)
        started = time.perf_counter()
        status, values, objective = backend.solve()
        seconds += time.perf_counter() - started
        if status == TIME_LIMIT:
            reached = TIME_LIMIT
            gaps.append(backend.mip_gap)
        elif status != OPTIMAL:
            return Run(status, None, objective, stages, seconds, failed_stage=p)
        stages.append({"objective": label, "optimum": objective})
        if p < len(plan) - 1:
            backend.add_row(cost, objective + tolerance * abs(objective) + abs_tolerance)
    gap = max(gaps) if gaps else None
    if not tie_break:
        return Run(reached, values, objective, stages, seconds, [], gap)
    started = time.perf_counter()
    values, extra = _determine(backend, plan[-1][1], objective, values, determining_plan([s for s, _ in plan], lp))
    return Run(reached, values, objective, stages, seconds + time.perf_counter() - started, extra, gap)


def _determine(backend, last_cost, last_optimum, values, extra_plan):
    """Minimise each ``extra_plan`` objective on the optimal face of all earlier stages; (values, outcomes).

    An LP solver with duals restricts the model to the optimal face (fast, no dense row); otherwise (a MILP)
    one row bounds the previous objective near its optimum. A stage that fails, or that moves an earlier stage's
    optimum, is dropped with a warning and the solution before it stands (optimum None in its outcome). A MILP
    stage stopped at its time limit with a solution counts as solved."""
    held = [(last_cost, last_optimum)]
    outcomes = []
    for label, cost in extra_plan:
        previous_cost, previous_optimum = held[-1]
        if not backend.restrict_to_optimal_face(values):
            backend.add_row(previous_cost, previous_optimum + TIE_BREAK_REL * abs(previous_optimum) + TIE_BREAK_ABS)
        backend.set_objective(cost)
        status, stage_values, optimum = backend.solve()
        usable = status in (OPTIMAL, TIME_LIMIT) and stage_values is not None
        kept = usable and all(float(c @ stage_values) <= o + TIE_BREAK_CHECK * (abs(o) + 1) for c, o in held)
        if not kept:
            log.warning("determining stage (%s) %s; keeping the solution before it", label,
                        f"ended with status {status!r}" if not usable else "moved an earlier optimum")
            outcomes += [StageOutcome(name, None) for name, _ in extra_plan[len(outcomes):]]
            return values, outcomes
        values = stage_values
        held.append((cost, float(optimum)))
        outcomes.append(StageOutcome(label, float(optimum)))
    return values, outcomes


def solve(
    scenario: Scenario,
    scheme: str = "lexicographic",
    *,
    weights=None,
    order=None,
    tolerance: float = 1e-3,
    abs_tolerance: float = 0.0,
    solver: str = "auto",
    bounds: dict[str, float] | None = None,
    verify: bool = True,
    formulation: Formulation | str | None = None,
    threads: int | None = None,
    options: ModelOptions | None = None,
    max_model_gb: float | None = None,
    time_limit_s: float | None = None,
    warm_start: WarmStart | None = None,
    diagnose: bool = True,
    presolve: bool = True,
) -> Result:
    """Solve ``scenario`` under ``scheme``; see the module docstring. Raises InfeasibleError with a diagnosis.

    ``options``: the :class:`~greenllm.options.ModelOptions` (None: :func:`~greenllm.options.default_options_for`
    the scenario, i.e. the defaults unless its folder asks otherwise). ``formulation`` overrides
    ``options.formulation``: a name (``paper``, ``per_query``) or a formulation object (e.g.
    ``PerQueryFormulation(inputs, integer=True)``). ``max_model_gb``: refuse (InputError) a model whose estimated
    memory is above this many GB (None: ``$GREENLLM_MAX_MODEL_GB`` or :data:`greenllm.sizing.DEFAULT_MAX_MODEL_GB`).
    ``time_limit_s``: a MILP stage's limit (None: :data:`greenllm.backends.DEFAULT_MILP_TIME_LIMIT_S`).
    ``warm_start``: a :class:`WarmStart` carried from solve to solve of LPs with the same structure (e.g. the days of
    a year): HiGHS starts from the last one's first-stage basis (any optimum it reaches is optimal; where the LP has
    several optima, it may be another one than a cold start's). ``diagnose=False``: an infeasible model raises
    InfeasibleError without the diagnosis (which re-solves the model once per constraint family), for a caller that
    only needs to know that it is infeasible.
    """
    weights, order = _check_scheme(scheme, weights, order, tolerance, abs_tolerance, bounds)
    if solver not in ("auto", "highs", "gurobi"):
        raise InputError(f"--solver: unknown solver {solver!r}; choose auto, highs or gurobi")
    threads = check_threads(threads)
    check_size(scenario, max_model_gb)  # from the dimensions alone, before any array of the model exists
    started = time.perf_counter()
    options = default_options_for(scenario) if options is None else options
    formulation = resolve(formulation, scenario, options)
    options = dataclasses.replace(options, formulation=formulation.name)
    lp = build(scenario, formulation, options)
    check_magnitudes(lp, str(scenario.path) if scenario.path is not None else "")
    build_seconds = time.perf_counter() - started
    plan = _stage_plan(scheme, weights, order, lp)
    milp = lp.integrality is not None and bool(np.any(lp.integrality))

    use_gurobi = solver == "gurobi"
    if milp:
        if solver == "gurobi":
            raise SolverError("--solver gurobi: integer provisioning (a MILP) is solved with HiGHS only;"
                              " use --solver highs or auto")
        use_gurobi = False
    elif solver in ("auto", "gurobi"):
        use_gurobi, reason = gurobi_can_solve(lp)
        if not use_gurobi and solver == "gurobi":
            raise SolverError(f"--solver gurobi: {reason}; use --solver highs or auto")
        if not use_gurobi:
            log.info("solver auto: Gurobi cannot solve this model (%s); using HiGHS", reason)

    def new_backend():
        if use_gurobi:
            return GurobiBackend(lp, threads=threads)
        return HighsBackend(lp, threads=threads, time_limit_s=time_limit_s, presolve=presolve)

    warm = warm_start is not None and not use_gurobi and not milp
    backend = new_backend()
    if warm:
        warm_start.apply(backend, lp)
    run = run_stages(backend, lp, plan, tolerance, abs_tolerance, bounds)
    floor = backend.feasibility_tolerance
    if scheme == "lexicographic" and run.status not in (OPTIMAL, TIME_LIMIT, INFEASIBLE) and run.failed_stage \
            and tolerance < floor:
        log.warning("lexicographic stage %d (%s) ended with status %r under bounds at --tolerance %g; solving again"
                    " with the stage bounds at the solver's feasibility tolerance (%g relative)", run.failed_stage + 1,
                    plan[run.failed_stage][0], run.status, tolerance, floor)
        tolerance = floor
        backend = new_backend()
        run = run_stages(backend, lp, plan, tolerance, abs_tolerance, bounds)
    if warm:
        warm_start.keep(backend, lp)
    status, values, objective, stages, seconds = run.status, run.values, run.objective, run.stages, run.seconds
    tie = run.extra[0] if run.extra and lp.tie_break is not None else None
    determined_by = run.extra[1:] if tie is not None else run.extra
    if status == INFEASIBLE:
        raise InfeasibleError(diagnose_infeasibility(scenario, lp, bounds, backend_name=backend.name) if diagnose
                              else f"infeasible ({backend.name}; not diagnosed)")
    if status not in (OPTIMAL, TIME_LIMIT):
        raise SolverError(numerical_trouble(scenario, backend.name, status, plan, run.failed_stage, scheme,
                                            tolerance))
    if status == TIME_LIMIT:
        log.warning("integer provisioning stopped at its time limit of %g s (--time-limit) with the best solution"
                    " found; its objective is within %.3g %% of the bound", backend.time_limit_s, 100 * run.mip_gap)

    solution = formulation.solution(scenario, lp, values)
    relaxation = None
    if milp:  # the LP relaxation of the same scheme, for the relaxation gap
        relaxed = run_stages(HighsBackend(lp, threads=threads, relax_integrality=True), lp, plan, tolerance, abs_tolerance,
                       bounds, tie_break=False)
        gap = (objective - relaxed.objective) / abs(objective) if relaxed.status == OPTIMAL and objective else None
        relaxation = Relaxation(float(relaxed.objective), gap)
    costs = {name: float(lp.costs[name] @ values) for name in OBJECTIVES}
    costs["total"] = costs["energy"] + costs["carbon"] + costs["delay"]
    result = Result(
        status=status, solver=backend.name, scheme=scheme, objective=float(objective), costs=costs,
        emissions_kg=float((scenario.carbon_kg_per_kwh * solution.grid_kw).sum()), water_l=float(lp.water_l @ values),
        stages=stages, solve_seconds=seconds, x=solution.x, grid_kw=solution.grid_kw, weights=weights, order=order,
        tolerance=tolerance if scheme == "lexicographic" else None, build_seconds=build_seconds,
        formulation=formulation.name, model=options, provisioning=solution.provisioning,
        description=formulation.describe(scenario, lp, solution), tie_break=tie, determined_by=determined_by,
        lp_relaxation=relaxation, mip_gap=run.mip_gap, formulation_object=formulation,
    )
    if verify:
        verify_solution(scenario, result, bounds=bounds)
    return result


NEAR_LIMIT_SHARE = 0.01
"""An input is named as a likely cause of numerical trouble when its largest magnitude is at least this share of its
allowed maximum (greenllm.fields) and that maximum is a magnitude limit (>= :data:`MAGNITUDE_FIELD`)."""
MAGNITUDE_FIELD = 1e6


def extreme_inputs(scenario: Scenario, count: int = 2) -> str:
    """'the inputs nearest their limits: queries (demand.csv) up to 5e+16, ...': the fields (with a magnitude limit)
    whose largest magnitude is at least :data:`NEAR_LIMIT_SHARE` of their allowed maximum (greenllm.fields), largest
    share first; '' when no input is that near (then none is blamed)."""
    shares = []
    for name, spec in FIELDS.items():
        values = getattr(scenario, name, None)
        if values is None:
            continue
        biggest = float(np.max(np.abs(values), initial=0.0))
        limit = max(abs(spec.minimum), abs(spec.maximum))
        if limit >= MAGNITUDE_FIELD and biggest >= NEAR_LIMIT_SHARE * limit:
            shares.append((biggest / limit, name, spec.file, biggest))
    top = sorted(shares, reverse=True)[:count]
    if not top:
        return ""
    return "the inputs nearest their limits: " + ", ".join(
        f"{name} ({file}) up to {value:.3g}" for _, name, file, value in top)


def numerical_trouble(scenario: Scenario, backend_name: str, status: str, plan, failed_stage: int | None,
                      scheme: str, tolerance: float) -> str:
    """The message of a solve that ended neither optimal nor infeasible: where it stopped, and either the inputs
    near their limits or that none is (the model's numbers passed greenllm.sizing.check_magnitudes before)."""
    where = ""
    if failed_stage is not None and len(plan) > 1:
        where = f" at stage {failed_stage + 1} of {len(plan)} ({plan[failed_stage][0]})"
    text = f"numerical trouble: {backend_name} stopped with status {status!r}{where} on finite inputs (neither optimal" \
           " nor infeasible); "
    blamed = extreme_inputs(scenario)
    if blamed:
        return text + blamed
    text += (f"no input is near its limit (greenllm.fields) and the model's numbers are within"
             f" {LP_MAGNITUDE_LIMIT:g}")
    if scheme == "lexicographic":
        text += f"; the stage bounds (--tolerance {tolerance:g}) may be too tight: try a larger --tolerance"
    return text


# --------------------------------------------------------------------------------------------------------------------
# Infeasibility diagnosis: relax one constraint family at a time
# --------------------------------------------------------------------------------------------------------------------

FAMILY_LABELS = {
    "water_budget": "the daily water budget (10)",
    "delay_cap": "the delay cap (16)",
    "grid_cap": "the grid cap (8)",
    "resources": "the resource capacities (11b)",
    "bounds": "the extra component bounds",
    "accelerators": "the accelerator capacity (installed accelerators x utilisation cap)",
}


def _feasible(lp: LinearProgram, relax: str | None, bounds) -> tuple[bool, HighsBackend]:
    backend = HighsBackend(lp)
    if relax == "grid_cap":
        grid = lp.grid_cols
        backend.change_col_bounds(grid, np.zeros(len(grid)), np.full(len(grid), np.inf))
    elif relax is not None and relax != "bounds":
        start, stop = lp.families[relax]
        for row in range(start, stop):
            backend.change_row_bounds(row, -np.inf, np.inf)
    if bounds and relax != "bounds":
        for name, value in bounds.items():
            backend.add_row(lp.water_l if name == "water" else lp.costs[name], value)
    backend.set_objective(np.zeros(lp.n_cols))
    status, _, _ = backend.solve()
    return status == OPTIMAL, backend


DIAGNOSES_KEPT = 64
"""Diagnoses a process keeps (:func:`diagnose_infeasibility`), by the content of the model's constraints."""
_diagnoses: dict[str, str] = {}


def constraints_key(lp: LinearProgram, bounds=None, *texts: str) -> str:
    """A digest of everything a diagnosis reads: the rows, the column bounds, the water vector, the constraint
    families, the extra component bounds with their cost vectors, and ``texts``; not the objective. The schemes
    of one sweep point (M0, M1, M2 on the same scaled inputs) share it."""
    digest = hashlib.sha256()

    def add(part) -> None:
        data = np.ascontiguousarray(part if part is not None else np.zeros(0))
        digest.update(f"{data.dtype.str}{data.shape};".encode())
        digest.update(data.tobytes())

    for part in (lp.row_start, lp.row_index, lp.row_value, lp.row_lower, lp.row_upper, lp.col_lower,
                 lp.col_upper, lp.water_l, lp.integrality, lp.x_index):
        add(part)
    digest.update(repr((sorted(lp.families.items()), lp.shape_x, lp.shape_grid, sorted(lp.extra_cols.items()),
                        texts)).encode())
    for name, value in sorted((bounds or {}).items()):
        digest.update(f"{name}={float(value)!r};".encode())
        add(lp.water_l if name == "water" else lp.costs[name])
    return digest.hexdigest()


def diagnose_infeasibility(scenario: Scenario, lp: LinearProgram, bounds=None, backend_name: str = "highs") -> str:
    """Name the constraint family whose relaxation restores feasibility, with the numbers that explain it.

    A diagnosis reads the constraints only, so one is kept per :func:`constraints_key` (the last
    :data:`DIAGNOSES_KEPT` in the process): the other schemes of an infeasible sweep point reuse it instead of
    re-solving the model once per constraint family again."""
    key = constraints_key(lp, bounds, backend_name, repr(float(scenario.water_budget_l)))
    if key not in _diagnoses:
        if len(_diagnoses) >= DIAGNOSES_KEPT:
            del _diagnoses[next(iter(_diagnoses))]
        _diagnoses[key] = _diagnosis(scenario, lp, bounds, backend_name)
    return _diagnoses[key]


def _diagnosis(scenario: Scenario, lp: LinearProgram, bounds, backend_name: str) -> str:
    families = [f for f in ("water_budget", "delay_cap", "grid_cap", "resources", "accelerators")
                if f in lp.families or f == "grid_cap"] + (["bounds"] if bounds else [])
    culprits = [f for f in families if _feasible(lp, f, bounds)[0]]
    if not culprits:
        return (f"infeasible ({backend_name}): no single constraint family explains it; relaxing each of "
                f"{', '.join(FAMILY_LABELS[f] for f in families)} alone does not restore feasibility")
    parts = []
    for family in culprits:
        if family == "water_budget":
            start, _ = lp.families["water_budget"]
            backend = HighsBackend(lp)
            backend.change_row_bounds(start, -np.inf, np.inf)
            backend.set_objective(lp.water_l)
            status, _, minimum_l = backend.solve()
            if status == OPTIMAL:
                parts.append(f"the water budget of {scenario.water_budget_l:.1f} L is below the minimum of "
                             f"{minimum_l:.1f} L that serving all demand needs")
                continue
        parts.append(f"{FAMILY_LABELS[family]} cannot be met")
    joiner = "; or " if len(parts) > 1 else ""
    return "infeasible: " + joiner.join(parts) + (" (relaxing any one of these restores feasibility)"
                                                  if len(parts) > 1 else "")
