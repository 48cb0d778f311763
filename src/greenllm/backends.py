"""Solver backends: HiGHS (always there) and Gurobi (when a licence can solve the model).

A backend holds one LP and supports what the lexicographic driver needs: change the objective, add a bound row,
re-solve (warm-started by the solver), read the solution.

HiGHS on an LP: a status that is neither optimal nor infeasible (numerical trouble after a warm start) is followed by
one solve from scratch. HiGHS on a MILP (integer provisioning): Ctrl-C stops branch and cut within a second or so
(:class:`~greenllm.errors.Interrupted`), and a time limit (:data:`DEFAULT_MILP_TIME_LIMIT_S` unless given) returns
the best solution found with its relative gap to the bound (``HighsBackend.mip_gap``, status ``time_limit``).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sys
import time

import numpy as np

from greenllm.errors import Interrupted, SolverError
from greenllm.lp import LinearProgram

log = logging.getLogger("greenllm")

OPTIMAL, INFEASIBLE, TIME_LIMIT = "optimal", "infeasible", "time_limit"

DEFAULT_MILP_TIME_LIMIT_S = 600.0
"""Wall-clock limit of one integer-provisioning (MILP) stage [s] unless ``--time-limit`` says otherwise: then the best
solution found is returned with its gap. Branch and cut on symmetric instances (many identical sites) can otherwise
run for hours."""
_FEASIBLE = 2  # HiGHS kSolutionStatusFeasible: a MILP stopped early holds an incumbent
GUROBI_SIZE_LIMIT_ERROR = 10010  # "Model too large for size-limited license"


@contextlib.contextmanager
def _quiet_c_stdout():
    """HiGHS prints its banner from C++ on the first Highs(); drop it so stdout stays clean for --json."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:  # no usable stdout
        yield
        return
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


class HighsBackend:
    name = "highs"

    def __init__(self, lp: LinearProgram, *, threads: int | None = None, relax_integrality: bool = False,
                 time_limit_s: float | None = None, presolve: bool = True):
        """``lp.integrality`` makes it a MILP (HiGHS branch and cut) unless ``relax_integrality``; a MILP stops after
        ``time_limit_s`` (None: :data:`DEFAULT_MILP_TIME_LIMIT_S`) with its best solution. ``presolve=False``: the
        simplex starts on the model as given (for a small LP solved many times, where presolving costs as much as
        the simplex itself)."""
        import highspy

        self._highspy = highspy
        with _quiet_c_stdout():
            h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        if threads:
            h.setOptionValue("threads", int(threads))
        if not presolve:
            h.setOptionValue("presolve", "off")
        milp = lp.integrality is not None and bool(np.any(lp.integrality)) and not relax_integrality
        integrality = np.zeros(lp.n_cols, dtype=np.int32)  # kContinuous
        if milp:
            integrality[np.asarray(lp.integrality, dtype=bool)] = int(highspy.HighsVarType.kInteger)
        # the arrays are passed as they are (setting HighsLp fields one by one converts every element: 3 ms per LP)
        status = h.passModel(lp.n_cols, lp.n_rows, len(lp.row_value), int(highspy.MatrixFormat.kRowwise),
                             int(highspy.ObjSense.kMinimize), 0.0, np.zeros(lp.n_cols), lp.col_lower, lp.col_upper,
                             lp.row_lower, lp.row_upper, lp.row_start.astype(np.int32),
                             lp.row_index.astype(np.int32, copy=False), lp.row_value, integrality)
        if status == highspy.HighsStatus.kError:
            raise SolverError("HiGHS rejected the model (passModel returned an error)")
        self._h = h
        self._n = lp.n_cols
        self._milp = milp
        self._cost = np.zeros(lp.n_cols)
        self.mip_gap: float | None = None  # relative gap of the last MILP solve stopped at the time limit
        self.time_limit_s: float | None = None
        if self._milp:
            self.time_limit_s = DEFAULT_MILP_TIME_LIMIT_S if time_limit_s is None else float(time_limit_s)
            h.setOptionValue("time_limit", self.time_limit_s)
            h.HandleUserInterrupt = True  # cancelSolve() (on Ctrl-C) stops branch and cut at its next callback
        self.first_basis = None  # (column status, row status) after the first solve: a warm start for a twin LP
        self.keep_first_basis = False  # read it only when asked (a WarmStart): 0.7 ms per solve of a 24-hour LP

    @property
    def feasibility_tolerance(self) -> float:
        """HiGHS's primal feasibility tolerance (absolute, on every row) [-]."""
        value = self._h.getOptionValue("primal_feasibility_tolerance")
        return float(value[1] if isinstance(value, tuple) else value)

    def set_basis(self, basis) -> bool:
        """Start the next solve from ``basis`` (a ``first_basis`` of an LP with the same rows and columns); False
        when HiGHS refuses it (it then starts cold)."""
        col_status, row_status = basis
        start = self._highspy.HighsBasis()
        start.col_status = list(col_status)
        start.row_status = list(row_status)
        start.valid = True
        return self._h.setBasis(start) != self._highspy.HighsStatus.kError

    def restrict_to_optimal_face(self, values: np.ndarray) -> bool:
        """After an optimal LP solve: fix every column with a non-zero reduced cost at its value and every row with a
        non-zero dual at its activity. By LP duality, every feasible point left has the same objective (the face of
        optimal solutions), so a next objective picks among the optima without a dense bound row. False for a MILP
        (no duals): the caller then bounds the objective with a row."""
        if self._milp:
            return False
        solution = self._h.getSolution()
        if not solution.dual_valid:
            return False
        tol = 1e-9 * max(1.0, float(np.abs(self._cost).max(initial=0.0)))
        cols = np.flatnonzero(np.abs(np.asarray(solution.col_dual)) > tol).astype(np.int32)
        if cols.size:
            self._h.changeColsBounds(len(cols), cols, values[cols], values[cols])
        activity = np.asarray(solution.row_value)
        rows = np.flatnonzero(np.abs(np.asarray(solution.row_dual)) > tol).astype(np.int32)
        if rows.size:
            self._h.changeRowsBounds(len(rows), rows, activity[rows], activity[rows])
        return True

    def set_objective(self, cost: np.ndarray) -> None:
        self._cost = np.asarray(cost, dtype=float)
        self._h.changeColsCost(self._n, np.arange(self._n, dtype=np.int32), self._cost)

    def add_row(self, coefficients: np.ndarray, upper: float) -> None:
        nz = np.flatnonzero(coefficients).astype(np.int32)
        self._h.addRow(-np.inf, float(upper), len(nz), nz, coefficients[nz].astype(float))

    def change_row_bounds(self, row: int, lower: float, upper: float) -> None:
        self._h.changeRowBounds(int(row), float(lower), float(upper))

    def change_col_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        cols = np.asarray(cols, dtype=np.int32)
        self._h.changeColsBounds(len(cols), cols, np.asarray(lower, float), np.asarray(upper, float))

    def _run_milp(self) -> None:
        """Branch and cut in HiGHS's solver thread, so that Ctrl-C here can cancel it (HiGHS checks at its
        callbacks, within about a second), then :class:`Interrupted`."""
        h = self._h
        started = time.monotonic()
        log.info("integer provisioning: HiGHS branch and cut (Ctrl-C stops it; after %g s it returns its best"
                 " solution)", self.time_limit_s)
        h.startSolve()
        try:
            while not h.wait(0.1)[0]:
                pass
        except KeyboardInterrupt:
            h.cancelSolve()
            while not h.wait(0.1)[0]:  # a second Ctrl-C ends the process at once
                pass
            raise Interrupted(f"interrupted (Ctrl-C): stopped the integer-provisioning solve (HiGHS branch and cut)"
                              f" after {time.monotonic() - started:.0f} s; nothing was written") from None

    def solve(self) -> tuple[str, np.ndarray | None, float]:
        """(status, column values, objective): OPTIMAL, INFEASIBLE, TIME_LIMIT (a MILP's best solution; see
        ``mip_gap``) or HiGHS's name of another status (values None)."""
        h, ms = self._h, self._highspy.HighsModelStatus
        self.mip_gap = None
        if self._milp:
            self._run_milp()
        else:
            h.run()
        status = h.getModelStatus()
        if status not in (ms.kOptimal, ms.kInfeasible, ms.kUnboundedOrInfeasible) and not self._milp:
            log.info("HiGHS ended with status %r after a warm start; solving again from scratch",
                     h.modelStatusToString(status))
            h.clearSolver()
            h.run()
            status = h.getModelStatus()
        if self.keep_first_basis and self.first_basis is None and status == ms.kOptimal and not self._milp:
            basis = h.getBasis()
            self.first_basis = (list(basis.col_status), list(basis.row_status))
        if status == ms.kOptimal:
            return OPTIMAL, np.asarray(h.getSolution().col_value), h.getInfo().objective_function_value
        if status in (ms.kInfeasible, ms.kUnboundedOrInfeasible):
            return INFEASIBLE, None, float("nan")
        info = h.getInfo()
        if status == ms.kTimeLimit and self._milp and info.primal_solution_status == _FEASIBLE:
            self.mip_gap = float(info.mip_gap)
            return TIME_LIMIT, np.asarray(h.getSolution().col_value), info.objective_function_value
        return h.modelStatusToString(status), None, float("nan")


class GurobiBackend:
    name = "gurobi"

    def __init__(self, lp: LinearProgram, *, threads: int | None = None):
        try:
            import gurobipy as gp
            import scipy.sparse as sp
        except ImportError as err:  # pragma: no cover - gurobipy is in the lock file
            raise SolverError(f"--solver gurobi: gurobipy is not installed ({err})") from None
        self._gp = gp
        try:
            env = gp.Env(empty=True)
            env.setParam("OutputFlag", 0)
            if threads:
                env.setParam("Threads", int(threads))
            env.start()
        except gp.GurobiError as err:
            raise SolverError(f"Gurobi has no usable licence: {err}") from None
        m = gp.Model(env=env)
        v = m.addMVar(lp.n_cols, lb=lp.col_lower, ub=lp.col_upper)
        a = sp.csr_matrix((lp.row_value, lp.row_index, lp.row_start), shape=(lp.n_rows, lp.n_cols))
        equal = lp.row_lower == lp.row_upper
        has_upper = ~equal & np.isfinite(lp.row_upper)  # a ranged row is added as one row per side
        has_lower = ~equal & np.isfinite(lp.row_lower)
        for mask, sense, rhs in ((equal, "=", lp.row_upper), (has_upper, "<", lp.row_upper),
                                 (has_lower, ">", lp.row_lower)):
            if mask.any():
                m.addMConstr(a[mask], v, sense, rhs[mask])
        self._m, self._v, self._env = m, v, env
        self._rows = m.getConstrs()
        self._cost = np.zeros(lp.n_cols)

    feasibility_tolerance = 1e-6  # Gurobi's FeasibilityTol default

    def set_objective(self, cost: np.ndarray) -> None:
        self._cost = np.asarray(cost, dtype=float)
        self._m.setObjective(self._cost @ self._v)

    def restrict_to_optimal_face(self, values: np.ndarray) -> bool:
        """As :meth:`HighsBackend.restrict_to_optimal_face`, from Gurobi's reduced costs (RC) and duals (Pi): fix
        every column with a non-zero reduced cost at its value, make every row with a non-zero dual an equality.
        False when Gurobi has no duals (the caller then bounds the objective with a row)."""
        gp, m = self._gp, self._m
        try:
            reduced = np.asarray(self._v.RC)
            rows = m.getConstrs()
            duals = np.asarray(m.getAttr("Pi", rows))
        except (gp.GurobiError, AttributeError):
            return False
        tol = 1e-9 * max(1.0, float(np.abs(self._cost).max(initial=0.0)))
        fixed = np.abs(reduced) > tol
        if fixed.any():
            lower, upper = np.asarray(self._v.LB, float), np.asarray(self._v.UB, float)
            lower[fixed] = upper[fixed] = values[fixed]
            self._v.LB, self._v.UB = lower, upper
        for row in np.flatnonzero(np.abs(duals) > tol):
            rows[row].Sense = gp.GRB.EQUAL
        m.update()
        return True

    def add_row(self, coefficients: np.ndarray, upper: float) -> None:
        nz = np.flatnonzero(coefficients)
        self._m.addConstr(coefficients[nz] @ self._v[nz] <= float(upper))

    def solve(self) -> tuple[str, np.ndarray | None, float]:
        gp = self._gp
        try:
            self._m.optimize()
        except gp.GurobiError as err:
            raise SolverError(f"Gurobi failed: {err}", ) from err
        status = self._m.Status
        if status == gp.GRB.OPTIMAL:
            return OPTIMAL, np.asarray(self._v.X), float(self._m.ObjVal)
        if status in (gp.GRB.INFEASIBLE, gp.GRB.INF_OR_UNBD):
            return INFEASIBLE, None, float("nan")
        return f"gurobi status {status}", None, float("nan")


GUROBI_LIMITED_SIZE = 2000  # variables and linear constraints allowed by the pip wheel's restricted licence


@functools.lru_cache(maxsize=1)
def gurobi_licence() -> tuple[str, str]:
    """('full' | 'limited' | 'none', reason), probed once per process by solving an empty model just over the limit."""
    try:
        import gurobipy as gp
    except ImportError as err:
        return "none", f"gurobipy is not installed ({err})"
    try:
        with gp.Env(empty=True) as env:
            env.setParam("OutputFlag", 0)
            env.start()
            with gp.Model(env=env) as probe:
                probe.addMVar(GUROBI_LIMITED_SIZE + 1)
                probe.optimize()
    except gp.GurobiError as err:
        if err.errno == GUROBI_SIZE_LIMIT_ERROR:
            return "limited", "size-limited licence (error 10010)"
        return "none", f"no usable licence ({err})"
    return "full", "licence without size limit"


def gurobi_can_solve(lp: LinearProgram) -> tuple[bool, str]:
    kind, reason = gurobi_licence()
    if kind == "full":
        return True, reason
    if kind == "limited" and max(lp.n_cols, lp.n_rows) <= GUROBI_LIMITED_SIZE:
        return True, reason
    if kind == "limited":
        return False, f"{reason}: {lp.n_cols} variables and {lp.n_rows} constraints exceed {GUROBI_LIMITED_SIZE}"
    return False, reason
