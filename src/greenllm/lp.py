"""The solver-independent linear program: sparse rows (CSR) with bounds, cost vectors per objective, and the
builder that assembles the rows family by family. Every formulation (``greenllm.formulations``) returns one; every
backend (``greenllm.backends``) solves one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

OBJECTIVES = ("energy", "carbon", "delay")  # the three cost components [$], in the paper's order
INF = np.inf


@dataclass
class LinearProgram:
    """min c'v  s.t.  row_lower <= A v <= row_upper,  col_lower <= v <= col_upper, with A in CSR form.

    ``families`` maps a constraint family (e.g. "water_budget") to its row range; ``costs`` holds one dense cost
    vector per objective component in $; ``water_l`` is the litres of water per unit of each variable.
    """

    n_cols: int
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_start: np.ndarray
    row_index: np.ndarray
    row_value: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    families: dict[str, tuple[int, int]]
    costs: dict[str, np.ndarray]
    water_l: np.ndarray
    shape_x: tuple[int, int, int, int]
    shape_grid: tuple[int, int]
    # Route pruning: flat indices (C order over shape_x) of the routes that have a column; None = every route.
    x_index: np.ndarray | None = None
    # Further variable blocks after grid power: name -> (first column, shape), e.g. provisioned accelerators [j, t].
    extra_cols: dict[str, tuple[int, tuple[int, ...]]] = field(default_factory=dict)
    # True for integer columns (a MILP); None for a pure LP.
    integrality: np.ndarray | None = None
    # A last stage after the scheme's own (label, cost vector): among solutions whose scheme objective is optimal,
    # pick the one minimising this (e.g. facility energy of the per-query formulation). None = no tie-break.
    tie_break: tuple[str, np.ndarray] | None = None

    @property
    def n_rows(self) -> int:
        return len(self.row_lower)

    @property
    def n_x(self) -> int:
        """Number of share columns (routes kept after pruning)."""
        return int(np.prod(self.shape_x)) if self.x_index is None else len(self.x_index)

    @property
    def grid_cols(self) -> np.ndarray:
        """Column ids of grid_kw[j, t]."""
        return self.n_x + np.arange(int(np.prod(self.shape_grid)))

    def split(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Solution vector -> (x[i, j, k, t], grid_kw[j, t]); pruned routes get x = 0."""
        n_grid = int(np.prod(self.shape_grid))
        grid = values[self.n_x : self.n_x + n_grid].reshape(self.shape_grid)
        if self.x_index is None:
            return values[: self.n_x].reshape(self.shape_x), grid
        x = np.zeros(int(np.prod(self.shape_x)))
        x[self.x_index] = values[: self.n_x]
        return x.reshape(self.shape_x), grid

    def block(self, values: np.ndarray, name: str) -> np.ndarray:
        """One further variable block of a solution vector (see ``extra_cols``), in its shape."""
        start, shape = self.extra_cols[name]
        return values[start : start + int(np.prod(shape))].reshape(shape)

    def row_family(self, row: int) -> str:
        return next(name for name, (start, stop) in self.families.items() if start <= row < stop)


class RowBuilder:
    """Collects (row, column, value) triplets family by family, then packs them row-wise (CSR)."""

    def __init__(self) -> None:
        self.rows, self.cols, self.vals, self.lower, self.upper = [], [], [], [], []
        self.families: dict[str, tuple[int, int]] = {}
        self.n_rows = 0

    def add(self, name: str, row_ids: np.ndarray, col_ids: np.ndarray, values: np.ndarray,
            lower: np.ndarray, upper: np.ndarray) -> None:
        count = len(lower)
        keep = values != 0
        self.rows.append(row_ids.ravel()[keep.ravel()] + self.n_rows)
        self.cols.append(col_ids.ravel()[keep.ravel()])
        self.vals.append(values.ravel()[keep.ravel()])
        self.lower.append(np.broadcast_to(lower, (count,)).astype(float))
        self.upper.append(np.broadcast_to(upper, (count,)).astype(float))
        self.families[name] = (self.n_rows, self.n_rows + count)
        self.n_rows += count

    def pack(self):
        rows = np.concatenate(self.rows)
        order = np.argsort(rows, kind="stable")
        start = np.zeros(self.n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=self.n_rows), out=start[1:])
        return (start, np.concatenate(self.cols)[order].astype(np.int32), np.concatenate(self.vals)[order],
                np.concatenate(self.lower), np.concatenate(self.upper))
