"""Read inventories kept as YAML or JSON: a list of one mapping per application.

Engineering teams keep their estate as data files (GOV.UK's `repos.yml`, one JSON per application
in the MoJ Modernisation Platform). Each record becomes a grid row under a header of every key
seen, in first-seen order, so the rest of the loader treats it like any sheet. Nested values are
kept as JSON text. YAML aliases are refused: a few lines of anchors can expand to gigabytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from appconsol.errors import InputFileError, Location, NotAnInventoryError, UnsafeInputError
from appconsol.ingest.read import ROW_COLUMN, RawGrid


def _no_alias_loader() -> type:
    import yaml

    class NoAliasLoader(yaml.SafeLoader):
        record_lines: dict[int, int]  # id of each mapping built -> the line it starts on

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise UnsafeInputError(
                    "YAML aliases are not accepted (they can expand without limit)",
                    hint="write the values out in full",
                    location=Location(file=getattr(self, "name", None), line=event.start_mark.line + 1),
                )
            return super().compose_node(parent, index)

        def construct_yaml_map(self, node: Any) -> Any:
            # Each mapping's first line, so a record's findings can point at it (issue 12).
            data: dict[Any, Any] = {}
            self.record_lines[id(data)] = node.start_mark.line + 1
            yield data
            data.update(self.construct_mapping(node))

    NoAliasLoader.add_constructor("tag:yaml.org,2002:map", NoAliasLoader.construct_yaml_map)
    return NoAliasLoader


def load_yaml_without_aliases(
    text: str, path: Path | str | None = None, lines: dict[int, int] | None = None
) -> Any:
    """Parse YAML text, refusing aliases (a 377-byte alias bomb expands to gigabytes).

    `lines`, when given, receives the line each mapping starts on, keyed by the mapping's `id`.
    """
    loader = _no_alias_loader()(text)
    loader.name = str(path) if path is not None else "<yaml>"
    loader.record_lines = lines if lines is not None else {}
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


# Keys under which export tools and APIs wrap their list of records.
_WRAPPER_KEYS = {
    *("applications", "apps", "application", "items", "records", "data", "results", "result"),
    *("systems", "services", "entries", "rows", "value", "values", "objects", "assets"),
    *("factsheets", "fact_sheets", "nodes", "edges", "elements", "inventory", "repos", "repositories"),
    *("releases", "projects", "software", "tools", "packages", "investments", "standards", "products"),
}


def _is_wrapper(data: dict[str, Any], key: str) -> bool:
    """A document wraps a record list when the list sits under a collection key, or when nothing
    else in it looks like a record's content (metadata scalars only). A document with nested
    objects beside the list (MoJ's `tags` beside `environments`) is itself one record."""
    others = [v for k, v in data.items() if k != key]
    if key.strip().lower().replace("-", "_") in _WRAPPER_KEYS:
        # A collection key wraps the records unless an object beside it describes a record itself.
        return not any(isinstance(v, dict) and len(v) > 2 for v in others)
    return len(others) <= 3 and not any(isinstance(v, (dict, list)) for v in others)


def _looks_like_one_record(data: dict[str, Any]) -> bool:
    """An application's own document (a few scalars and a `tags` object beside its lists), not a
    document of many facts (a config or a ground-truth file, hundreds of nested keys)."""
    return any(isinstance(v, dict) for v in data.values()) and len(_flatten(data)) <= 60


def _records(data: Any, path: Path) -> list[dict[str, Any]]:
    if isinstance(data, dict):
        record_lists = {
            k: v for k, v in data.items() if isinstance(v, list) and v and all(isinstance(r, dict) for r in v)
        }
        wrappers = [k for k in record_lists if _is_wrapper(data, k)]
        if len(wrappers) == 1:
            data = record_lists[wrappers[0]]  # a mapping wrapping one list of records
        elif record_lists and not wrappers and _looks_like_one_record(data):
            data = [data]  # one application per file, with nested lists of its own (MoJ style)
        elif not record_lists:
            data = [data]  # one application per file (MoJ style)
        else:
            # Several lists of records (a config or ground-truth document) is not an inventory.
            raise NotAnInventoryError(
                "a YAML/JSON document holding several lists is not an application record list",
                location=Location(file=path),
            )
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise InputFileError(
            "expected a list of mappings, one per application",
            hint="each application is a mapping of field names to values",
            location=Location(file=path),
        )
    return data


def _flatten(record: dict[str, Any], prefix: str = "", depth: int = 0) -> dict[str, Any]:
    """Nested objects become dotted keys (`tags.business-unit`); lists stay one cell."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value and depth < 4:
            flat.update(_flatten(value, f"{name}.", depth + 1))
        else:
            flat[name] = value
    return flat


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return "; ".join(str(v) for v in value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def read_records(path: Path, encoding: str) -> RawGrid:
    import yaml

    from appconsol.ingest.text_encoding import codec

    text = path.read_bytes().decode(codec(encoding), errors="replace")
    lines: dict[int, int] = {}
    try:
        is_json = path.suffix.lower() == ".json"
        data = json.loads(text) if is_json else load_yaml_without_aliases(text, path, lines)
    except RecursionError as exc:
        raise InputFileError("the document is nested too deeply", location=Location(file=path)) from exc
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else getattr(exc, "lineno", None)
        raise InputFileError(
            f"not valid {path.suffix.lstrip('.').upper()}: {exc}".splitlines()[0],
            location=Location(file=path, line=line),
        ) from exc
    found = _records(data, path)
    starts = _json_record_lines(text, path, len(found)) if is_json else [lines.get(id(r)) for r in found]
    records = [_flatten(r) for r in found]
    keys: dict[str, None] = {}
    for record in records:
        keys.update(dict.fromkeys(str(k) for k in record))
    header = list(keys)
    rows = [header] + [[_cell(record.get(key)) for key in header] for record in records]
    columns = [f"c{i}" for i in range(len(header))]
    frame = pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")
    # Row numbers count records: the header is row 1 and the n-th record row n + 1.
    frame = frame.with_row_index(ROW_COLUMN, offset=1).with_columns(pl.col(ROW_COLUMN).cast(pl.Int64))
    return RawGrid(
        frame.select([*columns, ROW_COLUMN]), None, encoding=encoding, line_shifts=_line_shifts(starts)
    )


def _json_record_lines(text: str, path: Path, records: int) -> list[int | None]:
    """Each record's first line in a JSON file, by reading it again as YAML (JSON's superset, and
    the parser that knows lines); none when the file is large or YAML reads it differently."""
    import yaml

    if len(text) <= 2_000_000:
        lines: dict[int, int] = {}
        try:
            found = _records(load_yaml_without_aliases(text, path, lines), path)
        except (yaml.YAMLError, RecursionError, InputFileError):
            found = []
        if len(found) == records:
            return [lines.get(id(r)) for r in found]
    return [None] * records


def _line_shifts(starts: list[int | None]) -> list[tuple[int, int]]:
    """(row, offset) where a record's first line stops being its row + the offset before it."""
    shifts, offset = [], 0
    for row, line in enumerate(starts, start=2):  # the header is row 1
        if line is not None and line - row != offset:
            offset = line - row
            shifts.append((row, offset))
    return shifts
