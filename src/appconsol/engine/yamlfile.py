"""YAML with line numbers: every mapping remembers the line of each key, so errors can say file:line.

PyYAML's safe loader is used (no Python object tags), duplicate keys are an error rather than
the last one silently winning, and a syntax error becomes a `RuleError` naming file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from appconsol.errors import AppconsolError, Location, RuleError


class LineMap(dict[str, Any]):
    """A YAML mapping that knows its own line and the line of each key and value (1-based)."""

    line: int = 0
    key_lines: dict[str, int]
    value_lines: dict[str, int]
    block_scalars: set[str]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A YAML sequence that knows the line of each item."""

    line: int = 0
    item_lines: list[int]


# libyaml's parser when PyYAML was built with it (the wheels are): same nodes, marks and safe
# constructors, about ten times faster than the pure-Python one on the rule pack.
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    result = LineMap()
    result.line = node.start_mark.line + 1
    result.key_lines, result.value_lines, result.block_scalars = {}, {}, set()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str):
            key = str(key)
        if key in result:
            raise yaml.MarkedYAMLError(
                problem=f"duplicate key '{key}' (first at line {result.key_lines[key]})",
                problem_mark=key_node.start_mark,
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
        result.value_lines[key] = value_node.start_mark.line + 1
        if isinstance(value_node, yaml.ScalarNode) and value_node.style in ("|", ">"):
            result.block_scalars.add(key)
    return result


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def read_yaml(path: Path, error: type[AppconsolError] = RuleError) -> Any:
    """Parse one YAML file; a syntax error or an unreadable file raises `error` with file:line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"cannot read the file: {exc}", location=Location(file=path)) from exc
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass: no Python tags
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        problem = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise error(f"invalid YAML: {problem}", location=Location(file=path, line=line)) from exc
    except yaml.YAMLError as exc:
        raise error(f"invalid YAML: {exc}", location=Location(file=path)) from exc
