"""The serving model at fleet scale: one package.

- :mod:`~greenllm.serving.catalogue`: measured operating points, accelerators, models, workload classes, references
  (config/serving.yaml);
- :mod:`~greenllm.serving.fleet`: a scenario folder plus the catalogue at a scale, the SLO-feasible pairs, and the
  accounting of an allocation;
- :mod:`~greenllm.serving.lp`: the LP on a fleet and its schemes;
- :mod:`~greenllm.serving.baselines`: allocations a practitioner would deploy without an optimiser;
- :mod:`~greenllm.serving.experiments`: policies, margins, fronts, SLO cost, the whole experiment in one call;
- :mod:`~greenllm.serving.validation`: per-query figures against published ones on the same boundary, and the
  spatial-shifting bounds of Sukprasert et al. on our sites;
- :mod:`~greenllm.serving.deferrable`: requests that can wait (a deferrable share with a deadline, placed in the room
  the interactive plan leaves, the backlog carried across days), and the joint LP that bounds it;
- :mod:`~greenllm.serving.temporal`: temporal shifting as Sukprasert et al. (EuroSys 2024) define it, on our sites;
- :mod:`~greenllm.serving.plots`: the serving figures.
"""
