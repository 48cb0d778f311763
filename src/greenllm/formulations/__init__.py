"""Formulations of the routing LP as peers behind one interface (:class:`~greenllm.formulations.base.Formulation`).

* ``paper``: the paper's model (arXiv 2507.09942), :class:`~greenllm.formulations.paper.PaperFormulation`;
* ``per_query``: per-query latency, hardware energy and accelerator capacity (docs/per_query.md),
  :class:`~greenllm.formulations.per_query.PerQueryFormulation`;
* ``serving``: fleet scale, serving operating points, latency SLO as pruning (docs/serving.md),
  :class:`~greenllm.formulations.serving.ServingFormulation`.

:func:`get_formulation` makes one by name for a scenario and :class:`~greenllm.options.ModelOptions`; add a
formulation by implementing the interface and adding its class to ``FORMULATIONS`` (docs/model.md).
"""

from __future__ import annotations

from greenllm.errors import InputError
from greenllm.formulations.base import (
    Description,
    Formulation,
    Provisioning,
    Solution,
    bound_grid_by_load,
    check_scale,
)
from greenllm.formulations.paper import PaperFormulation
from greenllm.formulations.per_query import PerQueryFormulation
from greenllm.formulations.serving import ServingFormulation
from greenllm.inputs import Scenario
from greenllm.lp import LinearProgram
from greenllm.options import FORMULATION_NAMES, ModelOptions

FORMULATIONS: dict[str, type[Formulation]] = {
    cls.name: cls for cls in (PaperFormulation, PerQueryFormulation, ServingFormulation)}
assert tuple(FORMULATIONS) == FORMULATION_NAMES, "greenllm.options.FORMULATION_NAMES lists the registered names"

__all__ = ["FORMULATIONS", "Description", "Formulation", "PaperFormulation", "PerQueryFormulation", "Provisioning",
           "ServingFormulation", "Solution", "build", "get_formulation", "resolve"]


def get_formulation(name: str, scenario: Scenario | None = None, options: ModelOptions | None = None) -> Formulation:
    """The formulation registered as ``name``, set up for ``scenario`` under ``options``."""
    if name not in FORMULATIONS:
        raise InputError(f"--formulation: unknown formulation {name!r}; choose one of {', '.join(FORMULATIONS)}")
    return FORMULATIONS[name].for_scenario(scenario, options)


def resolve(spec, scenario: Scenario | None, options: ModelOptions) -> Formulation:
    """A formulation from a :class:`Formulation` object (kept as is), a name, or None (``options.formulation``)."""
    if isinstance(spec, Formulation):
        return spec
    return get_formulation(options.formulation if spec is None else spec, scenario, options)


def build(s: Scenario, formulation: Formulation, options: ModelOptions) -> LinearProgram:
    """The LP of ``formulation`` on ``s``, with the model options that change rows (grid_within_load); a ``--scale``
    field the formulation does not apply is refused (InputError) first."""
    check_scale(s, formulation)
    lp = formulation.build_lp(s)
    return bound_grid_by_load(lp) if options.grid_within_load else lp
