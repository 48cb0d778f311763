"""Schemes and our own lexicographic driver on top of a solver backend.

* single objective: ``energy``, ``carbon`` or ``delay``;
* ``weighted``: min w_E C^E + w_C C^C + w_D C^D with any weights;
* ``lexicographic``: for the given order, stage p minimises f_p subject to f_q <= f_q* + rel |f_q*| + abs for every
  earlier stage q (for the paper's non-negative costs this is f_q <= (1 + rel) f_q*, as in its code). The model is
  built once; each stage changes the objective and adds one bound row, and the solver warm-starts.

Every solution is re-checked by :mod:`greenllm.verify` from the input tables before it is returned.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field

import numpy as np

from greenllm.backends import INFEASIBLE, OPTIMAL, GurobiBackend, HighsBackend, gurobi_can_solve
from greenllm.arguments import check_threads
from greenllm.errors import InfeasibleError, InputError, SolverError
from greenllm.fields import FIELDS
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
    tie_break: StageOutcome | None = None
    lp_relaxation: Relaxation | None = None
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
        if self.lp_relaxation is not None:
            out["lp_relaxation"] = self.lp_relaxation.to_dict()
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


def _run(backend, lp, plan, tolerance, abs_tolerance, bounds, tie_break=True):
    """The scheme's stages, then ``lp.tie_break`` if any: (status, values, objective, stages, seconds, tie).

    ``objective`` and ``stages`` are the scheme's own; ``tie`` is a :class:`StageOutcome` or None."""
    for name, value in (bounds or {}).items():
        backend.add_row(lp.water_l if name == "water" else lp.costs[name], value)
    stages, seconds = [], 0.0
    values, objective = None, float("nan")
    for p, (label, cost) in enumerate(plan):
        backend.set_objective(cost)
        started = time.perf_counter()
        status, values, objective = backend.solve()
        seconds += time.perf_counter() - started
        if status != OPTIMAL:
            return status, None, objective, stages, seconds, None
        stages.append({"objective": label, "optimum": objective})
        if p < len(plan) - 1:
            backend.add_row(cost, objective + tolerance * abs(objective) + abs_tolerance)
    if tie_break and lp.tie_break is not None:
        label, tie_cost = lp.tie_break
        last_cost = plan[-1][1]
        started = time.perf_counter()
        # An LP solver with duals restricts the model to its optimal face (fast, no dense row); otherwise (MILP,
        # Gurobi) one row bounds the last objective near its optimum, as a lexicographic stage does.
        if not backend.restrict_to_optimal_face(values):
            backend.add_row(last_cost, objective + TIE_BREAK_REL * abs(objective) + TIE_BREAK_ABS)
        backend.set_objective(tie_cost)
        status, tie_values, tie_optimum = backend.solve()
        seconds += time.perf_counter() - started
        kept = status == OPTIMAL and float(last_cost @ tie_values) <= objective + TIE_BREAK_CHECK * (abs(objective) + 1)
        if not kept:  # the scheme's solution stands; say so rather than return a worse one
            log.warning("tie-break stage (%s) %s; keeping the scheme's solution", label,
                        f"ended with status {status!r}" if status != OPTIMAL else "moved the objective")
            return OPTIMAL, values, objective, stages, seconds, StageOutcome(label, None)
        return OPTIMAL, tie_values, objective, stages, seconds, StageOutcome(label, tie_optimum)
    return OPTIMAL, values, objective, stages, seconds, None


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
    warm_start: WarmStart | None = None,
) -> Result:
    """Solve ``scenario`` under ``scheme``; see the module docstring. Raises InfeasibleError with a diagnosis.

    ``options``: the :class:`~greenllm.options.ModelOptions` (None: :func:`~greenllm.options.default_options_for`
    the scenario, i.e. the defaults unless its folder asks otherwise). ``formulation`` overrides
    ``options.formulation``: a name (``paper``, ``per_query``) or a formulation object (e.g.
    ``PerQueryFormulation(inputs, integer=True)``). ``max_model_gb``: refuse (InputError) a model whose estimated
    memory is above this many GB (None: ``$GREENLLM_MAX_MODEL_GB`` or :data:`greenllm.sizing.DEFAULT_MAX_MODEL_GB`).
    ``warm_start``: a :class:`WarmStart` carried from solve to solve of LPs with the same structure (e.g. the days of
    a year): HiGHS starts from the last one's first-stage basis (any optimum it reaches is optimal; where the LP has
    several optima, it may be another one than a cold start's).
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
    backend = GurobiBackend(lp, threads=threads) if use_gurobi else HighsBackend(lp, threads=threads)
    if warm_start is not None and not use_gurobi and not milp:
        warm_start.apply(backend, lp)
    outcome = _run(backend, lp, plan, tolerance, abs_tolerance, bounds)
    if warm_start is not None and not use_gurobi and not milp:
        warm_start.keep(backend, lp)
    status, values, objective, stages, seconds, tie = outcome
    if status == INFEASIBLE:
        raise InfeasibleError(diagnose_infeasibility(scenario, lp, bounds, backend_name=backend.name))
    if status != OPTIMAL:
        raise SolverError(f"numerical trouble: {backend.name} stopped with status {status!r} on finite inputs"
                          f" (neither optimal nor infeasible); {extreme_inputs(scenario)}")

    solution = formulation.solution(scenario, lp, values)
    relaxation = None
    if milp:  # the LP relaxation of the same scheme, for the relaxation gap
        relaxed = _run(HighsBackend(lp, threads=threads, relax_integrality=True), lp, plan, tolerance, abs_tolerance,
                       bounds, tie_break=False)
        gap = (objective - relaxed[2]) / abs(objective) if relaxed[0] == OPTIMAL and objective else None
        relaxation = Relaxation(float(relaxed[2]), gap)
    costs = {name: float(lp.costs[name] @ values) for name in OBJECTIVES}
    costs["total"] = costs["energy"] + costs["carbon"] + costs["delay"]
    result = Result(
        status=status, solver=backend.name, scheme=scheme, objective=float(objective), costs=costs,
        emissions_kg=float((scenario.carbon_kg_per_kwh * solution.grid_kw).sum()), water_l=float(lp.water_l @ values),
        stages=stages, solve_seconds=seconds, x=solution.x, grid_kw=solution.grid_kw, weights=weights, order=order,
        tolerance=tolerance if scheme == "lexicographic" else None, build_seconds=build_seconds,
        formulation=formulation.name, model=options, provisioning=solution.provisioning,
        description=formulation.describe(scenario, lp, solution), tie_break=tie, lp_relaxation=relaxation,
        formulation_object=formulation,
    )
    if verify:
        verify_solution(scenario, result, bounds=bounds)
    return result


def extreme_inputs(scenario: Scenario, count: int = 2) -> str:
    """'the inputs nearest their limits: queries (demand.csv) up to 5e+16, ...': the fields whose largest magnitude is
    the largest share of its allowed maximum (greenllm.fields), the likely cause of numerical trouble."""
    shares = []
    for name, spec in FIELDS.items():
        values = getattr(scenario, name, None)
        if values is None:
            continue
        biggest = float(np.max(np.abs(values), initial=0.0))
        limit = max(abs(spec.minimum), abs(spec.maximum))
        shares.append((biggest / limit, name, spec.file, biggest))
    top = sorted(shares, reverse=True)[:count]
    return "the inputs nearest their limits: " + ", ".join(
        f"{name} ({file}) up to {value:.3g}" for _, name, file, value in top)


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


def diagnose_infeasibility(scenario: Scenario, lp: LinearProgram, bounds=None, backend_name: str = "highs") -> str:
    """Name the constraint family whose relaxation restores feasibility, with the numbers that explain it."""
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
