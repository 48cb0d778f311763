"""One accelerator type for every catalogue: the per-query model's (config/hardware.yaml, ML.ENERGY v2) and the
serving model's (config/serving.yaml, ML.ENERGY v3).

An :class:`Accelerator` carries what both models need (thermal design power, idle power, accelerators per server)
and what only the serving model's prompt-processing physics needs (peak dense BF16 throughput, power while
processing prompts); a catalogue that does not model prompt processing leaves those two None.

Prompt processing (prefill) is compute-bound: a forward pass costs about 2 FLOP per parameter per token (Kaplan et
al., "Scaling Laws for Neural Language Models", arXiv 2001.08361, Table 1), so one accelerator processes

    prefill_tokens_per_s = peak_dense_bf16_flop_per_s x utilisation / (2 x parameters)     [tokens/s]

at a model FLOP utilisation that the catalogue states (an assumption, see config/serving.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from greenllm.errors import InputError

FLOP_PER_PARAMETER_PER_TOKEN = 2.0  # forward pass, Kaplan et al. 2020, Table 1
PARAMETERS_PER_BILLION = 1e9


@dataclass(frozen=True)
class Accelerator:
    """One accelerator type.

    tdp_w                        thermal design power [W]
    idle_w                       power with no work [W]
    accelerators_per_server      accelerators in one server (a replica may not span servers) [-]
    peak_dense_bf16_flop_per_s   dense BF16 tensor throughput [FLOP/s]; None where prompt processing is not modelled
    prefill_power_w              power while processing prompts (compute-bound) [W]; None where not modelled
    sources                      field -> source key of the catalogue it came from
    """

    name: str
    tdp_w: float
    idle_w: float
    accelerators_per_server: int
    peak_dense_bf16_flop_per_s: float | None = None
    prefill_power_w: float | None = None
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    def prefill_tokens_per_s(self, params_billion: float, utilisation: float) -> float:
        """Prompt tokens one accelerator processes per second [tokens/s]: peak x utilisation / (2 x parameters)."""
        if self.peak_dense_bf16_flop_per_s is None:
            raise InputError(f"accelerator {self.name}: no peak_dense_bf16_flop_per_s, so no prompt-processing rate")
        if not 0 < utilisation <= 1:
            raise InputError(f"prefill utilisation {utilisation!r} must be in (0, 1]")
        flop_per_token = FLOP_PER_PARAMETER_PER_TOKEN * params_billion * PARAMETERS_PER_BILLION
        return self.peak_dense_bf16_flop_per_s * utilisation / flop_per_token

    def prefill_j_per_token(self, params_billion: float, utilisation: float) -> float:
        """Accelerator energy per prompt token [J/token]: prefill power / prefill tokens per second."""
        if self.prefill_power_w is None:
            raise InputError(f"accelerator {self.name}: no prefill_power_w, so no prompt-processing energy")
        return self.prefill_power_w / self.prefill_tokens_per_s(params_billion, utilisation)


def accelerator(path: Path, name: str, values: dict, sources: dict[str, str] | None = None) -> Accelerator:
    """An :class:`Accelerator` from a catalogue's validated numbers, with the checks both catalogues share:
    idle and prefill power at most the TDP, a whole number of accelerators per server."""
    tdp, idle = values["tdp_w"], values["idle_w"]
    if idle > tdp:
        raise InputError(f"{path}, accelerators.{name}.idle_w: {idle} W exceeds tdp_w {tdp} W")
    prefill = values.get("prefill_power_w")
    if prefill is not None and prefill > tdp:
        raise InputError(f"{path}, accelerators.{name}.prefill_power_w: {prefill} W exceeds tdp_w {tdp} W")
    per_server = values["accelerators_per_server"]
    if per_server != int(per_server):
        raise InputError(f"{path}, accelerators.{name}.accelerators_per_server: {per_server!r} is not a whole number")
    return Accelerator(str(name), float(tdp), float(idle), int(per_server),
                       values.get("peak_dense_bf16_flop_per_s"), prefill, dict(sources or {}))
