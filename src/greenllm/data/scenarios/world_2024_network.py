"""world_2024's network: the measured round-trip times between Google Cloud regions (Sukprasert et al., EuroSys
2024; file raw_gcp_latency.csv) and the rule that fills the pairs they lack (greenllm.data.scenarios.world_2024)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.data.scenarios import recipe
from greenllm.errors import DataSourceError

MS_PER_S = 1000.0

__all__ = ["MS_PER_S", "distance_fit", "read_rtt_ms", "rtt_matrix_s"]


def read_rtt_ms(path: str | os.PathLike) -> dict[tuple[str, str], float]:
    """{(sending region, receiving region): RTT [ms]} from raw_gcp_latency.csv (sending_region, receiving_region,
    milliseconds)."""
    path = Path(path)
    try:
        raw = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataSourceError(f"{path}: cannot read the latency file ({exc})") from None
    needed = ("sending_region", "receiving_region", "milliseconds")
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        raise DataSourceError(f"{path}: latency file lacks column {missing[0]!r} (columns: {', '.join(raw.columns)})")
    ms = pd.to_numeric(raw["milliseconds"], errors="coerce")
    if ms.isna().any() or (ms <= 0).any():
        raise DataSourceError(f'{path}, column "milliseconds": {int((ms.isna() | (ms <= 0)).sum())} rows are not '
                              "positive numbers")
    return {(s, r): float(v) for s, r, v in zip(raw["sending_region"], raw["receiving_region"], ms, strict=True)}


def distance_fit(regions: Sequence, measured_ms: dict[tuple[str, str], float]) -> dict:
    """Least-squares line RTT [s] = intercept + slope x great-circle distance [km] through every measured pair
    between two of ``regions`` (the registry's Google Cloud regions), for pairs measured in neither direction."""
    by_id = {r.id: r for r in regions}
    pairs = [(by_id[a], by_id[b], ms) for (a, b), ms in measured_ms.items() if a in by_id and b in by_id and a != b]
    if len(pairs) < 2:
        raise DataSourceError("gcp latency: fewer than two measured pairs between registry regions; cannot fit RTT "
                              "on distance for the unmeasured pairs")
    distance = np.array([float(recipe.great_circle_km(a.latitude, a.longitude, b.latitude, b.longitude))
                         for a, b, _ in pairs])
    rtt = np.array([ms / MS_PER_S for _, _, ms in pairs])
    slope, intercept = np.polyfit(distance, rtt, 1)
    return {"intercept_s": float(intercept), "slope_s_per_km": float(slope), "pairs_fitted": len(pairs),
            "method": ("least squares of the measured RTT on great-circle distance over every measured directed pair "
                       "between two registry regions (config/regions.yaml coordinates)")}


def rtt_matrix_s(regions: Sequence, measured_ms: dict[tuple[str, str], float], fit_regions: Sequence | None = None
                 ) -> tuple[np.ndarray, np.ndarray, dict]:
    """RTT [s] from user area i (at site i) to site j by the module's rule, the rule used per pair ([i, j] codes:
    "measured", "reverse", "own_region", "distance_fit"), and the distance fit (over ``fit_regions``, default
    ``regions``; {} when no pair needs it)."""
    ids = [r.id for r in regions]
    n = len(ids)
    distance = recipe.distance_matrix_km(regions)
    rtt = np.full((n, n), np.nan)
    rule = np.empty((n, n), dtype=object)
    for i, a in enumerate(ids):
        for j, b in enumerate(ids):
            if i == j:
                rtt[i, j], rule[i, j] = recipe.RTT_OVERHEAD_S, "own_region"
            elif (a, b) in measured_ms:
                rtt[i, j], rule[i, j] = measured_ms[(a, b)] / MS_PER_S, "measured"
            elif (b, a) in measured_ms:
                rtt[i, j], rule[i, j] = measured_ms[(b, a)] / MS_PER_S, "reverse"
    gap = np.isnan(rtt)
    fit = {}
    if gap.any():
        fit = distance_fit(regions if fit_regions is None else fit_regions, measured_ms)
        rtt[gap] = fit["intercept_s"] + fit["slope_s_per_km"] * distance[gap]
        rule[gap] = "distance_fit"
    return rtt, rule, fit
