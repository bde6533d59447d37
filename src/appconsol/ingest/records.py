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
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise UnsafeInputError(
                    "YAML aliases are not accepted (they can expand without limit)",
                    hint="write the values out in full",
                    location=Location(file=getattr(self, "name", None), line=event.start_mark.line + 1),
                )
            return super().compose_node(parent, index)

    return NoAliasLoader


def _records(data: Any, path: Path) -> list[dict[str, Any]]:
    if isinstance(data, dict):
        record_lists = [
            v for v in data.values() if isinstance(v, list) and v and all(isinstance(r, dict) for r in v)
        ]
        if len(record_lists) == 1:
            data = record_lists[0]  # a mapping wrapping one list of records
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


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def read_records(path: Path, encoding: str) -> RawGrid:
    import yaml

    text = path.read_bytes().decode(encoding, errors="replace")
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            loader = _no_alias_loader()(text)
            loader.name = str(path)
            try:
                data = loader.get_single_data()
            finally:
                loader.dispose()
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else getattr(exc, "lineno", None)
        raise InputFileError(
            f"not valid {path.suffix.lstrip('.').upper()}: {exc}".splitlines()[0],
            location=Location(file=path, line=line),
        ) from exc
    records = _records(data, path)
    keys: dict[str, None] = {}
    for record in records:
        keys.update(dict.fromkeys(str(k) for k in record))
    header = list(keys)
    rows = [header] + [[_cell(record.get(key)) for key in header] for record in records]
    columns = [f"c{i}" for i in range(len(header))]
    frame = pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String), orient="row")
    # Row numbers count records: the header is row 1 and the n-th record row n + 1.
    frame = frame.with_row_index(ROW_COLUMN, offset=1).with_columns(pl.col(ROW_COLUMN).cast(pl.Int64))
    return RawGrid(frame.select([*columns, ROW_COLUMN]), None, encoding=encoding)
