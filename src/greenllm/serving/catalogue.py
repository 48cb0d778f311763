"""The serving catalogue (config/serving.yaml): measured operating points, workload classes, host power, references.

An **operating point** is one accelerator type serving one model at one vLLM batch limit (``max_num_seqs``), as
measured by the ML.ENERGY Leaderboard v3 (github.com/ml-energy/leaderboard, ``public/data/models/*.json``): output
throughput of a replica, per-user time per output token (median inter-token latency), GPU energy per output token.
Bigger batches cut energy per token several-fold and raise the time per token: the trade-off the serving model
optimises. :func:`leaderboard_operating_points` derives the catalogue rows from a leaderboard model file, and
:func:`azure_token_classes` / :func:`azure_peak_to_mean` the workload parameters from the Azure LLM inference traces
2023, so tests can recompute every committed number from the original files.

:func:`load_serving` validates the file and raises one :class:`~greenllm.errors.InputError` naming the file and the
field on any problem. Units are in the field names (``_w``, ``_s``, ``_j_per_token``, ``_tokens_per_s``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from greenllm.accelerators import Accelerator, accelerator
from greenllm.errors import InputError

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_SERVING_PATH = REPO_ROOT / "config" / "serving.yaml"
MS_PER_S = 1000.0
SECTIONS = ("sources", "leaderboard", "accelerators", "models", "operating_points", "host", "prefill", "workload",
            "references")
ACCELERATOR_FIELDS = ("tdp_w", "idle_w", "peak_dense_bf16_flop_per_s", "prefill_power_w", "accelerators_per_server")
SLO_TIERS = ("server", "interactive")
QUANTILE_KEYS = ("output_quantiles", "input_quantiles")  # workload bins: output tokens, then input tokens within
INTERFERENCE_MODELS = ("time_sharing",)
POINT_FIELDS = ("batch_limit", "accelerators_per_replica", "tokens_per_s_replica", "tpot_s", "tpot_p99_s",
                "j_per_token", "power_w", "avg_batch_size")


@dataclass(frozen=True)
class Model:
    """A served model: checkpoint, parameter count and its MLPerf latency limits per tier, (TTFT [s], TPOT [s])."""

    name: str
    checkpoint: str
    params_billion: float
    slo_s: dict[str, tuple[float, float]]


@dataclass(frozen=True)
class OperatingPoint:
    """One measured (accelerator, model, batch limit).

    tokens_per_s_replica   output tokens per second of one replica, all streams together [tokens/s]
    tpot_s                 median inter-token latency one request sees [s per output token]
    tpot_p99_s             99th percentile inter-token latency [s]
    j_per_token            GPU energy of the replica per output token, the benchmark's prompts included [J/token]
    power_w                mean GPU power of the replica while serving [W]
    avg_batch_size         mean number of requests decoding together on the replica [requests]
    """

    accelerator: str
    model: str
    batch_limit: int
    accelerators_per_replica: int
    tokens_per_s_replica: float
    tpot_s: float
    tpot_p99_s: float
    j_per_token: float
    power_w: float
    avg_batch_size: float

    @property
    def tpot_mean_s(self) -> float:
        """Mean time per output token one request sees, by Little's law [s per output token]: requests in the
        replica over the rate at which they receive tokens, avg_batch_size / tokens_per_s_replica. Above the median
        (``tpot_s``) because the inter-token latency is skewed (prefill stalls, long batches)."""
        return self.avg_batch_size / self.tokens_per_s_replica

    @property
    def tokens_per_s_accelerator(self) -> float:
        return self.tokens_per_s_replica / self.accelerators_per_replica

    @property
    def name(self) -> str:
        return f"{self.accelerator}/{self.model}/b{self.batch_limit}"


@dataclass(frozen=True)
class TokenClass:
    """A workload class: share of all queries [-], mean input and output tokens per query, the model serving it and
    its SLO tier."""

    name: str
    trace: str
    share: float
    tokens_in: float
    tokens_out: float
    model: str
    slo_tier: str


WATER_METRICS = ("water_ml_per_query", "water_onsite_ml_per_query")
ENERGY_METRICS = ("energy_wh_per_query", "gpu_energy_wh_per_query")  # facility (comprehensive) or accelerators only
REFERENCE_FIELDS = ("energy_wh_per_query", "water_ml_per_query", "co2_g_per_query", "j_per_output_token")
STATISTICS = ("median", "mean", "range")  # what a published figure is over its prompts (range: over settings)
ENERGY_BOUNDARIES = ("comprehensive", "active_accelerators", "gpu", "gpu_cpu_ram")
PHASES = ("per_request", "decode_only")  # prompt processing inside the figure, or output tokens' decoding only
CARBON_ACCOUNTING = ("market-based", "location-based")
ENERGY_SPLIT_TOLERANCE = 0.02  # published shares are rounded to whole percent


@dataclass(frozen=True)
class Reference:
    """A published per-prompt figure as (low, high) (equal for a single number); None where the source gives none.

    Its boundary is stated field by field, so a comparison can keep it the same on both sides: ``statistic`` (median,
    mean or a range over settings), ``energy_boundary`` (comprehensive: accelerators, host, idle machines and
    facility overhead; active_accelerators; gpu; gpu_cpu_ram), ``phase`` (per request, prompt processing included, or
    decode only), ``carbon_accounting`` (market- or location-based), ``published_model`` (what the source measured)
    and ``model`` (the catalogue model of the same size class it is compared with, None if there is none),
    ``energy_split`` (the source's shares of its energy), ``confirmed`` (False: read only in secondary summaries)."""

    name: str
    citation: str
    boundary: str
    energy_wh_per_query: tuple[float, float] | None = None
    water_ml_per_query: tuple[float, float] | None = None
    co2_g_per_query: tuple[float, float] | None = None
    j_per_output_token: tuple[float, float] | None = None
    water_metric: str = "water_ml_per_query"  # ours to compare with: on-site plus generation, or on-site only
    energy_metric: str = "energy_wh_per_query"  # ours to compare with: facility energy, or accelerators only
    statistic: str = "mean"
    energy_boundary: str | None = None
    phase: str = "per_request"
    carbon_accounting: str | None = None
    published_model: str = ""
    model: str | None = None
    energy_split: dict[str, float] | None = None
    confirmed: bool = True
    confirmation: str = ""

    def compared_metric(self, metric: str) -> str:
        """Which of our per-query metrics a published ``metric`` is compared with, on the reference's boundary."""
        return {"water_ml_per_query": self.water_metric, "energy_wh_per_query": self.energy_metric,
                "j_per_output_token": "gpu_j_per_output_token"}.get(metric, metric)


@dataclass(frozen=True)
class ServingCatalogue:
    accelerators: dict[str, Accelerator]
    models: dict[str, Model]
    operating_points: tuple[OperatingPoint, ...]
    host_j_per_accelerator_j: float  # host CPU, DRAM and network energy per joule of accelerator energy [-]
    prefill_utilisation: float  # model FLOP utilisation of prompt processing [-]; an assumption, stated in the file
    prefill_utilisation_sensitivity: tuple[float, ...]  # the utilisations a sensitivity run tries [-]
    classes: tuple[TokenClass, ...]
    peak_to_mean: float  # busiest 5-minute arrival rate over the hour's mean [-]
    references: tuple[Reference, ...]
    sources: dict[str, str]
    leaderboard: dict
    path: Path | None = None
    notes: dict = field(default_factory=dict)

    def points(self, accelerator: str, model: str, batch_limits: Sequence[int] | None = None) -> list[OperatingPoint]:
        return [p for p in self.operating_points if p.accelerator == accelerator and p.model == model
                and (batch_limits is None or p.batch_limit in batch_limits)]

    def _prefill_rate(self, point_or_accelerator, model, utilisation) -> tuple[Accelerator, float, int]:
        if isinstance(point_or_accelerator, OperatingPoint):
            point = point_or_accelerator
            name, model, n = point.accelerator, point.model, point.accelerators_per_replica
        else:
            name, n = str(point_or_accelerator), 1
        if name not in self.accelerators or model not in self.models:
            raise InputError(f"{self.path}: no accelerator {name!r} or model {model!r} in the serving catalogue")
        acc = self.accelerators[name]
        u = self.prefill_utilisation if utilisation is None else float(utilisation)
        return acc, n * acc.prefill_tokens_per_s(self.models[model].params_billion, u), n

    def prefill_tokens_per_s(self, point_or_accelerator: OperatingPoint | str, model: str | None = None,
                             utilisation: float | None = None) -> float:
        """Prompt tokens processed per second [tokens/s] by one replica of an operating point, or by one
        accelerator of the named type serving ``model``: accelerators x peak dense FLOP/s x utilisation /
        (2 x parameters). ``utilisation`` (model FLOP utilisation, default the catalogue's ``prefill.utilisation``)
        is an argument so that the sensitivity (``prefill_utilisation_sensitivity``) can be run."""
        return self._prefill_rate(point_or_accelerator, model, utilisation)[1]

    def prefill_j_per_token(self, point_or_accelerator: OperatingPoint | str, model: str | None = None,
                            utilisation: float | None = None) -> float:
        """GPU energy per prompt token [J/token], prompts processed on their own (disaggregated, Splitwise):
        accelerators x prefill_power_w / prefill tokens per second of those accelerators."""
        acc, rate, n = self._prefill_rate(point_or_accelerator, model, utilisation)
        return n * acc.prefill_power_w / rate

    def colocated_tpot_factor(self, point: OperatingPoint, tokens_in: float, tokens_out: float,
                              utilisation: float | None = None) -> float:
        """Slowdown of every stream's time per output token when prompts run on the decoding replica (co-located
        option) [-], by time sharing: each decode step of avg_batch_size streams also carries the prompt processing
        of the requests those tokens belong to, so a step takes TPOT + B (h / f) / prefill_tokens_per_s, and with
        B = TPOT x tokens_per_s (Little's law)

            factor = 1 + (h / f) x tokens_per_s_replica / prefill_tokens_per_s_replica

        (the replica's output throughput falls by the same factor). An assumption of this model (no chunked-prefill
        overlap), stated in config/serving.yaml ``prefill.colocated_interference``."""
        if tokens_out <= 0 or tokens_in < 0:
            raise InputError(f"co-located interference: tokens_in {tokens_in!r} must be >= 0 and tokens_out"
                             f" {tokens_out!r} > 0")
        prompt_per_output = float(tokens_in) / float(tokens_out)
        return 1.0 + prompt_per_output * point.tokens_per_s_replica / self.prefill_tokens_per_s(point,
                                                                                               utilisation=utilisation)


# --------------------------------------------------------------------------------------------------------------------
# Derivations from the original files (used by tests to recompute the committed catalogue)
# --------------------------------------------------------------------------------------------------------------------


def leaderboard_operating_points(model_file: Mapping, model: str,
                                 gpu_names: Mapping[str, str] | None = None) -> list[dict]:
    """Catalogue rows from one ML.ENERGY Leaderboard v3 model file (``public/data/models/<org>__<model>__<task>.json``,
    parsed): one per configuration, sorted by (gpu, batch limit). ``gpu_names`` maps the file's ``gpu_model`` to
    catalogue accelerator names (default: unchanged)."""
    rows = []
    for n, c in enumerate(model_file.get("configurations", [])):
        try:
            rows.append({
                "accelerator": (gpu_names or {}).get(c["gpu_model"], c["gpu_model"]),
                "model": model,
                "batch_limit": int(c["max_num_seqs"]),
                "accelerators_per_replica": int(c["num_gpus"]),
                "tokens_per_s_replica": float(c["output_throughput_tokens_per_sec"]),
                "tpot_s": float(c["median_itl_ms"]) / MS_PER_S,
                "tpot_p99_s": float(c["p99_itl_ms"]) / MS_PER_S,
                "j_per_token": float(c["energy_per_token_joules"]),
                "power_w": float(c["avg_power_watts"]),
                "avg_batch_size": float(c["avg_batch_size"]),
            })
        except (KeyError, TypeError, ValueError) as err:
            raise InputError(f"leaderboard model file {model_file.get('model_id')!r}, configurations[{n}]: {err}") \
                from None
    return sorted(rows, key=lambda r: (r["accelerator"], r["batch_limit"]))


def _bin_of(values: pd.Series, quantiles: Sequence[float]) -> np.ndarray:
    """Bin index of each value by its rank among ``values`` (ties broken by order in the file): bin b holds the
    ranks in (quantiles[b-1], quantiles[b]]."""
    rank = values.rank(method="first").to_numpy() / len(values)  # (0, 1]
    return np.searchsorted(np.asarray(quantiles, float), rank, side="left")


def azure_token_classes(traces: Mapping[str, pd.DataFrame], output_quantiles: Sequence[float],
                        input_quantiles: Sequence[float] = (1.0,)) -> list[dict]:
    """Token-length bins per trace, so that latency and its SLO act on a distribution: requests are split at the
    given quantiles of their output tokens (e.g. 0.5, 0.75, 0.9, 0.95, 1.0), and each output bin at the given
    quantiles of its requests' input tokens (e.g. 0.5, 1.0: shorter and longer prompts). Each bin gets its share of
    all requests of all traces (the within-hour mix) and its mean input and output tokens; it is named
    ``<trace>_o<output bin>_i<input bin>`` (1-based). ``traces``: name -> frame of
    :func:`greenllm.data.workload.read_azure_trace`."""
    total = sum(len(t) for t in traces.values())
    rows = []
    for name, trace in traces.items():
        out_bin = _bin_of(trace["tokens_out"], output_quantiles)
        for o in range(len(output_quantiles)):
            part = trace[out_bin == o]
            in_bin = _bin_of(part["tokens_in"], input_quantiles)
            for i in range(len(input_quantiles)):
                cell = part[in_bin == i]
                rows.append({"name": f"{name}_o{o + 1}_i{i + 1}", "trace": name, "share": len(cell) / total,
                             "tokens_in": float(cell["tokens_in"].mean()),
                             "tokens_out": float(cell["tokens_out"].mean())})
    return rows


def azure_peak_to_mean(traces: Mapping[str, pd.DataFrame], bin_s: float = 300.0) -> float:
    """Busiest arrival rate over the mean rate, in complete ``bin_s`` bins of all traces' requests together [-]."""
    stamps = pd.concat([t["timestamp"] for t in traces.values()])
    seconds = (stamps - stamps.min()).dt.total_seconds().to_numpy()
    n_full = int(seconds.max() // bin_s)
    counts = np.bincount((seconds // bin_s).astype(int), minlength=n_full + 1)[:n_full]
    return float(counts.max() / counts.mean())


# --------------------------------------------------------------------------------------------------------------------
# Loading and validation
# --------------------------------------------------------------------------------------------------------------------


def _num(path: Path, where: str, value, *, positive: bool = False, at_most: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"{path}, {where}: {value!r} is not a finite number")
    if value < 0 or (positive and value <= 0):
        raise InputError(f"{path}, {where}: {value!r} must be {'> 0' if positive else '>= 0'}")
    if at_most is not None and value > at_most:
        raise InputError(f"{path}, {where}: {value!r} must be <= {at_most}")
    return float(value)


def _sourced(path: Path, where: str, entry, sources: dict, **kw) -> float:
    if not isinstance(entry, dict) or "value" not in entry or "source" not in entry:
        raise InputError(f"{path}, {where}: expected {{value: NUMBER, source: KEY}} (every number carries its source)")
    if entry["source"] not in sources:
        raise InputError(f"{path}, {where}: source {entry['source']!r} is not listed under 'sources'")
    return _num(path, where, entry["value"], **kw)


def _mapping(path: Path, where: str, value) -> dict:
    if not isinstance(value, dict):
        raise InputError(f"{path}, {where}: expected a mapping")
    return value


def _member(path: Path, where: str, value, known, what: str) -> None:
    if value not in known:
        raise InputError(f"{path}, {where}: {value!r} is not one of {what} ({', '.join(known)})")


def _source_key(path: Path, where: str, spec: dict, sources: dict) -> None:
    if spec.get("source") not in sources:
        raise InputError(f"{path}, {where}.source: {spec.get('source')!r} is not listed under 'sources'")


def _accelerators(path, raw, sources) -> dict[str, Accelerator]:
    out = {}
    for name, spec in _mapping(path, "accelerators", raw).items():
        spec = _mapping(path, f"accelerators.{name}", spec)
        values = {}
        for f in ACCELERATOR_FIELDS:
            if f not in spec:
                raise InputError(f"{path}, accelerators.{name}.{f}: missing")
            values[f] = _sourced(path, f"accelerators.{name}.{f}", spec[f], sources, positive=True)
        out[str(name)] = accelerator(path, str(name), values, {f: spec[f]["source"] for f in ACCELERATOR_FIELDS})
    return out


def _models(path, raw, sources) -> dict[str, Model]:
    out = {}
    for name, spec in _mapping(path, "models", raw).items():
        where = f"models.{name}"
        spec = _mapping(path, where, spec)
        params = _sourced(path, f"{where}.params_billion", spec.get("params_billion"), sources, positive=True)
        slo = {}
        for tier in SLO_TIERS:
            tier_spec = _mapping(path, f"{where}.slo.{tier}", (spec.get("slo") or {}).get(tier))
            _source_key(path, f"{where}.slo.{tier}", tier_spec, sources)
            slo[tier] = (_num(path, f"{where}.slo.{tier}.ttft_s", tier_spec.get("ttft_s"), positive=True),
                         _num(path, f"{where}.slo.{tier}.tpot_s", tier_spec.get("tpot_s"), positive=True))
        out[str(name)] = Model(str(name), str(spec.get("checkpoint", "")), params, slo)
    return out


def _operating_points(path, raw, accelerators, models) -> tuple[OperatingPoint, ...]:
    if not isinstance(raw, list) or not raw:
        raise InputError(f"{path}, operating_points: expected a non-empty list")
    points, seen = [], set()
    for n, spec in enumerate(raw):
        where = f"operating_points[{n}]"
        spec = _mapping(path, where, spec)
        _member(path, f"{where}.accelerator", spec.get("accelerator"), accelerators, "accelerators")
        _member(path, f"{where}.model", spec.get("model"), models, "models")
        values = {f: _num(path, f"{where}.{f}", spec.get(f), positive=True) for f in POINT_FIELDS}
        key = (spec["accelerator"], spec["model"], int(values["batch_limit"]))
        if key in seen:
            raise InputError(f"{path}, {where}: a second operating point for {key}")
        seen.add(key)
        if values["accelerators_per_replica"] > accelerators[spec["accelerator"]].accelerators_per_server:
            raise InputError(f"{path}, {where}.accelerators_per_replica: more than one server holds")
        if values["avg_batch_size"] > values["batch_limit"]:
            raise InputError(f"{path}, {where}.avg_batch_size: {values['avg_batch_size']} exceeds the batch limit")
        if values["tpot_p99_s"] < values["tpot_s"]:
            raise InputError(f"{path}, {where}.tpot_p99_s: {values['tpot_p99_s']} s is below the median tpot_s")
        values["batch_limit"] = int(values["batch_limit"])
        values["accelerators_per_replica"] = int(values["accelerators_per_replica"])
        points.append(OperatingPoint(spec["accelerator"], spec["model"], **values))
    return tuple(points)


def _workload(path, raw, models, sources) -> tuple[tuple[TokenClass, ...], float]:
    raw = _mapping(path, "workload", raw)
    _source_key(path, "workload", raw, sources)
    for key in QUANTILE_KEYS:
        quantiles = raw.get(key)
        if (not isinstance(quantiles, list) or not quantiles or quantiles[-1] != 1
                or any(not 0 < _num(path, f"workload.{key}", q) <= 1 for q in quantiles)
                or sorted(set(quantiles)) != quantiles):
            raise InputError(f"{path}, workload.{key}: expected increasing numbers in (0, 1] ending with 1")
    peak = _num(path, "workload.peak_to_mean", raw.get("peak_to_mean"), positive=True)
    if peak < 1:
        raise InputError(f"{path}, workload.peak_to_mean: {peak} must be >= 1 (a peak rate over the mean)")
    classes = []
    for n, spec in enumerate(raw.get("classes") or []):
        where = f"workload.classes[{n}]"
        spec = _mapping(path, where, spec)
        _member(path, f"{where}.model", spec.get("model"), models, "models")
        _member(path, f"{where}.slo_tier", spec.get("slo_tier"), SLO_TIERS, "the SLO tiers")
        classes.append(TokenClass(str(spec.get("name")), str(spec.get("trace")),
                                  _num(path, f"{where}.share", spec.get("share"), positive=True, at_most=1.0),
                                  _num(path, f"{where}.tokens_in", spec.get("tokens_in")),
                                  _num(path, f"{where}.tokens_out", spec.get("tokens_out"), positive=True),
                                  spec["model"], spec["slo_tier"]))
    if not classes:
        raise InputError(f"{path}, workload.classes: expected a non-empty list")
    total = sum(c.share for c in classes)
    if abs(total - 1.0) > 1e-6:
        raise InputError(f"{path}, workload.classes: shares sum to {total:.6f}, not 1")
    return tuple(classes), peak


def _references(path, raw, sources, models) -> tuple[Reference, ...]:
    out = []
    for n, spec in enumerate(raw or []):
        where = f"references[{n}]"
        spec = _mapping(path, where, spec)
        _source_key(path, where, spec, sources)
        vals = {}
        for f in REFERENCE_FIELDS:
            value = spec.get(f)
            if value is None:
                continue
            low_high = value if isinstance(value, list) else [value, value]
            if len(low_high) != 2:
                raise InputError(f"{path}, {where}.{f}: expected a number or [low, high]")
            low, high = (_num(path, f"{where}.{f}", v, positive=True) for v in low_high)
            if low > high:
                raise InputError(f"{path}, {where}.{f}: low {low} exceeds high {high}")
            vals[f] = (low, high)
        for key, known, default in (("water_metric", WATER_METRICS, WATER_METRICS[0]),
                                     ("energy_metric", ENERGY_METRICS, ENERGY_METRICS[0]),
                                     ("statistic", STATISTICS, None), ("phase", PHASES, PHASES[0])):
            vals[key] = spec.get(key, default)
            _member(path, f"{where}.{key}", vals[key], known, f"the reference {key}s")
        if "energy_wh_per_query" in vals or "j_per_output_token" in vals:
            vals["energy_boundary"] = spec.get("energy_boundary")
            _member(path, f"{where}.energy_boundary", vals["energy_boundary"], ENERGY_BOUNDARIES,
                    "the energy boundaries")
        if "co2_g_per_query" in vals:
            vals["carbon_accounting"] = spec.get("carbon_accounting")
            _member(path, f"{where}.carbon_accounting", vals["carbon_accounting"], CARBON_ACCOUNTING,
                    "the carbon accountings")
        if spec.get("model") is not None:
            _member(path, f"{where}.model", spec["model"], models, "models")
            vals["model"] = spec["model"]
        if spec.get("energy_split") is not None:
            split = {str(k): _num(path, f"{where}.energy_split.{k}", v, positive=True, at_most=1.0)
                     for k, v in _mapping(path, f"{where}.energy_split", spec["energy_split"]).items()}
            if abs(sum(split.values()) - 1.0) > ENERGY_SPLIT_TOLERANCE:
                raise InputError(f"{path}, {where}.energy_split: shares sum to {sum(split.values()):.3f}, not 1")
            vals["energy_split"] = split
        if not isinstance(spec.get("confirmed", True), bool):
            raise InputError(f"{path}, {where}.confirmed: expected true or false")
        out.append(Reference(str(spec.get("name")), sources[spec["source"]], str(spec.get("boundary", "")),
                             published_model=str(spec.get("published_model", "")),
                             confirmed=spec.get("confirmed", True), confirmation=str(spec.get("confirmation", "")),
                             **vals))
    return tuple(out)


@functools.lru_cache(maxsize=4)
def _load_cached(path: Path, mtime: float) -> ServingCatalogue:
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as err:
        raise InputError(f"{path}: cannot read the serving catalogue ({err})") from None
    raw = _mapping(path, "top level", raw)
    for key in SECTIONS:
        if key not in raw:
            raise InputError(f"{path}, {key}: missing section")
    sources = {str(k): str(v) for k, v in _mapping(path, "sources", raw["sources"]).items()}
    accelerators = _accelerators(path, raw["accelerators"], sources)
    models = _models(path, raw["models"], sources)
    _source_key(path, "leaderboard", _mapping(path, "leaderboard", raw["leaderboard"]), sources)
    points = _operating_points(path, raw["operating_points"], accelerators, models)
    host = _mapping(path, "host", raw["host"])
    shares = {f: _sourced(path, f"host.{f}", host.get(f), sources, positive=True, at_most=1.0)
              for f in ("accelerator_share", "host_share")}
    prefill = _mapping(path, "prefill", raw["prefill"])
    _source_key(path, "prefill", prefill, sources)
    utilisation = _sourced(path, "prefill.utilisation", prefill.get("utilisation"), sources, positive=True,
                           at_most=1.0)
    sensitivity = prefill.get("utilisation_sensitivity")
    if not isinstance(sensitivity, list) or not sensitivity:
        raise InputError(f"{path}, prefill.utilisation_sensitivity: expected a list of utilisations in (0, 1]")
    sensitivity = tuple(_num(path, "prefill.utilisation_sensitivity", u, positive=True, at_most=1.0)
                        for u in sensitivity)
    interference = prefill.get("colocated_interference")
    _member(path, "prefill.colocated_interference", interference, INTERFERENCE_MODELS, "the interference models")
    interference_source = prefill.get("colocated_interference_source")
    if interference_source not in sources:
        raise InputError(f"{path}, prefill.colocated_interference_source: {interference_source!r} is not listed"
                         " under 'sources'")
    classes, peak = _workload(path, raw["workload"], models, sources)
    quantiles = {key: tuple(float(q) for q in raw["workload"][key]) for key in QUANTILE_KEYS}
    references = _references(path, raw["references"], sources, models)
    return ServingCatalogue(accelerators, models, points, shares["host_share"] / shares["accelerator_share"],
                            utilisation, sensitivity, classes, peak, references, sources, dict(raw["leaderboard"]),
                            path, notes={"prefill": str(prefill.get("note", "")),
                                         "colocated_interference": interference, **quantiles})


def load_serving(path: str | Path | None = None) -> ServingCatalogue:
    """Read and validate the serving catalogue (default: config/serving.yaml of this checkout)."""
    path = Path(path) if path is not None else DEFAULT_SERVING_PATH
    if not path.is_file():
        raise InputError(f"{path}: serving catalogue missing")
    return _load_cached(path.resolve(), path.stat().st_mtime)
