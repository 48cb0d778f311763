"""Scheme specs and the keys of experiment points: the one place where a scheme spec becomes solve arguments.

Schemes are defined once, under ``schemes:`` in ``config/config.yaml`` ({name: {scheme, weights | order, label}});
:func:`configured_schemes` reads them, and :data:`PAPER_SCHEMES` is that mapping for in-process use. The key helpers
(:func:`weights_key`, :func:`order_key`, :func:`fmt`, :func:`calendar_months`) name result files; the Snakemake
rules import them from here.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path

from greenllm.errors import InputError

OBJECTIVES = ("energy", "carbon", "delay")
"""The three cost components, in the order of the weight vectors (E, C, D)."""

CONFIG_FILE = Path(__file__).resolve().parents[3] / "config" / "config.yaml"
"""The pipeline's settings (a checkout of the repository); ``GREENLLM_CONFIG`` names another file."""

PAPER_WEIGHTS: list[list[float]] = [
    [1 / 3, 1 / 3, 1 / 3], [0.6, 0.2, 0.2], [0.2, 0.6, 0.2], [0.2, 0.2, 0.6], [0.45, 0.45, 0.1], [0.45, 0.1, 0.45],
]
"""The weight vectors (E, C, D) of the paper's weighted-sum sensitivity table (arXiv 2507.09942 v1, and the authors'
notebook model/Experiment.ipynb in github.com/JJmingcc/Green_LLM at commit 35f7607534f1cd747faff742f33a0d0ac6e835bd)."""

ALL_ORDERS: list[tuple[str, ...]] = list(itertools.permutations(OBJECTIVES))
"""All six lexicographic priority orders."""

METRICS: dict[str, str] = {
    "total_usd": "Total cost [$/day]",
    "energy_usd": "Energy cost [$/day]",
    "carbon_usd": "Carbon cost [$/day]",
    "delay_usd": "Delay penalty [$/day]",
    "emissions_kg": "Emissions [kg CO2e/day]",
    "water_l": "Water use [L/day]",
}
"""Record columns that hold a result, with the axis label (and unit) a plot gives them."""


@cache
def configured_schemes(path: str | os.PathLike | None = None) -> dict[str, dict]:
    """{name: spec} of the ``schemes:`` section of ``config/config.yaml`` (or ``path``, or ``$GREENLLM_CONFIG``)."""
    import yaml

    path = Path(path or os.environ.get("GREENLLM_CONFIG") or CONFIG_FILE)
    try:
        schemes = yaml.safe_load(path.read_text())["schemes"]
    except (OSError, KeyError, TypeError, yaml.YAMLError) as err:
        raise InputError(f"{path}, schemes: cannot read the scheme definitions ({err}); pass specs={{name: spec}}"
                         " or set GREENLLM_CONFIG") from None
    return {str(name): dict(spec) for name, spec in schemes.items()}


class _Schemes(Mapping):
    """The configured schemes, read on first use (so importing the package reads no file)."""

    def __getitem__(self, name):
        return configured_schemes()[name]

    def __iter__(self):
        return iter(configured_schemes())

    def __len__(self):
        return len(configured_schemes())


PAPER_SCHEMES: Mapping[str, dict] = _Schemes()
"""The named schemes of config/config.yaml. M0-M3 are the paper's (arXiv 2507.09942 v1 and the authors' notebook
model/Experiment.ipynb, github.com/JJmingcc/Green_LLM@35f7607534f1cd747faff742f33a0d0ac6e835bd): M0 "Green-LLM"
with equal weights, M1 "Energy-LLM", M2 "Carbon-LLM", M3 the weights (1/4, 1/2, 1/4) of its base-case table; LEX is
the lexicographic method of paper v2 (energy cost first, then carbon, then delay)."""


def scheme_specs(names: Iterable[str], specs: Mapping[str, Mapping] | None = None) -> dict[str, dict]:
    """{name: spec} for the named schemes, looked up in ``specs`` first and then in the configured schemes."""
    out = {}
    for name in names:
        if specs and name in specs:
            spec = dict(specs[name])
        elif name in configured_schemes():
            spec = dict(configured_schemes()[name])
        else:
            known = [*(specs or {}), *configured_schemes()]
            raise InputError(f"scheme {name!r} is not defined; known schemes: {', '.join(dict.fromkeys(known))}")
        spec.setdefault("label", name)
        out[name] = spec
    return out


def solve_arguments(spec: Mapping, tolerance: float = 1e-3) -> tuple[str, dict]:
    """(scheme kind, keyword arguments of greenllm.solve.solve) of a scheme spec; a spec's own tolerance wins."""
    kind = spec["scheme"]
    kwargs: dict = {"tolerance": float(spec.get("tolerance", tolerance))}
    if kind == "weighted":
        kwargs["weights"] = tuple(float(w) for w in spec["weights"])
    if kind == "lexicographic":
        kwargs["order"] = tuple(spec.get("order", OBJECTIVES))
    return kind, kwargs


def weights_key(weights: Sequence[float]) -> str:
    """A short, file-name-safe key of a weight vector: (1/3, 1/3, 1/3) -> '0.333-0.333-0.333'."""
    return "-".join(f"{w:.3g}" for w in weights)


def order_key(order: Sequence[str]) -> str:
    """'energy-carbon-delay' for the order (energy, carbon, delay)."""
    return "-".join(order)


def fmt(value: float) -> str:
    """A number as it appears in file names and labels: 1.0 -> '1', 0.25 -> '0.25'."""
    return f"{float(value):g}"


def calendar_months(start_date: str, n_hours: int) -> list[int]:
    """The calendar months (1-12), in order, of the whole days of a multi-day folder starting on ``start_date``
    (ISO date) and ``n_hours`` long (the ``scalars.json`` fields)."""
    start = dt.date.fromisoformat(str(start_date)[:10])
    return list(dict.fromkeys((start + dt.timedelta(days=d)).month for d in range(int(n_hours) // 24)))
