"""Scale instances of both formulations and one measured point each (the scaling experiment and
``benchmarks/bench_scale.py``).

Instances: ``greenllm.synthetic.random_tables`` with N areas = N data centres, 5 types, 24 hours (seed N). The
per-query instance places areas and sites at random in a 4000 km x 2000 km box, sets RTT from the distance
(fibre at 200,000 km/s, x2 for the round trip, +2 ms), gives half the sites A100s and half H100s (64 each,
dc_hardware.csv) and sets each (area, type) SLO (area_type.csv delay_max_s, read per query: model option
``per_query_slo="delay_max_s"``) to its fastest route's latency + 5 ms: routes to sites more than ~500 km farther
than the best one are pruned. The paper instance keeps the synthetic table as it is (no pruning exists in the
paper's model). ``per_query_loose`` is the per-query instance with the synthetic table's loose SLOs (50-100 s):
nothing is pruned, which shows what pruning buys.
"""

from __future__ import annotations

import multiprocessing
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

BOX_KM = (4000.0, 2000.0)  # a continental-US-sized box
FIBRE_KM_PER_S = 2.0e5  # light in optical fibre, about c / 1.47
RTT_OVERHEAD_S = 0.002  # switching and last mile
SLO_MARGIN_S = 0.005  # SLO = fastest route + 5 ms
ACCELERATORS = ("A100", "H100-SXM-80GB")
ACCELERATORS_PER_DC = 64
FORMULATIONS = ("paper", "per_query", "per_query_loose")
SLO_RULE = "delay_max_s"  # per-(area, type) SLOs from area_type.csv, read as seconds per query


def write_instance(folder: Path, n: int, formulation: str) -> Path:
    """Write the scale instance of size ``n`` for ``formulation`` (one of :data:`FORMULATIONS`) into ``folder``."""
    import pandas as pd

    from greenllm.inputs import load_scenario, write_scenario
    from greenllm.outputs import write_frame
    from greenllm.per_query import load_inputs, route_latency_s
    from greenllm.synthetic import random_tables

    tables, scalars = random_tables(n_areas=n, n_dcs=n, n_types=5, n_hours=24, seed=n)
    per_query = formulation.startswith("per_query")
    if per_query:
        rng = np.random.default_rng(1000 + n)
        areas = rng.uniform(0, 1, (n, 2)) * BOX_KM
        sites = rng.uniform(0, 1, (n, 2)) * BOX_KM
        distance_km = np.linalg.norm(areas[:, None, :] - sites[None, :, :], axis=2)
        tables["area_dc"]["rtt_s"] = (2 * distance_km / FIBRE_KM_PER_S + RTT_OVERHEAD_S).ravel()
        write_scenario(folder, tables, scalars)
        hardware = pd.DataFrame({"dc": range(n), "accelerator": [ACCELERATORS[j % 2] for j in range(n)],
                                 "count": ACCELERATORS_PER_DC})
        write_frame(hardware, folder / "dc_hardware.csv")
        s = load_scenario(folder)
        latency = route_latency_s(s, load_inputs(s, slo=SLO_RULE))
        fastest_ik = latency.min(axis=(1, 3))  # over sites and hours
        if formulation == "per_query":
            tables["area_type"]["delay_max_s"] = (fastest_ik + SLO_MARGIN_S).ravel()  # rows are (area, type)
    write_scenario(folder, tables, scalars)
    if per_query:
        write_frame(hardware, folder / "dc_hardware.csv")
    return folder


def one_point(folder: Path, formulation: str, scheme: str) -> dict:
    """Load, build (timed) and solve (timed by the solver, build excluded) one instance; with the peak resident
    memory of the process [MB] (meaningful in a fresh process: :func:`measure`)."""
    from greenllm.inputs import load_scenario
    from greenllm.model import build, resolve_formulation
    from greenllm.options import ModelOptions
    from greenllm.solve import solve

    baseline_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # interpreter + imports, no instance
    s = load_scenario(folder)
    options = ModelOptions(formulation=formulation.removesuffix("_loose"), per_query_slo=SLO_RULE)
    f = resolve_formulation(None, s, options)
    started = time.perf_counter()
    lp = build(s, f, options)
    build_s = time.perf_counter() - started
    weights = (1 / 3, 1 / 3, 1 / 3) if scheme == "weighted" else None
    result = solve(s, scheme, weights=weights, solver="highs", formulation=f, options=options, verify=False)
    return {"routes": int(np.prod(lp.shape_x)), "kept": int(lp.n_x), "variables": int(lp.n_cols),
            "constraints": int(lp.n_rows), "nonzeros": int(len(lp.row_value)), "build_s": build_s,
            "solve_s": result.solve_seconds, "objective": result.objective,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, "baseline_mb": baseline_mb}


def measure(formulation: str, n: int, scheme: str = "weighted") -> dict:
    """One scaling row: write the instance, then build and solve it in a fresh process (its own peak memory)."""
    model = "per_query" if formulation.startswith("per_query") else formulation
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_instance(Path(tmp) / f"{formulation}_{n}", int(n), formulation)
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            point = pool.submit(one_point, folder, model, scheme).result()
    return {"formulation": formulation, "n": int(n), "scheme": scheme, **point}
