"""Build scenario folders by name: ``build_scenario("paper_v1")`` writes ``data/processed/paper_v1``.

A builder is a function ``build(out_dir, *, raw_root=None, offline=False) -> Path`` that writes one scenario folder
with ``greenllm.inputs.write_scenario`` (tables, scalars.json and provenance.json). Register a new one with one line
in ``SCENARIOS`` ("module:function", imported only when that scenario is built, so a broken or slow-to-import
builder never affects the others).

A builder module may also define (the pipeline and the region listing use them):

- ``supports(region) -> str | None``: None if it can build that registry region, else the reason why not;
- ``raw_files(raw_root, **options) -> list[Path]``: every raw-cache file a build with these options may read
  (absolute paths, present or not), so that the pipeline rebuilds the scenario when one appears or changes. Without
  it, the whole raw cache counts as the builder's input (``build_dependencies``).
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import re
from collections.abc import Callable, Iterable
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


def raw_root_path(raw_root: str | os.PathLike | None = None) -> Path:
    """THE place the raw cache root is resolved: the argument, else $GREENLLM_RAW_DIR, else data/raw of the current
    directory, made absolute. Builders and the pipeline derive every raw path (and every "missing file" message)
    from this, so a relative root is never joined onto itself."""
    return cache.resolve_raw_root(raw_root).absolute()


def builder_module(name: str):
    """The module of the builder registered under ``name`` (InputError listing the known names otherwise)."""
    if name not in SCENARIOS:
        raise InputError(f"unknown scenario {name!r}; known scenarios: {', '.join(sorted(SCENARIOS))}")
    return importlib.import_module(SCENARIOS[name].partition(":")[0])


def region_support(region) -> dict[str, str | None]:
    """{builder name: None if it can build this registry region, else why not} for every builder that says
    (``supports``); builders that cover no registry regions (paper_v1) are left out."""
    out = {}
    for name in SCENARIOS:
        supports = getattr(builder_module(name), "supports", None)
        if supports is not None:
            out[name] = supports(region)
    return out


def build_dependencies(name: str, pairs: Iterable[str] = (), raw_root: str | os.PathLike | None = None) -> dict:
    """What building scenario builder ``name`` with options ``pairs`` (["KEY=VALUE", ...]) reads besides code:

    - ``raw_present`` / ``raw_absent``: the raw-cache files it may read (absolute), present or not yet;
    - ``regions``: {region id: registry entry with defaults filled in} of the regions it selects (the whole
      registry when the builder reads the registry without a ``region_ids`` option; none when it does not read it).

    The pipeline makes the present files inputs and the rest parameters of the build job, so adding a raw file,
    changing an option or a selected region's entry rebuilds exactly the scenarios that read it.
    """
    from greenllm.data import regions as registry

    options = parse_options(name, list(pairs))
    module = builder_module(name)
    root = raw_root_path(raw_root)
    lister = getattr(module, "raw_files", None)
    if lister is not None:
        paths = [Path(p) for p in lister(root, **options)]
    else:  # the builder does not say what it reads: the whole raw cache is its input
        paths = sorted(p for p in root.rglob("*") if p.is_file() and p.name != cache.MANIFEST_NAME
                       and not p.name.endswith(".part")) if root.is_dir() else []
    accepted = builder_options(name)
    regions_path = options.get("regions_path")
    if "region_ids" in accepted:
        ids = options.get("region_ids", accepted["region_ids"].default)
    elif "regions_path" in accepted:
        ids = list(registry.load_regions(regions_path))
    else:
        ids = []
    return {
        "raw_present": [str(p) for p in paths if p.is_file()],
        "raw_absent": [str(p) for p in paths if not p.is_file()],
        "regions": {region_id: registry.entry_record(region_id, regions_path) for region_id in ids},
    }


def dependencies_json(dependencies: dict) -> str:
    """A canonical one-line JSON text of ``build_dependencies`` minus the present files (a job parameter)."""
    return json.dumps({k: v for k, v in dependencies.items() if k != "raw_present"}, sort_keys=True,
                      separators=(",", ":"))


def builder(name: str) -> Callable[..., Path]:
    """The build function registered under ``name``; InputError listing the known names otherwise."""
    return getattr(builder_module(name), SCENARIOS[name].partition(":")[2])


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


PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
"""A scenario folder name (``--as NAME``): one path component, not hidden, not '.' or '..'."""


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

    raw_root: the download cache (default: $GREENLLM_RAW_DIR, else data/raw; made absolute by ``raw_root_path``). offline: never touch the network;
    builders then use cached or hand-placed raw files, or a stand-in they flag on stderr and in provenance.json.
    options: the builder's own keyword options (see ``builder_options``), e.g. ``day="2018-07-15"``.
    """
    if folder_name is not None and not PLAIN_NAME.fullmatch(folder_name):
        raise InputError(f"--as {folder_name!r}: a scenario name must be a plain folder name (letters, digits, '_',"
                         " '-', '.'; not starting with '.'), not a path")
    build = builder(name)
    unknown = sorted(set(options) - set(builder_options(name)))
    if unknown:
        raise InputError(f"scenario {name} has no option {', '.join(unknown)}"
                         f" (its options: {', '.join(builder_options(name)) or 'none'})")
    return build(Path(out_root) / (folder_name or name), raw_root=raw_root_path(raw_root), offline=offline,
                 **options)
