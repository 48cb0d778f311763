"""One constraint check on a solution: ``lhs <= rhs`` element-wise, within a tolerance, with its worst offender.

The formulations state their constraints as lists of :class:`Check` (``Formulation.checks``);
:mod:`greenllm.verify` runs them on every solution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

REL_TOL = 1e-6
ABS_TOL = 1e-6


@dataclass(frozen=True)
class Check:
    """``worst_excess`` > 0: the constraint ``name`` is violated by that much beyond the tolerance, at ``where``."""

    name: str
    worst_excess: float
    where: str

    @property
    def ok(self) -> bool:
        return self.worst_excess <= 0


def check_le(name: str, lhs, rhs, axes: str) -> Check:
    """Check lhs <= rhs + (ABS_TOL + REL_TOL |rhs|) element-wise; ``axes`` names the index letters (e.g. "jt")."""
    lhs, rhs = np.broadcast_arrays(np.asarray(lhs, float), np.asarray(rhs, float))
    excess = lhs - rhs - (ABS_TOL + REL_TOL * np.abs(rhs))
    worst = np.unravel_index(int(np.argmax(excess)), excess.shape) if excess.size else ()
    where = ", ".join(f"{a} {w}" for a, w in zip(axes, worst, strict=False))
    value = float(excess[worst]) if excess.size else -1.0
    return Check(name, value, f"{where}: {float(lhs[worst]):.6g} vs limit {float(rhs[worst]):.6g}" if worst else "")
