"""Build scenario folders by name: ``build_scenario("paper_v1")`` writes ``data/processed/paper_v1``.

A builder is a function ``build(out_dir, *, raw_root=None, offline=False) -> Path`` that writes one scenario folder
with ``greenllm.inputs.write_scenario`` (tables, scalars.json and provenance.json). Register a new one with one line
in ``SCENARIOS`` ("module:function", imported only when that scenario is built, so a broken or slow-to-import
builder never affects the others).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from pathlib import Path

from greenllm.data import cache
from greenllm.errors import InputError

DEFAULT_OUT_ROOT = Path("data") / "processed"

SCENARIOS: dict[str, str] = {
    "paper_v1": "greenllm.data.scenarios.paper_v1:build",
    "us_2024": "greenllm.data.scenarios.us_2024:build",
    "europe_2018": "greenllm.data.scenarios.europe_2018:build",
}


def builder(name: str) -> Callable[..., Path]:
    """The build function registered under ``name``; InputError listing the known names otherwise."""
    if name not in SCENARIOS:
        raise InputError(f"unknown scenario {name!r}; known scenarios: {', '.join(sorted(SCENARIOS))}")
    module, _, function = SCENARIOS[name].partition(":")
    return getattr(importlib.import_module(module), function)


def build_scenario(
    name: str,
    *,
    out_root: str | os.PathLike = DEFAULT_OUT_ROOT,
    raw_root: str | os.PathLike | None = None,
    offline: bool = False,
) -> Path:
    """Build scenario ``name`` into ``<out_root>/<name>``.

    raw_root: the download cache (default: $GREENLLM_RAW_DIR, else data/raw). offline: never touch the network;
    builders then use cached or hand-placed raw files, or a stand-in they flag on stderr and in provenance.json.
    """
    build = builder(name)
    return build(Path(out_root) / name, raw_root=cache.resolve_raw_root(raw_root), offline=offline)
