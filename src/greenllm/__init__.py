"""Green-LLM: environmentally-aware workload allocation for distributed LLM inference (arXiv 2507.09942)."""

__version__ = "0.1.0"
