"""The hardware catalogue (config/hardware.yaml): accelerators and their per-model throughput and energy per token.

Every number in the file is ``{value, source[, note]}``; ``source`` is a key of the file's ``sources`` section or the
word ``unsourced`` (a placeholder). :func:`load_catalogue` validates the file and raises one
:class:`~greenllm.errors.InputError` naming the file and the field on any problem.

Units: power in W, throughput in tokens/s per model replica, energy in J per token per replica.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from greenllm.accelerators import Accelerator, accelerator
from greenllm.errors import InputError

__all__ = ["Accelerator", "Catalogue", "Profile", "load_catalogue"]

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CATALOGUE_PATH = REPO_ROOT / "config" / "hardware.yaml"
UNSOURCED = "unsourced"

ACCELERATOR_FIELDS = ("tdp_w", "idle_w", "accelerators_per_server")
PROFILE_FIELDS = (
    "accelerators_per_replica",
    "prefill_tokens_per_s",  # null: prefill folded into the decode measurement (no separate prefill term)
    "decode_tokens_per_s",
    "stream_tokens_per_s",
    "energy_j_per_prefill_token",
    "energy_j_per_decode_token",
)
NULLABLE = ("prefill_tokens_per_s",)
MODEL_FIELDS = ("ttft_slo_s", "tpot_slo_s")


@dataclass(frozen=True)
class Profile:
    """Measured serving of one model size class on one accelerator type, per replica of ``accelerators_per_replica``.

    prefill_tokens_per_s   input tokens processed per second [tokens/s]; ``inf`` when folded into decode
    decode_tokens_per_s    output tokens per second summed over all streams (capacity) [tokens/s]
    stream_tokens_per_s    output tokens per second one user sees (latency) [tokens/s]
    energy_j_per_*_token   accelerator energy per token at that operating point [J/token]
    """

    accelerator: str
    model: str
    checkpoint: str
    accelerators_per_replica: int
    prefill_tokens_per_s: float
    decode_tokens_per_s: float
    stream_tokens_per_s: float
    energy_j_per_prefill_token: float
    energy_j_per_decode_token: float
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def unsourced(self) -> list[str]:
        return [name for name, source in self.sources.items() if source == UNSOURCED]


@dataclass(frozen=True)
class Catalogue:
    accelerators: dict[str, Accelerator]
    profiles: dict[tuple[str, str], Profile]
    models: tuple[str, ...]
    defaults: dict
    sources: dict[str, str]
    path: Path | None = None
    # model -> (time-to-first-token limit [s], time-per-output-token limit [s]) of its latency SLO
    model_slo_s: dict[str, tuple[float, float]] = field(default_factory=dict)

    def slo_s(self, model: str, tokens_out: float) -> float:
        """End-to-end latency limit [s] of one query of ``tokens_out`` output tokens under the model's SLO: the
        longest a query meeting both limits can take, TTFT + (tokens_out - 1) x TPOT."""
        ttft_s, tpot_s = self.model_slo_s[model]
        return ttft_s + max(float(tokens_out) - 1.0, 0.0) * tpot_s

    def profile(self, accelerator: str, model: str) -> Profile | None:
        """The profile of ``model`` on ``accelerator``, or None when the catalogue has no measurement for it."""
        return self.profiles.get((accelerator, model))

    def unsourced_in_use(self, accelerators, models) -> list[str]:
        """'A100.idle_w', 'H100-SXM-80GB/llama-70b.stream_tokens_per_s', ... for the hardware a run uses."""
        out = []
        for name in sorted(set(accelerators)):
            acc = self.accelerators[name]
            out += [f"{name}.{f}" for f, src in acc.sources.items() if src == UNSOURCED]
            for model in sorted(set(models)):
                p = self.profile(name, model)
                if p is not None:
                    out += [f"{name}/{model}.{f}" for f in p.unsourced]
        return out


def _number(path: Path, where: str, entry, sources: dict, *, nullable: bool = False,
            positive: bool = False, integer: bool = False) -> tuple[float, str]:
    if not isinstance(entry, dict) or "value" not in entry or "source" not in entry:
        raise InputError(f"{path}, {where}: expected {{value: NUMBER, source: KEY}} (every number carries its source)")
    value, source = entry["value"], entry["source"]
    if source != UNSOURCED and source not in sources:
        raise InputError(f"{path}, {where}: source {source!r} is not listed under 'sources' (or write 'unsourced')")
    if value is None and nullable:
        return math.inf, source
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"{path}, {where}: value {value!r} is not a finite number")
    if value < 0 or (positive and value <= 0):
        raise InputError(f"{path}, {where}: value {value!r} must be {'> 0' if positive else '>= 0'}")
    if integer and value != int(value):
        raise InputError(f"{path}, {where}: value {value!r} must be a whole number")
    return float(value), source


@functools.lru_cache(maxsize=8)
def _load_cached(path: Path, mtime: float) -> Catalogue:
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as err:
        raise InputError(f"{path}: cannot read the hardware catalogue ({err})") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path}: expected a mapping with sources, accelerators, models, profiles, defaults")
    for key in ("sources", "accelerators", "models", "profiles", "defaults"):
        if key not in raw:
            raise InputError(f"{path}: missing section {key!r}")
    sources = dict(raw["sources"] or {})
    accelerators = {}
    for name, spec in (raw["accelerators"] or {}).items():
        if not isinstance(spec, dict):
            raise InputError(f"{path}, accelerators.{name}: expected a mapping")
        values, srcs = {}, {}
        for f in ACCELERATOR_FIELDS:
            if f not in spec:
                raise InputError(f"{path}, accelerators.{name}.{f}: missing")
            values[f], srcs[f] = _number(path, f"accelerators.{name}.{f}", spec[f], sources,
                                         positive=f != "idle_w", integer=f == "accelerators_per_server")
        accelerators[str(name)] = accelerator(path, str(name), values, srcs)
    model_slo_s = {}
    for name, spec in (raw["models"] or {}).items():
        where = f"models.{name}"
        if not isinstance(spec, dict):
            raise InputError(f"{path}, {where}: expected a mapping")
        for f in MODEL_FIELDS:
            if f not in spec:
                raise InputError(f"{path}, {where}.{f}: missing (the model's latency SLO)")
        model_slo_s[str(name)] = tuple(_number(path, f"{where}.{f}", spec[f], sources, positive=True)[0]
                                       for f in MODEL_FIELDS)
    models = tuple(model_slo_s)
    profiles = {}
    for n, spec in enumerate(raw["profiles"] or []):
        where = f"profiles[{n}]"
        if not isinstance(spec, dict):
            raise InputError(f"{path}, {where}: expected a mapping")
        acc, model = spec.get("accelerator"), spec.get("model")
        if acc not in accelerators:
            raise InputError(f"{path}, {where}.accelerator: {acc!r} is not under 'accelerators'")
        if model not in models:
            raise InputError(f"{path}, {where}.model: {model!r} is not under 'models'")
        if (acc, model) in profiles:
            raise InputError(f"{path}, {where}: a second profile for ({acc}, {model})")
        values, srcs = {}, {}
        for f in PROFILE_FIELDS:
            if f not in spec:
                raise InputError(f"{path}, {where}.{f}: missing")
            values[f], srcs[f] = _number(
                path, f"{where}.{f}", spec[f], sources, nullable=f in NULLABLE,
                positive=f.endswith("_per_s") or f == "accelerators_per_replica",
                integer=f == "accelerators_per_replica")
        per_server = accelerators[acc].accelerators_per_server
        if values["accelerators_per_replica"] > per_server:
            raise InputError(f"{path}, {where}.accelerators_per_replica: {values['accelerators_per_replica']:g} exceeds"
                             f" the {per_server} accelerators of one {acc} server")
        profiles[(acc, model)] = Profile(acc, model, str(spec.get("checkpoint", "")),
                                         int(values.pop("accelerators_per_replica")), **values, sources=srcs)
    defaults = dict(raw["defaults"] or {})
    if defaults.get("accelerator") not in accelerators:
        raise InputError(f"{path}, defaults.accelerator: {defaults.get('accelerator')!r} is not under 'accelerators'")
    if defaults.get("model") not in models:
        raise InputError(f"{path}, defaults.model: {defaults.get('model')!r} is not under 'models'")
    count = defaults.get("accelerators_per_dc")
    if isinstance(count, bool) or not isinstance(count, int) or count <= 0:
        raise InputError(f"{path}, defaults.accelerators_per_dc: expected a whole number > 0, got {count!r}")
    cap = defaults.get("utilisation_cap")
    if isinstance(cap, bool) or not isinstance(cap, (int, float)) or not 0 < cap <= 1:
        raise InputError(f"{path}, defaults.utilisation_cap: expected a number in (0, 1], got {cap!r}")
    return Catalogue(accelerators, profiles, models, defaults, sources, path, model_slo_s)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read and validate the catalogue (default: config/hardware.yaml of this checkout)."""
    path = Path(path) if path is not None else DEFAULT_CATALOGUE_PATH
    if not path.is_file():
        raise InputError(f"{path}: hardware catalogue missing")
    return _load_cached(path.resolve(), path.stat().st_mtime)
