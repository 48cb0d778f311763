"""Workload recipe for real-data scenarios: token counts per query type, and hourly query demand per user area.

Token statistics come from the Azure LLM inference traces 2023 (github.com/Azure/AzurePublicDataset, files
``AzureLLMInferenceTrace_{conv,code}.csv``, CC-BY 4.0), published with Patel et al., "Splitwise: Efficient
generative LLM inference using phase splitting", ISCA 2024. Columns: TIMESTAMP, ContextTokens (prompt tokens),
GeneratedTokens (output tokens); one row per request.

Demand follows the Green-LLM paper's generator (arXiv 2507.09942; recipe: GreenLLMParameters in
model/Experiment.ipynb of github.com/JJmingcc/Green_LLM@35f7607), generalised to any number of areas and to UTC
hours, each area on its own local clock:

    multiplier_i = (0.3 + (pop_i - pop_min) / (pop_max - pop_min)) * demand_factor_i
    v_ikt = pattern[local hour] * weekday_factor(local time) * month_factor(local month)
            * max(N(1, 0.05), 0.8) * multiplier_i * type_factor_k
    queries_ikt = clip(round(q_min + (v_ikt - 0.5) * (q_max - q_min) / 0.5), q_min, q_max)   [queries per hour]

weekday_factor applies in local hours 9..16 of Monday to Friday (1 otherwise). The paper_v1 README describes a
factor of 1.2 there, but the base-case demand the authors saved (paper_v1/demand.csv) contains no such uplift and is
reproduced exactly only with 1.0: the generator multiplies a one-element array by its 24-hour weekday factor and
keeps element 0, i.e. hour 0's factor (1.0), at every hour (see greenllm.data.scenarios.paper_v1). So the default is
1.0 (PAPER_WEEKDAY_FACTOR) and the intended 1.2 (DOCUMENTED_WEEKDAY_FACTOR) is an option. The generator only ever used Monday, so weekend behaviour is our
assumption. The noise comes from numpy's legacy ``RandomState(seed)`` drawn in (area, type, hour) order, so with the
paper's areas, a Monday in UTC and seed 42 the paper's base-case demand is reproduced exactly, and any call is
deterministic given its seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from greenllm.errors import InputError

AZURE_COLUMNS = ("TIMESTAMP", "ContextTokens", "GeneratedTokens")
AZURE_CITATION = ('Azure LLM inference traces 2023 (Azure/AzurePublicDataset, CC-BY 4.0); Patel et al., '
                  '"Splitwise: Efficient generative LLM inference using phase splitting", ISCA 2024')
AZURE_TRACE_FILES = {"conversation": "AzureLLMInferenceTrace_conv.csv", "code": "AzureLLMInferenceTrace_code.csv"}
"""Query type -> trace file name in the Azure dataset."""

PAPER_HOURLY_PATTERN = (0.2, 0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.5, 0.7, 0.8, 0.9,
                        1.0, 0.95, 0.9, 0.85, 0.8, 0.85, 0.9, 0.85, 0.75, 0.6, 0.5, 0.4)
"""Relative demand by local hour of day 0..23 (paper_v1 README, "Demand")."""
PAPER_BUSINESS_HOURS = (9, 16)
"""First and last local hour (inclusive) of the weekday uplift (paper_v1 README)."""
PAPER_WEEKDAY_FACTOR = 1.0
"""Weekday business-hour factor that reproduces the paper's saved base-case demand (paper_v1/demand.csv)."""
DOCUMENTED_WEEKDAY_FACTOR = 1.2
"""Weekday business-hour factor as described in the paper_v1 README (not present in its demand.csv)."""
PAPER_MONTH_FACTOR = 1.1
"""The paper's month factor (March); the only month its generator uses (paper_v1 README)."""
PAPER_NOISE_SD = 0.05
"""Standard deviation of the multiplicative demand noise N(1, sd) (paper_v1 README)."""
PAPER_NOISE_FLOOR = 0.8
"""Lower bound of the demand noise (paper_v1 README: max(N(1, 0.05), 0.8))."""
PAPER_MIN_QUERIES = 500
PAPER_MAX_QUERIES = 1200
"""Queries per area, type and hour are clipped to [500, 1200] (paper_v1 README, min_queries / max_queries)."""
PAPER_MULTIPLIER_OFFSET = 0.3
"""Multiplier of the least populous area before its demand factor (paper_v1 README, areas.csv)."""
PAPER_TYPE_FACTORS = {"chat": 2.0, "text_summary": 1.8, "math_solving": 1.5, "code_generation": 1.2,
                      "image_generation": 0.5}
"""Demand factor per query type (paper_v1 README)."""
PAPER_SCALE_PIVOT = 0.5
"""The raw demand value that maps to q_min in the paper's linear rescaling (paper_v1 README)."""


# --- Azure traces ------------------------------------------------------------------------------------------------

def read_azure_trace(path: str | Path) -> pd.DataFrame:
    """Read one Azure LLM inference trace: columns ``timestamp`` (naive, zone not stated), ``tokens_in``
    (ContextTokens) and ``tokens_out`` (GeneratedTokens), both int [tokens per request].

    Raises InputError naming the file on a wrong header and, for bad token counts, the column and first rows.
    """
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the Azure LLM trace ({exc})") from None
    found = [str(column).strip() for column in frame.columns]
    missing = [column for column in AZURE_COLUMNS if column not in found]
    if missing:
        raise InputError(f"{path}: header must be {','.join(AZURE_COLUMNS)} (Azure LLM inference trace); "
                         f"missing {', '.join(missing)}, found {','.join(found) or 'nothing'}")
    frame.columns = found
    result = pd.DataFrame({"timestamp": _parse_timestamps(path, frame["TIMESTAMP"])})
    for source, column in (("ContextTokens", "tokens_in"), ("GeneratedTokens", "tokens_out")):
        values = pd.to_numeric(frame[source].str.strip(), errors="coerce")
        bad = values.isna() | (values < 0) | (values != values.round())
        if bad.any():
            rows = ", ".join(f"line {i + 2}: {frame[source].iloc[i]!r}" for i in np.flatnonzero(bad)[:3])
            raise InputError(f"{path}, column {source!r}: {int(bad.sum())} values are not non-negative integers "
                             f"(first: {rows})")
        result[column] = values.astype("int64")
    result.attrs.update({"source": AZURE_CITATION, "path": str(path)})
    return result


def token_stats(trace: pd.DataFrame) -> dict:
    """Request count, mean and median of input and output tokens [tokens per request], and the span [s]."""
    span = trace["timestamp"].max() - trace["timestamp"].min() if len(trace) else pd.Timedelta(0)
    return {
        "n_requests": int(len(trace)),
        "tokens_in_mean": float(trace["tokens_in"].mean()),
        "tokens_in_median": float(trace["tokens_in"].median()),
        "tokens_out_mean": float(trace["tokens_out"].mean()),
        "tokens_out_median": float(trace["tokens_out"].median()),
        "span_s": float(span.total_seconds()),
    }


def azure_token_stats(folder: str | Path, files: Mapping[str, str] = AZURE_TRACE_FILES) -> pd.DataFrame:
    """Token statistics per query type (rows: conversation, code) from the Azure trace files in ``folder``."""
    folder = Path(folder)
    rows = {query_type: token_stats(read_azure_trace(folder / name)) for query_type, name in files.items()}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "query_type"
    table.attrs["source"] = AZURE_CITATION
    return table


def _parse_timestamps(path: Path, raw: pd.Series) -> pd.Series:
    # 7 fractional digits (100 ns), e.g. 2023-11-16 18:17:03.9799600
    stamps = pd.to_datetime(raw.str.strip(), format="%Y-%m-%d %H:%M:%S.%f", errors="coerce")
    bad = stamps.isna()
    if bad.any():
        retry = pd.to_datetime(raw[bad].str.strip(), format="%Y-%m-%d %H:%M:%S", errors="coerce")
        stamps[bad] = retry
        bad = stamps.isna()
    if bad.any():
        rows = ", ".join(f"line {i + 2}: {raw.iloc[i]!r}" for i in np.flatnonzero(bad)[:3])
        raise InputError(f"{path}, column 'TIMESTAMP': {int(bad.sum())} values are not "
                         f"'YYYY-MM-DD HH:MM:SS[.fffffff]' (first: {rows})")
    return stamps


# --- Demand --------------------------------------------------------------------------------------------------------

def demand_multipliers(populations_millions: Sequence[float],
                       demand_factors: Sequence[float] | None = None) -> np.ndarray:
    """Per-area demand multiplier [-]: (0.3 + (pop - pop_min) / (pop_max - pop_min)) * demand_factor.

    With all populations equal the normalised term is 0 for every area.
    """
    population = np.asarray(populations_millions, float)
    factors = np.ones_like(population) if demand_factors is None else np.asarray(demand_factors, float)
    if population.ndim != 1 or population.size == 0:
        raise InputError("demand: need at least one area population")
    if (population <= 0).any() or not np.isfinite(population).all():
        raise InputError(f"demand: populations must be positive numbers, got {population.tolist()}")
    if factors.shape != population.shape or (factors <= 0).any():
        raise InputError(f"demand: need one positive demand factor per area, got {factors.tolist()}")
    spread = population.max() - population.min()
    normalised = (population - population.min()) / spread if spread > 0 else np.zeros_like(population)
    return (PAPER_MULTIPLIER_OFFSET + normalised) * factors


def demand_queries(areas_population: Mapping[str, float], hours: pd.DatetimeIndex,
                   type_factors: Mapping[str, float], seed: int, *,
                   timezones: Mapping[str, str] | None = None,
                   demand_factors: Mapping[str, float] | None = None,
                   hourly_pattern: Sequence[float] = PAPER_HOURLY_PATTERN,
                   weekday_factor: float = PAPER_WEEKDAY_FACTOR,
                   business_hours: tuple[int, int] = PAPER_BUSINESS_HOURS,
                   month_factors: float | Mapping[int, float] = PAPER_MONTH_FACTOR,
                   noise_sd: float = PAPER_NOISE_SD, noise_floor: float = PAPER_NOISE_FLOOR,
                   min_queries: int = PAPER_MIN_QUERIES, max_queries: int = PAPER_MAX_QUERIES) -> pd.DataFrame:
    """Hourly queries per (area, query type) [queries per hour slot], following the paper's recipe (module doc).

    areas_population: area name -> population [millions], in area order.
    hours: the UTC hour slots (time-zone aware DatetimeIndex).
    type_factors: query type name -> demand factor [-], in type order (e.g. PAPER_TYPE_FACTORS).
    seed: seeds numpy's legacy RandomState; the same inputs and seed give the same demand.
    timezones: area -> IANA zone of its users' clock (default UTC for all: no shift, as in the paper).
    demand_factors: area -> regional factor [-] (default 1).
    month_factors: one factor for every month, or {month 1..12: factor} (months not listed: 1).
    Returns a long frame sorted by (hour, area, type) with columns hour (0-based slot), time_utc, area, area_name,
    type, type_name, queries (int); area and type are 0-based positions in the given orders.
    """
    areas = list(areas_population)
    types = list(type_factors)
    if not areas or not types:
        raise InputError("demand: need at least one area and one query type")
    hours = pd.DatetimeIndex(hours)
    if hours.tz is None:
        raise InputError("demand: hours must be time-zone aware UTC stamps (use tz_localize('UTC'))")
    hours = hours.tz_convert("UTC")
    if len(hours) == 0:
        raise InputError("demand: hours is empty")
    if len(hourly_pattern) != 24:
        raise InputError(f"demand: hourly_pattern needs 24 values (local hours 0..23), got {len(hourly_pattern)}")
    if not min_queries < max_queries:
        raise InputError(f"demand: min_queries ({min_queries}) must be below max_queries ({max_queries})")
    type_factor = np.asarray([type_factors[name] for name in types], float)
    if (type_factor <= 0).any():
        raise InputError(f"demand: type factors must be positive, got {dict(type_factors)}")
    timezones = dict(timezones or {})
    unknown = [name for name in timezones if name not in areas_population]
    if unknown:
        raise InputError(f"demand: timezones given for unknown area(s) {', '.join(unknown)}")
    factors = None if demand_factors is None else [demand_factors.get(name, 1.0) for name in areas]
    multiplier = demand_multipliers([areas_population[name] for name in areas], factors)

    pattern = np.asarray(hourly_pattern, float)
    first, last = business_hours
    clock = np.empty((len(areas), len(hours)))  # pattern x weekday x month per area and UTC slot
    for i, name in enumerate(areas):
        try:
            local = hours.tz_convert(timezones.get(name, "UTC"))
        except Exception as exc:  # unknown zone names raise several exception types
            raise InputError(f"demand: area {name!r} has an unusable time zone {timezones.get(name)!r} ({exc})"
                             ) from None
        hour_of_day = np.asarray(local.hour)
        business = (np.asarray(local.day_of_week) < 5) & (hour_of_day >= first) & (hour_of_day <= last)
        if isinstance(month_factors, Mapping):
            month = np.asarray([month_factors.get(m, 1.0) for m in local.month], float)
        else:
            month = np.full(len(hours), float(month_factors))
        clock[i] = pattern[hour_of_day] * np.where(business, weekday_factor, 1.0) * month

    rng = np.random.RandomState(seed)
    noise = np.maximum(rng.normal(1.0, noise_sd, size=(len(areas), len(types), len(hours))), noise_floor)
    value = clock[:, None, :] * noise * multiplier[:, None, None] * type_factor[None, :, None]
    scaled = min_queries + (value - PAPER_SCALE_PIVOT) * (max_queries - min_queries) / PAPER_SCALE_PIVOT
    queries = np.clip(np.rint(scaled), min_queries, max_queries).astype("int64")  # rint: round half to even

    slot, area, qtype = np.meshgrid(np.arange(len(hours)), np.arange(len(areas)), np.arange(len(types)),
                                    indexing="ij")
    frame = pd.DataFrame({
        "hour": slot.ravel(),
        "time_utc": hours[slot.ravel()],
        "area": area.ravel(),
        "area_name": np.asarray(areas, dtype=object)[area.ravel()],
        "type": qtype.ravel(),
        "type_name": np.asarray(types, dtype=object)[qtype.ravel()],
        "queries": queries.transpose(2, 0, 1).ravel(),
    })
    frame.attrs.update({"seed": seed, "recipe": "Green-LLM paper_v1 demand generator, generalised to UTC hours"})
    return frame


def user_area_of_sites(regions: Sequence) -> list[int]:
    """For each site, the position of the first site with the same user area (the registry's ``user_area``: same
    name, population and year). A user area is a population, a site is a place that serves it: two sites in one
    country (e.g. two in India's zone) share one area, whose population must be counted once. InputError when two
    sites name one area with different figures."""
    first: dict[str, int] = {}
    out = []
    for j, region in enumerate(regions):
        area = region.user_area
        i = first.setdefault(area.name, j)
        other = regions[i].user_area
        if (other.population_millions, other.population_year, other.demand_factor) != (
                area.population_millions, area.population_year, area.demand_factor):
            raise InputError(f"user area {area.name!r}: sites {regions[i].id} and {region.id} give it different "
                             "figures (population_millions, population_year or demand_factor); one area, one set")
        out.append(i)
    return out


def area_shares(regions: Sequence) -> np.ndarray:
    """[-] per site: 1 / the number of sites that share its user area (user_area_of_sites)."""
    owner = np.asarray(user_area_of_sites(regions))
    return 1.0 / np.bincount(owner, minlength=len(owner))[owner]


def demand_from_regions(regions: Sequence, hours: pd.DatetimeIndex, type_factors: Mapping[str, float], seed: int,
                        *, size_millions: Sequence[float] | None = None, **kwargs) -> pd.DataFrame:
    """demand_queries for registry regions' user areas (population, time zone and demand factor from the
    registry; one demand row set per site, named by region id). size_millions: per site, the size measure of its
    user area that takes the population's place in the weight (e.g. internet users [millions]); default the
    population.

    Each distinct user area's demand is drawn once (on the clock of its first site); sites that share an area
    (user_area_of_sites) split its queries equally, the remainder going to the first ones, so adding a site to a
    served area moves demand between sites and never adds any. With every area distinct this is demand_queries of
    the sites, unchanged."""
    regions = list(regions)
    sizes = ([region.user_area.population_millions for region in regions] if size_millions is None
             else list(size_millions))
    if len(sizes) != len(regions):
        raise InputError(f"demand: {len(sizes)} area sizes for {len(regions)} sites")
    owner = user_area_of_sites(regions)
    firsts = sorted(set(owner))
    distinct = [regions[i] for i in firsts]
    frame = demand_queries(
        {regions[i].id: sizes[i] for i in firsts}, hours, type_factors, seed,
        timezones={region.id: region.timezone for region in distinct},
        demand_factors={region.id: region.user_area.demand_factor for region in distinct}, **kwargs,
    )
    if len(distinct) == len(regions):
        return frame
    position = {region.id: n for n, region in enumerate(distinct)}
    queries = frame["queries"].to_numpy().reshape(len(hours), len(distinct), len(type_factors))  # [t, area, k]
    split = np.empty((len(hours), len(regions), len(type_factors)), dtype="int64")
    for j in range(len(regions)):
        sharers = [m for m, i in enumerate(owner) if i == owner[j]]
        rank, count = sharers.index(j), len(sharers)
        whole = queries[:, position[regions[owner[j]].id], :]
        split[:, j, :] = whole // count + (rank < whole % count)
    slot, area, qtype = np.meshgrid(np.arange(len(hours)), np.arange(len(regions)), np.arange(len(type_factors)),
                                    indexing="ij")
    types = list(type_factors)
    out = pd.DataFrame({
        "hour": slot.ravel(), "time_utc": pd.DatetimeIndex(hours).tz_convert("UTC")[slot.ravel()],
        "area": area.ravel(), "area_name": np.asarray([r.id for r in regions], dtype=object)[area.ravel()],
        "type": qtype.ravel(), "type_name": np.asarray(types, dtype=object)[qtype.ravel()],
        "queries": split.ravel(),
    })
    out.attrs.update(frame.attrs, shared_user_areas={regions[i].user_area.name: [r.id for r, o in
                                                     zip(regions, owner) if o == i] for i in set(owner)
                                                     if owner.count(i) > 1})
    return out
