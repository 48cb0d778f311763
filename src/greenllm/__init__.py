"""Green-LLM: environmentally-aware workload allocation for distributed LLM inference (arXiv 2507.09942)."""

import sys

__version__ = "0.1.0"

# jsonschema (the region registry's validation, nbformat) imports rfc3987_syntax when it is installed, which builds
# an IRI grammar at import time (about 1 s of CPU in every process that validates anything); no schema here uses the
# IRI formats, and jsonschema leaves those format checks out when the import fails.
sys.modules.setdefault("rfc3987_syntax", None)
