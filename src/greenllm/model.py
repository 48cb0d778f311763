"""The Green-LLM linear program, built as solver-independent sparse rows from replaceable components.

Variables (units in brackets):

* ``x[i, j, k, t]`` in [0, 1]: share of the type-k queries of area i in hour t served at data centre j [-]
* ``grid_kw[j, t]`` in [0, P^max_jt]: grid power drawn by data centre j in hour t [kW]

The paper's formulation (arXiv 2507.09942, July 2025 code) is assembled from three components, each a small class that
a later formulation can replace:

* :class:`PaperEnergy`: energy per query e_k = tau_in_k h_k + tau_out_k f_k [kWh/query]; one-hour slots, so the
  energy of a slot in kWh equals its average power in kW.
* :class:`PaperDelay`: the aggregated per-(i, k, t) delay measure of the paper, quirks included (see docs/model.md).
* :class:`PaperResources`: resource use alpha_kr (h_k + f_k) lambda_ikt per served share.

Energy and carbon costs sit on the (j, t) grid-power variables only, never as dense rows over x: lexicographic bound
rows stay short.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from greenllm.inputs import Scenario

OBJECTIVES = ("energy", "carbon", "delay")
BANDWIDTH_FLOOR_MBPS = 0.001  # the paper's code divides by max(0.001, B_ij) in the transmission term
INF = np.inf


# --------------------------------------------------------------------------------------------------------------------
# Components
# --------------------------------------------------------------------------------------------------------------------


class PaperEnergy:
    """Computing energy of the paper: the same e_k at every data centre."""

    def compute_kwh_per_share(self, s: Scenario) -> np.ndarray:
        """e_k lambda_ikt [kWh] drawn at data centre j if it serves all (i, k, t) queries, shape [i, j, k, t]."""
        energy_kwh_ikt = s.energy_per_query_kwh[None, :, None] * s.queries
        return np.broadcast_to(energy_kwh_ikt[:, None, :, :], (s.n_areas, s.n_dcs, s.n_types, s.n_hours))


class PaperDelay:
    """The paper's aggregated delay measure per (i, k, t), in 'seconds' as the code counts them.

    D_ijkt = beta_ikt lambda_ikt (h_k + f_k) / max(0.001, B_ij)     transmission (KB over Mbps, no unit conversion)
           + d_ij                                                     propagation (RTT, not multiplied by lambda)
           + v_jk (h_k + f_k) lambda_ikt                              processing (all lambda queries in series)
    """

    def delay_s_per_share(self, s: Scenario) -> np.ndarray:
        """D_ijkt, shape [i, j, k, t]: the delay measure contributed if all (i, k, t) queries go to j."""
        tokens_k = s.tokens_per_query
        volume_ikt = s.token_size_kb * s.queries * tokens_k[None, :, None]  # beta * lambda * (h + f)
        transmission = volume_ikt[:, None, :, :] / np.maximum(BANDWIDTH_FLOOR_MBPS, s.bandwidth_mbps)[:, :, None, None]
        propagation = s.rtt_s[:, :, None, None]
        processing = (s.proc_delay_s_per_token * tokens_k[None, :])[None, :, :, None] * s.queries[:, None, :, :]
        return transmission + propagation + processing

    def delay_cap_s(self, s: Scenario) -> np.ndarray:
        """Delta_ik broadcast over hours, shape [i, k, t]."""
        return np.broadcast_to(s.delay_max_s[:, :, None], (s.n_areas, s.n_types, s.n_hours))


class PaperResources:
    """Resource use alpha_kr (h_k + f_k) lambda_ikt of a served share, against capacity C_rj per slot."""

    def use_per_share(self, s: Scenario) -> np.ndarray:
        """Shape [i, k, t, r] (independent of j in the paper)."""
        per_query_kr = s.use_per_token * s.tokens_per_query[:, None]
        return s.queries[:, :, :, None] * per_query_kr[None, :, None, :]


@dataclass
class Formulation:
    """A choice of components; ``paper`` reproduces the paper."""

    name: str = "paper"
    energy: PaperEnergy = field(default_factory=PaperEnergy)
    delay: PaperDelay = field(default_factory=PaperDelay)
    resources: PaperResources = field(default_factory=PaperResources)


FORMULATIONS = {"paper": Formulation}  # classes of the component-based formulations
FORMULATION_NAMES = ("paper", "per_query")


def resolve_formulation(spec=None, scenario: Scenario | None = None):
    """A formulation object from None, a name or an object.

    None: the scenario's ``scalars.json`` field ``formulation`` when present, else ``paper`` (so ``paper_v1`` stays on
    the paper's model). ``per_query`` builds :class:`greenllm.per_query.PerQueryFormulation` from the scenario folder's
    optional inputs (defaults from config/hardware.yaml where they are absent).
    """
    if spec is None:
        spec = (scenario.scalars or {}).get("formulation", "paper") if scenario is not None else "paper"
    if not isinstance(spec, str):
        return spec
    if spec == "paper":
        return Formulation()
    if spec == "per_query":
        from greenllm.per_query import PerQueryFormulation

        return PerQueryFormulation.for_scenario(scenario)
    from greenllm.errors import InputError

    raise InputError(f"--formulation: unknown formulation {spec!r}; choose one of {', '.join(FORMULATION_NAMES)}")


# --------------------------------------------------------------------------------------------------------------------
# The solver-independent LP
# --------------------------------------------------------------------------------------------------------------------


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

    def extras(self, values: np.ndarray) -> dict[str, np.ndarray]:
        """The further variable blocks of a solution vector, by name."""
        return {name: values[start : start + int(np.prod(shape))].reshape(shape)
                for name, (start, shape) in self.extra_cols.items()}

    def row_family(self, row: int) -> str:
        return next(name for name, (start, stop) in self.families.items() if start <= row < stop)


class _RowBuilder:
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


GRID_WITHIN_LOAD = "grid_within_load"  # scalars.json flag, see limit_grid_to_load


def limit_grid_to_load(lp: LinearProgram, s: Scenario) -> LinearProgram:
    """With ``"grid_within_load": true`` in scalars.json: 0 <= PUE_j P^c_jt - P^g_jt, so the grid never supplies more
    than the facility draws.

    The paper's (7) bounds grid power from below only; with real prices below zero its LP would buy power up to the
    grid cap and waste it. The real-data builders set the flag; paper_v1 does not (its numbers stay the paper's).
    It makes the power-balance rows two-sided: 0 <= PUE_j P^c_jt - P^g_jt <= P^w_jt.
    """
    if s.scalars.get(GRID_WITHIN_LOAD):
        start, stop = lp.families["power_balance"]
        lp.row_lower[start:stop] = 0.0
    return lp


def build(s: Scenario, formulation=None) -> LinearProgram:
    """Assemble the LP of the paper (equations numbered as in arXiv 2507.09942) without Python loops over indices.

    ``formulation`` may also be a name or any object with ``build_lp(scenario)`` (e.g. the per-query formulation).
    """
    if isinstance(formulation, str):
        formulation = resolve_formulation(formulation, s)
    if formulation is not None and not isinstance(formulation, Formulation) and hasattr(formulation, "build_lp"):
        return limit_grid_to_load(formulation.build_lp(s), s)
    f = formulation or Formulation()
    n_i, n_j, n_k, n_t, n_r = s.n_areas, s.n_dcs, s.n_types, s.n_hours, s.n_resources
    shape_x = (n_i, n_j, n_k, n_t)
    n_x = n_i * n_j * n_k * n_t
    x_col = np.arange(n_x).reshape(shape_x)
    grid_col = n_x + np.arange(n_j * n_t).reshape(n_j, n_t)
    i_, j_, k_, t_ = np.indices(shape_x, sparse=True)
    rows = _RowBuilder()

    compute_kwh = f.energy.compute_kwh_per_share(s)  # [i, j, k, t]

    # (7) Power balance: PUE_j * P^c_jt - P^g_jt <= P^w_jt   [kW]
    balance_row = np.broadcast_to(j_ * n_t + t_, shape_x)
    rows.add(
        "power_balance",
        np.concatenate([balance_row.ravel(), np.arange(n_j * n_t)]),
        np.concatenate([x_col.ravel(), grid_col.ravel()]),
        np.concatenate([(s.pue[:, None, None] * compute_kwh).ravel(), -np.ones(n_j * n_t)]),
        lower=np.full(n_j * n_t, -INF),
        upper=s.renewable_kw.ravel(),
    )

    # (11b) Resources: sum_ik alpha_kr (h_k + f_k) lambda_ikt x_ijkt <= C_rj   [units per slot], rows (j, r, t)
    use_ikt_r = f.resources.use_per_share(s)  # [i, k, t, r]
    use = np.broadcast_to(use_ikt_r[:, None, :, :, :], (*shape_x, n_r))
    resource_row = np.broadcast_to((j_[..., None] * n_r + np.arange(n_r)) * n_t + t_[..., None], (*shape_x, n_r))
    rows.add(
        "resources",
        resource_row,
        np.broadcast_to(x_col[..., None], (*shape_x, n_r)),
        use,
        lower=np.full(n_j * n_r * n_t, -INF),
        upper=np.repeat(s.capacity.ravel(), n_t),
    )

    # (10) Daily water budget: sum_jt (WUE_jt + EWIF_jt PUE_j) P^c_jt <= Z   [L]
    water_per_kwh = s.wue_l_per_kwh + s.ewif_l_per_kwh * s.pue[:, None]  # [j, t] litres per kWh of computing energy
    water_x = compute_kwh * water_per_kwh[None, :, None, :]
    rows.add("water_budget", np.zeros(n_x, dtype=np.int64), x_col, water_x,
             lower=np.array([-INF]), upper=np.array([s.water_budget_l]))

    # (12) Full service: sum_j x_ijkt = 1, rows (i, k, t)
    service_row = np.broadcast_to((i_ * n_k + k_) * n_t + t_, shape_x)
    rows.add("full_service", service_row, x_col, np.ones(shape_x),
             lower=np.ones(n_i * n_k * n_t), upper=np.ones(n_i * n_k * n_t))

    # (16) Delay cap: sum_j D_ijkt x_ijkt <= Delta_ik, rows (i, k, t)
    delay = f.delay.delay_s_per_share(s)
    rows.add("delay_cap", service_row, x_col, delay,
             lower=np.full(n_i * n_k * n_t, -INF), upper=f.delay.delay_cap_s(s).ravel())

    start, index, value, row_lower, row_upper = rows.pack()
    n_cols = n_x + n_j * n_t

    # Cost components [$]: energy and carbon on grid power only, delay on the shares.
    energy = np.zeros(n_cols)
    energy[n_x:] = s.price_usd_per_kwh.ravel()
    carbon = np.zeros(n_cols)
    carbon[n_x:] = (s.carbon_tax_usd_per_kg[:, None] * s.carbon_kg_per_kwh).ravel()
    delay_cost = np.zeros(n_cols)
    delay_cost[:n_x] = (s.delay_penalty_usd_per_s[None, None, :, None] * delay).ravel()
    water_l = np.zeros(n_cols)
    water_l[:n_x] = water_x.ravel()

    # (8) Grid cap as column bounds: 0 <= P^g_jt <= P^max_jt   [kW]
    col_lower = np.zeros(n_cols)
    col_upper = np.concatenate([np.ones(n_x), s.grid_cap_kw.ravel()])
    del i_, j_, k_, t_
    return limit_grid_to_load(LinearProgram(
        n_cols=n_cols, col_lower=col_lower, col_upper=col_upper,
        row_start=start, row_index=index, row_value=value, row_lower=row_lower, row_upper=row_upper,
        families=rows.families, costs={"energy": energy, "carbon": carbon, "delay": delay_cost},
        water_l=water_l, shape_x=shape_x, shape_grid=(n_j, n_t),
    ), s)
