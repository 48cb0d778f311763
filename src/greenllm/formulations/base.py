"""The interface every formulation implements, and the typed records a solve of one produces."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from greenllm.accounting import Account
from greenllm.checks import Check
from greenllm.errors import InputError
from greenllm.inputs import SCALABLE_FIELDS, Scenario
from greenllm.lp import LinearProgram
from greenllm.options import ModelOptions


@dataclass(frozen=True)
class Provisioning:
    """Accelerators switched on per (data centre, hour) [-]; whole servers when solved as a MILP."""

    accelerators_jt: np.ndarray
    servers_jt: np.ndarray | None = None  # set for integer provisioning
    accelerators_per_server_j: np.ndarray | None = None  # set for integer provisioning


@dataclass(frozen=True)
class Solution:
    """A solution in the model's own terms: shares x[i, j, k, t] [-], grid power [j, t] [kW], provisioning."""

    x: np.ndarray
    grid_kw: np.ndarray
    provisioning: Provisioning | None = None


@dataclass(frozen=True)
class Description:
    """What a formulation says about a solution beyond costs (printed in ``Result.to_dict()``); empty for the paper."""

    notes: list[str] = field(default_factory=list)
    routes_kept: int | None = None
    routes_total: int | None = None
    accelerator_hours: float | None = None
    latency_mean_s: float | None = None
    latency_p95_s: float | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class Formulation(ABC):
    """A model of the routing problem: builds its LP, reads a solution, accounts for it, states its constraints.

    Register a new one in ``greenllm.formulations.FORMULATIONS`` (see docs/model.md).
    """

    name: ClassVar[str]
    scale_fields: ClassVar[tuple[str, ...]] = tuple(SCALABLE_FIELDS)
    """The ``--scale`` fields (``Scenario.scaled``) this formulation applies; :func:`check_scale` refuses the rest."""

    @classmethod
    @abstractmethod
    def for_scenario(cls, s: Scenario, options: ModelOptions) -> Formulation:
        """The formulation for scenario ``s`` (reading any inputs of its own from the folder)."""

    @abstractmethod
    def build_lp(self, s: Scenario) -> LinearProgram:
        """The LP; it must have the row family ``power_balance`` (facility power - grid power <= renewables)."""

    def solution(self, s: Scenario, lp: LinearProgram, values: np.ndarray) -> Solution:
        """A solver's column values as a :class:`Solution`."""
        x, grid_kw = lp.split(values)
        return Solution(x, grid_kw)

    @abstractmethod
    def account(self, s: Scenario, solution: Solution) -> Account:
        """Costs [$], emissions [kg], water [L], facility power [kW] of a solution (``greenllm.accounting``)."""

    @abstractmethod
    def checks(self, s: Scenario, solution: Solution, account: Account) -> list[Check]:
        """Every constraint of the formulation, checked on the solution and its account."""

    def describe(self, s: Scenario, lp: LinearProgram, solution: Solution) -> Description:
        """What a record says about the solution beyond costs."""
        return Description()

    @abstractmethod
    def realised(self, s: Scenario, x: np.ndarray) -> dict:
        """Cost shares ``x`` decided elsewhere on scenario ``s`` (grid buys what renewables miss), with excesses."""

    @property
    def notes(self) -> list[str]:
        return []


def bound_grid_by_load(lp: LinearProgram) -> LinearProgram:
    """Model option grid_within_load: 0 <= PUE_j P^c_jt - P^g_jt, so the grid never supplies more than the facility
    draws [kW]. The paper's (7) bounds grid power from below only; with prices below zero its LP would buy power up to
    the grid cap and waste it. The power-balance rows become two-sided: 0 <= PUE_j P^c_jt - P^g_jt <= P^w_jt."""
    start, stop = lp.families["power_balance"]
    lp.row_lower[start:stop] = 0.0
    return lp


def check_scale(s: Scenario, formulation: Formulation) -> None:
    """InputError naming the first ``--scale`` field of ``s`` (other than a factor of 1) that ``formulation`` does
    not apply: a factor it would ignore must not be reported as if it had been applied."""
    ignored = [name for name, factor in s.scale.items() if name not in formulation.scale_fields and factor != 1.0]
    if ignored:
        raise InputError(f"--scale {ignored[0]}={s.scale[ignored[0]]:g}: the {formulation.name} formulation does not"
                         f" apply {ignored[0]!r} (it applies {', '.join(formulation.scale_fields)}); leave it out or"
                         " choose another --formulation")
