"""YAML read with bounds checked before anything walks the result: the nesting depth and the size the document
has once every alias is expanded (a few hundred bytes of nested aliases, a "billion laughs", expand to billions of
nodes: anything that walks them, a finiteness check or a schema validator, would run for minutes; a value nested
thousands deep overflows Python's recursion). Both are counted on PyYAML's event stream, which neither recurses
nor expands aliases, in time linear in the text."""

from __future__ import annotations

import yaml

from greenllm.errors import InputError

MAX_DEPTH = 64
"""Deepest nesting of lists and mappings accepted [levels]; the registries use fewer than 10."""
MAX_EXPANDED_NODES = 200_000
"""Most nodes accepted with every alias expanded; config/regions.yaml has about 2,000."""
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""PyYAML's safe loader in C (libyaml) when PyYAML was built with it: the same documents, events and errors
(with their marks) as the pure-Python one, about ten times faster on the registry."""


def check_bounds(text: str, where: str, *, max_depth: int = MAX_DEPTH,
                 max_nodes: int = MAX_EXPANDED_NODES, loader=SAFE_LOADER) -> None:
    """InputError naming ``where`` if the YAML ``text`` nests deeper than ``max_depth`` or expands (aliases
    included) to more than ``max_nodes`` nodes. Syntax errors are left to the loader that follows. libyaml stops at
    its own nesting limit (1,000) with a syntax error; the text is then walked again with the Python parser, so a
    document nested too deep is reported as such."""
    sizes: dict[str, int] = {}  # anchor -> expanded size of its node
    stack: list[list] = [[None, 0]]  # [anchor, expanded size so far] per open collection
    total = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                stack.append([event.anchor, 1])
                if len(stack) - 1 > max_depth:
                    line = event.start_mark.line + 1
                    raise InputError(f"{where}: nested more than {max_depth} levels deep (at line {line})")
                continue
            if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                anchor, size = stack.pop()
            elif isinstance(event, yaml.ScalarEvent):
                anchor, size = event.anchor, 1
            elif isinstance(event, yaml.AliasEvent):
                anchor, size = None, sizes.get(event.anchor, 1)
            else:
                continue
            if anchor is not None:
                sizes[anchor] = size
            stack[-1][1] += size
            total = max(total, stack[-1][1])
            if total > max_nodes:
                line = event.start_mark.line + 1
                raise InputError(f"{where}: expands to more than {max_nodes:,} values once its aliases are "
                                 f"expanded (at line {line}); write the values out instead of nesting aliases")
    except yaml.YAMLError:
        if loader is not yaml.SafeLoader:
            check_bounds(text, where, max_depth=max_depth, max_nodes=max_nodes, loader=yaml.SafeLoader)
        return  # the loader reports it, with its line


def safe_load(text: str, where: str, **bounds) -> object:
    """``yaml.safe_load(text)`` after check_bounds (YAMLError is raised as yaml.safe_load raises it)."""
    check_bounds(text, where, **bounds)
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader (C or Python)
