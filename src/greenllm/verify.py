"""Re-check of every solution: each constraint of its formulation, and what the LP reports against accounting.

Nothing here reads the LP's rows: the formulation's checks (``Formulation.checks``) compare the account of the
solution (:mod:`greenllm.accounting`, recomputed from the scenario arrays) with the scenario's limits, and the
costs, emissions and water the solver reports must equal the account's. A violation beyond the tolerance raises
:class:`~greenllm.errors.VerificationError` naming the constraint and the worst offender.
"""

from __future__ import annotations

import numpy as np

from greenllm.accounting import Account
from greenllm.checks import ABS_TOL, REL_TOL, Check, check_le
from greenllm.errors import VerificationError
from greenllm.formulations import Formulation, PaperFormulation, PerQueryFormulation, Provisioning, Solution
from greenllm.inputs import Scenario
from greenllm.options import ModelOptions

__all__ = ["Check", "check_per_query", "check_solution", "verify_solution"]


def all_checks(s: Scenario, formulation: Formulation, solution: Solution, account: Account,
               options: ModelOptions, bounds: dict | None = None) -> list[Check]:
    """The formulation's checks plus those of the model options and extra component bounds; worst offender first."""
    checks = formulation.checks(s, solution, account)
    if options.grid_within_load:  # see greenllm.formulations.base.bound_grid_by_load
        checks.append(check_le("grid power <= facility load", solution.grid_kw, account.facility_kw_jt, "jt"))
    for name, limit in (bounds or {}).items():
        checks.append(check_le(f"bound on {name}", account.component(name), limit, ""))
    return sorted(checks, key=lambda c: -c.worst_excess)


def check_solution(s: Scenario, x: np.ndarray, grid_kw: np.ndarray, bounds: dict | None = None,
                   options: ModelOptions | None = None) -> list[Check]:
    """All constraint checks of the paper's LP (and any extra component bounds), worst offender first."""
    f = PaperFormulation()
    solution = Solution(x, grid_kw)
    return all_checks(s, f, solution, f.account(s, solution), options or ModelOptions(), bounds)


def check_per_query(s: Scenario, inputs, x: np.ndarray, grid_kw: np.ndarray, accelerators: np.ndarray,
                    bounds: dict | None = None, accelerators_per_server: np.ndarray | None = None,
                    options: ModelOptions | None = None) -> list[Check]:
    """All constraint checks of the per-query model, worst offender first; ``accelerators_per_server[j]`` given:
    provisioning is in whole servers (the MILP) and is checked for integrality."""
    f = PerQueryFormulation(inputs, integer=accelerators_per_server is not None)
    solution = Solution(x, grid_kw, Provisioning(accelerators, None, accelerators_per_server))
    return all_checks(s, f, solution, f.account(s, solution), options or ModelOptions(formulation=f.name), bounds)


def verify_solution(s: Scenario, result, bounds: dict | None = None) -> Account:
    """Fail loudly if ``result`` violates any constraint or misreports a cost; return the account of its solution."""
    f = result.formulation_object or PaperFormulation()
    solution = result.solution
    account = f.account(s, solution)
    failures = [c for c in all_checks(s, f, solution, account, result.model, bounds) if not c.ok]
    if failures:
        detail = "; ".join(f"{c.name} violated by {c.worst_excess:.3g} at {c.where}" for c in failures[:3])
        label = "" if f.name == "paper" else f", {f.name}"
        raise VerificationError(f"verification failed ({result.solver}, {result.scheme}{label}): {detail}")
    for name in ("energy", "carbon", "delay"):
        if not np.isclose(result.costs[name], account.component(name), rtol=REL_TOL, atol=ABS_TOL):
            raise VerificationError(f"verification failed: reported {name} cost {result.costs[name]!r} differs from"
                                    f" the recomputed {account.component(name)!r}")
    for name, value in (("water_l", result.water_l), ("emissions_kg", result.emissions_kg)):
        if not np.isclose(value, getattr(account, name), rtol=REL_TOL, atol=ABS_TOL):
            raise VerificationError(f"verification failed: reported {name} {value!r} differs from"
                                    f" {getattr(account, name)!r}")
    return account
