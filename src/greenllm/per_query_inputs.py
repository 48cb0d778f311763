"""What the per-query formulation needs beyond the paper's scenario format: hardware per data centre, the model and
latency SLO per query type (docs/per_query.md).

Read from a scenario folder's optional ``dc_hardware.csv`` and ``type_slo.csv`` (validated by
:func:`greenllm.inputs.read_optional_table`); where they are absent, the defaults of config/hardware.yaml apply and
``notes`` say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from greenllm.errors import InputError
from greenllm.hardware import Catalogue, load_catalogue
from greenllm.inputs import Scenario, read_optional_table
from greenllm.options import SLO_RULES, check_options, default_options_for


@dataclass
class PerQueryInputs:
    """accelerator_j / count_j: accelerator type and number installed at each data centre
    utilisation_cap_j: share of an accelerator-hour that may be busy [-]
    model_k: model size class serving each query type; slo_s_ik: per-query latency limit [s]
    """

    accelerator_j: list[str]
    count_j: np.ndarray
    utilisation_cap_j: np.ndarray
    model_k: list[str]
    slo_s_ik: np.ndarray
    catalogue: Catalogue
    notes: list[str] = field(default_factory=list)

    @property
    def idle_w_j(self) -> np.ndarray:
        """Idle draw of one accelerator installed at each data centre [W]."""
        return np.array([self.catalogue.accelerators[a].idle_w for a in self.accelerator_j])


def load_inputs(s: Scenario, catalogue: Catalogue | None = None, slo: str | None = None) -> PerQueryInputs:
    """The per-query inputs of scenario ``s``: its optional files when present, else the catalogue's defaults.

    ``slo``: the SLO rule without type_slo.csv, one of ``SLO_RULES`` (None: what :func:`default_options_for` says).
    """
    catalogue = catalogue or load_catalogue()
    slo = default_options_for(s).per_query_slo if slo is None else check_options({"per_query_slo": slo},
                                                                                  "--slo")["per_query_slo"]
    assert slo in SLO_RULES
    d = catalogue.defaults
    notes = []
    folder = Path(s.path) if s.path is not None else None
    hardware = read_optional_table(folder, "dc_hardware", s.n_dcs, catalogue) if folder else None
    if hardware is None:
        accelerator_j = [d["accelerator"]] * s.n_dcs
        count_j = np.full(s.n_dcs, float(d["accelerators_per_dc"]))
        cap_j = np.full(s.n_dcs, float(d["utilisation_cap"]))
        notes.append(f"dc_hardware.csv absent: every data centre gets {d['accelerators_per_dc']} x {d['accelerator']}"
                     f" at utilisation cap {d['utilisation_cap']} (defaults of {catalogue.path})")
    else:
        accelerator_j = hardware["accelerator"].tolist()
        count_j = hardware["count"].to_numpy(float)
        cap_j = (hardware["utilisation_cap"].to_numpy(float) if "utilisation_cap" in hardware.columns
                 else np.full(s.n_dcs, float(d["utilisation_cap"])))
    table = read_optional_table(folder, "type_slo", s.n_types, catalogue) if folder else None
    if table is None:
        model_k = [d["model"]] * s.n_types
        if slo == "delay_max_s":
            slo_s_ik = s.delay_max_s.copy()
            why = "the scenario's delay_max_s (area_type.csv) read as seconds per query (model option per_query_slo)"
        else:
            slo_s_ik = np.broadcast_to(
                np.array([catalogue.slo_s(d["model"], f) for f in s.tokens_out])[None, :], (s.n_areas, s.n_types)
            ).copy()
            ttft_s, tpot_s = catalogue.model_slo_s[d["model"]]
            why = (f"{d['model']}'s SLO in {catalogue.path}: TTFT {ttft_s:g} s + (output tokens - 1) x TPOT"
                   f" {tpot_s:g} s")
        notes.append(f"type_slo.csv absent: every type is served by {d['model']} and its per-query SLO is {why}")
    else:
        model_k = table["model"].tolist()
        slo_s_ik = np.broadcast_to(table["slo_s"].to_numpy(float)[None, :], (s.n_areas, s.n_types)).copy()
    unsourced = catalogue.unsourced_in_use(accelerator_j, model_k)
    if unsourced:
        notes.append("unsourced catalogue numbers in use: " + ", ".join(unsourced))
    return PerQueryInputs(accelerator_j, count_j, cap_j, model_k, slo_s_ik, catalogue, notes)


def with_hardware(inputs: PerQueryInputs, accelerator_j, count_j=None) -> PerQueryInputs:
    """A copy of ``inputs`` with another hardware mix (one accelerator name per data centre, or one for all)."""
    n = len(inputs.accelerator_j)
    names = [accelerator_j] * n if isinstance(accelerator_j, str) else list(accelerator_j)
    unknown = [a for a in names if a not in inputs.catalogue.accelerators]
    if unknown or len(names) != n:
        raise InputError(f"hardware mix: expected {n} accelerator names from {list(inputs.catalogue.accelerators)},"
                         f" got {names}")
    counts = inputs.count_j if count_j is None else np.broadcast_to(np.asarray(count_j, float), (n,)).copy()
    return PerQueryInputs(names, counts, inputs.utilisation_cap_j, inputs.model_k, inputs.slo_s_ik,
                          inputs.catalogue, [f"hardware mix: {', '.join(names)}"])
