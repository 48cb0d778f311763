"""Build the LP of a scenario: the formulation chosen by the model options, with the options that change rows.

The formulations themselves live in :mod:`greenllm.formulations`; the LP data structure in :mod:`greenllm.lp`.
"""

from __future__ import annotations

from greenllm.formulations import Formulation, resolve
from greenllm.formulations import build as build_formulation
from greenllm.inputs import Scenario
from greenllm.lp import INF, OBJECTIVES, LinearProgram
from greenllm.options import ModelOptions, default_options_for

__all__ = ["INF", "OBJECTIVES", "LinearProgram", "build", "resolve_formulation"]


def resolve_formulation(spec=None, scenario: Scenario | None = None,
                        options: ModelOptions | None = None) -> Formulation:
    """A formulation object from None (the options' formulation), a name or an object.

    ``options`` None: :func:`greenllm.options.default_options_for` the scenario (the defaults without one).
    """
    if isinstance(spec, Formulation):
        return spec  # an object is kept as is: no options to look up (a year's hourly checks ask thousands of times)
    if options is None:
        options = default_options_for(scenario) if scenario is not None else ModelOptions()
    return resolve(spec, scenario, options)


def build(s: Scenario, formulation=None, options: ModelOptions | None = None) -> LinearProgram:
    """The LP of ``s`` under ``formulation`` (None, a name or a :class:`Formulation`) and ``options``."""
    options = default_options_for(s) if options is None else options
    return build_formulation(s, resolve(formulation, s, options), options)
