"""Build scenario folders by name: ``build_scenario("paper_v1")`` writes ``data/processed/paper_v1``.

A builder is a function ``build(out_dir, *, raw_root=None, offline=False) -> Path`` that writes one scenario folder
with ``greenllm.inputs.write_scenario`` (tables, scalars.json and provenance.json). Register a new one with one line
in ``SCENARIOS`` ("module:function", imported only when that scenario is built, so a broken or slow-to-import
builder never affects the others).
"""

from __future__ import annotations

import importlib
import inspect
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
    "world_2024": "greenllm.data.scenarios.world_2024:build",
}


def builder(name: str) -> Callable[..., Path]:
    """The build function registered under ``name``; InputError listing the known names otherwise."""
    if name not in SCENARIOS:
        raise InputError(f"unknown scenario {name!r}; known scenarios: {', '.join(sorted(SCENARIOS))}")
    module, _, function = SCENARIOS[name].partition(":")
    return getattr(importlib.import_module(module), function)


def builder_options(name: str) -> dict[str, inspect.Parameter]:
    """The keyword options a builder accepts beyond out_dir, raw_root and offline (e.g. ``day``, ``zones``)."""
    params = inspect.signature(builder(name)).parameters
    return {k: p for k, p in params.items() if k not in ("out_dir", "raw_root", "offline")}


def _convert(name: str, option: str, text: str, default):
    """A command-line string -> the type of the builder's default (bool, int, float, sequence of str, str)."""
    if isinstance(default, bool):
        if text.lower() in ("1", "true", "yes"):
            return True
        if text.lower() in ("0", "false", "no"):
            return False
        raise InputError(f"--option {option}={text}: {name} expects true or false")
    if isinstance(default, (int, float)):
        try:
            return type(default)(text)
        except ValueError:
            raise InputError(f"--option {option}={text}: {name} expects a {type(default).__name__}") from None
    if isinstance(default, (list, tuple)):
        return tuple(part.strip() for part in text.split(",") if part.strip())
    return text


def parse_options(name: str, pairs: list[str]) -> dict:
    """``["day=2018-07-15", "zones=paper"]`` -> builder keyword arguments, checked against its signature."""
    accepted = builder_options(name)
    options = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep:
            raise InputError(f"--option {pair!r}: expected KEY=VALUE")
        if key not in accepted:
            known = ", ".join(accepted) or "none"
            raise InputError(f"--option {key}: scenario {name} has no option {key!r} (its options: {known})")
        options[key] = _convert(name, key, text, accepted[key].default)
    return options


def build_scenario(
    name: str,
    *,
    out_root: str | os.PathLike = DEFAULT_OUT_ROOT,
    raw_root: str | os.PathLike | None = None,
    offline: bool = False,
    folder_name: str | None = None,
    **options,
) -> Path:
    """Build scenario ``name`` into ``<out_root>/<folder_name or name>``.

    raw_root: the download cache (default: $GREENLLM_RAW_DIR, else data/raw). offline: never touch the network;
    builders then use cached or hand-placed raw files, or a stand-in they flag on stderr and in provenance.json.
    options: the builder's own keyword options (see ``builder_options``), e.g. ``day="2018-07-15"``.
    """
    build = builder(name)
    unknown = sorted(set(options) - set(builder_options(name)))
    if unknown:
        raise InputError(f"scenario {name} has no option {', '.join(unknown)}"
                         f" (its options: {', '.join(builder_options(name)) or 'none'})")
    return build(Path(out_root) / (folder_name or name), raw_root=cache.resolve_raw_root(raw_root), offline=offline,
                 **options)
