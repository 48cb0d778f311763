"""The options of a fleet run (config section ``serving``): :class:`FleetOptions`, with the published figures its
defaults rest on. :mod:`greenllm.serving.fleet` builds and accounts a fleet on them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from greenllm.errors import InputError

TPOT_STATISTICS = ("p99", "median")
UNPROVISIONED = ("off", "idle")
PREFILL_MODES = ("disaggregated", "colocated")
# Power oversubscription of LLM inference clusters: POLCA (Patel et al., "Characterizing Power Management
# Opportunities for LLMs in the Cloud", ASPLOS 2024, arXiv 2308.12908) deploys 30 % more inference servers within
# the same power envelope, so a site's power cap is 1 / 1.3 of its accelerators' rated facility power.
POLCA_POWER_CAP_SHARE = 1 / 1.3
# Installed capacity: twice the busy accelerators of the fleet's peak hour, i.e. 50 % utilisation at the daily peak,
# the utilisation Sukprasert et al. ("On the Limitations of Carbon-Aware Temporal and Spatial Workload Shifting in
# the Cloud", EuroSys 2024) take for spatial shifting with spare capacity.
HEADROOM = 2.0


@dataclass(frozen=True)
class FleetOptions:
    """The scale and the assumptions of a fleet run (config section ``serving``).

    queries_per_day: all areas together [queries/day]; distributed over areas and hours like the scenario's demand
    accelerators: accelerator type per site, assigned in turn (site j gets accelerators[j % len])
    accelerators_per_site: installed accelerators at every site; None: sized by the headroom rule (build_fleet)
    headroom: installed accelerators over the busy accelerators of the peak hour when every area is served at its
        nearest site at its most efficient SLO-feasible operating point [-]
    power_cap_share: each site's power cap over the rated facility power of its installed accelerators [-]
    unprovisioned: what installed accelerators without a replica draw in an hour: off (0 W) or idle (idle + host)
    min_replicas: replicas per (site, model, pool kind) kept on in every hour for availability
    integer_replicas: replicas are whole (a MILP); False: continuous (the LP relaxation)
    prefill: disaggregated (separate prefill pools, Splitwise) or colocated (on the decode replicas)
    prefill_utilisation: model FLOP utilisation of prompt processing [-]; None: the catalogue's (0.4, an assumption)
    renewable_share: on-site renewable energy over the site's load in the demand-proportional allocation [-]
    batch_limits: operating points allowed (None: every measured batch limit)
    tpot_statistic: which inter-token latency the MLPerf TPOT limit is checked against (p99: conservative)
    slo: False switches the SLO off (every pair kept), to measure what it costs
    """

    queries_per_day: float = 1e9
    accelerators: tuple[str, ...] = ("H100", "B200")
    accelerators_per_site: int | None = None
    headroom: float = HEADROOM
    power_cap_share: float = POLCA_POWER_CAP_SHARE
    unprovisioned: str = "off"
    min_replicas: int = 2
    integer_replicas: bool = True
    prefill: str = "disaggregated"
    prefill_utilisation: float | None = None
    renewable_share: float = 0.3
    batch_limits: tuple[int, ...] | None = None
    tpot_statistic: str = "p99"
    slo: bool = True

    @classmethod
    def from_mapping(cls, section) -> FleetOptions:
        """The options a configuration section or a point row's dict gives (lists become tuples; keys that are
        not options are ignored)."""
        values = {f.name: section[f.name] for f in dataclasses.fields(cls) if f.name in section}
        for key in ("accelerators", "batch_limits"):
            if values.get(key) is not None:
                values[key] = tuple(values[key])
        return cls(**values)

    def __post_init__(self) -> None:
        where = "serving options"
        if not np.isfinite(self.queries_per_day) or self.queries_per_day <= 0:
            raise InputError(f"{where}, queries_per_day: {self.queries_per_day!r} must be > 0")
        if self.accelerators_per_site is not None and int(self.accelerators_per_site) <= 0:
            raise InputError(f"{where}, accelerators_per_site: {self.accelerators_per_site!r} must be > 0")
        for name in ("headroom", "power_cap_share"):
            if not getattr(self, name) > 0:
                raise InputError(f"{where}, {name}: {getattr(self, name)!r} must be > 0")
        if self.prefill_utilisation is not None and not 0 < self.prefill_utilisation <= 1:
            raise InputError(f"{where}, prefill_utilisation: {self.prefill_utilisation!r} must be in (0, 1]")
        if int(self.min_replicas) < 0:
            raise InputError(f"{where}, min_replicas: {self.min_replicas!r} must be >= 0")
        if not 0 <= self.renewable_share:
            raise InputError(f"{where}, renewable_share: {self.renewable_share!r} must be >= 0")
        for name, allowed in (("tpot_statistic", TPOT_STATISTICS), ("unprovisioned", UNPROVISIONED),
                              ("prefill", PREFILL_MODES)):
            if getattr(self, name) not in allowed:
                raise InputError(f"{where}, {name}: {getattr(self, name)!r} is not one of {', '.join(allowed)}")
        if not self.accelerators:
            raise InputError(f"{where}, accelerators: expected at least one accelerator type")
